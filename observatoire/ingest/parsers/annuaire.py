"""The annuaire de l'éducation (fr-en-annuaire-education): the sites of the territory, not facts."""

from __future__ import annotations

from observatoire.model.uai import uai_problem
from observatoire.ingest.checks import check_formulas, site_code, territory_rows
from observatoire.ingest.parse_context import ParseContext
from observatoire.ingest.raw_table import RawTable
from observatoire.ingest.text import NotANumber, normalise_name, number_problem, parse_number

LABEL = "annuaire de l'éducation"
MAX_PUPILS = 100_000  # no school comes near; well inside the int32 column of sites.parquet
SITE_TYPES = {"ecole": "ecole", "college": "college", "lycee": "lycee"}
ANNUAIRE_COLUMNS = {
    "uai": ["identifiant_de_l_etablissement"],
    "name": ["nom_etablissement"],
    "type": ["type_etablissement"],
    "commune": ["code_commune"],
    "sector": ["statut_public_prive"],
    "ep": ["appartenance_education_prioritaire"],
    "circ_name": ["nom_circonscription"],
    "circ_code": ["code_circonscription"],
    "lat": ["latitude"],
    "lon": ["longitude"],
    "state": ["etat"],
    "pupils": ["nombre_d_eleves"],
}


def parse_annuaire(table: RawTable, ctx: ParseContext) -> tuple[list[dict], dict[str, str]]:
    """Site records of the territory (upserted later) and circonscription code -> name."""
    cols = {k: next((table.keys.index(a) for a in v if a in table.keys), None) for k, v in ANNUAIRE_COLUMNS.items()}
    missing = [ANNUAIRE_COLUMNS[k][0] for k in ("uai", "name", "type", "commune") if cols[k] is None]
    if missing:
        ctx.problems.error(table.name, table.header_line, None,
                           f"colonne(s) obligatoire(s) absente(s) pour l'annuaire : {', '.join(missing)}",
                           "Téléchargez l'export complet de l'annuaire de l'éducation (fr-en-annuaire-education)")
        return [], {}
    rows = territory_rows(table, cols["uai"], ctx)
    used = [i for k, i in cols.items() if i is not None and k not in ("lat", "lon", "pupils")]
    bad = check_formulas(table, ctx, used)
    communes = set(ctx.territory.communes["insee"])
    sites, circs, skipped = [], {}, {}
    bounds = ctx.territory.coordinate_bounds()
    for r in rows:
        row, line = table.rows[r], table.lines[r]
        if any((r, c) in bad for c in used):
            continue
        get = {k: (row[i].strip() if i is not None else "") for k, i in cols.items()}
        where = (table.name, line, table.column(cols["uai"]))
        uai = site_code(get["uai"])
        problem = uai_problem(uai)
        if problem:
            ctx.problems.error(*where, f"UAI invalide : {problem}", "Corrigez le code dans le fichier", kind="uai")
            continue
        site_type = SITE_TYPES.get(normalise_name(get["type"]))
        if site_type is None:
            skipped[get["type"] or "(vide)"] = skipped.get(get["type"] or "(vide)", 0) + 1
            continue
        if get["commune"] not in communes:
            ctx.problems.error(table.name, line, table.column(cols["commune"]),
                               f"code commune « {get['commune']} » inconnu du territoire", "Vérifiez le code INSEE", kind="commune")
            continue
        coords = _coordinates(get, cols, table, line, ctx, bounds)
        pupils = _pupils(get["pupils"], table, line, cols["pupils"], ctx)
        if coords is None or pupils is False:
            continue
        degree = 1 if site_type == "ecole" else 2
        circ_code = get["circ_code"] or None
        if degree == 1 and (get["circ_name"] or circ_code):
            circ_code = circ_code or _circ_code_from_name(get["circ_name"], ctx)
            circs[circ_code] = get["circ_name"] or circ_code
        ep = get["ep"].upper().replace(" ", "")
        sites.append({
            "uai": uai, "name": get["name"], "site_type": site_type, "degree": degree,
            "sector": "privé" if normalise_name(get["sector"]).startswith("prive") else "public",
            "commune_code": get["commune"], "circonscription_code": circ_code if degree == 1 else None,
            "lat": coords.get("lat"), "lon": coords.get("lon"), "pupils": pupils,
            "education_prioritaire": ep if ep in ("REP", "REP+") else "",
            "is_open": normalise_name(get["state"]) != "ferme", "line": line, "file": table.name,
        })
    if skipped:
        ctx.problems.warning(table.name, None, table.column(cols["type"]),
                             "lignes ignorées, types hors écoles, collèges et lycées : "
                             + ", ".join(f"{k} ({v})" for k, v in sorted(skipped.items())), "Rien à faire")
    return sites, circs


def _circ_code_from_name(name: str, ctx: ParseContext) -> str:
    """A circonscription code when the export gives only its name (June 2023 layout)."""
    known = {normalise_name(n): c for c, n in zip(ctx.territory.circonscriptions["code"], ctx.territory.circonscriptions["name"])}
    return known.get(normalise_name(name)) or normalise_name(name).upper()


def _coordinates(get: dict, cols: dict, table: RawTable, line: int, ctx: ParseContext, bounds) -> dict | None:
    """{'lat': …, 'lon': …} read as coordinates (a point or a comma is always the decimal mark: 5.161 is 5,161)
    and inside the territory; None after an error."""
    coords = {}
    for key, low, high in (("lat", *(bounds or (-90, 90))[:2]), ("lon", *(bounds or (0, 0, -180, 180))[2:])):
        if not get[key]:
            continue
        where = (table.name, line, table.column(cols[key]))
        try:
            value = parse_number(get[key], table.decimal, "coordinate")
        except NotANumber as exc:
            found = exc.reason or f"coordonnée « {get[key]} » illisible"
            ctx.problems.error(*where, found, "Écrivez un nombre décimal (4,93 ou 4.93) ou videz la cellule", kind="number")
            return None
        if not low <= value <= high:
            name = "latitude" if key == "lat" else "longitude"
            ctx.problems.error(*where, f"{name} {get[key]} hors du territoire ({ctx.territory.name} : entre "
                               f"{low:.2f} et {high:.2f})".replace(".", ","),
                               "Vérifiez la coordonnée (degrés décimaux, latitude et longitude non inversées) ou videz "
                               "la cellule : l'établissement sera placé au centre de sa commune", kind="coordinate")
            return None
        coords[key] = value
    return coords


def _pupils(cell: str, table: RawTable, line: int, column: int | None, ctx: ParseContext):
    """The pupil count (None when empty), or False after an error."""
    if not cell:
        return None
    where = (table.name, line, table.column(column))
    try:
        value = parse_number(cell, table.decimal, "count")
    except NotANumber as exc:
        ctx.problems.error(*where, *number_problem(cell, exc, "nombre d'élèves "), kind="number")
        return False
    if not value.is_integer() or not 0 <= value < MAX_PUPILS:
        ctx.problems.error(*where, f"nombre d'élèves « {cell} » impossible (entier de 0 à {MAX_PUPILS - 1:,} attendu)"
                           .replace(",", "\u202f"), "Corrigez le nombre d'élèves ou videz la cellule", kind="pupils")
        return False
    return int(value)

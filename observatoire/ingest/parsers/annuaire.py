"""The annuaire de l'éducation (fr-en-annuaire-education): the sites of the territory, not facts."""

from __future__ import annotations

from observatoire.model.uai import uai_problem
from observatoire.ingest.checks import check_formulas, site_code, territory_rows
from observatoire.ingest.parse_context import ParseContext
from observatoire.ingest.raw_table import RawTable
from observatoire.ingest.text import NotANumber, normalise_name, parse_number

LABEL = "annuaire de l'éducation"
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
        coords = {}
        for key in ("lat", "lon"):
            if get[key]:
                try:
                    coords[key] = parse_number(get[key], table.decimal)
                except NotANumber:
                    ctx.problems.error(table.name, line, table.column(cols[key]), f"coordonnée « {get[key]} » illisible",
                                       "Écrivez un nombre décimal (4,93 ou 4.93) ou videz la cellule", kind="number")
        pupils = None
        if get["pupils"]:
            try:
                pupils = int(parse_number(get["pupils"], table.decimal))
            except NotANumber:
                pupils = None
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

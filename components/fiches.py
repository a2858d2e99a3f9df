"""Blocks of the fiches (pages/views/etablissement.py, commune.py): labels, the search, the subject named by the
link, identity, comparison tables and their exports, the history chart. They take data; the pages fetch it.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from components.shell import page_path
from components.tables import DEMO_NOTE
from observatoire.metrics.fiche import selected_key
from observatoire.metrics.progress import target_is_level
from observatoire.model.catalog import UNITS, Indicator
from observatoire.model.filters import SITE_TYPE_LABELS, Filters
from observatoire.model.search import code_in_link, fold, matches
from observatoire.model.territory import Territory
from observatoire.output.charts import trend_chart
from observatoire.output.numbers import format_number, format_value

NO_VALUE_CELL = "pas encore de donnée"   # a table cell with no value
HISTORY_HELP = "Valeur à chaque instantané jusqu'à la date choisie"
SEARCH_LIMIT = 20


def site_label(name: str, commune_name: str, uai: str) -> str:
    """How a school is shown in the search box, and so written in the URL: 'École X — Laon (0021000B)'."""
    return f"{name} — {commune_name} ({uai})"


def commune_label(name: str, code: str) -> str:
    return f"{name} ({code})"


def search_index(codes: list[str], labels: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(code, shown label, folded label) of every subject: what search_box scans."""
    return codes, labels, [fold(label) for label in labels]


def _value(value, indicator: Indicator) -> str:
    return NO_VALUE_CELL if value is None or pd.isna(value) else format_value(value, indicator.unit)


# A fiche's subject lives in the URL (?uai=…, ?code=…) as the label the search lists, or as the bare code
# a hand-written link or the map gives; the last one opened is kept in the session for a return by the menu.
# No selectbox: over 60 000 schools its labels cost ~0.5 s a rerun to build and several MB to send; the
# communes of a national territory (~35 000) would cost the same.

def search_box(param: str, label: str, placeholder: str, index: tuple[list[str], list[str], list[str]],
               key: str) -> None:
    """A text search over `index` (codes, labels, folded labels); each match is a button that opens its fiche."""
    codes, labels, folded = index
    text = st.text_input(label, key=key, placeholder=placeholder)
    typed = fold(text)
    if not typed:
        return
    found = matches(folded, text)
    found.sort(key=lambda i: fold(codes[i]) != typed)  # a code typed in full comes first (stable sort)
    if not found:
        st.caption(f"Aucun résultat pour « {text.strip()} ».")
        return
    more = len(found) - SEARCH_LIMIT
    st.caption(f"{format_number(len(found))} résultat{'s' if len(found) > 1 else ''}"
               + (f" ; les {SEARCH_LIMIT} premiers sont listés, précisez la recherche." if more > 0 else "."))
    for i in found[:SEARCH_LIMIT]:
        st.button(_plain(labels[i]), key=f"{key}-{codes[i]}", type="tertiary", on_click=_open_subject,
                  args=(param, labels[i], key))


def _plain(label: str) -> str:
    """A button label shown as written: a button reads Markdown, and a name may hold * or _."""
    return "".join("\\" + c if c in "\\*_[]`$~<>#|" else c for c in label)


def _open_subject(param: str, label: str, search_key: str) -> None:
    st.query_params[param] = label
    st.session_state[search_key] = ""


def linked_subject(param: str, find, label_of, unknown: str, fallback: str | None = None):
    """The subject the URL names (?param=CODE or its shown label), else the one last opened in this
    session, else `fallback`; None when there is none or the code is unknown (then `unknown` is shown).

    A bare or outdated link gets the shown label written in the address bar, so what a user copies
    reads well and reloads the same fiche. find(code) -> subject or None; label_of(subject) -> label."""
    remembered = f"fiche-{param}"
    raw = st.query_params.get(param) or st.session_state.get(remembered) or fallback
    if not raw:
        return None
    subject = find(code_in_link(raw))
    if subject is None:
        st.warning(unknown.format(code_in_link(raw)))
        return None
    label = label_of(subject)
    if st.query_params.get(param) != label:
        st.query_params[param] = label
    st.session_state[remembered] = code_in_link(label)
    return subject


def area_of(site: pd.Series) -> tuple[str, str]:
    """('circonscription', 'Circonscription de Laon') for a 1st-degree site, ('bassin', …) for a 2nd-degree one."""
    if pd.notna(site.get("circonscription_code")):
        return "circonscription", site["circonscription_name"] or site["circonscription_code"]
    if pd.notna(site.get("bassin_code")):
        return "bassin", site["bassin_name"] or site["bassin_code"]
    return "zone", site.get("zone_name") or ""


def area_filters(site: pd.Series) -> Filters:
    if pd.notna(site.get("circonscription_code")):
        return Filters(circonscription=site["circonscription_code"])
    if pd.notna(site.get("bassin_code")):
        return Filters(bassin=site["bassin_code"])
    return Filters(commune=site["commune_code"])


def fiche_heading(name: str, is_demo: bool) -> None:
    st.header(name)
    st.caption("Les filtres territoriaux ne s'appliquent pas à une fiche ; seul l'instantané choisi compte."
               + (f" {DEMO_NOTE}." if is_demo else ""))


def draw_facts(facts: dict[str, object], per_row: int) -> None:
    """Label over value, `per_row` to a row (the rest on a second row)."""
    columns = st.columns(per_row) + (st.columns(len(facts) - per_row) if len(facts) > per_row else [])
    for column, (label, value) in zip(columns, facts.items()):
        column.markdown(f"**{label}**  \n{value}")


def site_facts(territory: Territory, site: pd.Series) -> dict[str, object]:
    """The identity of a school, as its fiche shows it."""
    area, area_name = area_of(site)
    facts = {
        "Type": SITE_TYPE_LABELS.get(site["site_type"], site["site_type"]),
        "UAI": site["uai"],
        "Commune": site["commune_name"],
        area.capitalize(): area_name,
        "Classe d'isolement": territory.isolation_labels.get(site["isolation"], site["isolation"]),
        "Accès": territory.access_labels.get(site["access"], site["access"]),
        "Élèves": format_number(site["pupils"]),
        "Secteur": str(site["sector"]).capitalize() if pd.notna(site["sector"]) else "—",
    }
    if site.get("village"):
        facts["Village"] = site["village"]
    return facts


def commune_facts(territory: Territory, commune: pd.Series, sites: pd.DataFrame) -> dict[str, object]:
    """The identity of a commune and the count of its sites and pupils."""
    zones = dict(zip(territory.zones["zone"], territory.zones["name"]))
    return {
        "Code INSEE": commune["insee"],
        "Population": format_number(int(commune["population"])),
        "Zone": zones.get(commune["zone"], commune["zone"]),
        "Classe d'isolement": territory.isolation_labels.get(commune["isolation"], commune["isolation"]),
        "Accès": territory.access_labels.get(commune["access"], commune["access"]),
        "Établissements": format_number(len(sites)),
        "Élèves": format_number(sites["pupils"].sum()),
    }


def site_listing(territory: Territory, sites: pd.DataFrame) -> pd.DataFrame:
    """The sites of a commune in French columns."""
    return pd.DataFrame({
        "Établissement": sites["name"],
        "UAI": sites["uai"],
        "Type": sites["site_type"].map(SITE_TYPE_LABELS),
        "Classe d'isolement": sites["isolation"].map(territory.isolation_labels),
        "Accès": sites["access"].map(territory.access_labels),
        "Village": sites["village"].fillna(""),
        "Élèves": sites["pupils"],
    })


def comparison_table(indicators: list[Indicator], comparison: pd.DataFrame,
                     class_label: str, area_label: str) -> pd.DataFrame:
    by_id = {i.id: i for i in indicators}
    inds = [by_id[i] for i in comparison["indicator_id"]]
    return pd.DataFrame({
        "Indicateur": [i.label for i in inds],
        "Origine": [i.origin for i in inds],
        "Valeur": [_value(v, i) for v, i in zip(comparison["value"], inds)],
        "Instantané précédent": [_value(v, i) for v, i in zip(comparison["previous_value"], inds)],
        f"Médiane « {class_label} »": [_value(v, i) for v, i in zip(comparison["class_median"], inds)],
        f"Médiane {area_label}": [_value(v, i) for v, i in zip(comparison["area_median"], inds)],
        "Historique": comparison["history"],
    })


def comparison_export(indicators: list[Indicator], comparison: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Numbers, not text, in the downloads."""
    units = [next(i.unit for i in indicators if i.id == x) for x in comparison["indicator_id"]]
    out = pd.DataFrame({"Indicateur": table["Indicateur"], "Identifiant": comparison["indicator_id"],
                        "Origine": table["Origine"], "Unité": [export_unit(u) for u in units]})
    columns = [c for c in table.columns if c not in ("Indicateur", "Origine")]
    out[columns[0]] = export_values(comparison["value"], units)
    out[columns[1]] = export_values(comparison["previous_value"], units)
    out[columns[2]] = export_values(comparison["class_median"], units)
    out[f"Sites {columns[2][8:]}"] = comparison["class_sites"]
    out[columns[3]] = export_values(comparison["area_median"], units)
    out[f"Sites {columns[3][8:]}"] = comparison["area_sites"]
    return out


def export_unit(unit: str) -> str:
    """The unit in French, as the downloads write it: a rate is given in percent."""
    return "taux (%)" if unit == "rate" else UNITS.get(unit, unit)


def export_values(values, units: list[str]) -> list[float | None]:
    """One value per row, in the unit export_unit names: rates in percent (1 decimal), scores to 2 decimals."""
    out = []
    for value, unit in zip(values, units):
        if value is None or pd.isna(value):
            out.append(None)
        elif unit == "rate":
            out.append(round(float(value) * 100, 1))
        else:
            out.append(round(float(value), 2))
    return out


def site_history_chart(territory: Territory, site: pd.Series, indicator: Indicator, own: pd.DataFrame,
                       peers: pd.DataFrame, area: pd.DataFrame, class_label: str, area_label: str):
    """The site's value over the snapshots against the medians of its class (`peers`) and of its `area`."""
    groups = {"site": "Cet établissement", "classe": f"Médiane « {class_label} »", "zone": f"Médiane {area_label}"}
    series = pd.concat([
        own[["snapshot_date", "value"]].assign(groupe="site"),
        peers[["snapshot_date", "median"]].rename(columns={"median": "value"}).assign(groupe="classe"),
        area[["snapshot_date", "median"]].rename(columns={"median": "value"}).assign(groupe="zone"),
    ], ignore_index=True)
    colors = {"site": "#000091", "classe": territory.isolation_colors.get(site["isolation"], "#666666"),
              "zone": "#009E73"}
    # A count's target is the académie's total: meaningless over one school's line; a rate's target is not.
    return trend_chart(series, indicator, title=f"{indicator.label} : l'établissement et les médianes de comparaison",
                       color_by="groupe", colors=colors, labels=groups,
                       show_targets=target_is_level(indicator))


def commune_tables(indicators: list[Indicator], mine: pd.DataFrame, everywhere: pd.DataFrame,
                   day) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shown table, numeric export): each indicator's value in the commune (`mine`, every snapshot up to `day`),
    its history, and the académie's value (`everywhere`, at `day`)."""
    academie = dict(zip(everywhere["indicator_id"], everywhere["value"]))
    rows = []
    for ind in indicators:
        own = mine[mine["indicator_id"] == ind.id].sort_values("snapshot_date")
        now = own[own["snapshot_date"] == day]["value"]
        rows.append({
            "indicator": ind,
            "value": float(now.iloc[0]) if len(now) and pd.notna(now.iloc[0]) else None,
            "academie": academie.get(ind.id),
            "history": [float(v) for v in own["value"].fillna(0)],
        })
    levels = {"commune": "mesuré par commune", "site": "établissements agrégés"}
    table = pd.DataFrame({
        "Indicateur": [r["indicator"].label for r in rows],
        "Mesure": [levels[r["indicator"].level] for r in rows],
        "Valeur": [_value(r["value"], r["indicator"]) for r in rows],
        "Académie": [_value(r["academie"], r["indicator"]) for r in rows],
        "Historique": [r["history"] for r in rows],
    })
    export = pd.DataFrame({
        "Indicateur": table["Indicateur"], "Identifiant": [r["indicator"].id for r in rows],
        "Unité": [export_unit(r["indicator"].unit) for r in rows], "Mesure": table["Mesure"],
        "Valeur": export_values([r["value"] for r in rows], [r["indicator"].unit for r in rows]),
        "Académie": export_values([r["academie"] for r in rows], [r["indicator"].unit for r in rows]),
    })
    return table, export


def open_fiche(event, table: pd.DataFrame, column: str, target: str, param: str,
               label_of: Callable[[str], str] | None = None) -> None:
    """Switch to the fiche of the selected row. query_params must be given: st.switch_page raises when
    bound parameters are in the URL otherwise; the global filters survive (persisted in session). The
    fiche's search box is bound to the URL by its shown label, so the label is what the link carries."""
    chosen = selected_key(event, table, column)
    if chosen:
        st.switch_page(page_path(target), query_params={param: label_of(chosen) if label_of else chosen})

"""The fiche of one school (?uai=…) and of one commune (?code=…): identity, indicators, comparisons.

A fiche describes one place: the territorial filters of the sidebar do not apply to it, only the
snapshot date does. The fiche commune has its own `code` parameter (an INSEE code); opened without
it, it shows the commune chosen in the global "commune" filter, if any.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.charts import trend_chart
from components.session import get_store, indicator_medians, indicator_values, query
from components.shell import Context, context, page_header, page_path
from components.tables import DEMO_NOTE, download_buttons, french_styler, screen_rows
from observatoire.model.catalog import UNITS, Indicator
from observatoire.model.dates import format_date_fr
from observatoire.metrics.fiche import applies_to_site, selected_key, site_comparison
from observatoire.metrics.progress import target_is_level
from observatoire.model.filters import SITE_TYPE_LABELS, Filters
from observatoire.output.numbers import format_number, format_value
from observatoire.model.search import code_in_link, fold, matches

NO_DATA = "pas encore de donnée"
HISTORY_HELP = "Valeur à chaque instantané jusqu'à la date choisie"
SEARCH_LIMIT = 20


def site_label(name: str, commune_name: str, uai: str) -> str:
    """How a school is shown in the search box, and so written in the URL: 'École X — Laon (0021000B)'."""
    return f"{name} — {commune_name} ({uai})"


def commune_label(name: str, code: str) -> str:
    return f"{name} ({code})"


def _value(value, indicator: Indicator) -> str:
    return NO_DATA if value is None or pd.isna(value) else format_value(value, indicator.unit)


# ---------------------------------------------------------------- fiche établissement

def render_site() -> None:
    ctx = context()
    page_header(ctx, "Fiche établissement")
    search_box("uai", "Rechercher un établissement (nom, commune ou UAI)", "Tapez un nom, une commune ou un code UAI",
               _site_index(str(ctx.store.data_dir), ctx.store.fingerprint), "recherche-etablissement")
    site = linked_site()
    if site is None:
        st.info("Cherchez un établissement ci-dessus, ou sélectionnez une ligne d'un classement sur une page d'axe.")
        return
    uai = site["uai"]
    st.header(site["name"])
    st.caption("Les filtres territoriaux ne s'appliquent pas à une fiche ; seul l'instantané choisi compte."
               + (f" {DEMO_NOTE}." if ctx.store.is_demo else ""))
    draw_identity(ctx, site)
    day = ctx.view.snapshot_date
    if day is None:
        st.info("Aucun instantané : pas encore de donnée.")
        return
    indicators = [i for i in ctx.catalog.indicators if applies_to_site(i, int(site["degree"]))]
    comparison = site_indicators(ctx, site, indicators)
    area, area_name = area_of(site)
    class_label = ctx.store.territory.isolation_labels.get(site["isolation"], site["isolation"])
    st.subheader(f"Indicateurs mesurés par établissement, au {format_date_fr(day)}")
    st.caption(f"Comparaison avec la médiane des sites de la classe « {class_label} » et de la "
               f"{area} {area_name} (sites ayant une valeur à cet instantané).")
    table = comparison_table(ctx, indicators, comparison, class_label, f"{area} {area_name}")
    st.dataframe(table, hide_index=True, key="etablissement-indicateurs", column_config={
        "Historique": st.column_config.LineChartColumn("Historique", help=HISTORY_HELP)})
    download_buttons(comparison_export(indicators, comparison, table),
                     ["etablissement", uai, str(day)], {**ctx.about(), "Établissement": f"{site['name']} ({uai})"},
                     key="dl-etablissement")
    st.subheader("Historique d'un indicateur")
    chosen = st.selectbox("Indicateur", [i.id for i in indicators], key="etablissement-indicateur",
                          format_func=lambda i: ctx.catalog.indicator(i).label)
    if chosen:
        st.altair_chart(site_history_chart(ctx, site, ctx.catalog.indicator(chosen), class_label,
                                           f"{area} {area_name}"), key="etablissement-graphique")


# A fiche's subject lives in the URL (?uai=…, ?code=…) as the label the search lists, or as the bare code
# a hand-written link or the map gives; the last one opened is kept in the session for a return by the menu.
# No selectbox: over 60 000 schools its labels cost ~0.5 s a rerun to build and several MB to send; the
# communes of a national territory (~35 000) would cost the same.

@st.cache_resource(show_spinner=False, max_entries=2)
def _site_index(directory: str, state: str) -> tuple[list[str], list[str], list[str]]:
    """(UAI, shown label, folded label) of every site, built once per data state; a search only scans it."""
    sites = query("site_directory", uai=None)
    uais = list(sites["uai"])
    labels = [site_label(n, c, u) for u, n, c in zip(uais, sites["name"], sites["commune_name"].fillna(""))]
    return uais, labels, [fold(label) for label in labels]


@st.cache_resource(show_spinner=False, max_entries=2)
def _commune_index(directory: str, state: str) -> tuple[list[str], list[str], list[str]]:
    """(INSEE code, shown label, folded label) of every commune, by name."""
    communes = get_store().territory.communes.sort_values("name")
    codes = list(communes["insee"])
    labels = [commune_label(n, c) for n, c in zip(communes["name"], codes)]
    return codes, labels, [fold(label) for label in labels]


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


def linked_site() -> pd.Series | None:
    """The site the URL names (?uai=CODE or its label), else the one last opened in this session."""
    def find(code: str) -> pd.Series | None:
        rows = query("site_directory", uai=code.upper())
        return None if rows.empty else rows.iloc[0]

    def label(site: pd.Series) -> str:
        return site_label(site["name"], site["commune_name"] if pd.notna(site["commune_name"]) else "", site["uai"])

    return linked_subject("uai", find, label, "Aucun établissement ne porte le code UAI « {} » dans ces données : "
                          "cherchez-le par son nom ci-dessus.")


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


def draw_identity(ctx: Context, site: pd.Series) -> None:
    territory = ctx.store.territory
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
    for column, (label, value) in zip(st.columns(4) + st.columns(len(facts) - 4 or 1), facts.items()):
        column.markdown(f"**{label}**  \n{value}")


def site_indicators(ctx: Context, site: pd.Series, indicators: list[Indicator]) -> pd.DataFrame:
    """The comparison rows (observatoire.metrics.fiche.site_comparison) for this site at the chosen snapshot."""
    day = ctx.view.snapshot_date
    ids = [i.id for i in indicators]
    own = indicator_values(ids, Filters(), "site", date_to=day, uai=site["uai"])
    peers = indicator_medians(ids, Filters(isolation=site["isolation"]), date_from=day, date_to=day)
    area = indicator_medians(ids, area_filters(site), date_from=day, date_to=day)
    return site_comparison(indicators, own, peers, area, day)


def comparison_table(ctx: Context, indicators: list[Indicator], comparison: pd.DataFrame,
                     class_label: str, area_label: str) -> pd.DataFrame:
    by_id = {i.id: i for i in indicators}
    inds = [by_id[i] for i in comparison["indicator_id"]]
    return pd.DataFrame({
        "Indicateur": [i.label for i in inds],
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
                        "Unité": [export_unit(u) for u in units]})
    columns = list(table.columns)
    out[columns[1]] = export_values(comparison["value"], units)
    out[columns[2]] = export_values(comparison["previous_value"], units)
    out[columns[3]] = export_values(comparison["class_median"], units)
    out[f"Sites {columns[3][8:]}"] = comparison["class_sites"]
    out[columns[4]] = export_values(comparison["area_median"], units)
    out[f"Sites {columns[4][8:]}"] = comparison["area_sites"]
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


def site_history_chart(ctx: Context, site: pd.Series, indicator: Indicator, class_label: str, area_label: str):
    """The site's value over the snapshots against the medians of its class and of its area."""
    own = indicator_values([indicator.id], Filters(), "site", uai=site["uai"])[["snapshot_date", "value"]]
    peers = indicator_medians([indicator.id], Filters(isolation=site["isolation"]))
    area = indicator_medians([indicator.id], area_filters(site))
    groups = {"site": "Cet établissement", "classe": f"Médiane « {class_label} »", "zone": f"Médiane {area_label}"}
    series = pd.concat([
        own.assign(groupe="site"),
        peers[["snapshot_date", "median"]].rename(columns={"median": "value"}).assign(groupe="classe"),
        area[["snapshot_date", "median"]].rename(columns={"median": "value"}).assign(groupe="zone"),
    ], ignore_index=True)
    colors = {"site": "#000091", "classe": ctx.store.territory.isolation_colors.get(site["isolation"], "#666666"),
              "zone": "#009E73"}
    # A count's target is the académie's total: meaningless over one school's line; a rate's target is not.
    return trend_chart(series, indicator, title=f"{indicator.label} : l'établissement et les médianes de comparaison",
                       color_by="groupe", colors=colors, labels=groups,
                       show_targets=target_is_level(indicator))


# ---------------------------------------------------------------- fiche commune

def render_commune() -> None:
    ctx = context()
    page_header(ctx, "Fiche commune")
    communes = ctx.store.territory.communes
    search_box("code", "Rechercher une commune (nom ou code INSEE)", "Tapez un nom ou un code INSEE",
               _commune_index(str(ctx.store.data_dir), ctx.store.fingerprint), "recherche-commune")

    def find(code: str) -> pd.Series | None:
        rows = communes[communes["insee"] == code.upper()]
        return None if rows.empty else rows.iloc[0]

    commune = linked_subject("code", find, lambda c: commune_label(c["name"], c["insee"]),
                             "Aucune commune ne porte le code INSEE « {} » dans ces données : "
                             "cherchez-la par son nom ci-dessus.",
                             fallback=ctx.view.filters.commune)
    if commune is None:
        st.info("Cherchez une commune ci-dessus (ou choisissez-la dans le filtre « Commune » de la barre latérale).")
        return
    code = commune["insee"]
    st.header(commune["name"])
    st.caption("Les filtres territoriaux ne s'appliquent pas à une fiche ; seul l'instantané choisi compte."
               + (f" {DEMO_NOTE}." if ctx.store.is_demo else ""))
    directory = query("site_directory", uai=None)
    sites = directory[directory["commune_code"] == code].reset_index(drop=True)
    territory = ctx.store.territory
    zones = dict(zip(territory.zones["zone"], territory.zones["name"]))
    facts = {
        "Code INSEE": code,
        "Population": format_number(int(commune["population"])),
        "Zone": zones.get(commune["zone"], commune["zone"]),
        "Classe d'isolement": territory.isolation_labels.get(commune["isolation"], commune["isolation"]),
        "Accès": territory.access_labels.get(commune["access"], commune["access"]),
        "Établissements": format_number(len(sites)),
        "Élèves": format_number(sites["pupils"].sum()),
    }
    for column, (label, value) in zip(st.columns(len(facts)), facts.items()):
        column.markdown(f"**{label}**  \n{value}")
    day = ctx.view.snapshot_date
    if day is None:
        st.info("Aucun instantané : pas encore de donnée.")
        return

    st.subheader(f"Indicateurs de la commune, au {format_date_fr(day)}")
    st.caption("Indicateurs mesurés par commune (par exemple les subventions d'équipement), puis indicateurs "
               "des établissements de la commune agrégés selon leur règle (somme, rapport des sommes).")
    indicators = [i for i in ctx.catalog.indicators if i.level in ("commune", "site")]
    table, export = commune_indicators(ctx, code, indicators)
    st.dataframe(table, hide_index=True, key="commune-indicateurs", column_config={
        "Historique": st.column_config.LineChartColumn("Historique", help=HISTORY_HELP)})
    download_buttons(export, ["commune", code, "indicateurs", str(day)],
                     {**ctx.about(), "Commune": f"{commune['name']} ({code})"}, key="dl-commune-indicateurs")

    st.subheader(f"Établissements de la commune ({len(sites)})")
    if sites.empty:
        st.info("Aucun établissement dans cette commune.")
        return
    listing = pd.DataFrame({
        "Établissement": sites["name"],
        "UAI": sites["uai"],
        "Type": sites["site_type"].map(SITE_TYPE_LABELS),
        "Classe d'isolement": sites["isolation"].map(territory.isolation_labels),
        "Accès": sites["access"].map(territory.access_labels),
        "Village": sites["village"].fillna(""),
        "Élèves": sites["pupils"],
    })
    shown, cut = screen_rows(listing)
    st.caption("Sélectionnez une ligne pour ouvrir la fiche de l'établissement." + cut)
    event = st.dataframe(french_styler(shown, {"Élèves": "int"}), hide_index=True, key="commune-sites",
                         on_select="rerun", selection_mode="single-row")
    chosen = selected_key(event, shown, "UAI")
    if chosen:
        label = site_label(*sites.loc[sites["uai"] == chosen, ["name", "commune_name"]].iloc[0], chosen)
        st.switch_page(page_path("etablissement"), query_params={"uai": label})
    download_buttons(listing, ["commune", code, "etablissements", str(day)],
                     {**ctx.about(), "Commune": f"{commune['name']} ({code})"}, key="dl-commune-sites")


def commune_indicators(ctx: Context, code: str, indicators: list[Indicator]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shown table, numeric export): each indicator's value in the commune, its history, the académie value."""
    day = ctx.view.snapshot_date
    ids = [i.id for i in indicators]
    mine = indicator_values(ids, Filters(commune=code), "total", date_to=day)
    everywhere = indicator_values(ids, Filters(), "total", date_from=day, date_to=day)
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

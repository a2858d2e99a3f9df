"""The global filters as widgets: keys are the URL parameter names, values kept in the URL and across pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from components.session import query
from observatoire.dates import format_date_fr, school_year
from observatoire.filters import DEGREE_LABELS, SITE_TYPE_LABELS, Filters

# Widget key (= URL parameter) -> Filters field.
FILTER_KEYS = {
    "degre": "degree",
    "type": "site_type",
    "isolement": "isolation",
    "zone": "zone",
    "commune": "commune",
    "circonscription": "circonscription",
    "bassin": "bassin",
}
GLOBAL_KEYS = ("annee", "date", *FILTER_KEYS)


@dataclass(frozen=True)
class View:
    """What every page reads: the chosen snapshot and the territorial filters."""

    snapshot_date: date | None
    school_year: str | None
    filters: Filters


def _bound(label: str, options: list, key: str, format_func, container, help: str | None = None):
    """A selectbox kept in the URL and across pages.

    Streamlit writes the *shown* label in the URL (?circonscription=Cayenne+1); a link that carries
    the code instead (?circonscription=C01, ?date=2025-01-31) is rewritten to the label first.
    """
    raw = st.query_params.get(key)
    if raw is not None:
        shown = {format_func(o): o for o in options}
        if raw not in shown:
            by_code = {str(o): o for o in options if o is not None}
            by_code.update({k.casefold(): v for k, v in shown.items()})
            option = by_code.get(raw, by_code.get(raw.casefold()))
            if option is not None:
                st.query_params[key] = format_func(option)
                st.session_state[key] = option
    return container.selectbox(label, options, format_func=format_func, key=key, bind="query-params", placeholder="Choisir…",
                               persist_state="session", help=help)


def filter_widgets(store, container) -> View:
    """Draw the global filters in `container` (the sidebar) and return the current view."""
    by_filter = filter_labels(store)
    dates = sorted(store.snapshot_dates, reverse=True)
    years = sorted({school_year(d) for d in dates}, reverse=True)

    wanted = _date_in_url(dates)
    if wanted and "annee" not in st.query_params:
        st.session_state["annee"] = school_year(wanted)
    year = _bound("Année scolaire", years, "annee", str, container)
    in_year = [d.isoformat() for d in dates if school_year(d) == year] or [d.isoformat() for d in dates]
    chosen = _bound("Instantané", in_year, "date", lambda d: format_date_fr(date.fromisoformat(d)), container,
                    help="Date de l'instantané des indicateurs ; les évolutions se comparent au précédent.")
    container.divider()
    labels = store.territory.isolation_labels
    values = {
        "degre": _bound("Degré", [None, 1, 2], "degre", lambda v: "Tous les degrés" if v is None else DEGREE_LABELS[v], container),
        "type": _bound("Type d'établissement", [None, *SITE_TYPE_LABELS], "type",
                       lambda v: "Tous les types" if v is None else SITE_TYPE_LABELS[v], container),
        "isolement": _bound("Classe d'isolement", [None, *labels], "isolement",
                            lambda v: "Toutes les classes" if v is None else labels[v], container),
        "zone": _choice("Zone", "zone", by_filter.get("zone", {}), "Toutes les zones", container),
        "commune": _choice("Commune", "commune", by_filter.get("commune", {}), "Toutes les communes", container),
        "circonscription": _choice("Circonscription (1er degré)", "circonscription",
                                   by_filter.get("circonscription", {}), "Toutes les circonscriptions", container),
        "bassin": _choice("Bassin (2nd degré)", "bassin", by_filter.get("bassin", {}), "Tous les bassins", container),
    }
    filters = Filters.from_mapping({FILTER_KEYS[k]: v for k, v in values.items()})
    return View(date.fromisoformat(chosen) if chosen else None, year, filters)


def _date_in_url(dates: list[date]) -> date | None:
    """The snapshot a link asks for, written 2025-01-31 or '31 janvier 2025'."""
    raw = st.query_params.get("date")
    for day in dates:
        if raw in (day.isoformat(), format_date_fr(day)):
            return day
    return None


def _choice(label: str, key: str, labels: dict, everything: str, container):
    return _bound(label, [None, *labels], key, lambda v: everything if v is None else labels.get(v, v), container)


def filter_labels(store) -> dict[str, dict]:
    """Labels of filter values, for describing the filters in French."""
    options = query("filter_options")
    out = {f: dict(zip(g["code"], g["label"])) for f, g in options.groupby("filter")}
    out["isolation"] = store.territory.isolation_labels
    return out


def current_view(store) -> View:
    """The view chosen in the sidebar (app.py draws the widgets before the page runs)."""
    state = st.session_state
    dates = store.snapshot_dates
    chosen = state.get("date")
    day = date.fromisoformat(chosen) if chosen else (dates[-1] if dates else None)
    values = {field: state.get(key) for key, field in FILTER_KEYS.items()}
    return View(day, school_year(day) if day else None, Filters.from_mapping(values))

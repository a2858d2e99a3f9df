"""The global filters as widgets: keys are the URL parameter names, values kept in the URL and across pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from components.session import query
from observatoire.model.dates import format_date_fr, school_year
from observatoire.model.filters import DEGREE_LABELS, SITE_TYPE_LABELS, Filters

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
    """A selectbox kept in the URL (by its shown label) and across pages."""
    return container.selectbox(label, options, format_func=format_func, key=key, bind="query-params",
                               placeholder="Choisir…", persist_state="session", help=help)


def canonical_link(specs: list[tuple[str, list, object]], query: dict) -> dict[str, str]:
    """Rewrites that turn a hand-written link into the one Streamlit keeps.

    Streamlit writes the *shown* label in the URL (?circonscription=Circonscription+de+Laon) and silently drops a
    value it cannot read; a link written with codes (?circonscription=C01, ?date=2025-01-31,
    ?isolement=isole) gets its labels instead. specs: (key, options, format_func).
    """
    out = {}
    for key, options, format_func in specs:
        raw = query.get(key)
        if raw is None:
            continue
        shown = {format_func(o): o for o in options}
        if raw in shown:
            continue
        by_code = {str(o).casefold(): o for o in options if o is not None}
        by_code.update({k.casefold(): v for k, v in shown.items()})
        option = by_code.get(raw.casefold())
        if option is not None:
            out[key] = format_func(option)
    return out


def filter_widgets(store, container) -> View:
    """Draw the global filters in `container` (the sidebar) and return the current view."""
    by_filter = filter_labels(store)
    dates = sorted(store.snapshot_dates, reverse=True)
    years = sorted({school_year(d) for d in dates}, reverse=True)

    territory = store.territory
    labels = territory.isolation_labels
    choices = {
        "degre": ("Degré", [None, 1, 2], lambda v: "Tous les degrés" if v is None else DEGREE_LABELS[v]),
        "type": ("Type d'établissement", [None, *SITE_TYPE_LABELS], lambda v: "Tous les types" if v is None else SITE_TYPE_LABELS[v]),
        "isolement": (territory.text("class_dimension", "Classe d'isolement"), [None, *labels],
                      lambda v: "Toutes les classes" if v is None else labels[v]),
    }
    for key, label, everything in (("zone", territory.zone_label, territory.text("zone_all", "Toutes les zones")), ("commune", "Commune", "Toutes les communes"),
                                   ("circonscription", "Circonscription (1er degré)", "Toutes les circonscriptions"),
                                   ("bassin", "Bassin (2nd degré)", "Tous les bassins")):
        names = by_filter.get(key, {})
        choices[key] = (label, [None, *names], lambda v, n=names, e=everything: e if v is None else n.get(v, v))
    date_label = lambda d: format_date_fr(date.fromisoformat(d))  # noqa: E731
    specs = [(k, opts, fmt) for k, (_l, opts, fmt) in choices.items()]
    specs.append(("date", [d.isoformat() for d in dates], date_label))
    rewrites = canonical_link(specs, dict(st.query_params))
    wanted = _date_in_url(dates, rewrites.get("date", st.query_params.get("date")))
    if wanted and "annee" not in st.query_params:
        rewrites["annee"] = school_year(wanted)
    if rewrites:
        st.query_params.update(rewrites)
        st.rerun()

    year = _bound("Année scolaire", years, "annee", str, container)
    in_year = [d.isoformat() for d in dates if school_year(d) == year] or [d.isoformat() for d in dates]
    chosen = _bound("Instantané", in_year, "date", date_label, container,
                    help="Date de l'instantané des indicateurs ; les évolutions se comparent au précédent.")
    container.divider()
    values = {key: _bound(label, opts, key, fmt, container) for key, (label, opts, fmt) in choices.items()}
    filters = Filters.from_mapping({FILTER_KEYS[k]: v for k, v in values.items()})
    return View(date.fromisoformat(chosen) if chosen else None, year, filters)


def _date_in_url(dates: list[date], raw: str | None) -> date | None:
    """The snapshot a link asks for, written 2025-01-31 or '31 janvier 2025'."""
    for day in dates:
        if raw in (day.isoformat(), format_date_fr(day)):
            return day
    return None


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

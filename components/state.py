"""Choices kept in the URL: the one URL-bound widget helper (`bound`) and the global filters drawn with it.

Widget keys are the URL parameter names; values are kept in the URL and across pages.
"""

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
    "academie": "academie",
}
UNREAD = object()   # what a link names when no option reads it


@dataclass(frozen=True)
class View:
    """What every page reads: the chosen snapshot and the territorial filters (built once a rerun, by app.py)."""

    snapshot_date: date | None
    school_year: str | None
    filters: Filters


def _option(raw: str, options: list, format_func):
    """The option a link names by its shown label, or by its code or label in any case; else UNREAD."""
    shown = {format_func(o): o for o in options}
    if raw in shown:
        return shown[raw]
    by_code = {str(o).casefold(): o for o in options if o is not None}
    by_code.update({k.casefold(): v for k, v in shown.items()})
    return by_code.get(raw.casefold(), UNREAD)


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
        option = _option(raw, options, format_func)
        if option is not UNREAD and format_func(option) != raw:
            out[key] = format_func(option)
    return out


def bound(widget, label: str, options: list, key: str, format_func=str, **kwargs):
    """`widget` (a selectbox or multiselect, of st or of a container) kept in the URL by its shown labels, and
    across pages. Every URL-bound choice of the pages goes through here.

    A link may carry codes (an id, an ISO date) or labels in any case: the address is rewritten to the labels
    Streamlit keeps and the script runs again (one extra run), so the address bar keeps a shareable link. A
    value no option reads is taken out of the URL and of the session: the widget shows its default, not an
    older choice. kwargs go to the widget (index, default, help…; persist_state=None: not kept across pages).
    """
    multiple = widget.__name__ == "multiselect"
    raw = st.query_params.get_all(key)
    if raw and raw != _shown(st.session_state.get(key, UNREAD), options, format_func, multiple):
        chosen = [o for o in (_option(r, options, format_func) for r in raw) if o is not UNREAD]
        labels = [format_func(o) for o in (chosen if multiple else chosen[:1])]
        if labels != raw:
            if labels:
                st.query_params[key] = labels if multiple else labels[0]
            else:
                del st.query_params[key]
                st.session_state.pop(key, None)
            st.rerun()
    if key in st.session_state:
        kwargs.pop("default", None)
        kwargs.pop("index", None)
    kwargs.setdefault("persist_state", "session")
    return widget(label, options, format_func=format_func, key=key, bind="query-params", **kwargs)


def _shown(current, options: list, format_func, multiple: bool) -> list[str] | None:
    """The labels the URL holds for the widget's current value (no option list to scan on most reruns)."""
    values = (current if isinstance(current, list) else None) if multiple else [current]
    if values is None or any(v not in options for v in values):
        return None
    return [format_func(v) for v in values]


def filter_widgets(store, container) -> View:
    """Draw the global filters in `container` (the sidebar) and return the view they choose."""
    dates = sorted(store.snapshot_dates, reverse=True)
    if not dates:
        return View(None, None, Filters.from_mapping({f: st.session_state.get(k) for k, f in FILTER_KEYS.items()}))
    by_filter = filter_labels(store)
    years = sorted({school_year(d) for d in dates}, reverse=True)

    territory = store.territory
    labels = territory.isolation_labels
    choices = {
        "degre": ("Degré", [None, 1, 2], lambda v: "Tous les degrés" if v is None else DEGREE_LABELS[v]),
        "type": ("Type d'établissement", [None, *SITE_TYPE_LABELS], lambda v: "Tous les types" if v is None else SITE_TYPE_LABELS[v]),
        "isolement": (territory.text("class_dimension", "Classe d'isolement"), [None, *labels],
                      lambda v: "Toutes les classes" if v is None else labels[v]),
    }
    academies = by_filter.get("academie", {})
    if len(academies) > 1:   # a région académique of several académies; one académie needs no filter
        choices["academie"] = ("Académie", [None, *academies],
                               lambda v: "Toutes les académies" if v is None else academy_label(academies.get(v, v)))
    for key, label, everything in (("zone", territory.zone_label, territory.text("zone_all", "Toutes les zones")), ("commune", "Commune", "Toutes les communes"),
                                   ("circonscription", "Circonscription (1er degré)", "Toutes les circonscriptions"),
                                   ("bassin", "Bassin (2nd degré)", "Tous les bassins")):
        names = by_filter.get(key, {})
        choices[key] = (label, [None, *names], lambda v, n=names, e=everything: e if v is None else n.get(v, v))
    date_label = lambda d: format_date_fr(date.fromisoformat(d))  # noqa: E731
    # A link's codes are all rewritten at once (one extra run, not one per filter), with the school year of
    # the snapshot it asks for.
    specs = [(k, opts, fmt) for k, (_l, opts, fmt) in choices.items()]
    specs.append(("date", [d.isoformat() for d in dates], date_label))
    rewrites = canonical_link(specs, dict(st.query_params))
    wanted = _date_in_url(dates, rewrites.get("date", st.query_params.get("date")))
    if wanted and "annee" not in st.query_params:
        rewrites["annee"] = school_year(wanted)
    if rewrites:
        st.query_params.update(rewrites)
        st.rerun()

    selectbox, placeholder = container.selectbox, "Choisir…"
    year = bound(selectbox, "Année scolaire", years, "annee", str, placeholder=placeholder)
    in_year = [d.isoformat() for d in dates if school_year(d) == year] or [d.isoformat() for d in dates]
    chosen = bound(selectbox, "Instantané", in_year, "date", date_label, placeholder=placeholder,
                   help="Date de l'instantané des indicateurs ; les évolutions se comparent au précédent.")
    container.divider()
    values = {key: bound(selectbox, label, opts, key, fmt, placeholder=placeholder)
              for key, (label, opts, fmt) in choices.items()}
    filters = Filters.from_mapping({FILTER_KEYS[k]: v for k, v in values.items()})
    day = date.fromisoformat(chosen) if chosen else dates[0]
    return View(day, school_year(day), filters)


def academy_label(name: str) -> str:
    """« Académie de Lille », « Académie d'Amiens »."""
    return f"Académie d'{name}" if name[:1] in "AEIOUÉÈ" else f"Académie de {name}"


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

"""Indicator cards: value, changes, progress toward the target, status; or the reason there is no number."""

from __future__ import annotations

import streamlit as st

from components import icons
from observatoire.model.catalog import Indicator
from observatoire.model.dates import format_date_fr
from observatoire.output.numbers import format_change, format_percent, format_value
from observatoire.metrics.progress import Headline

STATUS_ICONS = icons.STATUS
NO_VALUE_NOTICE = "Pas encore de donnée pour cet instantané."   # a card or chart with no value


def delta_color(change: float | None, direction: str) -> str:
    """Green when the change goes the right way, red otherwise (French minus signs are not parsed)."""
    if not change:
        return "gray"
    good = change > 0 if direction == "up" else change < 0
    return "green" if good else "red"


def completeness_line(headline: Headline) -> str | None:
    """'Complétude partielle : 40 entités sur 60 (67 %), dont 5 reportées d'un instantané antérieur.'"""
    c = headline.completeness
    if c is None or not c.expected:
        return None
    text = f"{c.reporting} entité{'s' if c.reporting > 1 else ''} sur {c.expected} ({format_percent(c.share, 0)})"
    if c.carried_forward:
        text += f", dont {c.carried_forward} reportée{'s' if c.carried_forward > 1 else ''} d'un instantané antérieur"
    if c.is_partial():
        return f":orange[:material/warning:] Complétude partielle : {text}"
    return f"Complétude : {text}"


def card_lines(indicator: Indicator, headline: Headline) -> list[str]:
    """The French lines under the value: completeness, change since the start of the year, target, progress,
    status."""
    lines = []
    completeness = completeness_line(headline)
    if completeness:
        lines.append(completeness)
    if headline.change_year is not None and indicator.unit != "deliverable":
        since = ("" if indicator.temporality == "cumulative" or headline.baseline_date is None
                 else f" ({format_date_fr(headline.baseline_date)})")
        lines.append(f"Depuis la rentrée{since} : {format_change(headline.change_year, indicator.unit)}")
        if headline.completeness_differs:
            c, b = headline.completeness, headline.baseline_completeness
            lines.append(f"Attention : {b.reporting} entités au départ, {c.reporting} aujourd'hui")
    if headline.last_year_value is not None and headline.value is not None:
        lines.append(f"Même mois l'an dernier : {format_value(headline.last_year_value, indicator.unit)}")
    if headline.target is not None:
        tag = " (cible illustrative)" if indicator.targets_illustrative else " (cible de la feuille de route)"
        lines.append(f"Cible : {format_value(headline.target, indicator.unit)}{tag}")
        if headline.progress is not None and indicator.unit != "deliverable":
            lines.append(f"Atteinte de la cible : {format_percent(headline.progress, 0)}")
    if headline.status:
        lines.append(f"{STATUS_ICONS[headline.status]} {headline.status_label.capitalize()}")
    elif headline.holiday and headline.target is not None:
        lines.append("Mois de vacances : pas d'état d'avancement pour un indicateur d'activité")
    return lines


def indicator_card(indicator: Indicator, headline: Headline | None, reason: str | None = None,
                   show_wording: bool = True, key: str | None = None) -> None:
    """Draw one card in the current container."""
    with st.container(border=True, key=key):
        st.markdown(f"**{indicator.label}**")
        if show_wording:
            st.caption(indicator.wording)
        with st.expander("Comment ce chiffre est calculé"):
            st.caption(indicator.how_computed())
        if reason:
            st.info(reason, icon=icons.NOTICE)
            return
        if headline is None or not headline.has_data:
            st.info(NO_VALUE_NOTICE, icon=icons.NOTICE)
            return
        change = headline.change_previous if indicator.unit != "deliverable" else None
        st.metric(
            f"Au {format_date_fr(headline.snapshot_date)}",
            format_value(headline.value, indicator.unit),
            delta=format_change(change, indicator.unit) if change else None,
            delta_color=delta_color(change, indicator.direction),
            delta_arrow="off" if not change else ("up" if change > 0 else "down"),
            delta_description="depuis l'instantané précédent" if change else None,
        )
        lines = card_lines(indicator, headline)
        if lines:
            st.caption("  \n".join(lines))


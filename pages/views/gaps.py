"""The equity-gap parts of the axis pages and the Synthèse (not a page): the questions they ask, then the
blocks of components/equity_view.py that draw the answers.

Questions: indicator_values by isolation class (the gap summary and series), sites_in_scope (which classes
the scope holds at all).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.chart_text import chart as draw_chart
from components.equity_view import Gaps, absent_sentence, class_labels, detail_chart, draw_gap_table
from components.session import indicator_values, per_data_state, query
from components.shell import Context
from observatoire.metrics import equity
from observatoire.model.catalog import Indicator
from observatoire.output.charts import vega_spec


# A few dozen ms of pandas a rerun otherwise.
@per_data_state(max_entries=256)
def gap_summary(store, ids: tuple[str, ...], filters, day, urban: str, isolated: str) -> pd.DataFrame:
    """The gap summary (observatoire.metrics.equity.gap_summary) per filters and date."""
    rows = indicator_values(list(ids), filters, "isolation", date_to=day)
    return equity.gap_summary([store.catalog.indicator(i) for i in ids], rows, day, urban, isolated)


def absent_classes(ctx: Context) -> str | None:
    """Why this scope has no gap at all (it holds no site of one compared class), or None."""
    sites = query("sites_in_scope", min_pupils=None, **ctx.view.filters.params())
    return absent_sentence(ctx.store.territory, set(sites["isolation"].dropna().unique()))


def gaps(ctx: Context, indicators: list[Indicator]) -> Gaps:
    """The gaps at the chosen snapshot and, for every other indicator, the reason it has none."""
    labels = ctx.store.territory.isolation_labels
    reasons = {i.id: r for i in indicators if (r := equity.gap_reason(i, ctx.view.filters, labels))}
    measured = [i for i in indicators if i.id not in reasons]
    urban, isolated, *_ = class_labels(ctx.store.territory)
    day = ctx.view.snapshot_date
    if not measured or day is None:
        empty = equity.gap_summary([], pd.DataFrame(), day, urban, isolated)
        return Gaps(empty, reasons, absent_classes(ctx) if day else None)
    summary = gap_summary(ctx.store, tuple(i.id for i in measured), ctx.view.filters, day, urban, isolated)
    absent = absent_classes(ctx)
    for ind in measured:
        if ind.id not in set(summary["indicator_id"]):
            reasons[ind.id] = absent or "Pas encore de donnée pour les deux classes à cet instantané."
    return Gaps(summary, reasons, absent)


def gap_section(ctx: Context, indicators: list[Indicator], key: str, page: str, limit: int | None = None) -> None:
    """The gap table of these indicators (the `limit` largest gaps), with its downloads."""
    draw_gap_table(gaps(ctx, indicators), indicators, ctx.catalog, ctx.store.territory, ctx.about(),
                   [page, str(ctx.view.snapshot_date)], key=key, limit=limit)


def gap_detail(ctx: Context, indicator: Indicator, key: str) -> None:
    """For one indicator: a sentence with both classes and the gap, and the small chart of the gap."""
    territory = ctx.store.territory
    reason = equity.gap_reason(indicator, ctx.view.filters, territory.isolation_labels)
    if reason:
        st.info(reason)
        return
    urban, isolated, urban_label, isolated_label = class_labels(territory)
    day = ctx.view.snapshot_date
    summary = gap_summary(ctx.store, (indicator.id,), ctx.view.filters, day, urban, isolated)
    if summary.empty:
        st.info(absent_classes(ctx) or "Pas encore de donnée pour les deux classes à cet instantané : écart non calculé.")
        return
    st.markdown(equity.gap_sentence(indicator, summary.iloc[0], day, urban_label, isolated_label))
    draw_chart(gap_detail_spec(ctx.store, indicator.id, ctx.view.filters, day), key=f"{key}-graphique")


# The gap's series and its chart, converted once per data state and view (a fifth of an axis page's rerun
# otherwise: pandas over every snapshot, then Altair's validation).
@per_data_state(resource=True, max_entries=256)
def gap_detail_spec(store, indicator_id: str, filters, day) -> dict:
    """The Vega-Lite spec of one indicator's gap at each snapshot up to `day`."""
    indicator, territory = store.catalog.indicator(indicator_id), store.territory
    urban, isolated, *_ = class_labels(territory)
    rows = indicator_values([indicator_id], filters, "isolation", date_to=day)
    return vega_spec(detail_chart(territory, indicator, equity.gap_series(indicator, rows, urban, isolated)))

"""Every chart's text alternative (RGAA 1.3 / WCAG 1.1.1): a sentence, and its data as a table, in an expander.

The table is read from the chart's own spec: the fields its tooltip shows, under the tooltip's French titles,
formatted as the tooltip formats them. A page draws a chart with `chart()` instead of st.altair_chart.
"""

from __future__ import annotations

import re
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from observatoire.model.dates import format_date_fr
from observatoire.output.charts import vega_spec
from observatoire.output.numbers import format_measure, format_number, format_percent

SUMMARY = "Données du graphique"
# Up to this many rows the data is an HTML table (read by screen readers); beyond, a scrolling grid.
HTML_ROWS = 200


def _specs(spec: dict):
    yield spec
    for part in ("layer", "hconcat", "vconcat", "concat"):
        for sub in spec.get(part, []):
            yield from _specs(sub)


def _cell(value, kind: str, fmt: str | None) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if kind == "temporal":
        return format_date_fr(pd.Timestamp(value).date())
    if kind == "quantitative":
        decimals = re.search(r"\.(\d+)", fmt or "")
        places = int(decimals.group(1)) if decimals else None
        if fmt and fmt.endswith("%"):
            return format_percent(value, places if places is not None else 1)
        return format_number(value, places) if places is not None else format_measure(value)
    return str(value.date() if isinstance(value, date) and not isinstance(value, pd.Timestamp) else value)


def chart_table(spec: dict) -> pd.DataFrame:
    """The chart's data (its spec, chart.to_dict()) as its tooltip shows it, French headers and formats."""
    datasets = spec.get("datasets", {})
    best = pd.DataFrame()
    for part in _specs(spec):
        tips = part.get("encoding", {}).get("tooltip")
        name = (part.get("data") or spec.get("data") or {}).get("name")
        if not isinstance(tips, list) or name not in datasets:
            continue
        rows = pd.DataFrame(datasets[name])
        columns = {}
        for tip in tips:
            field = tip.get("field")
            if field in rows.columns:
                columns[tip.get("title") or field] = [_cell(v, tip.get("type", ""), tip.get("format")) for v in rows[field]]
        table = pd.DataFrame(columns)
        if len(table) > len(best):
            best = table
    return best


def accessible(spec: dict, sentence: str) -> dict:
    """The spec with `sentence` as the chart's accessible name, and Vega's own English descriptions of each mark
    and axis ("X-axis for a time scale…", "snapshot_date: …") left out of the accessibility tree: the data
    table under the chart says it in French."""
    config = spec.get("config", {})
    out = {**spec, "description": sentence,
           "config": {**config, "aria": False, "mark": {**config.get("mark", {}), "aria": False}}}
    if spec.get("title"):   # the title's own description too ("Title text '…'"): the sentence already says it
        title = spec["title"]
        out["title"] = {**(title if isinstance(title, dict) else {"text": title}), "aria": False}
    return out


def chart(figure: alt.TopLevelMixin | dict, key: str, sentence: str | None = None, **kwargs) -> None:
    """The chart, then its text alternative: a sentence and the data table, folded in an expander.

    `figure` may also be the chart's Vega-Lite spec already converted (a dict cached per data state: the
    conversion validates the whole chart, tens of milliseconds a rerun); it is drawn as it is."""
    if isinstance(figure, dict):
        spec = figure
    else:
        with alt.data_transformers.enable("default", max_rows=None):  # st.altair_chart takes any size too
            spec = vega_spec(figure)
    table = chart_table(spec)
    title = spec.get("title")
    title = title.get("text") if isinstance(title, dict) else title
    lead = sentence or (f"« {title} »" if title else "Ce graphique")
    st.vega_lite_chart(accessible(spec, f"{lead}. Ses données sont dans le tableau « {SUMMARY} » qui suit."),
                       key=key, **kwargs)
    with st.expander(SUMMARY, expanded=False):
        st.caption(f"{lead} : {format_number(len(table))} ligne{'s' if len(table) > 1 else ''} de données.")
        if 0 < len(table) <= HTML_ROWS:
            st.table(table, hide_index=True)
        elif len(table):
            st.dataframe(table, hide_index=True, key=f"{key}-donnees")

"""PNG and SVG downloads of a chart, rendered offline by vl-convert only when the button is clicked."""

from __future__ import annotations

import streamlit as st

from components import icons
from observatoire.copil.export import chart_png, chart_svg
from observatoire.output.tables import file_stem


def chart_downloads(chart, name: str, key: str, container=None) -> None:
    """Two download buttons (PNG, SVG) for an Altair chart or a Vega-Lite spec (dict).

    The image is made when the button is clicked (deferred data), so a page with many charts stays fast.
    """
    # The spec too is made on click: chart.to_dict() validates the whole chart (tens of ms a rerun).
    spec = (lambda: chart) if isinstance(chart, dict) else chart.to_dict
    where = container or st
    left, right = where.columns(2)
    stem = file_stem(name)
    left.download_button("Image PNG", lambda: chart_png(spec()), f"{stem}.png", "image/png", key=f"{key}-png",
                         icon=icons.PNG, on_click="ignore")
    right.download_button("Image SVG", lambda: chart_svg(spec()).encode("utf-8"), f"{stem}.svg", "image/svg+xml",
                          key=f"{key}-svg", icon=icons.SVG, on_click="ignore")

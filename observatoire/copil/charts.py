"""Charts only the COPIL deck draws: progress status per axis, and a static map of the sites.

Pure Altair with inline data: they render on screen and, offline, to PNG/SVG with vl-convert. The
map is an Altair geoshape (not pydeck) so the exported deck holds the same picture as the screen.
"""

from __future__ import annotations

import copy

import altair as alt
import pandas as pd

from observatoire.metrics.progress import STATUS_LABELS
from observatoire.model import geo
from observatoire.output.charts import FIT_X, GREY, french

# Okabe-Ito, colour-blind safe: ahead / on track / late.
STATUS_COLORS = {"ahead": "#009E73", "on_track": "#56B4E9", "late": "#D55E00"}
LAND = "#f2f2f2"
BORDER = "#9a9a9a"
COMMUNES = "communes"   # name of the outlines dataset in the map spec
SITES = "sites"         # name of the points dataset
# Site marks on the static map: (label, area in px², opacity); the covered sites are the large ones.
SITE_STATUS = {"covered": ("couvert", 90, 0.95), "not_covered": ("non couvert", 30, 0.75),
               "not_applicable": ("hors du champ du service", 12, 0.45)}
# Type sizes (px) for a chart shown on a projector or printed in the deck.
PROJECTOR = {"axis": {"labelFontSize": 15, "titleFontSize": 15},
             "legend": {"labelFontSize": 15, "titleFontSize": 15, "symbolSize": 140},
             "title": {"fontSize": 19, "subtitleFontSize": 15}}


def projector(spec: dict) -> dict:
    """A copy of a Vega-Lite spec with type large enough to read on a projector (the screen charts
    use 12 px labels) and the plot height kept (FIT_X); only the config is copied deeply, not the data."""
    out = dict(spec)
    out["autosize"] = dict(FIT_X)
    config = copy.deepcopy(out.get("config", {}))
    for part, sizes in PROJECTOR.items():
        config.setdefault(part, {}).update(sizes)
    out["config"] = config
    return out


def status_chart(frame: pd.DataFrame, title: str, width: int = 560) -> alt.TopLevelMixin:
    """Stacked bars: per axis, how many indicators are ahead, on track or late (columns axis, status, count,
    and optionally axis_title for the tooltip).

    The bar height is a step, not a fixed height: Streamlit 1.67 squeezes the bands of a fixed-height
    chart with a bottom legend into a line (measured in Chromium); vl-convert draws both alike.
    """
    data = frame.copy()
    if "axis_title" not in data:
        data["axis_title"] = data["axis"]
    data["statut"] = data["status"].map(STATUS_LABELS)
    order = [STATUS_LABELS[s] for s in STATUS_COLORS]
    data["ordre"] = data["status"].map({s: n for n, s in enumerate(STATUS_COLORS)})
    chart = alt.Chart(data).mark_bar().encode(
        y=alt.Y("axis:N", title=None, sort=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X("count:Q", title="Indicateurs avec une cible", axis=alt.Axis(format=",.0f", tickMinStep=1)),
        color=alt.Color("statut:N", title=None, scale=alt.Scale(domain=order, range=list(STATUS_COLORS.values())),
                        legend=alt.Legend(orient="bottom")),
        order=alt.Order("ordre:Q"),
        tooltip=[alt.Tooltip("axis_title:N", title="Axe"), alt.Tooltip("statut:N", title="Statut"),
                 alt.Tooltip("count:Q", title="Indicateurs", format=",.0f")],
    )
    return french(chart.properties(title=title, width=width, height=alt.Step(44)))


def _signed_area(ring: list) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:] + ring[:1])) / 2


def clockwise(collection: dict) -> dict:
    """A copy whose outer rings turn clockwise and holes counter-clockwise, as Vega's spherical geometry
    expects (GeoJSON files follow the opposite rule, which Vega would draw as the whole globe)."""
    features = []
    for feature in collection.get("features", []):
        fixed = []
        for polygon in geo.polygons(feature["geometry"]):
            rings = []
            for n, ring in enumerate(polygon):
                outer = n == 0
                turn_ok = _signed_area(ring) < 0 if outer else _signed_area(ring) > 0
                rings.append([list(p[:2]) for p in (ring if turn_ok else ring[::-1])])
            fixed.append(rings)
        features.append({"type": "Feature", "properties": dict(feature.get("properties", {})),
                         "geometry": {"type": "MultiPolygon", "coordinates": fixed}})
    return {"type": "FeatureCollection", "features": features}


def site_map(boundaries: dict, sites: pd.DataFrame, colors: dict[str, str], labels: dict[str, str], title: str,
             highlighted: set[str] | None = None, width: int = 520, height: int = 520) -> dict:
    """Commune outlines and one point per site coloured by its isolation class (columns name, commune_name,
    isolation, lat, lon, and coverage_status from site_points.sql or a boolean covered): a covered site is
    drawn large, one outside the service's scope small and pale, with a legend for both. Communes in
    `highlighted` (those of the filters) are shaded darker.

    Returns the Vega-Lite spec, not the chart: the outlines go in as a named dataset after to_dict(),
    since Altair deep-copies inline values at every step (4 s for 100 kB of GeoJSON).
    """
    features = clockwise(boundaries)["features"]
    for feature in features:
        code = feature["properties"].get("insee") or feature["properties"].get("zone")  # communes or zones
        feature["properties"]["in_scope"] = highlighted is None or code in highlighted
    land = alt.Chart(alt.NamedData(name=COMMUNES)).mark_geoshape(stroke=BORDER, strokeWidth=0.6).encode(
        color=alt.condition("datum.properties.in_scope", alt.value("#dcdcdc"), alt.value(LAND)),
        tooltip=[alt.Tooltip("properties.name:N", title="Commune")],
    )
    data = sites.copy()
    if "coverage_status" not in data:
        data["coverage_status"] = data["covered"].map({True: "covered", False: "not_covered"})
    data = data[["name", "commune_name", "isolation", "lat", "lon", "coverage_status"]]
    data["classe"] = data["isolation"].map(labels).fillna(data["isolation"])
    data["service"] = data["coverage_status"].map({k: v[0] for k, v in SITE_STATUS.items()})
    # Drawn in data order: the most isolated class last, so that no isolated site hides under another.
    rank = {k: n for n, k in enumerate(colors)}
    status_rank = {k: n for n, k in enumerate(reversed(SITE_STATUS))}
    data = data.assign(_c=data["isolation"].map(rank).fillna(-1), _s=data["coverage_status"].map(status_rank)) \
        .sort_values(["_c", "_s"], kind="stable").drop(columns=["_c", "_s"])
    present = [k for k in colors if k in set(data["isolation"])] or list(colors)
    # every status in the scales (a one-value size or opacity range draws no point at all in Vega),
    # only those present in the legend
    statuses = list(SITE_STATUS.values())
    shown = [v[0] for k, v in SITE_STATUS.items() if k in set(data["coverage_status"])]
    # The points go in as a named dataset too: Altair refuses more than 5 000 inline rows (a région académique
    # has about 7 000 sites).
    points = alt.Chart(alt.NamedData(name=SITES)).mark_circle(stroke="white", strokeWidth=0.6).encode(
        longitude="lon:Q", latitude="lat:Q",
        color=alt.Color("classe:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=[labels.get(k, k) for k in present], range=[colors[k] for k in present])),
        size=alt.Size("service:N", title=None, legend=alt.Legend(orient="bottom", symbolFillColor="#6f6f6f",
                                                                 symbolStrokeColor="#6f6f6f", values=shown),
                      scale=alt.Scale(domain=[s[0] for s in statuses], range=[s[1] for s in statuses])),
        opacity=alt.Opacity("service:N", legend=None,
                            scale=alt.Scale(domain=[s[0] for s in statuses], range=[s[2] for s in statuses])),
        tooltip=[alt.Tooltip("name:N", title="Établissement"), alt.Tooltip("commune_name:N", title="Commune"),
                 alt.Tooltip("classe:N", title="Classe"), alt.Tooltip("service:N", title="Service")],
    )
    chart = alt.layer(land, points).project(type="mercator").properties(title=title, width=width, height=height)
    spec = french(chart).configure_view(stroke=None).configure_legend(labelColor=GREY).to_dict()
    spec.setdefault("datasets", {})[COMMUNES] = features
    spec["datasets"][SITES] = data.to_dict("records")
    return spec

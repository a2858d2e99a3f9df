"""pydeck maps: functions take DataFrames and GeoJSON and return a pdk.Deck or plain values; nothing draws.

The default deck needs no network: `map_provider=None` and no `map_style` (the spec then carries
"__MAP_STYLE__", which Streamlit draws with no basemap; `map_style=None` would fetch a Carto basemap).
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass

import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from observatoire.model import geo
from observatoire.model.filters import SITE_TYPE_LABELS
from observatoire.output.numbers import format_number, format_percent, format_value

COMMUNES_LAYER = "communes"
SITES_LAYER = "sites"
# ColorBrewer YlGnBu, 5 classes: sequential and colour-blind safe; light = low.
SEQUENTIAL = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
NO_DATA_COLOR = "#e5e5e5"
OUTLINE = "#3a3a3a"
COVERAGE_OUTLINE = {           # status -> (colour, width in px, fill alpha)
    "covered": ("#161616", 2.5, 235),
    "not_covered": ("#ffffff", 1.0, 120),
    "not_applicable": ("#929292", 0.5, 70),
}
COVERAGE_LABELS = {"covered": "service en place", "not_covered": "pas encore couvert",
                   "not_applicable": "hors du champ du service"}
# A map of about this size in pixels is what the initial view is fitted to.
FIT_WIDTH, FIT_HEIGHT = 640, 620
# Site discs in screen pixels: radius = MIN + STEP * sqrt(pupils), so that size reads at the zoom that
# shows the whole territory (in metres, every site was the same 3 px dot at that zoom).
RADIUS_MIN_PX, RADIUS_STEP_PX, RADIUS_MAX_PX = 3.0, 0.22, 16
# Beyond this many sites (a région académique: 7 000) one disc per site is a solid mass: the sites are drawn
# one disc per square of a grid instead, until a filter (zone, commune, circonscription…) brings them under it.
AGGREGATE_ABOVE = 1500


def rgba(hex_color: str, alpha: int = 255) -> list[int]:
    value = hex_color.lstrip("#")
    return [int(value[i:i + 2], 16) for i in (0, 2, 4)] + [alpha]


# --- geometry ---------------------------------------------------------------------------------------------

def _perpendicular(p, a, b) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return math.hypot(x - x1, y - y1)
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / math.hypot(dx, dy)


def _simplify_line(points: list, tolerance: float) -> list:
    """Douglas–Peucker, iterative."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        index, dmax = 0, 0.0
        for i in range(first + 1, last):
            d = _perpendicular(points[i], points[first], points[last])
            if d > dmax:
                index, dmax = i, d
        if dmax > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep) if k]


def _simplify_ring(ring: list, tolerance: float, decimals: int) -> list | None:
    out = []
    for x, y, *_ in _simplify_line(ring, tolerance):
        point = [round(x, decimals), round(y, decimals)]
        if not out or point != out[-1]:
            out.append(point)
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None


def simplify_boundaries(collection: dict, tolerance: float = 0.003, decimals: int = 3) -> dict:
    """A lighter copy of a lon/lat FeatureCollection: simplified rings (~300 m, below a pixel at the zoom showing a whole académie), rounded coordinates,
    only the insee and name properties (22 communes: ~65 kB instead of ~105 kB). Rings that vanish are dropped, never a whole commune."""
    features = []
    for feature in collection.get("features", []):
        polygons, kept = geo.polygons(feature["geometry"]), []
        for polygon in polygons:
            rings = [_simplify_ring(r, tolerance, decimals) for r in polygon]
            if rings and rings[0]:
                kept.append([r for r in rings if r])
        if not kept:   # too small to simplify: keep it as it is
            kept = [[[[round(x, decimals), round(y, decimals)] for x, y, *_ in r] for r in p] for p in polygons]
        props = feature.get("properties", {})
        # a territory that draws its zones (territory.boundaries_level) has a zone code instead of insee
        kept_props = {k: props[k] for k in ("insee", "zone") if props.get(k) is not None} or {"insee": None}
        features.append({"type": "Feature", "properties": {**kept_props, "name": props.get("name")},
                         "geometry": {"type": "MultiPolygon", "coordinates": kept}})
    return {"type": "FeatureCollection", "features": features}


def collection_bounds(collection: dict) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) over every feature."""
    xs, ys = [], []
    for feature in collection["features"]:
        for polygon in geo.polygons(feature["geometry"]):
            for x, y, *_ in polygon[0]:
                xs.append(x)
                ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def fit_view(bounds: tuple[float, float, float, float], width: int = FIT_WIDTH, height: int = FIT_HEIGHT,
             padding: float = 0.08) -> pdk.ViewState:
    """The Web Mercator view that shows the whole bounding box in a width x height map (512 px tiles)."""
    west, south, east, north = bounds

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    usable_w, usable_h = width * (1 - 2 * padding), height * (1 - 2 * padding)
    zoom_x = math.log2(usable_w * 360 / (512 * max(east - west, 1e-6)))
    zoom_y = math.log2(usable_h * 2 * math.pi / (512 * max(merc(north) - merc(south), 1e-9)))
    centre_y = (merc(north) + merc(south)) / 2
    centre_lat = math.degrees(2 * math.atan(math.exp(centre_y)) - math.pi / 2)
    return pdk.ViewState(latitude=round(centre_lat, 4), longitude=round((west + east) / 2, 4),
                         zoom=round(min(zoom_x, zoom_y), 2), min_zoom=4, max_zoom=14, pitch=0, bearing=0)


# --- colour scale and legend ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bin:
    lower: float
    upper: float
    color: str
    label: str


def _nice_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def color_bins(values: pd.Series, unit: str) -> list[Bin]:
    """Five equal classes: 0–20 %…80–100 % for rates, from 0 to a rounded maximum otherwise."""
    if unit == "rate":
        edges = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        labels = [f"{format_percent(a, 0)} – {format_percent(b, 0)}" for a, b in zip(edges, edges[1:])]
    else:
        top = float(values.max()) if len(values.dropna()) else 0.0
        step = _nice_step(top / 5)
        edges = [step * i for i in range(6)]
        labels = [f"{format_number(a)} – {format_number(b)}" for a, b in zip(edges, edges[1:])]
    return [Bin(a, b, c, label) for a, b, c, label in zip(edges, edges[1:], SEQUENTIAL, labels)]


def bin_of(value, bins: list[Bin]) -> Bin | None:
    """The colour class a value falls in (the last one from its lower bound up), None without a value."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or not bins:
        return None
    return next((item for item in bins if value < item.upper), bins[-1])


def bin_color(value, bins: list[Bin]) -> str:
    found = bin_of(value, bins)
    return found.color if found else NO_DATA_COLOR


def map_table(values: pd.DataFrame, names: dict[str, str], bins: list[Bin], area: str, value_label: str,
              unit: str) -> pd.DataFrame:
    """The map's text alternative (RGAA 1.3): each shape drawn, its value and its colour class, in French."""
    rows = values.dropna(subset=["value"]).assign(name=lambda v: v["group_id"].map(names).fillna(v["group_id"]))
    rows = rows.sort_values(["value", "name"], ascending=[False, True])
    classes = [found.label if (found := bin_of(v, bins)) else "" for v in rows["value"]]
    return pd.DataFrame({area.capitalize(): rows["name"], value_label: [format_value(v, unit) for v in rows["value"]],
                         "Classe de couleur": classes})


def legend_html(title: str, bins: list[Bin], isolation_labels: dict[str, str], isolation_colors: dict[str, str],
                service_label: str, aggregated: bool = False) -> str:
    """The map legend as HTML (the page draws it): commune classes, site colours, outlines by coverage;
    `aggregated`: one disc per commune (see AGGREGATE_ABOVE), which the legend says."""
    def swatch(fill: str, border: str = OUTLINE, round_: bool = False, width: float = 1) -> str:
        radius = "50%" if round_ else "2px"
        return (f'<span style="display:inline-block;width:14px;height:14px;background:{fill};'
                f'border:{width}px solid {border};border-radius:{radius};vertical-align:middle;margin-right:6px"></span>')

    rows = [f"<div style='font-weight:600;margin-bottom:4px'>{html.escape(title)}</div>"]
    rows += [f"<div>{swatch(b.color)}{html.escape(b.label)}</div>" for b in bins]
    rows.append(f"<div>{swatch(NO_DATA_COLOR)}pas de donnée</div>")
    if aggregated:
        rows.append("<div style='font-weight:600;margin:10px 0 4px'>Établissements regroupés : un disque par "
                    "carré de la carte (taille : nombre d'établissements ; couleur : classe de la plupart)</div>"
                    "<div style='margin-bottom:4px'>Filtrez (zone, circonscription, commune) ou cliquez sur une "
                    "zone pour voir chaque établissement.</div>")
    else:
        rows.append("<div style='font-weight:600;margin:10px 0 4px'>Établissements (taille : élèves)</div>")
    rows += [f"<div>{swatch(isolation_colors[k], '#ffffff', True)}{html.escape(v)}</div>"
             for k, v in isolation_labels.items() if k in isolation_colors]
    rows.append(f"<div style='font-weight:600;margin:10px 0 4px'>Contour : {html.escape(service_label)}"
                f"{' (la moitié au moins des établissements du disque)' if aggregated else ''}</div>")
    for status, (colour, width, _alpha) in COVERAGE_OUTLINE.items():
        fill = "#bbbbbb" if status != "covered" else "#888888"
        rows.append(f"<div>{swatch(fill, colour if colour != '#ffffff' else '#dddddd', True, max(width, 1))}"
                    f"{COVERAGE_LABELS[status]}</div>")
    return "<div style='font-size:0.85rem;line-height:1.5'>" + "".join(rows) + "</div>"


# --- layers and deck --------------------------------------------------------------------------------------

def commune_layer(boundaries: dict, values: pd.DataFrame, bins: list[Bin], value_label: str, unit: str,
                  selected: str | None = None, click_hint: str = "Cliquer pour filtrer sur cette commune") -> pdk.Layer:
    """Choropleth of `values` (columns group_id = INSEE code, or zone code when the shapes are zones)."""
    by_code = dict(zip(values["group_id"], values["value"])) if len(values) else {}
    features = []
    for feature in boundaries["features"]:
        code = feature["properties"].get("insee") or feature["properties"].get("zone")
        value = by_code.get(code)
        shown = format_value(value, unit) if value is not None and not pd.isna(value) else "pas de donnée"
        tip = f"{feature['properties']['name']} ({code})\n{value_label} : {shown}\n{click_hint}"
        features.append({**feature, "properties": {
            **feature["properties"], "tip": tip,
            "fill": rgba(bin_color(value, bins), 200),
            "line": rgba("#000091" if code == selected else OUTLINE),
            "line_width": 3 if code == selected else 0.8,
        }})
    return pdk.Layer("GeoJsonLayer", data={"type": "FeatureCollection", "features": features}, id=COMMUNES_LAYER,
                     pickable=True, stroked=True, filled=True, auto_highlight=True,
                     get_fill_color="properties.fill", get_line_color="properties.line",
                     get_line_width="properties.line_width", line_width_units=pdk.types.String("pixels"),
                     highlight_color=[0, 0, 145, 60])


def site_frame(points: pd.DataFrame, isolation_labels: dict[str, str], isolation_colors: dict[str, str],
               value_label: str, unit: str, site_type_labels: dict[str, str] | None = None) -> pd.DataFrame:
    """The columns the sites layer draws and shows (one row per site of site_points.sql).

    Rows come in drawing order: by isolation class as the territory orders them, the most isolated
    last, so that an isolated site is drawn on top of any urban one beside it; within a class, the
    sites the service covers last.
    """
    class_rank = {c: n for n, c in enumerate(isolation_labels)}
    status_rank = {s: n for n, s in enumerate(reversed(COVERAGE_OUTLINE))}
    frame = points.assign(_class=points["isolation"].map(class_rank).fillna(-1),
                          _status=points["coverage_status"].map(status_rank).fillna(-1)) \
        .sort_values(["_class", "_status", "uai"], kind="stable").drop(columns=["_class", "_status"]) \
        .reset_index(drop=True)
    types = site_type_labels or {}
    frame["radius"] = (RADIUS_MIN_PX + RADIUS_STEP_PX * frame["pupils"].fillna(0).clip(lower=0) ** 0.5).round(2)
    frame["fill"] = [rgba(isolation_colors.get(c, "#666666"), COVERAGE_OUTLINE[s][2])
                     for c, s in zip(frame["isolation"], frame["coverage_status"])]
    frame["line"] = [rgba(COVERAGE_OUTLINE[s][0]) for s in frame["coverage_status"]]
    frame["line_width"] = [COVERAGE_OUTLINE[s][1] for s in frame["coverage_status"]]

    def tip(row) -> str:
        value = "pas de donnée" if pd.isna(row.value) else format_value(row.value, unit)
        if row.coverage_status == "not_applicable":
            value = "sans objet"
        return (f"{row.name} — UAI {row.uai}\n{types.get(row.site_type, row.site_type)}, {row.commune_name}\n"
                f"Classe : {isolation_labels.get(row.isolation, row.isolation)} · "
                f"{format_number(row.pupils)} élèves\n{value_label} : {value}\nCliquer pour ouvrir la fiche")

    frame["tip"] = [tip(r) for r in frame.itertuples(index=False)]
    keep = ["uai", "isolation", "coverage_status", "lon", "lat", "radius",
            "fill", "line", "line_width", "tip"]
    return frame[keep]


def grid_frame(points: pd.DataFrame, isolation_colors: dict[str, str], cells: int = 18) -> pd.DataFrame:
    """Sites gathered in a grid of about `cells` squares across the territory, one disc per square (columns
    of site_frame but `uai`): size = its number of sites, fill = its most common isolation class, outline =
    whether the service covers half or more of them. Per commune was still a solid mass (3 800 communes)."""
    step = max(points["lon"].max() - points["lon"].min(), points["lat"].max() - points["lat"].min(), 1e-6) / cells
    applicable = points["coverage_status"] != "not_applicable"
    grouped = points.assign(_x=(points["lon"] // step).astype(int), _y=(points["lat"] // step).astype(int),
                            _covered=points["coverage_status"].eq("covered"), _applicable=applicable) \
        .groupby(["_x", "_y"], as_index=False) \
        .agg(lon=("lon", "mean"), lat=("lat", "mean"), sites=("lon", "size"), covered=("_covered", "sum"),
             applicable=("_applicable", "sum"), commune=("commune_name", lambda s: s.mode().iat[0]),
             isolation=("isolation", lambda s: s.mode().iat[0]))
    share = grouped["covered"] / grouped["applicable"].where(grouped["applicable"] > 0)
    frame = pd.DataFrame({"isolation": grouped["isolation"], "lon": grouped["lon"], "lat": grouped["lat"]})
    frame["radius"] = (RADIUS_MIN_PX + 0.7 * grouped["sites"] ** 0.5).clip(upper=RADIUS_MAX_PX).round(2)
    frame["fill"] = [rgba(isolation_colors.get(c, "#666666"), 200) for c in frame["isolation"]]
    frame["line"] = [rgba(COVERAGE_OUTLINE["covered" if s >= 0.5 else "not_covered"][0]) if pd.notna(s)
                     else rgba(COVERAGE_OUTLINE["not_applicable"][0]) for s in share]
    frame["line_width"] = 1.5
    frame["tip"] = [f"{format_number(n)} établissement{'s' if n > 1 else ''} autour de {name}, "
                    f"{'service sans objet' if pd.isna(s) else format_percent(s, 0) + ' couverts'}\n"
                    "Filtrer (zone, circonscription, commune) pour voir chaque établissement"
                    for name, n, s in zip(grouped["commune"], grouped["sites"], share)]
    return frame.sort_values("radius", ascending=False, kind="stable").reset_index(drop=True)


def site_layer(frame: pd.DataFrame) -> pdk.Layer:
    """Sites as discs: fill = isolation class, size = pupils, outline = coverage status (from site_frame)."""
    dense = len(frame) > 2000  # a région académique: smaller discs and thinner outlines, the zones stay visible
    return pdk.Layer("ScatterplotLayer", data=frame, id=SITES_LAYER, pickable=True, stroked=True, filled=True,
                     get_position=["lon", "lat"], get_radius="radius", radius_units=pdk.types.String("pixels"),
                     radius_min_pixels=RADIUS_MIN_PX, radius_max_pixels=RADIUS_MAX_PX, get_fill_color="fill",
                     radius_scale=0.5 if dense else 1, line_width_scale=0.4 if dense else 1,
                     get_line_color="line", get_line_width="line_width", line_width_units=pdk.types.String("pixels"),
                     auto_highlight=True, highlight_color=[0, 0, 145, 120])


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation (pydeck indents by 2, which triples the size of coordinates),
    written once: a deck kept by st.cache_resource is not serialised again on every rerun (with tens of
    thousands of sites, that serialisation was most of the page's time)."""

    def to_json(self) -> str:
        cached = self.__dict__.get("_compact_json")
        if cached is None:
            # pydeck's own serialiser, minus its indentation: no indented copy to parse again (with 60 000
            # sites, that round trip held a few hundred MB for a moment).
            cached = json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"),
                                ensure_ascii=False)
            self.__dict__["_compact_json"] = cached
        return cached


def map_deck(boundaries: dict, commune_values: pd.DataFrame, sites: pd.DataFrame, bins: list[Bin],
             value_label: str, unit: str, view: pdk.ViewState, selected_commune: str | None = None,
             basemap: bool = False, click_hint: str = "Cliquer pour filtrer sur cette commune") -> CompactDeck:
    """The coverage map: commune (or zone) choropleth under the sites. Offline unless `basemap`."""
    layers = [commune_layer(boundaries, commune_values, bins, value_label, unit, selected_commune, click_hint),
              site_layer(sites)]
    tooltip = {"text": "{tip}", "style": {"backgroundColor": "#161616", "color": "#ffffff", "fontSize": "13px",
                                          "whiteSpace": "pre-line"}}
    if basemap:
        return CompactDeck(layers=layers, initial_view_state=view, map_provider="carto", map_style="light",
                           tooltip=tooltip)
    return CompactDeck(layers=layers, initial_view_state=view, map_provider=None, tooltip=tooltip)


def territory_deck(boundaries: dict, view: tuple[float, float, float], commune_values: pd.DataFrame,
                   points: pd.DataFrame, isolation_labels: dict[str, str], isolation_colors: dict[str, str],
                   service_indicator, bins: list[Bin], value_label: str, unit: str, selected: str | None,
                   basemap: bool, click_hint: str) -> tuple[CompactDeck, int]:
    """The carte's deck (communes or zones coloured by `commune_values`, the sites of site_points.sql outlined
    by the service's coverage) and its site count. Its JSON is written here, once: a deck kept by
    st.cache_resource is then served as it is on every rerun."""
    if len(points) > AGGREGATE_ABOVE:
        sites = grid_frame(points, isolation_colors)
    else:
        sites = site_frame(points, isolation_labels, isolation_colors, service_indicator.label,
                           service_indicator.unit, SITE_TYPE_LABELS)
    latitude, longitude, zoom = view
    deck = map_deck(boundaries, commune_values, sites, bins, value_label, unit,
                    pdk.ViewState(latitude=latitude, longitude=longitude, zoom=zoom, min_zoom=4, max_zoom=14),
                    selected_commune=selected, basemap=basemap, click_hint=click_hint)
    deck.to_json()
    return deck, len(points)


def clicked(selection) -> tuple[str, str] | None:
    """("commune", INSEE), ("zone", code) or ("site", UAI) from a pydeck selection state, or None."""
    if not selection:
        return None
    objects = (selection.get("selection") or {}).get("objects") or {}
    sites = objects.get(SITES_LAYER) or []
    if sites and sites[0].get("uai"):
        return "site", str(sites[0]["uai"])
    communes = objects.get(COMMUNES_LAYER) or []
    if communes:
        obj = communes[0]
        props = obj.get("properties") or {}
        code = props.get("insee") or obj.get("insee")
        if code:
            return "commune", str(code)
        zone = props.get("zone") or obj.get("zone")
        if zone:
            return "zone", str(zone)
    return None

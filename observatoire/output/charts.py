"""Altair charts: each function takes a DataFrame and returns an alt.Chart; the page decides where to draw it.

Pure altair + pandas (no Streamlit): pages and the COPIL deck import them from here."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from observatoire.model.catalog import Indicator
from observatoire.model.dates import MONTHS_FR, MONTHS_FR_SHORT, school_year_bounds

BLEU_FRANCE = "#000091"
ROUGE_MARIANNE = "#E1000F"
GREY = "#666666"
# Okabe-Ito, colour-blind safe, for categories without a colour of their own.
CATEGORICAL = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

FRENCH_LOCALE = {
    "number": {"decimal": ",", "thousands": "\u202f", "grouping": [3], "currency": ["", "\u00a0€"], "percent": "\u202f%"},
    "time": {
        "dateTime": "%A %e %B %Y à %X", "date": "%d/%m/%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
        "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": MONTHS_FR, "shortMonths": MONTHS_FR_SHORT,
    },
}


def value_format(indicator: Indicator) -> str:
    """d3 format of an indicator's values (the French locale supplies separators)."""
    return {"rate": ".1%", "score": ",.2f", "amount": ",.0f"}.get(indicator.unit, ",.0f")


# Width fitted, height kept for the plot: under Streamlit 1.67's default sizing a fixed height also holds
# the title, axes and a bottom legend, which squeezes the plot to a strip (measured in Chromium).
FIT_X = {"type": "fit-x", "contains": "padding"}


def french(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """French number and date formats for the whole chart, and its plot height kept (FIT_X)."""
    return chart.configure(locale=FRENCH_LOCALE).configure_axis(labelFontSize=12, titleFontSize=12) \
        .configure_title(fontSize=15, anchor="start").properties(autosize=FIT_X)


def trend_chart(series: pd.DataFrame, indicator: Indicator, title: str | None = None,
                color_by: str | None = None, colors: dict[str, str] | None = None,
                labels: dict[str, str] | None = None, show_targets: bool = True) -> alt.TopLevelMixin:
    """Value over every snapshot, with the target of each school year and the school-year boundary.

    `series` has columns snapshot_date and value (and `color_by` for one line per group). show_targets=False
    leaves the target out (an académie-wide count target drawn over one circonscription's line misleads).
    """
    data = series.copy()
    data["snapshot_date"] = pd.to_datetime(data["snapshot_date"])
    fmt = value_format(indicator)
    title = title or f"{indicator.label} : évolution à chaque instantané"
    tooltip = [alt.Tooltip("snapshot_date:T", title="Instantané", format="%d %B %Y"),
               alt.Tooltip("value:Q", title=indicator.label, format=fmt)]
    encode = dict(x=alt.X("snapshot_date:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount="month")),
                  y=alt.Y("value:Q", title=None, axis=alt.Axis(format=fmt)), tooltip=tooltip)
    if color_by:
        data["groupe"] = data[color_by].map(labels or {}).fillna(data[color_by])
        domain = [(labels or {}).get(k, k) for k in (colors or {})]
        scale = alt.Scale(domain=domain, range=list((colors or {}).values())) if colors else alt.Scale(range=CATEGORICAL)
        encode["color"] = alt.Color("groupe:N", title=None, scale=scale, legend=alt.Legend(orient="bottom"))
        tooltip.insert(0, alt.Tooltip("groupe:N", title="Groupe"))
        line = alt.Chart(data).mark_line(point=True, strokeWidth=2).encode(**encode)
    else:
        line = alt.Chart(data).mark_line(point=True, color=BLEU_FRANCE, strokeWidth=2.5).encode(**encode)
    layers = [line]
    years = sorted({_year_of(d) for d in data["snapshot_date"].dt.date}) if len(data) else []
    targets = []
    for year in years if show_targets else []:
        goal = indicator.target(year)
        if goal is not None:
            start, end = school_year_bounds(year)
            targets.append({"start": pd.Timestamp(start), "end": pd.Timestamp(end), "target": goal,
                            "label": f"Cible {year}" + (" (illustrative)" if indicator.targets_illustrative else "")})
    if targets:
        tdf = pd.DataFrame(targets)
        layers.append(alt.Chart(tdf).mark_rule(color=ROUGE_MARIANNE, strokeDash=[6, 4], strokeWidth=2).encode(
            x="start:T", x2="end:T", y="target:Q",
            tooltip=[alt.Tooltip("label:N", title="Cible"), alt.Tooltip("target:Q", title="Valeur", format=fmt)]))
    boundaries = [pd.Timestamp(school_year_bounds(y)[0]) for y in years[1:]]
    if boundaries:
        bdf = pd.DataFrame({"rentree": boundaries, "label": [f"Rentrée {b.year}" for b in boundaries]})
        layers.append(alt.Chart(bdf).mark_rule(color=GREY, strokeDash=[2, 2]).encode(
            x="rentree:T", tooltip=[alt.Tooltip("label:N", title="Année scolaire")]))
    return french(alt.layer(*layers).properties(title=title, height=260))


def _year_of(day: date) -> str:
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{start + 1}"


def breakdown_chart(frame: pd.DataFrame, indicator: Indicator, breakdown_label: str,
                    colors: dict[str, str] | None = None, title: str | None = None) -> alt.TopLevelMixin:
    """Horizontal bars of the rolled-up value per group (columns group_id, group_label, value)."""
    data = frame.sort_values("value", ascending=False)
    fmt = value_format(indicator)
    title = title or f"{indicator.label} par {breakdown_label.lower()}"
    color = alt.value(BLEU_FRANCE)
    if colors:
        present = [g for g in colors if g in set(data["group_id"])]
        labels = dict(zip(data["group_id"], data["group_label"]))
        color = alt.Color("group_label:N", legend=None,
                          scale=alt.Scale(domain=[labels[g] for g in present], range=[colors[g] for g in present]))
    chart = alt.Chart(data).mark_bar().encode(
        y=alt.Y("group_label:N", sort="-x", title=None),
        x=alt.X("value:Q", title=None, axis=alt.Axis(format=fmt)),
        color=color,
        tooltip=[alt.Tooltip("group_label:N", title=breakdown_label), alt.Tooltip("value:Q", title=indicator.label, format=fmt),
                 alt.Tooltip("reporting_entities:Q", title="Entités avec une valeur", format=",.0f")],
    )
    return french(chart.properties(title=title, height=max(120, 24 * len(data))))


def gap_chart(series: pd.DataFrame, title: str, value_title: str, fmt: str,
              color: str = BLEU_FRANCE, height: int = 180) -> alt.TopLevelMixin:
    """A small line of a gap over the snapshots (columns snapshot_date, gap), with the zero line.

    The caller scales the gap (points, per 1 000 pupils) and gives the d3 format and its French unit.
    """
    data = series[["snapshot_date", "gap"]].copy()
    data["snapshot_date"] = pd.to_datetime(data["snapshot_date"])
    data["unite"] = value_title
    line = alt.Chart(data).mark_line(point=True, color=color, strokeWidth=2).encode(
        x=alt.X("snapshot_date:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount="month")),
        y=alt.Y("gap:Q", title=value_title, axis=alt.Axis(format=fmt)),
        tooltip=[alt.Tooltip("snapshot_date:T", title="Instantané", format="%d %B %Y"),
                 alt.Tooltip("gap:Q", title="Écart", format=fmt), alt.Tooltip("unite:N", title="Unité")],
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color=GREY, strokeDash=[2, 2]).encode(y="zero:Q")
    return french(alt.layer(zero, line).properties(title=title, height=height))


def coverage_chart(frame: pd.DataFrame, colors: dict[str, str], labels: dict[str, str], title: str,
                   measure: str = "sites_covered_share", height: int = 220) -> alt.TopLevelMixin:
    """Share covered per isolation class over the snapshots (columns snapshot_date, group_id, `measure`,
    sites_covered, sites_total), one line per class in the territory's colours."""
    data = frame[["snapshot_date", "group_id", measure, "sites_covered", "sites_total"]].copy()
    data["snapshot_date"] = pd.to_datetime(data["snapshot_date"])
    data["classe"] = data["group_id"].map(labels).fillna(data["group_id"])
    data = data.rename(columns={measure: "share"})
    present = [k for k in colors if k in set(data["group_id"])]
    scale = alt.Scale(domain=[labels.get(k, k) for k in present], range=[colors[k] for k in present])
    chart = alt.Chart(data).mark_line(point=True, strokeWidth=2).encode(
        x=alt.X("snapshot_date:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount="month")),
        y=alt.Y("share:Q", title=None, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("classe:N", title=None, scale=scale, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("classe:N", title="Classe"),
                 alt.Tooltip("snapshot_date:T", title="Instantané", format="%d %B %Y"),
                 alt.Tooltip("share:Q", title="Part couverte", format=".1%"),
                 alt.Tooltip("sites_covered:Q", title="Établissements couverts", format=",.0f"),
                 alt.Tooltip("sites_total:Q", title="Établissements", format=",.0f")],
    )
    return french(chart.properties(title=title, height=height))


def heatmap_chart(frame: pd.DataFrame, indicator: Indicator, breakdown_label: str,
                  title: str | None = None) -> alt.TopLevelMixin:
    """Groups x snapshots, coloured by the rolled-up value (columns snapshot_date, group_label, value)."""
    data = frame[["snapshot_date", "group_label", "value"]].copy()
    data["instantane"] = pd.to_datetime(data["snapshot_date"]).dt.strftime("%Y-%m-%d")
    fmt = value_format(indicator)
    title = title or f"{indicator.label} par {breakdown_label.lower()} et instantané"
    chart = alt.Chart(data).mark_rect().encode(
        x=alt.X("instantane:O", title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("group_label:N", title=None, sort="ascending"),
        color=alt.Color("value:Q", title=None, scale=alt.Scale(scheme="viridis"), legend=alt.Legend(format=fmt)),
        tooltip=[alt.Tooltip("group_label:N", title=breakdown_label), alt.Tooltip("instantane:O", title="Instantané"),
                 alt.Tooltip("value:Q", title=indicator.label, format=fmt)],
    )
    return french(chart.properties(title=title, height=max(120, 22 * data["group_label"].nunique())))


def missing_heatmap(frame: pd.DataFrame, title: str = "Part des données manquantes") -> alt.TopLevelMixin:
    """Areas x snapshots, coloured by the share of expected facts not reported
    (columns snapshot_date, area_kind, area_name, missing_share, missing_facts, expected_facts)."""
    data = frame[["snapshot_date", "area_kind", "area_name", "missing_share", "missing_facts", "expected_facts"]].copy()
    data["instantane"] = pd.to_datetime(data["snapshot_date"]).dt.strftime("%Y-%m-%d")
    data["zone"] = data["area_kind"] + " " + data["area_name"]
    chart = alt.Chart(data).mark_rect().encode(
        x=alt.X("instantane:O", title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("zone:N", title=None, sort="ascending"),
        color=alt.Color("missing_share:Q", title=None, scale=alt.Scale(scheme="orangered", domain=[0, 1]),
                        legend=alt.Legend(format=".0%")),
        tooltip=[alt.Tooltip("zone:N", title="Zone"), alt.Tooltip("instantane:O", title="Instantané"),
                 alt.Tooltip("missing_share:Q", title="Part manquante", format=".1%"),
                 alt.Tooltip("missing_facts:Q", title="Valeurs manquantes", format=",.0f"),
                 alt.Tooltip("expected_facts:Q", title="Valeurs attendues", format=",.0f")],
    )
    return french(chart.properties(title=title, height=max(120, 18 * data["zone"].nunique())))

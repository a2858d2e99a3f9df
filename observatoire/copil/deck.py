"""The comité de pilotage deck: a list of slides built once from the store, for every renderer.

The presentation page, the PowerPoint file and the PDF all draw the same `Deck` (titles, French
sentences, Vega-Lite charts, footers), so their numbers cannot differ. Nothing here draws or imports
Streamlit; observatoire/copil/export.py turns a deck into PPTX and PDF bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd

from observatoire.metrics import equity
from observatoire.model.catalog import Indicator
from observatoire.metrics.changes import changes, class_plural
from observatoire.output.charts import trend_chart
from observatoire.copil.charts import projector, site_map, status_chart
from observatoire.metrics.coverage import query_params, services_for, with_shares
from observatoire.model.dates import format_date_fr, school_year
from observatoire.model.filters import Filters, not_broken_down
from observatoire.output.numbers import format_change, format_number, format_percent, format_points, format_value
from observatoire.metrics.progress import STATUS_LABELS, Headline, headlines
from observatoire.storage.annotations import read_annotations
from observatoire.storage.store import Store
from observatoire.copil.wording import DEMO_NOTE, footer_text, plural, typeset


KEY_INDICATORS = 4      # per axis slide
TREND_CHARTS = 2        # per axis slide
CHANGES = 8
NOTES = 3               # annotations cited first on "Ce qui a changé"
LATE = 5
GAPS = 4
TARGET_NOTE = "Tirets rouges : cible de chaque année scolaire"


@dataclass(frozen=True)
class Slide:
    key: str                                  # stable id: titre, synthese, axe1…, carte, changements, attention
    title: str
    subtitle: str = ""
    bullets: tuple[str, ...] = ()
    charts: tuple[dict, ...] = ()             # Vega-Lite specs with inline data (chart.to_dict())
    sources: tuple[str, ...] = ()
    footer: str = ""
    alts: tuple[str, ...] = ()                # per chart: the sentence it illustrates (alternative text)

    def alt(self, n: int) -> str:
        """The alternative text of chart `n`: its sentence, else its title."""
        title = self.charts[n].get("title", "") if n < len(self.charts) else ""
        title = title.get("text", "") if isinstance(title, dict) else title
        return (self.alts[n] if n < len(self.alts) and self.alts[n] else
                f"Graphique : {title}" if title else f"Graphique de la diapositive « {self.title} »")


@dataclass(frozen=True)
class Deck:
    academie: str
    snapshot_date: date
    compare_date: date | None
    filters_text: str
    is_demo: bool
    slides: list[Slide] = field(default_factory=list)

    @property
    def titles(self) -> list[str]:
        return [s.title for s in self.slides]

    def file_stem(self) -> str:
        return f"copil-{self.snapshot_date.isoformat()}"


def default_compare(dates: list[date], snapshot_date: date) -> date | None:
    """The snapshot to compare with: the last one at least a year earlier (the previous COPIL), else the
    earliest before `snapshot_date`, else None."""
    earlier = sorted(d for d in dates if d < snapshot_date)
    if not earlier:
        return None
    try:
        year_ago = snapshot_date.replace(year=snapshot_date.year - 1)
    except ValueError:  # 29 February
        year_ago = snapshot_date.replace(year=snapshot_date.year - 1, day=28)
    before = [d for d in earlier if d <= year_ago]
    return before[-1] if before else earlier[0]


def filter_labels(store: Store) -> dict[str, dict]:
    """Labels of filter values (as the sidebar shows them), for describing the filters in French."""
    options = store.run("filter_options")
    out = {f: dict(zip(g["code"], g["label"])) for f, g in options.groupby("filter")}
    out["isolation"] = store.territory.isolation_labels
    return out


def _sources(indicators) -> tuple[str, ...]:
    return tuple(sorted({i.source for i in indicators}))


def build_deck(store: Store, snapshot_date: date, filters: Filters | None = None, compare_date: date | None = None,
               labels: dict[str, dict] | None = None, progress=None) -> Deck:
    """Every slide of the deck at `snapshot_date`, compared with `compare_date` (default: default_compare).

    `progress(fraction, text)`, if given, is called as the slides are built.
    """
    filters = filters or Filters()
    if snapshot_date not in store.snapshot_dates:
        raise KeyError(snapshot_date)
    if compare_date is None:
        compare_date = default_compare(store.snapshot_dates, snapshot_date)
    labels = labels if labels is not None else filter_labels(store)
    catalog, territory = store.catalog, store.territory
    whole = territory.text("whole", "l'académie")
    perimeter = getattr(store, "perimeter", None)  # a ScopedStore's: the deck says whose part it shows
    filters_text = filters.describe(labels, perimeter.describe(labels, whole) if perimeter else whole)
    step = _stepper(progress, 6)

    step("Lecture des indicateurs")
    first = store.snapshot_dates[0]
    ids = catalog.ids
    params = dict(indicator_ids=ids, date_from=first, date_to=snapshot_date, **filters.params())
    totals = store.run("indicator_values", breakdown="total", **params)
    by_class = store.run("indicator_values", breakdown="isolation", **params)
    figures = headlines(list(catalog.indicators), totals, snapshot_date, filters, store.territory.holiday_months,
                        store.restricted)
    notes = [a for a in read_annotations(store.data_dir) if a.applies(None, filters.circonscription)]

    def finish(slide: Slide) -> Slide:
        return replace(slide, footer=footer_text(snapshot_date, filters_text, slide.sources, store.is_demo))

    slides = [finish(title_slide(store, snapshot_date, compare_date, filters_text))]
    step("Synthèse des axes")
    slides.append(finish(synthesis_slide(store, figures, snapshot_date)))
    step("Une diapositive par axe")
    for axis in catalog.axes:
        slides.append(finish(axis_slide(store, axis, figures, totals, snapshot_date, compare_date, filters, notes)))
    step("Carte de la couverture")
    slides.append(finish(map_slide(store, snapshot_date, filters)))
    step("Ce qui a changé")
    slides.append(finish(changes_slide(store, totals, by_class, snapshot_date, compare_date, filters, notes)))
    step("Points d'attention")
    slides.append(finish(attention_slide(store, figures, by_class, snapshot_date, filters)))
    return Deck(territory.academie_name, snapshot_date, compare_date, filters_text, store.is_demo, slides)


def _stepper(progress, total: int):
    done = [0]

    def step(text: str) -> None:
        if progress:
            progress(done[0] / total, text)
        done[0] += 1
    return step


# --- slides -------------------------------------------------------------------------------------------------

def title_slide(store: Store, snapshot_date: date, compare_date: date | None, filters_text: str) -> Slide:
    catalog = store.catalog
    bullets = [f"Année scolaire {school_year(snapshot_date)}",
               f"Données de l'instantané du {format_date_fr(snapshot_date)}",
               f"Périmètre : {filters_text}"]
    if compare_date:
        bullets.append(f"Évolutions mesurées depuis l'instantané du {format_date_fr(compare_date)}")
    if store.is_demo:
        bullets.append(f"{DEMO_NOTE} — aucun chiffre n'est officiel")
    return Slide("titre", f"Comité de pilotage du numérique éducatif — {store.territory.academie_name}",
                 subtitle=catalog.title, bullets=tuple(bullets), sources=(f"feuille de route {catalog.period}".strip(),))


def status_counts(indicators: list[Indicator], figures: dict) -> dict[str, int]:
    counts = {"ahead": 0, "on_track": 0, "late": 0, "none": 0}
    for ind in indicators:
        headline, _reason = figures[ind.id]
        counts[headline.status if headline is not None and headline.status else "none"] += 1
    return counts


def synthesis_slide(store: Store, figures: dict, snapshot_date: date) -> Slide:
    catalog = store.catalog
    bullets, rows = [], []
    for axis in catalog.axes:
        inds = catalog.indicators_of_axis(axis.id)
        counts = status_counts(inds, figures)
        with_status = len(inds) - counts["none"]
        parts = [f"{counts[s]} {STATUS_LABELS[s]}" for s in ("ahead", "on_track", "late")]
        if with_status == 0:   # e.g. under a circonscription filter, where the académie's targets do not apply
            bullets.append(f"Axe {axis.number} — {axis.short_title} : aucun des {plural(len(inds), 'indicateur')} "
                           "n'a à la fois une cible applicable à ce périmètre et une donnée.")
        else:
            bullets.append(f"Axe {axis.number} — {axis.short_title} : {', '.join(parts)} "
                           f"(sur {plural(with_status, 'indicateur')} avec une cible et une donnée, "
                           f"{len(inds)} au total).")
        rows += [{"axis": f"Axe {axis.number}", "axis_title": f"Axe {axis.number} — {axis.short_title}",
                  "status": s, "count": counts[s]} for s in ("ahead", "on_track", "late")]
    bullets.append("Statut : la tendance depuis la rentrée (premier instantané de septembre), prolongée jusqu'au "
                   f"31 août, comparée à la cible de l'année {school_year(snapshot_date)} (cibles illustratives sauf "
                   "mention contraire) ; pas de statut pour un indicateur d'activité pendant les vacances.")
    chart = status_chart(pd.DataFrame(rows), "Indicateurs par statut, au regard des cibles de l'année")
    return Slide("synthese", "Synthèse : les trois axes au regard des cibles", subtitle=catalog.title,
                 bullets=tuple(bullets), charts=(projector(chart.to_dict()),), sources=_sources(catalog.indicators),
                 alts=(" ".join(typeset(b) for b in bullets[:-1]),))


def key_indicators(store: Store, axis_id: str, figures: dict) -> list[Indicator]:
    """The axis's headline indicators, completed by others with a value and a target."""
    inds = store.catalog.indicators_of_axis(axis_id)

    def shown(i: Indicator) -> bool:
        h, reason = figures[i.id]
        return reason is None and h is not None and h.has_data

    chosen = [i for i in inds if i.headline and shown(i)]
    chosen += [i for i in inds if i not in chosen and shown(i) and figures[i.id][0].target is not None]
    return chosen[:KEY_INDICATORS]


def indicator_line(ind: Indicator, h: Headline, compare_value: float | None, compare_date: date | None) -> str:
    """'Taux d'utilisation de l'ENT Wilapa : 44,0 % (cible 2024-2025 : 50,0 %, en retard) ; +12,8 points depuis le …'"""
    text = f"{ind.label}{' (indicateur proposé)' if ind.proposed else ''} : {format_value(h.value, ind.unit)}"
    if h.target is not None:
        extra = f"cible {school_year(h.snapshot_date)} : {format_value(h.target, ind.unit)}"
        if h.status_label:
            extra += f", {h.status_label}"
        text += f" ({extra})"
    if compare_value is not None and compare_date is not None and ind.unit != "deliverable":
        text += f" ; {format_change(h.value - compare_value, ind.unit)} depuis le {format_date_fr(compare_date)}"
    return text + "."


def axis_slide(store: Store, axis, figures: dict, totals: pd.DataFrame, snapshot_date: date,
               compare_date: date | None, filters: Filters, notes=()) -> Slide:
    chosen = key_indicators(store, axis.id, figures)
    bullets, charts, alts = [], [], []
    for ind in chosen:
        h = figures[ind.id][0]
        series = totals[(totals["indicator_id"] == ind.id)][["snapshot_date", "value"]].dropna()
        then = series[series["snapshot_date"] == compare_date]["value"]
        bullets.append(indicator_line(ind, h, float(then.iloc[0]) if len(then) else None, compare_date))
        if len(charts) < TREND_CHARTS and len(series) > 1 and ind.unit != "deliverable":
            spec = trend_chart(series, ind, title=f"{ind.label} à chaque instantané",
                               annotations=[a for a in notes if a.applies(ind.id, filters.circonscription)]).to_dict()
            if ind.target(school_year(snapshot_date)) is not None:   # say what the dashed line is
                spec["title"] = {"text": spec["title"], "subtitle": TARGET_NOTE}
            charts.append(projector(spec))
            alts.append(f"Évolution à chaque instantané — {typeset(bullets[-1])}")
    if not chosen:
        bullets.append("Aucun indicateur de cet axe n'a de valeur pour ce périmètre à cet instantané.")
    left_out = [i for i in store.catalog.indicators_of_axis(axis.id) if not_broken_down(i, filters)]
    if left_out and filters.active():
        bullets.append(f"{plural(len(left_out), 'autre indicateur')} de l'axe "
                       f"{'ne se ventilent' if len(left_out) > 1 else 'ne se ventile'} pas ou sont sans objet pour ce périmètre.")
    return Slide(axis.id, f"Axe {axis.number} — {axis.title}", subtitle="Indicateurs clés et tendances",
                 bullets=tuple(bullets), charts=tuple(charts), sources=_sources(chosen), alts=tuple(alts))


def coverage_lines(store: Store, snapshot_date: date, filters: Filters) -> tuple[list[str], list]:
    """Per service with sites in scope: the share of sites covered in each isolation class, and the
    isolated − urban gap; and those services."""
    catalog, territory = store.catalog, store.territory
    class_labels = territory.isolation_labels
    urban, isolated = equity.extreme_classes(territory)
    lines, shown = [], []
    for svc in services_for(catalog):
        rows = with_shares(store.run("coverage_by_group", breakdown="isolation", date_from=snapshot_date,
                                     date_to=snapshot_date, **query_params(svc, catalog), **filters.params()))
        rows = rows[rows["sites_total"] > 0].set_index("group_id")
        if rows.empty:
            continue
        parts = [f"{class_labels.get(g, g).lower()} {format_percent(rows.loc[g, 'sites_covered_share'])} "
                 f"({format_number(rows.loc[g, 'sites_covered'])} sur {format_number(rows.loc[g, 'sites_total'])})"
                 for g in class_labels if g in rows.index]
        text = f"{svc.label} : " + " ; ".join(parts)
        if urban in rows.index and isolated in rows.index:
            gap = rows.loc[isolated, "sites_covered_share"] - rows.loc[urban, "sites_covered_share"]
            text += (f" — écart {class_plural(class_labels[isolated])} − {class_plural(class_labels[urban])} : "
                     f"{format_points(gap)}")
        lines.append(text + ".")
        shown.append(svc)
    return lines, shown


def map_slide(store: Store, snapshot_date: date, filters: Filters) -> Slide:
    catalog, territory = store.catalog, store.territory
    lines, services = coverage_lines(store, snapshot_date, filters)
    per_class = territory.breakdown_labels["isolation"].lower()  # classe d'isolement, classe de commune…
    bullets = [f"Part des établissements couverts par chaque service, par {per_class} :"]
    bullets += lines or ["Aucun établissement dans le champ d'un service pour ce périmètre."]
    charts, sources = (), ("IGN Admin Express (contours)", "annuaire des établissements")
    if services:
        # the map shows every site: a service for every degree when the roadmap has one
        main = next((s for s in services if s.degree(catalog) is None), services[0])
        points = store.run("site_points", snapshot_date=snapshot_date, **query_params(main, catalog), **filters.params())
        legend = (f"Sur la carte, un gros point : établissement couvert par le service « {main.label} » ; "
                  "un petit point : pas encore couvert")
        if (points["coverage_status"] == "not_applicable").any():
            legend += " ; un point pâle : hors du champ de ce service"
        bullets.append(legend + ".")
        highlighted = set(points["commune_code"]) if filters.active() else None
        if highlighted is not None and territory.boundaries_level == "zone":  # the shapes are zones
            zone_of = dict(zip(territory.communes["insee"], territory.communes["zone"]))
            highlighted = {zone_of.get(c) for c in highlighted}
        charts = (projector(site_map(territory.boundaries, points, territory.isolation_colors,
                                     territory.isolation_labels,
                                     f"{format_number(len(points))} établissements par {per_class}", highlighted)),)
        sources = (*sources, *_sources(catalog.indicator(s.indicator_id) for s in services))
    urban, isolated = (territory.isolation_labels[c] for c in equity.extreme_classes(territory))
    return Slide("carte", f"Couverture du territoire : sites {class_plural(isolated)} et {class_plural(urban)}",
                 subtitle=f"Au {format_date_fr(snapshot_date)}", bullets=tuple(bullets), charts=charts,
                 sources=tuple(sources), alts=(f"Carte des établissements — {typeset(' '.join(bullets[1:]))}",) * len(charts))


def changes_slide(store: Store, totals: pd.DataFrame, by_class: pd.DataFrame, snapshot_date: date,
                  compare_date: date | None, filters: Filters, notes=()) -> Slide:
    title = "Ce qui a changé depuis le dernier COPIL"
    if compare_date is None:
        return Slide("changements", title, bullets=("Un seul instantané : pas encore de comparaison possible.",))
    found = changes(store.catalog, totals, by_class, compare_date, snapshot_date, filters,
                    store.territory.isolation_labels, limit=CHANGES)
    bullets = [c.sentence for c in found] or ["Aucun indicateur n'a bougé entre ces deux instantanés."]
    # the decisions and events of the period come first: they explain the moves
    cited = [a for a in notes if compare_date < a.day <= snapshot_date][-NOTES:]
    bullets = [f"Annotation — {a.sentence()}" for a in cited] + bullets
    return Slide("changements", title,
                 subtitle=f"Du {format_date_fr(compare_date)} au {format_date_fr(snapshot_date)} — "
                          "les plus grands mouvements au regard des cibles",
                 bullets=tuple(bullets), sources=_sources(store.catalog.indicator(c.indicator_id) for c in found))


def late_lines(store: Store, figures: dict) -> tuple[list[str], list[Indicator]]:
    late = [(i, figures[i.id][0]) for i in store.catalog.indicators
            if figures[i.id][0] is not None and figures[i.id][0].status == "late"]
    late.sort(key=lambda pair: pair[1].progress if pair[1].progress is not None else 0)
    lines = []
    for ind, h in late[:LATE]:
        text = (f"En retard — {ind.label} : {format_value(h.value, ind.unit)} pour une cible de "
                f"{format_value(h.target, ind.unit)} en {school_year(h.snapshot_date)}")
        projected = format_value(h.projected, ind.unit) if h.projected is not None else None
        # at the end of the school year the projection is the value itself: nothing to add
        if projected is not None and ind.unit != "deliverable" and projected != format_value(h.value, ind.unit):
            text += f" ; au rythme actuel, {projected} fin août"
        lines.append(text + ".")
    return lines, [i for i, _ in late[:LATE]]


def gap_lines(store: Store, by_class: pd.DataFrame, snapshot_date: date, filters: Filters) -> tuple[list[str], list[Indicator]]:
    territory = store.territory
    class_labels = territory.isolation_labels
    urban, isolated = equity.extreme_classes(territory)
    measured = [i for i in store.catalog.indicators if equity.gap_reason(i, filters, class_labels) is None]
    summary = equity.gap_summary(measured, by_class, snapshot_date, urban, isolated)
    if summary.empty:
        return [], []
    behind = summary[summary["behind"].astype(bool)]
    lines, inds = [], []
    for row in behind.to_dict("records"):
        ind = store.catalog.indicator(row["indicator_id"])
        gap = equity.format_gap(row["gap"], ind)
        if not any(ch in "123456789" for ch in gap.split(" ")[0]):   # "−0,0 pour 1 000 élèves": no gap shown
            continue
        inds.append(ind)
        lines.append(f"Écart — {ind.label} : {equity.format_compared(row['isolated_value'], ind)} dans les sites "
                     f"{class_plural(class_labels[isolated])}, {equity.format_compared(row['urban_value'], ind)} "
                     f"dans les sites {class_plural(class_labels[urban])} (écart {gap}).")
        if len(lines) == GAPS:
            break
    return lines, inds


def attention_slide(store: Store, figures: dict, by_class: pd.DataFrame, snapshot_date: date, filters: Filters) -> Slide:
    late, late_inds = late_lines(store, figures)
    gaps, gap_inds = gap_lines(store, by_class, snapshot_date, filters)
    bullets = late or ["Aucun indicateur en retard sur sa cible."]
    urban, isolated = (class_plural(store.territory.isolation_labels[c]) for c in equity.extreme_classes(store.territory))
    bullets += gaps or [f"Aucun écart au détriment des sites {isolated} calculable avec ce périmètre."]
    return Slide("attention", "Points d'attention",
                 subtitle=f"Indicateurs en retard sur leur cible ; plus grands écarts entre sites {isolated} et {urban}",
                 bullets=tuple(bullets), sources=_sources([*late_inds, *gap_inds]))

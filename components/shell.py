"""What every screen shares: the page list, the global filters in the sidebar, the demo label."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from components.access import visible
from components import icons
from components.session import get_store
from components.state import View, filter_labels, filter_widgets
from observatoire.model.dates import format_date_fr
from observatoire.storage.store import Store

APP_TITLE = "Observatoire du numérique éducatif"
# Section -> (file, title, url path, icon). Page bodies live in pages/views/ (see README: navigation);
# a page whose file is not there yet is left out of the menu. Axis pages (axe_N.py) follow the territory's
# roadmap: menu() puts one per axis it declares, titled by its short title (see AXIS_ICONS).
PAGES = {
    "Pilotage": [
        ("synthese.py", "Synthèse", "synthese", icons.PAGE["synthese"]),
        ("axe_1.py", "Axe 1", "axe-1", icons.AXES[0]),
        ("axe_2.py", "Axe 2", "axe-2", icons.AXES[1]),
        ("axe_3.py", "Axe 3", "axe-3", icons.AXES[2]),
        ("carte.py", "Carte du territoire", "carte", icons.PAGE["carte"]),
        ("presentation.py", "Présentation COPIL", "presentation", icons.PAGE["presentation"]),
        ("annotations.py", "Décisions et annotations", "annotations", icons.PAGE["annotations"]),
    ],
    "Établissements": [
        ("etablissement.py", "Fiche établissement", "etablissement", icons.PAGE["etablissement"]),
        ("commune.py", "Fiche commune", "commune", icons.PAGE["commune"]),
    ],
    "Données": [
        ("explorer.py", "Explorateur", "explorateur", icons.PAGE["explorateur"]),
        ("sql.py", "Console SQL", "sql", icons.PAGE["sql"]),
        ("importer.py", "Importer des données", "importer", icons.PAGE["importer"]),
        ("qualite.py", "Qualité des données", "qualite", icons.PAGE["qualite"]),
        ("donnees.py", "Catalogue et instantanés", "donnees", icons.PAGE["donnees"]),
        ("journal.py", "Journal d'audit", "journal", icons.PAGE["journal"]),
    ],
}
VIEWS = Path(__file__).resolve().parent.parent / "pages" / "views"
# Where frame() leaves this rerun's View for the page body (one View a rerun, read by context()).
VIEW_KEY = "_view"
DEMO_LABEL = ("**Données de démonstration** — établissements et valeurs fictifs, générés pour présenter "
              "l'outil ; aucun chiffre affiché n'est officiel.")


@dataclass(frozen=True)
class Context:
    store: Store
    view: View
    labels: dict[str, dict]

    @property
    def catalog(self):
        return self.store.catalog

    def describe_filters(self) -> str:
        whole = self.store.territory.text("whole", "l'académie")
        perimeter = getattr(self.store, "perimeter", None)  # a ScopedStore's: "everything" is the person's part
        return self.view.filters.describe(self.labels, perimeter.describe(self.labels, whole)
                                          if perimeter else whole)

    def about(self) -> dict[str, str]:
        """What a table or export shows: date, filters, data status — written into every download."""
        about = {
            "Académie": self.store.territory.academie_name,
            "Instantané": format_date_fr(self.view.snapshot_date) if self.view.snapshot_date else "aucun",
            "Filtres": self.describe_filters(),
        }
        if self.store.is_demo:
            about["Avertissement"] = "Données de démonstration : valeurs fictives"
        return about


AXIS_PAGE = re.compile(r"^axe_(\d+)\.py$")
AXIS_ICONS = icons.AXES


def menu(catalog) -> dict[str, list[tuple[str, str, str, str]]]:
    """PAGES with the axis pages of this roadmap: one per axis ("Axe 1 — <short title>"), files that exist."""
    axes = [(f"axe_{a.number}.py", f"Axe {a.number} — {a.short_title}", f"axe-{a.number}",
             AXIS_ICONS[(a.number - 1) % len(AXIS_ICONS)]) for a in catalog.axes]
    out = {}
    for section, entries in PAGES.items():
        rows, placed = [], False
        for entry in entries:
            if AXIS_PAGE.match(entry[0]):
                if not placed:
                    rows += axes
                    placed = True
            else:
                rows.append(entry)
        out[section] = [e for e in rows if (VIEWS / e[0]).exists()]
    return out


def navigation(grant):
    """The pages, those the person may not open hidden from the menu (app.py refuses them by URL)."""
    pages = {
        section: [st.Page(VIEWS / name, title=title, url_path=url, icon=icon, default=(url == "synthese"),
                          visibility="visible" if visible(url, grant) else "hidden")
                  for name, title, url, icon in entries]
        for section, entries in menu(get_store().catalog).items()
    }
    return st.navigation(pages, position="sidebar", expanded=True)


# Texts wrap instead of ending in "…" (Streamlit cuts them to one line at their box's width): the menu's page
# titles ("Axe 2 — Enseignement et compétences numériques" is what tells the axes apart) and the cards' "since"
# line, on a 1 280 px screen.
SHELL_CSS = """<style>
[data-testid="stSidebarNavLink"] {height: auto; min-height: 2rem; padding-top: 0.2rem; padding-bottom: 0.2rem;}
[data-testid="stSidebarNavLink"] span[label], [data-testid="stSidebarNavLink"] .stMarkdownEllipsis,
[data-testid="stSidebarNavLink"] .stMarkdownEllipsis p, [data-testid="stMetricDeltaDescription"] .stMarkdownEllipsis,
[data-testid="stMetricDeltaDescription"] .stMarkdownEllipsis p
    {white-space: normal; overflow: visible; text-overflow: clip; line-height: 1.3;}
</style>"""


def frame() -> View:
    """Sidebar filters and demo label, drawn by app.py before the page body runs; returns the rerun's View."""
    store = get_store()
    st.html(SHELL_CSS)
    with st.sidebar:
        st.markdown(f"### {store.territory.academie_name}")
        view = filter_widgets(store, st.sidebar)
        if not store.snapshot_dates:
            st.caption("Aucun instantané.")
    if store.is_demo:
        with st.container(key="demo-label"):   # the presentation shrinks it by this key
            st.warning(DEMO_LABEL, icon=icons.DEMO)
    if not store.snapshot_dates:
        st.error(
            "Aucun instantané dans le dossier de données "
            f"`{store.data_dir}`. Générez la démonstration (`observatoire demo`) ou importez un fichier."
        )
    st.session_state[VIEW_KEY] = view
    return view


def context() -> Context:
    """Store, the view app.py's frame chose for this rerun, and filter labels, for a page body."""
    store = get_store()
    return Context(store, st.session_state[VIEW_KEY], filter_labels(store))


def page_header(ctx: Context, title: str) -> None:
    st.title(title)
    day = ctx.view.snapshot_date
    parts = [f"Instantané du {format_date_fr(day)}" if day else "Aucun instantané",
             f"année scolaire {ctx.view.school_year}" if ctx.view.school_year else "",
             ctx.describe_filters()]
    st.caption(" · ".join(p for p in parts if p))


def page_path(url_path: str) -> Path:
    """The file of a page, for st.switch_page and st.page_link."""
    for entries in PAGES.values():
        for name, _title, url, _icon in entries:
            if url == url_path:
                return VIEWS / name
    number = re.fullmatch(r"axe-(\d+)", url_path)
    if number and (VIEWS / f"axe_{number.group(1)}.py").exists():
        return VIEWS / f"axe_{number.group(1)}.py"
    raise KeyError(url_path)

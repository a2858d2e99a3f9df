"""Synthèse: per axis, the headline indicators at the chosen snapshot, then the largest equity gaps.

Questions: indicator_values (the cards' figures, through headline_figures; the gaps, through pages/views/gaps.py).
"""

import streamlit as st

from components.equity_view import class_labels
from components.kpi import indicator_card
from components.session import headline_figures
from components.shell import context, page_header
from pages.views.gaps import gap_section

ctx = context()
page_header(ctx, "Synthèse de la feuille de route")
st.markdown(f"*{ctx.catalog.title}* — {ctx.store.territory.academie_name}, {ctx.catalog.period}.")
if ctx.view.snapshot_date:
    chosen = [i for i in ctx.catalog.indicators if i.headline]
    _, figures = headline_figures(ctx.store, tuple(i.id for i in chosen), ctx.view.filters, ctx.view.snapshot_date)
    for axis in ctx.catalog.axes:
        st.subheader(f"Axe {axis.number} — {axis.title}")
        of_axis = [i for i in chosen if i.axis == axis.id]
        if not of_axis:
            others = [i for i in ctx.catalog.indicators if i.axis == axis.id]
            st.info((f"Aucun indicateur de cet axe n'est retenu pour la synthèse ; ses {len(others)} indicateur(s) "
                     f"sont sur la page « Axe {axis.number} ».") if others else
                    "La feuille de route ne fixe pas encore d'indicateur chiffré pour cet axe.")
        for column, ind in zip(st.columns(max(len(of_axis), 1)), of_axis):
            with column:
                indicator_card(ind, *figures[ind.id], key=f"card-{ind.id}")

    *_, urban_label, isolated_label = class_labels(ctx.store.territory)
    st.subheader(f"Les plus grands écarts entre sites « {isolated_label} » et « {urban_label} »")
    motto = ctx.store.territory.text("equity_motto")
    st.caption((f"« {motto} » — l" if motto else "L") + "e détail de chaque indicateur est sur sa page d'axe.")
    site_level = [i for i in ctx.catalog.indicators if i.level == "site"]
    gap_section(ctx, site_level, key="synthese-ecarts", page="synthese", limit=8)

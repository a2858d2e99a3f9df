"""Synthèse: per axis, the headline indicators at the chosen snapshot."""

import streamlit as st

from components.axis_view import figures_at
from components.equity_view import class_labels, draw_gap_table
from components.kpi import indicator_card
from components.shell import context, page_header

ctx = context()
page_header(ctx, "Synthèse de la feuille de route")
st.markdown(f"*{ctx.catalog.title}* — {ctx.store.territory.academie_name}, {ctx.catalog.period}.")
if ctx.view.snapshot_date:
    chosen = [i for i in ctx.catalog.indicators if i.headline]
    _, figures = figures_at(ctx.store.fingerprint, tuple(i.id for i in chosen), ctx.view.filters,
                            ctx.view.snapshot_date)
    for axis in ctx.catalog.axes:
        st.subheader(f"Axe {axis.number} — {axis.title}")
        of_axis = [i for i in chosen if i.axis == axis.id]
        for column, ind in zip(st.columns(max(len(of_axis), 1)), of_axis):
            with column:
                indicator_card(ind, *figures[ind.id], key=f"card-{ind.id}")

if ctx.view.snapshot_date:
    *_, urban_label, isolated_label = class_labels(ctx)
    st.subheader(f"Les plus grands écarts entre sites « {isolated_label} » et « {urban_label} »")
    motto = ctx.store.territory.text("equity_motto")
    st.caption((f"« {motto} » — l" if motto else "L") + "e détail de chaque indicateur est sur sa page d'axe.")
    site_level = [i for i in ctx.catalog.indicators if i.level == "site"]
    draw_gap_table(ctx, site_level, key="synthese-ecarts", page="synthese", limit=8)

"""Console SQL: one read-only SELECT on the documented views, in a sandbox (observatoire/console/sandbox.py)."""

from __future__ import annotations

import streamlit as st

from components.session import per_data_state
from components.shell import context, page_header
from components.tables import download_buttons
from observatoire.output.numbers import format_number
from observatoire.console.sandbox import limits, run_sql, warm_up
from observatoire.console.schema import DOCUMENTED_VIEWS, schema
from observatoire.console.statement import SqlRefused

# Worked examples: title -> SQL. The territory's own come first ([[sql_examples]] of territory.toml, where
# the first may answer a question the explorer also answers), then these, which fit any territory.
GENERIC_EXAMPLES = {
    "Nombre d'établissements par commune et type": """\
select c.commune_name as commune, s.site_type, count(*) as etablissements, sum(s.pupils) as eleves
from sites as s
join communes as c using (commune_code)
group by all
order by commune, s.site_type""",
    "Indicateurs et nombre de faits par instantané": """\
select i.indicator_id, i.label, i.unit, i.rollup, f.snapshot_date, count(*) as faits
from indicators as i
left join facts as f using (indicator_id)
group by all
order by i.indicator_id, f.snapshot_date""",
}

ctx = context()
warm_up()  # each query runs in a process forked from a forkserver: start it while the user types
EXAMPLES = {**{e["title"]: e["sql"].strip() for e in ctx.store.territory.sql_examples}, **GENERIC_EXAMPLES}
page_header(ctx, "Console SQL")
timeout_s, max_rows = limits()
st.markdown(
    "Pour les questions qu'aucune page ne prévoit : **une** instruction `SELECT` (ou `WITH`, `DESCRIBE`, "
    "`SUMMARIZE`, `SHOW`) sur les vues documentées ci-dessous ; comme fonctions de table, `range`, "
    "`generate_series` et `unnest`. Lecture seule : pas de fichier, pas de réseau, pas d'extension ; "
    f"{format_number(timeout_s)} s et {format_number(max_rows)} lignes au plus par requête."
    + " Les filtres du menu latéral ne s'appliquent pas ici : écrivez-les dans la requête."
)

store = ctx.store


@per_data_state(max_entries=4)
def view_schema(store):
    """Columns and types of the documented views."""
    return schema(store)


with st.expander("Schéma des vues", expanded=False):
    columns = view_schema(store)
    for view, description in DOCUMENTED_VIEWS.items():
        st.markdown(f"**`{view}`** — {description}")
        of = columns[columns["view"] == view][["column", "type"]].rename(columns={"column": "Colonne", "type": "Type"})
        st.dataframe(of, hide_index=True, key=f"schema-{view}")

example = st.selectbox("Exemples", [None, *EXAMPLES], key="sql-exemple",
                       format_func=lambda e: "Choisir un exemple…" if e is None else e)
if example and st.session_state.get("sql-exemple-charge") != example:
    st.session_state["sql-requete"] = EXAMPLES[example]
    st.session_state["sql-exemple-charge"] = example
sql = st.text_area("Requête SQL", key="sql-requete", height=220,
                   placeholder="select site_type, count(*) from sites group by site_type")
run = st.button("Exécuter", key="sql-executer", type="primary")

if run and sql.strip():
    try:
        result = run_sql(store, sql)
    except SqlRefused as exc:
        st.error(f"Requête refusée : {exc}")
    except Exception as exc:  # noqa: BLE001 - never a traceback on the page
        st.error(f"La console n'a pas pu exécuter la requête ({type(exc).__name__}) : réessayez dans un instant ; "
                 "si l'erreur revient, signalez-la avec la requête.")
    else:
        st.caption(result.summary())
        if result.truncated:
            st.warning(f"Résultat tronqué : seules les {format_number(max_rows)} premières lignes sont affichées et téléchargeables.")
        st.dataframe(result.frame, hide_index=True, key="sql-resultat")
        about = ctx.about() | {"Requête": " ".join(sql.split())}
        about.pop("Filtres", None)
        download_buttons(result.frame, ["console-sql"], about, key="dl-sql")

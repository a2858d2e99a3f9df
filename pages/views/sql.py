"""Console SQL: one read-only SELECT on the documented views, in a sandbox (observatoire/sandbox.py)."""

from __future__ import annotations

import streamlit as st

from components.session import get_store
from components.shell import context, page_header
from components.tables import download_buttons
from observatoire.formats import format_number
from observatoire.sandbox import DOCUMENTED_VIEWS, SqlRefused, limits, run_sql, schema

# Worked examples: title -> SQL. The first answers the question the explorer also answers.
EXAMPLES = {
    "Écoles du Haut-Maroni de plus de 100 élèves sans compte ENT activé": """\
-- Au dernier instantané : écoles de plus de 100 élèves sans compte élève ENT activé (aucune donnée ou 0).
with dernier as (select max(snapshot_date) as jour from snapshots)
select s.uai, s.name as ecole, c.commune_name as commune, s.pupils as eleves, f.value as comptes_actives
from sites as s
join communes as c using (commune_code)
cross join dernier as d
left join facts as f
    on f.entity_id = s.uai and f.indicator_id = 'ent1d_comptes_eleves' and f.snapshot_date = d.jour
where c.zone_code = 'haut-maroni' and s.site_type = 'ecole' and s.pupils > 100
    and coalesce(f.value, 0) = 0
order by commune, ecole""",
    "Taux d'usage de l'ENT école par classe d'isolement (ratio des sommes)": """\
-- Un taux se calcule comme somme des numérateurs / somme des dénominateurs, jamais comme moyenne de taux.
select e.isolation, f.snapshot_date,
    sum(f.value) / nullif(sum(f.denominator), 0) as taux_usage,
    count(*) as ecoles
from facts as f
join entities as e using (entity_level, entity_id)
where f.indicator_id = 'ent1d_taux_usages'
group by all
order by f.snapshot_date, e.isolation""",
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
page_header(ctx, "Console SQL")
timeout_s, max_rows = limits()
st.markdown(
    "Pour les questions qu'aucune page ne prévoit : **une** instruction `SELECT` (ou `WITH`, `DESCRIBE`, "
    "`SUMMARIZE`) sur les vues documentées ci-dessous. Lecture seule : pas de fichier, pas de réseau, pas "
    f"d'extension ; {format_number(timeout_s)} s et {format_number(max_rows)} lignes au plus par requête."
    + " Les filtres du menu latéral ne s'appliquent pas ici : écrivez-les dans la requête."
)

store = get_store()


@st.cache_data(show_spinner=False, max_entries=4)
def _schema(directory: str, state: str):
    return schema(get_store())


with st.expander("Schéma des vues", expanded=False):
    columns = _schema(str(store.data_dir), store.fingerprint)
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
    else:
        st.caption(result.summary())
        if result.truncated:
            st.warning(f"Résultat tronqué : seules les {format_number(max_rows)} premières lignes sont affichées et téléchargeables.")
        st.dataframe(result.frame, hide_index=True, key="sql-resultat")
        about = ctx.about() | {"Requête": " ".join(sql.split())}
        about.pop("Filtres", None)
        download_buttons(result.frame, ["console-sql"], about, key="dl-sql")

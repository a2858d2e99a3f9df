"""The SQL console's sandbox: right answers on the views, and a corpus of attacks that read or write nothing."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from observatoire import cli
from observatoire.sandbox import DOCUMENTED_VIEWS, SqlRefused, check_statement, run_sql, sandbox_connection, schema
from observatoire.store import Store
from tests import maroni_fixture as mf

EXAMPLE = """
select count(*) as ecoles_sans_compte
from sites as s
join communes as c using (commune_code)
left join facts as f
    on f.entity_id = s.uai and f.indicator_id = 'ent1d_comptes_eleves' and f.snapshot_date = date '2025-01-31'
where c.zone_code = 'haut-maroni' and s.site_type = 'ecole' and s.pupils > 100
    and coalesce(f.value, 0) = 0
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return mf.build(tmp_path_factory.mktemp("maroni"))


@pytest.fixture(scope="module")
def store(data) -> Store:
    store = Store(data)
    yield store
    store.close()


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root with its size and modification time."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


def test_example_question_answered_in_sql(store):
    assert run_sql(store, EXAMPLE).frame["ecoles_sans_compte"].tolist() == [2]


def test_views_give_hand_computed_values(store):
    frame = run_sql(store, "select snapshot_date, sum(value) as total from facts "
                           "where indicator_id = 'ent1d_comptes_eleves' group by all order by 1").frame
    assert frame["total"].tolist() == [55.0, 110.0]  # 20+30+5 ; 40+0+0+60+0+10
    assert run_sql(store, "from snapshots select count(*) as n").frame["n"].tolist() == [2]
    assert run_sql(store, "select count(*) as n from sites where pupils > 100").frame["n"].tolist() == [7]


def test_schema_lists_documented_views_only(store):
    frame = schema(store)
    assert list(dict.fromkeys(frame["view"])) == list(DOCUMENTED_VIEWS)
    assert {"indicator_id", "entity_id", "value", "denominator", "snapshot_date"} <= set(frame.loc[frame["view"] == "facts", "column"])


@pytest.mark.parametrize("sql", ["select 1;", "  with a as (select 2 as x) select x from a  ", "from sites select uai",
                                 "values (1, 'a')", "describe facts", "summarize sites", "show tables"])
def test_read_only_forms_accepted(store, sql):
    run_sql(store, sql)


# {out}: an empty folder that must stay empty; {data}: the data directory, which must stay unchanged.
ATTACKS = [
    ("select * from read_csv('/etc/passwd')", "Accès refusé"),
    ("SELECT * FROM read_text('/etc/passwd')", "Accès refusé"),
    ("select * from read_blob('/etc/hostname')", "Accès refusé"),
    ("select * from glob('/etc/*')", "Accès refusé"),
    ("select * from '/etc/passwd'", "Nom inconnu"),
    ("select * from sniff_csv('/etc/passwd')", "Accès refusé"),
    ("select * from read_csv('https://example.org/x.csv')", "Accès refusé"),
    ("select * from read_text('{data}/manifest.json')", "Accès refusé"),
    ("select * from read_text('{data}/snapshots/../manifest.json')", "Accès refusé"),
    ("select * from glob('{data}/*')", "Accès refusé"),
    ("select * from query('drop view facts')", ""),
    ("copy (select * from facts) to '{out}/facts.csv'", "COPY"),
    ("copy facts to '{out}/facts.parquet' (format parquet)", "COPY"),
    ("copy sites from '/etc/passwd'", "COPY"),
    ("export database '{out}/dump'", "EXPORT"),
    ("import database '{data}'", "PRAGMA"),
    ("attach '{out}/x.duckdb' as x", "ATTACH"),
    ("attach ':memory:' as m", "ATTACH"),
    ("detach memory", "DETACH"),
    ("install httpfs", "INSTALL"),
    ("load httpfs", "INSTALL"),
    ("set enable_external_access = true", "SET"),
    ("set allowed_directories = ['/']", "SET"),
    ("reset lock_configuration", "SET"),
    ("set variable x = 1", "SET"),
    ("use memory", "SET"),
    ("pragma enable_profiling", "PRAGMA"),
    ("pragma database_list", "PRAGMA"),
    ("call pragma_version()", "CALL"),
    ("checkpoint", "CALL"),
    ("create table t as select * from facts", "CREATE"),
    ("create or replace view facts as select 1 as x", "CREATE"),
    ("create macro m(a) as a", "CREATE"),
    ("drop view facts", "DROP"),
    ("insert into snapshots values (date '2030-01-01', '2029-2030', 0, false)", "INSERT"),
    ("update indicators set label = 'x'", "UPDATE"),
    ("delete from sites", "DELETE"),
    ("alter view facts rename to f", "ALTER"),
    ("vacuum", "VACUUM"),
    ("begin transaction", "BEGIN"),
    ("prepare p as select 1", "PREPARE"),
    ("explain analyze copy (select 1) to '{out}/explain.csv'", "EXPLAIN"),
    ("select 1; drop view facts", "Une seule instruction"),
    ("select 1 /* ; */ ; copy (select 1) to '{out}/x.csv'", "Une seule instruction"),
    ("select 1; select 2", "Une seule instruction"),
    ("", "Requête vide"),
    ("sélectionner tout", "Erreur de syntaxe"),
]


@pytest.mark.parametrize("sql, reason", ATTACKS, ids=[a[0][:40] for a in ATTACKS])
def test_attack_refused_and_nothing_touched(store, data, tmp_path, sql, reason):
    out = tmp_path / "out"
    out.mkdir()
    before = tree(data)
    cwd_before = set(os.listdir(Path.cwd()))
    with pytest.raises(SqlRefused) as refused:
        run_sql(store, sql.format(out=out, data=data), timeout_s=5)
    message = str(refused.value)
    assert reason in message
    assert message and "\n" not in message
    assert list(out.iterdir()) == [], "a file was written"
    assert tree(data) == before, "the data directory changed"
    assert set(os.listdir(Path.cwd())) == cwd_before, "a file appeared in the working directory"


def test_corpus_is_big_enough():
    assert len(ATTACKS) >= 25


def test_every_refusal_reason_is_french_and_short():
    for sql, _ in ATTACKS:
        try:
            check_statement(sql.format(out="/tmp/x", data="/tmp/y"))
        except SqlRefused as exc:
            assert len(str(exc)) < 200


def test_query_that_would_run_forever_is_stopped(store):
    started = time.perf_counter()
    with pytest.raises(SqlRefused, match="Temps limite dépassé"):
        run_sql(store, "select count(*) from range(1000000000) as a, range(1000000000) as b", timeout_s=1)
    assert time.perf_counter() - started < 10


def test_millions_of_rows_are_capped(store):
    started = time.perf_counter()
    result = run_sql(store, "select * from range(50000000)", max_rows=1000)
    assert len(result.frame) == 1000 and result.truncated
    assert "tronqué" in result.summary()
    assert time.perf_counter() - started < 5  # streamed: the 50 million rows are never built
    exact = run_sql(store, "select * from range(1000)", max_rows=1000)
    assert len(exact.frame) == 1000 and not exact.truncated


def test_one_users_statement_cannot_change_what_another_sees(store):
    # Even on the raw sandbox connection (bypassing the statement check), a DROP stays private.
    con = sandbox_connection(store)
    con.execute("drop view facts")
    con.execute("create table facts as select 'x' as indicator_id")
    con.close()
    with pytest.raises(SqlRefused):
        run_sql(store, "drop view sites")
    assert run_sql(store, "select count(*) as n from facts").frame["n"].tolist() == [12]
    assert run_sql(store, "select count(*) as n from sites").frame["n"].tolist() == [8]
    # The store the pages use is untouched too.
    assert len(store.run("snapshot_list")) == 2


def test_configuration_is_locked_on_the_sandbox_connection(store):
    con = sandbox_connection(store)
    try:
        with pytest.raises(Exception, match="(?i)lock|configuration"):
            con.execute("set enable_external_access = true")
        with pytest.raises(Exception):
            con.execute("select * from read_text('/etc/passwd')").fetchall()
    finally:
        con.close()


def test_concurrent_queries_give_right_results(store):
    cases = {
        "select count(*) as n from facts": 12,
        "select count(*) as n from sites where site_type = 'ecole'": 7,
        "select sum(pupils)::bigint as n from sites": 1901,
        "select count(*) as n from snapshots": 2,
    }
    results, errors = [], []

    def worker(i: int):
        sql = list(cases)[i % len(cases)]
        try:
            results.append((sql, run_sql(store, sql).frame["n"].tolist()[0]))
            if i % 3 == 0:
                run_sql(store, "drop view facts")
        except SqlRefused as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 16
    assert all(value == cases[sql] for sql, value in results), results
    assert len(errors) == 6 and all("DROP" in e for e in errors)


def test_cli_sql(data, capsys, tmp_path):
    assert cli.main(["--data-dir", str(data), "sql", EXAMPLE, "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["ecoles_sans_compte", "2"]
    assert cli.main(["--data-dir", str(data), "sql", "select uai from sites order by uai", "--limit", "3"]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.strip().splitlines()) == 4 and "tronqué" in captured.err
    target = tmp_path / "x.csv"
    assert cli.main(["--data-dir", str(data), "sql", f"copy sites to '{target}'"]) == 1
    assert "COPY" in capsys.readouterr().err and not target.exists()

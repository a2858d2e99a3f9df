"""The Markdown tables printed at the end of `observatoire bench` (and pasted into the README)."""

from __future__ import annotations


def ms_text(seconds: float | None) -> str:
    """Milliseconds, thousands apart by a space; a dash when not measured."""
    return "—" if seconds is None else f"{seconds * 1000:,.0f}".replace(",", " ")


def int_text(value) -> str:
    """An integer, thousands apart by a space; a dash when not measured."""
    return "—" if value is None else f"{int(value):,}".replace(",", " ")


def render_table(result: dict) -> str:
    """The Markdown tables printed at the end of a run (and pasted into the README)."""
    d, m = result["dataset"], result["machine"]
    v = result["versions"]
    ram = f"{m['ram_bytes'] / 2**30:.0f} Go" if m.get("ram_bytes") else "?"
    lines = [f"Échelle **{result['scale']}** : {int_text(d['sites'])} établissements, {d['snapshots']} instantanés, "
             f"{int_text(d['facts'])} faits — {m['cpu_count']} cœurs, {ram} ; Python {v['python']}, "
             f"Streamlit {v['streamlit']}, DuckDB {v['duckdb']}, pandas {v['pandas']}, pyarrow {v['pyarrow']} ; "
             f"{result['repeat']} répétitions.", ""]
    floor = result["floor"]["p50_s"]
    lines += ["| page | 1er rendu, caches vides (ms) | rendu chaud p50 (ms) | p95 (ms) | × plancher |",
              "|---|---:|---:|---:|---:|",
              f"| *plancher : page vide (`st.write`)* | {ms_text(result['floor']['cold_s'])} | {ms_text(floor)} | "
              f"{ms_text(result['floor']['p95_s'])} | 1,0 |"]
    for page in result["pages"]:
        flag = " (erreurs)" if page["errors"] else ""
        lines.append(f"| {page['name']}{flag} | {ms_text(page['cold_s'])} | {ms_text(page['p50_s'])} | {ms_text(page['p95_s'])} | "
                     f"{page['p50_s'] / floor:.1f} |".replace(".", ","))
    pandas = {p["label"]: p for p in result["pandas"]["queries"]}
    lines += ["", "| requête (DuckDB, chaude) | lignes | p50 (ms) | p95 (ms) | pandas p50 (ms) | pandas ÷ DuckDB |",
              "|---|---:|---:|---:|---:|---:|"]
    for q in sorted(result["queries"], key=lambda q: -q["p50_s"]):
        p = pandas.get(q["label"])
        ratio = f"{p['p50_s'] / q['p50_s']:.1f}".replace(".", ",") if p and q["p50_s"] else "—"
        lines.append(f"| `{q['label']}` | {int_text(q['rows'])} | {ms_text(q['p50_s'])} | {ms_text(q['p95_s'])} | "
                     f"{ms_text(p['p50_s']) if p else '—'} | {ratio} |")
    c, mem, imp = result["comparison"], result["memory"], result["import"]
    lines += ["", "| mesure | valeur |", "|---|---|",
              f"| pandas : chargement des faits Parquet | {ms_text(c['pandas_load_s'])} ms "
              f"({int_text(result['pandas']['fact_rows'])} lignes) |",
              f"| cumuls : DuckDB / pandas (somme des p50) | {ms_text(c['duckdb_s'])} ms / {ms_text(c['pandas_query_s'])} ms |",
              f"| RSS maximale : serveur / pandas / import | {mem['server_peak_rss_bytes'] / 2**20:.0f} / "
              f"{mem['pandas_peak_rss_bytes'] / 2**20:.0f} / {mem['import_peak_rss_bytes'] / 2**20:.0f} Mo |",
              f"| écriture d'un instantané | {int_text(imp['snapshot_writer']['rows_per_s'])} lignes/s "
              f"({int_text(imp['rows'])} lignes) |"]
    if imp.get("import"):
        i = imp["import"]
        lines.append(f"| import format long (validation + écriture) | "
                     f"{int_text(i['rows_per_s']) if i['rows_per_s'] else 'refusé'} lignes/s "
                     f"({ms_text(i['validate_s'])} + {ms_text(i['commit_s'])} ms) |")
    lines += ["", "| objectif | mesure | atteint |", "|---|---|---|"]
    for t in result["targets"]:
        met = {True: "oui", False: "**non**", None: "— (autre échelle)"}[t["met"]]
        lines.append(f"| {t['target'].replace('.', ',')} | {t['figure'].replace('.', ',')} | {met} |")
    return "\n".join(lines)

"""The statement check: parsed by DuckDB (nothing run), exactly one read, its syntax tree naming only what it may.

Exactly one statement, a SELECT (WITH, FROM, VALUES, DESCRIBE, SUMMARIZE, SHOW), and its syntax tree may name
only the documented views (or its own WITH names), a few generating table functions (range, generate_series,
unnest…) and no function that reveals the configuration. Every refusal is a SqlRefused whose message is a short
French reason.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

import duckdb

from observatoire.console.connection import base_config
from observatoire.console.schema import DOCUMENTED_VIEWS
from observatoire.errors import ObservatoireError
from observatoire.output.numbers import format_number

# Tables a query may name: the documented views, and the one-row academie table `entities` is built from.
READABLE = set(DOCUMENTED_VIEWS) | {"academie"}
# Table functions that only generate values (no file, no catalog, no setting).
TABLE_FUNCTIONS = {"range", "generate_series", "unnest", "json_each", "json_tree"}
# Scalar functions (and macros) that reveal settings, variables or view definitions (absolute paths).
DENIED_FUNCTIONS = {"current_setting", "getvariable", "getenv", "pg_get_viewdef", "write_log"}
# Functions that parse, plan or run SQL written in a string: the tree check never sees that SQL (DuckDB's list,
# duckdb_functions(), names these; query and query_table are table functions, refused with the others).
SQL_STRING_FUNCTIONS = {"json_serialize_sql", "json_serialize_plan", "json_deserialize_sql", "json_execute_serialized_sql",
                        "query", "query_table", "sql_auto_complete", "parse_duckdb_log_message"}
# Query nodes a read may contain (a WITH may also hold INSERT_QUERY_NODE, COPY_QUERY_NODE…: refused).
QUERY_NODES = {"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"}
# SHOW forms that list the catalog (SHOW TABLES, SHOW ALL TABLES, SHOW DATABASES).
SHOW_SPECIAL = {'"tables"', "__show_tables_expanded", '"databases"'}
MAX_SQL_CHARS = 20_000
DEPTH_REFUSAL = ("Expression trop profonde (plus de 1 000 termes enchaînés ou fonctions imbriquées) : simplifiez-la, "
                 "par exemple avec sum() sur une colonne ou en passant par un WITH.")
# EXPLAIN is left out: EXPLAIN ANALYZE runs the statement it explains, whatever its type.
ALLOWED_TYPES = {duckdb.StatementType.SELECT}
FILE_REFUSAL = "Accès refusé : la console ne lit que les vues documentées (aucun fichier, aucun réseau)."
# Why a statement type is refused, in French.
REFUSALS = {
    "COPY": "COPY est interdit : la console n'écrit ni ne lit aucun fichier.",
    "COPY_DATABASE": "COPY DATABASE est interdit : la console n'écrit aucun fichier.",
    "EXPORT": "EXPORT DATABASE est interdit : la console n'écrit aucun fichier.",
    "ATTACH": "ATTACH est interdit : seules les vues documentées sont accessibles.",
    "DETACH": "DETACH est interdit : la console est en lecture seule.",
    "LOAD": "INSTALL et LOAD sont interdits : aucune extension n'est chargée.",
    "EXTENSION": "Les extensions sont interdites.",
    "SET": "SET, RESET et USE sont interdits : la configuration est verrouillée.",
    "VARIABLE_SET": "SET VARIABLE est interdit : la configuration est verrouillée.",
    "PRAGMA": "PRAGMA (et IMPORT DATABASE) sont interdits : la configuration est verrouillée.",
    "CALL": "CALL est interdit : écrivez SELECT * FROM fonction(…) pour une fonction de table.",
    "CREATE": "CREATE est interdit : la console est en lecture seule (utilisez WITH … pour nommer un calcul).",
    "CREATE_FUNC": "CREATE MACRO/FUNCTION est interdit : la console est en lecture seule.",
    "DROP": "DROP est interdit : la console est en lecture seule.",
    "ALTER": "ALTER et COMMENT sont interdits : la console est en lecture seule.",
    "INSERT": "INSERT est interdit : la console est en lecture seule.",
    "UPDATE": "UPDATE est interdit : la console est en lecture seule.",
    "DELETE": "DELETE est interdit : la console est en lecture seule.",
    "MERGE_INTO": "MERGE est interdit : la console est en lecture seule.",
    "TRANSACTION": "BEGIN, COMMIT et ROLLBACK sont inutiles ici : chaque requête est isolée.",
    "PREPARE": "PREPARE et EXECUTE sont interdits : écrivez la requête en entier.",
    "EXECUTE": "PREPARE et EXECUTE sont interdits : écrivez la requête en entier.",
    "VACUUM": "VACUUM est interdit : la console est en lecture seule.",
    "ANALYZE": "ANALYZE est interdit : la console est en lecture seule.",
    "EXPLAIN": "EXPLAIN n'est pas disponible dans la console.",
    "MULTI": "Cette instruction (PIVOT …) n'est pas prise en charge : écrivez-la avec GROUP BY.",
}


class SqlRefused(ObservatoireError):
    """A statement the console will not run, or that failed; the message is a short French reason."""


def check_statement(sql: str) -> str:
    """The single statement to run, or SqlRefused with the French reason (parsed by DuckDB, nothing run)."""
    if not sql or not sql.strip():
        raise SqlRefused("Requête vide : écrivez une instruction SELECT.")
    if len(sql) > MAX_SQL_CHARS:
        raise SqlRefused(f"Requête trop longue : {format_number(MAX_SQL_CHARS)} caractères au plus.")
    parser = duckdb.connect(":memory:", config=base_config("64MB"))
    try:
        try:
            statements = parser.extract_statements(sql)
        except duckdb.Error as exc:
            if "expression depth" in str(exc).lower():
                raise SqlRefused(DEPTH_REFUSAL) from None
            raise SqlRefused(f"Erreur de syntaxe : {first_line(exc)}") from None
        if not statements:
            raise SqlRefused("Requête vide : écrivez une instruction SELECT.")
        if len(statements) > 1:
            raise SqlRefused(f"Une seule instruction à la fois : {len(statements)} trouvées (séparées par « ; »).")
        statement = statements[0]
        try:
            kind = statement.type
        except ValueError:  # a statement type the Python API does not name (UPDATE EXTENSIONS…)
            raise SqlRefused("Instruction interdite : seules les lectures (SELECT) sont permises.") from None
        if kind not in ALLOWED_TYPES:
            name = kind.name
            if name == "VACUUM" and statement.query.lstrip(" \t\r\n(").lower().startswith("analy"):
                name = "ANALYZE"  # DuckDB parses ANALYZE as a VACUUM statement
            raise SqlRefused(REFUSALS.get(name, f"Instruction {name} interdite : seules les lectures (SELECT) sont permises."))
        serialized = parser.execute("select json_serialize_sql(?)", [statement.query]).fetchone()[0]
    except duckdb.Error as exc:
        raise SqlRefused(f"Requête illisible : {first_line(exc)}") from None
    finally:
        parser.close()
    tree = load_tree(serialized)
    if tree.get("error"):
        raise SqlRefused(REFUSALS["MULTI"])
    _check_tree(tree)
    return statement.query


def _check_tree(tree: dict) -> None:
    """SqlRefused unless the syntax tree names only readable tables, generating table functions and allowed functions."""
    tables, functions, table_functions, ctes, parameters, writes = [], set(), set(), set(), [], []

    stack = [tree.get("statements", [])]
    while stack:  # iterative: a thousand-term expression is as deep as its tree, and Python's stack is not
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        if isinstance(kind, str) and kind.endswith("_NODE") and kind not in QUERY_NODES:
            writes.append(kind)
        if kind == "BASE_TABLE":
            tables.append((node.get("catalog_name", ""), node.get("schema_name", ""), node.get("table_name", "")))
        elif kind == "SHOW_REF" and node.get("table_name"):
            if node.get("show_type") == "SHOW_SPECIAL":
                if node["table_name"] not in SHOW_SPECIAL:
                    tables.append(("", "", node["table_name"]))
            else:
                tables.append((node.get("catalog_name", ""), node.get("schema_name", ""), node["table_name"]))
        elif kind == "TABLE_FUNCTION":
            table_functions.add(str(node.get("function", {}).get("function_name", "")).lower())
        if node.get("class") == "PARAMETER":
            parameters.append(node)
        if "function_name" in node:
            functions.add(str(node["function_name"]).lower())
        for entry in (node.get("cte_map") or {}).get("map", []):
            ctes.add(str(entry.get("key", "")).lower())
        stack.extend(reversed(list(node.values())))

    for kind in writes:
        # DuckDB accepts INSERT, UPDATE, DELETE and COPY TO as the body of a WITH, in a statement typed SELECT.
        verb = kind.removesuffix("_QUERY_NODE").removesuffix("_NODE")
        if verb == "COPY":
            raise SqlRefused("COPY est interdit, même dans un WITH : la console n'écrit aucun fichier.")
        raise SqlRefused(f"{verb} est interdit, même dans un WITH : la console est en lecture seule.")
    if parameters:
        raise SqlRefused("Paramètres (?, $1…) non pris en charge : écrivez les valeurs dans la requête.")
    for name in sorted((functions | table_functions) & SQL_STRING_FUNCTIONS):
        raise SqlRefused(f"Fonction {name}() interdite : elle lit du SQL écrit dans une chaîne, que la console ne peut "
                         "pas vérifier ; écrivez la requête directement.")
    for name in sorted(table_functions - TABLE_FUNCTIONS):
        if name.startswith(("read_", "parquet_", "glob", "sniff_")) or name.endswith("_scan"):
            raise SqlRefused(f"Accès refusé : {name}() lit des fichiers ; la console ne lit que les vues documentées.")
        if name.startswith(("query", "json_execute")):
            raise SqlRefused(f"Fonction {name}() interdite : elle exécuterait une autre requête ; écrivez-la directement.")
        raise SqlRefused(f"Fonction {name}() interdite : seules range, generate_series, unnest, json_each et "
                         "json_tree sont permises comme fonctions de table.")
    for name in sorted(functions & DENIED_FUNCTIONS):
        raise SqlRefused(f"Fonction {name}() interdite : la configuration n'est pas consultable.")
    reserved = _system_names()
    for catalog, schema_name, name in tables:
        low = name.lower()
        if catalog.lower() not in ("", "memory") or schema_name.lower() not in ("", "main"):
            raise SqlRefused(f"« {'.'.join(p for p in (catalog, schema_name, name) if p)} » : seules les vues "
                             "documentées sont accessibles (sans préfixe de schéma).")
        if low in READABLE or (low in ctes and low not in reserved):
            continue
        if any(c in name for c in "/\\.:"):
            raise SqlRefused(FILE_REFUSAL)
        raise SqlRefused(f"Vue inconnue ou interdite : « {name} ». Vues documentées : {', '.join(DOCUMENTED_VIEWS)}.")


# One JSON token, after the separators: a string, an opening or closing bracket, or a scalar.
_TOKEN = re.compile(r'[\s,:]*(?:("(?:[^"\\]|\\.)*")|([{\[])|([}\]])|(-?\d[\d.eE+-]*|true|false|null))', re.S)


def load_tree(text: str):
    """The syntax tree from DuckDB's JSON, without recursion: json.loads recurses once per level and a
    deep expression (1+1+… of thousands of terms, nested abs(…)) would exceed Python's limit."""
    try:
        return json.loads(text)
    except RecursionError:
        pass
    stack: list[list] = []  # [container, pending key of a dict]
    position, end = 0, len(text.rstrip())
    while position < end:
        match = _TOKEN.match(text, position)
        if match is None:
            raise SqlRefused("Requête trop complexe pour être vérifiée : simplifiez-la.")
        position = match.end()
        string, opening, closing, scalar = match.groups()
        if opening:
            stack.append([{} if opening == "{" else [], None])
            continue
        if closing:
            value = stack.pop()[0]
        elif string is not None:
            value = json.loads(string)
            if stack and isinstance(stack[-1][0], dict) and stack[-1][1] is None:
                stack[-1][1] = value  # a key: its value follows
                continue
        else:
            value = json.loads(scalar)
        if not stack:
            return value
        top = stack[-1]
        if isinstance(top[0], list):
            top[0].append(value)
        else:
            top[0][top[1]], top[1] = value, None
    raise SqlRefused("Requête trop complexe pour être vérifiée : simplifiez-la.")


@lru_cache(maxsize=1)
def _system_names() -> frozenset[str]:
    """Catalog views a bare name reaches (duckdb_tables, pg_settings…): a WITH name may not take one of them."""
    con = duckdb.connect(":memory:", config=base_config("64MB"))
    try:
        return frozenset(r[0].lower() for r in con.execute("select distinct view_name from duckdb_views()").fetchall())
    finally:
        con.close()


def first_line(exc: Exception) -> str:
    """The first line of an error's message (DuckDB's next lines quote the query)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


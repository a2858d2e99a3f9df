"""The fast CSV reader (pyarrow.csv over the whole body) against the careful one: on every file it takes, the
same header, cells, line numbers, encoding and separator; every other file it leaves to the careful path."""

from __future__ import annotations

import random

import pytest

from observatoire.ingest import csv_reader
from observatoire.ingest.problems import Collector

LONG = "uai;indicateur;valeur;denominateur"


def recognise(keys):
    return "indicateur" in keys or "uai" in keys


def careful(data: bytes):
    problems = Collector()
    fast = csv_reader._read_csv_fast
    try:
        csv_reader._read_csv_fast = lambda *args: None
        table = csv_reader.read_csv(data, "f.csv", problems, recognise)
    finally:
        csv_reader._read_csv_fast = fast
    return table, [p.message() for p in problems.items]


def same(a, b) -> None:
    assert (a.header, a.header_line, a.encoding, a.separator) == (b.header, b.header_line, b.encoding, b.separator)
    assert a.lines.tolist() == b.lines.tolist()
    assert [c.to_pylist() for c in a.columns] == [c.to_pylist() for c in b.columns]


TAKEN = {
    "plain": f"{LONG}\n0970001A;ent_utilisateurs;12;\n0970002B;ent_taux;3,5;10\n",
    "no final line break": f"{LONG}\n0970001A;ent;12;",
    "crlf and bom": "\ufeff" + f"{LONG}\r\n0970001A;ent;12;\r\n0970002B;ent;1 500 €;\r\n",
    "old mac line breaks": f"{LONG}\r0970001A;ent;12;\r0970002B;ent;1;\r",
    "title rows and blank lines": f"Tableau de bord;;;\nSource : DRANE;;;\n;;;\n\n{LONG}\n0970001A;x;1;\n;;;\n\n \u00a0; ;,;|\n0970002B;x;2;\n",
    "spaces around cells": f"{LONG}\n 0970001A ;\u00a0x\u202f;\t1 ;\n",
    "trailing empty columns": f"{LONG};;\n0970001A;x;1;;;\n0970002B;x;2;; ;\n",
    "comma separated": "uai,indicateur,valeur,denominateur\n0970001A,x,\"1\",\n".replace('"', ""),
    "tabs": LONG.replace(";", "\t") + "\n0970001A\tx\t1\t\n",
    "accents": f"{LONG}\n0970001A;élèves_équipés;−3;\n",
}
LEFT = {
    "quotes": f'{LONG}\n0970001A;x;"1;5";\n',
    "a short line": f"{LONG}\n0970001A;x;1\n",
    "a long line": f"{LONG}\n0970001A;x;1;;valeur\n",
    "only a header": f"{LONG}\n",
    "only blank lines below": f"{LONG}\n;;;\n\n",
    "no separator": "uai indicateur\n1 2\n",
}


@pytest.mark.parametrize("name", TAKEN)
def test_fast_reader_reads_as_the_careful_one(name):
    data = TAKEN[name].encode("utf-8")
    fast = csv_reader._read_csv_fast(data, "f.csv", recognise)
    assert fast is not None, name
    table, problems = careful(data)
    assert problems == []
    same(fast, table)


@pytest.mark.parametrize("name", LEFT)
def test_fast_reader_leaves_unusual_files_to_the_careful_path(name):
    assert csv_reader._read_csv_fast(LEFT[name].encode("utf-8"), "f.csv", recognise) is None


def test_fast_reader_leaves_windows_1252_to_the_careful_path():
    data = f"{LONG}\n0970001A;élèves;1;\n".encode("cp1252")
    assert csv_reader._read_csv_fast(data, "f.csv", recognise) is None
    table, problems = careful(data)
    assert table.encoding == "cp1252" and table.columns[1].to_pylist() == ["élèves"]


def test_fast_reader_finds_a_header_beyond_its_first_read():
    """Title rows longer than the first bytes read: the head is read again, larger."""
    titles = "".join(f"titre {i} " + "x" * 3000 + "\n" for i in range(25))
    data = (titles + f"{LONG}\n0970001A;x;1;\n").encode("utf-8")
    fast = csv_reader._read_csv_fast(data, "f.csv", recognise)
    table, _ = careful(data)
    same(fast, table)
    assert fast.header_line == 26


def test_fast_reader_random_files():
    """Random mixes of blank lines, separators-only lines, spaces and line breaks."""
    rng = random.Random(11)
    pieces = ["0970001A;x;1;", " 0970002B ;y; 2 ;3", ";;;", "", " ", "\u00a0;;;", ";,;;", "a;b;c;d", "0970003C;z;1\u202f234;"]
    for _ in range(200):
        lines = [rng.choice(["titre;;;", "", ";;;"]) for _ in range(rng.randint(0, 3))] + [LONG]
        lines += [rng.choice(pieces) for _ in range(rng.randint(1, 12))]
        text = rng.choice(["\n", "\r\n", "\r"]).join(lines) + rng.choice(["", "\n"])
        data = text.encode("utf-8")
        fast = csv_reader._read_csv_fast(data, "f.csv", recognise)
        table, problems = careful(data)
        if fast is not None:
            assert problems == []
            same(fast, table)

"""Issue 15: workbook traps, CSV traps, and every failure a user can meet — a French message with what to do,
exit code 1, no traceback, nothing changed."""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

import pytest

from observatoire.cli import main
from observatoire.ingest import prepare, xlsx_reader
from observatoire.storage import snapshots
from tests.support.hostile_files import (put, annuaire_csv, annuaire_site, declared_dimension, encrypted_workbook,
                                         legacy_xls, mixed_encoding_annuaire, with_member, workbook)
from tests.support.import_data import COLLEGE, COLLEGE_ISOLE, LYCEE, SNAPSHOT, make_dir, tree

HEADER = ["uai", "indicateur", "valeur", "denominateur"]


@pytest.fixture
def data(tmp_path):
    return make_dir(tmp_path / "data")


def refused(data: Path, path: Path, capsys, *args: str) -> str:
    """Run the CLI import: exit 1, the data directory unchanged, the French message returned."""
    before = tree(data)
    assert main(["--data-dir", str(data), "import", str(path), "--snapshot", SNAPSHOT, *args]) == 1
    assert tree(data) == before, "a refused import changed the data directory"
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Error" not in err.replace("Erreur", "")
    return err


# Workbooks ------------------------------------------------------------------------------------------------------

def test_hidden_first_sheet_is_not_imported(data, tmp_path):
    content = workbook([("ancien", [HEADER, [COLLEGE, "ent2d_utilisateurs", 999]], "hidden"),
                        ("février", [HEADER, [COLLEGE, "ent2d_utilisateurs", 12]], "visible")])
    plan = prepare([put(tmp_path, "classeur.xlsx", content)], SNAPSHOT, data)
    assert plan.ok and plan.facts["value"].tolist() == [12.0]
    assert any("masquée" in p.found and "ancien" in p.found for p in plan.warnings)
    named = prepare([put(tmp_path, "classeur.xlsx", content)], SNAPSHOT, data, sheet="ancien")
    assert named.facts["value"].tolist() == [999.0]


def test_percent_cell_is_read_as_a_percentage(data, tmp_path):
    content = workbook([("taux", [HEADER, [COLLEGE, "ent2d_taux_utilisation", 0.375, 200]], "visible")],
                       {("taux", "C2"): "0.0%"})
    plan = prepare([put(tmp_path, "taux.xlsx", content)], SNAPSHOT, data)
    assert plan.ok, [p.message() for p in plan.errors]
    assert plan.facts[["value", "denominator"]].values.tolist() == [[75.0, 200.0]]  # 37,5 % of 200


def test_percent_cell_for_a_count_is_refused(data, tmp_path):
    content = workbook([("n", [HEADER, [COLLEGE, "ent2d_utilisateurs", 0.5]], "visible")], {("n", "C2"): "0%"})
    [error] = prepare([put(tmp_path, "n.xlsx", content)], SNAPSHOT, data).errors
    assert "pourcentage" in error.found and error.line == 2


def test_date_cells_are_dates(data, tmp_path):
    from datetime import date

    from tests.support.import_data import ENT_HEADER

    names = ENT_HEADER.split(";")
    rows = [names] + [[{"debutsemaine": day, "uai": COLLEGE, "visites_globales": 10, "utilisateurs_globales": 4}.get(c)
                       for c in names] for day in (date(2025, 2, 3), date(2025, 2, 10))]
    plan = prepare([put(tmp_path, "ent.xlsx", workbook([("ent", rows, "visible")]))], SNAPSHOT, data)
    assert plan.ok, [p.message() for p in plan.errors]


@pytest.mark.parametrize("name, content, words", [
    ("chiffre.xlsx", encrypted_workbook(), "mot de passe"),
    ("ancien.xlsx", legacy_xls(), "Excel 97-2003 (.xls), bien que nommé .xlsx"),
    ("ancien.xls", legacy_xls(), "Excel 97-2003"),
    ("casse.xlsx", b"PK\x03\x04" + b"\0" * 100, "classeur Excel illisible"),
])
def test_encrypted_and_legacy_workbooks_are_named(data, tmp_path, capsys, name, content, words):
    err = refused(data, put(tmp_path, name, content), capsys)
    assert words in err and "BadZipFile" not in err


def test_inflated_size_is_checked_before_parsing(data, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_IMPORT_MAX_MB", "1")
    bomb = with_member(workbook([("a", [HEADER, [COLLEGE, "ent2d_utilisateurs", 1]], "visible")]), "xl/media/x.bin",
                       30_000_000)
    assert len(bomb) < 1_000_000
    assert "se décompresse en" in refused(data, put(tmp_path, "bombe.xlsx", bomb), capsys)


@pytest.mark.parametrize("ref, words", [("A1:D900000", "lignes"), ("A1:ZZZ2", "colonnes")])
def test_declared_size_is_checked_before_parsing(data, tmp_path, capsys, ref, words):
    content = declared_dimension(workbook([("a", [HEADER, [COLLEGE, "ent2d_utilisateurs", 1]], "visible")]), ref)
    err = refused(data, put(tmp_path, "grand.xlsx", content), capsys)
    assert "au-delà de la limite" in err and words in err


def test_rows_and_columns_are_counted_while_reading(data, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_reader, "MAX_ROWS", 5)
    rows = [HEADER] + [[COLLEGE, "ent2d_utilisateurs", i] for i in range(10)]
    content = declared_dimension(workbook([("a", rows, "visible")]), "A1")  # a dimension that lies
    [error] = prepare([put(tmp_path, "long.xlsx", content)], SNAPSHOT, data).errors
    assert "lignes, au-delà" in error.found


def test_a_huge_cell_is_refused_and_not_echoed(data, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_reader, "MAX_CELL_CHARS", 1_000)
    content = workbook([("a", [HEADER, [COLLEGE, "ent2d_utilisateurs", "x" * 5_000]], "visible")])
    [error] = prepare([put(tmp_path, "cellule.xlsx", content)], SNAPSHOT, data).errors
    assert "5\u202f000 caractères" in error.found and error.line == 2 and len(error.message()) < 600


def test_a_long_cell_is_echoed_briefly(data, tmp_path):
    content = workbook([("a", [HEADER, [COLLEGE, "ent2d_utilisateurs", "x" * 30_000]], "visible")])
    [error] = prepare([put(tmp_path, "cellule.xlsx", content)], SNAPSHOT, data).errors
    assert "pas un nombre" in error.found and len(error.message()) < 1_000


# CSV ----------------------------------------------------------------------------------------------------------

def test_unclosed_quote_in_an_ignored_column_is_reported_at_its_line(data, tmp_path, capsys):
    content = ("uai;indicateur;valeur;remarque\n"
               f"{COLLEGE};ent2d_utilisateurs;12;\"à revoir\n"
               f"{COLLEGE_ISOLE};ent2d_utilisateurs;40;ok\n"
               f"{LYCEE};pix_eleves_certifies;80;\n")
    err = refused(data, put(tmp_path, "guillemet.csv", content), capsys)
    assert "ligne 2" in err and "guillemet non fermé" in err


def test_quoted_address_over_two_lines_still_imports(data, tmp_path):
    content = f"uai;indicateur;valeur;remarque\n{COLLEGE};ent2d_utilisateurs;12;\"12 rue X\n97300 Cayenne\"\n"
    assert prepare([put(tmp_path, "adresse.csv", content)], SNAPSHOT, data).ok


def test_two_columns_meaning_valeur_are_refused(data, tmp_path, capsys):
    content = f"uai;indicateur;valeur;numerateur\n{COLLEGE};ent2d_utilisateurs;12;15\n"
    err = refused(data, put(tmp_path, "deux.csv", content), capsys)
    assert "veulent dire « valeur »" in err and "ligne 1" in err


def test_mixed_encodings_are_read_line_by_line_never_dropped(data, tmp_path):
    plan = prepare([put(tmp_path, "annuaire.csv", mixed_encoding_annuaire())], None, data)
    assert plan.ok, [p.message() for p in plan.errors]
    names = plan.sites.set_index("uai")["name"]
    assert names["9730108E"] == "École Saba" and names["9730196A"] == "Collège Éboué"
    assert any("encodages mêlés" in p.found and "3" in p.found for p in plan.warnings)


# Failures a user can meet -------------------------------------------------------------------------------------

def test_symlink_to_an_endless_device_is_refused_without_reading_it(data, tmp_path, capsys):
    link = tmp_path / "export.csv"
    link.symlink_to("/dev/zero")
    assert "fichier système" in refused(data, link, capsys)


def test_symlink_to_a_system_file_does_not_quote_it(data, tmp_path, capsys):
    link = tmp_path / "export.csv"
    link.symlink_to("/etc/passwd")
    err = refused(data, link, capsys)
    assert "fichier système" in err and "root" not in err


def test_a_fifo_is_refused(data, tmp_path, capsys):
    fifo = tmp_path / "tube.csv"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # a writer, so that opening it does not block
    try:
        assert "pas un fichier ordinaire" in refused(data, fifo, capsys)
    finally:
        os.close(fd)


def test_names_and_cells_are_echoed_escaped_and_short(data, tmp_path, capsys):
    path = put(tmp_path, "a\x1b[31mrouge\x07.csv", f"uai;indicateur;valeur\n{COLLEGE};ent2d_utilisateurs;{'x' * 5_000_000}\n")
    err = refused(data, path, capsys)
    assert "\x1b" not in err and "\x07" not in err and "\\x1b[31mrouge\\x07.csv" in err
    assert len(err) < 2_000


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "disque plein"), (errno.EROFS, "lecture seule"),
                                         (errno.EACCES, "permission refusée")])
def test_full_disk_or_read_only_folder_is_a_french_message(data, tmp_path, capsys, monkeypatch, code, words):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(data / "snapshots"))

    monkeypatch.setattr(snapshots.pq, "write_table", fail)
    before = tree(data)
    path = put(tmp_path, "long.csv", f"uai;indicateur;valeur\n{COLLEGE};ent2d_utilisateurs;12\n")
    assert main(["--data-dir", str(data), "import", str(path), "--snapshot", SNAPSHOT]) == 1
    assert {k: v for k, v in tree(data).items() if k != ".lock"} == {k: v for k, v in before.items() if k != ".lock"}
    err = capsys.readouterr().err
    assert words in err and "Rien n'a été modifié" in err and "Traceback" not in err and "OSError" not in err


@pytest.mark.parametrize("args", [["snapshots", "--delete", "2025-01-31", "--yes"], ["demo", "--force"]])
def test_other_writing_commands_fail_in_french(tmp_path, capsys, monkeypatch, args):
    from observatoire.demo import build_demo

    data = tmp_path / "demo"
    build_demo(data, months=2)
    day = sorted(p.name for p in (data / "snapshots").iterdir())[0].split("=")[1]
    args = [day if a == "2025-01-31" else a for a in args]
    before = tree(data)

    def fail(*a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(snapshots.os, "rename", fail)
    monkeypatch.setattr(snapshots.os, "replace", fail)
    monkeypatch.setattr(snapshots.pq, "write_table", fail)
    assert main(["--data-dir", str(data), *args]) == 1
    err = capsys.readouterr().err
    assert "disque plein" in err and "Traceback" not in err
    assert {k: v for k, v in tree(data).items() if k != ".lock"} == {k: v for k, v in before.items() if k != ".lock"}


def test_locked_store_is_a_french_message(data, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(snapshots, "LOCK_WAIT_S", 0.3)
    path = put(tmp_path, "long.csv", f"uai;indicateur;valeur\n{COLLEGE};ent2d_utilisateurs;12\n")
    with open(data / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        assert main(["--data-dir", str(data), "import", str(path), "--snapshot", SNAPSHOT]) == 1
    assert "verrouillé" in capsys.readouterr().err


def test_annuaire_sample_imports(data, tmp_path):
    content = annuaire_csv(annuaire_site("9730108E"), annuaire_site("9730196A", type_="Collège"))
    assert prepare([put(tmp_path, "annuaire.csv", content)], None, data).ok

"""Roles and perimeters as data (observatoire/access/roles.py), the audit log, and the command line's --as."""

from __future__ import annotations

import json

import pytest

from observatoire import cli
from observatoire.access.audit import read, record
from observatoire.access.roles import ROLE_LIST, grant_for, load_access
from observatoire.errors import AccessDenied, ValidationError
from observatoire.settings import PROJECT_ROOT

EXAMPLE = PROJECT_ROOT / "data" / "access.example.toml"


def test_the_example_file_gives_every_role_its_perimeter():
    access = load_access(EXAMPLE)
    assert {g.role for g in access.grants.values()} == set(ROLE_LIST)
    ien = access.lookup("IEN.C01@ac-guyane.fr")
    assert ien.perimeter.circonscriptions == ("C01",) and not ien.may_manage_data
    assert access.lookup(None, "ce.9731004d@ac-guyane.fr").perimeter.uais == ("9731004D",)
    assert access.lookup("lecteur@ac-guyane.fr").perimeter.aggregates_only
    assert access.lookup("drane@ac-guyane.fr").perimeter.is_everything
    assert access.lookup("drane@ac-guyane.fr").may_manage_data and not access.lookup("drane@ac-guyane.fr").may_read_audit
    assert access.lookup("admin@ac-guyane.fr").may_read_audit


def test_deny_by_default(tmp_path):
    assert load_access(EXAMPLE).lookup("quelqu.un@example.org", "sub-123") is None
    assert load_access(tmp_path / "absent.toml").lookup("drane@ac-guyane.fr") is None


@pytest.mark.parametrize("entry, message", [
    ('identite = "a@b.fr"\nrole = "roi"', "rôle « roi » inconnu"),
    ('identite = "a@b.fr"\nrole = "ien"', "demande une liste « circonscriptions »"),
    ('role = "drane"', "« identite » manque"),
    ('identite = "a@b.fr"\nrole = "chef"\nuai = []', "demande une liste « uai »"),
])
def test_a_bad_entry_is_a_french_message_naming_it(tmp_path, entry, message):
    path = tmp_path / "access.toml"
    path.write_text(f"[[personne]]\n{entry}\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=message) as error:
        load_access(path)
    assert "personne n° 1" in str(error.value)


def test_unreadable_toml_says_so(tmp_path):
    path = tmp_path / "access.toml"
    path.write_text("[[personne]\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="TOML illisible"):
        load_access(path)


def test_audit_lines_are_json_newest_first(tmp_path):
    path = tmp_path / "audit.jsonl"
    record(path, "drane@ac-guyane.fr", "connexion", {"role": "drane"})
    record(path, "drane@ac-guyane.fr", "export", "synthese.csv")
    with path.open("a", encoding="utf-8") as damaged:
        damaged.write("pas du json\n")
    events = read(path)
    assert [e["action"] for e in events] == ["export", "connexion"]
    assert all(set(e) == {"at", "who", "action", "what"} for e in events)
    assert [json.loads(line)["who"] for line in path.read_text().splitlines()[:2]] == ["drane@ac-guyane.fr"] * 2


def test_grant_for_the_command_line():
    assert grant_for(None, EXAMPLE).perimeter.is_everything
    assert grant_for("ien.c01@ac-guyane.fr", EXAMPLE).role == "ien"
    with pytest.raises(AccessDenied, match="pas d'entrée"):
        grant_for("inconnu@example.org", EXAMPLE)


def test_cli_as_a_person(demo_dir, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("OBSERVATOIRE_ACCESS_FILE", str(EXAMPLE))
    monkeypatch.setenv("OBSERVATOIRE_AUDIT_FILE", str(tmp_path / "audit.jsonl"))
    base = ["--data-dir", str(demo_dir)]
    assert cli.main([*base, "--as", "ien.c01@ac-guyane.fr", "sql", "select 1"]) == cli.EXIT_INVALID
    assert "réservé à la DRANE" in capsys.readouterr().err
    assert cli.main([*base, "--as", "inconnu@example.org", "snapshots"]) == cli.EXIT_INVALID
    assert cli.main([*base, "--as", "ien.c01@ac-guyane.fr", "snapshots"]) == cli.EXIT_OK
    assert cli.main([*base, "--as", "drane@ac-guyane.fr", "sql", "select 42 as x"]) == cli.EXIT_OK
    assert [(e["who"], e["action"]) for e in read(tmp_path / "audit.jsonl")] == [("drane@ac-guyane.fr", "console")]
    day = max(p.name.split("=")[1] for p in (demo_dir / "snapshots").iterdir())
    capsys.readouterr()
    assert cli.main([*base, "--as", "ien.c01@ac-guyane.fr", "copil", "--snapshot", day, "--circonscription", "C02",
                     "--out", str(tmp_path / "d.pptx")]) == cli.EXIT_INVALID
    assert "codes possibles : C01" in capsys.readouterr().err

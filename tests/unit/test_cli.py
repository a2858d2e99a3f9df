"""observatoire demo | check | snapshots: exit codes and French messages, on good and broken data dirs."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pandas as pd
import pytest

from observatoire.cli import main
from observatoire.storage.snapshots import write_snapshot


@pytest.fixture
def data(tmp_path, demo_dir):
    target = tmp_path / "data"
    shutil.copytree(demo_dir, target)
    return target


def test_check_passes_on_demo(data, capsys):
    assert main(["--data-dir", str(data), "check"]) == 0
    assert "cohérents" in capsys.readouterr().out


def test_snapshots_lists_24(data, capsys):
    assert main(["--data-dir", str(data), "snapshots"]) == 0
    out = capsys.readouterr().out
    assert "24 instantané(s), du 30 septembre 2023 au 31 août 2025." in out


def _add(data, day, rows):
    write_snapshot(data, day, pd.DataFrame(rows))


def test_check_reports_unknown_uai_and_indicator(data, capsys):
    _add(data, date(2025, 9, 30), [
        {"indicator_id": "educonnect_comptes_actives", "entity_level": "site", "entity_id": "9739999X", "value": 1.0, "denominator": None},
        {"indicator_id": "indicateur_fantome", "entity_level": "academie", "entity_id": "33", "value": 1.0, "denominator": None},
    ])
    assert main(["--data-dir", str(data), "check"]) == 1
    err = capsys.readouterr().err
    assert "entité inconnue" in err and "9739999X" in err
    assert "indicateur inconnu" in err and "indicateur_fantome" in err


def test_check_reports_bad_snapshot_folder(data, capsys):
    (data / "snapshots" / "snapshot_date=2025-13-45").mkdir()
    (data / "snapshots" / "n_importe_quoi").mkdir()
    assert main(["--data-dir", str(data), "check"]) == 1
    err = capsys.readouterr().err
    assert "« 2025-13-45 » n'est pas une date valide" in err
    assert "n_importe_quoi : nom de dossier invalide" in err


def test_check_reports_tampered_snapshot(data, capsys):
    folder = sorted((data / "snapshots").iterdir())[0]
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["facts.parquet"]["sha256"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert main(["--data-dir", str(data), "check"]) == 1
    assert "somme de contrôle" in capsys.readouterr().err


def test_demo_refuses_to_overwrite_without_force(data, capsys):
    assert main(["--data-dir", str(data), "demo"]) == 1
    assert "--force" in capsys.readouterr().err
    assert main(["--data-dir", str(data), "demo", "--if-missing"]) == 0


def test_demo_never_replaces_real_data(data, capsys):
    (data / "manifest.json").write_text(json.dumps({"territory": "guyane", "demo": False}))
    assert main(["--data-dir", str(data), "demo", "--force"]) == 1
    assert "réels" in capsys.readouterr().err
    assert len(list((data / "snapshots").iterdir())) == 24


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["nimporte"])
    assert info.value.code == 2
    assert "erreur d'utilisation" in capsys.readouterr().err


@pytest.mark.parametrize("args, said", [
    (["nimporte"], "choix invalide : 'nimporte' (choisir parmi 'demo'"),
    ([], "arguments obligatoires manquants : COMMANDE"),
    (["import"], "arguments obligatoires manquants : FICHIER"),
    (["demo", "--seed", "x"], "argument --seed : valeur invalide : 'x'"),
    (["check", "--inconnu"], "arguments inconnus : --inconnu"),
    (["snapshots", "--delete", "2025-01-31", "--restore", "2025-01-31"], "incompatible avec l'argument --delete"),
])
def test_usage_errors_and_help_are_in_french(args, said, capsys):
    """argparse's own words (usage, errors, help) go through the French catalogue, not left in English."""
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert said in err and err.startswith("utilisation : observatoire")
    assert not any(word in err for word in ("usage:", "invalid ", "required", "unrecognized", "not allowed", "choose"))
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "Affiche cette aide et quitte." in out and "positional arguments" not in out


def test_check_lists_every_kind_of_problem_in_one_run(data, capsys):
    """A bad folder date does not hide the unknown UAI and indicator of another snapshot."""
    (data / "snapshots" / "snapshot_date=2025-13-45").mkdir()
    _add(data, date(2025, 9, 30), [
        {"indicator_id": "educonnect_comptes_actives", "entity_level": "site", "entity_id": "9739999X", "value": 1.0, "denominator": None},
        {"indicator_id": "indicateur_fantome", "entity_level": "academie", "entity_id": "33", "value": 1.0, "denominator": None},
    ])
    assert main(["--data-dir", str(data), "check"]) == 1
    err = capsys.readouterr().err
    assert "« 2025-13-45 » n'est pas une date valide" in err
    assert "instantané du 30 septembre 2025 : entité inconnue" in err and "établissement « 9739999X »" in err
    assert "indicateur inconnu" in err and "indicateur_fantome" in err


def test_check_stops_before_the_store_on_unreadable_facts(data, capsys):
    folder = sorted((data / "snapshots").iterdir())[0]
    (folder / "facts.parquet").write_bytes(b"pas du parquet")
    assert main(["--data-dir", str(data), "check"]) == 1
    err = capsys.readouterr().err
    assert "fichier Parquet illisible" in err and "Traceback" not in err

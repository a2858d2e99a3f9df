"""The Importer and Qualité des données pages, on a copy of the demo data (never the shared one)."""

from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest

from observatoire.storage.snapshots import list_snapshots
from observatoire.storage.store import Store
from tests.support.import_data import tree

DAY = date(2025, 9, 30)


@pytest.fixture
def data(tmp_path, demo_dir):
    target = tmp_path / "data"
    shutil.copytree(demo_dir, target)
    return target


def colleges(data) -> list[str]:
    sites = pd.read_parquet(data / "reference" / "sites.parquet")
    return sorted(sites.loc[sites["site_type"] == "college", "uai"])[:2]


def frame_with(at, column: str) -> pd.DataFrame:
    """The first table on the page with this column (AppTest does not expose a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _errors(at):
    return [e.value for e in at.exception]


def test_importer_upload_preview_confirm(app, data):
    a, b = colleges(data)
    content = f"UAI;Indicateur;Valeur;Dénominateur\r\n{a};ent2d_taux_utilisation;37,5 %;200\r\n{b};ent2d_utilisateurs;1 234;\r\n"
    at = app("importer.py", data_dir=data)
    at.file_uploader(key="import_files").set_value(("février.csv", content.encode("cp1252"), "text/csv")).run()
    at.date_input(key="import_date").set_value(DAY).run()
    assert not _errors(at), _errors(at)
    assert any("Aucune erreur" in s.value for s in at.success)
    preview = frame_with(at, "Dénominateur")
    assert list(preview["Valeur"]) == [75.0, 1234.0]
    assert DAY not in [s.snapshot_date for s in list_snapshots(data)]  # nothing written before confirming
    at.button(key="import_confirm").click().run()
    assert any("Import terminé" in s.value for s in at.success), [s.value for s in at.success]
    assert list_snapshots(data)[-1].snapshot_date == DAY
    assert Store(data).snapshot_dates[-1] == DAY


def test_importer_shows_errors_and_writes_nothing(app, data):
    a, _ = colleges(data)
    before = tree(data)
    content = f"uai;indicateur;valeur\n{a};ent2d_utilisateurs;douze\n{a[:7]}Z;ent2d_utilisateurs;3\n"
    at = app("importer.py", data_dir=data)
    at.file_uploader(key="import_files").set_value(("mauvais.csv", content.encode(), "text/csv")).run()
    at.date_input(key="import_date").set_value(DAY).run()
    assert any("2 erreur(s)" in e.value for e in at.error)
    report = frame_with(at, "Que faire")
    assert list(report["Ligne"]) == [2, 3]
    assert list(report["Colonne"]) == ["C « valeur »", "A « uai »"]
    assert at.button(key="import_confirm").disabled
    assert tree(data) == before


def test_qualite_lists_missing_sites_and_manifest(app, data):
    at = app("qualite.py", data_dir=data, date="2025-08-31")
    assert not _errors(at), _errors(at)
    store = Store(data)
    filters = dict(commune=None, zone=None, isolation=None, circonscription=None, bassin=None, degree=None,
                   site_type=None, academie=None, uai=None)
    expected = store.run("quality_missing_sites", snapshot_date=date(2025, 8, 31), indicator_ids=[], **filters)
    shown = frame_with(at, "Dernière valeur")
    assert len(shown) == len(expected) > 0
    chart = at.get("vega_lite_chart")
    assert chart, "heat map missing"
    assert any("démonstration" in s.value for s in at.warning)
    assert frame_with(at, "sha256")["Source"].tolist() == ["démonstration"]


def test_missing_facts_counted_by_hand(tmp_path):
    """Two open collèges expected for ent2d_utilisateurs, one reported: 1 missing of 2 in bassin B1."""
    from tests.support.factories import fact, make_data_dir, site

    sites = [site(1, "97302", "urbain", "college", bassin_code="B1"), site(2, "97302", "urbain", "college", bassin_code="B1"),
             site(3, "97302", "urbain", "college", bassin_code="B1", is_open=False),
             site(4, "97302", "urbain", "ecole", circonscription_code="C01")]
    day = date(2025, 1, 31)
    data = make_data_dir(tmp_path / "d", sites, {day: [fact("ent2d_utilisateurs", sites[0]["uai"], 10)]})
    store = Store(data)
    filters = dict(commune=None, zone=None, isolation=None, circonscription=None, bassin=None, degree=None,
                   site_type=None, academie=None, uai=None)
    by_area = store.run("quality_missing_by_area", indicator_ids=[], **filters)
    assert by_area[["area_code", "expected_facts", "missing_facts"]].values.tolist() == [["B1", 2, 1]]
    missing = store.run("quality_missing_sites", snapshot_date=day, indicator_ids=[], **filters)
    assert missing["uai"].tolist() == [sites[1]["uai"]]
    stale = store.run("quality_stale_indicators", snapshot_date=day)
    # Every indicator of the roadmap but the one reported: 56 roadmap lines + 9 proposed indicators, minus one.
    assert "ent2d_utilisateurs" not in set(stale["indicator_id"]) and len(stale) == 56 + 9 - 1


def _workbook(rows_data: list[list]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    notice = book.active
    notice.title = "Notice"
    notice.append(["Remontées des établissements, à renvoyer à la DRANE"])
    notice.append(["Les données sont dans l'onglet « Données »"])
    sheet = book.create_sheet("Données")
    sheet.append(["Remontées de septembre 2025 — collèges", None, None, None])
    sheet.merge_cells("A1:D1")
    sheet.append(["Code UAI", "Indicateur", "Valeur", "Dénominateur"])
    for row in rows_data:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_importer_reads_a_messy_workbook_and_refuses_a_bad_one(app, data):
    """A workbook with a notice sheet first and a merged title row: the page finds the data; a bad cell is
    reported with its sheet, line and column, and nothing is written."""
    a, b = colleges(data)
    at = app("importer.py", data_dir=data)
    at.date_input(key="import_date").set_value(DAY).run()
    bad = _workbook([[a.lower(), "ent2d_taux_utilisation", "37,5 %", 200], [b, "ent2d_utilisateurs", "=A1*2", None]])
    before = tree(data)
    at.file_uploader(key="import_files").set_value(("remontées.xlsx", bad, "application/octet-stream")).run()
    report = frame_with(at, "Que faire")
    errors = report[report["Gravité"] == "erreur"]
    assert errors["Fichier"].tolist() == ["remontées.xlsx, feuille « Données »"]
    assert errors["Ligne"].tolist() == [4] and errors["Colonne"].tolist() == ["C « Valeur »"]
    assert "formule" in errors["Constat"].iloc[0]
    assert at.button(key="import_confirm").disabled
    assert tree(data) == before
    good = _workbook([[a.lower(), "ent2d_taux_utilisation", "37,5 %", 200], [f" {b[:3]} {b[3:]}", "ent2d_utilisateurs", 1234, None]])
    at.file_uploader(key="import_files").set_value(("remontées.xlsx", good, "application/octet-stream")).run()
    assert any("Aucune erreur" in s.value for s in at.success), [e.value for e in at.error]
    assert list(frame_with(at, "Dénominateur")["Valeur"]) == [75.0, 1234.0]
    at.button(key="import_confirm").click().run()
    assert any("Import terminé" in s.value for s in at.success), [s.value for s in at.success]
    assert Store(data).snapshot_dates[-1] == DAY

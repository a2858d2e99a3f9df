"""Good files in every format import, with the numbers computed by hand; templates; versions; idempotence."""

from __future__ import annotations

import io
import json
from datetime import date

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from observatoire.cli import main
from observatoire.ingest import commit, prepare
from observatoire.storage.snapshots import list_archived, list_snapshots
from observatoire.storage.store import Store
from observatoire.model.uai import make_uai
from tests.support.import_data import (ANNUAIRE_2023, ANNUAIRE_2026, COLLEGE, COLLEGE_ISOLE, ECOLE, ENT_HEADER, LYCEE,
                               PIX_HEADER, SNAPSHOT, annuaire_row, ent_row, last_audit, make_dir, pix_row, tree)

DAY = date.fromisoformat(SNAPSHOT)


@pytest.fixture
def data(tmp_path):
    return make_dir(tmp_path / "data")


def facts_of(data, day=DAY) -> dict[tuple, tuple]:
    info = next(s for s in list_snapshots(data) if s.snapshot_date == day)
    frame = pd.read_parquet(info.path / "facts.parquet")
    return {(r.indicator_id, r.entity_id): (r.value, None if pd.isna(r.denominator) else r.denominator)
            for r in frame.itertuples()}


def run(data, *args) -> int:
    return main(["--data-dir", str(data), *map(str, args)])


def test_french_excel_csv_export_imports(data, tmp_path, capsys):
    """Windows-1252, ';', CRLF, accents in headers, decimal commas, non-breaking thousands, a percentage."""
    content = ("UAI;Nom de l'établissement;Indicateur;Valeur;Dénominateur\r\n"
               f"{COLLEGE};Collège Gérard Holder;ent2d_utilisateurs;1\u00a0234;\r\n"
               f"{COLLEGE};Collège Gérard Holder;ent2d_taux_utilisation;37,5 %;200\r\n"
               f"{COLLEGE_ISOLE};Collège de Maripasoula;ent2d_taux_utilisation;45;120\r\n"
               f"{LYCEE};Lycée Félix Éboué;pix_eleves_certifies;1.020;\r\n")
    path = tmp_path / "export_éducation.csv"
    path.write_bytes(content.encode("cp1252"))
    assert run(data, "import", path, "--snapshot", SNAPSHOT) == 0
    facts = facts_of(data)
    assert facts == {
        ("ent2d_utilisateurs", COLLEGE): (1234.0, None),
        ("ent2d_taux_utilisation", COLLEGE): (75.0, 200.0),
        ("ent2d_taux_utilisation", COLLEGE_ISOLE): (45.0, 120.0),
        ("pix_eleves_certifies", LYCEE): (1020.0, None),
    }
    info = list_snapshots(data)[-1]
    source = info.manifest["sources"][0]
    assert source["encoding"] == "cp1252" and source["separator"] == ";" and source["format"] == "long"
    assert len(source["sha256"]) == 64
    # Warnings kept in the manifest: 100 -> 1 234 users is a jump; the isolated collège stopped reporting users.
    warnings = " ".join(info.manifest["warnings"])
    assert "saut de plus de x10" in warnings and COLLEGE in warnings
    assert f"ne déclarent plus « Utilisateurs actifs de l'ENT Wilapa »" in warnings and COLLEGE_ISOLE in warnings
    # The new snapshot is what the store (every page) sees, and it reads it correctly.
    store = Store(data)
    assert store.snapshot_dates[-1] == DAY
    total = store.run("indicator_values", indicator_ids=["ent2d_taux_utilisation"], breakdown="total", date_from=DAY,
                      date_to=DAY, commune=None, zone=None, isolation=None, circonscription=None, bassin=None,
                      degree=None, site_type=None, academie=None, uai=None)
    assert total["value"].iloc[0] == pytest.approx((75 + 45) / (200 + 120))


def test_utf8_bom_comma_wide_csv(data, tmp_path):
    path = tmp_path / "large.csv"
    path.write_bytes(("\ufeffuai,nom,ent2d_utilisateurs,ent2d_taux_utilisation,ent2d_taux_utilisation_denominateur\n"
                      f'{COLLEGE},"Collège, Cayenne",120,60.5,"1,210"\n{LYCEE},Lycée,,,\n').encode("utf-8"))
    plan = prepare([path], SNAPSHOT, data)
    assert plan.ok, [p.message() for p in plan.errors]
    assert plan.sources[0]["format"] == "wide" and plan.sources[0]["encoding"] == "utf-8-sig"
    commit(plan)
    assert facts_of(data) == {("ent2d_utilisateurs", COLLEGE): (120.0, None),
                              ("ent2d_taux_utilisation", COLLEGE): (60.5, 1210.0)}


def test_xlsx_built_with_openpyxl_on_a_named_sheet(data, tmp_path):
    book = Workbook()
    book.active.title = "Lisez-moi"
    book.active.append(["Ce classeur contient les chiffres de février."])
    sheet = book.create_sheet("Données")
    sheet.append(["UAI", "Établissement", "ent2d_utilisateurs", "pix_eleves_certifies"])
    sheet.append([COLLEGE, "Collège à Cayenne", 250, None])
    sheet.append([LYCEE, "Lycée", "1 234", 97.0])
    path = tmp_path / "février.xlsx"
    book.save(path)
    assert run(data, "import", path, "--snapshot", SNAPSHOT, "--sheet", "données") == 0
    assert facts_of(data) == {("ent2d_utilisateurs", COLLEGE): (250.0, None), ("ent2d_utilisateurs", LYCEE): (1234.0, None),
                              ("pix_eleves_certifies", LYCEE): (97.0, None)}
    assert list_snapshots(data)[-1].manifest["sources"][0]["sheet"] == "Données"


NEW_ECOLE = make_uai(9730500)


def test_annuaire_2026_updates_sites_and_adds_circonscriptions(data, tmp_path, capsys):
    row = lambda **v: annuaire_row(ANNUAIRE_2026, **v)  # noqa: E731
    lines = [
        "\ufeff" + ANNUAIRE_2026,
        row(Identifiant_de_l_etablissement=COLLEGE, Nom_etablissement="Collège Gérard Holder", Type_etablissement="Collège",
            Statut_public_prive="Public", Code_commune="97302", Appartenance_Education_Prioritaire="REP+",
            latitude="4.9371", longitude="-52.3260", etat="OUVERT", date_ouverture="1970-09-01"),
        row(Identifiant_de_l_etablissement=NEW_ECOLE, Nom_etablissement="École de Taluen", Type_etablissement="Ecole",
            Statut_public_prive="Public", Code_commune="97353", nom_circonscription="Circonscription de Maripasoula",
            code_circonscription="9731234X", latitude="3.2934", longitude="-54.0543", etat="OUVERT"),
        row(Identifiant_de_l_etablissement=ECOLE, Nom_etablissement="École fermée", Type_etablissement="Ecole",
            Statut_public_prive="Public", Code_commune="97302", etat="FERME"),
        row(Identifiant_de_l_etablissement="0940176F", Nom_etablissement="Lycée du Val-de-Marne",
            Type_etablissement="Lycée", Code_commune="94028", etat="OUVERT"),
        row(Identifiant_de_l_etablissement=make_uai(9730600), Nom_etablissement="Rectorat", Type_etablissement="Service Administratif",
            Code_commune="97302", etat="OUVERT"),
    ]
    path = tmp_path / "fr-en-annuaire-education.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
    assert run(data, "import", path) == 0
    out = capsys.readouterr().out
    assert "1 ajouté" in out and "1 fermé" in out and "1 mis à jour" in out
    sites = pd.read_parquet(data / "reference" / "sites.parquet").set_index("uai")
    assert sites.loc[COLLEGE, "name"] == "Collège Gérard Holder"
    assert sites.loc[COLLEGE, "education_prioritaire"] == "REP+"
    assert sites.loc[COLLEGE, "lat"] == pytest.approx(4.9371)
    assert sites.loc[COLLEGE, "bassin_code"] == "B1"  # kept: the annuaire has no demo bassin codes
    assert not sites.loc[ECOLE, "is_open"]
    new = sites.loc[NEW_ECOLE]
    assert (new["site_type"], new["degree"], new["commune_code"], new["circonscription_code"], new["isolation"]) == \
        ("ecole", 1, "97353", "9731234X", "isole")
    assert "0940176F" not in sites.index and make_uai(9730600) not in sites.index
    # The new circonscription shows in the filters, labelled from the annuaire.
    store = Store(data)
    options = store.run("filter_options")
    circ = options[options["filter"] == "circonscription"].set_index("code")["label"]
    assert circ["9731234X"] == "Circonscription de Maripasoula"
    assert circ["C01"] == "Cayenne 1"
    name = store.con.execute("select circonscription_name from entities where entity_id = ?", [NEW_ECOLE]).fetchone()[0]
    assert name == "Circonscription de Maripasoula"
    assert run(data, "check") == 0
    # Same file again: no data changes; the audit log records the attempt and that there was nothing to do.
    before, (events, _) = tree(data, journal=False), last_audit(data)
    assert run(data, "import", path) == 0
    assert tree(data, journal=False) == before
    assert "déjà à jour" in capsys.readouterr().out
    count, event = last_audit(data)
    assert count == events + 1 and (event["action"], event["what"]["resultat"]) == ("import", "unchanged")


def test_annuaire_june_2023_resaved_by_excel(data, tmp_path):
    """69 columns, 'Code postal', dd/mm/yyyy dates, 2,17003E+13, decimal-comma coordinates, no code_circonscription."""
    row = annuaire_row(ANNUAIRE_2023, Identifiant_de_l_etablissement=NEW_ECOLE, Nom_etablissement="École Édouard Glissant",
                       Type_etablissement="Ecole", Statut_public_prive="Public", **{"Code postal": "97300"},
                       Code_commune="97302", SIREN_SIRET="2,17003E+13", Nombre_d_eleves="1 150", Telephone="594301234",
                       nom_circonscription="Cayenne 1", latitude="4,9280065", longitude="-52,3163493",
                       date_ouverture="01/09/1999", date_maj_ligne="12/06/2023", etat="OUVERT")
    path = tmp_path / "annuaire_2023.csv"
    path.write_bytes((ANNUAIRE_2023 + "\r\n" + row + "\r\n").encode("cp1252"))
    plan = prepare([path], None, data)
    assert plan.ok, [p.message() for p in plan.errors]
    assert plan.sources[0]["format"] == "annuaire"
    commit(plan)
    site = pd.read_parquet(data / "reference" / "sites.parquet").set_index("uai").loc[NEW_ECOLE]
    assert site["circonscription_code"] == "C01"  # matched by name to the territory's circonscription
    assert (site["lat"], site["lon"], site["pupils"]) == (pytest.approx(4.9280065), pytest.approx(-52.3163493), 1150)
    assert not (data / "reference" / "circonscriptions.parquet").exists()


def test_annuaire_then_facts_of_its_new_site_in_one_import(data, tmp_path):
    annuaire = tmp_path / "annuaire.csv"
    annuaire.write_text(ANNUAIRE_2026 + "\n" + annuaire_row(
        ANNUAIRE_2026, Identifiant_de_l_etablissement=NEW_ECOLE, Nom_etablissement="École", Type_etablissement="Ecole",
        Code_commune="97353", etat="OUVERT") + "\n", encoding="utf-8")
    facts = tmp_path / "faits.csv"
    facts.write_text(f"uai;indicateur;valeur\n{NEW_ECOLE};ent1d_comptes_eleves;35\n", encoding="utf-8")
    assert run(data, "import", facts, annuaire, "--snapshot", SNAPSHOT) == 0
    assert facts_of(data) == {("ent1d_comptes_eleves", NEW_ECOLE): (35.0, None)}
    # Defaulted from the commune: circonscription and isolation of Maripasoula.
    site = pd.read_parquet(data / "reference" / "sites.parquet").set_index("uai").loc[NEW_ECOLE]
    assert site["isolation"] == "isole" and site["circonscription_code"]


def test_ent_audience_export_maps_users_and_visits(data, tmp_path):
    weeks = {"2024-09-02": (100, 30), "2024-12-16": (200, 45), "2025-01-27": (150, 55),
             "2025-02-03": (300, 50), "2025-02-10": (320, 70), "2025-02-17": (310, 65), "2025-02-24": (280, 60)}
    rows = [ENT_HEADER] + [ent_row(w, COLLEGE, v, u) for w, (v, u) in weeks.items()]
    rows += [ent_row("2025-02-10", "0940176F", 999, 999)]  # another académie: ignored
    rows += [ent_row("2025-02-10", COLLEGE_ISOLE, 12, 8)]
    rows += [ent_row("2025-03-03", COLLEGE, 5000, 5000)]  # after the snapshot: ignored
    path = tmp_path / "fr-en-dnma-par-uai-profils.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert run(data, "import", path, "--snapshot", SNAPSHOT) == 0
    facts = facts_of(data)
    assert facts[("ent2d_utilisateurs", COLLEGE)] == (70.0, None)  # best week of February
    assert facts[("communs_wilapa_connexions", COLLEGE)] == (sum(v for v, _ in weeks.values()), None)  # since rentrée
    assert facts[("ent2d_utilisateurs", COLLEGE_ISOLE)] == (8.0, None)
    assert len(facts) == 4


def test_pix_certification_export(data, tmp_path):
    rows = [PIX_HEADER, pix_row("2023-2024", LYCEE, 100, 60), pix_row("2024-2025", LYCEE, 120, 95),
            pix_row("2024-2025", "0940176F", 50, 40)]
    path = tmp_path / "pix.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert run(data, "import", path, "--snapshot", SNAPSHOT) == 0
    assert facts_of(data) == {("pix_eleves_certifies", LYCEE): (95.0, None)}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_templates_list_indicators_and_import_as_is(data, tmp_path, suffix, capsys):
    out = tmp_path / f"modele_long{suffix}"
    assert run(data, "template", "--format", "long", "--out", out) == 0
    if suffix == ".xlsx":
        book = load_workbook(out)
        assert book.sheetnames == ["modele", "indicateurs"]
        header = [c.value for c in book["indicateurs"][1]]
        assert header[:4] == ["identifiant", "libellé", "unité", "niveau"]
        ids = [r[0].value for r in book["indicateurs"].iter_rows(min_row=2)]
        assert "pix_eleves_certifies" in ids and len(ids) == 56 + 9   # the roadmap's entries + the proposed ones
    else:
        assert out.read_text(encoding="utf-8-sig").splitlines()[0] == "uai;code_commune;academie;indicateur;valeur;denominateur"
        assert (tmp_path / "modele_long_indicateurs.csv").exists()
    assert run(data, "import", out, "--snapshot", SNAPSHOT) == 0
    assert facts_of(data) == {("ent2d_taux_utilisation", LYCEE): (42.0, 120.0)}


def test_wide_template_has_a_column_per_site_indicator(data, tmp_path):
    out = tmp_path / "modele_large.xlsx"
    assert run(data, "template", "--format", "wide", "--out", out) == 0
    header = [c.value for c in load_workbook(out)["modele"][1]]
    assert header[:2] == ["uai", "nom"]
    assert "ent2d_taux_utilisation" in header and "ent2d_taux_utilisation_denominateur" in header
    assert "com_visites_site" not in header  # an académie-level indicator
    assert run(data, "import", out, "--snapshot", SNAPSHOT) == 0


def test_template_usage_errors(data, tmp_path):
    with pytest.raises(SystemExit) as exc:
        run(data, "template", "--format", "xml", "--out", tmp_path / "t.csv")
    assert exc.value.code == 2
    assert run(data, "template", "--format", "long", "--out", tmp_path / "t.txt") == 2


def test_import_usage_errors(data, tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(f"uai;indicateur;valeur\n{COLLEGE};ent2d_utilisateurs;3\n", encoding="utf-8")
    before = tree(data)
    assert run(data, "import", path) == 2  # facts need a snapshot date
    assert run(data, "import", tmp_path / "absent.csv", "--snapshot", SNAPSHOT) == 2
    with pytest.raises(SystemExit) as exc:
        run(data, "import", path, "--format", "json")
    assert exc.value.code == 2
    assert tree(data) == before


def test_dry_run_and_idempotent_reimport(data, tmp_path, capsys):
    path = tmp_path / "f.csv"
    path.write_text(f"uai;indicateur;valeur\n{COLLEGE};ent2d_utilisateurs;130\n", encoding="utf-8")
    before = tree(data)
    assert run(data, "import", path, "--snapshot", SNAPSHOT, "--dry-run") == 0
    assert tree(data) == before
    assert "rien n'est écrit" in capsys.readouterr().out
    assert run(data, "import", path, "--snapshot", SNAPSHOT) == 0
    assert last_audit(data)[1]["what"]["resultat"] == "imported"
    after = tree(data, journal=False)
    assert run(data, "import", path, "--snapshot", SNAPSHOT) == 0
    assert "déjà importés" in capsys.readouterr().out
    assert tree(data, journal=False) == after
    # Even with --new-version, the same file is not imported twice.
    assert run(data, "import", path, "--snapshot", SNAPSHOT, "--new-version") == 0
    assert tree(data, journal=False) == after
    count, event = last_audit(data)
    assert count == 3 and event["what"]["resultat"] == "unchanged"


def test_new_version_restore_and_delete(data, tmp_path, capsys, monkeypatch):
    first = tmp_path / "ent.csv"
    first.write_text(f"uai;indicateur;valeur\n{COLLEGE};ent2d_utilisateurs;130\n{COLLEGE_ISOLE};ent2d_utilisateurs;45\n",
                     encoding="utf-8")
    second = tmp_path / "pix.csv"
    second.write_text(f"uai;indicateur;valeur\n{LYCEE};pix_eleves_certifies;90\n{COLLEGE};ent2d_utilisateurs;140\n",
                      encoding="utf-8")
    assert run(data, "import", first, "--snapshot", SNAPSHOT) == 0
    v1 = facts_of(data)
    before = tree(data)
    assert run(data, "import", second, "--snapshot", SNAPSHOT) == 1  # refused without --new-version
    assert "existe déjà" in capsys.readouterr().err
    assert tree(data) == before
    assert run(data, "import", second, "--snapshot", SNAPSHOT, "--new-version") == 0
    v2 = facts_of(data)
    assert v2 == {("ent2d_utilisateurs", COLLEGE): (140.0, None), ("ent2d_utilisateurs", COLLEGE_ISOLE): (45.0, None),
                  ("pix_eleves_certifies", LYCEE): (90.0, None)}
    info = list_snapshots(data)[-1]
    assert info.manifest["version"] == 2
    assert [s["name"] for s in info.manifest["sources"]] == ["ent.csv", "pix.csv"]
    assert any("1 fait(s) de la version 1 remplacé(s)" in w for w in info.manifest["warnings"])
    assert [v.version for v in list_archived(data, DAY)] == [1]
    # The store reads only the current version.
    store = Store(data)
    count = store.con.execute("select count(*) from facts where snapshot_date = ?", [DAY]).fetchone()[0]
    assert count == 3
    # Restore version 1 (version 2 is archived in turn), without a question thanks to --yes.
    assert run(data, "snapshots", "--restore", SNAPSHOT, "--yes") == 0
    assert facts_of(data) == v1
    assert sorted(v.version for v in list_archived(data, DAY)) == [2]
    # Delete asks for confirmation: "non", or no answer at all, changes nothing.
    before = tree(data)
    monkeypatch.setattr("sys.stdin", io.StringIO("non\n"))
    assert run(data, "snapshots", "--delete", SNAPSHOT) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert run(data, "snapshots", "--delete", SNAPSHOT) == 1
    assert tree(data) == before
    monkeypatch.setattr("sys.stdin", io.StringIO("oui\n"))
    assert run(data, "snapshots", "--delete", SNAPSHOT) == 0
    assert run(data, "snapshots", "--restore", SNAPSHOT, "--yes") == 0
    assert facts_of(data) == v1
    assert run(data, "snapshots", "--delete", SNAPSHOT, "--yes") == 0
    assert DAY not in [s.snapshot_date for s in list_snapshots(data)]
    assert run(data, "snapshots", "--restore", SNAPSHOT, "--version", "1", "--yes") == 0
    assert facts_of(data) == v1
    assert run(data, "snapshots", "--restore", "2020-01-31", "--yes") == 1
    assert run(data, "check") == 0

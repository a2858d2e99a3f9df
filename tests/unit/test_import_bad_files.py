"""A corpus of bad import files: each one is refused (exit 1), the message names the right line and column,
and the data directory is byte-for-byte unchanged."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from observatoire.cli import main
from observatoire.ingest import prepare
from tests.support.import_data import (xlsx_book, ANNUAIRE_2023, ANNUAIRE_2026, COLLEGE, COLLEGE_ISOLE, ECOLE, ENT_HEADER, LYCEE, PIX_HEADER,
                               SNAPSHOT, annuaire_row, ent_row, make_dir, pix_row, tree)
from observatoire.model.uai import make_uai

LONG = "uai;indicateur;valeur;denominateur;nom\n"
WRONG_LETTER = COLLEGE[:7] + ("A" if COLLEGE[7] != "A" else "B")


def xlsx(rows: list[list], title: str = "Feuil1") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def text(s: str, encoding: str = "utf-8") -> bytes:
    return s.encode(encoding)


TITLE = "Remontées DRANE Guyane — février 2025;;;\r\nSource : établissements;;;\r\n;;;\r\n"


# (id, file name, content, extra CLI args, expected line, expected column fragment, expected words)
CASES = [
    ("empty", "vide.csv", b"", [], None, None, "fichier est vide"),
    ("blank", "blanc.csv", b"\r\n \r\n", [], None, None, "fichier est vide"),
    ("header-only", "entetes.csv", text(LONG), [], 1, None, "aucune donnée"),
    ("utf16", "utf16.csv", (LONG + f"{COLLEGE};ent2d_utilisateurs;12;;x\n").encode("utf-16"), [], 1, None, "encodage illisible"),
    ("bad-bytes", "octets.csv", text(LONG) + COLLEGE.encode() + b";ent2d_utilisateurs;\x81\x8d;;x\n", [], 2, None,
     "encodage illisible"),
    ("no-separator", "sep.csv", text(f"uai indicateur valeur\n{COLLEGE} ent2d_utilisateurs 12\n"), [], 1, None,
     "séparateur inconnu"),
    ("missing-column", "col.csv", text(f"uai;indicateur\n{COLLEGE};ent2d_utilisateurs\n"), ["--format", "long"], 1, None,
     "valeur"),
    ("unknown-format", "inconnu.csv", text("a;b\n1;2\n"), [], 1, None, "format non reconnu"),
    ("unknown-uai", "uai.csv", text(LONG + f"{make_uai(9739999)};ent2d_utilisateurs;12;;x\n"), [], 2, "A « uai »",
     "inconnu du référentiel"),
    ("wrong-check-letter", "lettre.csv", text(LONG + f"{WRONG_LETTER};ent2d_utilisateurs;12;;x\n"), [], 2, "A « uai »",
     "lettre de contrôle"),
    ("malformed-uai", "forme.csv", text(LONG + "97300X;ent2d_utilisateurs;12;;x\n"), [], 2, "A « uai »", "forme d'un UAI"),
    ("unknown-indicator", "ind.csv", text(LONG + f"{COLLEGE};ent2d_utilisateur;12;;x\n"), [], 2, "B « indicateur »",
     "ent2d_utilisateurs"),
    ("wrong-level", "niveau.csv", text(LONG + f"{COLLEGE};innov_communes_sensibilisees;1;;x\n"), [], 2, "A « uai »",
     "niveau commune"),
    ("not-a-number", "nombre.csv", text(LONG + f"{COLLEGE};ent2d_utilisateurs;douze;;x\n"), [], 2, "C « valeur »",
     "n'est pas un nombre"),
    ("negative", "negatif.csv", text(LONG + f"{COLLEGE};ent2d_utilisateurs;-5;;x\n"), [], 2, "C « valeur »", "négative"),
    ("numerator-above", "taux.csv", text(LONG + f"{COLLEGE};ent2d_taux_utilisation;150;100;x\n"), [], 2, "C « valeur »",
     "dépasse le dénominateur"),
    ("rate-above-100", "pct.csv", text(LONG + f"{COLLEGE};ent2d_taux_utilisation;120 %;100;x\n"), [], 2, "C « valeur »",
     "supérieur à 100 %"),
    ("zero-denominator", "zero.csv", text(LONG + f"{COLLEGE};ent2d_taux_utilisation;3;0;x\n"), [], 2, "D « denominateur »",
     "dénominateur nul"),
    ("rate-no-denominator", "sansden.csv", text(LONG + f"{COLLEGE};ent2d_taux_utilisation;30;;x\n"), [], 2,
     "D « denominateur »", "dénominateur manquant"),
    ("count-not-integer", "entier.csv", text(LONG + f"{COLLEGE};ent2d_utilisateurs;12,5;;x\n"), [], 2, "C « valeur »",
     "nombre entier"),
    ("deliverable-2", "livrable.csv", text("academie;indicateur;valeur\n33;copil_bilan_annuel;2\n"), [], 2, "C « valeur »",
     "Écrivez 1"),
    ("duplicate", "doublon.csv", text(LONG + f"{COLLEGE};ent2d_utilisateurs;12;;x\n{COLLEGE};ent2d_utilisateurs;13;;x\n"),
     [], 3, "C « valeur »", "ligne 2"),
    ("formula-equals", "f1.csv", text(LONG + f"{COLLEGE};ent2d_utilisateurs;=1+1;;x\n"), [], 2, "C « valeur »", "formule"),
    ("formula-at", "f2.csv", text(LONG + f"{COLLEGE};ent2d_utilisateurs;12;;@SOMME(A1)\n"), [], 2, "E « nom »", "formule"),
    ("formula-plus", "f3.csv", text(LONG + f"{COLLEGE};+cmd|calc;12;;x\n"), [], 2, "B « indicateur »", "formule"),
    ("formula-minus", "f4.csv", text(LONG + f"{COLLEGE};ent2d_utilisateurs;-2+3;;x\n"), [], 2, "C « valeur »", "formule"),
    ("field-count", "champs.csv", text(LONG + f"{COLLEGE};ent2d_utilisateurs;12;;x\n{LYCEE};ent2d_utilisateurs;1;;x;y;z\n"),
     [], 3, None, "7 champs au lieu de 5"),
    ("unknown-commune", "commune.csv", text(f"code_commune;indicateur;valeur\n97399;innov_communes_sensibilisees;1\n"), [], 2,
     "A « code_commune »", "inconnu du territoire"),
    ("wide-unknown-column", "large1.csv", text(f"uai;ent2d_utilisateurz\n{COLLEGE};12\n"), ["--format", "wide"], 1,
     "B « ent2d_utilisateurz »", "ent2d_utilisateurs"),
    ("wide-wrong-level", "large2.csv", text(f"uai;ent2d_utilisateurs;innov_communes_sensibilisees\n{COLLEGE};12;1\n"), [], 1,
     "C « innov_communes_sensibilisees »", "niveau commune"),
    ("wide-not-a-number", "large3.csv", text(f"UAI;Nom;ent2d_utilisateurs\n{COLLEGE};a;12\n{LYCEE};b;beaucoup\n"), [], 3,
     "C « ent2d_utilisateurs »", "n'est pas un nombre"),
    ("snapshot-future", "ok.csv", text(LONG + f"{COLLEGE};ent2d_utilisateurs;12;;x\n"), ["--snapshot", "2999-01-31"], None,
     None, "dans le futur"),
    ("snapshot-not-a-date", "ok.csv", text(LONG + f"{COLLEGE};ent2d_utilisateurs;12;;x\n"), ["--snapshot", "2025-13-45"],
     None, None, "n'est pas une date"),
    ("snapshot-exists", "ok.csv", text(LONG + f"{COLLEGE};ent2d_utilisateurs;12;;x\n"), ["--snapshot", "2025-01-31"], None,
     None, "existe déjà"),
    ("too-big", "gros.csv", text(LONG + "".join(f"{COLLEGE};ent2d_utilisateurs;12;;x\n" for _ in range(50))), [], None, None,
     "au-delà de la limite"),
    ("xlsx-formula", "formule.xlsx", xlsx([["uai", "indicateur", "valeur"], [COLLEGE, "ent2d_utilisateurs", "=2*6"]]), [], 2,
     "C « valeur »", "formule"),
    ("xlsx-missing-sheet", "feuille.xlsx", xlsx([["uai", "indicateur", "valeur"], [COLLEGE, "ent2d_utilisateurs", 3]]),
     ["--sheet", "Données"], None, None, "pas de feuille « Données »"),
    ("xlsx-corrupt", "casse.xlsx", b"PK\x03\x04" + b"\x00garbage" * 20, [], None, None, "illisible"),
    ("xls-binary", "ancien.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, [], None, None, "97-2003"),
    # Messy real exports: the line and column still point at the cell to fix.
    ("lone-dash", "tiret.csv", text(LONG + f"{COLLEGE};ent2d_utilisateurs;-;;x\n"), [], 2, "C « valeur »",
     "laissez la cellule vide"),
    ("unicode-minus", "moins.csv", text(LONG + f"{COLLEGE};ent2d_utilisateurs;\u22125;;x\n"), [], 2, "C « valeur »",
     "négative"),
    ("duplicate-column", "colonnes.csv", text(f"uai;indicateur;valeur;Valeur \n{COLLEGE};ent2d_utilisateurs;12;13\n"), [], 1,
     "D « Valeur »", "deux colonnes « valeur »"),
    ("unnamed-column-value", "sansnom.csv", text(f"uai;indicateur;valeur;;\n{COLLEGE};ent2d_utilisateurs;12;oups;\n"), [], 2,
     "D", "colonne sans en-tête"),
    ("title-rows", "titre.csv", text("\ufeff" + TITLE + f"uai;indicateur;valeur;denominateur\r\n{COLLEGE};ent2d_utilisateurs;12;\r\n"
                                     f"{COLLEGE_ISOLE};ent2d_utilisateurs;douze;\r\n"), [], 6, "C « valeur »",
     "n'est pas un nombre"),
    ("cp1252-title-rate", "taux_é.csv", text(TITLE + "Code UAI;Indicateur;Valeur;Dénominateur\r\n"
                                             f"{COLLEGE};ent2d_taux_utilisation;120,5 %;200\r\n", "cp1252"), [], 5,
     "C « Valeur »", "supérieur à 100 %"),
    ("spaced-uai-wrong-letter", "espaces.csv", text(LONG + f" {WRONG_LETTER[:3]} {WRONG_LETTER[3:].lower()} ;ent2d_utilisateurs;1;;x\n"),
     [], 2, "A « uai »", "lettre de contrôle"),
    ("quoted-newline-then-bad", "guillemets.csv",
     text(LONG + f'{COLLEGE};ent2d_utilisateurs;12;;"Collège\nGran Man Difou"\n{LYCEE};ent2d_utilisateurs;douze;;x\n'), [], 4,
     "C « valeur »", "n'est pas un nombre"),
    ("quoted-separator-then-bad", "pointvirgule.csv",
     text(LONG + f'{COLLEGE};ent2d_utilisateurs;12;;"Collège; Cayenne"\n{LYCEE};ent2d_utilisateurs;1,5;;x\n'), [], 3,
     "C « valeur »", "nombre entier"),
    ("wide-trailing-columns", "large4.csv", text(f"UAI;Nom;ent2d_utilisateurs;;\n{COLLEGE};a;12;;\n{LYCEE};b;1,5;;\n"), [], 3,
     "C « ent2d_utilisateurs »", "nombre entier"),
    ("xlsx-merged-title", "titre.xlsx", xlsx_book([("Feuil1", [["Remontées février 2025", None, None], [],
                                                               ["UAI", "Indicateur", "Valeur"],
                                                               [COLLEGE, "ent2d_utilisateurs", 12],
                                                               [WRONG_LETTER, "ent2d_utilisateurs", 3]], ["A1:C1"])]),
     [], 5, "A « UAI »", "lettre de contrôle"),
    ("xlsx-data-on-second-sheet", "classeur.xlsx",
     xlsx_book([("Notice", [["Lisez-moi"], ["Les données sont dans l'onglet suivant"]], []),
                ("Données", [["UAI", "Indicateur", "Valeur"], [COLLEGE, "ent2d_utilisateurs", "beaucoup"]], [])]),
     [], 2, "C « Valeur »", "feuille « Données », ligne 2"),
    ("xlsx-no-data-sheet", "notice.xlsx", xlsx_book([("Notice", [["Lisez-moi"], ["Voir l'aide"]], []),
                                                    ("Aide", [["Rien"], ["à lire"]], [])]), [], 1,
     None, "feuilles du classeur : Notice, Aide"),
    ("ent-serial-date-wrong-month", "ent3.csv", text(ENT_HEADER + "\n" + ent_row("45663", COLLEGE, 10, 5) + "\n"), [], None,
     "A « debutsemaine »", "du 06/01/2025 au 06/01/2025"),
    ("annuaire-2023-bad-letter", "annuaire3.csv",
     text("\ufeff" + ANNUAIRE_2023 + "\r\n" + annuaire_row(ANNUAIRE_2023, Identifiant_de_l_etablissement=WRONG_LETTER.lower(),
          Nom_etablissement="Collège X", Type_etablissement="Collège", Code_commune="97302") + "\r\n"), [], 2,
     "A « Identifiant_de_l_etablissement »", "lettre de contrôle"),
    ("annuaire-bad-letter", "annuaire.csv",
     text("\ufeff" + ANNUAIRE_2026 + "\r\n" + annuaire_row(ANNUAIRE_2026, Identifiant_de_l_etablissement=WRONG_LETTER,
          Nom_etablissement="Collège X", Type_etablissement="Collège", Code_commune="97302") + "\r\n"), [], 2,
     "A « Identifiant_de_l_etablissement »", "lettre de contrôle"),
    ("annuaire-bad-commune", "annuaire2.csv",
     text(ANNUAIRE_2026 + "\n" + annuaire_row(ANNUAIRE_2026, Identifiant_de_l_etablissement=make_uai(9730500),
          Nom_etablissement="École Y", Type_etablissement="Ecole", Code_commune="97399") + "\n"), [], 2,
     "I « Code_commune »", "inconnu du territoire"),
    ("ent-bad-week", "ent.csv", text(ENT_HEADER + "\n" + ent_row("semaine 5", COLLEGE, 10, 5) + "\n"), [], 2,
     "A « debutsemaine »", "n'est pas une date"),
    ("ent-no-week-in-month", "ent2.csv", text(ENT_HEADER + "\n" + ent_row("2024-10-07", COLLEGE, 10, 5) + "\n"), [], None,
     "A « debutsemaine »", "aucune semaine du mois"),
    ("pix-certified-above", "pix.csv", text(PIX_HEADER + "\n" + pix_row("2024-2025", LYCEE, 10, 12) + "\n"), [], 2,
     "Q « certifies »", "dépasse le dénominateur"),
    ("pix-no-year", "pix2.csv", text(PIX_HEADER + "\n" + pix_row("2022-2023", LYCEE, 10, 8) + "\n"), [], None,
     "A « annee »", "aucune ligne de l'année scolaire 2024-2025"),
]


@pytest.fixture
def data(tmp_path):
    return make_dir(tmp_path / "data")


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 30
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_file_is_refused_with_line_and_column(case, data, tmp_path, monkeypatch, capsys):
    _id, name, content, args, line, column, words = case
    if _id == "too-big":
        monkeypatch.setenv("OBSERVATOIRE_IMPORT_MAX_MB", "0.001")
    path = tmp_path / "in" / name
    path.parent.mkdir()
    path.write_bytes(content)
    if "--snapshot" not in args:
        args = [*args, "--snapshot", SNAPSHOT]
    before = tree(data)

    code = main(["--data-dir", str(data), "import", str(path), *args])

    assert code == 1
    assert tree(data) == before, "the data directory changed after a refused import"
    err = capsys.readouterr().err
    assert "rien n'est importé" in err
    opts = dict(zip(args[::2], args[1::2]))
    plan = prepare([path], opts.get("--snapshot"), data, opts.get("--format", "auto"), opts.get("--sheet"))
    matching = [p for p in plan.errors if words in p.message()]
    assert matching, [p.message() for p in plan.errors]
    problem = matching[0]
    assert problem.line == line, problem.message()
    if column is not None:
        assert problem.column == column, problem.message()
    # The printed message carries the file, the line and the column, and says what to do.
    printed = next(l for l in err.splitlines() if words in l)
    expected_file = "date de l'instantané" if _id.startswith("snapshot") else name
    assert expected_file in printed
    if line is not None:
        assert f"ligne {line}" in printed
    if column is not None:
        assert f"colonne {column}" in printed
    assert problem.action and problem.action[0].isupper()


def test_several_problems_are_all_reported(data, tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text(LONG + f"{COLLEGE};ent2d_utilisateurs;douze;;x\n{WRONG_LETTER};ent2d_utilisateurs;1;;x\n"
                    f"{LYCEE};ent2d_inconnu;1;;x\n", encoding="utf-8")
    plan = prepare([path], SNAPSHOT, data)
    assert [(p.line, p.column[:1]) for p in plan.errors] == [(2, "C"), (3, "A"), (4, "B")]


def test_school_in_a_second_degree_export_is_not_an_error(data, tmp_path):
    path = tmp_path / "ent.csv"
    path.write_text(ENT_HEADER + "\n" + ent_row("2025-02-03", ECOLE, 10, 5) + "\n" + ent_row("2025-02-03", COLLEGE, 10, 5)
                    + "\n", encoding="utf-8")
    plan = prepare([path], SNAPSHOT, data)
    assert plan.ok, [p.message() for p in plan.errors]
    assert any("école(s) ignorée(s)" in p.found for p in plan.warnings)

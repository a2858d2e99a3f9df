"""Data for the import tests: a small data directory and real export headers (annuaire 2026 / June 2023)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from tests.support.factories import fact, make_data_dir, site

PREVIOUS = date(2025, 1, 31)
SNAPSHOT = "2025-02-28"
# Sites: 9730001N lycée Cayenne, 9730002? collège Cayenne, 9730003? école Cayenne (C01), 9730004? collège Maripasoula.
SITES = [
    site(1, "97302", "urbain", "lycee", bassin_code="B1", pupils=1200),
    site(2, "97302", "urbain", "college", bassin_code="B1", pupils=600),
    site(3, "97302", "urbain", "ecole", circonscription_code="C01", pupils=200),
    site(4, "97353", "isole", "college", bassin_code="B4", pupils=300, access="fleuve"),
]
UAI = [s["uai"] for s in SITES]
LYCEE, COLLEGE, ECOLE, COLLEGE_ISOLE = UAI


def make_dir(root: Path) -> Path:
    facts = {PREVIOUS: [
        fact("ent2d_utilisateurs", COLLEGE, 100),
        fact("ent2d_utilisateurs", COLLEGE_ISOLE, 40),
        fact("ent2d_taux_utilisation", COLLEGE, 50, 100),
        fact("pix_eleves_certifies", LYCEE, 80),
    ]}
    return make_data_dir(root, SITES, facts)


def tree(root: Path, journal: bool = True) -> dict[str, str]:
    """Every file and folder under `root` with the sha256 of its content: equal means byte-for-byte unchanged.

    `journal=False` leaves out the audit log, which records every import attempt, even one with nothing to do.
    """
    out = {}
    for path in sorted(Path(root).rglob("*")):
        rel = str(path.relative_to(root))
        if not journal and rel == "audit.jsonl":
            continue
        out[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def last_audit(root: Path) -> tuple[int, dict]:
    """How many events the data directory's audit log holds, and the last one."""
    lines = (Path(root) / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    return len(lines), json.loads(lines[-1])


ANNUAIRE_2026 = ("Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;Statut_public_prive;Adresse_1;Adresse_2;"
                 "Adresse_3;Code_postal;Code_commune;Nom_commune;Code_departement;Code_academie;Code_region;Ecole_maternelle;"
                 "Ecole_elementaire;Voie_generale;Voie_technologique;Voie_professionnelle;Telephone;Fax;Web;Mail;Restauration;"
                 "Hebergement;ULIS;Apprentissage;Segpa;Section_arts;Section_cinema;Section_theatre;Section_sport;"
                 "Section_internationale;Section_europeenne;Lycee_Agricole;Lycee_militaire;Lycee_des_metiers;Post_BAC;"
                 "Appartenance_Education_Prioritaire;GRETA;SIREN_SIRET;Fiche_onisep;position;Type_contrat_prive;"
                 "Libelle_departement;Libelle_academie;Libelle_region;coordX_origine;coordY_origine;epsg_origine;"
                 "nom_circonscription;latitude;longitude;precision_localisation;date_ouverture;date_maj_ligne;etat;"
                 "ministere_tutelle;multi_uai;rpi_concentre;rpi_disperse;code_nature;libelle_nature;Code_type_contrat_prive;"
                 "PIAL;etablissement_mere;type_rattachement_etablissement_mere;code_circonscription;"
                 "code_zone_animation_pedagogique;libelle_zone_animation_pedagogique;code_bassin_formation;"
                 "libelle_bassin_formation")
ANNUAIRE_2023 = ("Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;Statut_public_prive;Adresse_1;Adresse_2;"
                 "Adresse_3;Code postal;Code_commune;Nom_commune;Code_departement;Code_academie;Code_region;Ecole_maternelle;"
                 "Ecole_elementaire;Voie_generale;Voie_technologique;Voie_professionnelle;Telephone;Fax;Web;Mail;Restauration;"
                 "Hebergement;ULIS;Apprentissage;Segpa;Section_arts;Section_cinema;Section_theatre;Section_sport;"
                 "Section_internationale;Section_europeenne;Lycee_Agricole;Lycee_militaire;Lycee_des_metiers;Post_BAC;"
                 "Appartenance_Education_Prioritaire;GRETA;SIREN_SIRET;Nombre_d_eleves;Fiche_onisep;position;"
                 "Type_contrat_prive;Libelle_departement;Libelle_academie;Libelle_region;coordonnee_X;coordonnee_Y;epsg;"
                 "nom_circonscription;latitude;longitude;precision_localisation;date_ouverture;date_maj_ligne;etat;"
                 "ministere_tutelle;etablissement_multi_lignes;rpi_concentre;rpi_disperse;code_nature;libelle_nature;"
                 "Code_type_contrat_prive;PIAL;etablissement_mere;type_rattachement_etablissement_mere;"
                 "code_bassin_formation;libelle_bassin_formation")
assert len(ANNUAIRE_2026.split(";")) == 71 and len(ANNUAIRE_2023.split(";")) == 69


def annuaire_row(header: str, **values) -> str:
    """A row of the annuaire under `header`, empty except the given columns (by their header name)."""
    columns = header.split(";")
    unknown = set(values) - set(columns)
    assert not unknown, unknown
    return ";".join(str(values.get(c, "")) for c in columns)


ENT_HEADER = ("debutsemaine;uai;academie;commune;departement;region;ministere;circonscription;nature_uai;secteur;"
              "visites_eleve;utilisateurs_eleve;duree_eleve;visites_parent;utilisateurs_parent;duree_parent;"
              "visites_enseignant;utilisateurs_enseignant;duree_enseignant;visites_admin_vie_scol_tech;"
              "utilisateurs_admin_vie_scol_tech;duree_admin_vie_scol_tech;visites_globales;utilisateurs_globales;duree_globales")


def ent_row(week: str, uai: str, visits: int, users: int) -> str:
    values = {"debutsemaine": week, "uai": uai, "academie": "GUYANE", "visites_globales": visits,
              "utilisateurs_globales": users, "duree_globales": "01:02:03"}
    return ";".join(str(values.get(c, "")) for c in ENT_HEADER.split(";"))


PIX_HEADER = ("annee;academie_nom;academie_code;departement_nom;departement_code;commune_nom;commune_code;etablissement;uai;"
              "position;secteur;sessions_programmees;sessions_finalisees;inscrits;inscrits_distincts;participants;certifies;"
              "non_obtenues;average_pix_score;median_pix_score;first_quartile_pix_score;third_quartile_pix_score;"
              "code_region;libelle_region")


def pix_row(year: str, uai: str, participants, certifies) -> str:
    values = {"annee": year, "academie_nom": "Guyane", "uai": uai, "participants": participants, "certifies": certifies,
              "etablissement": "Lycée"}
    return ";".join(str(values.get(c, "")) for c in PIX_HEADER.split(";"))


def xlsx_book(sheets: list[tuple[str, list[list], list[str]]], states: dict | None = None,
              formats: dict | None = None) -> bytes:
    """A workbook of several sheets: (title, rows, merged ranges such as "A1:D1"); `states` maps a title to
    'hidden', `formats` maps (title, 'B2') to a number format such as '0.0%'."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows, merged in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cells in merged:
            sheet.merge_cells(cells)
        sheet.sheet_state = (states or {}).get(title, "visible")
    for (title, cell), number_format in (formats or {}).items():
        book[title][cell].number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

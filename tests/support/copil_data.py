"""Hand-made fixture data for the COPIL deck and "Ce qui a changé": two snapshots a year apart, the
expected sentences worked out by hand here, so the tests compare the code with arithmetic.

Sites                                 pupils  ent2d_taux_utilisation (num/den)   educonnect_comptes_actives
  1  collège, Cayenne 97302, urbain, B1   500    BEFORE 300/500  AFTER 330/500     BEFORE 1 000  AFTER 1 200
  2  collège, Saül 97352, isolé, B4       200    BEFORE 100/400  AFTER 150/400     —
  3  collège, Saül 97352, isolé, B4       100    BEFORE  56/100  AFTER  70/100     —
  4  école, Cayenne 97302, urbain, C01    150    —                                 BEFORE   100  AFTER   160
  5  école, Saül 97352, isolé, C13         50    —                                 BEFORE    20  AFTER    50

ent2d_taux_utilisation (target 2024-2025: 50 %):
  isolé  156/500 = 31,2 % -> 220/500 = 44,0 %: +12,8 points, importance 0,128 / 0,5 = 0,256
  total  456/1000 = 45,6 % -> 550/1000 = 55,0 %: +9,4 points, importance 0,188
  urbain 60,0 % -> 66,0 %: +6,0 points, importance 0,12 (third move of the indicator: left out)
educonnect_comptes_actives total 1 120 -> 1 410 (+290), target 40 000: importance 0,00725;
  in circonscription C01 (site 4 only) 100 -> 160 (+60): no target under a filter, importance 60/100 = 0,6.
equipement_subventions (commune level, cumulative): 97302 12 000 € -> 15 500 €, 97352 0 € -> 500 €:
  total 12 000 € -> 16 000 € (+4 000 €), target 3 000 000 €: importance 0,00133.
copil_comptes_rendus (académie, deliverable): 0 -> 1, target 1: importance 1.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from observatoire.model.uai import make_uai
from tests.support.factories import fact, make_data_dir, site

BEFORE, AFTER = date(2024, 1, 31), date(2025, 1, 31)
NBSP = "\u202f"

SITES = [
    site(1, "97302", "urbain", site_type="college", bassin_code="B1", pupils=500),
    site(2, "97352", "isole", site_type="college", bassin_code="B4", pupils=200, access="air", lat=3.62, lon=-53.21),
    site(3, "97352", "isole", site_type="college", bassin_code="B4", pupils=100, access="air", lat=3.63, lon=-53.20),
    site(4, "97302", "urbain", circonscription_code="C01", pupils=150),
    site(5, "97352", "isole", circonscription_code="C13", pupils=50, access="air", lat=3.62, lon=-53.22),
]
RATES = {BEFORE: {1: (300, 500), 2: (100, 400), 3: (56, 100)}, AFTER: {1: (330, 500), 2: (150, 400), 3: (70, 100)}}
ACCOUNTS = {BEFORE: {1: 1000, 4: 100, 5: 20}, AFTER: {1: 1200, 4: 160, 5: 50}}
SUBSIDIES = {BEFORE: {"97302": 12000, "97352": 0}, AFTER: {"97302": 15500, "97352": 500}}
COPIL = {BEFORE: 0, AFTER: 1}

EXPECTED = [
    "Le compte rendu du comité de pilotage passe de « non réalisé » à « réalisé ».",
    f"Le taux d'utilisation de l'ENT Wilapa des sites isolés passe de 31,2{NBSP}% à 44,0{NBSP}% (+12,8 points).",
    f"Le taux d'utilisation de l'ENT Wilapa passe de 45,6{NBSP}% à 55,0{NBSP}% (+9,4 points).",
    f"Les comptes ÉduConnect activés passent de 1{NBSP}120 à 1{NBSP}410 (+290).",
    f"Les subventions notifiées (cumul depuis la rentrée) passent de 12{NBSP}000{NBSP}€ à 16{NBSP}000{NBSP}€ "
    f"(+4{NBSP}000{NBSP}€).",
]
EXPECTED_C01 = [f"Les comptes ÉduConnect activés passent de 100 à 160 (+60)."]


def uai(number: int) -> str:
    return make_uai(9_730_000 + number)


def make_copil_dir(root: Path, demo: bool = False) -> Path:
    facts = {}
    for day in (BEFORE, AFTER):
        rows = [fact("ent2d_taux_utilisation", uai(n), num, den) for n, (num, den) in RATES[day].items()]
        rows += [fact("educonnect_comptes_actives", uai(n), v) for n, v in ACCOUNTS[day].items()]
        rows += [fact("equipement_subventions", code, v, level="commune") for code, v in SUBSIDIES[day].items()]
        rows.append(fact("copil_comptes_rendus", "33", COPIL[day], level="academie"))
        facts[day] = rows
    return make_data_dir(root, SITES, facts, demo=demo)

# The slide titles of the Guyane demo's deck, in order (the page and the files show the same).
TITLES = [
    "Comité de pilotage du numérique éducatif — Académie de Guyane",
    "Synthèse : les trois axes au regard des cibles",
    "Axe 1 — Consolider l'écosystème dans le sens d'une politique partagée",
    "Axe 2 — Développer l'enseignement numérique et les compétences numériques",
    "Axe 3 — Poursuivre l'outillage des utilisateurs et le déploiement des communs numériques",
    "Couverture du territoire : sites isolés et urbains",
    "Ce qui a changé depuis le dernier COPIL",
    "Points d'attention",
]

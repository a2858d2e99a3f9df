"""Hand-made fixture data for the axis pages, the equity gap and the fiches; the expected numbers are
worked out by hand in the comments, so the tests compare the pages with arithmetic, not with the code.

Sites (écoles unless said):            pupils   ent1d_taux_usages (num/den)   ent1d_comptes_eleves
  1  Cayenne 97302, urbain, C01           100     prev 5/100   now 10/100          prev 10  now 20
  2  Cayenne 97302, urbain, C02           300     prev 30/300  now 60/300          prev 30  now 60
  3  Maripasoula 97353, isolé, C13         50     prev 5/50    now 5/50            prev 5   now 5
  4  Grand-Santi 97357, isolé, C12        150     prev 15/150  now 45/150          prev 5   now 15
  5  Maripasoula 97353, isolé, C13        100     prev 20/100  now 40/100          prev 5   now 10
  6  collège, Cayenne 97302, urbain, B1   500     (no 1st-degree indicator)

At NOW: rate, all sites = 160/700 = 22,9 % (a mean of rates would give 22 %); circonscription C01 = 10,0 %;
  urbain = 70/400 = 17,5 %, isolé = 90/300 = 30,0 %: gap +12,5 points.
  Counts: total 110 (+55 since PREV); per pupil urbain 80/400 = 0,2, isolé 30/300 = 0,1: gap −100 per 1 000 pupils.
Fiche of site 3 at NOW: rate 10,0 % ; median of the isolé class (10 %, 30 %, 40 %) = 30,0 % ;
  median of circonscription C13 (10 %, 40 %) = 25,0 %.
Commune level: equipement_subventions 97302 = 1 000 € then 1 500 €, 97353 = 3 000 € → 4 500 € at NOW.
Académie level: com_visites_site = 1 234 at NOW.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from observatoire.model.uai import make_uai
from tests.support.factories import fact, make_data_dir, site

PREV, NOW = date(2025, 1, 31), date(2025, 2, 28)
RATE, COUNT = "ent1d_taux_usages", "ent1d_comptes_eleves"


def uai(number: int) -> str:
    return make_uai(9_730_000 + number)


SITES = [
    site(1, "97302", "urbain", circonscription_code="C01", pupils=100),
    site(2, "97302", "urbain", circonscription_code="C02", pupils=300),
    site(3, "97353", "isole", circonscription_code="C13", pupils=50, access="air", name="École du fleuve"),
    site(4, "97357", "isole", circonscription_code="C12", pupils=150, access="fleuve"),
    site(5, "97353", "isole", circonscription_code="C13", pupils=100, access="air"),
    site(6, "97302", "urbain", site_type="college", bassin_code="B1", pupils=500),
]
RATES = {PREV: {1: (5, 100), 2: (30, 300), 3: (5, 50), 4: (15, 150), 5: (20, 100)},
         NOW: {1: (10, 100), 2: (60, 300), 3: (5, 50), 4: (45, 150), 5: (40, 100)}}
COUNTS = {PREV: {1: 10, 2: 30, 3: 5, 4: 5, 5: 5}, NOW: {1: 20, 2: 60, 3: 5, 4: 15, 5: 10}}
SUBSIDIES = {PREV: {"97302": 1000, "97353": 3000}, NOW: {"97302": 1500, "97353": 3000}}


def build(root: Path) -> Path:
    facts = {}
    for day in (PREV, NOW):
        rows = [fact(RATE, uai(n), num, den) for n, (num, den) in RATES[day].items()]
        rows += [fact(COUNT, uai(n), v) for n, v in COUNTS[day].items()]
        rows += [fact("equipement_subventions", c, v, level="commune") for c, v in SUBSIDIES[day].items()]
        if day == NOW:
            rows.append(fact("com_visites_site", "33", 1234, level="academie"))
        facts[day] = rows
    return make_data_dir(root, SITES, facts)

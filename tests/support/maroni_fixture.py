"""A hand-made data directory for the explorer and the SQL console, with every answer computed by hand.

Eight sites, two snapshots. The example question — how many écoles of the Haut-Maroni with more than
100 pupils have no ENT account activated on 31 January 2025? — has the answer 2 (sites 3 and 4):

| n | type    | commune            | zone          | isolation | pupils | comptes élèves 2024-10 | 2025-01 | taux 2025-01 |
|---|---------|--------------------|---------------|-----------|--------|------------------------|---------|--------------|
| 1 | école   | 97353 Maripasoula  | haut-maroni   | isole     | 250    | 20                     | 40      | 10 / 40      |
| 2 | école   | 97353 Maripasoula  | haut-maroni   | isole     | 80     | —                      | 0       | —            |
| 3 | école   | 97357 Grand-Santi  | haut-maroni   | isole     | 150    | —                      | —       | —            |
| 4 | école   | 97362 Papaïchton   | haut-maroni   | isole     | 120    | —                      | 0       | —            |
| 5 | école   | 97360 Apatou       | haut-maroni   | rural     | 300    | 30                     | 60      | 30 / 60      |
| 6 | collège | 97353 Maripasoula  | haut-maroni   | isole     | 500    | (2nd degré)            |         |              |
| 7 | école   | 97302 Cayenne      | cayenne       | urbain    | 400    | 5                      | 0       | —            |
| 8 | école   | 97357 Grand-Santi  | haut-maroni   | isole     | 101    | —                      | 10      | 5 / 10       |
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from observatoire.model.uai import make_uai
from tests.support.factories import fact, make_data_dir, site

OCTOBER, JANUARY = date(2024, 10, 31), date(2025, 1, 31)
COMPTES, TAUX = "ent1d_comptes_eleves", "ent1d_taux_usages"


def uai(n: int) -> str:
    return make_uai(9_730_000 + n)


def build(root: Path) -> Path:
    circ = {"97353": "C13", "97362": "C13", "97357": "C12", "97360": "C11", "97302": "C01"}
    rows = [
        (1, "97353", "isole", "ecole", 250), (2, "97353", "isole", "ecole", 80), (3, "97357", "isole", "ecole", 150),
        (4, "97362", "isole", "ecole", 120), (5, "97360", "rural", "ecole", 300), (6, "97353", "isole", "college", 500),
        (7, "97302", "urbain", "ecole", 400), (8, "97357", "isole", "ecole", 101),
    ]
    sites = []
    for n, commune, isolation, kind, pupils in rows:
        extra = {"bassin_code": "B4"} if kind == "college" else {"circonscription_code": circ[commune]}
        sites.append(site(n, commune, isolation, kind, pupils=pupils, **extra))
    facts = {
        OCTOBER: [fact(COMPTES, uai(1), 20), fact(COMPTES, uai(5), 30), fact(COMPTES, uai(7), 5)],
        JANUARY: [fact(COMPTES, uai(1), 40), fact(COMPTES, uai(2), 0), fact(COMPTES, uai(4), 0),
                  fact(COMPTES, uai(5), 60), fact(COMPTES, uai(7), 0), fact(COMPTES, uai(8), 10),
                  fact(TAUX, uai(1), 10, 40), fact(TAUX, uai(5), 30, 60), fact(TAUX, uai(8), 5, 10)],
    }
    return make_data_dir(root, sites, facts)

"""Roles and perimeters as data: the access file (data/access.toml by default, setting `access_file`).

    [[personne]]
    identite = "ien.c01@ac-exemple.fr"    # the e-mail or the `sub` the identity provider gives
    role = "ien"
    circonscriptions = ["C01"]

Deny by default: an identity with no entry gets nothing. Roles: administrateur, drane (everything, the SQL
console and the importer; the administrator also reads the audit log), ien (circonscriptions), chef
(UAI), departement (départements: a commune code's first characters, e.g. 973 or 59), lecteur (aggregates of
the whole académie, no figure per school).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from observatoire.access.perimeter import EVERYTHING, Perimeter
from observatoire.errors import AccessDenied, ValidationError

ROLE_LABELS = {
    "administrateur": "Administrateur",
    "drane": "DRANE",
    "ien": "IEN (circonscriptions)",
    "chef": "Chef d'établissement",
    "departement": "Département (DSDEN)",
    "lecteur": "Lecteur (agrégats académiques)",
}
# Role -> the list of codes its perimeter needs (None: no list).
ROLE_LIST = {"administrateur": None, "drane": None, "ien": "circonscriptions", "chef": "uai",
             "departement": "departements", "lecteur": None}


@dataclass(frozen=True)
class Grant:
    """What one person may see and do."""

    identity: str
    role: str
    perimeter: Perimeter

    @property
    def label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def may_manage_data(self) -> bool:
        """The SQL console and the importer: raw data and writes, for the DRANE and administrators."""
        return self.role in ("administrateur", "drane", "ouvert")

    @property
    def may_read_audit(self) -> bool:
        return self.role in ("administrateur", "ouvert")


# The embedded demo without an identity provider: everything, labelled as open access by the pages.
OPEN = Grant("accès ouvert", "ouvert", EVERYTHING)


def _grant(entry: dict, where: str) -> Grant:
    identity = str(entry.get("identite", "")).strip()
    role = str(entry.get("role", "")).strip().lower()
    if not identity:
        raise ValidationError(where, ["« identite » manque : indiquez l'adresse électronique ou le sub de la personne"])
    if role not in ROLE_LIST:
        raise ValidationError(where, [f"rôle « {role} » inconnu pour {identity} : choisissez parmi "
                                      + ", ".join(ROLE_LIST)])
    field = ROLE_LIST[role]
    codes = entry.get(field) if field else None
    if field and (not isinstance(codes, list) or not codes):
        raise ValidationError(where, [f"le rôle « {role} » de {identity} demande une liste « {field} » non vide"])
    perimeter = Perimeter.of(
        circonscriptions=codes if field == "circonscriptions" else None,
        uais=codes if field == "uai" else None,
        departements=codes if field == "departements" else None,
        aggregates_only=role == "lecteur")
    return Grant(identity, role, perimeter)


@dataclass(frozen=True)
class AccessList:
    grants: dict[str, Grant]

    def lookup(self, *identities: str | None) -> Grant | None:
        """The grant of the first identity (e-mail, then sub) that has an entry; None: denied."""
        for identity in identities:
            if identity and identity.strip().casefold() in self.grants:
                return self.grants[identity.strip().casefold()]
        return None


def load_access(path: Path) -> AccessList:
    """Read the access file; a missing file grants nothing (deny by default)."""
    path = Path(path)
    if not path.exists():
        return AccessList({})
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValidationError(str(path), [f"fichier TOML illisible ({error}) : corrigez la syntaxe"]) from error
    grants = {}
    for number, entry in enumerate(data.get("personne", []), start=1):
        grant = _grant(entry, f"{path.name}, personne n° {number}")
        grants[grant.identity.casefold()] = grant
    return AccessList(grants)


def grant_for(identity: str | None, access_path: Path) -> Grant:
    """The command line's grant: `--as IDENTITE` reads it from the access file; without it, a local operator
    with access to the data folder is the administrator (the files are theirs anyway)."""
    if identity is None:
        return Grant("local", "administrateur", EVERYTHING)
    grant = load_access(access_path).lookup(identity)
    if grant is None:
        raise AccessDenied(f"accès refusé : « {identity} » n'a pas d'entrée dans {access_path}")
    return grant

"""UAI codes: 7 digits and a check letter."""

import re

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
UAI_PATTERN = re.compile(r"^[0-9]{7}[A-HJ-NP-Z]$")


def check_letter(digits: str) -> str:
    """Return the check letter of the seven leading digits of a UAI."""
    if not (len(digits) == 7 and digits.isdigit()):
        raise ValueError(f"« {digits} » : 7 chiffres attendus")
    return UAI_LETTERS[int(digits) % 23]


def make_uai(number: int) -> str:
    """Build a full UAI from its seven-digit number."""
    digits = f"{number:07d}"
    return digits + check_letter(digits)


def uai_problem(code: str) -> str | None:
    """Return a French description of what is wrong with `code`, or None when it is a valid UAI."""
    text = (code or "").strip().upper()
    if not UAI_PATTERN.match(text):
        return f"« {code} » n'a pas la forme d'un UAI (7 chiffres suivis d'une lettre, par exemple 9730001N)"
    expected = check_letter(text[:7])
    if text[7] != expected:
        return f"« {code} » : la lettre de contrôle devrait être {expected}"
    return None


def is_valid_uai(code: str) -> bool:
    return uai_problem(code) is None

"""Find a school or a commune by what a user types: name, commune or code, accents and case ignored."""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_CODE_AT_END = re.compile(r"\(([^()]+)\)\s*$")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})  # NFKD keeps them whole


def fold(text: str) -> str:
    """Lower case, accents dropped, punctuation as spaces: 'Saint-Élie (9730001A)' -> 'saint elie 9730001a'."""
    plain = unicodedata.normalize("NFKD", str(text).translate(_LIGATURES)).encode("ascii", "ignore").decode("ascii").casefold()
    return _NOT_ALNUM.sub(" ", plain).strip()


def matches(haystacks: list[str], text: str) -> list[int]:
    """Positions of the haystacks (already folded) holding every word of `text`, in their order."""
    words = fold(text).split()
    if not words:
        return []
    return [i for i, hay in enumerate(haystacks) if all(w in hay for w in words)]


def code_in_link(raw: str) -> str:
    """The code a link names: the bare code ('9730001A') or the code of a shown label ('École X — Laon (0021000B)')."""
    found = _CODE_AT_END.search(raw)
    return (found.group(1) if found else raw).strip()

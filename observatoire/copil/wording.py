"""The deck's French wording rules: no-break spaces before high punctuation, plurals, the slide footer."""

from __future__ import annotations

from datetime import date

from observatoire.model.dates import format_date_fr
from observatoire.output.numbers import format_number

DEMO_NOTE = "Données de démonstration : valeurs fictives"
# French typography: a no-break space before the two-part punctuation and inside guillemets, so that
# a projected or printed line never starts with ":", ";" or "»" (narrow before ; ! ?, as for %).
TYPESET = ((" :", "\u00a0:"), (" ;", "\u202f;"), (" !", "\u202f!"), (" ?", "\u202f?"),
           ("« ", "«\u00a0"), (" »", "\u00a0»"))

def typeset(text: str) -> str:
    """The text with French no-break spaces (see TYPESET), for every renderer of a slide."""
    for plain, fixed in TYPESET:
        text = text.replace(plain, fixed)
    return text


def footer_text(snapshot_date: date, filters_text: str, sources, is_demo: bool) -> str:
    parts = [f"Instantané du {format_date_fr(snapshot_date)}", f"Périmètre : {filters_text}"]
    if sources:
        parts.append("Sources : " + ", ".join(sources))
    if is_demo:
        parts.append(DEMO_NOTE)
    return " · ".join(parts)


def plural(count: int, noun: str) -> str:
    """'0 indicateur', '1 indicateur', '3 indicateurs' (French: plural from 2)."""
    words = " ".join(w + ("s" if count >= 2 else "") for w in noun.split())
    return f"{format_number(count)} {words}"

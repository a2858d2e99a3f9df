"""The import formats, one module each with its French label and its parser. A new format is a module, an
entry here and its signature in detection.py."""

from observatoire.ingest.parsers import annuaire, ent, long, pix, wide
from observatoire.ingest.parsers.annuaire import parse_annuaire
from observatoire.ingest.parsers.ent import parse_ent
from observatoire.ingest.parsers.long import parse_long
from observatoire.ingest.parsers.pix import parse_pix
from observatoire.ingest.parsers.wide import parse_wide

FORMATS = {"long": long.LABEL, "wide": wide.LABEL, "annuaire": annuaire.LABEL, "ent": ent.LABEL, "pix": pix.LABEL}
# The parsers of facts (the annuaire gives sites, not facts): each adds to ParseContext.frames or .facts.
FACT_PARSERS = {"long": parse_long, "wide": parse_wide, "ent": parse_ent, "pix": parse_pix}

__all__ = ["FACT_PARSERS", "FORMATS", "parse_annuaire"]

"""Fiche commune (?code=INSEE): its sites, its commune-level indicators, its sites' indicators rolled up."""

from components.fiches import render_commune

render_commune()

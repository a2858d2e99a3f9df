"""Fiche établissement (?uai=…): identity, every site-level indicator with its history, comparisons."""

from components.fiches import render_site

render_site()

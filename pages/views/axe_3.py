"""Axe 3 of the roadmap: every indicator by operational objective, one in detail, the equity gaps."""

from pages.views.axe import render

render(3)

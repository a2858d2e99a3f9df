"""Axe 4 of the roadmap (when it has one): every indicator by operational objective, one in detail, the equity gaps."""

from pages.views.axe import render

render(4)

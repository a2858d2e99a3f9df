"""Axe 2 of the roadmap: every indicator by operational objective, one in detail, the equity gaps."""

from components.axis_view import render_axis

render_axis(2)

"""Axe 4 of the roadmap (when it has one): every indicator by operational objective, one in detail, the equity gaps."""

from components.axis_view import render_axis

render_axis(4)

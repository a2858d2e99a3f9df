"""Figures computed from query results: progress to target, changes, equity gaps, coverage, explorer pivots, fiches."""

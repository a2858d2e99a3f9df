"""Imports: read CSV/XLSX exports, validate them (French messages with file, line and column), write
snapshots and the sites referential atomically. No Streamlit here: the CLI and the Importer page share it."""

from observatoire.ingest.parsers import FORMATS
from observatoire.ingest.pipeline import commit, prepare
from observatoire.ingest.plan import ImportPlan, ImportResult, UsageProblem
from observatoire.ingest.problems import Problem
from observatoire.ingest.templates import template_bytes, template_frames

__all__ = ["FORMATS", "ImportPlan", "ImportResult", "Problem", "UsageProblem", "commit", "prepare",
           "template_bytes", "template_frames"]

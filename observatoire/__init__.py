"""Observatoire des usages du numérique éducatif: the domain package (no Streamlit here)."""

__version__ = "0.1.0"

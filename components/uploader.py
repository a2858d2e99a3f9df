"""The file uploader in French: Streamlit 1.67 writes "Upload" and "200MB per file" in English whatever the label.

Its button text and size line are hidden visually (kept for screen readers: the button needs a name, and
CSS cannot change it; see the README's accessibility statement) and French text is drawn in their place;
the size comes from the same setting as the import check.
"""

from __future__ import annotations

import streamlit as st

from observatoire.output.numbers import format_number


HIDDEN = "position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap;"


def _css(max_mb: int, types: list[str]) -> str:
    kinds = ", ".join(t.upper() for t in types)
    return f"""<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{{HIDDEN}}}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {{content: "Parcourir";}}
[data-testid="stFileUploaderDropzoneInstructions"] span {{{HIDDEN}}}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {{
  content: "{format_number(max_mb)} Mo au plus par fichier · {kinds}"; font-size: 0.875rem;}}
</style>"""


def french_uploader(label: str, types: list[str], key: str, max_mb: int, **kwargs):
    """st.file_uploader with its English text replaced by French; returns what st.file_uploader returns."""
    st.html(_css(max_mb, types))
    return st.file_uploader(label, type=types, key=key,
                            help=f"Glissez-déposez les fichiers ici ou choisissez-les : {format_number(max_mb)} Mo "
                                 "au plus par fichier.", **kwargs)

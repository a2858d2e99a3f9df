"""Deep-link shim (see README, "Navigation"): on a server's first request, Streamlit's classic
multipage mode serves this file for its URL; it runs app.py, whose st.navigation then draws
the page body from pages/views/. Never put a page body here."""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parent.parent / "app.py"), run_name="__main__")

"""Observatoire entry point: page configuration, navigation, global filters. Nothing else."""

import streamlit as st

from components import shell

# ?mode=copil opens the presentation with the sidebar folded (the page itself hides it); on an axis page, at that
# axis's slide (?axe=N, which the presentation turns into ?slide=).
copil = st.query_params.get("mode") == "copil"
st.set_page_config(page_title=shell.APP_TITLE, page_icon="📊", layout="wide",
                   initial_sidebar_state="collapsed" if copil else "auto")
page = shell.navigation()
if copil and page.url_path != "presentation":
    params = st.query_params.to_dict()
    if page.url_path.startswith("axe-") and "slide" not in params:
        params["axe"] = page.url_path.removeprefix("axe-")
    st.switch_page(shell.page_path("presentation"), query_params=params)
shell.frame()  # the sidebar filters: this rerun's one View, which the page reads through shell.context()
page.run()

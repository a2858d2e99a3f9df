"""Observatoire entry point: page configuration, navigation, global filters. Nothing else."""

import streamlit as st

from components import icons, shell

# ?mode=copil opens the presentation with the sidebar folded (the page itself hides it).
copil = st.query_params.get("mode") == "copil"
st.set_page_config(page_title=shell.APP_TITLE, page_icon=icons.APP, layout="wide",
                   initial_sidebar_state="collapsed" if copil else "auto")
page = shell.navigation()
if copil and page.url_path != "presentation":
    st.switch_page(shell.page_path("presentation"), query_params=st.query_params.to_dict())
shell.frame()  # the sidebar filters: this rerun's one View, which the page reads through shell.context()
page.run()

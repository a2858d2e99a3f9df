"""Observatoire entry point: page configuration, who is asking, navigation, global filters. Nothing else."""

import streamlit as st

from components import access, icons, shell
from components.french_names import french_names
from components.session import begin_run, unrestricted_store
from observatoire.errors import AccessDenied

# ?mode=copil opens the presentation with the sidebar folded (the page itself hides it); on an axis page, at that
# axis's slide (?axe=N, which the presentation turns into ?slide=).
copil = st.query_params.get("mode") == "copil"
st.set_page_config(page_title=shell.APP_TITLE, page_icon=icons.APP, layout="wide",
                   initial_sidebar_state="collapsed" if copil else "auto")
french_names()  # the page's language and Streamlit's own control names in French
begin_run()  # the data state this run answers from
grant = access.gate()  # stops here for a visitor not signed in, or signed in with no access
page = shell.navigation(grant)
if copil and page.url_path != "presentation":
    params = st.query_params.to_dict()
    if page.url_path.startswith("axe-") and "slide" not in params:
        params["axe"] = page.url_path.removeprefix("axe-")
    st.switch_page(shell.page_path("presentation"), query_params=params)
access.sidebar_identity(grant)
access.refuse_page(page.url_path, grant)
access.refuse_foreign_link(unrestricted_store(), grant)
shell.frame()  # the sidebar filters: this rerun's one View, which the page reads through shell.context()
try:
    page.run()
except AccessDenied as refusal:  # the store refused a question to this person's perimeter
    st.error(str(refusal))

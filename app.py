"""Observatoire entry point: page configuration, navigation, global filters. Nothing else."""

import streamlit as st

from components import shell

st.set_page_config(page_title=shell.APP_TITLE, page_icon="📊", layout="wide")
page = shell.navigation()
shell.frame()
page.run()

"""Streamlit 1.67's own English words in the page, put in French in the browser (RGAA 8.3, 8.7 and 11.9).

Streamlit writes `<html lang="en">` and English accessible names on its controls ("Collapse sidebar", "Help for
…", "Skip to main content", "Download as CSV"…), with no option to change them. A small script, sent once per
session with st.html, sets the page language to French and renames those controls as they appear. Names not
listed here stay as Streamlit writes them (the README's accessibility statement lists what remains).
"""

from __future__ import annotations

import json

import streamlit as st

# Streamlit's accessible names (aria-label, title, placeholder) and their French.
NAMES = {
    "App pages": "Pages de l'application",
    "Sidebar": "Menu latéral",
    "Collapse sidebar": "Replier le menu latéral",
    "Expand sidebar": "Déplier le menu latéral",
    "Open": "Ouvrir la liste",
    "Clear all": "Tout effacer",
    "Selected values": "Valeurs choisies",
    "Choose an option": "Choisir…",
    "Choose options": "Choisir…",
    "Link to heading": "Lien vers ce titre",
    "Fullscreen": "Plein écran",
    "Close fullscreen": "Quitter le plein écran",
    "Close": "Fermer",
    "Search": "Rechercher",
    "Download as CSV": "Télécharger en CSV",
    "Download as PNG": "Télécharger en PNG",
    "Download as SVG": "Télécharger en SVG",
    "Copy Vega-Lite spec": "Copier la spécification Vega-Lite",
    "Show data": "Afficher les données",
    "Show/hide columns": "Afficher ou masquer des colonnes",
    "Increment": "Augmenter",
    "Decrement": "Diminuer",
    "Choose date": "Choisir une date",
    "check_circle icon": "Réussite",
    "error icon": "Erreur",
    "warning icon": "Avertissement",
    "info icon": "Information",
    "file upload": "Choisir des fichiers à importer",
}
# Names that start with an English phrase followed by the widget's own (French) label.
PREFIXES = {"Help for ": "Aide : ", "Remove ": "Retirer ", "day, ": "jour, ", "month, ": "mois, ", "year, ": "année, "}
# Controls whose name is their (English) text: given a French name.
NAMED = {'[data-testid="stFileUploaderDropzone"] button': "Parcourir : choisir des fichiers à importer"}
SKIP_LINK = "Aller au contenu principal"

SCRIPT = """<style>.st-key-french-names {display: none;}</style>
<script>
(() => {
  if (window.observatoireFrench) return;
  window.observatoireFrench = true;
  const names = %(names)s, prefixes = %(prefixes)s, named = %(named)s, skip = %(skip)s;
  const rename = (value) => {
    if (value in names) return names[value];
    for (const [english, french] of Object.entries(prefixes)) {
      if (value.startsWith(english)) return french + value.slice(english.length);
    }
    return null;
  };
  const apply = () => {
    if (document.documentElement.lang !== "fr") document.documentElement.lang = "fr";
    for (const attribute of ["aria-label", "title", "placeholder"]) {
      for (const element of document.querySelectorAll("[" + attribute + "]")) {
        const french = rename(element.getAttribute(attribute));
        if (french !== null) element.setAttribute(attribute, french);
      }
    }
    for (const [selector, name] of Object.entries(named)) {
      for (const element of document.querySelectorAll(selector)) {
        if (element.getAttribute("aria-label") !== name) element.setAttribute("aria-label", name);
      }
    }
    for (const link of document.querySelectorAll('a[href="#stMain"]')) {
      if (link.textContent !== skip) link.textContent = skip;
    }
  };
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; apply(); });
  }).observe(document.body, {subtree: true, childList: true, attributes: true,
                             attributeFilter: ["aria-label", "title", "placeholder"]});
  apply();
})();
</script>"""


def french_names() -> None:
    """Send the renaming script (hidden; it runs once per browser tab, whatever the number of reruns)."""
    with st.container(key="french-names"):
        st.html(SCRIPT % {"names": json.dumps(NAMES, ensure_ascii=False),
                          "prefixes": json.dumps(PREFIXES, ensure_ascii=False),
                          "named": json.dumps(NAMED, ensure_ascii=False),
                          "skip": json.dumps(SKIP_LINK, ensure_ascii=False)},
                unsafe_allow_javascript=True)

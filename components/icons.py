"""Every icon on screen, from the Material Symbols font Streamlit bundles (no system emoji font needed)."""

from pathlib import Path

# Menu pages, by url path.
PAGE = {
    "synthese": ":material/home:",
    "carte": ":material/map:",
    "presentation": ":material/slideshow:",
    "etablissement": ":material/school:",
    "commune": ":material/location_city:",
    "explorateur": ":material/query_stats:",
    "sql": ":material/terminal:",
    "importer": ":material/upload_file:",
    "qualite": ":material/fact_check:",
    "donnees": ":material/folder_open:",
    "annotations": ":material/edit_note:",
    "journal": ":material/history:",
}
# Axis pages, in roadmap order (cycled when a roadmap has more axes).
AXES = (":material/handshake:", ":material/school:", ":material/build:", ":material/explore:",
        ":material/architecture:", ":material/extension:")
# Progress status on an indicator card, coloured with Streamlit's markdown colours.
STATUS = {"ahead": ":green[:material/check_circle:]", "on_track": ":orange[:material/pending:]",
          "late": ":red[:material/error:]"}
# The favicon is a file: a Material Symbol as page_icon makes the browser fetch it from fonts.gstatic.com.
APP = str(Path(__file__).resolve().parent.parent / "assets" / "favicon.svg")
DEMO = ":material/science:"
DETAIL = ":material/search:"
# A card's reason for having no number. (Given, the icon also spares Streamlit its search for a leading emoji in
# the text, a large regular expression hashed at every call: ≈ 7 % of an axis page's rerun under a filter.)
NOTICE = ":material/info:"
PREPARE = ":material/inventory_2:"
PPTX = ":material/slideshow:"
PDF = ":material/picture_as_pdf:"
PNG = ":material/image:"
SVG = ":material/draw:"
QUIT = ":material/close:"
OPEN_ACCESS = ":material/lock_open:"
SAVE = ":material/save:"
PRESENTER = ":material/tune:"
PREVIOUS = ":material/chevron_left:"
NEXT = ":material/chevron_right:"

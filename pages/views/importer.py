"""Importer: upload, preview, validation report, then confirm — the same code as `observatoire import`."""

import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from components.access import record
from components.shell import context, page_header
from components.tables import french_styler
from components.uploader import french_uploader
from observatoire.model.dates import format_date_fr
from observatoire.errors import ObservatoireError, ValidationError, os_error_message, safe_text
from observatoire.output.numbers import format_number
from observatoire.ingest import FORMATS, UsageProblem, commit, prepare
from observatoire.ingest.snapshot_date import snapshot_range
from observatoire.ingest.templates import example_uai, template_bytes
from observatoire.settings import setting

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ctx = context()
page_header(ctx, "Importer des données")
st.markdown(
    "Déposez un ou plusieurs fichiers : **format long** ou **large** (voir les modèles), export de l'**annuaire de "
    "l'éducation**, **audience de l'ENT** par établissement et par semaine, **certification Pix** par établissement. "
    "Rien n'est écrit avant votre confirmation, et rien du tout si un fichier contient une erreur."
)

with st.expander("Modèles de fichiers (en-têtes, une ligne d'exemple, liste des indicateurs)"):
    for fmt, label in (("long", "Format long : une ligne par entité et indicateur"),
                       ("wide", "Format large : une ligne par établissement, une colonne par indicateur")):
        st.markdown(f"**{label}**")
        left, middle, right = st.columns(3)
        example = example_uai(ctx.store.territory)  # a UAI of this territory in the example row
        left.download_button("Modèle Excel", template_bytes(ctx.catalog, fmt, "xlsx", example)[".xlsx"], f"modele_{fmt}.xlsx",
                             XLSX, key=f"modele-{fmt}-xlsx")
        csv_files = template_bytes(ctx.catalog, fmt, "csv", example)
        middle.download_button("Modèle CSV", csv_files[".csv"], f"modele_{fmt}.csv", "text/csv", key=f"modele-{fmt}-csv")
        right.download_button("Liste des indicateurs (CSV)", csv_files["_indicateurs.csv"], "indicateurs.csv", "text/csv",
                              key=f"modele-{fmt}-indicateurs")

uploads = french_uploader("Fichiers à importer (CSV ou Excel .xlsx)", ["csv", "txt", "xlsx"], "import_files",
                          int(float(setting("import_max_mb"))), accept_multiple_files=True)
left, middle, right = st.columns(3)
# The dates an import accepts: the roadmap's period, one school year either side, and nothing in the future.
first_day, last_day = snapshot_range(ctx.catalog.period)
last_day = min(last_day, date.today())
snapshot = left.date_input("Date de l'instantané", value=last_day, min_value=first_day, max_value=last_day,
                           format="DD/MM/YYYY", key="import_date",
                           help=f"Le dernier jour de la période décrite, par exemple la fin du mois ; entre le "
                                f"{format_date_fr(first_day)} et le {format_date_fr(last_day)} (période de la feuille "
                                f"de route « {ctx.catalog.period} », une année scolaire de part et d'autre).")
fmt = middle.selectbox("Format", ["auto", *FORMATS], format_func=lambda f: "détecté automatiquement" if f == "auto" else FORMATS[f],
                       key="import_format")
sheet = right.text_input("Feuille (Excel)", key="import_sheet", placeholder="la première")
new_version = st.checkbox("Si l'instantané de cette date existe, créer une nouvelle version (l'ancienne reste restaurable)",
                          key="import_new_version")

if not uploads:
    st.info("Aucun fichier déposé.")
    st.stop()

with tempfile.TemporaryDirectory(prefix="observatoire-import-") as folder:
    paths = []
    for n, upload in enumerate(uploads):
        path = Path(folder) / f"{n}-{Path(upload.name).name}"
        path.write_bytes(upload.getvalue())
        paths.append(path)
    names = [u.name for u in uploads]
    try:
        plan = prepare(paths, snapshot, ctx.store.data_dir, fmt, sheet or None, new_version, names=names)
    except UsageProblem as exc:
        st.error(str(exc))
        st.stop()
    except OSError as exc:
        st.error(os_error_message(exc, "la lecture des fichiers"))
        st.stop()
    except Exception as exc:  # noqa: BLE001 - never a traceback on the page
        st.error(f"Lecture impossible ({type(exc).__name__}) : rien n'est importé, les données enregistrées sont "
                 "intactes. Vérifiez le fichier (ou exportez-le à nouveau en CSV UTF-8), puis déposez-le à nouveau.")
        st.stop()

    st.subheader("Rapport de validation")
    report = plan.report()
    if plan.errors:
        st.error(f"{len(plan.errors)} erreur(s) : rien ne sera importé. Corrigez le fichier et déposez-le à nouveau.")
    else:
        st.success("Aucune erreur : le fichier peut être importé.")
    if plan.warnings:
        st.warning(f"{len(plan.warnings)} avertissement(s) : ils n'empêchent pas l'import et seront gardés dans le manifeste.")
    if len(report):
        st.dataframe(report, hide_index=True, key="import_report")

    sources = pd.DataFrame([{"Fichier": s["name"], "Format": FORMATS.get(s.get("format"), "non reconnu"),
                             "Lignes": s.get("rows"), "Encodage": s.get("encoding") or "", "Feuille": s.get("sheet") or "",
                             "sha256": s["sha256"][:12] + "…"} for s in plan.sources])
    st.dataframe(french_styler(sources, {"Lignes": "int"}), hide_index=True, key="import_sources")

    st.subheader("Aperçu")
    if len(plan.facts):
        labels = {i.id: i.label for i in ctx.catalog.indicators}
        head = plan.facts.head(500)  # a file of millions of facts: only what is shown is formatted
        preview = pd.DataFrame({
            "Fichier": head["file"], "Ligne": head["line"], "Indicateur": head["indicator_id"].map(labels),
            "Entité": head["entity_id"], "Valeur": head["value"], "Dénominateur": head["denominator"],
        })
        st.caption(f"{format_number(len(plan.facts))} fait(s) lu(s)" + (" ; les 500 premiers :" if len(plan.facts) > 500 else " :"))
        st.dataframe(french_styler(preview, {"Valeur": "num", "Dénominateur": "num", "Ligne": "int"}), hide_index=True,
                     key="import_preview")
    if len(plan.site_changes):
        st.caption("Changements du référentiel des établissements :")
        st.dataframe(plan.site_changes, hide_index=True, key="import_sites")
    st.info(plan.summary()[:1].upper() + plan.summary()[1:] + ".")

    if st.button("Confirmer l'import", type="primary", key="import_confirm", disabled=not (plan.ok and plan.has_changes)):
        try:
            result = commit(plan)
        except (ValidationError, ObservatoireError, FileExistsError) as exc:
            st.error(f"Import refusé : {safe_text(exc, 2000)}")
        except OSError as exc:
            st.error(os_error_message(exc, "l'import"))
        except Exception as exc:  # noqa: BLE001 - never a traceback on the page
            st.error(f"Import interrompu ({type(exc).__name__}) : les écritures sont atomiques, les données déjà "
                     "enregistrées sont intactes. Réessayez ; si l'erreur revient, signalez-la.")
        else:
            record("import", {"instantane": str(plan.snapshot), "fichiers": ", ".join(names),
                              "resultat": result.status})
            st.success(("Import terminé : " if result.status == "imported" else "Rien à faire : ") + result.message
                       + (f". L'instantané du {format_date_fr(plan.snapshot)} est visible sur toutes les pages."
                          if result.snapshot_path else "."))

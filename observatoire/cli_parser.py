"""The command line's arguments: every command, its options and their French help."""

from __future__ import annotations

import argparse
import sys

from observatoire import __version__
from observatoire.cli_values import add_filter_arguments, add_values_parser
from observatoire.settings import SETTINGS

# Exit codes of every command: 0 success, 1 invalid input (nothing written), 2 usage error.
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


# argparse writes its own words through gettext (`argparse._`, looked up at each call): this is their French
# catalogue, the messages a user of the command line can meet. A message missing here stays in English.
ARGPARSE_FR = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": "Affiche cette aide et quitte.",
    "show program's version number and exit": "Affiche la version et quitte.",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (choisir parmi %(choices)s)",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments inconnus : %s",
    "expected one argument": "une valeur attendue",
    "expected at least one argument": "au moins une valeur attendue",
    "expected at most one argument": "au plus une valeur attendue",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
    "ignored explicit argument %r": "valeur ignorée : %r",
    "unexpected option string: %s": "option inattendue : %s",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur d'utilisation : %(message)s\n",
}
argparse._ = lambda message: ARGPARSE_FR.get(message, message)


class FrenchParser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit with 2, in French
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog} : erreur d'utilisation : {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchParser(prog="observatoire", description="Observatoire des usages du numérique éducatif.")
    parser.add_argument("--version", action="version", version=f"observatoire {__version__}")
    parser.add_argument("--data-dir", help=next(s.help for s in SETTINGS if s.name == "data_dir")
                        + " Par défaut : $OBSERVATOIRE_DATA_DIR ou data/.")
    parser.add_argument("--territory", metavar="TERRITOIRE",
                        help="Dossier de data/territories/ (par exemple hauts-de-france). Par défaut : "
                             "$OBSERVATOIRE_TERRITORY, sinon celui du manifest.json du dossier de données, sinon "
                             + next(s.default for s in SETTINGS if s.name == "territory")
                             + ". `demo` l'écrit dans le manifest.json.")
    parser.add_argument("--as", dest="identity", metavar="IDENTITE",
                        help="Agit comme cette personne du fichier des accès (son périmètre, son rôle) ; sans cette "
                             "option, accès complet (administration locale du dossier de données).")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", required=True, parser_class=FrenchParser)
    demo = sub.add_parser("demo", help="Génère les données de démonstration (déterministes).")
    demo.add_argument("--seed", type=int, default=None, help="Graine aléatoire (défaut : fixe).")
    demo.add_argument("--scale", choices=["guyane", "academie", "national"], default="guyane")
    demo.add_argument("--force", action="store_true", help="Remplace une démonstration existante.")
    demo.add_argument("--if-missing", action="store_true", help="Ne fait rien si des instantanés existent déjà.")
    sub.add_parser("check", help="Vérifie feuille de route, territoire et instantanés.")
    snaps = sub.add_parser("snapshots", help="Liste les instantanés ; en supprime ou en restaure une version.")
    action = snaps.add_mutually_exclusive_group()
    action.add_argument("--delete", metavar="AAAA-MM-JJ", help="Archive l'instantané de cette date (restaurable).")
    action.add_argument("--restore", metavar="AAAA-MM-JJ",
                        help="Restaure la dernière version archivée de cette date (la version courante est archivée).")
    snaps.add_argument("--version", type=int, default=None, help="Avec --restore : numéro de la version à restaurer.")
    snaps.add_argument("--yes", action="store_true", help="Ne demande pas de confirmation (scripts).")
    imp = sub.add_parser("import", help="Importe des fichiers (CSV, XLSX) après validation ; rien n'est écrit s'ils sont invalides.")
    imp.add_argument("files", nargs="+", metavar="FICHIER")
    imp.add_argument("--snapshot", metavar="AAAA-MM-JJ", help="Date de l'instantané (obligatoire sauf pour l'annuaire seul).")
    imp.add_argument("--format", default="auto", choices=["auto", "long", "wide", "annuaire", "ent", "pix"],
                     help="Format des fichiers (défaut : détecté).")
    imp.add_argument("--sheet", default=None, help="Feuille d'un classeur XLSX (défaut : la première).")
    imp.add_argument("--dry-run", action="store_true", help="Valide et montre ce qui serait fait, sans rien écrire.")
    imp.add_argument("--new-version", action="store_true",
                     help="Si l'instantané existe : crée une nouvelle version (faits existants + importés), l'ancienne est archivée.")
    tpl = sub.add_parser("template", help="Écrit un modèle de fichier d'import (CSV ou XLSX selon l'extension).")
    tpl.add_argument("--format", required=True, choices=["long", "wide"])
    tpl.add_argument("--out", required=True, metavar="FICHIER", help="Fichier .csv ou .xlsx à écrire.")
    sql = sub.add_parser("sql", help="Exécute une requête SELECT en lecture seule sur les vues documentées.")
    sql.add_argument("query", help="Une seule instruction SELECT (ou WITH, DESCRIBE, SUMMARIZE).")
    sql.add_argument("--format", choices=["table", "csv"], default="table",
                     help="table (défaut) ou csv (séparateur ';', virgule décimale).")
    sql.add_argument("--limit", type=int, default=None,
                     help="Nombre maximal de lignes (défaut : réglage sql_max_rows).")
    copil = sub.add_parser("copil", help="Écrit le diaporama du comité de pilotage (PowerPoint, et PDF avec --pdf).")
    copil.add_argument("--snapshot", required=True, metavar="AAAA-MM-JJ", help="Date de l'instantané présenté.")
    copil.add_argument("--compare", metavar="AAAA-MM-JJ",
                       help="Instantané de comparaison (« Ce qui a changé ») ; défaut : un an plus tôt, sinon le premier.")
    copil.add_argument("--out", metavar="FICHIER.pptx", help="Fichier PowerPoint (défaut : copil-AAAA-MM-JJ.pptx).")
    copil.add_argument("--pdf", metavar="FICHIER.pdf", help="Écrit aussi la version PDF.")
    add_filter_arguments(copil, "tout le diaporama")
    add_values_parser(sub)
    digest = sub.add_parser("digest", help="Écrit une synthèse PDF par périmètre (et un index) ; les envoie avec --send.")
    digest.add_argument("--snapshot", required=True, metavar="AAAA-MM-JJ", help="Date de l'instantané (latest : le dernier).")
    digest.add_argument("--by", required=True, choices=["circonscription", "bassin", "departement", "academie"],
                        help="Un fichier par circonscription, bassin, département ou pour l'académie.")
    digest.add_argument("--out", required=True, metavar="DOSSIER", help="Dossier où écrire les fichiers et l'index.")
    digest.add_argument("--compare", metavar="AAAA-MM-JJ", help="Instantané de comparaison (défaut : comme copil).")
    digest.add_argument("--pptx", action="store_true", help="Écrit aussi un PowerPoint par périmètre.")
    digest.add_argument("--send", action="store_true", help="Envoie chaque synthèse par courriel (réglages OBSERVATOIRE_SMTP_*).")
    digest.add_argument("--recipients", metavar="FICHIER", help="Avec --send : CSV « perimetre,adresse » (* : tous).")
    note = sub.add_parser("annotate", help="Ajoute une annotation datée (décision du COPIL, panne, lancement…).")
    note.add_argument("--date", required=True, metavar="AAAA-MM-JJ", help="Date de l'événement ou de la décision.")
    note.add_argument("--texte", required=True, help="Ce qui a été décidé ou ce qui s'est passé.")
    note.add_argument("--indicateur", metavar="ID", help="Identifiant de l'indicateur (défaut : toute la feuille de route).")
    note.add_argument("--circonscription", metavar="CODE", help="Code de circonscription (défaut : tout le territoire).")
    note.add_argument("--auteur", default="", help="Auteur (défaut : l'utilisateur du système).")
    bench = sub.add_parser("bench", help="Mesure les temps de réponse (pages, requêtes, pandas, import) à une échelle donnée.")
    bench.add_argument("--scale", choices=["guyane", "academie", "national"], default="guyane")
    bench.add_argument("--json", metavar="FICHIER", help="Écrit toutes les mesures en JSON.")
    bench.add_argument("--repeat", type=int, default=10, help="Répétitions de chaque mesure à chaud (défaut : 10).")
    bench.add_argument("--data-dir", dest="bench_data_dir", metavar="DIR",
                       help="Dossier du jeu de mesure (défaut : bench/<échelle>/ dans le dépôt).")
    bench.add_argument("--seed", type=int, default=None, help="Graine du jeu de démonstration (défaut : fixe).")
    load = sub.add_parser("load", help="Simule N inspecteurs sur un serveur local (protocole websocket de Streamlit).")
    load.add_argument("--url", required=True, help="Adresse du serveur, locale seulement (http://127.0.0.1:8501).")
    load.add_argument("--sessions", type=int, default=10, help="Sessions simultanées (1 à 200 ; défaut : 10).")
    load.add_argument("--duration", type=float, default=60, help="Durée en secondes (1 à 1800 ; défaut : 60).")
    load.add_argument("--json", metavar="FICHIER", help="Écrit les mesures brutes et le résumé en JSON.")
    return parser

"""The page side of access: sign-in (st.login / st.user), the person's grant, refusals, audit of their actions.

Sign-in is on when `.streamlit/secrets.toml` has an [auth] section; without it the app is the open demo,
labelled as such. The perimeter is enforced by the store (observatoire/access/perimeter.py); this module
only says who is asking, hides what they may not open and refuses a link outside their perimeter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from components import icons

from observatoire.access import audit
from observatoire.access.perimeter import Perimeter
from observatoire.access.roles import OPEN, AccessList, Grant, load_access
from observatoire.errors import ValidationError
from observatoire.settings import access_file, audit_file, data_dir

GRANT_KEY = "_grant"
SIGNED_KEY = "_signed_in_as"
# Sign-ins already written to the audit log by this process: (identity, token issue time).
_SIGN_INS: set[tuple] = set()
OPEN_LABEL = ("**Accès ouvert : démonstration sans authentification** — toute personne qui atteint ce serveur "
              "voit tout. La connexion s'active par configuration (voir le README, « Connexion et périmètres »).")
# Pages for the DRANE and administrators only (the console, the importer, the decision log where notes are written),
# and for administrators only (url paths).
DATA_PAGES = {"sql", "importer", "annotations"}
ADMIN_PAGES = {"journal"}
# Sees nothing: what a session gets before its grant is known.
NOTHING = Perimeter.of(uais=[], aggregates_only=True)


def sign_in_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets.toml at all
        return False


@st.cache_resource(show_spinner=False, max_entries=4)
def _access_list(path: str, mtime: float) -> AccessList:
    return load_access(Path(path))


def _provider() -> str | None:
    """The one named provider of [auth] ([auth.<name>]), or None for the default one."""
    named = [k for k, v in st.secrets["auth"].items() if isinstance(v, Mapping)]
    return named[0] if len(named) == 1 else None


def record(action: str, what) -> None:
    """Append to the audit log, as the person of this session."""
    audit.record(audit_file(data_dir()), current_grant().identity, action, what)


def current_grant() -> Grant:
    return st.session_state.get(GRANT_KEY, OPEN if not sign_in_configured() else Grant("?", "aucun", NOTHING))


def current_perimeter() -> Perimeter:
    return current_grant().perimeter


def gate() -> Grant:
    """Who is asking: the open demo, or a signed-in person with an entry in the access file. Anyone else
    gets a French message and nothing else (the script stops)."""
    if not sign_in_configured():
        st.session_state[GRANT_KEY] = OPEN
        return OPEN
    st.session_state.pop(GRANT_KEY, None)
    if not st.user.is_logged_in:
        st.title("Observatoire du numérique éducatif")
        st.info("Connectez-vous avec votre compte académique pour consulter l'observatoire.")
        st.button("Se connecter", key="connexion", type="primary", on_click=st.login, args=(_provider(),)
                  if _provider() else ())
        st.stop()
    email, sub = st.user.get("email"), st.user.get("sub")
    path = access_file(data_dir())
    try:
        grant = _access_list(str(path), path.stat().st_mtime if path.exists() else 0.0).lookup(email, sub)
    except ValidationError as error:
        st.error(f"Le fichier des accès est invalide : {error}. L'administrateur de l'observatoire doit le corriger.")
        st.stop()
    who = email or sub or "?"
    if grant is None:
        if st.session_state.get(SIGNED_KEY) != f"refus:{who}":
            audit.record(audit_file(data_dir()), who, "refus", "aucune entrée dans le fichier des accès")
            st.session_state[SIGNED_KEY] = f"refus:{who}"
        st.error(f"Accès refusé : vous êtes connecté(e) comme {who}, mais aucun accès à l'observatoire ne vous a été "
                 "attribué. Demandez-le à l'administrateur de l'observatoire (DRANE), puis reconnectez-vous.")
        st.button("Se déconnecter", key="deconnexion-refus", on_click=st.logout)
        st.stop()
    st.session_state[GRANT_KEY] = grant
    if st.session_state.get(SIGNED_KEY) != grant.identity:
        # One line a sign-in, not one a browser tab or page load: a sign-in is told apart by its token's issue
        # time (every new tab or reload opens a new Streamlit session with the same signed-in cookie).
        signed = (grant.identity, st.user.get("iat") or st.user.get("auth_time"))
        if signed[1] is None or signed not in _SIGN_INS:
            audit.record(audit_file(data_dir()), grant.identity, "connexion", {"role": grant.role,
                                                                                "perimetre": grant.perimeter.key()})
            _SIGN_INS.add(signed)
        st.session_state[SIGNED_KEY] = grant.identity
    return grant


def visible(url_path: str, grant: Grant) -> bool:
    """Whether the page is in this person's menu (and may be opened)."""
    if url_path in DATA_PAGES:
        return grant.may_manage_data
    if url_path in ADMIN_PAGES:
        return grant.may_read_audit
    return True


def refuse_page(url_path: str, grant: Grant) -> None:
    """Stop with a French refusal when the page is not for this person (a typed or bookmarked URL)."""
    if not visible(url_path, grant):
        st.error("Accès refusé : cette page est réservée "
                 + ("aux administrateurs" if url_path in ADMIN_PAGES else "à la DRANE et aux administrateurs")
                 + ". Revenez à la Synthèse par le menu.")
        st.stop()


def _names(raw: str, options: dict[str, str]) -> str | None:
    """The code a link names among options (code -> label), by code or label in any case."""
    wanted = raw.strip().casefold()
    for code, label in options.items():
        if wanted in (str(code).casefold(), str(label).casefold()) or f"({str(code).casefold()})" in wanted:
            return code
    return None


def refuse_foreign_link(store, grant: Grant) -> None:
    """Stop with a French refusal when the URL names a place or a school outside the person's perimeter.

    `store` is the unrestricted store: what the link names is looked up everywhere, then in the perimeter."""
    perimeter = grant.perimeter
    if perimeter.is_everything:
        return
    params = st.query_params
    raw_uai = params.get("uai")
    if raw_uai:
        found = re.search(r"\b\d{7}[A-Za-z]\b", raw_uai)
        uai = (found.group(0) if found else raw_uai).upper()
        known = not store.run("site_directory", uai=uai).empty
        if known and (perimeter.aggregates_only or store.run("site_directory", uai=uai, perimeter=perimeter).empty):
            _refuse(f"l'établissement {uai}")
    if not perimeter.is_territorial:
        return
    everywhere, mine = store.run("filter_options"), store.run("filter_options", perimeter=perimeter)
    for key, kind in (("circonscription", "circonscription"), ("commune", "commune"), ("code", "commune"),
                      ("bassin", "bassin"), ("zone", "zone")):
        raw = params.get(key)
        if not raw:
            continue
        options = everywhere[everywhere["filter"] == kind]
        code = _names(raw, dict(zip(options["code"], options["label"])))
        if code is not None and code not in set(mine.loc[mine["filter"] == kind, "code"]):
            _refuse(f"{'la' if kind != 'bassin' else 'le'} {kind} « {raw} »")


def _refuse(what: str) -> None:
    record("refus", f"lien hors périmètre : {what}")
    st.error(f"Accès refusé : {what} est hors de votre périmètre. Ouvrez la Synthèse sans ce paramètre pour voir "
             "ce qui vous est attribué, ou demandez un accès plus large à l'administrateur de l'observatoire.")
    st.stop()


def sidebar_identity(grant: Grant) -> None:
    """Who is signed in, and the sign-out button; the open-access label in the open demo."""
    if grant is OPEN:
        with st.container(key="open-label"):   # the presentation shrinks it by this key, like the demo label
            st.info(OPEN_LABEL, icon=icons.OPEN_ACCESS)
        return
    with st.sidebar:
        st.caption(f"Connecté(e) : {grant.identity} — {grant.label}")
        st.button("Se déconnecter", key="deconnexion", on_click=st.logout)


def audited_export(make, filename: str):
    """Deferred download data that records the export when the file is asked for. Who and where are taken
    now: the callable runs outside the script run, when the button is clicked."""
    path, who = audit_file(data_dir()), current_grant().identity

    def build():
        audit.record(path, who, "export", filename)
        return make() if callable(make) else make

    return build

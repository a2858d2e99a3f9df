"""The test identity provider (tools/idp: panva's oidc-provider) started on 127.0.0.1, and the app signed to it."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.support.browser import ROOT, free_port, start_server, stop_server

IDP = ROOT / "tools" / "idp"
SECRET = "observatoire-secret-de-test"


def start_idp(redirect_uri: str, timeout: float = 30.0):
    """Start the provider for one redirect URI; return (process, issuer) once its discovery document answers."""
    node = shutil.which("node")
    if not node or not (IDP / "node_modules" / "oidc-provider").exists():
        raise RuntimeError("fournisseur d'identité de test absent : lancez `make test` (qui fait `npm ci` dans tools/idp)")
    port = free_port()
    proc = subprocess.Popen([node, "server.mjs"], cwd=IDP, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={"PATH": "/usr/bin:/bin", "IDP_PORT": str(port), "IDP_REDIRECT_URIS": redirect_uri,
                                 "IDP_CLIENT_SECRET": SECRET})
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"le fournisseur d'identité s'est arrêté :\n{proc.stdout.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=2):
                return proc, issuer
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("le fournisseur d'identité n'a pas répondu à temps")


def start_signed_app(data_dir: Path, folder: Path):
    """The provider and the app configured to it: (idp process, app process, app base URL, audit file)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    idp, issuer = start_idp(f"{base}/oauth2callback")
    secrets = folder / "secrets.toml"
    secrets.write_text(
        f'[auth]\nredirect_uri = "{base}/oauth2callback"\ncookie_secret = "{"c" * 48}"\n\n'
        f'[auth.academie]\nclient_id = "observatoire"\nclient_secret = "{SECRET}"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
        'client_kwargs = { scope = "openid email profile", prompt = "login" }\n', encoding="utf-8")
    audit = folder / "audit.jsonl"
    try:
        proc, base = start_server(data_dir, port=port, args=("--secrets.files", str(secrets)),
                                  env={"OBSERVATOIRE_ACCESS_FILE": str(ROOT / "data" / "access.example.toml"),
                                       "OBSERVATOIRE_AUDIT_FILE": str(audit)})
    except Exception:
        stop_server(idp)
        raise
    return idp, proc, base, audit

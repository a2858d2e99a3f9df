"""`observatoire digest`: one PDF per perimeter naming only its own, an index, French errors before anything is
written, and the mail sent to a real SMTP server (aiosmtpd) started here on 127.0.0.1 — never a real one."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import socket

import pytest
from pypdf import PdfReader

from observatoire.cli import main
from tests.support.copil_data import AFTER, make_copil_dir

SNAPSHOT = AFTER.isoformat()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return make_copil_dir(tmp_path_factory.mktemp("digest"), demo=True)


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def index_rows(folder) -> list[dict]:
    return list(csv.DictReader(io.StringIO((folder / "index.csv").read_text(encoding="utf-8-sig")), delimiter=";"))


def test_one_pdf_per_circonscription_each_naming_only_its_own(data, tmp_path, capsys):
    out = tmp_path / "digests"
    assert main(["--data-dir", str(data), "digest", "--snapshot", SNAPSHOT, "--by", "circonscription",
                 "--out", str(out)]) == 0
    rows = index_rows(out)
    assert len(rows) == 14 and {r["code"] for r in rows} >= {"C01", "C13"}
    assert sorted(p.name for p in out.glob("*.pdf")) == sorted(r["pdf"] for r in rows)
    names = {r["circonscription"] for r in rows}
    for row in rows:
        text = pdf_text(out / row["pdf"]).replace("\n", " ")
        scopes = {n for n in names if f"circonscription : {n}" in text.replace("\u00a0", " ")}
        assert scopes == {row["circonscription"]}, (row, scopes)
        assert "Ce qui a changé" in text and "Points d'attention" in text
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{r["pdf"]}"' in index for r in rows) and "<script" not in index
    assert "14 synthèse(s) par circonscription" in capsys.readouterr().out


@pytest.fixture
def smtp_server(monkeypatch):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port; yields the list of messages it receives."""
    controller_mod = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is a test dependency")
    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append((envelope.mail_from, list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default)))
            return "250 Message accepted for delivery"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = controller_mod.Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("OBSERVATOIRE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("OBSERVATOIRE_SMTP_PORT", str(port))
    monkeypatch.setenv("OBSERVATOIRE_SMTP_SENDER", "observatoire@ac-guyane.fr")
    try:
        yield received
    finally:
        controller.stop()


def test_digests_are_mailed_to_each_perimeter_s_recipients(data, tmp_path, smtp_server, capsys):
    recipients = tmp_path / "destinataires.csv"
    recipients.write_text("perimetre;adresse\nB1;ien.littoral@ac-guyane.fr\nfleuve maroni;ien.maroni@ac-guyane.fr\n"
                          "*;drane@ac-guyane.fr\n", encoding="utf-8")
    out = tmp_path / "digests"
    assert main(["--data-dir", str(data), "digest", "--snapshot", SNAPSHOT, "--by", "bassin", "--out", str(out),
                 "--send", "--recipients", str(recipients)]) == 0
    assert len(smtp_server) == 5                                    # one message per bassin
    by_subject = {msg["Subject"]: (sender, to, msg) for sender, to, msg in smtp_server}
    littoral = next(v for k, v in by_subject.items() if "Centre-Littoral" in k)
    assert littoral[0] == "observatoire@ac-guyane.fr"
    assert sorted(littoral[1]) == ["drane@ac-guyane.fr", "ien.littoral@ac-guyane.fr"]
    maroni = next(v for k, v in by_subject.items() if "Fleuve Maroni" in k)
    assert sorted(maroni[1]) == ["drane@ac-guyane.fr", "ien.maroni@ac-guyane.fr"]
    attachments = [part for part in littoral[2].iter_attachments()]
    assert [a.get_filename() for a in attachments] == [r["pdf"] for r in index_rows(out) if r["code"] == "B1"]
    assert attachments[0].get_payload(decode=True) == (out / attachments[0].get_filename()).read_bytes()
    assert "5 courriel(s) envoyé(s)" in capsys.readouterr().out


def test_a_bad_recipients_file_is_refused_before_anything_is_written(data, tmp_path, smtp_server, capsys):
    recipients = tmp_path / "destinataires.csv"
    recipients.write_text("perimetre,adresse\nB9,ien@ac-guyane.fr\nB1,pas-une-adresse\n", encoding="utf-8")
    out = tmp_path / "digests"
    assert main(["--data-dir", str(data), "digest", "--snapshot", SNAPSHOT, "--by", "bassin", "--out", str(out),
                 "--send", "--recipients", str(recipients)]) == 1
    err = capsys.readouterr().err
    assert "ligne 2, colonne « perimetre » : « B9 »" in err and "ligne 3, colonne « adresse »" in err
    assert not out.exists() and smtp_server == []


def test_latest_is_the_last_snapshot(data, tmp_path, capsys):
    out = tmp_path / "digests"
    assert main(["--data-dir", str(data), "digest", "--snapshot", "latest", "--by", "academie", "--out", str(out)]) == 0
    assert [r["code"] for r in index_rows(out)] == ["33"]
    assert "instantané du 31 janvier 2025" in capsys.readouterr().out


def test_sending_without_smtp_settings_says_what_to_set(data, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("OBSERVATOIRE_SMTP_HOST", raising=False)
    recipients = tmp_path / "destinataires.csv"
    recipients.write_text("perimetre,adresse\n*,drane@ac-guyane.fr\n", encoding="utf-8")
    out = tmp_path / "digests"
    assert main(["--data-dir", str(data), "digest", "--snapshot", SNAPSHOT, "--by", "academie", "--out", str(out),
                 "--send", "--recipients", str(recipients)]) == 1
    assert "définissez OBSERVATOIRE_SMTP_HOST" in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize("args, code", [
    (["--snapshot", "2025-13-01", "--by", "bassin"], 2),
    (["--snapshot", SNAPSHOT, "--by", "region"], 2),
    (["--snapshot", SNAPSHOT, "--by", "bassin", "--send"], 2),
    (["--snapshot", "2020-01-31", "--by", "bassin"], 1),
])
def test_digest_exit_codes(data, tmp_path, args, code):
    try:
        assert main(["--data-dir", str(data), "digest", "--out", str(tmp_path / "d"), *args]) == code
    except SystemExit as exit_:
        assert exit_.code == code
    assert not (tmp_path / "d").exists()

"""Errors raised by the domain package; their messages are French, for the interface."""

import re

MAX_FOUND_CHARS = 400  # a message quotes cells; a 5 MB cell is not echoed whole
# Control characters, and the invisible ones that reorder or hide text (bidirectional overrides, zero width).
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def safe_text(text, limit: int = MAX_FOUND_CHARS) -> str:
    """`text` fit to be echoed: control and invisible characters written as \\xNN or \\uNNNN, cut at `limit`."""
    text = str(text)
    if len(text) > 4 * limit:
        text = text[:4 * limit]
    text = UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


class ObservatoireError(Exception):
    """Base error; `str(error)` is a French message a user can act on."""


class ValidationError(ObservatoireError):
    """A data file is inconsistent; `problems` lists one French message per problem."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source} : " + " ; ".join(problems))


class QueryError(ObservatoireError):
    """A named query is unknown or was called with the wrong parameters."""


class StoreLocked(ObservatoireError):
    """Another writer holds the data directory's lock for longer than a writer waits."""


def os_error_message(exc: OSError, action: str = "l'opération") -> str:
    """A French sentence for a file-system failure, saying what to do; nothing was changed (writes are atomic)."""
    import errno

    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    where = safe_text(where, 200)
    reasons = {
        errno.ENOSPC: f"disque plein{where} : libérez de la place sur le disque du dossier de données, puis relancez",
        errno.EDQUOT: f"quota disque atteint{where} : libérez de la place, puis relancez",
        errno.EROFS: f"le dossier de données est en lecture seule{where} : choisissez un dossier modifiable "
                     "(--data-dir ou OBSERVATOIRE_DATA_DIR), ou demandez les droits d'écriture",
        errno.EACCES: f"permission refusée{where} : demandez les droits d'écriture sur le dossier de données, ou "
                      "choisissez-en un autre (--data-dir)",
        errno.EPERM: f"opération non permise{where} : vérifiez les droits sur le dossier de données",
        errno.ENOENT: f"fichier ou dossier introuvable{where} : vérifiez le chemin",
        errno.EIO: f"erreur d'entrée-sortie du disque{where} : vérifiez le support, puis relancez",
    }
    reason = reasons.get(exc.errno, f"erreur du système de fichiers{where} ({exc.strerror or type(exc).__name__}) : "
                                    "vérifiez le dossier de données, puis relancez")
    return f"{action[:1].upper()}{action[1:]} a échoué : {reason}. Rien n'a été modifié : les données déjà enregistrées sont intactes."

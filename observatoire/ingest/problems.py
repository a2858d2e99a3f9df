"""Problems found while reading an import: where (file, line, column), what was found, what to do."""

from __future__ import annotations

from dataclasses import dataclass

from observatoire.errors import safe_text

ERROR, WARNING = "erreur", "avertissement"
__all__ = ["Collector", "Problem", "column_letter", "safe_text"]


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how a spreadsheet names a column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    severity: str
    file: str
    line: int | None
    column: str | None  # "C « valeur »": the spreadsheet letter and the header as written
    found: str
    action: str

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def where(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"ligne {self.line}")
        if self.column:
            parts.append(f"colonne {self.column}")
        return ", ".join(parts)

    def message(self) -> str:
        end = "" if self.found.endswith((".", "…", "?", "!")) else "."
        return f"{self.where} : {self.found}{end} {self.action}".rstrip()


class Collector:
    """Problems of one import, with a cap so a broken file does not produce a million lines."""

    LIMIT_PER_KIND = 50
    STOP_AFTER = 2_000  # errors in one file after which the per-row rules stop reading it

    def __init__(self):
        self.items: list[Problem] = []
        self._counts: dict[tuple, int] = {}
        self.errors_by_file: dict[str, int] = {}

    def should_stop(self, file: str, line: int) -> bool:
        """True (once, with a message) when `file` already has STOP_AFTER errors: reading on would only add
        errors no one reads; the file is refused anyway."""
        if self.errors_by_file.get(file, 0) < self.STOP_AFTER:
            return False
        self.items.append(Problem(ERROR, file, int(line), None,
                                  f"lecture arrêtée à cette ligne après {self.STOP_AFTER:,} erreurs".replace(",", "\u202f"),
                                  "Corrigez les erreurs listées (souvent une seule cause : mauvaise colonne, mauvais "
                                  "fichier de référence, séparateur décimal), puis relancez l'import"))
        self.errors_by_file[file] = -10**9  # said once
        return True

    def add(self, severity: str, file: str, line: int | None, column: str | None, found: str, action: str,
            kind: str | None = None) -> None:
        line = None if line is None else int(line)
        file, found, action = safe_text(file, 200), safe_text(found), safe_text(action)
        column = None if column is None else safe_text(column, 120)
        if severity == ERROR:
            self.errors_by_file[file] = self.errors_by_file.get(file, 0) + 1
        key = (severity, file, kind or action)
        self._counts[key] = self._counts.get(key, 0) + 1
        if self._counts[key] <= self.LIMIT_PER_KIND:
            self.items.append(Problem(severity, file, line, column, found, action))
        elif self._counts[key] == self.LIMIT_PER_KIND + 1:
            self.items.append(Problem(severity, file, None, None, "d'autres problèmes du même genre suivent",
                                      "Corrigez d'abord ceux listés, puis relancez : seuls les "
                                      f"{self.LIMIT_PER_KIND} premiers sont montrés"))

    def error(self, file, line, column, found, action, kind=None):
        self.add(ERROR, file, line, column, found, action, kind)

    def warning(self, file, line, column, found, action, kind=None):
        self.add(WARNING, file, line, column, found, action, kind)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.is_error]

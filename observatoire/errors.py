"""Errors raised by the domain package; their messages are French, for the interface."""


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


class AccessDenied(ObservatoireError):
    """The person's role or perimeter does not allow this; the message says what they may do instead."""

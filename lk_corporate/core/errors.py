"""The base of every domain refusal that a form can show beside one of its fields.

Operations raise a ``DomainError`` subclass *before* writing anything; the controller maps it
onto the form (``core.formkit.apply_error``). ``message`` is an English msgid marked with
``N_`` so that ``pybabel extract`` finds it; the web layer translates it with ``params``.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a msgid for extraction without translating it (operations know no locale)."""
    return message


class Term(str):
    """A msgid given as a message parameter (a tariff zone's name, a service's): it is
    translated together with the message (``core.i18n.message_text``)."""


class DomainError(Exception):
    """A refusal the user can act on; ``field`` names the form field it belongs beside
    (None: the form as a whole). ``code`` is the stable name API callers see."""

    code = "refused"

    def __init__(self, message: str, field: str | None = None, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.field = field
        self.params = params


class NotFound(DomainError):
    """The object does not exist within the caller's scope (the web layer answers 404)."""

    code = "not_found"


class InvalidTransition(DomainError):
    """A state change that the object's state machine does not allow from its current state."""

    code = "invalid_transition"

"""Errors of the account operations, each naming the form field it belongs beside."""

from __future__ import annotations


class AccountError(Exception):
    """A refusal the user can act on. ``field`` is the form field to show it beside
    (None: the form as a whole); ``message`` is an English msgid, translated by the UI."""

    def __init__(self, message: str, field: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params


class InvalidActivationCode(AccountError):
    pass


class RequisitesMismatch(AccountError):
    pass


class DuplicateAccount(AccountError):
    pass


class WeakPassword(AccountError):
    pass


class InvalidToken(AccountError):
    pass


class LoginRefused(AccountError):
    pass


class LoginThrottled(LoginRefused):
    pass

"""Errors of the account operations, each naming the form field it belongs beside."""

from __future__ import annotations

from lk_corporate.core.errors import DomainError


class AccountError(DomainError):
    """A refusal of an account operation; ``message`` is an English msgid (marked with
    ``N_``), translated by the web layer."""


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

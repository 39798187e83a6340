"""Errors of the account operations, each naming the form field it belongs beside."""

from __future__ import annotations

from lk_corporate.core.errors import DomainError


class AccountError(DomainError):
    """A refusal of an account operation; ``message`` is an English msgid (marked with
    ``N_``), translated by the web layer."""

    code = "account_refused"


class InvalidActivationCode(AccountError):
    code = "invalid_activation_code"


class RequisitesMismatch(AccountError):
    code = "requisites_mismatch"


class DuplicateAccount(AccountError):
    code = "duplicate_account"


class WeakPassword(AccountError):
    code = "weak_password"


class InvalidToken(AccountError):
    code = "invalid_token"


class LoginRefused(AccountError):
    code = "login_refused"


class LoginThrottled(LoginRefused):
    code = "login_throttled"

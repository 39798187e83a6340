"""What the account operations need from outside: their settings and the links they mail.

Operations take these as arguments instead of reading ``current_app`` or building URLs, so
a Celery task or an ``lk`` command calls them exactly as a view does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AccountSettings:
    activation_code_days: int = 30
    """How long an activation code stays valid."""
    confirm_token_hours: int = 48
    """How long an e-mail confirmation link or code stays valid."""
    reset_token_minutes: int = 60
    """How long a password-reset link stays valid."""
    session_hours: int = 12
    """The lifetime of a login without "remember me"."""
    remember_days: int = 30
    """The lifetime of a "remember me" login."""
    login_attempts_per_address: int = 5
    """Failed logins of one account from one address before that address is throttled."""
    login_attempts_per_account: int = 20
    """Failed logins of one account from anywhere before addresses it never logged in from
    are throttled (guessing spread over many addresses)."""
    login_lock_minutes: int = 15
    """How long a throttle lasts."""
    languages: tuple[str, ...] = ("ru", "en")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AccountSettings:
        return cls(
            activation_code_days=int(config["LK_ACTIVATION_CODE_DAYS"]),
            confirm_token_hours=int(config["LK_CONFIRM_TOKEN_HOURS"]),
            reset_token_minutes=int(config["LK_RESET_TOKEN_MINUTES"]),
            session_hours=max(1, int(config["PERMANENT_SESSION_LIFETIME"]) // 3600),
            remember_days=max(1, int(config["REMEMBER_COOKIE_DURATION"]) // 86400),
            login_attempts_per_address=int(config["LK_LOGIN_ATTEMPTS_PER_ACCOUNT"]),
            login_attempts_per_account=int(config["LK_LOGIN_ATTEMPTS_ACCOUNT_TOTAL"]),
            login_lock_minutes=int(config["LK_LOGIN_LOCK_MINUTES"]),
            languages=tuple(config["LK_LANGUAGES"]),
        )

    def login_lifetime(self, remember: bool) -> dt.timedelta:
        return (dt.timedelta(days=self.remember_days) if remember
                else dt.timedelta(hours=self.session_hours))


@dataclass(frozen=True)
class AccountLinks:
    """Absolute links the account e-mails carry, built by the web layer."""

    confirm: Callable[[str], str]
    """token → the confirmation link."""
    confirm_code: Callable[[int], str]
    """user id → the page where the confirmation code is typed."""
    reset_password: Callable[[str], str]
    """token → the password-reset link."""
    confirm_email_change: Callable[[str], str]
    """token → the link confirming a new e-mail address."""

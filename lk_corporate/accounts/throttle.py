"""Login throttling per account, in the rate-limit store (memory or Redis).

Per-IP limits are Flask-Limiter decorators on the login view; the per-account limit counts
only failures and is kept outside the database, so a refused login changes no row.
"""

from __future__ import annotations

from flask import current_app
from limits import RateLimitItemPerMinute

from lk_corporate.extensions import limiter


def _item() -> RateLimitItemPerMinute:
    cfg = current_app.config
    return RateLimitItemPerMinute(int(cfg["LK_LOGIN_ATTEMPTS_PER_ACCOUNT"]),
                                  int(cfg["LK_LOGIN_LOCK_MINUTES"]))


def _key(identifier: str) -> str:
    return (identifier or "").strip().lower()[:254]


def account_locked(identifier: str) -> bool:
    return not limiter.limiter.test(_item(), "login-account", _key(identifier))


def count_failure(identifier: str) -> None:
    limiter.limiter.hit(_item(), "login-account", _key(identifier))


def clear(identifier: str) -> None:
    limiter.limiter.clear(_item(), "login-account", _key(identifier))

"""Login throttling, kept in the rate-limit store (memory or Redis), never in the database.

Failures are counted per *account* — whichever identifier was typed, login or e-mail — and
the throttle applies per (account, address):

* an address that failed ``login_attempts_per_address`` times for an account is refused
  for that account until the lock ends — a stranger guessing locks out only themselves;
* when an account collects ``login_attempts_per_account`` failures from all addresses
  together (guessing spread over many machines), addresses it has never logged in from are
  refused too; the owner, from an address they used before, still gets in.

An identifier that names no account is counted the same way under its own key, so a
throttled unknown login looks exactly like a throttled real one.

A refused login writes no row: the counters live where Flask-Limiter keeps its own.
"""

from __future__ import annotations

from limits import RateLimitItemPerMinute
from limits.strategies import RateLimiter

from lk_corporate.accounts.settings import AccountSettings

_NAMESPACE = "login"


class LoginThrottle:
    def __init__(self, strategy: RateLimiter, settings: AccountSettings) -> None:
        self._strategy = strategy
        minutes = settings.login_lock_minutes
        self._per_address = RateLimitItemPerMinute(settings.login_attempts_per_address, minutes)
        self._per_account = RateLimitItemPerMinute(settings.login_attempts_per_account, minutes)

    @staticmethod
    def account_key(user_id: int | None, identifier: str) -> str:
        if user_id is not None:
            return f"u{user_id}"
        return "n:" + (identifier or "").strip().lower()[:254]

    def refused(self, account: str, ip: str, *, known_address: bool) -> bool:
        if not self._strategy.test(self._per_address, _NAMESPACE, account, ip):
            return True
        return not known_address and not self._strategy.test(self._per_account, _NAMESPACE,
                                                              account)

    def failed(self, account: str, ip: str) -> None:
        self._strategy.hit(self._per_address, _NAMESPACE, account, ip)
        self._strategy.hit(self._per_account, _NAMESPACE, account)

    def succeeded(self, account: str, ip: str) -> None:
        # The owner got in from here: this address starts afresh. The account-wide count
        # stays, so a guesser elsewhere does not get a new allowance from it.
        self._strategy.clear(self._per_address, _NAMESPACE, account, ip)

"""Password hashing (Argon2id) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from lk_corporate.accounts.errors import WeakPassword
from lk_corporate.core.errors import N_

_hasher = PasswordHasher()  # argon2-cffi's defaults follow RFC 9106's recommendations


def configure_hasher(*, time_cost: int, memory_kib: int) -> None:
    """Set the cost of new hashes (LK_ARGON2_TIME_COST, LK_ARGON2_MEMORY_KIB).

    Existing hashes keep verifying whatever their parameters: Argon2 stores them in the hash.
    """
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)

MIN_LENGTH = 10
MAX_LENGTH = 128
_COMMON = frozenset({
    "password12", "1234567890", "qwertyuiop", "qwerty1234", "password123", "1q2w3e4r5t",
    "0987654321", "1111111111", "passw0rd12", "administrator", "йцукенгшщз", "пароль1234",
    "abcdef1234", "letmein123", "welcome123",
})
_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    """Checked instead of a real hash, so "no such user" takes as long as "wrong password"."""
    key = f"{_hasher.time_cost}:{_hasher.memory_cost}"
    if key not in _DUMMY:
        _DUMMY[key] = _hasher.hash("not-a-real-password-used-for-timing")
    return _DUMMY[key]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def check_policy(password: str, *, login: str = "", email: str = "") -> None:
    """Refuse a weak password with a message saying what would make it acceptable."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(N_("The password must be at least %(n)s characters long."),
                           "password", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise WeakPassword(N_("The password must be at most %(n)s characters long."),
                           "password", n=MAX_LENGTH)
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        raise WeakPassword(N_("The password must contain both letters and digits."), "password")
    low = password.lower()
    if low in _COMMON or len(set(low)) < 4:
        raise WeakPassword(N_("This password is too easy to guess."), "password")
    for part in (login.lower(), email.lower().split("@")[0]):
        if part and len(part) >= 3 and part in low:
            raise WeakPassword(N_("The password must not contain your login or e-mail."), "password")

"""API tokens: make one (shown once), list a user's, revoke one, and find the live token a
request's ``Authorization: Bearer`` header names.

A token is ``lk_`` and 43 URL-safe characters (256 random bits); only its SHA-256 is kept.
A fast hash is enough here, unlike for passwords: nobody can guess 256 random bits, so a
stolen table of hashes gives nothing to try a dictionary on. Every function takes the
session and flushes; the caller's unit of work commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from lk_corporate.accounts.models import User
from lk_corporate.api.models import ApiToken
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import N_, DomainError, NotFound

PREFIX = "lk_"
MAX_DAYS = 365
"""The longest a token lives: a forgotten token in an old script stops working in a year."""
MAX_LIVE_TOKENS = 20
"""Live (unrevoked, unexpired) tokens one user may hold at once."""
NAME_LENGTH = 100
_TOKEN = re.compile(r"lk_[A-Za-z0-9_-]{43}")


class ApiTokenError(DomainError):
    code = "api_token_refused"


@dataclass(frozen=True)
class NewApiToken:
    """The stored token and its plain text, which exists only in this return value."""

    token: ApiToken
    plain: str


def digest(plain: str) -> str:
    return hashlib.sha256(plain.encode("ascii", "replace")).hexdigest()


def looks_like_token(plain: str) -> bool:
    """The shape of a token (cheap to check before any lookup)."""
    return _TOKEN.fullmatch(plain or "") is not None


def create_token(session: DbSession, user: User, *, name: str, days: int,
                 actor: Actor) -> NewApiToken:
    """A new token of ``user`` named ``name``, valid for ``days`` days."""
    clean = " ".join((name or "").split())
    if not clean:
        raise ApiTokenError(N_("Name the token, e.g. after the program that will use it."),
                            "name")
    if len(clean) > NAME_LENGTH:
        raise ApiTokenError(N_("At most %(n)s characters."), "name", n=NAME_LENGTH)
    if not 1 <= days <= MAX_DAYS:
        raise ApiTokenError(N_("A token is valid for 1 to %(n)s days."), "days", n=MAX_DAYS)
    if user.is_blocked or not user.is_confirmed:
        raise ApiTokenError(N_("The account is blocked or not confirmed: its tokens would not "
                               "work."))
    now = utcnow()
    live = session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now))
    if (live or 0) >= MAX_LIVE_TOKENS:
        raise ApiTokenError(N_("You already have %(n)s active tokens; revoke one you no longer "
                               "use first."), "name", n=MAX_LIVE_TOKENS)
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=clean, token_hash=digest(plain), hint=plain[-4:],
                     created_at=now, expires_at=now + dt.timedelta(days=days),
                     last_used_ip="")
    session.add(token)
    session.flush()
    record(session, "api_token.created", actor=actor, object_type="user", object_id=user.id,
           details={"token_id": token.id, "name": clean, "token_hint": token.hint,
                    "expires_at": token.expires_at.isoformat()})
    return NewApiToken(token, plain)


def user_tokens(session: DbSession, user_id: int) -> list[ApiToken]:
    """Every token of the user, newest first (revoked and expired ones too, for the record)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def get_user_token(session: DbSession, user_id: int, token_id: int) -> ApiToken:
    """One of the user's own tokens; another user's is not found."""
    token = session.scalars(select(ApiToken).where(ApiToken.id == token_id,
                                                   ApiToken.user_id == user_id)).first()
    if token is None:
        raise NotFound(N_("No such token."))
    return token


def revoke_token(session: DbSession, token: ApiToken, *, actor: Actor) -> bool:
    """Revoke the token (it stops working with the next request); False if it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    record(session, "api_token.revoked", actor=actor, object_type="user",
           object_id=token.user_id, details={"token_id": token.id, "name": token.name,
                                             "token_hint": token.hint})
    return True


def find_token(session: DbSession, plain: str) -> ApiToken | None:
    """The token with this plain text, in whatever state, or None."""
    if not looks_like_token(plain):
        return None
    return session.scalars(select(ApiToken).where(ApiToken.token_hash == digest(plain))).first()


# How stale ``last_used_at`` may get before a request writes it again: the list in the
# profile needs "when, roughly", and a write per request would serialise every reader.
LAST_USE_RESOLUTION = dt.timedelta(minutes=1)


def note_use(token: ApiToken, ip: str, now: dt.datetime) -> None:
    if (token.last_used_at is None or now - token.last_used_at >= LAST_USE_RESOLUTION
            or token.last_used_ip != ip[:64]):
        token.last_used_at = now
        token.last_used_ip = ip[:64]

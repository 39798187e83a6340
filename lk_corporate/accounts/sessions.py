"""Login sessions: one server-side record per login (``LoginSession``).

Flask-Login keeps ``<id>.<secret>`` in the signed session cookie and, with "remember me",
in the remember cookie; ``load`` finds the record and checks the secret against its hash on
every request. Ending a session revokes the record, so a cookie copied before logout opens
nothing afterwards, and every login has its own remember token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from lk_corporate.accounts.models import LoginSession, User
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession, rows_changed, utcnow
from lk_corporate.core.errors import N_, NotFound


@dataclass(frozen=True)
class StartedSession:
    """The new record and the cookie value, which exists only in this return value."""

    record: LoginSession
    cookie_id: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii", "replace")).hexdigest()


def start(session: DbSession, user: User, *, ip: str, user_agent: str, remember: bool,
          lifetime: dt.timedelta) -> StartedSession:
    """Record a login; ``lifetime`` is the session's (or the remember cookie's) lifetime."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    login = LoginSession(user_id=user.id, secret_hash=_digest(secret), created_at=now,
                         expires_at=now + lifetime, ip=ip[:64], user_agent=user_agent[:300],
                         remember=remember)
    session.add(login)
    session.flush()
    return StartedSession(login, f"{login.id}.{secret}")


def load(session: DbSession, cookie_id: str) -> LoginSession | None:
    """The live login this cookie value belongs to, or None (revoked, expired, forged)."""
    raw_id, _, secret = (cookie_id or "").partition(".")
    if not raw_id.isdigit() or len(raw_id) > 12 or not secret or len(secret) > 100:
        return None
    login = session.get(LoginSession, int(raw_id))
    if login is None or not hmac.compare_digest(login.secret_hash, _digest(secret)):
        return None
    return login if login.is_live(utcnow()) else None


def active(session: DbSession, user_id: int) -> list[LoginSession]:
    """The user's live logins, newest first (the profile lists them)."""
    return list(session.scalars(
        select(LoginSession).where(LoginSession.user_id == user_id,
                                   LoginSession.revoked_at.is_(None),
                                   LoginSession.expires_at > utcnow())
        .order_by(LoginSession.created_at.desc(), LoginSession.id.desc())))


def end(session: DbSession, user_id: int, login_id: int, *, actor: Actor) -> None:
    """End one of the user's own logins (logout, or "end this session")."""
    login = session.get(LoginSession, login_id)
    if login is None or login.user_id != user_id:
        raise NotFound(N_("No such session."))
    if login.revoked_at is None:
        login.revoked_at = utcnow()
        record(session, "session.ended", actor=actor, object_type="user", object_id=user_id,
               details={"session": login_id})


def end_all(session: DbSession, user_id: int, *, except_id: int | None = None,
            actor: Actor | None = None) -> int:
    """Revoke every live login of the user but ``except_id``; how many were ended."""
    query = update(LoginSession).where(LoginSession.user_id == user_id,
                                       LoginSession.revoked_at.is_(None))
    if except_id is not None:
        query = query.where(LoginSession.id != except_id)
    ended = rows_changed(session.execute(query.values(revoked_at=utcnow())))
    if ended and actor is not None:
        record(session, "session.ended_others" if except_id else "session.ended_all",
               actor=actor, object_type="user", object_id=user_id, details={"count": ended})
    return ended


def known_address(session: DbSession, user_id: int, ip: str, *,
                  within: dt.timedelta = dt.timedelta(days=180)) -> bool:
    """Has the user logged in from this address before (within ``within``)?"""
    return session.scalar(
        select(LoginSession.id).where(LoginSession.user_id == user_id, LoginSession.ip == ip,
                                      LoginSession.created_at > utcnow() - within).limit(1)
    ) is not None


_BROWSERS = (("Edg/", "Edge"), ("YaBrowser/", "Яндекс Браузер"), ("OPR/", "Opera"),
             ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Chromium/", "Chromium"),
             ("Version/", "Safari"))
_SYSTEMS = (("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"),
            ("iPad", "iOS"), ("Mac OS X", "macOS"), ("Linux", "Linux"))


def describe_user_agent(user_agent: str) -> str:
    """«Chrome 131, Windows» from a User-Agent header, for people to recognise a session."""
    browser = next((name + " " + user_agent.split(marker, 1)[1].split(".", 1)[0].split(" ")[0]
                    for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    text = ", ".join(part.strip() for part in (browser, system) if part.strip())
    return text or (user_agent[:60] if user_agent else "—")

"""Who is calling ``/api/v1``, and what they may see: bearer tokens, never cookies.

On ``/api/`` the only credential is ``Authorization: Bearer <token>``. The session and
remember-me cookies are not even read there (``ignore_cookies``), so a browser that happens
to be signed in gives a cross-site page nothing to borrow, and CSRF protection — which those
cookies need — is switched off for the API alone. Conversely a token opens no page: pages
read only the cookies, whose values are login-session secrets (``accounts.sessions``), and
no token is one.

A token acts with its user's rights *now*:

* a client user's token sees the clients the user has a membership for, each with the rights
  of that membership's roles; another client's ID is "not found" (404), exactly as on the
  pages, and a missing right on one's own client is 403;
* a staff user's token sees every client with the staff role's rights, read through
  ``STAFF_EQUIVALENT`` (a staff role holds supplier rights, not client ones), and is held to
  the role's IP allow-list on every request, as a staff session is.

The rate limit counts per token (``rate_limit_key``); requests without a valid token count
per address, so guessing tokens is throttled too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from flask_babel import gettext as _

from lk_corporate.accounts.models import User
from lk_corporate.api import operations as ops
from lk_corporate.api.http import ApiProblem
from lk_corporate.api.models import ApiToken
from lk_corporate.clients.models import Client
from lk_corporate.clients.operations import get_client
from lk_corporate.core import rights as R
from lk_corporate.core.audit import Actor
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import N_, NotFound
from lk_corporate.core.extensions import db, login_manager
from lk_corporate.core.net import client_ip

API_PREFIX = "/api/"

STAFF_EQUIVALENT: Mapping[str, str | None] = {
    R.READINGS_VIEW: R.CLIENTS_VIEW,
    R.DOCUMENTS_VIEW: R.CLIENTS_VIEW,
    R.MONEY_VIEW: R.CLIENTS_VIEW,
    R.READINGS_ENTER: R.READINGS_ENTER_PAPER,
    # A client's signature is the client's own: no staff right stands in for it.
    R.DOCUMENTS_SIGN: None,
}
"""The supplier right that lets a staff token do what a client right lets a client's."""


@dataclass(frozen=True)
class Caller:
    """The token of this request, its user and what they may do, per client."""

    token_id: int
    user: User
    ip: str
    staff_rights: frozenset[str] | None
    """The staff role's rights; None for a client user."""
    client_rights: Mapping[int, frozenset[str]]
    """A client user's clients and the rights held for each (empty for staff)."""

    @property
    def is_staff(self) -> bool:
        return self.staff_rights is not None

    @property
    def actor(self) -> Actor:
        return Actor(self.user.id, f"{self.user.login} (API)", self.ip)

    def may(self, client_id: int, right: str) -> bool:
        if self.staff_rights is not None:
            equivalent = STAFF_EQUIVALENT.get(right, right)
            return equivalent is not None and equivalent in self.staff_rights
        return right in self.client_rights.get(client_id, frozenset())

    def sees(self, client_id: int) -> bool:
        return self.staff_rights is not None or client_id in self.client_rights

    def client(self, session: DbSession, client_id: int, *rights: str) -> Client:
        """The client, if in scope (else ``NotFound``: 404) and every right is held (403)."""
        if not self.sees(client_id):
            raise NotFound(N_("No such client."))
        client = get_client(session, client_id)
        self.require(client_id, *rights)
        return client

    def require(self, client_id: int, *rights: str) -> None:
        missing = [r for r in rights if not self.may(client_id, r)]
        if missing:
            raise ApiProblem(403, "forbidden", _("The token's user lacks the right for this: "
                                                 "%(rights)s.", rights=", ".join(missing)))

    def clients_with(self, *rights: str) -> list[int] | None:
        """The IDs of the clients where every right is held; None: every client (staff
        holding the rights)."""
        if self.staff_rights is not None:
            return None if all(self.may(0, r) for r in rights) else []
        return sorted(c for c in self.client_rights if all(self.may(c, r) for r in rights))


# --- the token of this request -------------------------------------------------------------

_G_RESULT = "lk_api_token"


@dataclass(frozen=True)
class _Outcome:
    token_id: int | None
    refusal: tuple[str, str] | None  # (code, msgid)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def _check() -> _Outcome:
    """Find and check the request's token once (the rate limiter asks before the view)."""
    cached = g.get(_G_RESULT)
    if cached is not None:
        return cached
    plain = _bearer()
    outcome: _Outcome
    if plain is None:
        outcome = _Outcome(None, ("unauthorized", N_(
            "Send an API token: Authorization: Bearer <token> (made in the profile, "
            "«API tokens»).")))
    else:
        token = ops.find_token(db.session, plain)
        if token is None:
            outcome = _Outcome(None, ("invalid_token", N_("The API token is not valid.")))
        else:
            state = token.state(utcnow())
            user = token.user
            if state == "revoked":
                outcome = _Outcome(None, ("token_revoked", N_("The API token has been revoked.")))
            elif state == "expired":
                outcome = _Outcome(None, ("token_expired", N_("The API token has expired; "
                                                               "make a new one in the profile.")))
            elif user.is_blocked or not user.is_confirmed:
                outcome = _Outcome(None, ("account_blocked", N_(
                    "The account of this API token is blocked or not confirmed.")))
            else:
                outcome = _Outcome(token.id, None)
    setattr(g, _G_RESULT, outcome)
    return outcome


def rate_limit_key() -> str:
    """Flask-Limiter's key on ``/api/v1``: the token's ID, or the address without one."""
    outcome = _check()
    if outcome.token_id is not None:
        return f"api-token:{outcome.token_id}"
    return f"api-anonymous:{client_ip()}"


def rate_limit() -> str:
    return str(current_app.config["LK_API_RATE_LIMIT"])


def authenticate(session: DbSession) -> Caller:
    """The caller of this request, or ``ApiProblem`` 401 (no usable token) / 403 (a staff
    token from outside the role's networks)."""
    outcome = _check()
    if outcome.token_id is None:
        assert outcome.refusal is not None
        code, message = outcome.refusal
        raise ApiProblem(401, code, _(message),
                         headers={"WWW-Authenticate": f'Bearer realm="lk", error="{code}"'})
    token = session.get(ApiToken, outcome.token_id)
    assert token is not None
    user = token.user
    ip = client_ip()
    role = user.staff_role
    if role is not None and not role.allows_ip(ip):
        raise ApiProblem(403, "network_refused", _(
            "Requests for your role are not allowed from this network."))
    ops.note_use(token, ip, utcnow())
    if role is not None:
        return Caller(token.id, user, ip, role.right_names, {})
    return Caller(token.id, user, ip, None,
                  {m.client_id: m.right_names for m in user.memberships})


# --- cookies do not count on the API --------------------------------------------------------

def ignore_cookies() -> None:
    """Before anything else looks at ``current_user`` on ``/api/``: anonymous, whatever
    cookies came along (Flask-Login then never reads them)."""
    if request.path.startswith(API_PREFIX):
        g._login_user = login_manager.anonymous_user()


def init_app(app: Flask) -> None:
    # First of the app's before-request functions (after the unit of work's own marker,
    # which core.requests puts in front later): the staff-network check that follows reads
    # current_user.
    app.before_request_funcs.setdefault(None, []).insert(0, ignore_cookies)

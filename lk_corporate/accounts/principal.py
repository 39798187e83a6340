"""The signed-in user as the web layer sees it, and how Flask-Login finds them.

``Principal`` wraps a ``User`` and the ``LoginSession`` of this login. A client user acts for
one client at a time (the *active membership*, kept in the session); supplier staff act
through their staff role. ``core.auth`` checks rights through the small interface this
class offers (``has_right``, ``is_staff``, ``active_membership``, ``allowed_from``), so core
never needs the accounts models.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from flask import Flask, current_app, g, session
from flask_babel import lazy_gettext
from flask_login import AnonymousUserMixin, UserMixin

from lk_corporate.accounts import sessions
from lk_corporate.accounts.models import LoginSession, Membership, Role, User
from lk_corporate.accounts.operations import set_locale
from lk_corporate.accounts.passwords import configure_hasher
from lk_corporate.core.auth import ACTIVE_CLIENT_KEY
from lk_corporate.core.extensions import db, login_manager


class Principal(UserMixin):
    """The logged-in user of this request."""

    def __init__(self, user: User, login: LoginSession, cookie_id: str) -> None:
        self.user = user
        self.login_session = login
        self._cookie_id = cookie_id
        # Decided once, when the request found its user: Flask-Login asks (is_authenticated)
        # a few dozen times per page, the last times after the request's transaction ended,
        # when reading the user's columns would load the user and its memberships again.
        self._active = user.is_confirmed and not user.is_blocked
        self._rights: tuple[Role | Membership | None, frozenset[str]] | None = None

    def get_id(self) -> str:
        # What Flask-Login keeps in the session and remember cookies: this login's record.
        return self._cookie_id

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self._active

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def login(self) -> str:
        return self.user.login

    @property
    def is_staff(self) -> bool:
        return self.user.is_staff

    @property
    def memberships(self) -> list[Membership]:
        return list(self.user.memberships)

    @property
    def active_membership(self) -> Membership | None:
        if self.user.is_staff:
            return None
        cached = g.get("_lk_membership")
        if cached is not None:
            return cast(Membership, cached)
        wanted = session.get(ACTIVE_CLIENT_KEY)
        memberships = self.user.memberships
        chosen = next((m for m in memberships if m.client_id == wanted), None)
        if chosen is None and memberships:
            chosen = memberships[0]
        g._lk_membership = chosen
        return chosen

    @property
    def rights(self) -> frozenset[str]:
        # Asked for every menu item and guarded link of a page: worked out once per
        # membership (a request that switches the active client asks again).
        holder: Role | Membership | None = self.user.staff_role or self.active_membership
        cached = self._rights
        if cached is not None and cached[0] is holder:
            return cached[1]
        rights = holder.right_names if holder is not None else frozenset()
        self._rights = (holder, rights)
        return rights

    def has_right(self, right: str) -> bool:
        return right in self.rights

    def allowed_from(self, ip: str) -> bool:
        """Staff logins are held to their role's IP allow-list; client users are not."""
        role = self.user.staff_role
        return role is None or role.allows_ip(ip)

    def save_locale(self, code: str) -> None:
        """Remember the language the user picked (the shell's language switch; written in
        the request's unit of work)."""
        set_locale(self.user, code, languages=tuple(current_app.config["LK_LANGUAGES"]))

    @property
    def home_endpoint(self) -> str | None:
        """Where ``/`` sends this user: clients to their cabinet, staff to their first page."""
        if self.user.is_staff:
            return None  # the shell picks the first menu page the role may open
        return "accounts.dashboard" if self.active_membership is not None else "accounts.contracts"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)


class Anonymous(AnonymousUserMixin):
    memberships: ClassVar[list[Membership]] = []
    is_staff = False
    active_membership = None
    rights: frozenset[str] = frozenset()

    def has_right(self, right: str) -> bool:
        return False

    def allowed_from(self, ip: str) -> bool:
        return True


def load_principal(cookie_id: str) -> Principal | None:
    """Flask-Login's user loader: the live login of this cookie, for an active user."""
    login = sessions.load(db.session, cookie_id)
    if login is None:
        return None
    user = login.user
    if user.is_blocked or not user.is_confirmed:
        return None
    return Principal(user, login, cookie_id)


def init_app(app: Flask) -> None:
    configure_hasher(time_cost=int(app.config["LK_ARGON2_TIME_COST"]),
                     memory_kib=int(app.config["LK_ARGON2_MEMORY_KIB"]))
    login_manager.user_loader(load_principal)
    login_manager.anonymous_user = Anonymous
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

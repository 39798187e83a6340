"""Who is asking, for which client, with which rights: the checks every view makes.

Flask-Login gives ``current_user`` (a ``User`` model wrapped in ``Principal``). A client user
acts for one client at a time (the *active membership*, kept in the session); supplier staff
act through their staff role. Views declare what they need with ``@require_right(...)``;
queries for client data go through ``active_client_id()`` so that an ID from another client
simply finds nothing (404), never another client's row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import abort, g, session
from flask_login import AnonymousUserMixin, UserMixin, current_user, login_required

from lk_corporate.accounts.models import Membership, User
from lk_corporate.core.net import client_ip

F = TypeVar("F", bound=Callable[..., Any])
ACTIVE_CLIENT_KEY = "active_client_id"


class Principal(UserMixin):
    """The logged-in user as the web layer sees it."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        # The version makes every other session invalid after a password change.
        return f"{self.user.id}.{self.user.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.user.is_confirmed and not self.user.is_blocked

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
        if self.user.staff_role is not None:
            return self.user.staff_role.right_names
        m = self.active_membership
        return m.right_names if m is not None else frozenset()

    def has_right(self, right: str) -> bool:
        return right in self.rights

    @property
    def home_endpoint(self) -> str | None:
        """Where ``/`` sends this user: clients to their cabinet, staff to their first page."""
        if self.user.is_staff:
            return None  # the shell picks the first menu page the role may open
        return "accounts.dashboard" if self.active_membership is not None else "accounts.contracts"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)


class Anonymous(AnonymousUserMixin):
    memberships: list[Membership] = []
    is_staff = False
    active_membership = None
    rights: frozenset[str] = frozenset()

    def has_right(self, right: str) -> bool:
        return False


def require_right(*rights: str) -> Callable[[F], F]:
    """Login required, and every named right held (403 otherwise).

    Supplier staff are also held to their role's IP allow-list on every request, not only at
    login: a session carried to another network stops working.
    """

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            enforce_staff_network()
            for right in rights:
                if not current_user.has_right(right):
                    abort(403)
            return view(*args, **kwargs)

        return cast(F, login_required(wrapped))

    return decorator


def require_client(view: F) -> F:
    """Login required as a client user with an active membership (403 for staff)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.is_staff or current_user.active_membership is None:
            abort(403)
        return view(*args, **kwargs)

    return cast(F, login_required(wrapped))


def enforce_staff_network() -> None:
    if current_user.is_authenticated and current_user.is_staff:
        role = current_user.user.staff_role
        if role is not None and not role.allows_ip(client_ip()):
            abort(403)


def active_client_id() -> int:
    """The client the current user acts for; 403 when there is none (e.g. staff)."""
    m = current_user.active_membership if current_user.is_authenticated else None
    if m is None:
        abort(403)
    return int(m.client_id)


def _load_user(user_id: str) -> Principal | None:
    from lk_corporate.extensions import db

    try:
        raw_id, version = user_id.split(".", 1)
        user = db.session.get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or str(user.session_version) != version:
        return None
    return Principal(user)


def init_app(app: Any) -> None:
    from flask_babel import lazy_gettext

    from lk_corporate.accounts.passwords import configure_hasher

    configure_hasher(time_cost=int(app.config["LK_ARGON2_TIME_COST"]),
                     memory_kib=int(app.config["LK_ARGON2_MEMORY_KIB"]))

    from lk_corporate.extensions import login_manager

    login_manager.user_loader(_load_user)
    login_manager.anonymous_user = Anonymous
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    # Every request of a staff session, not only the views that check rights.
    app.before_request(enforce_staff_network)

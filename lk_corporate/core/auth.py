"""Who is asking, for which client, with which rights: the checks every view makes.

Flask-Login gives ``current_user`` (``accounts.principal.Principal``, or an anonymous user);
this module relies only on its small interface (``has_right``, ``is_staff``,
``active_membership``, ``allowed_from``). A client user acts for one client at a time (the
*active membership*, kept in the session); supplier staff act through their staff role.
Views declare what they need with ``@require_right(...)``; queries for client data go through
``active_client_id()`` so that an ID from another client simply finds nothing (404), never
another client's row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Flask, abort
from flask_login import current_user, login_required

from lk_corporate.core.net import client_ip

F = TypeVar("F", bound=Callable[..., Any])
ACTIVE_CLIENT_KEY = "active_client_id"


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


def require_any_right(*rights: str) -> Callable[[F], F]:
    """Login required, and at least one of the named rights held (403 otherwise): a page two
    roles share, e.g. the period board (the admin manages periods, the supplier's signer runs
    the calculation that signs the invoices)."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            enforce_staff_network()
            if not any(current_user.has_right(right) for right in rights):
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
    """Every request of a staff session, not only the views that check rights."""
    if current_user.is_authenticated and not current_user.allowed_from(client_ip()):
        abort(403)


def init_app(app: Flask) -> None:
    app.before_request(enforce_staff_network)


def active_client_id() -> int:
    """The client the current user acts for; 403 when there is none (e.g. staff)."""
    m = current_user.active_membership if current_user.is_authenticated else None
    if m is None:
        abort(403)
    return int(m.client_id)

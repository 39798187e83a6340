"""Puts the menu, the profile menu and the client switcher data into every template."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from lk_corporate.web.menu import build_menu, build_profile_menu


def has_endpoint(name: str) -> bool:
    """Templates link to other packages' pages only once those pages exist."""
    return name in current_app.view_functions


def page_url(page: int, param: str = "page") -> str:
    """The current URL with another page number, keeping filters in the query string."""
    args = request.args.to_dict(flat=False)
    args[param] = [str(page)]
    values: dict[str, Any] = {**(request.view_args or {}), **args}
    return url_for(request.endpoint or "web.index", **values)


def init_app(app: Flask) -> None:
    # Globals, not context variables: macros imported without context need them too.
    app.jinja_env.globals.update(has_endpoint=has_endpoint, page_url=page_url)

    @app.context_processor
    def _navigation() -> dict[str, Any]:
        user = current_user
        memberships = getattr(user, "memberships", None) or ()
        return {
            # Callables, so a page that does not draw the menu (JSON errors) pays nothing.
            "main_menu": lambda: build_menu(user, request.endpoint),
            "profile_menu": lambda: build_profile_menu(user),
            # The switcher shows only for a user acting for several clients.
            "client_memberships": memberships if len(memberships) > 1 else (),
        }

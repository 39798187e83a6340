"""The two places where the web shell needs to know about the signed-in user.

The shell sits below every domain package and imports none: it asks the user object
(``accounts.principal.Principal``) through the attributes named here.
"""

from __future__ import annotations

from typing import Any

from lk_corporate.web.menu import first_visible_endpoint


def home_endpoint_for(user: Any) -> str | None:
    """Where ``/`` sends a signed-in user.

    Until the accounts package decides (e.g. clients → the readings page, operators → the
    client list, a user with no client chosen yet → the client picker), the first menu page the
    user may open is a sensible home. None means: show the landing page.
    """
    endpoint = getattr(user, "home_endpoint", None)
    if isinstance(endpoint, str):
        return endpoint
    return first_visible_endpoint(user)


def persist_locale(user: Any, code: str) -> None:
    """Called by ``/lang/<code>`` for a signed-in user after the session and cookie are set:
    the choice is also saved on the account (``save_locale``, when the user object offers
    it), so it follows the user to other browsers."""
    save = getattr(user, "save_locale", None)
    if callable(save):
        save(code)

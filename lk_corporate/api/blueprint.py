"""URL rules: the JSON API under ``/api/v1`` (``bp``) and the profile's «API-токены» page
(``tokens_bp``)."""

from __future__ import annotations

from importlib.util import find_spec

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.api import (  # noqa: F401  (they register their views)
    auth,
    charges,
    decisions,
    endpoints,
    limits,
    money,
    signing,
)
from lk_corporate.api import controllers as c
from lk_corporate.api.http import ApiProblem, problem_response
from lk_corporate.api.spec import OPERATIONS, PREFIX
from lk_corporate.api.views import VIEWS
from lk_corporate.core.extensions import csrf, limiter
from lk_corporate.web.menu import register_menu_item


def cycle_available() -> bool:
    """Are the readings and reading-act packages part of this build? (Their API routes are
    registered only then; ``api.cycle``.)"""
    try:
        return all(find_spec(name) is not None for name in (
            "lk_corporate.readings.operations", "lk_corporate.reading_acts.operations"))
    except ModuleNotFoundError:
        return False


if cycle_available():
    from lk_corporate.api import cycle  # noqa: F401  (registers its views)

bp = Blueprint("api", __name__, url_prefix=PREFIX)
for _op in OPERATIONS:
    if _op.operation_id in VIEWS:
        bp.add_url_rule(_op.rule, _op.operation_id, VIEWS[_op.operation_id],
                        methods=[_op.method])
# Cookies are not credentials here (api.auth), so there is nothing for CSRF to protect.
csrf.exempt(bp)
bp.register_error_handler(ApiProblem, problem_response)
# One allowance per token for the whole API; requests without a valid token count per address.
limiter.shared_limit(auth.rate_limit, scope="api", key_func=auth.rate_limit_key)(bp)


@bp.after_request
def _no_store(response):  # type: ignore[no-untyped-def]
    response.headers["Cache-Control"] = "no-store"
    return response


tokens_bp = Blueprint("api_tokens", __name__)
tokens_bp.add_url_rule("/profile/api-tokens", "index", c.index, methods=("GET", "POST"))
tokens_bp.add_url_rule("/profile/api-tokens/<int:token_id>/revoke", "revoke", c.revoke,
                       methods=("POST",))

register_menu_item(_l("API tokens"), "api_tokens.index", section="profile", order=37,
                   icon="key-fill", audience="client")

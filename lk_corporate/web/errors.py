"""Error pages (403, 404, 413, 429, 500) in the user's language, JSON for API clients.

Every page keeps the site's header and menu so the user can find their way back; the 500
page falls back to a bare page when even the layout cannot be rendered (e.g. the database
that the menu needs is down).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.exceptions import HTTPException, InternalServerError

from lk_corporate.core.errors import N_
from lk_corporate.core.extensions import db
from lk_corporate.core.requests import wants_json

log = logging.getLogger(__name__)

# Pages with their own template; any other HTTP error falls back to the generic one.
TEMPLATED = (403, 404, 413, 429, 500)

FALLBACK_500 = (
    "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>500</title></head>"
    "<body><h1>Внутренняя ошибка сервера / Internal server error</h1>"
    "<p>Попробуйте позже. / Please try again later.</p></body></html>"
)


# The stable ``code`` of each HTTP error in JSON answers (the API's ``{code, message}``).
JSON_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
              415: "unsupported_content_type", 422: "unprocessable", 429: "too_many_requests",
              500: "internal_error", 503: "unavailable"}


# What an API caller reads when the view gave no reason of its own (Werkzeug's default
# descriptions are English prose written for browsers), in the caller's language.
JSON_MESSAGES = {
    403: N_("You have no right to do this."),
    404: N_("Not found: there is no such object, or it belongs to another client."),
    405: N_("This method is not allowed at this address."),
    413: N_("The request body is too large."),
    429: N_("Too many requests. Wait a little and try again."),
    500: N_("Internal server error"),
}


def _json_message(code: int, error: HTTPException) -> str:
    # Flask-Limiter's 429 carries the limit itself ("60 per 1 minute") as its description:
    # the caller reads a sentence in its language instead (Retry-After says when).
    if code != 429 and error.description != type(error).description:
        return str(error.description)  # the view's own reason
    if code in JSON_MESSAGES:
        return gettext(JSON_MESSAGES[code])
    return gettext("The request could not be processed (%(code)s).", code=code)


def _json_error(code: int, error: HTTPException) -> Response:
    response = jsonify(code=JSON_CODES.get(code, "http_error"), message=_json_message(code, error),
                       error=error.name, status=code)
    response.status_code = code
    return response


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    if wants_json():
        response = _json_error(code, error)
    else:
        template = f"errors/{code}.html" if code in TEMPLATED else "errors/generic.html"
        response = Response(render_template(template, error=error, code=code), status=code)
    # Keep headers the exception carries (Retry-After on 429, Allow on 405).
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_internal_error(error: InternalServerError) -> ResponseReturnValue:
    # The failed request's transaction may be broken; the layout (menu, current user) must not
    # trip over it.
    db.session.rollback()
    if wants_json():
        return _json_error(500, error)
    try:
        return render_template("errors/500.html", error=error, code=500), 500
    except Exception:
        log.exception("could not render the 500 page")
        return FALLBACK_500, 500, {"Content-Type": "text/html; charset=utf-8"}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_internal_error)

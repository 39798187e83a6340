"""The request boundary: every view runs as one unit of work, as Indico's ``RH`` does.

``init_app`` wraps each registered view once, so no controller opens a transaction or
catches ``NotFound`` itself:

* the view runs inside ``unit_of_work()`` — committed when it returns, rolled back when it
  raises; a request with an unsafe method (POST…) is a writing unit (on SQLite it queues
  for the write lock up front, see ``core.uow``);
* a conflict between concurrent transactions (``core.uow.is_transient``) runs the view
  again, a bounded number of times, with the session cookie as it was before;
* ``NotFound`` raised anywhere below becomes a 404 page (or JSON), exactly like an unknown
  URL, so another client's ID is indistinguishable from a missing one;
* any other ``DomainError`` that no form caught is flashed and the user is sent back to the
  page they came from (JSON callers get 422 ``{code, message}``).

Forms that show a refusal beside a field run their operation through
``core.formkit.submit_form``, in a savepoint of this same unit of work.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, cast

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from lk_corporate.core.db import write_intent
from lk_corporate.core.errors import DomainError, NotFound
from lk_corporate.core.i18n import message_text
from lk_corporate.core.submissions import RepeatedSubmission, new_key
from lk_corporate.core.uow import is_transient, unit_of_work

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ATTEMPTS = 4
_WRAPPED = "_lk_request_boundary"


def run_view(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """``view`` as one unit of work, retried on a transient conflict."""
    if getattr(view, _WRAPPED, False):
        return view

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        writes = request.method not in SAFE_METHODS
        cookie = dict(session)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with unit_of_work(write=writes):
                    return _remember_submission(view(*args, **kwargs))
            except NotFound:
                abort(404)
            except Exception as exc:
                if not is_transient(exc) or attempt == ATTEMPTS:
                    raise
                log.info("transient conflict in %s (attempt %d): %s", request.endpoint,
                         attempt, exc)
                session.clear()
                session.update(cookie)
                time.sleep(0.01 * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    setattr(wrapped, _WRAPPED, True)
    return wrapped


def _remember_submission(rv: ResponseReturnValue) -> ResponseReturnValue:
    """Keep where a claimed form submission led, for its repeats (``core.submissions``)."""
    claimed = g.pop("lk_submission", None)
    if claimed is None:
        return rv
    response = current_app.make_response(rv)
    if response.location:
        claimed.result_url = response.location[:500]
    return response


def _repeated(error: RepeatedSubmission) -> ResponseReturnValue:
    flash(gettext("This form has already been sent; nothing was done twice."), "info")
    return redirect(error.url or _back() or "/")


def domain_error_message(error: DomainError) -> str:
    """The refusal in the request's language (its parameters too: numbers, dates, terms)."""
    return message_text(error.message, error.params)


def wants_json() -> bool:
    """API callers get JSON: the /api/ prefix, a request that itself sends JSON (the signing
    page's script), or a client that prefers JSON to HTML."""
    if request.path.startswith("/api/") or request.is_json:
        return True
    accept = request.accept_mimetypes
    best = accept.best_match(["text/html", "application/json"])
    return best == "application/json" and accept[best] > accept["text/html"]


def _refused(error: DomainError) -> ResponseReturnValue:
    message = domain_error_message(error)
    if wants_json():
        return {"code": error.code, "message": message}, 422
    back = _back()
    if back is None:
        return render_template("errors/refused.html", message=message, code=422), 422
    flash(message, "danger")
    return redirect(back)


def _back() -> str | None:
    """The same-site page the request came from (browsers send it with every form)."""
    referrer = request.referrer or ""
    root = request.host_url
    if referrer.startswith(root):
        return "/" + referrer[len(root):]
    return None


def _mark_write_intent() -> None:
    # Before anything else in the request touches the database (loading the user does), so
    # that on SQLite the request's very first transaction already takes the write lock.
    write_intent.set(request.method not in SAFE_METHODS)


def init_app(app: Flask) -> None:
    """Wrap every view registered so far (call after the blueprints are registered)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = run_view(cast(Any, view))
    app.before_request_funcs.setdefault(None, []).insert(0, _mark_write_intent)
    app.register_error_handler(DomainError, _refused)
    app.register_error_handler(RepeatedSubmission, _repeated)
    app.jinja_env.globals["new_submission_id"] = new_key

"""Handlers of the web shell: nothing here touches domain data."""

from __future__ import annotations

import ipaddress
import logging
import os
from urllib.parse import urlsplit

from flask import abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from lk_corporate.core.extensions import db, limiter
from lk_corporate.core.i18n import (
    LOCALE_COOKIE,
    LOCALE_COOKIE_MAX_AGE,
    LOCALE_SESSION_KEY,
    supported_locales,
)
from lk_corporate.web import hooks
from lk_corporate.web.landing import available_features, available_steps

log = logging.getLogger(__name__)


def index() -> ResponseReturnValue:
    """Anonymous visitors get the landing page; a signed-in user goes to the role's home."""
    if current_user.is_authenticated:
        endpoint = hooks.home_endpoint_for(current_user._get_current_object())
        if endpoint and endpoint != request.endpoint:
            return redirect(url_for(endpoint))
    return render_template("home/index.html", features=available_features(),
                           steps=available_steps())


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def set_language(code: str) -> ResponseReturnValue:
    """Switch the interface language and go back to where the user was.

    A GET link, not a form: the switch must work from every page including error pages and
    the login form, and changing someone's display language is not worth a CSRF token.
    """
    if code not in supported_locales():
        abort(404)
    session[LOCALE_SESSION_KEY] = code
    response = redirect(safe_next(request.args.get("next")))
    response.set_cookie(
        LOCALE_COOKIE,
        code,
        max_age=LOCALE_COOKIE_MAX_AGE,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
    if current_user.is_authenticated:
        hooks.persist_locale(current_user._get_current_object(), code)
    return response


def _sees_health_details() -> bool:
    """The checks and the worker's process ID are for the machine itself (the container's
    health check, an operator on the host), not for the Internet: only a loopback peer that
    did not come through a proxy (no forwarding headers) gets them."""
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


@limiter.exempt
def healthz() -> ResponseReturnValue:
    """For load balancers and ``docker-compose``: is this worker able to serve?

    Checks the database (``SELECT 1``) and the rate-limit storage (Redis in production: without
    it the login limits would not be shared between workers). Everyone gets ``{"status": "ok"}``
    (200) or ``{"status": "error"}`` (503); a local caller also gets the checks and ``pid``,
    which tells the workers apart.
    """
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError:
        log.exception("health check: database unavailable")
        db.session.rollback()
        checks["database"] = "error"
    try:
        storage_ok = limiter.storage.check()
    except Exception:
        log.exception("health check: rate-limit storage unavailable")
        storage_ok = False
    checks["ratelimit_storage"] = "ok" if storage_ok else "error"
    healthy = all(v == "ok" for v in checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "error"}
    if _sees_health_details():
        body.update(checks=checks, pid=os.getpid())
    return jsonify(body), 200 if healthy else 503

"""HTTP security headers on every response, and ProxyFix behind a trusted reverse proxy.

The portal handles signed legal documents, so the browser is told as little trust as
possible: scripts, styles and fonts only from this origin (everything is vendored, nothing
comes from a CDN), no inline scripts or styles, no framing, no referrer leaking document URLs
to other sites. A view that needs something else (e.g. a PDF preview framed by our own page)
sets the header itself; ``after_request`` only fills headers that are still missing.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

# Powerful browser features the portal never uses. Browser-side signing reads a key *file*
# through an <input type=file> and WebCrypto, neither of which is governed by this header.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)

HSTS_MAX_AGE = 365 * 24 * 3600


def _user_is_authenticated() -> bool:
    try:
        from flask_login import current_user
    except ImportError:  # pragma: no cover - Flask-Login is a hard dependency
        return False
    return bool(getattr(current_user, "is_authenticated", False))


def set_security_headers(response: Response, *, https: bool) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if https:
        headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE}; includeSubDomains")
    # A page of a signed-in user (balances, invoices, documents) must not stay in a shared
    # computer's cache or be replayed by the back button after logout. Static assets are not
    # personal and keep their caching.
    if request.endpoint != "static" and _user_is_authenticated():
        headers["Cache-Control"] = "no-store"
        headers.add("Vary", "Cookie")
    return response


def allow_same_origin_framing(response: Response) -> Response:
    """For a view whose response our own pages embed (e.g. a PDF preview in an iframe)."""
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", "frame-ancestors 'self'"
    )
    return response


def init_app(app: Flask) -> None:
    if app.config.get("LK_TRUST_PROXY"):
        # Exactly one proxy (nginx / the load balancer) in front: trust one hop of each header.
        # More hops would let a client forge its IP for the rate limits and staff allow-lists.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)  # type: ignore[method-assign]

    https = str(app.config.get("LK_BASE_URL", "")).startswith("https://")

    @app.after_request
    def _security_headers(response: Response) -> Response:
        return set_security_headers(response, https=https)

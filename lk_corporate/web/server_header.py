"""A neutral ``Server`` response header: the portal does not advertise software versions.

Werkzeug's server (``lk run``, ``lk demo`` and its local CRL/OCSP/TSA, the tests' live server)
answers ``Server: Werkzeug/3.1.9 Python/3.11.7``. The header is written by the request handler
(``http.server``'s ``send_response``) before the application's headers, so neither a response
header nor a WSGI middleware can replace it: ``hide_werkzeug_version()`` makes the handler
itself say ``Server: lk``. It is called by ``create_app`` (through ``web.init_app``), so every
Werkzeug server in a process that built the app is covered without changes to the commands.

gunicorn (production, docker-compose) always writes ``Server: gunicorn`` — the name without a
version, and no setting changes it; a header set by the application would be sent in addition,
not instead. Drop or replace it at the reverse proxy in front of gunicorn (nginx:
``proxy_hide_header Server;`` and ``server_tokens off;``).
"""

from __future__ import annotations

from werkzeug.serving import WSGIRequestHandler

SERVER_HEADER = "lk"


def _neutral_version_string(self: WSGIRequestHandler) -> str:
    return SERVER_HEADER


def hide_werkzeug_version() -> None:
    """Make Werkzeug's request handler send ``Server: lk`` (idempotent)."""
    WSGIRequestHandler.version_string = _neutral_version_string  # type: ignore[method-assign,assignment]

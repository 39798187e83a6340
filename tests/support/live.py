"""The app served over real HTTP on loopback, for browser tests and concurrent requests.

``live_server`` runs the suite's configuration (same database) in a threaded WSGI server;
``LiveSession`` is a small HTTP client (``requests``) that fills in CSRF tokens the way the
browser's forms carry them, so tests can fire real concurrent requests at the portal.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server


def _placeholder_app(environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def _fallback_config(tmp: Path) -> dict[str, Any]:
    """Only while tests/conftest.py has no ``app_config``: a throw-away SQLite database."""
    return {
        "TESTING": True,
        "SECRET_KEY": "browser-test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'browser.sqlite3'}",
        "RATELIMIT_STORAGE_URI": "memory://",
    }


@dataclass
class LiveServer:
    url: str
    app: Flask
    server: BaseWSGIServer


def _placeholder_app(environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def _fallback_config(tmp: Path) -> dict[str, Any]:
    """Only while tests/conftest.py has no ``app_config``: a throw-away SQLite database."""
    return {
        "TESTING": True,
        "SECRET_KEY": "browser-test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'browser.sqlite3'}",
        "RATELIMIT_STORAGE_URI": "memory://",
    }


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("live-server")
    try:
        config = dict(request.getfixturevalue("app_config"))
        # The suite's ``app`` fixture builds the schema with the real migrations.
        request.getfixturevalue("app")
        schema_ready = True
    except pytest.FixtureLookupError:
        config = _fallback_config(tmp)
        schema_ready = False

    # Bind first: the app must know its own base URL (links in e-mails point at it).
    server = make_server("127.0.0.1", 0, _placeholder_app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    config["LK_BASE_URL"] = url
    config.setdefault("WTF_CSRF_SSL_STRICT", False)

    from lk_corporate.app import create_app

    app = create_app(config, instance_path=str(tmp / "instance"))
    if not schema_ready:
        from lk_corporate.core.extensions import db

        with app.app_context():
            db.create_all()
    server.app = app  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name="lk-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=url, app=app, server=server)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        from lk_corporate.core.extensions import db

        with app.app_context():
            db.engine.dispose()


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class LiveSession:
    """One browser's cookies against the live server."""

    def __init__(self, server: LiveServer) -> None:
        self.base = server.url
        self.http = requests.Session()

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.base + path, allow_redirects=False, timeout=60, **kwargs)

    def token(self, form_path: str) -> str:
        page = self.get(form_path).text
        m = _CSRF.search(page)
        assert m, f"no CSRF token on {form_path}"
        return m.group(1) or m.group(2)

    def post(self, path: str, data: dict[str, Any], *, token: str | None = None,
             **kwargs: Any) -> requests.Response:
        payload = {**data, "csrf_token": token or self.token(path)}
        return self.http.post(self.base + path, data=payload, allow_redirects=False, timeout=60,
                              headers={"Referer": self.base + path}, **kwargs)

    def login(self, login: str, password: str) -> requests.Response:
        r = self.post("/login", {"login": login, "password": password})
        assert r.status_code == 302, r.text[:500]
        return r


def run_together(calls: list[Any], timeout: float = 60) -> list[Any]:
    """Run the callables at the same moment (one thread each, released by a barrier); their
    results, or the exceptions they raised, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - reported to the test as a result
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results

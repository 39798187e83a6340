"""What the servers say about themselves in the ``Server`` header: no versions.

Werkzeug (``lk run``, ``lk demo``) is made to say ``lk`` (lk_corporate/web/server_header.py);
gunicorn says ``gunicorn`` and nothing in the app can change that (the reverse proxy can),
but the app must not add a second header either.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_gunicorn_names_itself_without_a_version(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp_path),
        "LK_DATABASE_URL": f"sqlite:///{tmp_path / 'lk.sqlite3'}",
        "LK_RATELIMIT_STORAGE_URL": "memory://",
        "LK_CELERY_BROKER_URL": "",
        "LK_SECRET_KEY": "server-header-test-secret",
        "LK_BASE_URL": f"http://127.0.0.1:{port}",
        "LK_MAIL_BACKEND": "file",
        "LK_MAIL_DIR": str(tmp_path / "outbox"),
        "LK_STORAGE_DIR": str(tmp_path / "files"),
        "LK_PKI_DIR": str(tmp_path / "pki"),
    }
    with open(tmp_path / "gunicorn.log", "w+") as log:
        server = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",
             "lk_corporate.app:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                    break
                except requests.ConnectionError:
                    assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
                    assert time.monotonic() < deadline, "gunicorn did not start within 60 s"
                    time.sleep(0.3)
            servers = [v for k, v in response.raw.headers.items() if k.lower() == "server"]
            assert servers == ["gunicorn"]
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)

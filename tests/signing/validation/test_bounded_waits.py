"""Every wait of a validation ends, whatever the server and whatever the clock.

- :func:`call_within` bounds a call by the kernel's relative timeout, not by the clock;
- an OCSP/CRL request is given up after its timeout even when the server trickles bytes (each
  read then succeeds before the socket timeout), also under a frozen clock (``faketime``
  without ``@``), where a deadline on the clock is never reached;
- a validation makes a bounded number of requests, each once.

``lk verify`` itself under a faked clock: ``test_cli.py``.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from signing.validation import ValidationSettings, validate_pdf
from signing.validation.deadline import DeadlineExceeded, call_within
from signing.validation.revocation import MAX_FETCHES, FetchBudget, _default_fetch

from .conftest import Docs

REPO = Path(__file__).resolve().parents[3]
FAKETIME = shutil.which("faketime")


@pytest.fixture
def trickling_server() -> Iterator[str]:
    """``http://127.0.0.1:PORT/``: answers 200 with a 600-byte body, one byte every 0.2 s
    (two minutes in all: each read succeeds long before any socket timeout)."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\n"
                             b"Content-Length: 600\r\n\r\n")
                for _ in range(600):
                    if stop.is_set():
                        return
                    conn.sendall(b"0")
                    time.sleep(0.2)
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/crl"
    finally:
        stop.set()
        listener.close()


def test_call_within() -> None:
    assert call_within(lambda: 42, 5) == 42
    assert call_within(lambda: None, 5) is None
    with pytest.raises(ZeroDivisionError):
        call_within(lambda: 1 // 0, 5)
    start = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        call_within(lambda: time.sleep(5), 0.2)
    assert time.monotonic() - start < 2


def test_a_trickling_server_is_cut_off(trickling_server: str) -> None:
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        _default_fetch(trickling_server, 1.0, None)
    assert time.monotonic() - start < 5
    start = time.monotonic()
    assert FetchBudget().fetch(_default_fetch, trickling_server, 1.0, None) is None
    assert time.monotonic() - start < 5


@pytest.mark.skipif(FAKETIME is None, reason="faketime is not installed (scripts/install-system-deps.sh)")
def test_a_trickling_server_is_cut_off_under_a_frozen_clock(trickling_server: str) -> None:
    """With the clock standing still, a deadline on the clock never comes; the request must
    end all the same."""
    assert FAKETIME is not None
    code = ("from signing.validation.revocation import FetchBudget, _default_fetch\n"
            f"print(FetchBudget().fetch(_default_fetch, {trickling_server!r}, 1.0, None))\n")
    env = dict(os.environ, FAKETIME_DONT_FAKE_MONOTONIC="0", PYTHONPATH=str(REPO))
    proc = subprocess.Popen([FAKETIME, "-f", "2031-06-01 12:00:00", sys.executable, "-c", code],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the request did not end within 60 s under a frozen clock")
    assert proc.returncode == 0, err.decode()[-2000:]
    assert out.decode().strip() == "None"


def test_a_validation_makes_each_request_once_and_a_bounded_number(
    docs: Docs, offline_settings: ValidationSettings
) -> None:
    """Two signatures by certificates of the same CA, each with a timestamp: the CA's CRL (and
    the root's) are asked for once, not once per signature or per certificate."""
    asked: list[tuple[str, bytes | None]] = []
    lock = threading.Lock()

    def unreachable(url: str, timeout: float, body: bytes | None) -> bytes:
        with lock:
            asked.append((url, body))
        raise ConnectionRefusedError(url)

    settings = dataclasses.replace(offline_settings, fetch=unreachable)
    report = validate_pdf(docs("two_t"), settings)
    assert len(report.signatures) == 2
    assert asked, "the test PKI's certificates name OCSP and CRL URLs"
    assert len(asked) == len(set(asked)), asked
    assert len(asked) <= MAX_FETCHES


def test_the_fetch_budget_is_spent_once() -> None:
    calls: list[str] = []

    def fetch(url: str, timeout: float, body: bytes | None) -> bytes:
        calls.append(url)
        return b"answer"

    budget = FetchBudget(requests=2)
    assert budget.fetch(fetch, "http://a/", 1, None) == b"answer"
    assert budget.fetch(fetch, "http://a/", 1, None) == b"answer"  # remembered
    assert budget.fetch(fetch, "http://b/", 1, None) == b"answer"
    assert budget.fetch(fetch, "http://c/", 1, None) is None  # spent
    assert calls == ["http://a/", "http://b/"]

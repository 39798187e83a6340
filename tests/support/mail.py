"""A real SMTP server on loopback (aiosmtpd) that records every message it receives.

Any SMTP connection to another address fails the test: the guard wraps ``smtplib.SMTP`` so
that a misconfigured test can never reach a real mail server.
"""

from __future__ import annotations

import email
import email.policy
import smtplib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class _Recorder:
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)  # type: ignore[arg-type]
        return "250 OK"


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: _Recorder

    @property
    def messages(self) -> list[EmailMessage]:
        with self.recorder.lock:
            return list(self.recorder.messages)

    def clear(self) -> None:
        with self.recorder.lock:
            self.recorder.messages.clear()

    def wait_count(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Wait until at least ``count`` messages have arrived (mail leaves on a job)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} messages, got {len(self.messages)}")
            time.sleep(0.02)
        return self.messages

    def last_to(self, address: str, timeout: float = 10.0) -> EmailMessage:
        """The newest message to ``address``. Mail leaves after the response, on a
        background job, so this waits for it to arrive (up to ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            for msg in reversed(self.messages):
                if address.lower() in str(msg["To"]).lower():
                    return msg
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no message to {address}; got {[m['To'] for m in self.messages]}")
            time.sleep(0.02)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    recorder = _Recorder()
    port = _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, recorder)
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _only_loopback_smtp(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse any SMTP connection except to the test server."""
    allowed: set[tuple[str, int]] = set()
    if "smtp_server" in request.fixturenames or "app" in request.fixturenames:
        server = request.getfixturevalue("smtp_server")
        allowed.add((server.host, server.port))
    original = smtplib.SMTP.connect

    def guarded(self: smtplib.SMTP, host: str = "localhost", port: int = 0,
                source_address: Any = None) -> Any:
        if (host, port) not in allowed:
            raise AssertionError(f"test tried to reach SMTP server {host}:{port}")
        return original(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", guarded)


@pytest.fixture()
def mailbox(smtp_server: SmtpServer) -> SmtpServer:
    smtp_server.clear()
    return smtp_server

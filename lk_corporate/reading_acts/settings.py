"""What the reading-act operations need from outside: settings, links, the supplier's key.

Operations take these as arguments (never ``current_app``), so the client's page, the staff's
pages, a job or the API call them alike; ``from_app`` builds them from the app's config.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

VERIFY_PATH = "/verify/reading_act/"
"""The public verification link of an act (its QR code): this prefix and the act's
``ReadingAct.verify_token`` (unguessable, unlike its number)."""


@dataclass(frozen=True)
class ActSettings:
    timezone: str = "Europe/Moscow"
    """The supplier's time zone: an act's date and the reading dates are its local dates."""
    auto_accept: bool = True
    """Accept a validly signed act at once (the supplier's acceptance signature is added in
    the same request). Off: it stays «Получен» until a supplier signer accepts it."""
    max_upload_bytes: int = 30 * 1024 * 1024
    """The largest signed file accepted (``LK_MAX_UPLOAD_MB``)."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ActSettings:
        return cls(timezone=str(config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Moscow"),
                   auto_accept=bool(config.get("LK_READING_ACT_AUTO_ACCEPT", True)),
                   max_upload_bytes=int(config.get("MAX_CONTENT_LENGTH") or cls.max_upload_bytes))


@dataclass(frozen=True)
class ActLinks:
    verify: Callable[[str], str]
    """The act's verification token → the absolute link printed (as text and QR) on it."""

    @classmethod
    def for_base_url(cls, base_url: str) -> ActLinks:
        base = base_url.rstrip("/")
        return cls(verify=lambda token: f"{base}{VERIFY_PATH}{token}")

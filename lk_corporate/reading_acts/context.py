"""What the web layer hands the reading-act operations, built from the app's configuration:
the file store, settings, links, the supplier's key and the portal's validation settings.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from lk_corporate.core.storage import FileStore
from lk_corporate.reading_acts.settings import ActLinks, ActSettings
from lk_corporate.signatures.portal import portal_validation_settings
from lk_corporate.signatures.supplier import SupplierKey, SupplierKeyMissing
from signing.validation import ValidationSettings


def _app(app: Flask | None) -> Flask:
    return app or current_app._get_current_object()  # type: ignore[attr-defined]


def file_store(app: Flask | None = None) -> FileStore:
    return FileStore(Path(_app(app).config["LK_STORAGE_DIR"]))


def act_settings(app: Flask | None = None) -> ActSettings:
    return ActSettings.from_config(_app(app).config)


def act_links(app: Flask | None = None) -> ActLinks:
    return ActLinks.for_base_url(str(_app(app).config["LK_BASE_URL"]))


def supplier_key(app: Flask | None = None) -> SupplierKey | None:
    """The supplier's signing key, or None when none is configured (acts then wait for a
    supplier signer's acceptance instead of being accepted at once)."""
    try:
        return SupplierKey.from_config(_app(app).config)
    except SupplierKeyMissing:
        return None


def validation_settings(app: Flask | None = None) -> ValidationSettings:
    """The portal's: trust roots, the CRL index, never a network fetch while a page waits."""
    return portal_validation_settings(_app(app).config)

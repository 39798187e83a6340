"""What the countersigning operations need from the app's configuration: the file store,
the supplier's key (None when none is configured) and the portal's validation settings."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from lk_corporate.core.storage import FileStore
from lk_corporate.signatures.portal import portal_validation_settings
from lk_corporate.signatures.supplier import SupplierKey, SupplierKeyMissing
from signing.validation import ValidationSettings


def file_store() -> FileStore:
    return FileStore(Path(current_app.config["LK_STORAGE_DIR"]))


def supplier_key() -> SupplierKey | None:
    try:
        return SupplierKey.from_config(current_app.config)
    except SupplierKeyMissing:
        return None


def validation_settings() -> ValidationSettings:
    return portal_validation_settings(current_app.config)

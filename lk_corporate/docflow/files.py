"""Serving document files: the store the app is configured with, and a PDF response."""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app

from lk_corporate.core.storage import FileStore
from lk_corporate.docflow.models import Document


def document_store() -> FileStore:
    return FileStore(Path(current_app.config["LK_STORAGE_DIR"]))


def file_name(document: Document, suffix: str = "") -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in document.number)
    return f"{document.kind.value}-{safe}{suffix}.pdf"


def pdf_response(data: bytes, document: Document, *, suffix: str = "") -> Response:
    response = Response(data, mimetype="application/pdf")
    inline = "inline" if current_app.config.get("LK_PDF_INLINE") else "attachment"
    response.headers["Content-Disposition"] = f'{inline}; filename="{file_name(document, suffix)}"'
    response.headers["ETag"] = f'"{document.sha256}"'
    return response

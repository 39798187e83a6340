"""Serving document files: the store the app is configured with, and a PDF response."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

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
    response.headers["Content-Disposition"] = content_disposition(inline, file_name(document, suffix))
    response.headers["ETag"] = f'"{document.sha256}"'
    return response


def content_disposition(kind: str, name: str) -> str:
    """The header for a file name that may be Cyrillic (numbers such as «АП-123-2026-10»):
    HTTP headers are Latin-1, so an ASCII ``filename`` for old clients and the UTF-8 name in
    ``filename*`` (RFC 6266), which every current browser prefers."""
    fallback = "".join(c if c.isascii() else "_" for c in name)
    if fallback == name:
        return f'{kind}; filename="{name}"'
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"

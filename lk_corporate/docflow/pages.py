"""Which page shows a document of each kind: a kind with its own page (a reading act, with
its upload form) registers it; the others use the generic document page."""

from __future__ import annotations

from lk_corporate.docflow.models import Document, DocumentKind

_PAGES: dict[DocumentKind, str] = {}


def register_document_page(kind: DocumentKind, endpoint: str) -> None:
    """``endpoint`` takes ``document_id`` (the client's page of a document of ``kind``)."""
    _PAGES[kind] = endpoint


def page_for(document: Document) -> tuple[str, dict[str, int]]:
    """The client's page of ``document``: an endpoint and its arguments for ``url_for``."""
    return _PAGES.get(document.kind, "docflow.detail"), {"document_id": document.id}

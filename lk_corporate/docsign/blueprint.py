"""URL rules of signing: the page, and the staged protocol as JSON (the page uses it too)."""

from flask import Blueprint

from lk_corporate.docsign import controllers as c

bp = Blueprint("docsign", __name__)

bp.add_url_rule("/documents/<int:document_id>/sign", "page", c.page)
bp.add_url_rule("/api/v1/documents/<int:document_id>/signing", "start", c.start, methods=["POST"])
bp.add_url_rule("/api/v1/documents/<int:document_id>/signing/<session_id>", "finish", c.finish,
                methods=["POST"])
bp.add_url_rule("/api/v1/documents/<int:document_id>/send", "send", c.send, methods=["POST"])
bp.add_url_rule("/api/v1/documents/<int:document_id>/cancel-signature", "cancel", c.cancel,
                methods=["POST"])

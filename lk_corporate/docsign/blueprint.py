"""URL rules of signing: the page, and the staged protocol as JSON for the page."""

from flask import Blueprint

from lk_corporate.docsign import controllers as c

bp = Blueprint("docsign", __name__)

bp.add_url_rule("/documents/<int:document_id>/sign", "page", c.page)
# The page's own endpoints (session cookie and CSRF header); accounting software uses the
# same protocol under /api/v1 with a bearer token (api.signing).
bp.add_url_rule("/documents/<int:document_id>/signing", "start", c.start, methods=["POST"])
bp.add_url_rule("/documents/<int:document_id>/signing/<session_id>", "finish", c.finish,
                methods=["POST"])
bp.add_url_rule("/documents/<int:document_id>/send", "send", c.send, methods=["POST"])
bp.add_url_rule("/documents/<int:document_id>/cancel-signature", "cancel", c.cancel,
                methods=["POST"])

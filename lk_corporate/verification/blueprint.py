"""URL rules of the public verification pages (no login: verifiers hold only the PDF)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.core.extensions import csrf, limiter
from lk_corporate.verification import controllers as c
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("verification", __name__)

# Validation costs CPU: a bounded number of checks per address. No CSRF token: the check
# stores nothing and changes nothing, and scripts post files to it directly.
bp.add_url_rule("/verify", "verify",
                csrf.exempt(limiter.limit("60 per hour", methods=["POST"])(c.verify)),
                methods=("GET", "POST"))
bp.add_url_rule("/verify/<kind>/<token>", "public_document", c.public_document)
bp.add_url_rule("/trust", "trust", c.trust)
bp.add_url_rule("/trust/<name>", "root_certificate", c.root_certificate)

register_menu_item(_l("Verify a signature"), "verification.verify", section="public", order=10,
                   icon="patch-check")
register_menu_item(_l("How to check signatures"), "verification.trust", section="public",
                   order=20, icon="shield-check")

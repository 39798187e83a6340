"""URL rules of the audit pages."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.audit import controllers as c
from lk_corporate.audit.presentation import action_label
from lk_corporate.core.rights import AUDIT_VIEW
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("audit", __name__, url_prefix="/staff/audit")
bp.add_url_rule("/", "index", c.index)
bp.add_url_rule("/chain", "chain", c.chain)
# Every page that shows a document's history names its audit actions in words; a template
# global keeps the packages that own those pages from importing this one.
bp.add_app_template_global(action_label, "action_label")

register_menu_item(_l("Audit log"), "audit.index", right=AUDIT_VIEW, section="staff", order=90,
                   icon="journal-check")

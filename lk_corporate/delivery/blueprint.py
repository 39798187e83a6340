"""URL rules of the staff's outgoing-mail page."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.core import rights as R
from lk_corporate.delivery import controllers as c
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("delivery", __name__, url_prefix="/staff/mail")
bp.add_url_rule("", "index", c.index)
bp.add_url_rule("/<int:mail_id>/send-again", "send_again", c.send_again, methods=("POST",))

register_menu_item(_l("Mail delivery"), "delivery.index", right=R.AUDIT_VIEW, section="staff",
                   order=50, icon="envelope-exclamation")

"""URL rules of the demo outbox."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.outbox import controllers as c
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("outbox", __name__, url_prefix="/outbox")
bp.add_url_rule("/", "index", c.index)
bp.add_url_rule("/<int:mail_id>", "message", c.message)

# The pages answer 404 outside the demo: no menu entry there either.
register_menu_item(_l("Outgoing mail (demo)"), "outbox.index", section="outbox", order=10,
                   icon="mailbox", config_flag="LK_DEMO")

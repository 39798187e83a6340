"""URL rules of the billing period pages (supplier staff)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.periods import controllers as c
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("periods", __name__)

bp.add_url_rule("/staff/periods", "index", c.index)
bp.add_url_rule("/staff/periods/new", "create", c.create, methods=("GET", "POST"))
bp.add_url_rule("/staff/periods/<int:period_id>", "detail", c.detail)
bp.add_url_rule("/staff/periods/<int:period_id>/open", "open", c.open_, methods=("POST",))
bp.add_url_rule("/staff/periods/<int:period_id>/close", "close", c.close, methods=("POST",))

register_menu_item(_l("Billing periods"), "periods.index", right=c.BOARD_RIGHTS,
                   section="periods", order=10, icon="calendar3")

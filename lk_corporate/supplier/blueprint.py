"""URL rules of the supplier's requisites (/staff/supplier) and the client's supplier page."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.core import rights as R
from lk_corporate.supplier import controllers as c
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("supplier", __name__)

bp.add_url_rule("/staff/supplier", "settings", c.settings, methods=("GET", "POST"))
bp.add_url_rule("/supplier", "requisites", c.requisites)

register_menu_item(_l("Supplier requisites"), "supplier.settings", right=R.SUPPLIER_MANAGE,
                   section="staff", order=30, icon="building-gear")
register_menu_item(_l("Supplier's requisites"), "supplier.requisites", section="supplier",
                   order=50, icon="bank")

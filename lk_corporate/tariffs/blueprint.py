"""URL rules of the tariff pages: staff under /staff/tariffs, clients at /tariffs."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.core import rights as R
from lk_corporate.tariffs import controllers as c
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("tariffs", __name__)

bp.add_url_rule("/staff/tariffs", "index", c.index)
bp.add_url_rule("/staff/tariffs/new", "create", c.create, methods=("GET", "POST"))
bp.add_url_rule("/staff/tariffs/<int:tariff_id>/edit", "edit", c.edit, methods=("GET", "POST"))
bp.add_url_rule("/staff/tariffs/<int:tariff_id>/end", "end", c.end, methods=("GET", "POST"))
bp.add_url_rule("/tariffs", "current", c.current)

register_menu_item(_l("Tariffs"), "tariffs.index", right=R.TARIFFS_MANAGE, section="tariffs",
                   order=10, icon="percent")
register_menu_item(_l("Tariffs"), "tariffs.current", right=R.MONEY_VIEW, section="money",
                   order=60, icon="percent")

"""URL rules of the readings pages: the client's «Показания», the operator's paper readings."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.clients.panels import ClientPanel, register_client_panel
from lk_corporate.core import rights as R
from lk_corporate.readings import controllers as c
from lk_corporate.readings import demo  # noqa: F401  (adds the reading history to the demo)
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("readings", __name__)

bp.add_url_rule("/readings", "index", c.index)
bp.add_url_rule("/readings", "submit", c.submit, methods=("POST",))
bp.add_url_rule("/staff/clients/<int:client_id>/readings", "paper", c.paper,
                methods=("GET", "POST"))

register_client_panel(ClientPanel("readings/client_panel.html", c.client_panel, order=20))
register_menu_item(_l("Enter readings"), "readings.index", right=R.READINGS_VIEW,
                   section="readings", order=10, icon="pencil-square")

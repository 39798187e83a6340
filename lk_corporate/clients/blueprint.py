"""URL rules of the client pages: the supplier's staff pages under /staff/, the client's
own read-only meter pages under /meters."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.clients import controllers as c
from lk_corporate.core import rights as R
from lk_corporate.core.formkit import trimmed
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("clients", __name__)
bp.add_app_template_filter(trimmed, "trimmed")

bp.add_url_rule("/staff/clients", "index", c.index)
bp.add_url_rule("/staff/clients/new", "create", c.create, methods=("GET", "POST"))
bp.add_url_rule("/staff/clients/<int:client_id>", "detail", c.detail)
bp.add_url_rule("/staff/clients/<int:client_id>/edit", "edit", c.edit, methods=("GET", "POST"))
bp.add_url_rule("/staff/clients/<int:client_id>/points/new", "create_point", c.create_point,
                methods=("GET", "POST"))
bp.add_url_rule("/staff/clients/<int:client_id>/points/<int:point_id>/edit", "edit_point",
                c.edit_point, methods=("GET", "POST"))
bp.add_url_rule("/staff/clients/<int:client_id>/points/<int:point_id>/meters/new",
                "create_meter", c.create_meter, methods=("GET", "POST"))
bp.add_url_rule("/staff/clients/<int:client_id>/meters/<int:meter_id>/edit", "edit_meter",
                c.edit_meter, methods=("GET", "POST"))
bp.add_url_rule("/staff/meters", "meters", c.meters)
bp.add_url_rule("/meters", "my_meters", c.my_meters)
bp.add_url_rule("/meters/<int:meter_id>", "my_meter", c.my_meter)
bp.add_url_rule("/contract", "my_contract", c.my_contract)

register_menu_item(_l("Clients"), "clients.index", right=R.CLIENTS_VIEW, section="clients",
                   order=10, icon="building")
register_menu_item(_l("New client"), "clients.create", right=R.CLIENTS_MANAGE,
                   section="clients", order=20, icon="plus-lg")
register_menu_item(_l("All meters"), "clients.meters", right=R.CLIENTS_VIEW, section="meters",
                   order=10, icon="speedometer")
register_menu_item(_l("Metering devices"), "clients.my_meters", right=R.READINGS_VIEW, section="readings",
                   order=50, icon="speedometer")
register_menu_item(_l("Contract"), "clients.my_contract", right=R.DOCUMENTS_VIEW, section="documents",
                   order=10, icon="file-earmark-text")

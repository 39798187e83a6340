"""URL rules of the registered certificates (staff, on a client's page)."""

from flask import Blueprint

from lk_corporate.certificates import controllers as c
from lk_corporate.clients.panels import ClientPanel, register_client_panel

bp = Blueprint("certificates", __name__)

bp.add_url_rule("/staff/clients/<int:client_id>/certificates", "index", c.index)
bp.add_url_rule("/staff/clients/<int:client_id>/certificates/new", "register", c.register,
                methods=("POST",))
bp.add_url_rule("/staff/clients/<int:client_id>/certificates/<int:certificate_id>/unregister",
                "unregister", c.unregister, methods=("POST",))

register_client_panel(ClientPanel("certificates/client_panel.html", c.client_panel, order=30))

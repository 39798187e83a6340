"""URL rules of the service-request pages and their menu entries."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.core import rights as R
from lk_corporate.service_requests import controllers as c
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("service_requests", __name__)

bp.add_url_rule("/service-requests", "index", c.index)
bp.add_url_rule("/service-requests/new", "new", c.new, methods=["GET", "POST"])
bp.add_url_rule("/service-requests/<int:service_request_id>", "detail", c.detail)
bp.add_url_rule("/staff/service-requests", "queue", c.queue)
bp.add_url_rule("/staff/service-requests/<int:service_request_id>", "staff_detail",
                c.staff_detail)
bp.add_url_rule("/staff/service-requests/<int:service_request_id>/assign", "assign", c.assign,
                methods=["POST"])
bp.add_url_rule("/staff/service-requests/<int:service_request_id>/status", "move", c.move,
                methods=["POST"])

register_menu_item(_l("Service requests"), "service_requests.index", right=R.MESSAGES_WRITE,
                   section="supplier", order=30, icon="tools")
register_menu_item(_l("Service requests"), "service_requests.queue", right=R.MESSAGES_ANSWER,
                   section="correspondence", order=20, icon="tools",
                   badge=c.waiting_badge, badge_label=_l("new"))

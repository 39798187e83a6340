"""URL rules of the supplier's countersigning queue (staff, under /staff/countersign)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.countersign import controllers as c
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("countersign", __name__)

bp.add_url_rule("/staff/countersign", "queue", c.queue)
bp.add_url_rule("/staff/countersign", "sign", c.sign, methods=("POST",))
bp.add_url_rule("/staff/countersign/acceptance", "acceptance", c.acceptance, methods=("POST",))
bp.add_url_rule("/staff/countersign/<int:document_id>/reject", "reject", c.reject,
                methods=("GET", "POST"))

register_menu_item(_l("Awaiting the supplier's signature"), "countersign.queue",
                   right=c.QUEUE_RIGHTS, section="clients", order=35, icon="pen")

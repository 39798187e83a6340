"""URL rules of «Деньги → Расшифровка начислений»."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.charges import controllers as c
from lk_corporate.core import rights as R
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("charges", __name__)

bp.add_url_rule("/charges", "index", c.index)
bp.add_url_rule("/charges/pdf", "pdf", c.pdf)
bp.add_url_rule("/charges/email", "email", c.email, methods=("POST",))

register_menu_item(_l("Charges breakdown"), "charges.index", right=R.MONEY_VIEW,
                   section="money", order=20, icon="table")

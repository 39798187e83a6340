"""URL rules of «Показания → История показаний», and the demo's earlier months."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.consumption import controllers as c
from lk_corporate.consumption.demo import seed_demo_history_from_config
from lk_corporate.core import rights as R
from lk_corporate.demo.seed import register_demo_seeder
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("consumption", __name__)

bp.add_url_rule("/history", "history", c.history)

register_demo_seeder("consumption_history", seed_demo_history_from_config)
register_menu_item(_l("Reading history"), "consumption.history", right=R.READINGS_VIEW,
                   section="readings", order=15, icon="bar-chart")

"""URL rules of the engineer's pages (/staff/reading-review)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.core import rights as R
from lk_corporate.demo.seed import register_demo_seeder
from lk_corporate.reading_review import controllers as c
from lk_corporate.reading_review.demo import seed_demo_correction
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("reading_review", __name__)

bp.add_url_rule("/staff/reading-review", "index", c.index)
bp.add_url_rule("/staff/reading-review/<int:document_id>", "detail", c.detail)
bp.add_url_rule("/staff/reading-review/periods/<int:period_id>/rule", "rule", c.rule,
                methods=("POST",))
bp.add_url_rule("/staff/reading-review/<int:document_id>/confirm", "confirm", c.confirm,
                methods=("POST",))
bp.add_url_rule("/staff/reading-review/<int:document_id>/correct", "correct", c.correct,
                methods=("POST",))

register_menu_item(_l("Readings check"), "reading_review.index", right=R.READINGS_CONFIRM,
                   section="clients", order=35, icon="clipboard-check")

register_demo_seeder("reading_review", seed_demo_correction)

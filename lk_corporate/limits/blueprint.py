"""URL rules of the client's limit request pages (under /limits)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.core import rights as R
from lk_corporate.demo.seed import register_demo_seeder
from lk_corporate.docflow.models import DocumentKind
from lk_corporate.docflow.pages import register_document_page
from lk_corporate.limits import controllers as c
from lk_corporate.limits.demo import seed_demo_limits_from_config
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("limits", __name__)

bp.add_url_rule("/limits", "index", c.index)
bp.add_url_rule("/limits/new", "new", c.new, methods=("GET", "POST"))
bp.add_url_rule("/limits/<int:document_id>", "detail", c.detail)

register_document_page(DocumentKind.LIMIT_REQUEST, "limits.detail")
register_menu_item(_l("Consumption limits"), "limits.index", right=R.DOCUMENTS_VIEW,
                   section="documents", order=40, icon="graph-up")
register_demo_seeder("limits", seed_demo_limits_from_config)

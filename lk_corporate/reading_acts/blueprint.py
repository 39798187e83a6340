"""URL rules of the reading-act pages: the client's under /reading-acts, the staff's under
/staff."""

from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.core import rights as R
from lk_corporate.reading_acts import controllers as c
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("reading_acts", __name__)

bp.add_url_rule("/reading-acts", "index", c.index)
bp.add_url_rule("/reading-acts/<int:document_id>", "detail", c.detail)
bp.add_url_rule("/reading-acts/<int:document_id>/file", "download", c.download)
bp.add_url_rule("/reading-acts/<int:document_id>/report", "report", c.report)
bp.add_url_rule("/reading-acts/<int:document_id>/upload", "upload", c.upload, methods=("POST",))

bp.add_url_rule("/staff/reading-acts", "staff_index", c.staff_index)
bp.add_url_rule("/staff/clients/<int:client_id>/reading-acts/<int:document_id>", "staff_detail",
                c.staff_detail)
bp.add_url_rule("/staff/clients/<int:client_id>/reading-acts/<int:document_id>/file",
                "staff_download", c.staff_download)
bp.add_url_rule("/staff/clients/<int:client_id>/reading-acts/<int:document_id>/report",
                "staff_report", c.staff_report)
bp.add_url_rule("/staff/clients/<int:client_id>/reading-acts/<int:document_id>/accept",
                "staff_accept", c.staff_accept, methods=("POST",))
bp.add_url_rule("/staff/clients/<int:client_id>/reading-acts/<int:document_id>/reject",
                "staff_reject", c.staff_reject, methods=("POST",))

@bp.app_context_processor
def _current_act() -> dict[str, Any]:
    # The cabinet (accounts) shows the period's act without importing this package: a
    # callable, so only a page that asks pays for the query.
    return {"current_reading_act": c.current_act_of_active_client,
            "reading_act_status": c.status_label,
            "reading_corrections": c.corrections_of}


register_menu_item(_l("Reading acts"), "reading_acts.index", right=R.DOCUMENTS_VIEW,
                   section="readings", order=20, icon="file-earmark-check")
register_menu_item(_l("Reading acts"), "reading_acts.staff_index", right=R.CLIENTS_VIEW,
                   section="clients", order=30, icon="file-earmark-check")

"""URL rules of the documents pages."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.core import rights as R
from lk_corporate.docflow import controllers as c
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("docflow", __name__)

bp.add_url_rule("/documents", "index", c.index)
bp.add_url_rule("/documents/<int:document_id>", "detail", c.detail)
bp.add_url_rule("/documents/<int:document_id>/file", "file", c.file)
bp.add_url_rule("/documents/<int:document_id>/revisions/<int:seq>/file", "revision_file",
                c.revision_file)
bp.add_url_rule("/documents/<int:document_id>/evidence.zip", "evidence", c.evidence)
bp.add_url_rule("/staff/documents", "staff_index", c.staff_index)
bp.add_url_rule("/staff/documents/<int:document_id>/evidence.zip", "staff_evidence",
                c.staff_evidence)
bp.add_url_rule("/staff/documents/<int:document_id>", "staff_detail", c.staff_detail)
bp.add_url_rule("/staff/documents/<int:document_id>/file", "staff_file", c.staff_file)
bp.add_url_rule("/staff/documents/<int:document_id>/revisions/<int:seq>/file",
                "staff_revision_file", c.staff_revision_file)

register_menu_item(_l("All documents"), "docflow.index", right=R.DOCUMENTS_VIEW,
                   section="documents", order=5, icon="files")
register_menu_item(_l("Documents"), "docflow.staff_index", right=R.CLIENTS_VIEW,
                   section="clients", order=30, icon="files")

"""URL rules: the client's «Платежи», «Текущее сальдо», «Акты сверки»; the staff's statement
upload, unmatched-payment queue and reconciliation acts; menu entries and the demo seeder."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.core import rights as R
from lk_corporate.demo.seed import register_demo_seeder
from lk_corporate.docflow.models import DocumentKind
from lk_corporate.docflow.pages import register_document_page
from lk_corporate.payments import controllers as c
from lk_corporate.payments.demo import seed_demo_payments_from_config
from lk_corporate.web.menu import MenuSection, register_menu_item, register_section

bp = Blueprint("payments", __name__)

bp.add_url_rule("/payments", "payments", c.payments)
bp.add_url_rule("/balance", "balance", c.balance)
bp.add_url_rule("/reconciliation-acts", "acts", c.acts, methods=("GET", "POST"))
bp.add_url_rule("/reconciliation-acts/<int:document_id>", "act", c.act)
bp.add_url_rule("/reconciliation-acts/<int:document_id>/disagree", "disagree", c.disagree,
                methods=("GET", "POST"))
bp.add_url_rule("/staff/payments", "upload", c.upload, methods=("GET", "POST"))
bp.add_url_rule("/staff/payments/demo-statement", "demo_statement", c.demo_statement)
bp.add_url_rule("/staff/payments/unmatched", "queue", c.queue)
bp.add_url_rule("/staff/payments/<int:payment_id>/assign", "assign", c.assign,
                methods=("GET", "POST"))
bp.add_url_rule("/staff/reconciliation-acts", "staff_acts", c.staff_acts,
                methods=("GET", "POST"))
bp.add_url_rule("/staff/reconciliation-acts/<int:document_id>", "staff_act", c.staff_act)

register_document_page(DocumentKind.RECONCILIATION_ACT, "payments.act")
register_demo_seeder("payments", seed_demo_payments_from_config)

register_menu_item(_l("Payments"), "payments.payments", right=R.MONEY_VIEW, section="money",
                   order=20, icon="cash-stack")
register_menu_item(_l("Current balance"), "payments.balance", right=R.MONEY_VIEW,
                   section="money", order=5, icon="calculator")
register_menu_item(_l("Reconciliation acts"), "payments.acts", right=R.MONEY_VIEW,
                   section="money", order=50, icon="journal-check")

register_section(MenuSection("payments", _l("Payments"), "staff", 135, "cash-stack"))
register_menu_item(_l("Import a bank statement"), "payments.upload", right=R.INVOICES_SIGN,
                   section="payments", order=10, icon="upload")
register_menu_item(_l("Unmatched payments"), "payments.queue", right=R.INVOICES_SIGN,
                   section="payments", order=20, icon="question-circle")
register_menu_item(_l("Reconciliation acts"), "payments.staff_acts", right=R.INVOICES_SIGN,
                   section="payments", order=30, icon="journal-check")

"""URL rules: the client's money pages (/invoices, /tax-invoices), the staff's download and
the period board's «Рассчитать»; the calculation panel of the period page."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lk_corporate.core import rights as R
from lk_corporate.demo.seed import register_demo_seeder
from lk_corporate.invoicing import controllers as c
from lk_corporate.invoicing.demo import seed_demo_invoices_from_config
from lk_corporate.periods.panels import PeriodPanel, register_period_panel
from lk_corporate.web.menu import register_menu_item

bp = Blueprint("invoicing", __name__)

bp.add_url_rule("/invoices", "invoices", c.invoices)
bp.add_url_rule("/invoices/<int:invoice_id>/download", "download_invoice", c.download_invoice)
bp.add_url_rule("/tax-invoices", "tax_invoices", c.tax_invoices)
bp.add_url_rule("/tax-invoices/<int:invoice_id>/download", "download_tax_invoice",
                c.download_tax_invoice)
bp.add_url_rule("/staff/invoices/<int:invoice_id>/download", "staff_download", c.staff_download)
bp.add_url_rule("/staff/periods/<int:period_id>/calculate", "calculate", c.calculate,
                methods=("POST",))

register_period_panel(PeriodPanel("invoicing/period_panel.html", c.period_panel, order=10))
register_demo_seeder("invoicing", seed_demo_invoices_from_config)

register_menu_item(_l("Invoices"), "invoicing.invoices", right=R.MONEY_VIEW, section="money",
                   order=10, icon="receipt")
register_menu_item(_l("Tax invoices"), "invoicing.tax_invoices", right=R.MONEY_VIEW,
                   section="money", order=30, icon="file-earmark-ruled")

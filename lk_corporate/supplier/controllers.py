"""HTTP handlers of the supplier's requisites (staff) and the client's supplier page."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lk_corporate.core import rights as R
from lk_corporate.core.auth import require_client, require_right
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor, submit_form
from lk_corporate.supplier import operations as ops
from lk_corporate.supplier.forms import SupplierForm

# --- supplier settings -------------------------------------------------------------------

@require_right(R.SUPPLIER_MANAGE)
def settings() -> ResponseReturnValue:
    current = ops.get_settings(db.session)
    form = SupplierForm(obj=current)
    if form.validate_on_submit():
        data = ops.SupplierData(
            requisites=form.requisites_data(), vat_rate=form.vat_rate.data,
            currency=form.currency.data or "", login_prefix=form.login_prefix.data or "",
            director=form.director.data or "", chief_accountant=form.chief_accountant.data or "")
        if submit_form(form, ops.update_settings, data, actor=current_actor()):
            flash(_("Changes saved."), "success")
            return redirect(url_for("supplier.settings"))
    return render_template("supplier/settings.html", form=form, settings=current)


@require_client
def requisites() -> ResponseReturnValue:
    """The client's page «Реквизиты поставщика»: who the supplier is and how to pay it."""
    return render_template("supplier/requisites.html", settings=ops.get_settings(db.session))

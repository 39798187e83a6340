"""The staff's pages for a client's registered certificates."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from lk_corporate.certificates import operations as ops
from lk_corporate.certificates.forms import CertificateForm
from lk_corporate.clients.models import Client
from lk_corporate.clients.operations import get_client
from lk_corporate.core import rights as R
from lk_corporate.core.auth import require_right
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor, submit_form


def _read(upload: Any) -> bytes:
    if not isinstance(upload, FileStorage):
        return b""
    # One more byte than allowed: enough to know the file is too large, never more.
    return upload.stream.read(ops.MAX_CERTIFICATE_BYTES + 1)


@require_right(R.CLIENTS_VIEW)
def index(client_id: int) -> ResponseReturnValue:
    """The client's certificates, and (with the right) the form registering another."""
    client = get_client(db.session, client_id)
    form = CertificateForm()
    return render_template("certificates/index.html", client=client, form=form,
                           certificates=ops.client_certificates(db.session, client.id),
                           now=utcnow())


@require_right(R.CERTIFICATES_MANAGE)
def register(client_id: int) -> ResponseReturnValue:
    client = get_client(db.session, client_id)
    form = CertificateForm()
    if form.validate_on_submit() and (row := submit_form(
            form, ops.register_certificate, client, _read(form.file.data),
            actor=current_actor())):
        flash(_("Certificate of %(person)s registered: it now signs for %(client)s.",
                person=row.person, client=client.display_name), "success")
        return redirect(url_for("certificates.index", client_id=client.id))
    return render_template("certificates/index.html", client=client, form=form,
                           certificates=ops.client_certificates(db.session, client.id),
                           now=utcnow()), 422 if form.errors or form.form_errors else 200


@require_right(R.CERTIFICATES_MANAGE)
def unregister(client_id: int, certificate_id: int) -> ResponseReturnValue:
    client = get_client(db.session, client_id)
    row = ops.get_certificate(db.session, client.id, certificate_id)
    ops.unregister_certificate(db.session, row, actor=current_actor())
    flash(_("Certificate of %(person)s unregistered: it no longer signs for the client.",
            person=row.person), "success")
    return redirect(url_for("certificates.index", client_id=client.id))


def client_panel(session: DbSession, client: Client) -> dict[str, Any]:
    """The certificates panel of the staff's client page."""
    return {"certificates": [c for c in ops.client_certificates(session, client.id) if c.active],
            "now": utcnow()}

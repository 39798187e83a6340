"""The staff's outgoing-mail page: queued, sent and given-up messages, and "send again"."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lk_corporate.core import rights as R
from lk_corporate.core.audit import record
from lk_corporate.core.auth import require_right
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor
from lk_corporate.core.mail import MailStatus, mail_queue, requeue


@require_right(R.AUDIT_VIEW)
def index() -> ResponseReturnValue:
    wanted = request.args.get("status", "failed")
    status = MailStatus(wanted) if wanted in MailStatus._value2member_map_ else None
    return render_template("delivery/index.html", mails=mail_queue(db.session, status),
                           status=status)


@require_right(R.AUDIT_VIEW)
def send_again(mail_id: int) -> ResponseReturnValue:
    mail = requeue(db.session, mail_id)
    record(db.session, "mail.requeued", actor=current_actor(), object_type="mail",
           object_id=mail.id, details={"recipient": mail.to, "kind": mail.kind})
    flash(_("The message to %(to)s will be sent again.", to=mail.to), "success")
    return redirect(url_for("delivery.index", status="queued"))

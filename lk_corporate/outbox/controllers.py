"""Outbox pages. They exist only in demo mode (LK_DEMO): anywhere else they answer 404, so
that no deployment can expose other people's mail by accident."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, current_app, render_template
from markupsafe import Markup, escape
from sqlalchemy import select

from lk_corporate.core.extensions import db
from lk_corporate.core.mail import OutgoingMail

_URL = re.compile(r"https?://[^\s<>\"]+")


def _demo_only() -> None:
    if not current_app.config.get("LK_DEMO"):
        abort(404)


def linkify(text: str) -> Markup:
    """The message body with its links clickable (everything else escaped)."""
    out, last = [], 0
    for m in _URL.finditer(text):
        out.append(escape(text[last:m.start()]))
        url = escape(m.group(0))
        out.append(Markup(f'<a href="{url}">{url}</a>'))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def index() -> Any:
    _demo_only()
    mails = db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id.desc()).limit(200)).all()
    return render_template("outbox/index.html", mails=mails)


def message(mail_id: int) -> Any:
    _demo_only()
    mail = db.session.get(OutgoingMail, mail_id)
    if mail is None:
        abort(404)
    return render_template("outbox/message.html", mail=mail, body=linkify(mail.body_text))

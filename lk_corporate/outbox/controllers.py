"""Outbox pages. They exist only in demo mode (LK_DEMO): anywhere else they answer 404, so
that no deployment can expose other people's mail by accident.

Even in the demo they answer only on this machine (a loopback client address): the outbox
holds password-reset and confirmation links, and a demo reachable from the network would let
anyone request a staff member's reset and read the link here.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from flask import abort, current_app, render_template, request
from markupsafe import Markup, escape
from sqlalchemy import select

from lk_corporate.core.extensions import db
from lk_corporate.core.mail import OutgoingMail, mail_attachments
from lk_corporate.core.net import client_ip

_URL = re.compile(r"https?://[^\s<>\"]+")
_PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-Ip")


def _demo_only() -> None:
    if not current_app.config.get("LK_DEMO") or not _from_this_machine():
        abort(404)


def _from_this_machine() -> bool:
    """The client address (after ProxyFix, when LK_TRUST_PROXY is on) is a loopback one."""
    if not current_app.config.get("LK_TRUST_PROXY") and any(
            h in request.headers for h in _PROXY_HEADERS):
        # A proxy on this machine (nginx, a tunnel) forwarded it: the socket's loopback address
        # is the proxy's, and the real client is unknown because the proxy is not trusted.
        return False
    try:
        address = ipaddress.ip_address(client_ip())
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 from a dual-stack socket
    return address.is_loopback


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
    return render_template("outbox/message.html", mail=mail, body=linkify(mail.body_text),
                           attachments=mail_attachments(db.session, mail.id))

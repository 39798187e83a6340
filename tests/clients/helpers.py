"""Helpers of the staff-page tests (clients, supplier, periods, tariffs): valid requisites,
logging in as a role, reading the error shown beside a field, counting audit entries."""

from __future__ import annotations

import html
import re
from typing import Any

from lk_corporate.clients.models import Client
from lk_corporate.core.audit import AuditEntry
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import CLIENT_ACCOUNTANT, CLIENT_SIGNER
from tests.support.factories import create_client_user, create_staff_user, login

# Requisites with correct check digits (the demo's are illustrative and do not all pass).
VALID_CLIENT: dict[str, str] = {
    "name": "Общество с ограниченной ответственностью «Ромашка»",
    "short_name": "ООО «Ромашка»",
    "tax_id": "7712345671",
    "kpp": "771201001",
    "ogrn": "1157746123457",
    "contract_number": "123",
    "contract_date": "2024-01-15",
    "address": "г. Москва, ул. Новослободская, д. 23",
    "email": "buh@romashka.example",
    "phone": "+7 495 000-00-00",
    "bank_name": "АО «Альфа-Банк»",
    "bank_bik": "044525593",
    "bank_account": "40702810801300012345",
    "bank_correspondent_account": "30101810200000000593",
    "is_active": "y",
}
LONG = "x" * 10_000


def as_staff(client: Any, role_code: str, **kwargs: Any) -> Any:
    """Create a staff user of ``role_code`` and log ``client`` in as them."""
    user = create_staff_user(role_code, **kwargs)
    r = login(client, user.login)
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return user


def as_client_user(client: Any, of: Client, roles: tuple[str, ...] = (CLIENT_ACCOUNTANT, CLIENT_SIGNER)) -> Any:
    user = create_client_user(of, roles=roles)
    r = login(client, user.login)
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return user


def field_error(page: str, field: str) -> str | None:
    """The message shown beside ``field`` (the forms macro's ``<id>-error`` block), or None."""
    m = re.search(rf'id="{re.escape(field)}-error"[^>]*>(.*?)</div>', page, re.DOTALL)
    if not m:
        return None
    return html.unescape(re.sub(r"<[^>]+>", " ", m.group(1))).strip()


def form_error(page: str) -> str | None:
    m = re.search(r'class="alert alert-danger lk-form-errors"[^>]*>(.*?)</div>', page, re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", m.group(1))).strip() if m else None


def audit_actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.seq)))

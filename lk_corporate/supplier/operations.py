"""The supplier's own requisites: who the supplier is, how it is paid, its VAT rate and the
prefix of client logins.

Each function takes the session and an ``Actor``, refuses with a ``SupplierError`` naming
the form field before writing, then writes, audits and flushes; the caller's unit of work
commits. (Staff users and roles are the ``staff`` package's.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from decimal import Decimal

from sqlalchemy import select

from lk_corporate.core import requisites
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_, DomainError
from lk_corporate.core.formats import normalize_email
from lk_corporate.supplier.models import SupplierSettings


class SupplierError(DomainError):
    pass


# --- settings ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SupplierData:
    name: str
    short_name: str
    tax_id: str
    vat_rate: Decimal
    currency: str
    login_prefix: str
    kpp: str = ""
    ogrn: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    bank_name: str = ""
    bank_bik: str = ""
    bank_account: str = ""
    bank_correspondent_account: str = ""
    director: str = ""
    chief_accountant: str = ""


def get_settings(session: DbSession) -> SupplierSettings | None:
    """The supplier's single settings row (None before the first setup)."""
    return session.scalars(select(SupplierSettings).order_by(SupplierSettings.id).limit(1)).first()


def _checked_settings(data: SupplierData) -> SupplierData:
    if not data.name.strip():
        raise SupplierError(N_("Enter the supplier's full name."), "name")
    if not data.short_name.strip():
        raise SupplierError(N_("Enter the short name printed on documents."), "short_name")
    requisites.check_inn(data.tax_id)
    requisites.check_kpp(data.kpp)
    requisites.check_ogrn(data.ogrn)
    requisites.check_bank(data.bank_bik, data.bank_account, data.bank_correspondent_account)
    if not isinstance(data.vat_rate, Decimal) or not data.vat_rate.is_finite() \
            or not Decimal(0) <= data.vat_rate < Decimal(100):
        raise SupplierError(N_("The VAT rate is a percentage from 0 to 99.99."), "vat_rate")
    exponent = data.vat_rate.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise SupplierError(N_("At most %(n)s digits after the decimal separator."), "vat_rate", n=2)
    currency = data.currency.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise SupplierError(N_("The currency is a three-letter ISO 4217 code, e.g. RUB."),
                            "currency")
    prefix = data.login_prefix.strip().lower()
    if not re.fullmatch(r"[a-z]{0,10}", prefix):
        raise SupplierError(N_("The login prefix may contain up to 10 Latin letters."),
                            "login_prefix")
    email = normalize_email(data.email) if data.email else ""
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    values.update(currency=currency, login_prefix=prefix, email=email)
    return SupplierData(**values)


def update_settings(session: DbSession, data: SupplierData, *, actor: Actor) -> SupplierSettings:
    """Save the supplier's requisites (creating the row on first setup)."""
    checked = _checked_settings(data)
    settings = get_settings(session)
    created = settings is None
    if settings is None:
        settings = SupplierSettings()
        session.add(settings)
    changes: dict[str, list[str]] = {}
    for f in fields(checked):
        new = getattr(checked, f.name)
        old = getattr(settings, f.name, None)
        if old != new:
            changes[f.name] = ["" if old is None else str(old), str(new)]
            setattr(settings, f.name, new)
    if changes or created:
        session.flush()
        record(session, "supplier.settings_updated", actor=actor, object_type="supplier",
               object_id=settings.id, details={"changes": changes})
    return settings

"""The supplier's own requisites: who the supplier is, how it is paid, its VAT rate and the
prefix of client logins.

Each function takes the session and an ``Actor``, refuses with a ``SupplierError`` naming
the form field before writing, then writes, audits and flushes; the caller's unit of work
commits. (Staff users and roles are the ``staff`` package's.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import select

from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_, DomainError
from lk_corporate.core.requisites import Requisites
from lk_corporate.supplier.models import SupplierSettings


class SupplierError(DomainError):
    code = "supplier_refused"


# --- settings ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SupplierData:
    """The supplier's settings as typed on the form: its requisites and how it bills."""

    requisites: Requisites
    vat_rate: Decimal | None
    currency: str
    login_prefix: str
    director: str = ""
    chief_accountant: str = ""


def get_settings(session: DbSession) -> SupplierSettings | None:
    """The supplier's single settings row (None before the first setup)."""
    return session.scalars(select(SupplierSettings).order_by(SupplierSettings.id).limit(1)).first()


def _checked_settings(data: SupplierData) -> SupplierData:
    checked = data.requisites.checked(short_name_required=True)
    vat = data.vat_rate
    if not isinstance(vat, Decimal) or not vat.is_finite() or not Decimal(0) <= vat < Decimal(100):
        raise SupplierError(N_("The VAT rate is a percentage from 0 to 99.99."), "vat_rate")
    exponent = vat.as_tuple().exponent
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
    return replace(data, requisites=checked, currency=currency, login_prefix=prefix,
                   director=data.director.strip(), chief_accountant=data.chief_accountant.strip())


def update_settings(session: DbSession, data: SupplierData, *, actor: Actor) -> SupplierSettings:
    """Save the supplier's requisites (creating the row on first setup)."""
    checked = _checked_settings(data)
    settings = get_settings(session)
    created = settings is None
    if settings is None:
        settings = SupplierSettings()
        session.add(settings)
    changes = settings.set_requisites(checked.requisites)
    for name in ("vat_rate", "currency", "login_prefix", "director", "chief_accountant"):
        new = getattr(checked, name)
        old = getattr(settings, name, None)
        if old != new:
            changes[name] = ["" if old is None else str(old), str(new)]
            setattr(settings, name, new)
    if changes or created:
        session.flush()
        record(session, "supplier.settings_updated", actor=actor, object_type="supplier",
               object_id=settings.id, details={"changes": changes})
    return settings


def acts_accepted_by_signer(session: DbSession) -> bool:
    """Whether reading acts wait for a supplier signer's countersignature instead of being
    accepted when received."""
    return bool(session.scalar(select(SupplierSettings.acts_accepted_by_signer)
                               .order_by(SupplierSettings.id).limit(1)))


def set_acts_accepted_by_signer(session: DbSession, on: bool, *,
                                actor: Actor) -> SupplierSettings:
    """Reading acts accepted at once when received (off), or only when a supplier signer
    countersigns them from the queue (on)."""
    settings = get_settings(session)
    if settings is None:
        raise SupplierError(N_("The supplier is not set up yet: fill in the requisites first."))
    if settings.acts_accepted_by_signer != on:
        settings.acts_accepted_by_signer = on
        session.flush()
        record(session, "supplier.settings_updated", actor=actor, object_type="supplier",
               object_id=settings.id,
               details={"changes": {"acts_accepted_by_signer": [str(not on), str(on)]}})
    return settings

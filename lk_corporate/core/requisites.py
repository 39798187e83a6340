"""Company requisites (``Requisites``) and the check digits of Russian ones: ИНН, КПП,
ОГРН/ОГРНИП, БИК, bank accounts.

A typo in a tax ID or an account number shows up months later as an unpaid invoice or a
tax invoice the client's accountant cannot book, so the supplier's staff are stopped at the
keyboard. Each ``check_*`` takes the digits (callers strip spaces first) and raises
``RequisitesError`` naming the form field; the algorithms are the published ones (FNS for
ИНН/ОГРН, Bank of Russia for the account key).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from lk_corporate.core.errors import N_, DomainError
from lk_corporate.core.formats import normalize_email


class RequisitesError(DomainError):
    code = "invalid_requisites"


_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_ACCOUNT_WEIGHTS = (7, 1, 3) * 8


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights)) % 11 % 10


def inn_is_valid(inn: str) -> bool:
    """10 digits (an organisation) or 12 (an individual entrepreneur), check digits per FNS."""
    if not inn.isdigit() or not inn.isascii():
        return False
    if len(inn) == 10:
        return _weighted(inn, _INN10_WEIGHTS) == int(inn[9])
    if len(inn) == 12:
        return (_weighted(inn, _INN11_WEIGHTS) == int(inn[10])
                and _weighted(inn, _INN12_WEIGHTS) == int(inn[11]))
    return False


def ogrn_is_valid(ogrn: str) -> bool:
    """ОГРН: 13 digits, check = first 12 mod 11 mod 10; ОГРНИП: 15, first 14 mod 13 mod 10."""
    if not ogrn.isdigit() or not ogrn.isascii():
        return False
    if len(ogrn) == 13:
        return int(ogrn[:12]) % 11 % 10 == int(ogrn[12])
    if len(ogrn) == 15:
        return int(ogrn[:14]) % 13 % 10 == int(ogrn[14])
    return False


def _account_key_ok(prefix: str, account: str) -> bool:
    digits = prefix + account
    return sum(int(d) * w % 10 for d, w in zip(digits, _ACCOUNT_WEIGHTS)) % 10 == 0


def is_treasury_account(account: str) -> bool:
    # Treasury accounts (казначейские счета, "03...") have no control key: their 9th digit is
    # part of the budget code, so the Bank of Russia key check does not apply to them.
    return account.startswith("03")


def check_inn(inn: str, field: str = "tax_id") -> None:
    if not inn:
        raise RequisitesError(N_("Enter the tax ID (ИНН)."), field)
    if not inn.isdigit() or len(inn) not in (10, 12):
        raise RequisitesError(N_("The tax ID (ИНН) has 10 digits for an organisation or 12 for "
                                 "an individual entrepreneur."), field)
    if not inn_is_valid(inn):
        raise RequisitesError(N_("The tax ID (ИНН) is wrong: its check digit does not match. "
                                 "Check for a typo."), field)


def check_kpp(kpp: str, field: str = "kpp") -> None:
    """КПП: 9 characters, digits (the 5th and 6th may be Latin capitals, issued since 2013)."""
    if not kpp:
        return
    if len(kpp) != 9 or not (kpp[:4].isdigit() and kpp[6:].isdigit()
                             and all(c.isdigit() or "A" <= c <= "Z" for c in kpp[4:6])):
        raise RequisitesError(N_("The КПП has 9 digits."), field)


def check_ogrn(ogrn: str, field: str = "ogrn") -> None:
    if not ogrn:
        return
    if not ogrn.isdigit() or len(ogrn) not in (13, 15):
        raise RequisitesError(N_("The ОГРН has 13 digits (15 for an individual entrepreneur)."),
                              field)
    if not ogrn_is_valid(ogrn):
        raise RequisitesError(N_("The ОГРН is wrong: its check digit does not match."), field)


def check_bank(bik: str, account: str, correspondent: str, *, bik_field: str = "bank_bik",
               account_field: str = "bank_account",
               correspondent_field: str = "bank_correspondent_account") -> None:
    """БИК and the two accounts, each checked against the БИК when both are given."""
    if bik and (not bik.isdigit() or len(bik) != 9):
        raise RequisitesError(N_("The БИК has 9 digits."), bik_field)
    for value, field in ((account, account_field), (correspondent, correspondent_field)):
        if value and (not value.isdigit() or len(value) != 20):
            raise RequisitesError(N_("A bank account number has 20 digits."), field)
    if (account or correspondent) and not bik:
        raise RequisitesError(N_("Enter the БИК of the bank: the account numbers are checked "
                                 "against it."), bik_field)
    if account and not is_treasury_account(account) and not _account_key_ok(bik[-3:], account):
        raise RequisitesError(N_("The account number does not match the БИК (wrong control "
                                 "key). Check both for a typo."), account_field)
    if correspondent and not _account_key_ok("0" + bik[4:6], correspondent):
        raise RequisitesError(N_("The correspondent account does not match the БИК (wrong "
                                 "control key)."), correspondent_field)


@dataclass(frozen=True)
class Requisites:
    """A company as documents name it: the client's or the supplier's requisites.

    One value object for both, so the checks, the stored columns (``RequisitesColumns``),
    the form fields (``core.formkit.RequisitesFields``) and the way pages print them
    (``macros/ui.html: requisites_list``) are written once.
    """

    name: str
    tax_id: str
    short_name: str = ""
    kpp: str = ""
    ogrn: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    bank_name: str = ""
    bank_bik: str = ""
    bank_account: str = ""
    bank_correspondent_account: str = ""

    @classmethod
    def of(cls, row: Any) -> Requisites:
        """The requisites held by a row with ``RequisitesColumns`` (or a form's data)."""
        return cls(**{name: (getattr(row, name, "") or "") for name in REQUISITES_FIELDS})

    def checked(self, *, short_name_required: bool = False) -> Requisites:
        """The same requisites, normalised, or a ``RequisitesError`` naming the field."""
        if not self.name.strip():
            raise RequisitesError(N_("Enter the full legal name."), "name")
        if short_name_required and not self.short_name.strip():
            raise RequisitesError(N_("Enter the short name printed on documents."),
                                  "short_name")
        check_inn(self.tax_id)
        check_kpp(self.kpp)
        check_ogrn(self.ogrn)
        check_bank(self.bank_bik, self.bank_account, self.bank_correspondent_account)
        email = normalize_email(self.email) if self.email else ""
        return replace(self, name=self.name.strip(), short_name=self.short_name.strip(),
                       email=email)

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in REQUISITES_FIELDS}


REQUISITES_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Requisites))


class RequisitesColumns:
    """The columns of ``Requisites`` on a model (``clients``, ``supplier_settings``)."""

    name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str] = mapped_column(String(200), default="")
    tax_id: Mapped[str] = mapped_column(String(20), index=True)
    kpp: Mapped[str] = mapped_column(String(20), default="")
    ogrn: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    bank_name: Mapped[str] = mapped_column(String(300), default="")
    bank_bik: Mapped[str] = mapped_column(String(20), default="")
    bank_account: Mapped[str] = mapped_column(String(34), default="")
    bank_correspondent_account: Mapped[str] = mapped_column(String(34), default="")

    @property
    def requisites(self) -> Requisites:
        return Requisites.of(self)

    def set_requisites(self, value: Requisites) -> dict[str, list[str]]:
        """Store ``value``; what changed, as ``{field: [old, new]}`` for the audit log."""
        changes: dict[str, list[str]] = {}
        for name, new in value.as_dict().items():
            old = getattr(self, name, None)
            if old != new:
                changes[name] = ["" if old is None else str(old), new]
                setattr(self, name, new)
        return changes

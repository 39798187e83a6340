"""Shared input types: parties with their requisites, bank details, signers, and the checks
every document's input dataclass runs in ``__post_init__``.

Inputs are frozen dataclasses so that a document is a pure function of its input: the same
input value always gives the same bytes, and the input can be stored next to the file.
Money and volumes are :class:`~decimal.Decimal` (a float is refused), dates are
:class:`datetime.date`, moments are timezone-aware :class:`datetime.datetime`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from documents.errors import InvalidDocumentData
from documents.money import CURRENCIES

__all__ = [
    "MONTHS_RU",
    "MONTHS_RU_GENITIVE",
    "BankAccount",
    "Party",
    "Signer",
    "check_aware",
    "check_currency",
    "check_date",
    "check_decimal",
    "check_period",
    "check_text",
    "check_url",
    "format_date",
    "format_date_long",
    "format_moment",
    "format_period",
]

MONTHS_RU = ("Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август",
             "Сентябрь", "Октябрь", "Ноябрь", "Декабрь")
MONTHS_RU_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля",
                      "августа", "сентября", "октября", "ноября", "декабря")


def format_date(value: date) -> str:
    """``date(2026, 10, 31)`` -> ``"31.10.2026"`` (the form used in document numbers)."""
    return value.strftime("%d.%m.%Y")


@dataclass(frozen=True)
class BankAccount:
    """A settlement account: what the standard Russian bank block prints."""

    bank_name: str  # "ПАО «Сбербанк России», г. Москва"
    bik: str  # БИК, 9 digits
    account: str  # расчётный счёт, 20 digits
    correspondent_account: str  # корр. счёт, 20 digits

    def __post_init__(self) -> None:
        check_text(self, "bank_name", self.bank_name)
        for name in ("bik", "account", "correspondent_account"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.isdigit():
                raise InvalidDocumentData(f"BankAccount.{name} must be digits, got {value!r}")


@dataclass(frozen=True)
class Party:
    """An organisation on a document: supplier, client, buyer, payer.

    ``tax_id`` is the ИНН (or БИН / ЄДРПОУ); ``kpp`` and ``ogrn`` are Russian-only and may be
    ``None``. ``logo_png`` is only used for the supplier (the page header's logo area; without
    it a monogram is drawn).
    """

    name: str
    tax_id: str
    address: str
    kpp: str | None = None
    ogrn: str | None = None
    bank: BankAccount | None = None
    phone: str | None = None
    email: str | None = None
    short_name: str | None = None
    logo_png: bytes | None = None

    def __post_init__(self) -> None:
        check_text(self, "name", self.name)
        check_text(self, "tax_id", self.tax_id)
        check_text(self, "address", self.address)

    @property
    def display_name(self) -> str:
        """The short name when there is one (headers, statements), else the full name."""
        return self.short_name or self.name

    @property
    def tax_line(self) -> str:
        """``"ИНН 7701234560, КПП 770101001"`` (КПП only when known)."""
        text = f"ИНН {self.tax_id}"
        if self.kpp:
            text += f", КПП {self.kpp}"
        return text

    @property
    def requisites(self) -> str:
        """Name, tax IDs and address in one line, as in "Поставщик: ..." blocks."""
        parts = [self.name, self.tax_line]
        if self.ogrn:
            parts.append(f"ОГРН {self.ogrn}")
        parts.append(self.address)
        if self.phone:
            parts.append(f"тел. {self.phone}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Signer:
    """A person whose signature line a document prints ("Руководитель ____ Смирнов А. В.").
    An empty ``name`` leaves the line blank, to be filled by whoever signs."""

    position: str
    name: str = ""

    def __post_init__(self) -> None:
        check_text(self, "position", self.position)
        if not isinstance(self.name, str):
            raise InvalidDocumentData(f"Signer.name must be a string, got {self.name!r}")


def _where(owner: object, name: str) -> str:
    return f"{type(owner).__name__}.{name}"


def check_text(owner: object, name: str, value: Any, *, optional: bool = False) -> None:
    """A non-empty str (or None when ``optional``)."""
    if optional and value is None:
        return
    if not isinstance(value, str) or not value.strip():
        raise InvalidDocumentData(f"{_where(owner, name)} must be a non-empty string, got {value!r}")


def check_decimal(owner: object, name: str, value: Any, *, optional: bool = False,
                  non_negative: bool = False) -> None:
    """A finite Decimal; floats are refused because they cannot hold kopecks exactly."""
    if optional and value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidDocumentData(
            f"{_where(owner, name)} must be a finite Decimal, got {type(value).__name__} {value!r}")
    if non_negative and value < 0:
        raise InvalidDocumentData(f"{_where(owner, name)} must not be negative, got {value}")


def check_date(owner: object, name: str, value: Any, *, optional: bool = False) -> None:
    """A date that is not a datetime (a datetime would silently carry a time and a zone)."""
    if optional and value is None:
        return
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidDocumentData(f"{_where(owner, name)} must be a datetime.date, got {value!r}")


def check_aware(owner: object, name: str, value: Any, *, optional: bool = False) -> None:
    """A timezone-aware datetime: a naive one is ambiguous in a signed document."""
    if optional and value is None:
        return
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidDocumentData(f"{_where(owner, name)} must be an aware datetime, got {value!r}")


def check_url(owner: object, name: str, value: Any) -> None:
    """The portal's verification address printed in the footer and its QR code."""
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise InvalidDocumentData(f"{_where(owner, name)} must be an http(s) URL, got {value!r}")


def check_currency(owner: object, name: str, value: Any) -> None:
    if value not in CURRENCIES:
        raise InvalidDocumentData(
            f"{_where(owner, name)} must be one of {', '.join(CURRENCIES)}, got {value!r}")


def format_date_long(value: date) -> str:
    """``date(2026, 10, 31)`` -> ``"31 октября 2026 г."`` (document titles)."""
    return f"{value.day} {MONTHS_RU_GENITIVE[value.month - 1]} {value.year} г."


def format_period(year: int, month: int) -> str:
    """``(2026, 10)`` -> ``"октябрь 2026 г."``."""
    return f"{MONTHS_RU[month - 1].lower()} {year} г."


def check_period(owner: object, year: Any, month: Any) -> None:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidDocumentData(f"{type(owner).__name__}.year must be an int year, got {year!r}")
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise InvalidDocumentData(f"{type(owner).__name__}.month must be 1..12, got {month!r}")


def format_moment(value: datetime) -> str:
    """``"31.10.2026 14:05:12 (UTC+03:00)"``: a moment with its offset, never ambiguous."""
    offset = value.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    return (f"{value:%d.%m.%Y %H:%M:%S} (UTC{sign}{abs(minutes) // 60:02d}:"
            f"{abs(minutes) % 60:02d})")

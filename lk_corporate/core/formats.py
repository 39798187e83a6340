"""How identifiers typed by people are normalised, in one place for every package.

Accountants type a tax ID with spaces, a contract number with "№", an e-mail address in any
case; the portal compares and stores one form of each.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from lk_corporate.core.errors import N_, DomainError


class FormatError(DomainError):
    code = "invalid_format"


def normalize_email(raw: str, field: str = "email") -> str:
    """A syntactically valid, lower-cased address that SMTP can carry.

    The part before ``@`` must be in Latin letters: a mailbox name in Cyrillic needs
    SMTPUTF8, which most mail servers (and the supplier's relay) do not offer, so such a
    message would never leave. A Cyrillic domain (``пример.рф``) is fine: it is kept in its
    ASCII form (``xn--e1afmkfd.xn--p1ai``), which every server accepts. No DNS lookup: it
    must work offline, and a supplier may run mail on an internal domain.
    """
    raw = (raw or "").strip()
    if len(raw) > 254:
        raise FormatError(N_("The e-mail address is too long."), field)
    try:
        checked = validate_email(raw, check_deliverability=False, globally_deliverable=False,
                                 allow_smtputf8=False)
    except EmailNotValidError:
        local = raw.rpartition("@")[0]
        if local and not local.isascii():
            raise FormatError(N_("Write the part of the address before @ in Latin letters: "
                                 "mail servers cannot deliver to a mailbox name in Cyrillic."),
                              field) from None
        raise FormatError(N_("Enter a valid e-mail address."), field) from None
    address = (checked.ascii_email or checked.normalized).lower()
    if len(address) > 254:
        raise FormatError(N_("The e-mail address is too long."), field)
    return address


def normalize_tax_id(raw: str) -> str:
    """Digits only: accountants type ИНН with spaces or dashes."""
    return re.sub(r"[\s\-\u00a0]", "", raw or "")


def normalize_contract_number(raw: str) -> str:
    """``№ 123`` and ``123 `` are the same contract (the login is derived from it)."""
    return re.sub(r"\s+", "", raw or "").lstrip("№").strip()

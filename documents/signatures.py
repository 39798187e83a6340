"""Which signature fields each document kind carries.

Every signed kind draws a «Место для отметки об электронной подписи» box per signing party
and puts an empty signature field (``/FT /Sig``) exactly on it, named after the party:
``supplier`` or ``client``. The portal's signing flows sign the party's field
(``signing.SigningOptions(field_name=...)``), so the stamp lands in its box.

The names are listed in the order in which the parties sign the kind; a later field stays
fillable after an earlier signer certifies the document (DocMDP P=2).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

__all__ = ["CLIENT", "SIGNATURE_FIELDS", "SUPPLIER", "Party", "signature_field",
           "signature_fields"]

SUPPLIER = "supplier"
"""The supplier's signature field (the supplier's key, server-side)."""

CLIENT = "client"
"""The client's signature field (signed in the browser or uploaded)."""

Party = Literal["supplier", "client"]

SIGNATURE_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "reading_act": (SUPPLIER, CLIENT),
    "invoice": (SUPPLIER,),
    "tax_invoice": (SUPPLIER,),
    "limit_request": (CLIENT, SUPPLIER),
    "reconciliation_act": (SUPPLIER, CLIENT),
    "charges_breakdown": (SUPPLIER,),
    "reading_correction": (SUPPLIER,),
})
"""Document kind (the module's name) → its signature fields, in signing order."""


def signature_fields(kind: str) -> tuple[str, ...]:
    """The signature fields of ``kind`` (``"reading_act"``, ``"invoice"``…), in signing
    order; ``KeyError`` for an unknown kind."""
    return SIGNATURE_FIELDS[kind]


def signature_field(kind: str, party: Party) -> str:
    """The field ``party`` signs on a document of ``kind``; ``KeyError`` if that party does
    not sign this kind (the client signs no invoice)."""
    if party not in SIGNATURE_FIELDS[kind]:
        raise KeyError(f"the {party} does not sign a {kind}")
    return party

"""The shapes of ``/api/v1``: every query string, request body and response, as pydantic
models.

These models are the single source: ``api.http`` validates each request with them (a field
that does not fit is a 422 naming the field), ``api.endpoints`` builds each response through
them, and ``api.spec`` writes the OpenAPI 3.1 description from their JSON Schemas. Field
names are a contract with outside software: rename nothing.

Numbers that are money or quantities travel as decimal strings (``"1234.50"``, ``"0.5"``),
never as JSON floats; in a request a JSON number is read exactly too (``api.http`` parses
JSON numbers as ``Decimal``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    WithJsonSchema,
    model_validator,
)

from lk_corporate.clients.models import MeterStatus, Service
from lk_corporate.clients.operations import ZONES
from lk_corporate.core.errors import N_
from lk_corporate.core.formkit import parse_decimal
from lk_corporate.core.urls import MAX_ID
from lk_corporate.docflow.models import DocumentKind, DocumentStatus
from lk_corporate.periods.models import PeriodStatus

# --- value types -------------------------------------------------------------------------

QueryId = Annotated[int, Field(ge=1, le=MAX_ID)]
"""An ID in a query string (text there, so "12" is 12)."""
BodyId = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
"""An ID in a JSON body: a JSON integer, not "12" and not true."""

_DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
_DECIMAL_OUT = WithJsonSchema({"type": "string", "pattern": _DECIMAL_PATTERN,
                               "examples": ["1234.50"]}, mode="serialization")


def _plain_quantity(value: Decimal) -> str:
    """``Decimal('200.000000')`` → ``"200"``, ``Decimal('8.62')`` → ``"8.62"`` (no exponent)."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        normal = normal.quantize(Decimal(1))
    return format(normal, "f")


def _plain_money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


Quantity = Annotated[Decimal, PlainSerializer(_plain_quantity, return_type=str), _DECIMAL_OUT]
"""A ratio, price or reading in a response: a decimal string without trailing zeros."""
Money = Annotated[Decimal, PlainSerializer(_plain_money, return_type=str), _DECIMAL_OUT]
"""An amount in a response: a decimal string with kopecks (``"1234.50"``)."""


_MAX_PLACES = 6  # the message below names it
_TOO_LARGE = Decimal(10) ** 14  # what a Quantity column (Numeric(20, 6)) holds


def _decimal_in(value: Any) -> Decimal:
    # bool is an int to Python; a reading of `true` is a mistake, not 1. An explicit null is
    # as wrong as a missing number: leave the key out instead.
    if isinstance(value, bool) or value is None:
        raise ValueError(N_("a number or a decimal string is expected"))
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, str):
        if len(value) > 40:
            raise ValueError(N_("the number is too long"))
        try:
            number = parse_decimal(value)
        except ValueError:
            raise ValueError(N_("digits and one decimal separator (. or ,) are expected")) from None
    else:
        # pydantic reports ValueError as a field error; a TypeError would escape as a 500.
        raise ValueError(N_("a number or a decimal string is expected"))  # noqa: TRY004
    if not number.is_finite() or number < 0:
        raise ValueError(N_("a number of zero or more is expected"))
    if number >= _TOO_LARGE:
        raise ValueError(N_("the number is too large"))
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > _MAX_PLACES:
        raise ValueError(N_("at most 6 digits after the decimal separator"))
    return number


OptionalDecimalIn = Annotated[
    Decimal | None, BeforeValidator(_decimal_in),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^[0-9]+([.,][0-9]+)?$"},
                              {"type": "number", "minimum": 0}],
                    "examples": ["12345.67"]}, mode="validation")]
"""A reading or a consumption in a request: a decimal string (``.`` or ``,``) or a JSON
number, read exactly; may be left out (never null)."""

DecimalIn = Annotated[
    Decimal, BeforeValidator(_decimal_in),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^[0-9]+([.,][0-9]+)?$"},
                              {"type": "number", "minimum": 0}],
                    "examples": ["12500.5"]}, mode="validation")]
"""A volume in a request: a decimal string (``.`` or ``,``) or a JSON number, read exactly;
never null."""

Zone = Literal[ZONES]  # type: ignore[valid-type]  # the tuple of zone names, as a Literal
Code = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9_.:-]+$")]
"""A warning's code as the 409 gave it, to confirm it: ``partial_submission``, or with the
meter (and zone) it is about, ``verification_expired:7``, ``over_max_consumption:7:day``."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- query strings -----------------------------------------------------------------------

class NoQuery(_In):
    """An operation that takes no query parameters refuses unknown ones (a typo is not
    silently ignored)."""


class ClientQuery(_In):
    client_id: QueryId = Field(description="The client (one the token may act for).")


class TariffQuery(ClientQuery):
    period_id: QueryId | None = Field(
        None, description="Tariffs valid on any day of this period's month; without it, of the "
                          "open period, or those in force today when no period is open.")


class DocumentQuery(_In):
    client_id: QueryId | None = Field(None, description="Only this client's documents.")
    kind: DocumentKind | None = None
    period_id: QueryId | None = None
    status: DocumentStatus | None = None
    limit: int = Field(100, ge=1, le=500, description="At most this many documents.")
    offset: int = Field(0, ge=0, le=1_000_000, description="Skip this many (newest first).")


class ChargesQuery(ClientQuery):
    period_id: QueryId | None = Field(
        None, description="The month; without it, the newest month calculated for the client "
                          "(or the newest period when none is).")


# --- request bodies ----------------------------------------------------------------------

class PaymentQuery(ClientQuery):
    offset: int = Field(0, ge=0, le=MAX_ID)
    limit: int = Field(100, ge=1, le=1000)


def _one_of_value(schema: dict[str, Any]) -> None:
    schema["oneOf"] = [{"required": ["value"]}, {"required": ["consumption"]}]
    for name in ("value", "consumption"):
        schema["properties"][name].pop("default", None)  # left out, never null


class ReadingIn(_In):
    """One register of one meter: the reading (``value``) or the consumption since the
    previous one (``consumption``) — exactly one of the two. ``rollover``: the register went
    past its maximum and started from zero (only with ``value``)."""

    model_config = ConfigDict(extra="forbid", frozen=True,
                              json_schema_extra=lambda schema: _one_of_value(schema))

    meter_id: BodyId
    zone: Zone
    value: OptionalDecimalIn = None
    consumption: OptionalDecimalIn = None
    rollover: Annotated[bool, Strict()] = False

    @model_validator(mode="after")
    def _value_or_consumption(self) -> ReadingIn:
        if (self.value is None) == (self.consumption is None):
            raise ValueError(N_("give either value or consumption"))
        if self.rollover and self.value is None:
            raise ValueError(N_("rollover goes with a value, not a consumption"))
        return self


class SigningStartIn(_In):
    """The signer's certificate chain (base64 DER, the signer's own first; the issuers may be
    left out, the portal completes the chain) and, optionally, the signature algorithm:
    ``rsa-pkcs1v15`` (default for RSA keys), ``rsa-pss`` or ``ecdsa`` (P-256)."""

    certificates: list[str] = Field(min_length=1, max_length=10)
    signature_algorithm: str | None = Field(default=None, max_length=40)


class SigningFinishIn(_In):
    """The signature value over ``to_be_signed`` (base64): PKCS#1 v1.5 or PSS for RSA, raw
    r‖s or DER for ECDSA."""

    signature: str = Field(min_length=1, max_length=20_000)


class SendIn(_In):
    """``idempotency_key``: the same key again changes nothing (a retried request)."""

    idempotency_key: str | None = Field(default=None, max_length=100)


class ReadingsIn(_In):
    client_id: BodyId
    period_id: BodyId
    readings: list[ReadingIn] = Field(min_length=1, max_length=500)
    confirm: list[Code] = Field(default_factory=list, max_length=50, description=(
        "Codes of the warnings (a 409 answer lists them) the sender confirms."))


class LimitPointIn(_In):
    """One metering point of the client and its twelve monthly volumes, kWh (January
    first)."""

    point_id: BodyId
    months: list[DecimalIn] = Field(min_length=12, max_length=12)


class LimitRequestIn(_In):
    client_id: BodyId
    year: Annotated[int, Strict(), Field(ge=2000, le=2100)] = Field(
        description="The year the limits are for (this year or the next two).")
    points: list[LimitPointIn] = Field(min_length=1, max_length=200)


class RejectIn(_In):
    """``reason``: why the document is rejected; required, the client reads it."""

    reason: str = Field(max_length=1000)
class ReconciliationActIn(_In):
    client_id: BodyId
    date_from: dt.date = Field(description="The first day of the period.")
    date_to: dt.date = Field(description="The last day of the period (today at the latest).")


# --- responses -------------------------------------------------------------------------

class ClientOut(_Out):
    id: int
    name: str
    tax_id: str
    contract_number: str


class ClientList(_Out):
    items: list[ClientOut]


class PeriodOut(_Out):
    id: int
    year: int
    month: int
    status: PeriodStatus
    calculation_date: dt.date
    readings_open: bool = Field(description="Readings for this period are accepted today.")


class PeriodList(_Out):
    items: list[PeriodOut]


class TariffOut(_Out):
    id: int
    service: Service
    zone: str
    unit: str
    price: Quantity = Field(description="Per unit, without VAT.")
    valid_from: dt.date
    valid_to: dt.date | None = Field(description="The last day (inclusive); null: open-ended.")


class TariffList(_Out):
    items: list[TariffOut]


class PreviousReadingOut(_Out):
    value: Quantity
    date: dt.date
    source: str


class MeterOut(_Out):
    id: int
    client_id: int
    point_id: int
    point: str = Field(description="The metering point's name.")
    service: Service
    factory_number: str | None
    status: MeterStatus
    verification_date: dt.date | None
    zones: list[str]
    digits: int
    decimals: int
    ct_ratio: Quantity
    vt_ratio: Quantity
    max_consumption: Quantity | None
    previous: dict[str, PreviousReadingOut] = Field(
        description="The last accepted reading of each zone (a zone without one is absent).")


class MeterList(_Out):
    items: list[MeterOut]


class SignerOut(_Out):
    person: str | None = None
    organization: str | None = None
    tax_id: str | None = None
    serial: str | None = None
    not_before: str | None = None
    not_after: str | None = None


class SigningStarted(_Out):
    """What the client signs: ``to_be_signed`` (base64 of the DER signed attributes; sign
    them with ``signature_algorithm`` over ``digest_algorithm``), its SHA-256 ``digest`` for
    signers that take a hash, and the ``session`` to finish with before ``expires_at``."""

    session: str
    expires_at: str | None = None
    to_be_signed: str
    digest: str
    signature_algorithm: str
    digest_algorithm: str
    webcrypto: dict[str, Any] = Field(default_factory=dict)
    signer: SignerOut
    chain_length: int


class DocumentOut(_Out):
    """A document. ``amount_net``, ``vat``, ``total``, ``due_date`` and ``remaining`` are
    an invoice's or tax invoice's (null for other kinds, and while not known)."""

    id: int
    kind: DocumentKind
    number: str
    date: dt.date
    client_id: int
    period_id: int | None
    status: DocumentStatus
    status_reason: str = Field(description="Why it was rejected or voided; empty otherwise.")
    sha256: str = Field(description="SHA-256 (hex) of the current file.")
    signatures: int = Field(description="How many signatures the current file carries.")
    supersedes: int | None = Field(description="The document this one corrects.")
    superseded_by: int | None = Field(description="The document that corrects this one.")
    amount_net: Money | None
    vat: Money | None
    total: Money | None
    due_date: dt.date | None
    remaining: Money | None = Field(description="What is still to be paid.")


class DocumentList(_Out):
    items: list[DocumentOut]
    next_offset: int | None = Field(description="The offset of the next page; null: last page.")


class ChargeLineOut(_Out):
    """One charged register: a meter's zone in the month, as the calculation charged it.
    ``consumption`` = (``current`` − ``previous``) × ``ct_ratio`` × ``vt_ratio``;
    ``amount`` = round(``consumption`` × ``tariff``) to kopecks, ``vat`` = round(``amount`` ×
    ``vat_rate`` / 100), ``total`` = ``amount`` + ``vat``."""

    service: Service
    service_name: str
    point_id: int | None
    point: str = Field(description="The metering point's name.")
    factory_number: str
    zone: str
    zone_name: str
    unit: str
    previous: Quantity
    current: Quantity
    ct_ratio: Quantity
    vt_ratio: Quantity
    consumption: Quantity
    tariff: Quantity = Field(description="Per unit, without VAT.")
    vat_rate: Quantity = Field(description="Percent.")
    amount: Money = Field(description="Without VAT.")
    vat: Money
    total: Money = Field(description="With VAT.")


class ChargesOut(_Out):
    """A client's charges breakdown of one month. ``calculated`` false: the month has no
    calculation yet (no lines, totals null)."""

    client_id: int
    period_id: int | None
    year: int | None
    month: int | None
    calculated: bool
    invoice_id: int | None = Field(description="The invoice the lines were charged in.")
    invoice_number: str | None
    currency: str | None
    lines: list[ChargeLineOut]
    amount: Money | None = Field(description="Sum of the lines' amounts without VAT.")
    vat: Money | None
    total: Money | None = Field(description="Sum of the lines' totals: the invoice's total.")
class AllocationOut(_Out):
    invoice_id: int
    amount: Money


class PaymentOut(_Out):
    """An incoming payment matched to the client, and the invoices it paid (the rest of
    ``amount`` is an advance)."""

    id: int
    date: dt.date
    amount: Money
    payer_tax_id: str
    purpose: str
    allocations: list[AllocationOut]


class PaymentList(_Out):
    items: list[PaymentOut]
    next_offset: int | None = Field(description="The offset of the next page; null: last page.")


class BalanceOut(_Out):
    """The client's balance today: everything invoiced minus everything paid; positive is a
    debt, negative an overpayment."""

    as_of: dt.date
    invoiced: Money
    paid: Money
    balance: Money


class ReconciliationActCreated(_Out):
    document: DocumentOut


class ActCreated(_Out):
    act: DocumentOut


class LimitRequestCreated(_Out):
    document: DocumentOut


class ProblemDetail(_Out):
    """One thing wrong: a request field (``field``), or a meter's zone (``meter_id``,
    ``zone``)."""

    code: str
    message: str
    field: str | None = None
    meter_id: int | None = None
    zone: str | None = None


class ConfirmationWarning(_Out):
    """Something the sender must confirm (send its ``code`` in ``confirm``)."""

    code: str
    message: str
    meter_id: int | None = None
    confirmed: bool = Field(False, description=(
        "The request's `confirm` named this code already: only the others are still to "
        "confirm. Every warning is listed, so sending back all the codes of one answer is "
        "enough."))


class Problem(_Out):
    """Every error answer: a stable ``code``, a message for people, and for a refused request
    what exactly was wrong (``errors``) or what must be confirmed (``warnings``)."""

    code: str
    message: str
    errors: list[ProblemDetail] | None = None
    warnings: list[ConfirmationWarning] | None = None


class ValidationReport(_Out):
    """The validation report of the document's newest signed revision, as the portal's
    validator wrote it (``docs/validation.md``)."""

    model_config = ConfigDict(frozen=True, extra="allow")


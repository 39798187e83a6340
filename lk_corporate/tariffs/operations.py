"""Tariffs: a price per unit (without VAT) for a service and zone, valid over a date range.

For one service, zone and tariff group the validity ranges must not overlap: the calculation
looks up exactly one price per day. A tariff is ended by giving it a last day; the next one
starts the day after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from sqlalchemy import or_, select

from lk_corporate.clients.models import Service
from lk_corporate.clients.operations import ZONES
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_, DomainError, NotFound
from lk_corporate.tariffs.models import Tariff


class TariffError(DomainError):
    pass


PRICE_PLACES = 6


@dataclass(frozen=True)
class TariffData:
    service: Service
    zone: str
    unit: str
    price: Decimal | None
    valid_from: dt.date
    valid_to: dt.date | None = None
    tariff_group: str = ""


def _checked(data: TariffData) -> TariffData:
    if not isinstance(data.service, Service):
        raise TariffError(N_("Choose the service."), "service")
    if data.zone not in ZONES:
        raise TariffError(N_("Choose the tariff zone."), "zone")
    group = (data.tariff_group or "").strip()
    if len(group) > 20:
        raise TariffError(N_("At most %(n)s characters."), "tariff_group", n=20)
    unit = (data.unit or "").strip()
    if not unit:
        raise TariffError(N_("Enter the unit, e.g. кВт·ч or м³."), "unit")
    if len(unit) > 20:
        raise TariffError(N_("At most %(n)s characters."), "unit", n=20)
    price = data.price
    if price is None:
        raise TariffError(N_("Enter the price."), "price")
    if not isinstance(price, Decimal):
        raise TypeError("prices are Decimal")
    if not price.is_finite() or price <= 0:
        raise TariffError(N_("Enter a price greater than zero."), "price")
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > PRICE_PLACES:
        raise TariffError(N_("At most %(n)s digits after the decimal separator."), "price",
                          n=PRICE_PLACES)
    if price >= Decimal(10) ** 14:
        raise TariffError(N_("The number is too large."), "price")
    if data.valid_from is None:
        raise TariffError(N_("Enter the first day of validity."), "valid_from")
    if data.valid_to is not None and data.valid_to < data.valid_from:
        raise TariffError(N_("The last day of validity cannot be before the first."), "valid_to")
    return TariffData(service=data.service, zone=data.zone, unit=unit, price=price,
                      valid_from=data.valid_from, valid_to=data.valid_to, tariff_group=group)


def _check_overlap(session: DbSession, data: TariffData, *, exclude_id: int | None) -> None:
    stmt = select(Tariff).where(
        Tariff.service == data.service, Tariff.zone == data.zone,
        Tariff.tariff_group == data.tariff_group,
        or_(Tariff.valid_to.is_(None), Tariff.valid_to >= data.valid_from))
    if data.valid_to is not None:
        stmt = stmt.where(Tariff.valid_from <= data.valid_to)
    if exclude_id is not None:
        stmt = stmt.where(Tariff.id != exclude_id)
    clash = session.scalars(stmt.order_by(Tariff.valid_from).limit(1)).first()
    if clash is not None:
        until = clash.valid_to.strftime("%d.%m.%Y") if clash.valid_to else "…"
        raise TariffError(N_("Overlaps the tariff %(price)s valid %(first)s – %(last)s for the "
                             "same service and zone. End that tariff first or change the dates."),
                          "valid_from", price=str(clash.price.normalize()),
                          first=clash.valid_from.strftime("%d.%m.%Y"), last=until)


def _details(t: Tariff) -> dict[str, str]:
    return {"service": t.service.value, "zone": t.zone, "group": t.tariff_group,
            "unit": t.unit, "price": str(t.price),
            "valid_from": t.valid_from.isoformat(),
            "valid_to": t.valid_to.isoformat() if t.valid_to else ""}


def create_tariff(session: DbSession, data: TariffData, *, actor: Actor) -> Tariff:
    checked = _checked(data)
    _check_overlap(session, checked, exclude_id=None)
    tariff = Tariff(service=checked.service, zone=checked.zone, tariff_group=checked.tariff_group,
                    unit=checked.unit, price=checked.price, valid_from=checked.valid_from,
                    valid_to=checked.valid_to)
    session.add(tariff)
    session.flush()
    record(session, "tariff.created", actor=actor, object_type="tariff", object_id=tariff.id,
           details=_details(tariff))
    return tariff


def update_tariff(session: DbSession, tariff: Tariff, data: TariffData, *, actor: Actor) -> Tariff:
    checked = _checked(data)
    _check_overlap(session, checked, exclude_id=tariff.id)
    before = _details(tariff)
    tariff.service, tariff.zone, tariff.tariff_group = (checked.service, checked.zone,
                                                        checked.tariff_group)
    assert checked.price is not None  # _checked refuses a missing price
    tariff.unit, tariff.price = checked.unit, checked.price
    tariff.valid_from, tariff.valid_to = checked.valid_from, checked.valid_to
    after = _details(tariff)
    if before != after:
        session.flush()
        record(session, "tariff.updated", actor=actor, object_type="tariff", object_id=tariff.id,
               details={"before": before, "after": after})
    return tariff


def end_tariff(session: DbSession, tariff: Tariff, *, last_day: dt.date | None,
               actor: Actor) -> Tariff:
    """Set the last day a tariff applies (inclusive); the successor may start the day after."""
    if last_day is None:
        raise TariffError(N_("Enter the last day of validity."), "valid_to")
    if last_day < tariff.valid_from:
        raise TariffError(N_("The last day of validity cannot be before the first."), "valid_to")
    if tariff.valid_to is not None and last_day > tariff.valid_to:
        raise TariffError(N_("The tariff already ends on %(day)s; to extend it, edit it."),
                          "valid_to", day=tariff.valid_to.strftime("%d.%m.%Y"))
    before = tariff.valid_to
    tariff.valid_to = last_day
    session.flush()
    record(session, "tariff.ended", actor=actor, object_type="tariff", object_id=tariff.id,
           details={"valid_to": last_day.isoformat(),
                    "was": before.isoformat() if before else ""})
    return tariff


def get_tariff(session: DbSession, tariff_id: int) -> Tariff:
    tariff = session.get(Tariff, tariff_id)
    if tariff is None:
        raise NotFound(N_("No such tariff."))
    return tariff


@dataclass(frozen=True)
class TariffGroup:
    """The tariffs of one service, zone and tariff group, newest first."""

    service: Service
    zone: str
    tariff_group: str
    tariffs: list[Tariff] = field(default_factory=list)


_SERVICE_ORDER = {s: i for i, s in enumerate(Service)}
_ZONE_ORDER = {z: i for i, z in enumerate(ZONES)}


def _group_key(t: Tariff) -> tuple[int, int, str]:
    return (_SERVICE_ORDER[t.service], _ZONE_ORDER.get(t.zone, 99), t.tariff_group)


def grouped_tariffs(session: DbSession) -> list[TariffGroup]:
    tariffs = sorted(session.scalars(select(Tariff)), key=lambda t: (_group_key(t), t.valid_from))
    groups = []
    for _key, items in groupby(tariffs, key=_group_key):
        rows = sorted(items, key=lambda t: t.valid_from, reverse=True)
        groups.append(TariffGroup(rows[0].service, rows[0].zone, rows[0].tariff_group, rows))
    return groups


def tariffs_in_force(session: DbSession, today: dt.date) -> tuple[list[Tariff], list[Tariff]]:
    """(in force on ``today``, starting later), each ordered by service and zone."""
    rows = session.scalars(select(Tariff).where(or_(Tariff.valid_to.is_(None),
                                                    Tariff.valid_to >= today))).all()
    current = sorted((t for t in rows if t.valid_from <= today), key=_group_key)
    upcoming = sorted((t for t in rows if t.valid_from > today),
                      key=lambda t: (t.valid_from, _group_key(t)))
    return current, upcoming


@dataclass(frozen=True)
class ClientTariffs:
    """The tariffs that apply to one client (the services and zones of its meters)."""

    in_force: list[Tariff]
    upcoming: list[Tariff]
    history: list[Tariff]
    """Ended before today, newest first."""


def client_tariffs(session: DbSession, client_id: int, today: dt.date) -> ClientTariffs:
    """The tariffs of the services and zones the client's installed meters measure:
    in force today, announced, and those that applied before (the history)."""
    from lk_corporate.clients.models import Meter, MeterStatus

    wanted: set[tuple[Service, str]] = set()
    for service, zones in session.execute(select(Meter.service, Meter.zones).where(
            Meter.client_id == client_id, Meter.status == MeterStatus.INSTALLED)):
        wanted.update((service, zone) for zone in zones.split(",") if zone)
    rows = [t for t in session.scalars(select(Tariff)) if (t.service, t.zone) in wanted]
    in_force = sorted((t for t in rows if t.valid_from <= today
                       and (t.valid_to is None or t.valid_to >= today)), key=_group_key)
    upcoming = sorted((t for t in rows if t.valid_from > today),
                      key=lambda t: (t.valid_from, _group_key(t)))
    history = sorted((t for t in rows if t.valid_to is not None and t.valid_to < today),
                     key=lambda t: (t.valid_from, _group_key(t)), reverse=True)
    return ClientTariffs(in_force, upcoming, history)


def tariffs_valid_between(session: DbSession, first: dt.date, last: dt.date) -> list[Tariff]:
    """Every tariff that applies on at least one day from ``first`` to ``last`` (a billing
    period's month), ordered by service, zone and group, then by the first day of validity."""
    rows = session.scalars(select(Tariff).where(
        Tariff.valid_from <= last, or_(Tariff.valid_to.is_(None), Tariff.valid_to >= first))).all()
    return sorted(rows, key=lambda t: (_group_key(t), t.valid_from))


def tariff_state(tariff: Tariff, today: dt.date) -> str:
    """``current`` / ``upcoming`` / ``ended`` on ``today`` (for the badge in the list)."""
    if tariff.valid_from > today:
        return "upcoming"
    if tariff.valid_to is not None and tariff.valid_to < today:
        return "ended"
    return "current"


def price_with_vat(price: Decimal, vat_rate: Decimal | None) -> Decimal | None:
    """For display only: the price a client pays per unit, VAT included, to the price's own
    precision (at least kopecks). The calculation applies VAT to the amount, not per unit."""
    if vat_rate is None:
        return None
    places = max(2, -int(price.normalize().as_tuple().exponent))
    return (price * (Decimal(100) + vat_rate) / Decimal(100)).quantize(Decimal(1).scaleb(-places))

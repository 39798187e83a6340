"""Client operations: the supplier's staff create and edit clients, their metering points and
meters; client users read their own meters.

Each function takes the session and an ``Actor``, checks everything first and raises a
``ClientError`` naming the field before writing, then writes, audits and flushes. The
caller's unit of work commits. Lookups used by the client-side pages take the client id the
web layer got from ``active_client_id()``, so another client's meter is simply not found.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Select, event, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from lk_corporate.clients.models import (
    Client,
    Meter,
    MeteringPoint,
    MeterInstallationReading,
    MeterStatus,
    Service,
)
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_, DomainError, NotFound
from lk_corporate.core.formats import normalize_contract_number
from lk_corporate.core.requisites import Requisites


class ClientError(DomainError):
    code = "client_refused"


# The tariff-zone layouts a meter register can have (SPEC: single / day+night /
# peak+half-peak+night). Stored as the comma-separated ``Meter.zones``.
ZONE_LAYOUTS: tuple[str, ...] = ("single", "day,night", "peak,half_peak,night")
ZONES: tuple[str, ...] = ("single", "day", "night", "peak", "half_peak")
MAX_DIGITS = 12
MAX_DECIMALS = 6


# --- clients -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ClientData:
    """A client as typed on the form: its requisites and its contract."""

    requisites: Requisites
    contract_number: str
    contract_date: dt.date | None = None
    is_active: bool = True


def _checked_client_data(session: DbSession, data: ClientData, *, client_id: int | None) -> ClientData:
    checked = data.requisites.checked()
    contract = normalize_contract_number(data.contract_number)
    if not contract:
        raise ClientError(N_("Enter the contract number."), "contract_number")
    if not re.fullmatch(r"[0-9A-Za-zА-Яа-яЁё/._-]{1,40}", contract):
        raise ClientError(N_("The contract number may contain letters, digits and / . _ - "
                             "(up to 40 characters)."), "contract_number")
    clash = select(Client.id).where(func.lower(Client.contract_number) == contract.lower())
    if client_id is not None:
        clash = clash.where(Client.id != client_id)
    if session.scalar(clash.limit(1)) is not None:
        raise ClientError(N_("Contract number %(number)s already belongs to another client."),
                          "contract_number", number=contract)
    return replace(data, requisites=checked, contract_number=contract)


def _contract_values(data: ClientData) -> dict[str, Any]:
    return {"contract_number": data.contract_number, "contract_date": data.contract_date,
            "is_active": data.is_active}


def _as_dict(data: Any) -> dict[str, Any]:
    return {f.name: getattr(data, f.name) for f in fields(data)}


def _apply(obj: Any, values: dict[str, Any]) -> dict[str, list[str]]:
    """Set attributes; return what changed as ``{field: [old, new]}`` for the audit entry."""
    changes: dict[str, list[str]] = {}
    for name, new in values.items():
        old = getattr(obj, name, None)
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
            setattr(obj, name, new)
    return changes


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "value"):
        return str(value.value)
    return str(value)


def create_client(session: DbSession, data: ClientData, *, actor: Actor) -> Client:
    checked = _checked_client_data(session, data, client_id=None)
    client = Client()
    client.set_requisites(checked.requisites)
    _apply(client, _contract_values(checked))
    session.add(client)
    session.flush()
    record(session, "client.created", actor=actor, object_type="client", object_id=client.id,
           details={"name": client.name, "tax_id": client.tax_id,
                    "contract_number": client.contract_number})
    return client


def update_client(session: DbSession, client: Client, data: ClientData, *, actor: Actor) -> Client:
    checked = _checked_client_data(session, data, client_id=client.id)
    changes = {**client.set_requisites(checked.requisites),
               **_apply(client, _contract_values(checked))}
    if changes:
        session.flush()
        record(session, "client.updated", actor=actor, object_type="client",
               object_id=client.id, details={"changes": changes})
    return client


@event.listens_for(Engine, "connect")
def _sqlite_casefold(dbapi_connection: Any, connection_record: Any) -> None:
    # SQLite's lower() folds ASCII only, so «бета» would not find «АО «Бета»»; searches use
    # this Unicode-aware function there (PostgreSQL's lower() already is).
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(
            "lk_casefold", 1, lambda v: v.casefold() if isinstance(v, str) else v,
            deterministic=True)


def _folded(session: DbSession, column: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.lk_casefold(column)
    return func.lower(column)


def search_clients(session: DbSession, query: str = "") -> Select[Client]:
    """Clients whose name, short name, tax ID or contract number contains ``query``
    (case-insensitive, Cyrillic included)."""
    stmt = select(Client).order_by(Client.name, Client.id)
    q = (query or "").strip()[:100]
    if q:
        like = f"%{_escape_like(q.casefold())}%"
        digits = re.sub(r"[\s\-]", "", q)
        conditions = [_folded(session, Client.name).like(like, escape="\\"),
                      _folded(session, Client.short_name).like(like, escape="\\"),
                      _folded(session, Client.contract_number).like(like, escape="\\")]
        if digits:
            conditions.append(Client.tax_id.like(f"%{_escape_like(digits)}%", escape="\\"))
        stmt = stmt.where(or_(*conditions))
    return stmt


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_client(session: DbSession, client_id: int) -> Client:
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound(N_("No such client."))
    return client


# --- metering points ---------------------------------------------------------------------

@dataclass(frozen=True)
class PointData:
    name: str
    address: str = ""


def _checked_point(data: PointData) -> PointData:
    if not data.name.strip():
        raise ClientError(N_("Enter the name of the metering point."), "name")
    return PointData(name=data.name.strip(), address=data.address.strip())


def create_point(session: DbSession, client: Client, data: PointData, *, actor: Actor) -> MeteringPoint:
    checked = _checked_point(data)
    point = MeteringPoint(client_id=client.id, name=checked.name, address=checked.address)
    session.add(point)
    session.flush()
    record(session, "metering_point.created", actor=actor, object_type="metering_point",
           object_id=point.id, details={"client_id": client.id, "name": point.name})
    return point


def update_point(session: DbSession, point: MeteringPoint, data: PointData, *,
                 actor: Actor) -> MeteringPoint:
    changes = _apply(point, _as_dict(_checked_point(data)))
    if changes:
        session.flush()
        record(session, "metering_point.updated", actor=actor, object_type="metering_point",
               object_id=point.id, details={"client_id": point.client_id, "changes": changes})
    return point


def get_point(session: DbSession, client_id: int, point_id: int) -> MeteringPoint:
    point = session.scalars(select(MeteringPoint).where(
        MeteringPoint.id == point_id, MeteringPoint.client_id == client_id)).first()
    if point is None:
        raise NotFound(N_("No such metering point."))
    return point


def client_points(session: DbSession, client_id: int) -> list[MeteringPoint]:
    return list(session.scalars(select(MeteringPoint).where(MeteringPoint.client_id == client_id)
                                .order_by(MeteringPoint.name, MeteringPoint.id)))


# --- meters ------------------------------------------------------------------------------

@dataclass(frozen=True)
class MeterData:
    """Everything the reading rules need about a meter (SPEC, "The month cycle", step 2)."""

    service: Service
    factory_number: str | None
    verification_date: dt.date | None
    status: MeterStatus
    digits: int
    decimals: int
    ct_ratio: Decimal | None
    vt_ratio: Decimal | None
    zones: str
    max_consumption: Decimal | None
    installed_on: dt.date | None = None
    removed_on: dt.date | None = None
    notes: str = ""
    installation_readings: tuple[tuple[str, Decimal], ...] = ()
    """(zone, the register's reading at installation); only the layout's zones are kept."""


# MeterData fields that are columns of Meter (the installation readings are rows of their own).
_METER_COLUMNS = ("service", "factory_number", "verification_date", "status", "digits",
                  "decimals", "ct_ratio", "vt_ratio", "zones", "max_consumption", "installed_on",
                  "removed_on", "notes")


def _positive(value: Decimal | None, field: str, *, required: bool = True) -> None:
    if value is None:
        if required:
            raise ClientError(N_("Enter a number greater than zero."), field)
        return
    if not isinstance(value, Decimal):
        raise TypeError("ratios and volumes are Decimal")
    if not value.is_finite() or value <= 0:
        raise ClientError(N_("Enter a number greater than zero."), field)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -6:
        raise ClientError(N_("At most %(n)s digits after the decimal separator."), field, n=6)
    if abs(value) >= Decimal(10) ** 14:
        raise ClientError(N_("The number is too large."), field)


def _checked_meter(data: MeterData) -> MeterData:
    if not isinstance(data.service, Service):
        raise ClientError(N_("Choose the service."), "service")
    factory = (data.factory_number or "").strip() or None
    if factory is not None and not re.fullmatch(r"[0-9A-Za-zА-Яа-яЁё/._-]{1,40}", factory):
        raise ClientError(N_("The factory number may contain letters, digits and / . _ - "
                             "(up to 40 characters)."), "factory_number")
    if not 1 <= data.digits <= MAX_DIGITS:
        raise ClientError(N_("The register has from 1 to %(n)s digits before the separator."),
                          "digits", n=MAX_DIGITS)
    if not 0 <= data.decimals <= MAX_DECIMALS:
        raise ClientError(N_("From 0 to %(n)s digits after the separator."), "decimals",
                          n=MAX_DECIMALS)
    _positive(data.ct_ratio, "ct_ratio")
    _positive(data.vt_ratio, "vt_ratio")
    _positive(data.max_consumption, "max_consumption", required=False)
    if data.zones not in ZONE_LAYOUTS:
        raise ClientError(N_("Choose the tariff zones of the meter."), "zones")
    if data.status == MeterStatus.REMOVED and data.removed_on is None:
        raise ClientError(N_("Enter the date the meter was removed."), "removed_on")
    if data.status == MeterStatus.INSTALLED and data.removed_on is not None:
        raise ClientError(N_("An installed meter has no removal date; clear it or set the "
                             "status to removed."), "removed_on")
    if data.installed_on and data.removed_on and data.removed_on < data.installed_on:
        raise ClientError(N_("The meter cannot be removed before it was installed."), "removed_on")
    layout = data.zones.split(",")
    readings = tuple((zone, value) for zone, value in data.installation_readings
                     if zone in layout and value is not None)
    for zone, value in readings:
        _check_register_value(value, data.digits, data.decimals, f"installation_{zone}")
    if readings and data.installed_on is None:
        raise ClientError(N_("Enter the installation date: the installation readings are "
                             "dated by it."), "installed_on")
    return MeterData(**{**_as_dict(data), "factory_number": factory,
                        "notes": (data.notes or "").strip(), "installation_readings": readings})


def _check_register_value(value: Decimal, digits: int, decimals: int, field: str) -> None:
    """A value the register can show: not negative, at most ``digits`` digits before the
    separator and ``decimals`` after it."""
    if not isinstance(value, Decimal):
        raise TypeError("readings are Decimal")
    if not value.is_finite() or value < 0:
        raise ClientError(N_("A reading cannot be negative."), field)
    if value >= Decimal(10) ** digits:
        raise ClientError(N_("The register has %(digits)s digits before the separator."), field,
                          digits=digits)
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimals:
        raise ClientError(N_("The register shows %(decimals)s digits after the separator."),
                          field, decimals=decimals)


def _set_installation_readings(meter: Meter, readings: tuple[tuple[str, Decimal], ...]
                               ) -> dict[str, list[str]]:
    """Make the meter's installation readings ``readings``; what changed, for the audit."""
    wanted = dict(readings)
    changes: dict[str, list[str]] = {}
    for row in list(meter.installation_readings):
        if row.zone not in wanted:
            changes[f"installation_{row.zone}"] = [_plain(row.value), ""]
            meter.installation_readings.remove(row)
        elif row.value != wanted[row.zone]:
            changes[f"installation_{row.zone}"] = [_plain(row.value), _plain(wanted[row.zone])]
            row.value = wanted[row.zone]
    known = {row.zone for row in meter.installation_readings}
    for zone, value in readings:
        if zone not in known:
            meter.installation_readings.append(MeterInstallationReading(zone=zone, value=value))
            changes[f"installation_{zone}"] = ["", _plain(value)]
    return changes


def _meter_columns(data: MeterData) -> dict[str, Any]:
    return {name: getattr(data, name) for name in _METER_COLUMNS}


def create_meter(session: DbSession, point: MeteringPoint, data: MeterData, *, actor: Actor) -> Meter:
    checked = _checked_meter(data)
    meter = Meter(point_id=point.id, client_id=point.client_id)
    _apply(meter, _meter_columns(checked))
    session.add(meter)
    _set_installation_readings(meter, checked.installation_readings)
    session.flush()
    details: dict[str, Any] = {"client_id": meter.client_id, "point_id": point.id,
                               "service": checked.service.value,
                               "factory_number": checked.factory_number, "zones": checked.zones}
    for zone, value in checked.installation_readings:
        details[f"installation_{zone}"] = _plain(value)
    record(session, "meter.created", actor=actor, object_type="meter", object_id=meter.id,
           details=details)
    return meter


def update_meter(session: DbSession, meter: Meter, data: MeterData, *, actor: Actor) -> Meter:
    checked = _checked_meter(data)
    changes = _apply(meter, _meter_columns(checked))
    changes.update(_set_installation_readings(meter, checked.installation_readings))
    if changes:
        session.flush()
        record(session, "meter.updated", actor=actor, object_type="meter", object_id=meter.id,
               details={"client_id": meter.client_id, "changes": changes})
    return meter


def get_meter(session: DbSession, client_id: int, meter_id: int) -> Meter:
    """The meter if it belongs to ``client_id``: the one query every meter page goes through."""
    meter = session.scalars(select(Meter).where(
        Meter.id == meter_id, Meter.client_id == client_id)).first()
    if meter is None:
        raise NotFound(N_("No such meter."))
    return meter


def client_meters(session: DbSession, client_id: int) -> list[Meter]:
    """A client's meters, installed first, then by point and service."""
    # Each meter's point from the join the order needs anyway (pages print it): not one
    # more query per meter.
    return list(session.scalars(
        select(Meter).join(MeteringPoint, Meter.point_id == MeteringPoint.id)
        .options(contains_eager(Meter.point))
        .where(Meter.client_id == client_id)
        .order_by(Meter.status, MeteringPoint.name, Meter.service, Meter.id)))


def search_meters(session: DbSession, query: str = "") -> Select[Meter]:
    """Every client's meters for the staff list, matched by factory number or client."""
    stmt = (select(Meter).join(Client, Meter.client_id == Client.id)
            .options(joinedload(Meter.point).joinedload(MeteringPoint.client))
            .order_by(Client.name, Meter.id))
    q = (query or "").strip()[:100]
    if q:
        like = f"%{_escape_like(q.casefold())}%"
        stmt = stmt.where(or_(_folded(session, Meter.factory_number).like(like, escape="\\"),
                              _folded(session, Client.name).like(like, escape="\\"),
                              _folded(session, Client.short_name).like(like, escape="\\"),
                              Client.contract_number.like(like, escape="\\")))
    return stmt


def verification_state(meter: Meter, today: dt.date) -> str:
    """``expired`` / ``soon`` (within 60 days) / ``ok`` / ``unknown`` for the warning badge."""
    if meter.verification_date is None:
        return "unknown"
    if meter.verification_date < today:
        return "expired"
    if meter.verification_date <= today + dt.timedelta(days=60):
        return "soon"
    return "ok"

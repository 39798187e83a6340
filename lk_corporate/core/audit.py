"""The append-only, hash-chained audit log.

Every state change of consequence (a login, a registration, an activation code issued, a
document transition) appends one entry. Each entry carries the hash of the previous one, so
editing or deleting any entry breaks the chain, and ``lk audit verify`` finds where.

The chain is linear by construction: ``seq`` and ``prev_hash`` are unique, so two transactions
racing to append after the same entry cannot both commit (one fails and is retried by its unit
of work). On PostgreSQL an advisory transaction lock serialises appends up front.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, Text, func, insert, select, text
from sqlalchemy.orm import Mapped, mapped_column

from lk_corporate.core import driver
from lk_corporate.core.db import Base, DbSession, UTCDateTime, advisory_lock, utcnow

GENESIS_HASH = "0" * 64
_PG_LOCK_KEY = 0x4C4B_4155  # "LKAU": the advisory lock that serialises appends


class AuditEntry(Base):
    """One audit event. Rows are only ever inserted."""

    __tablename__ = "audit_entries"
    # AUTOINCREMENT keeps SQLite from reusing the id of a deleted last row (see verify_chain).
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    ip: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    object_id: Mapped[str] = mapped_column(String(60), nullable=False, default="", index=True)
    details: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)

    def computed_hash(self) -> str:
        return entry_hash(
            seq=self.seq,
            created_at=self.created_at,
            actor_id=self.actor_id,
            actor=self.actor,
            ip=self.ip,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            details=self.details,
            prev_hash=self.prev_hash,
        )


def canonical_json(value: Any) -> str:
    """JSON that hashes the same on every run: sorted keys, no spaces, non-ASCII kept."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_hash(
    *,
    seq: int,
    created_at: dt.datetime,
    actor_id: int | None,
    actor: str,
    ip: str,
    action: str,
    object_type: str,
    object_id: str,
    details: str,
    prev_hash: str,
) -> str:
    # Microsecond ISO time in UTC: both databases return exactly what was stored.
    stamp = created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    payload = canonical_json(
        [seq, stamp, actor_id, actor, ip, action, object_type, object_id, details, prev_hash]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Actor:
    """Who did something and from where, as the audit log records it."""

    user_id: int | None
    name: str
    ip: str = ""

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(user_id=None, name=name, ip="")


def record(
    session: DbSession,
    action: str,
    *,
    actor: Actor,
    object_type: str = "",
    object_id: object = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction (the unit of work commits it)."""
    (row,) = _chained(session, [Event(action, actor, object_type, object_id, details)])
    entry = AuditEntry(**row)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Event:
    """One entry to append with :func:`record_many`."""

    action: str
    actor: Actor
    object_type: str = ""
    object_id: object = ""
    details: dict[str, Any] | None = None


_HEAD = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)


def lock_chain(session: DbSession) -> None:
    """Take the chain's append lock now, for the rest of the transaction (PostgreSQL; SQLite
    has one writer anyway). An operation that locks rows which transactions appending to
    the chain also lock takes this first, so that both take the locks in the same order."""
    advisory_lock(session, _PG_LOCK_KEY)


def _chained(session: DbSession, events: list[Event]) -> list[dict[str, Any]]:
    """The rows for ``events``, linked after the chain's head (taken under the lock)."""
    lock_chain(session)
    head = driver.execute(session, _HEAD)
    last = head[0] if head else None
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    rows = []
    for event in events:
        row: dict[str, Any] = {
            "seq": seq, "created_at": utcnow(), "actor_id": event.actor.user_id,
            "actor": event.actor.name[:200], "ip": event.actor.ip[:64], "action": event.action,
            "object_type": event.object_type, "object_id": str(event.object_id)[:60],
            "details": canonical_json(event.details or {}), "prev_hash": prev_hash}
        row["hash"] = entry_hash(**row)
        rows.append(row)
        seq, prev_hash = seq + 1, row["hash"]
    return rows


_APPEND = insert(AuditEntry)


def record_many(session: DbSession, events: list[Event]) -> None:
    """Append several entries, in order, with one lock, one look at the chain's head and one
    insert (a batch issuing two documents per client appends two entries at once)."""
    if events:
        driver.insert_many(session, _APPEND, _chained(session, events))


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    message: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    problems: tuple[ChainProblem, ...]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(session: DbSession, *, batch: int = 5000,
                 since: tuple[int, str] | None = None) -> ChainReport:
    """Walk the chain in order; report every entry whose content or link does not hold.

    Besides the links, the row ids must have no gaps and no id may have been handed out
    after the last row: that is how a deleted *last* entry (which breaks no link) shows.

    ``since=(seq, hash)`` walks only the entries after ``seq``, starting from an entry a
    signed checkpoint already vouches for (:mod:`lk_corporate.audit.anchor`), so that
    the hourly checkpoint does not re-hash the whole history; ``entries`` then counts the
    entries walked.
    """
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    expected_seq = 1
    last_id = 0
    count = 0
    offset_seq = 0
    if since is not None and since[0] > 0:
        start_seq, start_hash = since
        start = session.execute(
            select(AuditEntry.id, AuditEntry.hash).where(AuditEntry.seq == start_seq)
        ).first()
        if start is None:
            problems.append(ChainProblem(start_seq, "entry is missing"))
        elif start[1] != start_hash:
            problems.append(ChainProblem(start_seq, "hash differs from the one the checkpoint "
                                                    "anchored (rewritten)"))
        else:
            last_id = start[0]
        expected_prev, expected_seq, offset_seq = start_hash, start_seq + 1, start_seq
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > offset_seq).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            break
        for e in rows:
            count += 1
            if e.seq != expected_seq:
                problems.append(ChainProblem(e.seq, f"entries {expected_seq}..{e.seq - 1} are missing"))
            if e.prev_hash != expected_prev:
                problems.append(ChainProblem(e.seq, "link to the previous entry is broken"))
            if e.computed_hash() != e.hash:
                problems.append(ChainProblem(e.seq, "content does not match its hash (edited)"))
            if e.id <= last_id:
                problems.append(ChainProblem(e.seq, "row ids are out of order"))
            last_id = e.id
            expected_prev = e.hash
            expected_seq = e.seq + 1
            offset_seq = e.seq
        session.expunge_all()
    issued = _last_issued_id(session)
    if issued is not None and issued > last_id:
        problems.append(ChainProblem(None, f"entries after #{expected_seq - 1} were deleted "
                                           f"(ids up to {issued} were issued)"))
    return ChainReport(entries=count, problems=tuple(problems))


def _last_issued_id(session: DbSession) -> int | None:
    """The highest id the database ever handed out for audit entries, if it can tell."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        row = session.execute(
            text("SELECT last_value, is_called FROM audit_entries_id_seq")
        ).first()
        if row is None:
            return None
        return int(row[0]) if row[1] else 0
    if dialect == "sqlite":
        row = session.execute(
            text("SELECT seq FROM sqlite_sequence WHERE name = 'audit_entries'")
        ).first()
        return int(row[0]) if row else 0
    return session.scalar(select(func.max(AuditEntry.id)))

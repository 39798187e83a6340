"""Explicit state machines: an Enum of states, a table of allowed moves, one audited
``transition``.

Every object with a life — a billing period, each kind of document — declares its
``StateMachine`` once; operations move it only through ``machine.transition(...)``, which
refuses a move the table does not list (``InvalidTransition``) and writes the move into the
hash-chained audit log with who, when, from where, why, and whatever the caller adds (a
document adds the file's hash before and after).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from lk_corporate.core.audit import Actor, AuditEntry, record
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_, InvalidTransition

S = TypeVar("S", bound=enum.Enum)


class Stateful(Protocol):
    id: Any
    status: Any


@dataclass(frozen=True)
class StateMachine(Generic[S]):
    """The allowed moves of one kind of object.

    ``name`` prefixes the audit actions (``period.open``); ``object_type`` is the audit
    entries' object type (default: ``name``); ``moves`` maps each state to the states it may
    go to (a state missing from it is final); ``refusal`` is the message (msgid) of a refused
    move, with ``label`` (the object), ``state`` and ``target``; ``labels`` name the states
    in words for it.
    """

    name: str
    moves: Mapping[S, frozenset[S]]
    object_type: str = ""
    refusal: str = N_("%(label)s is %(state)s and cannot become %(target)s.")
    labels: Mapping[S, str] = field(default_factory=dict)

    def allows(self, current: S, target: S) -> bool:
        return target in self.moves.get(current, frozenset())

    def check(self, current: S, target: S, *, label: str = "") -> None:
        """Raise ``InvalidTransition`` unless ``current → target`` is an allowed move."""
        if not self.allows(current, target):
            raise InvalidTransition(
                self.refusal, label=label or self.name, state=self.labels.get(current, current.value),
                target=self.labels.get(target, target.value))

    def transition(self, session: DbSession, obj: Stateful, target: S, *, actor: Actor,
                   reason: str = "", label: str = "",
                   details: Mapping[str, Any] | None = None) -> AuditEntry:
        """Move ``obj`` to ``target`` and audit the move; the caller's unit of work commits.

        ``details`` go into the audit entry beside ``from``, ``to`` and ``reason``.
        """
        before: S = obj.status
        self.check(before, target, label=label)
        obj.status = target
        session.flush()
        payload: dict[str, Any] = {"from": before.value, "to": target.value}
        if reason:
            payload["reason"] = reason
        payload.update(details or {})
        return record(session, f"{self.name}.{target.value}", actor=actor,
                      object_type=self.object_type or self.name, object_id=obj.id, details=payload)

"""Users, roles, memberships, activation codes and one-time e-mail tokens."""

from __future__ import annotations

import datetime as dt
import enum
import ipaddress

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lk_corporate.clients.models import Client
from lk_corporate.core.db import Base, UTCDateTime, utcnow
from lk_corporate.core.rights import Scope


def _enum(e: type[enum.Enum]) -> Enum:
    return Enum(e, native_enum=False, length=30, values_callable=lambda x: [m.value for m in x])


class Role(Base):
    """A named set of rights. Supplier roles may restrict logins to an IP allow-list."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    scope: Mapped[Scope] = mapped_column(_enum(Scope))
    name_en: Mapped[str] = mapped_column(String(100))
    name_ru: Mapped[str] = mapped_column(String(100))
    # One network per line (CIDR or address); empty means "from anywhere".
    ip_allowlist: Mapped[str] = mapped_column(Text, default="")

    rights: Mapped[list[RoleRight]] = relationship(
        cascade="all, delete-orphan", order_by="RoleRight.right", lazy="selectin"
    )

    @property
    def right_names(self) -> frozenset[str]:
        return frozenset(r.right for r in self.rights)

    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(n.strip(), strict=False)
                for n in self.ip_allowlist.splitlines() if n.strip()]

    def allows_ip(self, ip: str) -> bool:
        nets = self.networks()
        if not nets:
            return True
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(addr in n for n in nets)


class RoleRight(Base):
    __tablename__ = "role_rights"
    __table_args__ = (UniqueConstraint("role_id", "right"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), index=True)
    right: Mapped[str] = mapped_column(String(50))


class User(Base):
    """A person who logs in: client staff (through memberships) or supplier staff (a role)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(60), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    # Supplier staff carry a supplier-scope role; client users act through memberships.
    staff_role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id"), nullable=True)
    email_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    is_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(5), default="ru")
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff_role: Mapped[Role | None] = relationship(lazy="joined")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Membership.id",
        lazy="selectin",
    )

    @property
    def is_staff(self) -> bool:
        return self.staff_role_id is not None

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


class Membership(Base):
    """The right of a user to act for a client, with the client-scope roles held there."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    client: Mapped[Client] = relationship(lazy="joined")
    roles: Mapped[list[MembershipRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def right_names(self) -> frozenset[str]:
        out: set[str] = set()
        for mr in self.roles:
            out |= mr.role.right_names
        return frozenset(out)


class MembershipRole(Base):
    __tablename__ = "membership_roles"
    __table_args__ = (UniqueConstraint("membership_id", "role_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))

    role: Mapped[Role] = relationship(lazy="joined")


class ActivationCode(Base):
    """A one-time code the supplier hands a client to register for a contract.

    Only a hash is stored: the code is shown once, to the operator who issues it.
    """

    __tablename__ = "activation_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hint: Mapped[str] = mapped_column(String(8), default="")
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    client: Mapped[Client] = relationship(lazy="joined")

    def state(self, now: dt.datetime) -> str:
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"


class NotificationPreference(Base):
    """Whether a user wants one kind of e-mail notice (``accounts.preferences``): one row per
    user and kind, written when the user saves the «Уведомления» page; a kind without a row
    has its default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TokenPurpose(str, enum.Enum):
    CONFIRM_EMAIL = "confirm_email"
    RESET_PASSWORD = "reset_password"
    CHANGE_EMAIL = "change_email"


class AccountToken(Base):
    """A one-time, expiring token sent by e-mail (link) with a short code (typed in)."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(_enum(TokenPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), default="")
    new_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship()


class LoginSession(Base):
    """One login: the server-side record behind a session cookie and a "remember me" cookie.

    The cookies carry ``<id>.<secret>``; only the secret's SHA-256 is stored. Logging out,
    "end this session" on the profile, a password change or reset revoke the row, and every
    copy of its cookies stops working at once — on whatever machine it was copied to.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ip: Mapped[str] = mapped_column(String(64), default="", index=True)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()

    def is_live(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now

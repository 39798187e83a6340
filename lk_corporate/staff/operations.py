"""The supplier's staff: staff users with their roles, the roles' rights and IP allow-lists.

Each function takes the session and an ``Actor``, refuses with a ``StaffError`` naming the
form field before writing, then writes, audits and flushes; the caller's unit of work
commits. Guards keep an administrator from locking themselves out (blocking their own
account, taking the role-management right from their own role, or an allow-list that
excludes the address they are working from).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from lk_corporate.accounts import sessions
from lk_corporate.accounts.errors import AccountError, DuplicateAccount
from lk_corporate.accounts.models import Role, RoleRight, User
from lk_corporate.accounts.operations import normalize_email
from lk_corporate.accounts.passwords import check_policy, hash_password
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import N_, DomainError, NotFound
from lk_corporate.core.rights import (
    CLIENT_RIGHTS,
    ROLES_MANAGE,
    STAFF_MANAGE,
    SUPPLIER_RIGHTS,
    Scope,
)


class StaffError(DomainError):
    code = "staff_refused"


def create_staff_user(session: DbSession, *, login: str, email: str, full_name: str, role: Role,
                      password: str, actor: Actor) -> User:
    if role.scope != Scope.SUPPLIER:
        raise AccountError(N_("Choose a supplier role."), "role")
    login_n = (login or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9._-]{3,60}", login_n):
        raise AccountError(N_("The login may contain Latin letters, digits, dots, dashes and "
                           "underscores (3 to 60 characters)."), "login")
    email_n = normalize_email(email)
    check_policy(password, login=login_n, email=email_n)
    if session.scalar(select(func.count()).select_from(User).where(User.login == login_n)):
        raise DuplicateAccount(N_("The login %(login)s is already taken; choose another."), "login",
                               login=login_n)
    if session.scalar(select(func.count()).select_from(User).where(User.email == email_n)):
        raise DuplicateAccount(N_("An account with this e-mail already exists."), "email")
    user = User(login=login_n, email=email_n, full_name=(full_name or "").strip()[:200],
                password_hash=hash_password(password), staff_role_id=role.id,
                email_confirmed_at=utcnow(), created_at=utcnow())
    session.add(user)
    session.flush()
    record(session, "staff.created", actor=actor, object_type="user", object_id=user.id,
           details={"login": login_n, "role": role.code})
    return user


# --- staff users -------------------------------------------------------------------------

def staff_users(session: DbSession) -> list[User]:
    return list(session.scalars(select(User).where(User.staff_role_id.is_not(None))
                                .order_by(User.login)))


def staff_with_right(session: DbSession, right: str) -> list[User]:
    """Unblocked staff users whose role grants ``right`` (whom a conversation or a service
    request can be assigned to), by name."""
    return list(session.scalars(
        select(User).join(Role, User.staff_role_id == Role.id)
        .join(RoleRight, RoleRight.role_id == Role.id)
        .where(RoleRight.right == right, User.is_blocked.is_(False))
        .order_by(User.full_name, User.login)).unique())


def get_staff_user(session: DbSession, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_staff:
        raise NotFound(N_("No such staff user."))
    return user


def supplier_roles(session: DbSession) -> list[Role]:
    return list(session.scalars(select(Role).where(Role.scope == Scope.SUPPLIER).order_by(Role.id)))


def get_role(session: DbSession, role_id: int) -> Role:
    role = session.get(Role, role_id)
    if role is None:
        raise NotFound(N_("No such role."))
    return role


def _supplier_role(session: DbSession, role_id: int | None) -> Role:
    role = session.get(Role, role_id) if role_id else None
    if role is None or role.scope != Scope.SUPPLIER:
        raise StaffError(N_("Choose a supplier role."), "role")
    return role


def create_staff(session: DbSession, *, login: str, email: str, full_name: str, role_id: int | None,
                 password: str, actor: Actor) -> User:
    """A supplier staff user with a role; confirmed at once (the admin vouches for the address)."""
    role = _supplier_role(session, role_id)
    return create_staff_user(session, login=login, email=email, full_name=full_name, role=role,
                             password=password, actor=actor)


def update_staff_user(session: DbSession, user: User, *, full_name: str, role_id: int | None,
                      actor: Actor) -> User:
    role = _supplier_role(session, role_id)
    if user.id == actor.user_id and role.id != user.staff_role_id \
            and STAFF_MANAGE not in role.right_names:
        raise StaffError(N_("You cannot take away your own right to manage staff; ask "
                               "another administrator."), "role")
    name = (full_name or "").strip()
    if len(name) > 200:
        raise StaffError(N_("At most %(n)s characters."), "full_name", n=200)
    changes: dict[str, list[Any]] = {}
    if name != user.full_name:
        changes["full_name"] = [user.full_name, name]
        user.full_name = name
    if role.id != user.staff_role_id:
        old = user.staff_role.code if user.staff_role else ""
        changes["role"] = [old, role.code]
        user.staff_role_id = role.id
        user.staff_role = role
        # A new role means new rights: sessions opened under the old role end.
        sessions.end_all(session, user.id)
    if changes:
        session.flush()
        record(session, "staff.updated", actor=actor, object_type="user", object_id=user.id,
               details={"changes": changes})
    return user


def set_staff_blocked(session: DbSession, user: User, blocked: bool, *, actor: Actor) -> User:
    if user.id == actor.user_id and blocked:
        raise StaffError(N_("You cannot block your own account."))
    if user.is_blocked == blocked:
        return user
    user.is_blocked = blocked
    if blocked:
        sessions.end_all(session, user.id)  # logged out everywhere at once
    session.flush()
    record(session, "staff.blocked" if blocked else "staff.unblocked", actor=actor,
           object_type="user", object_id=user.id, details={"login": user.login})
    return user


def set_temporary_password(session: DbSession, user: User, *, password: str, repeat: str,
                           actor: Actor) -> User:
    """Set a password the admin hands over; every session of the user ends."""
    if password != repeat:
        raise StaffError(N_("The passwords do not match."), "password_repeat")
    try:
        check_policy(password, login=user.login, email=user.email)
    except AccountError as exc:
        raise StaffError(exc.message, "password", **exc.params) from None
    user.password_hash = hash_password(password)
    sessions.end_all(session, user.id)
    session.flush()
    record(session, "staff.password_set", actor=actor, object_type="user", object_id=user.id,
           details={"login": user.login})
    return user


# --- roles -------------------------------------------------------------------------------

def rights_catalogue(scope: Scope) -> tuple[str, ...]:
    """The rights a role of ``scope`` may hold (client rights never go to staff and back)."""
    return SUPPLIER_RIGHTS if scope == Scope.SUPPLIER else CLIENT_RIGHTS


def parse_allowlist(text: str, field: str = "ip_allowlist") -> list[str]:
    """One network per line (CIDR or a single address); returns them normalised.

    Blank lines and ``#`` comments are allowed, so an admin can note whose network it is.
    """
    networks: list[str] = []
    lines = (text or "").splitlines()
    if len(lines) > 200:
        raise StaffError(N_("At most %(n)s networks."), field, n=200)
    for number, line in enumerate(lines, start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        try:
            net = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise StaffError(N_("Line %(line)s: “%(value)s” is not an IP address or a "
                                   "network such as 192.168.10.0/24."), field,
                                line=number, value=entry[:60]) from None
        networks.append(str(net))
    return networks


def update_role(session: DbSession, role: Role, *, rights: Iterable[str], ip_allowlist: str | None,
                actor: Actor) -> Role:
    """Replace the role's rights (from its scope's catalogue) and, for a supplier role, its
    IP allow-list (``None``: leave it). An empty allow-list means from anywhere."""
    wanted = list(dict.fromkeys(rights))
    allowed = set(rights_catalogue(role.scope))
    unknown = [r for r in wanted if r not in allowed]
    if unknown:
        raise StaffError(N_("These rights do not exist for this kind of role: %(rights)s."),
                            "rights", rights=", ".join(sorted(unknown))[:200])
    own_role = actor.user_id is not None and session.scalar(
        select(User.staff_role_id).where(User.id == actor.user_id)) == role.id
    if own_role and ROLES_MANAGE in role.right_names and ROLES_MANAGE not in wanted:
        raise StaffError(N_("You cannot take the right to manage roles away from your own "
                               "role; ask another administrator."), "rights")
    networks: list[str] | None = None
    if ip_allowlist is not None:
        if role.scope != Scope.SUPPLIER:
            if ip_allowlist.strip():
                raise StaffError(N_("Client roles have no IP allow-list: clients log in "
                                       "from anywhere."), "ip_allowlist")
        else:
            networks = parse_allowlist(ip_allowlist)
            if own_role and networks and actor.ip and not _ip_in(actor.ip, networks):
                raise StaffError(N_("This list would lock you out: your address %(ip)s is not "
                                       "in it."), "ip_allowlist", ip=actor.ip)
    changes: dict[str, Any] = {}
    old_rights = sorted(role.right_names)
    if sorted(wanted) != old_rights:
        # Remove and add only the difference: replacing the whole list would insert a kept
        # right before deleting its old row and trip the (role, right) unique constraint.
        for rr in [rr for rr in role.rights if rr.right not in wanted]:
            role.rights.remove(rr)
        session.flush()
        for r in sorted(set(wanted) - set(old_rights)):
            role.rights.append(RoleRight(right=r))
        changes["rights"] = {"added": sorted(set(wanted) - set(old_rights)),
                             "removed": sorted(set(old_rights) - set(wanted))}
    if networks is not None:
        new_text = "\n".join(networks)
        if new_text != (role.ip_allowlist or "").strip():
            changes["ip_allowlist"] = [role.ip_allowlist, new_text]
            role.ip_allowlist = new_text
    if changes:
        session.flush()
        record(session, "role.updated", actor=actor, object_type="role", object_id=role.id,
               details={"code": role.code, "changes": changes})
    return role


def _ip_in(ip: str, networks: list[str]) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in ipaddress.ip_network(n) for n in networks)


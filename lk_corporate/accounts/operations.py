"""Account operations: activation codes, registration, confirmation, login, password reset,
e-mail and password changes, linking another contract.

Each function takes the session and flushes; the caller's unit of work commits. Refusals
raise ``AccountError`` subclasses naming the field they belong beside, before anything is
written, so that a refused form leaves the database as it was. Settings and the links the
e-mails carry are passed in (``accounts.settings``): nothing here knows about HTTP.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import lazyload

from lk_corporate.accounts import notifications, sessions
from lk_corporate.accounts.errors import (
    AccountError,
    DuplicateAccount,
    InvalidActivationCode,
    InvalidToken,
    LoginRefused,
    LoginThrottled,
    RequisitesMismatch,
)
from lk_corporate.accounts.models import (
    AccountToken,
    ActivationCode,
    Membership,
    MembershipRole,
    Role,
    RoleRight,
    TokenPurpose,
    User,
)
from lk_corporate.accounts.passwords import check_policy, hash_password, verify_password
from lk_corporate.accounts.preferences import NotificationKind, set_preference
from lk_corporate.accounts.settings import AccountLinks, AccountSettings
from lk_corporate.accounts.throttle import LoginThrottle
from lk_corporate.clients.models import Client
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession, rows_changed, utcnow
from lk_corporate.core.errors import N_, NotFound
from lk_corporate.core.formats import (
    FormatError,
    normalize_contract_number,
    normalize_tax_id,
)
from lk_corporate.core.formats import normalize_email as _normalize_email
from lk_corporate.core.rights import BUILTIN_ROLES, CLIENT_ACCOUNTANT, CLIENT_SIGNER
from lk_corporate.supplier.operations import get_settings as supplier_settings

log = logging.getLogger(__name__)

# No 0/O, 1/l/I: codes are read from paper and typed by hand.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"
MAX_CODE_ATTEMPTS = 5


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _random_code(length: int) -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))


def normalize_email(raw: str) -> str:
    try:
        return _normalize_email(raw)
    except FormatError as exc:
        raise AccountError(exc.message, exc.field) from None


def derive_login(prefix: str, contract_number: str) -> str:
    """The login a client gets: the supplier's prefix and the contract number (``vk123``)."""
    return (prefix + re.sub(r"[^0-9A-Za-z]", "", contract_number)).lower()


# --- roles -------------------------------------------------------------------------------

def ensure_builtin_roles(session: DbSession) -> dict[str, Role]:
    """Create the roles of SPEC.md if missing (their rights stay as the admin edited them)."""
    existing = {r.code: r for r in session.scalars(select(Role))}
    for spec in BUILTIN_ROLES:
        if spec.code not in existing:
            role = Role(code=spec.code, scope=spec.scope, name_en=spec.name_en,
                        name_ru=spec.name_ru, ip_allowlist="")
            role.rights = [RoleRight(right=r) for r in spec.rights]
            session.add(role)
            existing[spec.code] = role
    session.flush()
    return existing


def role_by_code(session: DbSession, code: str) -> Role:
    role = session.scalars(select(Role).where(Role.code == code)).first()
    if role is None:
        role = ensure_builtin_roles(session)[code]
    return role


# --- activation codes --------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedCode:
    """The stored code and its plain text, which exists only in this return value."""

    code: ActivationCode
    plain: str


def issue_activation_code(session: DbSession, client: Client, *, actor: Actor,
                          days: int = 30) -> IssuedCode:
    plain = "-".join(_random_code(4) for _ in range(3))
    code = ActivationCode(
        client_id=client.id,
        code_hash=_digest(_canonical_code(plain)),
        code_hint=plain[-4:],
        issued_by_id=actor.user_id,
        issued_at=utcnow(),
        expires_at=utcnow() + dt.timedelta(days=days),
    )
    session.add(code)
    session.flush()
    record(session, "activation_code.issued", actor=actor, object_type="client",
           object_id=client.id, details={"code_id": code.id, "hint": code.code_hint,
                                         "expires_at": code.expires_at.isoformat()})
    return IssuedCode(code, plain)


def revoke_activation_code(session: DbSession, code: ActivationCode, *, actor: Actor) -> None:
    if code.used_at is not None:
        raise AccountError(N_("This code has already been used and cannot be revoked."))
    if code.revoked_at is not None:
        return
    code.revoked_at = utcnow()
    record(session, "activation_code.revoked", actor=actor, object_type="client",
           object_id=code.client_id, details={"code_id": code.id, "hint": code.code_hint})


def _canonical_code(plain: str) -> str:
    return re.sub(r"[\s\-]", "", plain or "")


def _usable_code(session: DbSession, plain: str, tax_id: str, contract_number: str) -> ActivationCode:
    """The active code for exactly this client, or a refusal that says which field is wrong."""
    canonical = _canonical_code(plain)
    if not canonical or len(canonical) > 64:
        raise InvalidActivationCode(N_("The activation code is not valid."), "activation_code")
    code = session.scalars(
        select(ActivationCode).where(ActivationCode.code_hash == _digest(canonical))
    ).first()
    if code is None:
        raise InvalidActivationCode(N_("The activation code is not valid."), "activation_code")
    state = code.state(utcnow())
    if state == "used":
        raise InvalidActivationCode(N_("This activation code has already been used."), "activation_code")
    if state == "revoked":
        raise InvalidActivationCode(N_("This activation code has been revoked."), "activation_code")
    if state == "expired":
        raise InvalidActivationCode(N_("This activation code has expired; ask the supplier for a new one."),
                                    "activation_code")
    client = code.client
    if normalize_tax_id(tax_id) != client.tax_id:
        raise RequisitesMismatch(N_("The tax ID does not match the contract of this activation code."),
                                 "tax_id")
    if normalize_contract_number(contract_number) != client.contract_number:
        raise RequisitesMismatch(N_("The contract number does not match this activation code."),
                                 "contract_number")
    return code


def _claim_code(session: DbSession, code: ActivationCode, user: User) -> None:
    """Mark the code used by ``user`` — atomically: of several registrations racing with
    one code, exactly one claims it (a conditional UPDATE; the others see it used)."""
    now = utcnow()
    claimed = rows_changed(session.execute(
        update(ActivationCode)
        .where(ActivationCode.id == code.id, ActivationCode.used_at.is_(None),
               ActivationCode.revoked_at.is_(None), ActivationCode.expires_at > now)
        .values(used_at=now, used_by_id=user.id)
        .execution_options(synchronize_session=False)
    ))
    session.expire(code)
    if claimed != 1:
        raise InvalidActivationCode(N_("This activation code has already been used."),
                                    "activation_code")


def client_activation_codes(session: DbSession, client: Client) -> list[ActivationCode]:
    return list(session.scalars(select(ActivationCode)
                                .where(ActivationCode.client_id == client.id)
                                .order_by(ActivationCode.issued_at.desc(), ActivationCode.id.desc())))


def get_activation_code(session: DbSession, client: Client, code_id: int) -> ActivationCode:
    code = session.scalars(select(ActivationCode).where(
        ActivationCode.id == code_id, ActivationCode.client_id == client.id)).first()
    if code is None:
        raise NotFound(N_("No such activation code."))
    return code


def client_memberships(session: DbSession, client: Client) -> list[Membership]:
    return list(session.scalars(select(Membership).where(Membership.client_id == client.id)
                                .order_by(Membership.id)))


# --- registration and confirmation -------------------------------------------------------

@dataclass(frozen=True)
class NewToken:
    token: AccountToken
    plain_token: str
    plain_code: str


def _new_token(session: DbSession, user: User, purpose: TokenPurpose, *, lifetime: dt.timedelta,
               new_email: str = "") -> NewToken:
    # A newer token replaces older unused ones of the same purpose.
    for old in session.scalars(select(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None))):
        old.used_at = utcnow()
    plain_token = secrets.token_urlsafe(32)
    plain_code = _random_code(8)
    token = AccountToken(user_id=user.id, purpose=purpose, token_hash=_digest(plain_token),
                         code_hash=_digest(plain_code), new_email=new_email,
                         created_at=utcnow(), expires_at=utcnow() + lifetime)
    session.add(token)
    session.flush()
    return NewToken(token, plain_token, plain_code)


def register(session: DbSession, *, activation_code: str, tax_id: str, contract_number: str,
             email: str, password: str, password_repeat: str, settings: AccountSettings,
             links: AccountLinks, login: str | None = None,
             receive_invoices_by_email: bool = False, ip: str = "") -> User:
    """Register a client user from an activation code. Inactive until the e-mail is confirmed.

    ``receive_invoices_by_email``: the user asked for invoices by e-mail, i.e. the PDF
    attached to the new-invoice notice (``accounts.preferences``)."""
    code = _usable_code(session, activation_code, tax_id, contract_number)
    email_n = normalize_email(email)
    supplier = supplier_settings(session)
    prefix = supplier.login_prefix if supplier else "vk"
    login_n = (login or "").strip().lower() or derive_login(prefix, code.client.contract_number)
    if not re.fullmatch(r"[a-z0-9._-]{3,60}", login_n):
        raise AccountError(N_("The login may contain Latin letters, digits, dots, dashes and "
                           "underscores (3 to 60 characters)."), "login")
    if password != password_repeat:
        raise AccountError(N_("The passwords do not match."), "password_repeat")
    check_policy(password, login=login_n, email=email_n)
    if session.scalar(select(func.count()).select_from(User).where(User.email == email_n)):
        raise DuplicateAccount(N_("An account with this e-mail already exists."), "email")
    if session.scalar(select(func.count()).select_from(User).where(User.login == login_n)):
        raise DuplicateAccount(N_("The login %(login)s is already taken; choose another."), "login",
                               login=login_n)

    user = User(login=login_n, email=email_n, password_hash=hash_password(password),
                created_at=utcnow())
    session.add(user)
    session.flush()
    if receive_invoices_by_email:
        # «Получать счёт-извещение на email»: the new-invoice notice with its PDF attached.
        set_preference(session, user.id, NotificationKind.INVOICE_PDF, True)
    membership = Membership(user_id=user.id, client_id=code.client_id, created_at=utcnow())
    membership.roles = [MembershipRole(role_id=role_by_code(session, c).id)
                        for c in (CLIENT_ACCOUNTANT, CLIENT_SIGNER)]
    session.add(membership)
    _claim_code(session, code, user)
    actor = Actor(user.id, user.login, ip)
    record(session, "account.registered", actor=actor, object_type="user", object_id=user.id,
           details={"client_id": membership.client_id, "email": email_n, "code_id": code.id})
    _send_confirmation(session, user, settings=settings, links=links)
    return user


def _send_confirmation(session: DbSession, user: User, *, settings: AccountSettings,
                       links: AccountLinks) -> None:
    t = _new_token(session, user, TokenPurpose.CONFIRM_EMAIL,
                   lifetime=dt.timedelta(hours=settings.confirm_token_hours))
    notifications.confirm_registration(
        session, user, code=t.plain_code, link=links.confirm(t.plain_token),
        code_page=links.confirm_code(user.id),
    )


def resend_confirmation(session: DbSession, identifier: str, *, settings: AccountSettings,
                        links: AccountLinks, ip: str = "") -> None:
    """Send a fresh confirmation to an unconfirmed account; silent for anything else."""
    user = find_user(session, identifier)
    if user is None or user.is_confirmed:
        return
    _send_confirmation(session, user, settings=settings, links=links)


def _live_token(session: DbSession, plain: str, purpose: TokenPurpose) -> AccountToken:
    if not plain or len(plain) > 200:
        raise InvalidToken(N_("The link is not valid."), "token")
    token = session.scalars(select(AccountToken).where(
        AccountToken.token_hash == _digest(plain), AccountToken.purpose == purpose)).first()
    if token is None:
        raise InvalidToken(N_("The link is not valid."), "token")
    if token.used_at is not None:
        raise InvalidToken(N_("This link has already been used."), "token")
    if token.expires_at <= utcnow():
        raise InvalidToken(N_("This link has expired; request a new one."), "token")
    return token


def confirm_email(session: DbSession, *, token: str, ip: str = "") -> User:
    t = _live_token(session, token, TokenPurpose.CONFIRM_EMAIL)
    return _confirm(session, t, ip)


def confirm_email_with_code(session: DbSession, *, user_id: int, code: str, ip: str = "") -> User:
    """The typed-in alternative to the link: the user's id (from the page address) and code."""
    t = session.scalars(select(AccountToken).where(
        AccountToken.user_id == user_id, AccountToken.purpose == TokenPurpose.CONFIRM_EMAIL,
        AccountToken.used_at.is_(None)).order_by(AccountToken.id.desc())).first()
    code = (code or "").strip()
    if t is None or t.expires_at <= utcnow() or t.attempts >= MAX_CODE_ATTEMPTS:
        raise InvalidToken(N_("The confirmation code is not valid or has expired."), "code")
    if not code or len(code) > 32 or not hmac.compare_digest(t.code_hash, _digest(code)):
        raise InvalidToken(N_("The confirmation code is not valid or has expired."), "code")
    return _confirm(session, t, ip)


def register_failed_code_attempt(session: DbSession, user_id: int) -> None:
    """Count a wrong code (own unit of work) so that codes cannot be guessed."""
    t = session.scalars(select(AccountToken).where(
        AccountToken.user_id == user_id, AccountToken.purpose == TokenPurpose.CONFIRM_EMAIL,
        AccountToken.used_at.is_(None)).order_by(AccountToken.id.desc())).first()
    if t is not None:
        t.attempts += 1


def _confirm(session: DbSession, token: AccountToken, ip: str) -> User:
    user = token.user
    token.used_at = utcnow()
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    record(session, "account.email_confirmed", actor=Actor(user.id, user.login, ip),
           object_type="user", object_id=user.id, details={"email": user.email})
    return user


# --- login ------------------------------------------------------------------------------

def find_user(session: DbSession, identifier: str) -> User | None:
    ident = (identifier or "").strip().lower()
    if not ident or len(ident) > 254:
        return None
    column = User.email if "@" in ident else User.login
    # One query whether or not the user exists (the login's time must not tell): the
    # memberships load later, when a successful login needs them.
    return session.scalars(select(User).where(column == ident)
                           .options(lazyload(User.memberships))).first()


@dataclass(frozen=True)
class LoggedIn:
    """A successful login: the user and the server-side record of this login."""

    user: User
    session: sessions.StartedSession


def log_in(session: DbSession, identifier: str, password: str, *, ip: str, user_agent: str = "",
           remember: bool = False, settings: AccountSettings,
           throttle: LoginThrottle) -> LoggedIn:
    """Check the credentials and start a login, or refuse saying why — never which part of
    the credentials was wrong, and in the same time whether the account exists or not: an
    unknown login costs the same password check, lookups and counting as a wrong password.
    """
    user = find_user(session, identifier)
    key = throttle.account_key(user.id if user else None, identifier)
    known = sessions.known_address(session, user.id if user else 0, ip)
    if throttle.refused(key, ip, known_address=known):
        raise LoginThrottled(N_("Too many failed attempts. Try again in %(n)s minutes."),
                             None, n=settings.login_lock_minutes)
    password_ok = verify_password(user.password_hash if user else None, password or "")
    if user is None or not password_ok:
        throttle.failed(key, ip)
        log.info("login failed for %r from %s", (identifier or "")[:60], ip)
        raise LoginRefused(N_("Wrong login or password."), "password")
    if user.is_blocked:
        raise LoginRefused(N_("This account is blocked; contact the supplier."), None)
    if not user.is_confirmed:
        raise LoginRefused(N_("Confirm your e-mail address first: follow the link in the message "
                           "we sent, or request a new one."), None)
    if user.staff_role is not None and not user.staff_role.allows_ip(ip):
        record(session, "login.refused_network", actor=Actor(user.id, user.login, ip),
               object_type="user", object_id=user.id, details={})
        raise LoginRefused(N_("Logins for your role are not allowed from this network."), None)
    throttle.succeeded(key, ip)
    user.last_login_at = utcnow()
    started = sessions.start(session, user, ip=ip, user_agent=user_agent, remember=remember,
                             lifetime=settings.login_lifetime(remember))
    record(session, "login.succeeded", actor=Actor(user.id, user.login, ip),
           object_type="user", object_id=user.id,
           details={"session": started.record.id, "remember": remember})
    return LoggedIn(user, started)


def log_out(session: DbSession, user: User, login_session_id: int, *, ip: str) -> None:
    sessions.end(session, user.id, login_session_id, actor=Actor(user.id, user.login, ip))
    record(session, "logout", actor=Actor(user.id, user.login, ip), object_type="user",
           object_id=user.id, details={"session": login_session_id})


# --- password reset ----------------------------------------------------------------------

def request_password_reset(session: DbSession, identifier: str, *, settings: AccountSettings,
                           links: AccountLinks, ip: str = "") -> None:
    """E-mail a one-time reset link. Says nothing about whether the account exists (the web
    layer runs it as a background job, so neither does the time the page takes)."""
    user = find_user(session, identifier)
    if user is None or user.is_blocked:
        return
    minutes = settings.reset_token_minutes
    t = _new_token(session, user, TokenPurpose.RESET_PASSWORD,
                   lifetime=dt.timedelta(minutes=minutes))
    record(session, "password.reset_requested", actor=Actor(user.id, user.login, ip),
           object_type="user", object_id=user.id, details={})
    notifications.password_reset(session, user, link=links.reset_password(t.plain_token),
                                 minutes=minutes)


def check_reset_token(session: DbSession, token: str) -> User:
    return _live_token(session, token, TokenPurpose.RESET_PASSWORD).user


def reset_password(session: DbSession, *, token: str, tax_id: str, contract_number: str,
                   password: str, password_repeat: str, ip: str = "") -> User:
    """Set a new password. A client user must also give the tax ID and contract number of
    a client they act for; supplier staff give the supplier's tax ID and their login."""
    t = _live_token(session, token, TokenPurpose.RESET_PASSWORD)
    user = t.user
    tax = normalize_tax_id(tax_id)
    contract = normalize_contract_number(contract_number)
    if user.is_staff:
        supplier = supplier_settings(session)
        ok_tax = supplier is not None and tax == supplier.tax_id
        ok_contract = contract.lower() == user.login
    else:
        ok_tax = any(m.client.tax_id == tax for m in user.memberships)
        ok_contract = any(m.client.tax_id == tax and m.client.contract_number == contract
                          for m in user.memberships)
    if not ok_tax:
        raise RequisitesMismatch(N_("The tax ID does not match this account."), "tax_id")
    if not ok_contract:
        raise RequisitesMismatch(N_("The contract number does not match this account."),
                                 "contract_number")
    if password != password_repeat:
        raise AccountError(N_("The passwords do not match."), "password_repeat")
    check_policy(password, login=user.login, email=user.email)
    user.password_hash = hash_password(password)
    sessions.end_all(session, user.id)
    t.used_at = utcnow()
    record(session, "password.reset", actor=Actor(user.id, user.login, ip),
           object_type="user", object_id=user.id, details={})
    notifications.password_changed(session, user)
    return user


# --- profile -----------------------------------------------------------------------------

def change_password(session: DbSession, user: User, *, current: str, new: str, repeat: str,
                    keep_session_id: int | None, ip: str = "") -> None:
    """Set a new password; every other login of the user ends (``keep_session_id`` stays)."""
    if not verify_password(user.password_hash, current or ""):
        raise AccountError(N_("The current password is wrong."), "current_password")
    if new != repeat:
        raise AccountError(N_("The passwords do not match."), "new_password_repeat")
    try:
        check_policy(new, login=user.login, email=user.email)
    except AccountError as exc:
        exc.field = "new_password"
        raise
    if verify_password(user.password_hash, new):
        raise AccountError(N_("The new password must differ from the current one."), "new_password")
    user.password_hash = hash_password(new)
    sessions.end_all(session, user.id, except_id=keep_session_id)
    record(session, "password.changed", actor=Actor(user.id, user.login, ip),
           object_type="user", object_id=user.id, details={})
    notifications.password_changed(session, user)


def request_email_change(session: DbSession, user: User, *, new_email: str, password: str,
                         settings: AccountSettings, links: AccountLinks, ip: str = "") -> None:
    """Send a confirmation link to the new address; the address changes once it is used."""
    email_n = normalize_email(new_email)
    if email_n == user.email:
        raise AccountError(N_("This is already your e-mail address."), "email")
    if not verify_password(user.password_hash, password or ""):
        raise AccountError(N_("The password is wrong."), "password")
    if session.scalar(select(func.count()).select_from(User).where(User.email == email_n)):
        raise DuplicateAccount(N_("An account with this e-mail already exists."), "email")
    t = _new_token(session, user, TokenPurpose.CHANGE_EMAIL,
                   lifetime=dt.timedelta(hours=settings.confirm_token_hours), new_email=email_n)
    record(session, "email.change_requested", actor=Actor(user.id, user.login, ip),
           object_type="user", object_id=user.id, details={"new_email": email_n})
    notifications.confirm_email_change(session, user, new_email=email_n,
                                       link=links.confirm_email_change(t.plain_token))


def confirm_email_change(session: DbSession, *, token: str, ip: str = "") -> User:
    t = _live_token(session, token, TokenPurpose.CHANGE_EMAIL)
    user = t.user
    if session.scalar(select(func.count()).select_from(User).where(
            User.email == t.new_email, User.id != user.id)):
        raise DuplicateAccount(N_("An account with this e-mail already exists."), "email")
    old = user.email
    user.email = t.new_email
    t.used_at = utcnow()
    record(session, "email.changed", actor=Actor(user.id, user.login, ip), object_type="user",
           object_id=user.id, details={"old": old, "new": user.email})
    notifications.email_changed(session, user, old_email=old)
    return user


def link_contract(session: DbSession, user: User, *, activation_code: str, tax_id: str,
                  contract_number: str, ip: str = "") -> Membership:
    """Let an existing user act for one more client, with that client's activation code."""
    if user.is_staff:
        raise AccountError(N_("Supplier staff accounts cannot act for clients."))
    code = _usable_code(session, activation_code, tax_id, contract_number)
    if any(m.client_id == code.client_id for m in user.memberships):
        raise DuplicateAccount(N_("You already act for this client."), "contract_number")
    membership = Membership(user_id=user.id, client_id=code.client_id, created_at=utcnow())
    membership.roles = [MembershipRole(role_id=role_by_code(session, c).id)
                        for c in (CLIENT_ACCOUNTANT, CLIENT_SIGNER)]
    session.add(membership)
    _claim_code(session, code, user)
    session.flush()
    record(session, "membership.linked", actor=Actor(user.id, user.login, ip),
           object_type="client", object_id=code.client_id, details={"code_id": code.id})
    return membership


def set_locale(user: User, locale: str, *, languages: tuple[str, ...]) -> None:
    if locale in languages:
        user.locale = locale

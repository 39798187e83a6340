"""The catalogue of rights and the built-in roles of SPEC.md ("Who uses it").

Rights are plain strings checked by every view; roles are rows (the supplier admin may edit
their rights and IP allow-lists), seeded from ``BUILTIN_ROLES``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Scope(str, enum.Enum):
    """A client role acts within one client's data; a supplier role is staff."""

    CLIENT = "client"
    SUPPLIER = "supplier"


# Client-side rights
READINGS_ENTER = "readings.enter"
READINGS_VIEW = "readings.view"
DOCUMENTS_VIEW = "documents.view"
DOCUMENTS_SIGN = "documents.sign"
MONEY_VIEW = "money.view"
MESSAGES_WRITE = "messages.write"
LIMITS_SUBMIT = "limits.submit"

# Supplier-side rights
CLIENTS_VIEW = "clients.view"
CLIENTS_MANAGE = "clients.manage"
ACTIVATION_MANAGE = "activation.manage"
METERS_MANAGE = "meters.manage"
CERTIFICATES_MANAGE = "certificates.manage"
READINGS_ENTER_PAPER = "readings.enter_paper"
READINGS_CONFIRM = "readings.confirm"  # the engineer: confirm or correct clients' readings
MESSAGES_ANSWER = "messages.answer"
DOCUMENTS_REJECT = "documents.reject"
DOCUMENTS_COUNTERSIGN = "documents.countersign"
INVOICES_SIGN = "invoices.sign"
LIMITS_APPROVE = "limits.approve"
STAFF_MANAGE = "staff.manage"
ROLES_MANAGE = "roles.manage"
PERIODS_MANAGE = "periods.manage"
TARIFFS_MANAGE = "tariffs.manage"
SUPPLIER_MANAGE = "supplier.manage"
AUDIT_VIEW = "audit.view"

CLIENT_RIGHTS = (
    READINGS_ENTER, READINGS_VIEW, DOCUMENTS_VIEW, DOCUMENTS_SIGN, MONEY_VIEW,
    MESSAGES_WRITE, LIMITS_SUBMIT,
)
SUPPLIER_RIGHTS = (
    CLIENTS_VIEW, CLIENTS_MANAGE, ACTIVATION_MANAGE, METERS_MANAGE, CERTIFICATES_MANAGE,
    READINGS_ENTER_PAPER, READINGS_CONFIRM, MESSAGES_ANSWER, DOCUMENTS_REJECT, DOCUMENTS_COUNTERSIGN,
    INVOICES_SIGN, LIMITS_APPROVE, STAFF_MANAGE, ROLES_MANAGE, PERIODS_MANAGE,
    TARIFFS_MANAGE, SUPPLIER_MANAGE, AUDIT_VIEW,
)
ALL_RIGHTS = CLIENT_RIGHTS + SUPPLIER_RIGHTS


@dataclass(frozen=True)
class RoleSpec:
    code: str
    scope: Scope
    name_en: str
    name_ru: str
    rights: tuple[str, ...]


CLIENT_ACCOUNTANT = "client_accountant"
CLIENT_SIGNER = "client_signer"
SUPPLIER_OPERATOR = "supplier_operator"
SUPPLIER_SIGNER = "supplier_signer"
SUPPLIER_ENGINEER = "supplier_engineer"
SUPPLIER_ADMIN = "supplier_admin"

BUILTIN_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(CLIENT_ACCOUNTANT, Scope.CLIENT, "Client accountant", "Бухгалтер клиента",
             (READINGS_ENTER, READINGS_VIEW, DOCUMENTS_VIEW, MONEY_VIEW, MESSAGES_WRITE,
              LIMITS_SUBMIT)),
    RoleSpec(CLIENT_SIGNER, Scope.CLIENT, "Client signer", "Подписант клиента",
             (READINGS_VIEW, DOCUMENTS_VIEW, DOCUMENTS_SIGN, LIMITS_SUBMIT)),
    RoleSpec(SUPPLIER_OPERATOR, Scope.SUPPLIER, "Supplier operator", "Оператор поставщика",
             (CLIENTS_VIEW, CLIENTS_MANAGE, ACTIVATION_MANAGE, METERS_MANAGE,
              CERTIFICATES_MANAGE, READINGS_ENTER_PAPER, MESSAGES_ANSWER, DOCUMENTS_REJECT)),
    RoleSpec(SUPPLIER_ENGINEER, Scope.SUPPLIER, "Supplier engineer", "Инженер поставщика",
             (CLIENTS_VIEW, READINGS_CONFIRM)),
    RoleSpec(SUPPLIER_SIGNER, Scope.SUPPLIER, "Supplier signer", "Подписант поставщика",
             (CLIENTS_VIEW, DOCUMENTS_COUNTERSIGN, INVOICES_SIGN, LIMITS_APPROVE)),
    RoleSpec(SUPPLIER_ADMIN, Scope.SUPPLIER, "Supplier administrator", "Администратор поставщика",
             (CLIENTS_VIEW, STAFF_MANAGE, ROLES_MANAGE, PERIODS_MANAGE, TARIFFS_MANAGE,
              SUPPLIER_MANAGE, AUDIT_VIEW)),
)

"""The supplier's settings: one row, edited by the supplier admin."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lk_corporate.core.db import Base, Quantity


class SupplierSettings(Base):
    """Who the supplier is, as every document and e-mail presents it."""

    __tablename__ = "supplier_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str] = mapped_column(String(200))
    tax_id: Mapped[str] = mapped_column(String(20))
    kpp: Mapped[str] = mapped_column(String(20), default="")
    ogrn: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    bank_name: Mapped[str] = mapped_column(String(300), default="")
    bank_bik: Mapped[str] = mapped_column(String(20), default="")
    bank_account: Mapped[str] = mapped_column(String(34), default="")
    bank_correspondent_account: Mapped[str] = mapped_column(String(34), default="")
    vat_rate: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(20))
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    login_prefix: Mapped[str] = mapped_column(String(10), default="vk")
    director: Mapped[str] = mapped_column(String(200), default="")
    chief_accountant: Mapped[str] = mapped_column(String(200), default="")

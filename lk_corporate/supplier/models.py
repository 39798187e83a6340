"""The supplier's settings: one row, edited by the supplier admin."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from lk_corporate.core.db import Base, Quantity
from lk_corporate.core.requisites import RequisitesColumns


class SupplierSettings(RequisitesColumns, Base):
    """Who the supplier is, as every document and e-mail presents it."""

    __tablename__ = "supplier_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vat_rate: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(20))
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    login_prefix: Mapped[str] = mapped_column(String(10), default="vk")
    director: Mapped[str] = mapped_column(String(200), default="")
    chief_accountant: Mapped[str] = mapped_column(String(200), default="")
    # Reading acts wait for a supplier signer («Получен», the countersigning queue) instead
    # of being accepted in the request that receives them.
    acts_accepted_by_signer: Mapped[bool] = mapped_column(Boolean, default=False,
                                                          server_default=false())

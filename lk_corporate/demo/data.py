"""The demo's data as plain constants, shared by ``lk demo`` (database seed) and
``lk documents sample``. The demo PKI's declaration (``certs/demo-pki.yml``) names the same
organisations for its certificates; the PKI is a lower layer and does not import this module,
so a test keeps the two equal.

Nothing here touches the database or Flask: it is the single source of the demo's names,
numbers and requisites so that the portal, the certificates and the sample PDFs agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class DemoBank:
    name: str
    bik: str
    account: str  # расчётный счёт
    correspondent_account: str  # корр. счёт


@dataclass(frozen=True)
class DemoSupplier:
    name: str
    short_name: str
    tax_id: str  # ИНН
    kpp: str
    ogrn: str
    address: str
    phone: str
    email: str
    bank: DemoBank
    vat_rate: Decimal
    currency: str
    login_prefix: str
    director: str
    chief_accountant: str


@dataclass(frozen=True)
class DemoMeter:
    service: str  # "electricity" | "cold_water" | "hot_water" | "heat"
    factory_number: str | None
    verification_date: str | None  # ISO date of the next verification due
    status: str  # "installed" | "removed"
    digits: int
    ct_ratio: Decimal
    vt_ratio: Decimal
    zones: tuple[str, ...]  # "day" / "night" or ("single",)
    max_consumption: Decimal
    point_name: str
    point_address: str
    previous: tuple[Decimal, ...]  # last accepted reading per zone
    previous_date: str


@dataclass(frozen=True)
class DemoClient:
    name: str
    short_name: str
    tax_id: str
    kpp: str
    ogrn: str
    contract_number: str
    contract_date: str
    address: str
    email: str
    bank: DemoBank
    meters: tuple[DemoMeter, ...] = field(default_factory=tuple)


SUPPLIER = DemoSupplier(
    name='Акционерное общество «Северная энергосбытовая компания»',
    short_name='АО «Северэнергосбыт»',
    tax_id="7701234560",
    kpp="770101001",
    ogrn="1027700123450",
    address="125009, г. Москва, ул. Тверская, д. 7, стр. 1",
    phone="+7 (495) 123-45-67",
    email="lk@severenergo.example",
    bank=DemoBank(
        name='ПАО «Сбербанк России», г. Москва',
        bik="044525225",
        account="40702810938000012345",
        correspondent_account="30101810400000000225",
    ),
    vat_rate=Decimal(20),
    currency="RUB",
    login_prefix="vk",
    director="Смирнов Алексей Викторович",
    chief_accountant="Кузнецова Ольга Петровна",
)

CLIENTS: tuple[DemoClient, ...] = (
    DemoClient(
        name='Общество с ограниченной ответственностью «Ромашка»',
        short_name='ООО «Ромашка»',
        tax_id="7712345671",
        kpp="771201001",
        ogrn="1157746123457",
        contract_number="123",
        contract_date="2024-01-15",
        address="127055, г. Москва, ул. Новослободская, д. 23, офис 410",
        email="buh@romashka.example",
        bank=DemoBank(
            name='АО «Альфа-Банк», г. Москва',
            bik="044525593",
            account="40702810801300012345",
            correspondent_account="30101810200000000593",
        ),
        meters=(
            DemoMeter("electricity", "011070123456789", "2031-06-30", "installed", 6,
                      Decimal(1), Decimal(1), ("day", "night"), Decimal(50000),
                      "ТП-12, ввод 1", "г. Москва, ул. Новослободская, д. 23",
                      (Decimal("12345.6"), Decimal("5432.1")), "2026-10-25"),
            DemoMeter("cold_water", "12223773", "2027-09-10", "installed", 8,
                      Decimal(1), Decimal(1), ("single",), Decimal(500),
                      "Водомерный узел, подвал", "г. Москва, ул. Новослободская, д. 23",
                      (Decimal("145.554"),), "2026-10-25"),
            DemoMeter("hot_water", None, None, "installed", 8,
                      Decimal(1), Decimal(1), ("single",), Decimal(300),
                      "Водомерный узел, подвал", "г. Москва, ул. Новослободская, д. 23",
                      (Decimal(0),), "2026-10-25"),
            # Replaced last summer: shown, but it takes no readings ("not in service").
            DemoMeter("electricity", "011070100200300", "2029-04-30", "removed", 6,
                      Decimal(1), Decimal(1), ("single",), Decimal(20000),
                      "ТП-12, ввод 2 (демонтирован)", "г. Москва, ул. Новослободская, д. 23",
                      (Decimal("45210.4"),), "2026-06-25"),
        ),
    ),
    DemoClient(
        name='Акционерное общество «Завод металлоконструкций»',
        short_name='АО «ЗМК»',
        tax_id="5029012343",
        kpp="502901001",
        ogrn="1025003512346",
        contract_number="4587",
        contract_date="2019-03-01",
        address="141009, Московская обл., г. Мытищи, ул. Индустриальная, д. 5",
        email="energo@zmk.example",
        bank=DemoBank(
            name='Банк ВТБ (ПАО), г. Москва',
            bik="044525187",
            account="40702810000000004587",
            correspondent_account="30101810700000000187",
        ),
        meters=(
            DemoMeter("electricity", "0804201234", "2029-12-31", "installed", 6,
                      Decimal(200), Decimal(100), ("day", "night"), Decimal(2000000),
                      "ПС «Мытищи», яч. 14", "Московская обл., г. Мытищи, ул. Индустриальная, д. 5",
                      (Decimal("4521.37"), Decimal("1987.04")), "2026-10-25"),
            DemoMeter("electricity", "0804205678", "2025-05-31", "installed", 6,
                      Decimal(40), Decimal(1), ("single",), Decimal(300000),
                      "Цех № 2, ВРУ-0,4 кВ", "Московская обл., г. Мытищи, ул. Индустриальная, д. 5",
                      (Decimal("88123.5"),), "2026-10-25"),
            DemoMeter("electricity", "0804199999", "2030-01-31", "removed", 6,
                      Decimal(1), Decimal(1), ("single",), Decimal(10000),
                      "Склад (демонтирован)", "Московская обл., г. Мытищи, ул. Индустриальная, д. 5",
                      (Decimal("301.2"),), "2026-06-25"),
        ),
    ),
    DemoClient(
        name='Государственное бюджетное учреждение здравоохранения «Городская поликлиника № 5»',
        short_name='ГБУЗ «ГП № 5»',
        tax_id="7703456784",
        kpp="770301001",
        ogrn="1037739123454",
        contract_number="905",
        contract_date="2021-07-01",
        address="123242, г. Москва, ул. Баррикадная, д. 2",
        email="zakupki@gp5.example",
        bank=DemoBank(
            name="ГУ Банка России по ЦФО // УФК по г. Москве",
            bik="004525988",
            account="03224643450000007300",
            correspondent_account="40102810545370000003",
        ),
        meters=(
            DemoMeter("electricity", "36912481", "2032-03-31", "installed", 7,
                      Decimal(1), Decimal(1), ("single",), Decimal(40000),
                      "ГРЩ, ввод 1", "г. Москва, ул. Баррикадная, д. 2",
                      (Decimal("250114.8"),), "2026-10-25"),
            DemoMeter("heat", "7700123", "2028-08-31", "installed", 7,
                      Decimal(1), Decimal(1), ("single",), Decimal(400),
                      "ИТП", "г. Москва, ул. Баррикадная, д. 2",
                      (Decimal("3214.117"),), "2026-10-25"),
        ),
    ),
)

# Tariffs (roubles per unit, without VAT), valid from 2026-07-01.
TARIFFS: tuple[tuple[str, str, str, Decimal], ...] = (
    # service, zone, unit, price
    ("electricity", "single", "кВт·ч", Decimal("7.45")),
    ("electricity", "day", "кВт·ч", Decimal("8.62")),
    ("electricity", "night", "кВт·ч", Decimal("4.31")),
    ("cold_water", "single", "м³", Decimal("58.32")),
    ("hot_water", "single", "м³", Decimal("262.17")),
    ("heat", "single", "Гкал", Decimal("3127.40")),
)

# What the installed meters with a factory number measured in the month before the demo's
# current one (per zone, on the register): the demo's previous period is calculated from
# them, ending at the meters' last readings above.
PREVIOUS_MONTH_USE: dict[str, tuple[Decimal, ...]] = {
    "011070123456789": (Decimal("1641.6"), Decimal("669.7")),
    "12223773": (Decimal("26.348"),),
    "0804201234": (Decimal("0.75"), Decimal("0.33")),
    "0804205678": (Decimal("3753.8"),),
    "36912481": (Decimal("14355.3"),),
    "7700123": (Decimal("184.424"),),
}

SERVICE_NAMES_RU = {
    "electricity": "Электроэнергия",
    "cold_water": "Холодное водоснабжение",
    "hot_water": "Горячее водоснабжение",
    "heat": "Тепловая энергия",
}
ZONE_NAMES_RU = {"single": "Круглосуточно", "day": "День", "night": "Ночь"}

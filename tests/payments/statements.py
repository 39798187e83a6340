"""Bank statements for tests, written as banks write them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Order:
    number: str
    date: dt.date
    amount: Decimal
    payer_tax_id: str
    purpose: str
    payer_name: str = 'ООО "Ромашка"'
    payer_account: str = "40702810400000012345"
    payer_bik: str = "044525593"


SUPPLIER_ACCOUNT = "40702810900000000001"


def one_c(orders: Iterable[Order], *, encoding: str = "cp1251", declared: str = "Windows",
          bom: bool = False) -> bytes:
    lines = ["1CClientBankExchange", "ВерсияФормата=1.03", f"Кодировка={declared}",
             "Отправитель=Бухгалтерия", "Получатель=", "ДатаСоздания=01.12.2026",
             "ВремяСоздания=10:00:00", "ДатаНачала=01.11.2026", "ДатаКонца=30.11.2026",
             f"РасчСчет={SUPPLIER_ACCOUNT}", "Документ=Платежное поручение", "СекцияРасчСчет",
             "ДатаНачала=01.11.2026", "ДатаКонца=30.11.2026", f"РасчСчет={SUPPLIER_ACCOUNT}",
             "НачальныйОстаток=0.00", "КонецРасчСчет"]
    for o in orders:
        lines += ["СекцияДокумент=Платежное поручение", f"Номер={o.number}",
                  f"Дата={o.date:%d.%m.%Y}", f"Сумма={o.amount}",
                  f"ПлательщикСчет={o.payer_account}",
                  f"Плательщик=ИНН {o.payer_tax_id} {o.payer_name}",
                  f"ПлательщикИНН={o.payer_tax_id}", f"Плательщик1={o.payer_name}",
                  f"ПлательщикРасчСчет={o.payer_account}", "ПлательщикБанк1=АО «АЛЬФА-БАНК»",
                  f"ПлательщикБИК={o.payer_bik}", "ПлательщикКорсчет=30101810200000000593",
                  f"ПолучательСчет={SUPPLIER_ACCOUNT}", f"ДатаПоступило={o.date:%d.%m.%Y}",
                  "ПолучательИНН=7701234560", "Получатель1=АО «Северэнергосбыт»",
                  f"ПолучательРасчСчет={SUPPLIER_ACCOUNT}", "ВидОплаты=01", "Очередность=5",
                  f"НазначениеПлатежа={o.purpose}", "КонецДокумента"]
    lines.append("КонецФайла")
    text = "\r\n".join(lines)
    if encoding == "cp866":  # DOS has no «»: banks print plain quotes there
        text = text.replace("«", '"').replace("»", '"')
    data = text.encode(encoding) + b"\r\n"
    return (b"\xef\xbb\xbf" + data) if bom else data

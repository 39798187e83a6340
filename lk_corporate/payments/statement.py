"""Bank statements: the 1C client-bank exchange format (``1CClientBankExchange``) and CSV.

Every Russian bank exports a statement as the text format 1C defined: ``Ключ=Значение``
lines, a header, an account section, then one ``СекцияДокумент=…`` … ``КонецДокумента``
block per payment, ``КонецФайла`` at the end; the encoding is Windows-1251 or DOS (CP866) as
``Кодировка=`` says, and some banks write UTF-8 (with or without a BOM). The same payments
also come as CSV from banks' web interfaces.

The parsers read line by line and yield one ``StatementPayment`` at a time, so a statement of
any size is read in constant memory. A malformed statement raises ``StatementError`` naming
the line and the reason; the importer imports a statement whole or not at all.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from lk_corporate.core.errors import N_

MAGIC = "1CClientBankExchange"
_MAX_LINE = 4096
_MAX_AMOUNT = Decimal("1e15")


class StatementError(ValueError):
    """The statement cannot be read; ``line`` is 1-based (0: the file as a whole).

    ``msgid`` and ``params`` are the reason to translate (the pages show it in the reader's
    language); ``reason`` is it in English, for the command line and logs."""

    def __init__(self, line: int, msgid: str, **params: object) -> None:
        self.line = line
        self.msgid = msgid
        self.params = params
        self.reason = msgid % params if params else msgid
        super().__init__(f"line {line}: {self.reason}" if line else self.reason)


@dataclass(frozen=True)
class StatementPayment:
    """One payment order of a statement, as the bank reported it."""

    number: str
    date: dt.date
    amount: Decimal
    payer_name: str
    payer_tax_id: str
    payer_account: str
    payer_bik: str
    payee_account: str
    payee_tax_id: str
    purpose: str
    received_on: dt.date | None
    line: int  # where its block starts, for messages

    @property
    def identity(self) -> tuple[str, str, str, str, str]:
        """What makes a payment the same payment in another statement (an overlapping
        period, a re-import): the payer's bank and account, the document number, date and
        amount."""
        return (self.payer_bik, self.payer_account, self.number, self.date.isoformat(),
                format(self.amount, "f"))


def _decoder_for(first: bytes) -> tuple[str, bytes]:
    """The encoding of a statement from its first bytes (BOM, then ``Кодировка=``)."""
    if first.startswith(codecs.BOM_UTF8):
        return "utf-8", first[len(codecs.BOM_UTF8):]
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and not text.isascii():
        return "utf-8", first
    latin = first.decode("cp1251", errors="replace")
    if "Кодировка=DOS" in latin or "Кодировка=DOS".encode("cp866") in first:
        return "cp866", first
    return "cp1251", first


def _lines(stream: BinaryIO) -> Iterator[tuple[int, str]]:
    head = stream.read(8192)
    encoding, head = _decoder_for(head)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    buffer = ""
    number = 0
    chunk = head
    while True:
        try:
            buffer += decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise StatementError(number + 1, N_("the text is not valid %(encoding)s"),
                                 encoding=encoding) from None
        if "\x00" in buffer:  # no text column of a database can hold it
            raise StatementError(number + buffer[:buffer.index("\x00")].count("\n") + 1,
                                 N_("the line holds a NUL character"))
        *complete, buffer = buffer.split("\n")
        if len(buffer) > _MAX_LINE:
            raise StatementError(number + len(complete) + 1, N_("the line is too long"))
        for line in complete:
            number += 1
            if len(line) > _MAX_LINE:
                raise StatementError(number, N_("the line is too long"))
            yield number, line.rstrip("\r")
        if not chunk:
            break
        chunk = stream.read(65536)
    if buffer:
        number += 1
        yield number, buffer.rstrip("\r")


_DATE = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})")
_AMOUNT = re.compile(r"\d{1,15}(\.\d{1,2})?")
_NOT_DIGIT = re.compile(r"\D")
_INN_PREFIX = re.compile(r"^ИНН\s*\d+\s*")
_PURPOSE_PARTS = tuple(f"НазначениеПлатежа{i}" for i in range(1, 7))
# A statement holds a few dozen distinct dates: each text is parsed once (bounded, per process).
_dates: dict[str, dt.date] = {}


def _date(value: str, line: int, key: str) -> dt.date:
    text = value.strip()
    found = _dates.get(text)
    if found is not None:
        return found
    match = _DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        found = dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        raise StatementError(line, N_("%(key)s: «%(value)s» is not a date DD.MM.YYYY"),
                             key=key, value=value[:20]) from None
    if len(_dates) < 10_000:
        _dates[text] = found
    return found


def _amount(value: str, line: int) -> Decimal:
    text = value.strip()
    if not _AMOUNT.fullmatch(text):
        text = text.replace(" ", "").replace("\u00a0", "").replace(",", ".")
        if not _AMOUNT.fullmatch(text):
            raise StatementError(line, N_("Сумма: «%(value)s» is not an amount"),
                                 value=value[:20])
    amount = Decimal(text)
    if amount <= 0 or amount >= _MAX_AMOUNT:
        raise StatementError(line, N_("Сумма: %(value)s is out of range"), value=value[:20])
    return amount


def _digits(value: str, limit: int) -> str:
    return (value if value.isdigit() else _NOT_DIGIT.sub("", value))[:limit]


def _payment(fields: dict[str, str], start: int) -> StatementPayment:
    get = fields.get
    for key in ("Номер", "Дата", "Сумма"):
        if not get(key, "").strip():
            raise StatementError(start, N_("the payment order has no %(key)s"), key=key)
    payer_name = get("Плательщик1") or get("Плательщик", "")
    if payer_name.startswith("ИНН"):
        payer_name = _INN_PREFIX.sub("", payer_name)
    received = get("ДатаПоступило", "").strip()
    purpose = get("НазначениеПлатежа", "")
    extra = [fields[k] for k in _PURPOSE_PARTS if k in fields]
    if extra:
        purpose = " ".join([purpose, *extra])
    return StatementPayment(
        number=fields["Номер"].strip()[:40],
        date=_date(fields["Дата"], start, "Дата"),
        amount=_amount(fields["Сумма"], start),
        payer_name=payer_name.strip()[:300],
        payer_tax_id=_digits(get("ПлательщикИНН", ""), 12),
        payer_account=_digits(get("ПлательщикСчет") or get("ПлательщикРасчСчет", ""), 20),
        payer_bik=_digits(get("ПлательщикБИК", ""), 9),
        payee_account=_digits(get("ПолучательСчет") or get("ПолучательРасчСчет", ""), 20),
        payee_tax_id=_digits(get("ПолучательИНН", ""), 12),
        purpose=" ".join(purpose.split())[:2000],
        received_on=_date(received, start, "ДатаПоступило") if received else None,
        line=start,
    )


def parse_1c(stream: BinaryIO) -> Iterator[StatementPayment]:
    """The payment orders of a 1C client-bank exchange file, one at a time."""
    lines = _lines(stream)
    first = next(lines, None)
    if first is None or first[1].strip().lstrip("\ufeff") != MAGIC:
        raise StatementError(1, N_("the file does not start with %(magic)s"), magic=MAGIC)
    block: dict[str, str] | None = None
    start = 0
    ended = False
    for number, raw in lines:
        line = raw.strip()
        if not line:
            continue
        if block is not None:  # most lines: a field of a payment order
            key, sep, value = line.partition("=")
            if sep and key != "СекцияДокумент":
                block[key.rstrip()] = value
                continue
            if line == "КонецДокумента":
                yield _payment(block, start)
                block = None
                continue
            if key.startswith("СекцияДокумент"):
                raise StatementError(number, N_("a new СекцияДокумент before КонецДокумента"))
            if line == "КонецФайла":
                raise StatementError(start, N_("СекцияДокумент is not closed by КонецДокумента"))
            raise StatementError(number, N_("«%(text)s» is not a Ключ=Значение line"),
                                 text=line[:40])
        if ended:
            raise StatementError(number, N_("text after КонецФайла"))
        if line == "КонецФайла":
            ended = True
            continue
        if line.startswith("СекцияДокумент"):
            block, start = {}, number
            continue
        if line == "КонецДокумента":
            raise StatementError(number, N_("КонецДокумента without СекцияДокумент"))
        if "=" not in line and line not in ("СекцияРасчСчет", "КонецРасчСчет"):
            raise StatementError(number, N_("«%(text)s» is not a Ключ=Значение line"),
                                 text=line[:40])
    if not ended:
        raise StatementError(0, N_("the file ends without КонецФайла (cut short?)"))


# CSV columns as banks' web exports name them (case- and space-insensitive).
_CSV_COLUMNS = {
    "number": ("номер", "номер документа", "№ документа", "number"),
    "date": ("дата", "дата документа", "date"),
    "amount": ("сумма", "сумма по кредиту", "поступление", "amount"),
    "payer_name": ("плательщик", "наименование плательщика", "payer"),
    "payer_tax_id": ("инн плательщика", "плательщик инн", "payer_tax_id"),
    "payer_account": ("счет плательщика", "счёт плательщика", "payer_account"),
    "payer_bik": ("бик банка плательщика", "бик плательщика", "payer_bik"),
    "purpose": ("назначение платежа", "назначение", "purpose"),
}


def parse_csv(stream: BinaryIO) -> Iterator[StatementPayment]:
    """Payments of a CSV statement (``;`` or ``,`` separated, a header row)."""
    encoding = _csv_encoding(stream)
    start = stream.tell()
    sample = stream.read(4096).decode(encoding, errors="ignore")
    stream.seek(start)
    text = codecs.getreader(encoding)(stream)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        raise StatementError(1, N_("the file is neither a 1C client-bank statement (it does not "
                                   "start with %(magic)s) nor a CSV table"), magic=MAGIC) from None
    reader = csv.reader(text, dialect)
    header = next(reader, None)
    if not header:
        raise StatementError(1, N_("the CSV file is empty"))
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    where: dict[str, int] = {}
    for key, aliases in _CSV_COLUMNS.items():
        for i, name in enumerate(names):
            if name in aliases:
                where[key] = i
                break
    for key in ("number", "date", "amount"):
        if key not in where:
            raise StatementError(1, N_("no column for %(key)s (%(names)s)"), key=key,
                                 names=" / ".join(_CSV_COLUMNS[key][:2]))
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if any("\x00" in cell for cell in row):
            raise StatementError(number, N_("the line holds a NUL character"))

        def cell(key: str, row: list[str] = row) -> str:
            i = where.get(key)
            return row[i] if i is not None and i < len(row) else ""

        yield _payment({"Номер": cell("number"), "Дата": cell("date"),
                        "Сумма": cell("amount"), "Плательщик1": cell("payer_name"),
                        "ПлательщикИНН": cell("payer_tax_id"),
                        "ПлательщикСчет": cell("payer_account"),
                        "ПлательщикБИК": cell("payer_bik"),
                        "НазначениеПлатежа": cell("purpose")}, number)


def _csv_encoding(stream: BinaryIO) -> str:
    position = stream.tell()
    head = stream.read(8192)
    stream.seek(position)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the buffer's end
            return "cp1251"
    return "utf-8"


def parse_statement(stream: BinaryIO) -> Iterator[StatementPayment]:
    """Either format, told apart by the first line."""
    position = stream.tell()
    head = stream.read(64)
    stream.seek(position)
    if MAGIC.encode() in head:
        return parse_1c(stream)
    return parse_csv(stream)

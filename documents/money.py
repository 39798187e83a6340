"""Money for documents: one rounding rule, formatting, and amounts in words in Russian.

**The rounding rule** (the only one used anywhere in the documents): every money amount is
rounded to the minor unit (kopecks) half-up (``ROUND_HALF_UP``: 0.005 -> 0.01) at the moment it
is computed from a product, and never again:

* a line's amount without VAT = round(volume × price);
* the line's VAT = round(amount without VAT × rate / 100);
* the line's amount with VAT = amount without VAT + VAT (no rounding needed);
* every total is the sum of already rounded line values.

So a printed total always equals the sum of the printed lines, which is what an accountant
checks first. Volumes and prices are never rounded here: they are printed as given.

Amounts in words follow Russian accounting usage: the whole units in words with the right
gender and plural ("одна тысяча", "два рубля", "двадцать одна гривна"), the minor units as two
digits followed by the unit in the matching plural ("00 копеек", "01 копейка").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from documents.errors import MoneyError

__all__ = [
    "CENT",
    "CURRENCIES",
    "Currency",
    "LineAmounts",
    "amount_in_words",
    "currency",
    "format_decimal",
    "format_money",
    "line_amounts",
    "number_in_words",
    "plain",
    "plural",
    "round_money",
]

CENT = Decimal("0.01")
_MAX = Decimal("999999999999999.99")


@dataclass(frozen=True)
class Noun:
    """A counted noun: its forms for 1 / 2-4 / 5-20 and the gender numerals agree with."""

    one: str
    few: str
    many: str
    feminine: bool = False

    def form(self, n: int) -> str:
        return plural(n, self.one, self.few, self.many)


@dataclass(frozen=True)
class Currency:
    """A currency as documents print it.

    ``code`` is ISO 4217 alphabetic, ``numeric`` its ISO numeric code (the tax invoice prints
    it), ``short``/``minor_short`` the abbreviations used in table headings ("руб.", "коп.").
    """

    code: str
    numeric: str
    name: str  # "Российский рубль": the tax invoice's "Валюта: наименование"
    major: Noun
    minor: Noun
    short: str
    minor_short: str


CURRENCIES: dict[str, Currency] = {
    "RUB": Currency("RUB", "643", "Российский рубль",
                    Noun("рубль", "рубля", "рублей"), Noun("копейка", "копейки", "копеек", True),
                    "руб.", "коп."),
    "UAH": Currency("UAH", "980", "Украинская гривна",
                    Noun("гривна", "гривны", "гривен", True),
                    Noun("копейка", "копейки", "копеек", True), "грн", "коп."),
    "KZT": Currency("KZT", "398", "Казахстанский тенге",
                    Noun("тенге", "тенге", "тенге"), Noun("тиын", "тиына", "тиынов"),
                    "тенге", "тиын"),
    "BYN": Currency("BYN", "933", "Белорусский рубль",
                    Noun("белорусский рубль", "белорусских рубля", "белорусских рублей"),
                    Noun("копейка", "копейки", "копеек", True), "бел. руб.", "коп."),
}


def currency(code: str) -> Currency:
    """The configured currency for an ISO code, or :class:`MoneyError`."""
    try:
        return CURRENCIES[code]
    except KeyError:
        raise MoneyError(f"unknown currency {code!r}; configured: {', '.join(CURRENCIES)}") from None


def _require_decimal(value: object, what: str) -> Decimal:
    if not isinstance(value, Decimal):
        raise MoneyError(f"{what} must be a Decimal, got {type(value).__name__} {value!r}")
    if not value.is_finite():
        raise MoneyError(f"{what} must be finite, got {value!r}")
    return value


def round_money(value: Decimal) -> Decimal:
    """Round to kopecks half-up (the rule in the module docstring)."""
    _require_decimal(value, "amount")
    try:
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # pragma: no cover - only for absurd exponents
        raise MoneyError(f"cannot round {value!r} to kopecks") from exc


@dataclass(frozen=True)
class LineAmounts:
    """The three money values of one priced line, each already rounded."""

    net: Decimal  # without VAT
    vat: Decimal
    gross: Decimal  # with VAT


def line_amounts(volume: Decimal, price: Decimal, vat_rate: Decimal) -> LineAmounts:
    """Amounts of a line by the documented rule: net = round(volume × price),
    VAT = round(net × rate / 100), gross = net + VAT."""
    _require_decimal(volume, "volume")
    _require_decimal(price, "price")
    _require_decimal(vat_rate, "VAT rate")
    net = round_money(volume * price)
    vat = round_money(net * vat_rate / Decimal(100))
    return LineAmounts(net, vat, net + vat)


def _group(digits: str, sep: str = " ") -> str:
    out = []
    while len(digits) > 3:
        out.append(digits[-3:])
        digits = digits[:-3]
    out.append(digits)
    return sep.join(reversed(out))


def format_decimal(value: Decimal, places: int | None = None, *, sep: str = " ") -> str:
    """Russian number formatting: thousands separated by a space, decimal comma.

    ``places=None`` keeps the value's own precision (a volume of ``145.554`` stays
    ``145,554``); an integer ``places`` quantizes half-up first. Never uses float.
    """
    _require_decimal(value, "value")
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(value, "f")
    negative = text.startswith("-")
    if negative:
        text = text[1:]
    whole, _, frac = text.partition(".")
    result = _group(whole, sep) + ("," + frac if frac else "")
    if negative and value != 0:
        result = "-" + result
    return result


def plain(value: Decimal, min_places: int = 0) -> Decimal:
    """The same number without insignificant zeros, never in exponent notation, with at
    least ``min_places`` decimals: what a document prints for a volume, a price or a rate
    read from ``Numeric`` columns, whose products carry every column's scale
    (``641.7600000000000`` → ``641.76``; ``315000.000000`` → ``315000``;
    ``plain(Decimal("4.850000"), 2)`` → ``4.85``; ``plain(Decimal(5), 2)`` → ``5.00``)."""
    _require_decimal(value, "value")
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        normal = normal.quantize(Decimal(1))
        exponent = 0
    if isinstance(exponent, int) and -exponent < min_places:
        return normal.quantize(Decimal(1).scaleb(-min_places))
    return normal


def format_money(value: Decimal) -> str:
    """``1234567.8`` -> ``"1 234 567,80"`` (rounded to kopecks by the documented rule)."""
    return format_decimal(round_money(value), 2)


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form for ``n``: 1, 21, 101 -> one; 2-4, 22-24 -> few; else many."""
    n = abs(n)
    if n % 100 in (11, 12, 13, 14):
        return many
    if n % 10 == 1:
        return one
    if n % 10 in (2, 3, 4):
        return few
    return many


_UNITS_M = ("", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять")
_UNITS_F = ("", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять")
_TEENS = ("десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать", "пятнадцать",
          "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать")
_TENS = ("", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят",
         "восемьдесят", "девяносто")
_HUNDREDS = ("", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот",
             "восемьсот", "девятьсот")
# (forms, feminine) for 10^3, 10^6, 10^9, 10^12
_SCALES = (
    (("тысяча", "тысячи", "тысяч"), True),
    (("миллион", "миллиона", "миллионов"), False),
    (("миллиард", "миллиарда", "миллиардов"), False),
    (("триллион", "триллиона", "триллионов"), False),
)


def _triad(n: int, feminine: bool) -> list[str]:
    words = []
    if n >= 100:
        words.append(_HUNDREDS[n // 100])
    rest = n % 100
    if 10 <= rest <= 19:
        words.append(_TEENS[rest - 10])
    else:
        if rest >= 20:
            words.append(_TENS[rest // 10])
        if rest % 10:
            words.append((_UNITS_F if feminine else _UNITS_M)[rest % 10])
    return words


def number_in_words(n: int, *, feminine: bool = False) -> str:
    """A non-negative integer below 10^15 in Russian words; ``feminine`` is the gender of the
    counted noun ("одна гривна", "две копейки"). 0 -> "ноль"."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise MoneyError(f"number_in_words needs an int, got {type(n).__name__}")
    if n < 0 or n >= 10**15:
        raise MoneyError(f"number_in_words supports 0 .. 10^15-1, got {n}")
    if n == 0:
        return "ноль"
    words: list[str] = []
    triads = []
    while n:
        triads.append(n % 1000)
        n //= 1000
    for power in range(len(triads) - 1, -1, -1):
        t = triads[power]
        if not t:
            continue
        if power == 0:
            words += _triad(t, feminine)
        else:
            forms, fem = _SCALES[power - 1]
            words += _triad(t, fem)
            words.append(plural(t, *forms))
    return " ".join(words)


def amount_in_words(amount: Decimal, code: str = "RUB", *, capitalize: bool = False) -> str:
    """The amount as written on Russian payment documents.

    ``Decimal("2000000001")`` -> ``"два миллиарда один рубль 00 копеек"``;
    ``Decimal("0.01")`` -> ``"ноль рублей 01 копейка"``. The amount is first rounded to the
    minor unit by :func:`round_money`. Negative amounts are refused (a document writes
    "задолженность в пользу ..." instead of a negative sum).
    """
    cur = currency(code)
    value = round_money(_require_decimal(amount, "amount"))
    if value < 0:
        raise MoneyError(f"amount in words of a negative amount {value}")
    if value > _MAX:
        raise MoneyError(f"amount {value} too large to write out in words")
    minor_total = int(value * 100)
    whole, minor = divmod(minor_total, 100)
    text = (f"{number_in_words(whole, feminine=cur.major.feminine)} {cur.major.form(whole)} "
            f"{minor:02d} {cur.minor.form(minor)}")
    return text[:1].upper() + text[1:] if capitalize else text

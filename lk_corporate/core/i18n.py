"""Which language and time zone a request is served in, and how numbers and dates look.

The portal speaks Russian by default and English on request. The order of precedence is:

1. an explicit choice made with ``/lang/<code>`` (kept in the session and in a long-lived
   cookie, so it survives logging out and in again on the same browser);
2. the signed-in user's saved preference (``current_user.locale``, when the model has it);
3. ``BABEL_DEFAULT_LOCALE`` (``ru``).

The browser's Accept-Language is deliberately ignored: the supplier's staff and its clients
expect the same Russian screens the paper documents use, whatever their browser says.

Money and volumes are ``Decimal`` end to end; the Jinja filters refuse ``float`` so that a
float that slipped into a view shows up as an error in tests instead of as a rounding surprise
on an invoice.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_decimal as babel_format_decimal
from babel.support import NullTranslations, Translations
from flask import Flask, Request, current_app, has_request_context, request, session
from flask_babel import get_locale, get_timezone, gettext, refresh

from lk_corporate.core.errors import Term

LOCALE_SESSION_KEY = "lk_locale"
LOCALE_COOKIE = "lk_locale"
LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600

# Date patterns per language. Russian accountants write 24.11.2026; for English an
# unambiguous day-month-year (11/24/26 would be read differently on each side of the ocean).
DATE_PATTERNS = {"ru": "dd.MM.yyyy", "en": "dd MMM yyyy"}
DATETIME_PATTERNS = {"ru": "dd.MM.yyyy HH:mm", "en": "dd MMM yyyy, HH:mm"}
# A billing period is a month: "ноябрь 2026" / "November 2026" (stand-alone month name).
PERIOD_PATTERN = "LLLL yyyy"
# Placeholder for an absent value in tables (no previous reading, no due date, ...).
EMPTY = "—"


def supported_locales() -> tuple[str, ...]:
    return tuple(current_app.config.get("LK_LANGUAGES", ("ru", "en")))


def _current_user_attr(name: str) -> Any:
    """An attribute of the signed-in user, or None (anonymous, or the model lacks it)."""
    try:
        from flask_login import current_user
    except ImportError:  # pragma: no cover - Flask-Login is a hard dependency
        return None
    if not getattr(current_user, "is_authenticated", False):
        return None
    return getattr(current_user, name, None)


def explicit_locale() -> str | None:
    """The language picked with /lang/<code> on this browser, if any and still supported."""
    if not has_request_context():
        return None
    for value in (session.get(LOCALE_SESSION_KEY), request.cookies.get(LOCALE_COOKIE)):
        if value in supported_locales():
            return value
    return None


def select_locale() -> str:
    """Flask-Babel's locale selector (see the module docstring for the precedence)."""
    if not has_request_context():
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "ru")
    choice = explicit_locale()
    if choice:
        return choice
    saved = _current_user_attr("locale")
    if saved in supported_locales():
        return saved
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "ru")


def select_timezone() -> str:
    """The user's time zone if the model keeps one, else the supplier's (BABEL_DEFAULT_TIMEZONE).

    Reading windows and due dates are the supplier's local dates, so the default matters more
    than the per-user override.
    """
    saved = _current_user_attr("timezone") if has_request_context() else None
    return saved or current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Moscow")


def _lang() -> str:
    return str(get_locale() or "ru").split("_")[0]


def _decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money and volumes are Decimal, never float")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, str)):
        return Decimal(value)
    raise TypeError(f"cannot format {type(value).__name__} as a number")


def format_money(value: Any, currency: str | None = None) -> str:
    """``Decimal('1234.5')`` → ``'1 234,50'`` in Russian, ``'1,234.50'`` in English.

    Always two decimals, half-even rounding as Babel does it for display only (amounts are
    rounded once, by the calculation, before they are stored). The group separator is a
    no-break space so an amount never wraps inside a table cell. ``currency`` is appended as
    given (e.g. ``'₽'``, ``'тг'``): the supplier's currency is configuration, not locale.
    """
    if value is None:
        return EMPTY
    text = babel_format_decimal(_decimal(value), format="#,##0.00", locale=_lang())
    return f"{text}\u00a0{currency}" if currency else text


def format_number(value: Any, digits: int | None = None) -> str:
    """A volume or meter reading: ``digits`` decimals exactly, or as many as the value has."""
    if value is None:
        return EMPTY
    number = _decimal(value)
    if digits is None:
        exponent = number.as_tuple().exponent
        digits = max(0, -exponent) if isinstance(exponent, int) else 0
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return babel_format_decimal(number, format=pattern, locale=_lang(), decimal_quantization=True)


def format_date(value: dt.date | dt.datetime | None) -> str:
    """``date(2026, 11, 24)`` → ``'24.11.2026'`` (ru) / ``'24 Nov 2026'`` (en).

    A datetime is first converted to the request's time zone, so an act signed at 23:30 UTC
    shows the Moscow date the signer saw.
    """
    if value is None:
        return EMPTY
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(get_timezone())
        value = value.date()
    lang = _lang()
    return babel_format_date(value, DATE_PATTERNS.get(lang, DATE_PATTERNS["ru"]), locale=lang)


def format_datetime(value: dt.datetime | None) -> str:
    """``'24.11.2026 14:05'`` in the request's time zone (naive values are taken as UTC)."""
    if value is None:
        return EMPTY
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    lang = _lang()
    return babel_format_datetime(
        value,
        DATETIME_PATTERNS.get(lang, DATETIME_PATTERNS["ru"]),
        tzinfo=get_timezone(),
        locale=lang,
    )


def format_period(value: dt.date | None) -> str:
    """A billing month: ``'Ноябрь 2026'`` / ``'November 2026'``."""
    if value is None:
        return EMPTY
    text = babel_format_date(value, PERIOD_PATTERN, locale=_lang())
    return text[:1].upper() + text[1:]


TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


@functools.lru_cache(maxsize=8)
def _catalogue(locale: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain="messages")


def _param_text(value: Any, lang: str) -> Any:
    """A message parameter as people of ``lang`` write it: ``12 345,6`` / ``12,345.6``; a
    ``Term`` in the language's words."""
    if isinstance(value, Term):
        return _catalogue(lang).gettext(str(value)) if lang != "en" else str(value)
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, dt.date)):
        return value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return babel_format_date(value, DATE_PATTERNS.get(lang, DATE_PATTERNS["ru"]), locale=lang)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    exponent = Decimal(value).as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return babel_format_decimal(Decimal(value), format=pattern, locale=lang,
                                decimal_quantization=False)


def message_text(message: str, params: Mapping[str, Any] | None = None, *,
                 locale: str | None = None) -> str:
    """A domain message (an English msgid with its parameters) in words.

    ``locale`` None: the request's language (Flask-Babel). A given ``locale`` reads the
    catalogue directly, with no request or app: what a document prints or an audit entry
    keeps is the portal's language («ru»), whoever's screen triggered it. Numbers and dates
    among the parameters are written the way that language writes them.
    """
    params = params or {}
    if locale is None:
        lang = _lang()
        formatted = {k: _param_text(v, lang) for k, v in params.items()}
        return gettext(message, **formatted) if formatted else gettext(message)
    formatted = {k: _param_text(v, locale) for k, v in params.items()}
    text = _catalogue(locale).gettext(message)
    return text % formatted if formatted else text


def dump_params(params: Mapping[str, Any]) -> str:
    """A message's parameters as JSON that :func:`load_params` turns back into the same types
    (a ``Term`` stays a term to translate, an amount or a date stays one to format in the
    reader's language): for a message stored now and shown later, to whoever reads it."""
    def typed(value: Any) -> Any:
        if isinstance(value, Term):
            return {"term": str(value)}
        if isinstance(value, Decimal):
            return {"decimal": str(value)}
        if isinstance(value, dt.datetime):
            return {"datetime": value.isoformat()}
        if isinstance(value, dt.date):
            return {"date": value.isoformat()}
        if isinstance(value, (bool, int, float)) or value is None:
            return value
        return str(value)

    return json.dumps({k: typed(v) for k, v in params.items()}, ensure_ascii=False)


def load_params(text: str | None) -> dict[str, Any]:
    """The parameters :func:`dump_params` stored (``""``: none)."""
    def typed(value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            (kind, raw), = value.items()
            if kind == "term":
                return Term(raw)
            if kind == "decimal":
                return Decimal(raw)
            if kind == "datetime":
                return dt.datetime.fromisoformat(raw)
            if kind == "date":
                return dt.date.fromisoformat(raw)
        return value

    return {k: typed(v) for k, v in json.loads(text or "{}").items()}


@functools.lru_cache(maxsize=8)
def _wtforms_translations(locale: str) -> Translations | NullTranslations:
    from wtforms.i18n import messages_path

    return Translations.load(messages_path(), [locale], domain="wtforms")


class LocalizedRequest(Request):
    """The app's request class: WTForms' own messages (a field required, a number expected)
    in the request's language, each catalogue read once per process. Flask-WTF reads this
    attribute and, when it is missing, parses the catalogue file again for every request that
    builds a form."""

    @cached_property
    def wtforms_translations(self) -> Translations | NullTranslations:
        return _wtforms_translations(str(get_locale()))


def init_app(app: Flask) -> None:
    """Plug the selectors into the Babel extension bound by ``create_app`` and add the filters.

    Flask-Babel 4 reads the selectors from its per-app configuration at request time, so
    setting them after ``babel.init_app(app)`` is enough.
    """
    babel_config = app.extensions["babel"]
    app.request_class = LocalizedRequest
    babel_config.locale_selector = select_locale
    babel_config.timezone_selector = select_timezone
    # {% trans %} blocks are extracted with trimmed=true (babel.cfg); render them the same way
    # or the msgid looked up at runtime would not match the catalogue's.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.filters.update(
        money=format_money,
        number=format_number,
        date=format_date,
        datetime=format_datetime,
        period=format_period,
    )

    @app.before_request
    def _fresh_locale() -> None:
        # Flask-Babel caches the locale on ``g``, which lives as long as the app context. When
        # an app context outlives one request (test clients inside ``app.app_context()``, CLI
        # code issuing requests), the first request's language would stick; a request decides
        # its own.
        refresh()

    @app.context_processor
    def _i18n_context() -> dict[str, Any]:
        return {
            "current_locale": _lang(),
            "supported_locales": supported_locales(),
        }

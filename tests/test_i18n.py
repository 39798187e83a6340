"""The translation catalogues are complete and current, and the i18n machinery picks the
language, formats money and dates the way Russian accountants write them."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask
from flask_babel import refresh

from lk_corporate.core import i18n
from tests.support.factories import create_client, create_client_user, login, post_form

ROOT = Path(__file__).resolve().parent.parent


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lk_i18n_script", ROOT / "scripts" / "i18n.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


script = _load_script()


# --- the catalogues -------------------------------------------------------------------------

def test_every_russian_string_is_translated() -> None:
    catalog = script.read_catalog("ru")
    assert catalog is not None, "lk_corporate/translations/ru/LC_MESSAGES/messages.po is missing"
    untranslated = [m.id for m in script.missing(catalog)]
    assert untranslated == [], (
        f"{len(untranslated)} strings lack a Russian translation (or are fuzzy); run "
        "`scripts/i18n.py missing > x.json`, translate, `scripts/i18n.py fill x.json`:\n"
        + "\n".join(map(repr, untranslated[:40]))
    )


@pytest.mark.parametrize("locale", script.LOCALES)
def test_catalogue_matches_the_sources(locale: str) -> None:
    """Re-extract from the sources and compare the msgid sets (what `extract` would change)."""
    source = script.msgids(script.extract())
    catalog = script.read_catalog(locale)
    assert catalog is not None
    have = script.msgids(catalog)
    assert sorted(source - have, key=str) == [], "strings not extracted yet: run scripts/i18n.py extract"
    assert sorted(have - source, key=str) == [], "strings no longer in the sources: run extract"
    assert len(source) > 50  # the extraction really read templates and Python files


@pytest.mark.parametrize("locale", script.LOCALES)
def test_compiled_catalogue_matches_the_po_file(locale: str) -> None:
    catalog = script.read_catalog(locale)
    assert catalog is not None
    mo = script.mo_path(locale)
    assert mo.exists(), f"{mo} missing: run scripts/i18n.py compile"
    assert mo.read_bytes() == script.render_mo(catalog), f"{mo} is stale: run scripts/i18n.py compile"


def test_english_catalogue_is_the_source_text() -> None:
    catalog = script.read_catalog("en")
    assert catalog is not None
    for message in catalog:
        if message.id:
            expected = tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id
            got = tuple(message.string) if isinstance(message.string, (list, tuple)) else message.string
            assert got == expected, message.id


def test_check_command_reports_a_stale_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`check` (what CI and this test file rely on) notices a string missing from the catalogue."""
    import shutil

    copy = tmp_path / "translations"
    shutil.copytree(script.TRANSLATIONS, copy)
    monkeypatch.setattr(script, "TRANSLATIONS", copy)
    catalog = script.read_catalog("ru")
    victim = next(m for m in catalog if m.id == "Page not found")
    catalog.delete(victim.id)
    script.po_path("ru").write_bytes(script.render_po(catalog))
    found = script.problems()
    assert "ru: not extracted yet: 'Page not found'" in found
    assert any("messages.mo does not match" in line for line in found)


def test_fill_merges_russian_and_compiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import shutil

    copy = tmp_path / "translations"
    shutil.copytree(script.TRANSLATIONS, copy)
    monkeypatch.setattr(script, "TRANSLATIONS", copy)
    monkeypatch.setattr(script, "LOCK_PATH", tmp_path / "lock")
    catalog = script.read_catalog("ru")
    catalog["Page not found"].string = ""
    script.po_path("ru").write_bytes(script.render_po(catalog))

    data = tmp_path / "ru.json"
    data.write_text(json.dumps({"Page not found": "Нет такой страницы"}), encoding="utf-8")
    assert script.main(["fill", str(data)]) == 0
    assert script.read_catalog("ru")["Page not found"].string == "Нет такой страницы"
    from babel.support import Translations

    with open(script.mo_path("ru"), "rb") as fileobj:
        assert Translations(fileobj).gettext("Page not found") == "Нет такой страницы"


# --- message contexts: one English word, two Russian ones --------------------------------------

def _ru(message: str, context: str | None = None) -> str:
    catalog = script.read_catalog("ru")
    assert catalog is not None
    entry = catalog.get(message, context=context)
    assert entry is not None, (message, context)
    return str(entry.string)


def test_ambiguous_short_strings_have_contexts() -> None:
    """pgettext in templates and lazy_pgettext in Python are extracted as messages of their
    own, and the meanings get different Russian words."""
    source = script.msgids(script.extract())
    for msgid, context in [("Register", "meter"), ("Register", None), ("Open", "period status"),
                           ("Open", None), ("Change password", "button"), ("Change password", None),
                           ("Previous", "pagination"), ("Verification", "meter")]:
        assert (msgid, context) in source, (msgid, context)
    assert _ru("Register", "meter") == "Разрядность"
    assert _ru("Register") == "Зарегистрироваться"
    assert _ru("Open", "period status") == "Открыт"
    assert _ru("Open") == "Открыть"
    assert _ru("Change password", "button") == "Изменить пароль"
    assert _ru("Change password") == "Изменение пароля"


def test_missing_fill_and_check_understand_contexts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    import json
    import shutil

    copy = tmp_path / "translations"
    shutil.copytree(script.TRANSLATIONS, copy)
    monkeypatch.setattr(script, "TRANSLATIONS", copy)
    monkeypatch.setattr(script, "LOCK_PATH", tmp_path / "lock")
    catalog = script.read_catalog("ru")
    catalog.get("Register", context="meter").string = ""
    script.po_path("ru").write_bytes(script.render_po(catalog))

    assert "ru: no translation: 'Register' [meter]" in script.problems()
    assert script.main(["missing"]) == 0
    skeleton = json.loads(capsys.readouterr().out)
    assert skeleton == {"meter\u0004Register": ""}  # the sign-up button is not touched

    data = tmp_path / "ru.json"
    data.write_text(json.dumps({"meter\u0004Register": "Разрядность"}), encoding="utf-8")
    assert script.main(["fill", str(data)]) == 0
    assert script.read_catalog("ru").get("Register", context="meter").string == "Разрядность"
    assert script.read_catalog("ru").get("Register").string == "Зарегистрироваться"
    from babel.support import Translations

    with open(script.mo_path("ru"), "rb") as fileobj:
        compiled = Translations(fileobj)
    assert compiled.pgettext("meter", "Register") == "Разрядность"
    assert compiled.gettext("Register") == "Зарегистрироваться"


def test_pages_use_the_right_meaning(client: Any, clean_app: Flask, supplier: Any) -> None:
    from lk_corporate.core.extensions import db
    from lk_corporate.core.rights import SUPPLIER_ADMIN
    from lk_corporate.periods.models import BillingPeriod, PeriodStatus
    from tests.support.factories import create_meter, create_staff_user

    owner = create_client()
    meter = create_meter(owner)
    login(client, create_client_user(owner).login)
    page = client.get(f"/meters/{meter.id}").get_data(as_text=True)
    assert "Разрядность" in page
    assert "Зарегистрироваться" not in page
    assert ">Изменить пароль<" in client.get("/profile/password").get_data(as_text=True).replace("\n", "")

    db.session.add(BillingPeriod(year=2026, month=11, calculation_date=dt.date(2026, 11, 25),
                                 status=PeriodStatus.OPEN))
    db.session.commit()
    staff = clean_app.test_client()
    login(staff, create_staff_user(SUPPLIER_ADMIN).login)
    periods = staff.get("/staff/periods").get_data(as_text=True)
    assert ">Открыт</span>" in periods  # the status badge, not the verb of the button


# --- language selection ---------------------------------------------------------------------

def _h1(response: Any) -> str:
    import re

    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.get_data(as_text=True), re.DOTALL)
    assert match, response.get_data(as_text=True)[:500]
    return match.group(1).strip()


def test_russian_is_the_default(client: Any) -> None:
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert _h1(response) == "Личный кабинет юридического клиента"
    assert '<html lang="ru">' in response.get_data(as_text=True)


def test_switching_to_english_sticks_in_session_and_cookie(client: Any, clean_app: Flask) -> None:
    response = client.get("/lang/en?next=/nope")
    assert response.status_code == 302
    assert response.headers["Location"] == "/nope"
    cookie = client.get_cookie(i18n.LOCALE_COOKIE)
    assert cookie is not None and cookie.value == "en" and cookie.http_only
    assert _h1(client.get("/")) == "Business client portal"

    # A new session on the same browser (only the cookie left) keeps English.
    fresh = clean_app.test_client()
    fresh.set_cookie(i18n.LOCALE_COOKIE, "en")
    assert _h1(fresh.get("/nope")) == "Page not found"

    client.get("/lang/ru")
    assert _h1(client.get("/nope")) == "Страница не найдена"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"])
def test_language_switch_does_not_redirect_off_site(client: Any, target: str) -> None:
    response = client.get("/lang/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_404(client: Any) -> None:
    assert client.get("/lang/de").status_code == 404
    assert client.get_cookie(i18n.LOCALE_COOKIE) is None


def test_saved_preference_applies_unless_the_browser_chose(client: Any, clean_app: Flask, supplier: Any) -> None:
    user = create_client_user(create_client(), locale="en")
    login(client, user.login)
    assert _h1(client.get("/nope")) == "Page not found"
    # An explicit choice on this browser wins over the saved preference ...
    client.get("/lang/ru")
    assert _h1(client.get("/nope")) == "Страница не найдена"


def test_switching_while_logged_in_saves_the_preference(client: Any, clean_app: Flask, supplier: Any) -> None:
    from lk_corporate.accounts.models import User
    from lk_corporate.core.extensions import db

    user = create_client_user(create_client(), locale="ru")
    login(client, user.login)
    client.get("/lang/en")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"


# --- formatting -----------------------------------------------------------------------------

@pytest.fixture()
def ru(clean_app: Flask) -> Any:
    with clean_app.test_request_context("/"):
        refresh()
        yield


@pytest.fixture()
def en(clean_app: Flask) -> Any:
    with clean_app.test_request_context("/", headers={"Cookie": f"{i18n.LOCALE_COOKIE}=en"}):
        refresh()
        yield


def test_money_the_russian_way(ru: Any) -> None:
    assert i18n.format_money(Decimal("1234.56")) == "1\u00a0234,56"
    assert i18n.format_money(Decimal("1234567.5")) == "1\u00a0234\u00a0567,50"
    assert i18n.format_money(Decimal("-0.5")) == "-0,50"
    assert i18n.format_money(Decimal(12), "₽") == "12,00\u00a0₽"
    assert i18n.format_money(None) == "—"


def test_money_in_english(en: Any) -> None:
    assert i18n.format_money(Decimal("1234.56")) == "1,234.56"


def test_float_is_refused(ru: Any) -> None:
    with pytest.raises(TypeError, match="never float"):
        i18n.format_money(1234.56)
    with pytest.raises(TypeError):
        i18n.format_number(0.1)


def test_numbers_keep_their_precision(ru: Any) -> None:
    assert i18n.format_number(Decimal("145.554")) == "145,554"
    assert i18n.format_number(Decimal(12345), 3) == "12\u00a0345,000"
    assert i18n.format_number(7) == "7"


def test_dates(ru: Any) -> None:
    assert i18n.format_date(dt.date(2026, 11, 24)) == "24.11.2026"
    # 22:30 UTC on the 23rd is already the 24th in Moscow (the default time zone).
    late = dt.datetime(2026, 11, 23, 22, 30, tzinfo=dt.UTC)
    assert i18n.format_date(late) == "24.11.2026"
    assert i18n.format_datetime(late) == "24.11.2026 01:30"
    assert i18n.format_period(dt.date(2026, 11, 1)) == "Ноябрь 2026"


def test_dates_in_english(en: Any) -> None:
    assert i18n.format_date(dt.date(2026, 11, 24)) == "24 Nov 2026"
    assert i18n.format_period(dt.date(2026, 11, 1)) == "November 2026"


def test_filters_are_available_in_templates(ru: Any, clean_app: Flask) -> None:
    template = clean_app.jinja_env.from_string("{{ a|money }} {{ d|date }} {{ p|period }}")
    assert template.render(a=Decimal("1234.5"), d=dt.date(2026, 1, 2), p=dt.date(2026, 2, 1)) == (
        "1\u00a0234,50 02.01.2026 Февраль 2026"
    )


def test_form_messages_follow_the_language_request_by_request(client: Any) -> None:
    """WTForms' own messages (a required field) come from a catalogue read once per process
    and language (``LocalizedRequest``): each request still gets its own language's."""
    empty = {"activation_code": "", "tax_id": "7712345671", "contract_number": "123",
             "email": "buh@romashka.example", "login": "", "password": "Secret-pass-2026",
             "password_repeat": "Secret-pass-2026"}
    for language, message in (("en", "This field is required."), ("ru", "Обязательное поле."),
                              ("en", "This field is required.")):
        client.get(f"/lang/{language}")
        html = post_form(client, "/register", empty).get_data(as_text=True)
        error = re.search(r'id="activation_code-error"[^>]*>(.*?)</div>', html, re.DOTALL)
        assert error and message in error.group(1), (language, error and error.group(1))

"""The audit log page in words: a label per action code («Вход выполнен»), the details as
"key: value" lines with translated keys, the stored code still there; unknown codes, keys and
non-JSON details shown as stored."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import refresh

from lk_corporate.audit.presentation import ACTION_LABELS, action_label, detail_lines
from lk_corporate.core import i18n
from lk_corporate.core.audit import Actor, canonical_json, record
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_ADMIN
from tests.support.factories import create_staff_user, login

ROOT = Path(__file__).resolve().parents[2]


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


def _text(details: dict[str, Any] | str, action: str = "") -> list[str]:
    raw = details if isinstance(details, str) else canonical_json(details)
    return [(("  " * line.depth) + (f"{line.label}: " if line.label else "") + line.value).rstrip()
            for line in detail_lines(raw, action)]


def test_action_codes_in_words(ru: Any) -> None:
    assert action_label("login.succeeded") == "Вход выполнен"
    assert action_label("period.closed") == "Расчётный период закрыт"
    assert action_label("invoice.signed_by_the_future") == "invoice.signed_by_the_future"


def test_action_codes_in_english(en: Any) -> None:
    assert action_label("login.succeeded") == "Login succeeded"
    assert _text({"contract_number": "123"}) == ["Contract number: 123"]


def test_details_as_lines(ru: Any) -> None:
    assert _text("{}") == [] and _text("") == []
    assert _text({"contract_number": "123", "name": "ООО «Ромашка»", "tax_id": "7712345671"}) == [
        "Наименование: ООО «Ромашка»", "ИНН: 7712345671", "Номер договора: 123"]
    # Codes stored in the details are shown in words too.
    assert _text({"login": "vk1", "roles": ["client_accountant", "client_signer"]}) == [
        "Логин: vk1", "Роли: Бухгалтер клиента, Подписант клиента"]
    assert _text({"period": "11.2026", "from": "open", "to": "closed"}, "period.closed") == [
        "Период: 11.2026", "Было: Открыт", "Стало: Закрыт"]
    assert _text({"changes": {"role": ["supplier_operator", "supplier_signer"],
                              "is_active": ["True", "False"]}}) == [
        "Изменения:", "  Роль: Оператор поставщика → Подписант поставщика",
        "  Договор действует: да → нет"]
    assert _text({"code": "supplier_admin", "changes": {"rights": {"added": ["audit.view"],
                                                                   "removed": []}}},
                 "role.updated") == [
        "Роль: Администратор поставщика", "Изменения:", "  Права:",
        "    Добавлены: Просматривать журнал аудита", "    Убраны: —"]
    # A whole record before and after: only what changed, numbers and dates the Russian way.
    tariff = {"service": "electricity", "zone": "day", "price": "7.45", "valid_from": "2026-01-01"}
    assert _text({"before": tariff, "after": {**tariff, "price": "7.95"}}) == [
        "Изменения:", "  Цена: 7,45 → 7,95"]
    assert _text({"code_id": 1, "hint": "9PxQ", "expires_at": "2027-12-02T07:48:16.497623+00:00"}) == [
        "Код активации (ID): 1", "Код оканчивается на: 9PxQ", "Действителен до: 02.12.2027 10:48"]


def test_unknown_keys_and_bad_json_are_shown_as_stored(ru: Any) -> None:
    assert _text({"zz_new_key": "x", "contract_number": "1"}) == ["Номер договора: 1", "zz_new_key: x"]
    assert _text("not json {") == ["not json {"]
    assert _text("[1, 2]") == ["[1, 2]"]


def test_every_recorded_action_has_a_label() -> None:
    """A package that records a new action code adds its label to ACTION_LABELS
    (lk_corporate/audit/presentation.py); until then the page shows the bare code."""
    codes: set[str] = set()
    for path in (ROOT / "lk_corporate").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r"\brecord\(\s*\w+,\s*\"([a-z_.]+)\"", text))
        codes |= {a for pair in re.findall(
            r"\brecord\(\s*\w+,\s*\"([a-z_.]+)\" if \w+ else \"([a-z_.]+)\"", text) for a in pair}
    from lk_corporate.periods.models import PeriodStatus

    codes |= {f"period.{status.value}" for status in PeriodStatus if status != PeriodStatus.PLANNED}
    assert {"login.succeeded", "client.created", "staff.blocked", "staff.unblocked"} <= codes
    assert sorted(codes - set(ACTION_LABELS)) == []


def test_the_page_shows_words_and_keeps_the_codes(client: Any, session: Any) -> None:
    create_staff_user(SUPPLIER_ADMIN, login="admin7")
    record(session, "client.created", actor=Actor.system("demo"), object_type="client",
           object_id=3, details={"contract_number": "905", "tax_id": "7703456784"})
    record(session, "invoice.signed", actor=Actor.system("demo"), details={"number": "С-1"})
    db.session.commit()
    login(client, "admin7")
    html = client.get("/staff/audit/").get_data(as_text=True)
    assert "Вход выполнен" in html and "Клиент создан" in html
    assert '<code class="lk-code-muted small">login.succeeded</code>' in html  # the code, quietly
    assert "Номер договора:</span> 905" in html and "ИНН:</span> 7703456784" in html
    assert "<code>{" not in html  # no raw JSON as the text of a cell
    assert "title=\"{&#34;contract_number&#34;:&#34;905&#34;" in html  # but there on hover
    assert "invoice.signed" in html and "number:</span> С-1" in html  # unknown: as stored
    assert '<option value="login.succeeded">Вход выполнен</option>' in html  # filter suggestions

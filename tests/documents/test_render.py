"""Every sample, as a reader sees it: text extraction, fonts, pages, images, determinism."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from documents import layout
from documents.errors import InvalidDocumentData
from documents.invoice import InvoiceLine, payment_qr_payload, render_invoice
from documents.reading_act import render_reading_act
from lk_corporate.demo import samples
from lk_corporate.demo.samples import SAMPLE_FILES
from tests.documents.conftest import layout_text, page_count, run, squeezed

ALL = sorted(SAMPLE_FILES)
FOOTER_LABELS = {
    "reading_act.pdf": "Акт предоставления показаний № АП-4587-2026-10 от 31.10.2026",
    "invoice.pdf": "Счёт на оплату № С-4587-1026 от 03.11.2026",
    "invoice_long.pdf": "Счёт на оплату № С-4587-1026-Д от 03.11.2026",
    "tax_invoice.pdf": "Счёт-фактура № 4587/10 от 03.11.2026",
    "limit_request.pdf": "Заявка на лимиты потребления № Л-4587-2027 от 10.11.2026",
    "reconciliation_act.pdf": "Акт сверки взаиморасчётов № АС-4587-2026-3 от 31.10.2026",
    "charges_breakdown.pdf": "Расшифровка начислений № Р-4587-2026-10 от 03.11.2026",
    "reading_correction.pdf": "Акт корректировки показаний № КП-2026-00001 от 01.11.2026",
}


def text_of(sample_dir: Path, name: str) -> str:
    return squeezed(layout_text(sample_dir / name))


def test_invoice_text(sample_dir: Path) -> None:
    t = text_of(sample_dir, "invoice.pdf")
    for expected in [
        "Счёт на оплату № С-4587-1026 от 3 ноября 2026 г.",
        "Банк получателя", "БИК", "044525225", "Сч. №", "30101810400000000225",
        "40702810938000012345", "ИНН 7701234560", "КПП 770101001", "Получатель",
        "Акционерное общество «Завод металлоконструкций», ИНН 5029012343",
        "Договор энергоснабжения № 4587 от 01.03.2019", "октябрь 2026 г.", "18.11.2026",
        "Электроэнергия День 1 575 000,00 кВт·ч 8,62 13 576 500,00 20 2 715 300,00 16 291 800,00",
        "Итого без НДС: 17 583 694,40", "НДС (20%): 3 516 738,88",
        "Всего к оплате: 21 100 433,28",
        "Всего наименований 3, на сумму 21 100 433,28 руб.",
        "Двадцать один миллион сто тысяч четыреста тридцать три рубля 28 копеек",
        "Руководитель", "Смирнов А. В.", "Главный бухгалтер", "Кузнецова О. П.",
        "QR-код для оплаты", "стр. 1 из 1",
    ]:
        assert expected in t, expected


def test_payment_qr_payload() -> None:
    p = payment_qr_payload(samples.sample_invoice())
    assert p.startswith("ST00012|Name=Акционерное общество «Северная энергосбытовая компания»|")
    fields = dict(f.split("=", 1) for f in p.split("|")[1:])
    assert fields["PersonalAcc"] == "40702810938000012345"
    assert fields["BIC"] == "044525225"
    assert fields["CorrespAcc"] == "30101810400000000225"
    assert fields["PayeeINN"] == "7701234560"
    assert fields["KPP"] == "770101001"
    assert fields["Sum"] == "2110043328"  # kopecks
    assert "Оплата по счёту № С-4587-1026 от 03.11.2026" in fields["Purpose"]


def test_reading_act_text(sample_dir: Path) -> None:
    t = text_of(sample_dir, "reading_act.pdf")
    for expected in [
        "Акт предоставления показаний",
        "№ АП-4587-2026-10 от 31 октября 2026 г. за расчётный период: октябрь 2026 г.",
        "Акционерное общество «Завод металлоконструкций», ИНН 5029012343",
        "31.10.2026 14:05:12 (UTC+03:00)",
        ("0804201234 31.12.2029 День 25.10.2026 4 521,37 31.10.2026 4 600,12 200 100 "
        "1 575 000,00 кВт·ч"),
        "0804205678 31.05.2025", "91 877,3", "150 152,0 кВт·ч",
        "Электроэнергия 2 395 352,00 кВт·ч",  # the total per service
        "срок поверки истёк 31.05.2025",
        "Поставщик: АО «Северэнергосбыт»", "Потребитель: АО «ЗМК»", "Петров С. Н.",
    ]:
        assert expected in t, expected
    assert "0804199999" not in t.split("Предупреждения")[0]  # the removed meter has no row


def test_tax_invoice_text(sample_dir: Path) -> None:
    t = text_of(sample_dir, "tax_invoice.pdf")
    for expected in [
        "СЧЁТ-ФАКТУРА № 4587/10 от 3 ноября 2026 г. (1)",
        "постановлению Правительства Российской Федерации от 26 декабря 2011 г. № 1137",
        "7701234560/770101001 (2б)", "5029012343/502901001 (6б)", "он же (3)",
        "Российский рубль, 643 (7)",
        "245 кВт·ч 1 575 000,00 8,62 13 576 500,00 без акциза 20% 2 715 300,00 16 291 800,00",
        "Всего к оплате (9)", "17 583 694,40", "3 516 738,88", "21 100 433,28",
        "Смирнов А. В.", "Кузнецова О. П.",
    ]:
        assert expected in t, expected


def test_a_month_of_four_registers_keeps_the_tax_invoice_on_one_page(tmp_path: Path) -> None:
    """Names as the month-end batch writes them (service, zone, point, meter, month): the
    signatures and the supplier's signature box stay on the page of the table."""
    from documents.tax_invoice import render_tax_invoice

    data = samples.sample_tax_invoice()
    names = [f"Электроэнергия ({zone}), ТП-26, ввод {n}, № 0000025{n}, за октябрь 2026 г."
             for n, zone in enumerate(("День", "Ночь", "Круглосуточно"), start=1)]
    names.append("Холодное водоснабжение (Круглосуточно), ТП-26, ввод 3, № 00000252, "
                 "за октябрь 2026 г.")
    lines = tuple(replace(data.lines[i % len(data.lines)], name=name)
                  for i, name in enumerate(names))
    pdf = tmp_path / "tax.pdf"
    pdf.write_bytes(render_tax_invoice(replace(data, lines=lines)))
    assert page_count(pdf) == 1
    text = squeezed(layout_text(pdf))
    assert "Место для отметки об электронной подписи" in text and "Кузнецова О. П." in text


def test_tax_invoice_okei_codes() -> None:
    from documents.tax_invoice import TaxInvoiceLine

    def okei(unit: str) -> str | None:
        return TaxInvoiceLine("x", unit, Decimal(1), Decimal(1), Decimal(20)).okei

    assert (okei("кВт·ч"), okei("м³"), okei("Гкал")) == ("245", "113", "233")
    with pytest.raises(InvalidDocumentData):
        okei("бочка")


def test_limit_request_text(sample_dir: Path) -> None:
    t = text_of(sample_dir, "limit_request.pdf")
    for expected in [
        "Заявка на лимиты потребления электрической энергии на 2027 год",
        "Январь Февраль Март Апрель Май Июнь Июль Август Сентябрь Октябрь Ноябрь Декабрь",
        ("ПС «Мытищи», яч. 14 0804201234 130 000 122 000 110 000 95 000 85 000 78 000 76 000 "
        "80 000 92 000 105 000 118 000 128 000 1 219 000"),
        "Итого 149 500 140 300", "1 401 850",
        "Итого заявленный годовой объём: 1 401 850 кВт·ч.",
    ]:
        assert expected in t, expected


def test_reconciliation_act_text(sample_dir: Path) -> None:
    t = text_of(sample_dir, "reconciliation_act.pdf")
    for expected in [
        "Акт сверки взаиморасчётов",
        "за период с 01.07.2026 по 30.09.2026 между АО «Северэнергосбыт» и АО «ЗМК»",
        "По данным АО «Северэнергосбыт», руб.", "По данным АО «ЗМК», руб.",
        "Дата Документ Дебет Кредит Дата Документ Дебет Кредит",
        "Сальдо на 01.07.2026 812 345,60", "Обороты за период 2 455 766,16 2 405 766,16",
        "Сальдо на 30.09.2026 862 345,60",
        ("задолженность в пользу АО «Северэнергосбыт» составляет 862 345,60 руб. (восемьсот "
        "шестьдесят две тысячи"),
    ]:
        assert expected in t, expected


def test_reconciliation_statement_in_favour_of_client() -> None:
    from documents.reconciliation_act import balance_statement

    data = replace(samples.sample_reconciliation_act(), opening_balance=Decimal(-1000000))
    assert data.closing_balance == Decimal("-950000.00")
    assert ("задолженность в пользу АО «ЗМК» составляет 950 000,00 руб. (девятьсот пятьдесят "
            "тысяч рублей 00 копеек)") in balance_statement(data)
    zero = replace(data, opening_balance=Decimal(-50000))
    assert "задолженность между сторонами отсутствует" in balance_statement(zero)


def test_charges_breakdown_text(sample_dir: Path) -> None:
    t = text_of(sample_dir, "charges_breakdown.pdf")
    for expected in [
        "Расшифровка начислений по получателям", "Год: 2026 Месяц: Октябрь", "№ 4587",
        "Лицевой", "Получатель", "Тар. гр.", "Тариф", "без НДС", "НДС, %",
        ("1 00458701 ПС «Мытищи», яч. 14 2 Электроэнергия День 1 575 000,00 кВт·ч 8,62 20 "
        "16 291 800,00"),
        "Итого по лицевому счёту 00458701 19 758 074,40", "Итого 21 100 433,28",
        "НДС: 3 516 738,88 руб.",
    ]:
        assert expected in t, expected


@pytest.mark.parametrize("name", ALL)
def test_fonts_embedded_and_subset(sample_dir: Path, name: str) -> None:
    rows = run("pdffonts", sample_dir / name).splitlines()[2:]
    assert rows, "no fonts at all"
    for row in rows:
        emb, sub, uni = row.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert "LiberationSans" in row


@pytest.mark.parametrize("name", ALL)
def test_same_input_same_bytes(name: str) -> None:
    make = SAMPLE_FILES[name]
    assert make() == make()


def test_bytes_do_not_depend_on_clock_or_environment(sample_dir: Path, tmp_path: Path) -> None:
    """Another process, another time zone and SOURCE_DATE_EPOCH set: the same bytes."""
    env = dict(os.environ, TZ="America/New_York", SOURCE_DATE_EPOCH="1234567890")
    subprocess.run([sys.executable, "-c",
                    ("import sys; from pathlib import Path;"
                    "from lk_corporate.demo.samples import write_samples;"
                    "write_samples(Path(sys.argv[1]))"), str(tmp_path)],
                   check=True, env=env, cwd=Path(__file__).resolve().parents[2])
    for name in ALL:
        assert (tmp_path / name).read_bytes() == (sample_dir / name).read_bytes(), name


def test_metadata_from_document(sample_dir: Path) -> None:
    info = run("pdfinfo", "-isodates", sample_dir / "invoice.pdf")
    assert re.search(r"^CreationDate:\s+2026-11-03T00:00:00", info, re.MULTILINE)
    assert re.search(r"^Title:\s+Счёт на оплату № С-4587-1026 от 03.11.2026$", info, re.MULTILINE)
    info = run("pdfinfo", "-isodates", sample_dir / "reading_act.pdf")
    assert re.search(r"^CreationDate:\s+2026-10-31T14:05:12\+03", info, re.MULTILINE)
    # the file ID is derived from the content: a different document, a different ID
    ids = {re.search(rb"/ID\s*\[<([0-9A-F]{32})>", (sample_dir / n).read_bytes()).group(1)
           for n in ALL}  # type: ignore[union-attr]
    assert len(ids) == len(ALL)


def test_content_changes_change_bytes() -> None:
    base = samples.sample_invoice()
    other = replace(base, lines=(*base.lines[:-1], replace(base.lines[-1],
                                                           volume=Decimal("150152.1"))))
    assert render_invoice(base) != render_invoice(other)


def test_long_invoice_paginates_with_repeated_header(sample_dir: Path) -> None:
    pdf = sample_dir / "invoice_long.pdf"
    n = page_count(pdf)
    assert n == 11
    pages = layout_text(pdf).split("\f")[:n]
    numbers: list[int] = []
    for i, page in enumerate(pages, start=1):
        p = squeezed(page)
        assert "Сумма без НДС," in p and "Всего с НДС," in p, f"no table header on page {i}"
        assert f"стр. {i} из {n}" in p
        assert "Счёт на оплату № С-4587-1026-Д от 03.11.2026" in p
        numbers += [int(m) for m in re.findall(r"^ ?(\d{1,3}) (?:Электро|Холодное|Горячее|Теплов)",
                                                p, re.MULTILINE)]
    assert numbers == list(range(1, 301)), "every line exactly once, in order"
    last = squeezed(pages[-1])
    assert "Всего наименований 300" in last
    assert "Итого" in last and "Всего к оплате:" in last


def _words(pdf: Path) -> list[tuple[int, float, float, list[tuple[str, float, float, float, float]]]]:
    xhtml = run("pdftotext", "-bbox-layout", pdf, "-")
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring(xhtml)
    out = []
    for i, page in enumerate(root.iterfind(".//x:page", ns), start=1):
        words = [(w.text or "", float(w.get("xMin", 0)), float(w.get("yMin", 0)),
                  float(w.get("xMax", 0)), float(w.get("yMax", 0)))
                 for w in page.iterfind(".//x:word", ns)]
        out.append((i, float(page.get("width", 0)), float(page.get("height", 0)), words))
    return out


@pytest.mark.parametrize("name", ALL)
def test_text_inside_page_and_clear_of_footer(sample_dir: Path, name: str) -> None:
    pdf = sample_dir / name
    pages = _words(pdf)
    assert len(pages) == page_count(pdf)
    label = FOOTER_LABELS[name]
    for number, width, height, words in pages:
        assert words, f"page {number} has no text"
        footer_rule = height - layout.FOOTER_LINE
        footer_tokens = set(
            f"Проверка подлинности документа и электронных подписей: стр. {number} из "
            f"{len(pages)} {label}".split())
        for text, x0, y0, x1, y1 in words:
            where = f"{name} p.{number} {text!r} ({x0:.1f},{y0:.1f},{x1:.1f},{y1:.1f})"
            assert layout.MARGIN_LEFT - 1 <= x0 and x1 <= width - layout.MARGIN_RIGHT + 1, where
            assert 0 <= y0 and y1 <= height - layout.MARGIN_BOTTOM, where
            assert not (y0 < footer_rule < y1), f"straddles the footer rule: {where}"
            if y1 > footer_rule - layout.BODY_GAP + 1:
                # only the footer's own words live below the body
                assert (y0 >= footer_rule and (text in footer_tokens
                                               or text.startswith("https://"))), where
    # and the footer is on every page, with the document's number and the page of pages
    for number, page in enumerate(layout_text(pdf).split("\f")[:len(pages)], start=1):
        p = squeezed(page)
        assert label in p and f"стр. {number} из {len(pages)}" in p
        assert "Проверка подлинности документа" in p


@pytest.mark.parametrize("name", ALL)
def test_pages_render_and_are_not_blank(sample_dir: Path, name: str, tmp_path: Path) -> None:
    run("pdftoppm", "-r", "40", "-gray", "-png", sample_dir / name, tmp_path / "p")
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == page_count(sample_dir / name)
    for image in images:
        with Image.open(image) as im:
            hist = im.convert("L").histogram()
        dark = sum(hist[:128])
        total = sum(hist)
        assert 0.01 < dark / total < 0.5, f"{image.name}: {dark / total:.3%} dark pixels"


def test_cli_writes_seven_files(tmp_path: Path) -> None:
    lk = Path(sys.executable).with_name("lk")
    out = tmp_path / "docs"
    result = subprocess.run([str(lk), "documents", "sample", str(out)], capture_output=True, check=False,
                            text=True, env=dict(os.environ, LK_DATABASE_URL="sqlite:////nonexistent/x.db"),
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ALL
    for p in out.iterdir():
        assert p.read_bytes().startswith(b"%PDF-1.7")
        assert p.name in result.stdout


def test_refuses_floats_and_naive_times() -> None:
    with pytest.raises(InvalidDocumentData, match="Decimal"):
        InvoiceLine("Электроэнергия", 1.5, "кВт·ч", Decimal(1), Decimal(20))  # type: ignore[arg-type]
    with pytest.raises(InvalidDocumentData, match="aware"):
        replace(samples.sample_reading_act(), submitted_at=datetime(2026, 10, 31, 14, 5))
    aware = replace(samples.sample_reading_act(),
                    submitted_at=datetime(2026, 10, 31, 11, 5, tzinfo=UTC))
    assert render_reading_act(aware).startswith(b"%PDF")


def test_hash_printed_is_hash_of_payload(sample_dir: Path) -> None:
    from documents.reading_act import readings_payload

    t = layout_text(sample_dir / "reading_act.pdf")
    printed = re.findall(r"\b[0-9a-f]{64}\b", t)
    assert printed == [hashlib.sha256(readings_payload(samples.sample_reading_act())).hexdigest()]


def test_documents_package_imports_no_flask() -> None:
    code = ("import sys, documents; documents.render_invoice; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'lk_corporate')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True,
                   cwd=Path(__file__).resolve().parents[2])

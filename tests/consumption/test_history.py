"""«История показаний»: twelve months per meter from the calculations and, where a month is
not calculated, its accepted readings; limits beside the actuals with the months over them;
the SVG charts (bars, limits, accessible names); the page in Russian and English."""

from __future__ import annotations

import re
from decimal import Decimal as D

from lk_corporate.consumption import operations as ops
from lk_corporate.consumption.chart import Bar, bar_chart, nice_ceiling
from lk_corporate.core.extensions import db
from tests.consumption.helpers import three_months
from tests.support.factories import create_client, create_client_user, create_meter, login


def test_last_months():
    assert ops.last_months((2026, 2), 4) == ((2025, 11), (2025, 12), (2026, 1), (2026, 2))
    assert len(ops.last_months((2026, 11))) == 12 and ops.last_months((2026, 11))[0] == (2025, 12)


def test_twelve_months_worked_out_by_hand(billing, store, supplier_key, settings):
    w = three_months(billing, store, supplier_key, settings)
    history = ops.reading_history(db.session, w.firm.id, end=(2026, 11), limits={})
    assert history.months[0] == (2025, 12) and history.months[-1] == (2026, 11)
    meter = next(m for m in history.meters if m.meter_id == w.meter.id)
    by_month = {(m.year, m.month): m for m in meter.months}
    aug, sep, oct_, nov = (by_month[(2026, k)] for k in (8, 9, 10, 11))
    assert (aug.source, aug.volume, aug.cost) == ("calculation", D(100), D("582.00"))
    assert [(r.previous, r.current) for r in aug.readings] == [(D(100), D(200))]
    assert (sep.source, sep.volume, sep.cost) == ("calculation", D(60), D("349.20"))
    assert [(r.previous, r.current) for r in sep.readings] == [(D(200), D(260))]
    assert (oct_.source, oct_.volume, oct_.cost) == ("readings", D(40), None)
    assert [(r.previous, r.current) for r in oct_.readings] == [(D(260), D(300))]
    assert not nov.has_data and not by_month[(2026, 7)].has_data
    assert (meter.total_volume, meter.total_cost) == (D(200), D("931.20"))
    water = next(m for m in history.meters if m.meter_id == w.water.id)
    assert [(m.month, m.volume, m.cost) for m in water.months if m.has_data] == [
        (8, D("5.5"), D("321.89"))]
    assert history.limits == () and history.warnings == ()
    # another client sees none of it
    other = create_client(contract_number="OTHER-3")
    create_meter(other)
    assert not ops.reading_history(db.session, other.id, end=(2026, 11), limits={}).has_data
    assert ops.latest_month(db.session, w.firm.id) == (2026, 10)


def test_a_month_over_its_approved_limit_is_a_warning(billing, store, supplier_key, settings):
    w = three_months(billing, store, supplier_key, settings)
    point = w.meter.point_id
    monthly = [None] * 7 + [D(90), D(70), D(40), D(50), None]  # Aug 90, Sep 70, Oct 40, Nov 50
    history = ops.reading_history(db.session, w.firm.id, end=(2026, 11),
                                  limits={point: monthly, w.water.point_id: [D(1)] * 12,
                                          987654: [D(1)] * 12})
    # the water meter's point is not limited (limits are kWh); an unknown point is ignored
    assert [p.point_id for p in history.limits] == [point]
    rows = {(m.year, m.month): m for m in history.limits[0].months}
    assert (rows[(2026, 8)].actual, rows[(2026, 8)].limit, rows[(2026, 8)].over) == (
        D(100), D(90), True)
    assert rows[(2026, 8)].excess == D(10)
    assert not rows[(2026, 9)].over  # 60 ≤ 70
    assert not rows[(2026, 10)].over  # 40 = 40: not over
    assert not rows[(2026, 11)].over  # no figure
    assert rows[(2025, 12)].limit is None  # December 2025 is not in the year of the limits
    assert [(p.point_id, m.month) for p, m in history.warnings] == [(point, 8)]


def test_the_chart_draws_one_bar_per_month_with_figures():
    bars = [Bar("авг.", "Август 2026: 100 кВт·ч", D(100), D(90)),
            Bar("сент.", "Сентябрь 2026: 60 кВт·ч", D(60), D(70)),
            Bar("окт.", "Октябрь 2026: нет данных", None)]
    svg = str(bar_chart(chart_id="c1", title="Расход <кВт·ч>", description="По месяцам",
                        bars=bars, axis_text=str))
    assert svg.count('data-lk="bar"') == 2 and svg.count('data-lk="limit"') == 2
    assert svg.count("lk-bar-over") == 1  # August: 100 over 90
    assert 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert "<title id=\"c1-title\">Расход &lt;кВт·ч&gt;</title>" in svg
    assert "<title>Август 2026: 100 кВт·ч</title>" in svg
    assert "style=" not in svg and "<script" not in svg  # nothing the strict CSP would block
    heights = [float(h) for h in re.findall(r'data-lk="bar"[^>]*height="([\d.]+)"', svg)]
    assert heights[0] > heights[1] > 0  # 100 is drawn taller than 60
    assert nice_ceiling(D(100)) == D(100) and nice_ceiling(D(101)) == D(200)
    assert nice_ceiling(D("2311.3")) == D(2500) and nice_ceiling(D(0)) == D(1)
    assert nice_ceiling(D(1000)) == D(1000) and nice_ceiling(D("0.03")) == D("0.05")


def test_the_page_in_russian_and_english(client, billing, store, supplier_key, settings):
    w = three_months(billing, store, supplier_key, settings)
    create_client_user(w.firm, login="delta")
    assert login(client, "delta").status_code == 302
    page = client.get("/history").get_data(as_text=True)
    assert "История показаний" in page and "Август 2026" in page
    assert page.count('data-lk="chart"') == 4  # consumption and cost of both meters
    assert page.count('data-lk="bar"') == 3 + 2 + 1 + 1  # electricity 3 + 2 paid; water 1 + 1
    assert "<desc id=" in page and "Расход по прибору учёта" in page
    assert "ещё не рассчитано" in page  # October's readings are not calculated yet
    assert "582,00" in page and "931,20" in page
    # the newest month with figures ends the window; ?end= moves it
    assert 'data-month="2026-10"' in page and 'data-month="2026-11"' not in page
    earlier = client.get("/history?end=2026-08").get_data(as_text=True)
    assert 'data-month="2026-08"' in earlier and 'data-month="2026-09"' not in earlier
    client.get("/lang/en")
    english = client.get("/history").get_data(as_text=True)
    assert "Reading history" in english and "August 2026" in english
    assert "Consumption of meter No." in english


def test_without_the_money_right_no_cost_is_shown(client, billing, store, supplier_key,
                                                  settings):
    w = three_months(billing, store, supplier_key, settings)
    create_client_user(w.firm, login="signer", roles=("client_signer",))
    assert login(client, "signer").status_code == 302
    page = client.get("/history").get_data(as_text=True)
    assert page.count('data-lk="chart"') == 2 and "582,00" not in page


def test_the_page_warns_of_a_month_over_its_limit(client, billing, store, supplier_key, settings,
                                                  monkeypatch):
    """The approved limits themselves come from signed and approved limit requests (tested in
    tests/limits); here the page is handed limits directly to check how it shows them."""
    from lk_corporate.consumption import controllers

    w = three_months(billing, store, supplier_key, settings)
    limits = {w.meter.point_id: [None] * 7 + [D(90), D(70), D(40), None, None]}
    monkeypatch.setattr(controllers, "approved_limits", lambda _session, _client, _year: limits)
    create_client_user(w.firm, login="delta")
    assert login(client, "delta").status_code == 302
    page = client.get("/history").get_data(as_text=True)
    warnings = re.findall(r'data-lk="limit-warning">(.*?)</div>\s*</div>', page, re.DOTALL)
    assert len(warnings) == 1
    text = " ".join(re.sub(r"<[^>]+>", " ", warnings[0]).split())
    assert "Август 2026" in text and "100" in text and "90" in text and "на 10 кВт·ч" in text
    assert page.count('data-lk="limit-over"') == 1
    assert page.count("lk-bar-over") == 1 and page.count('data-lk="limit"') == 3

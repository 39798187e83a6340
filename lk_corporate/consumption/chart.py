"""Bar charts as inline SVG, drawn on the server: no script (the strict CSP allows none
inline, and none is needed), readable when printed (``static/css/lk.css``'s print rules),
and accessible — ``role="img"`` with a ``<title>`` and ``<desc>``, a ``<title>`` per bar,
and the same figures in a table beside the chart.

Pure functions of already formatted labels: the caller (a controller) writes the month
names and numbers in the user's language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

__all__ = ["Bar", "bar_chart", "nice_ceiling"]

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 80, 12, 14, 36


@dataclass(frozen=True)
class Bar:
    label: str
    """Under the bar: a short month name ("нояб.")."""
    title: str
    """The bar's tooltip and accessible name ("Ноябрь 2026: 1 641,6 кВт·ч")."""
    value: Decimal | None
    """None: no figure that month (no bar is drawn)."""
    limit: Decimal | None = None
    """An approved limit, drawn as a dashed line across the bar's slot."""


def nice_ceiling(value: Decimal) -> Decimal:
    """The axis maximum: ``value`` rounded up to 1, 2, 2.5 or 5 × 10^n (0 → 1)."""
    if value <= 0:
        return Decimal(1)
    # adjusted(): the exponent of the leading digit, floor(log10(value)) exactly (a float's
    # log10 of 1000 can come out as 2.9999…)
    base = Decimal(10) ** value.adjusted()
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if value <= step * base:
            return step * base
    return Decimal(10) * base  # pragma: no cover - the loop ends at 10 × base


def _n(value: float | Decimal) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bar_chart(*, chart_id: str, title: str, description: str, bars: Sequence[Bar],
              axis_text: Callable[[Decimal], str], css_class: str = "") -> Markup:
    """An SVG bar chart: one bar per entry of ``bars`` (entries without a value leave an
    empty slot), an axis with four gridlines labelled by ``axis_text``; a bar above its
    limit gets the class ``lk-bar-over``."""
    values = [b.value for b in bars if b.value is not None]
    values += [b.limit for b in bars if b.limit is not None]
    top = nice_ceiling(max(values, default=Decimal(0)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(bars), 1)

    def y(value: Decimal) -> Decimal:
        return TOP + plot_h * (1 - value / top)

    parts = [
        (f'<svg class="lk-chart {escape(css_class)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
         f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
         f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg" '
         f'data-lk="chart" id="{chart_id}">'),
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        '<g class="lk-chart-grid" aria-hidden="true">',
    ]
    for i in range(5):
        value = top * i / 4
        gy = y(value)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_n(gy)}" y2="{_n(gy)}"/>')
        parts.append(f'<text class="lk-chart-axis" x="{LEFT - 6}" y="{_n(gy + 4)}" '
                     f'text-anchor="end">{escape(axis_text(value))}</text>')
    parts.append('</g><g class="lk-chart-bars">')
    for i, bar in enumerate(bars):
        x0 = LEFT + slot * i
        cx = x0 + slot / 2
        if bar.value is not None:
            over = bar.limit is not None and bar.value > bar.limit
            by = y(bar.value)
            height = max(TOP + plot_h - by, Decimal(0))
            parts.append(
                f'<rect class="lk-bar{" lk-bar-over" if over else ""}" data-lk="bar" '
                f'x="{_n(x0 + slot * 0.2)}" y="{_n(by)}" width="{_n(slot * 0.6)}" '
                f'height="{_n(height)}"><title>{escape(bar.title)}</title></rect>')
        if bar.limit is not None:
            ly = y(bar.limit)
            parts.append(f'<line class="lk-limit" data-lk="limit" x1="{_n(x0 + slot * 0.08)}" '
                         f'x2="{_n(x0 + slot * 0.92)}" y1="{_n(ly)}" y2="{_n(ly)}"/>')
        # Every other month's name gives way on a narrow screen (lk.css), where twelve
        # names would run into each other.
        alt = " lk-chart-label-alt" if (len(bars) - 1 - i) % 2 else ""
        parts.append(f'<text class="lk-chart-label{alt}" x="{_n(cx)}" y="{HEIGHT - BOTTOM + 22}" '
                     f'text-anchor="middle" aria-hidden="true">{escape(bar.label)}</text>')
    parts.append(f'</g><line class="lk-chart-baseline" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                 f'y1="{TOP + plot_h}" y2="{TOP + plot_h}" aria-hidden="true"/></svg>')
    return Markup("".join(parts))

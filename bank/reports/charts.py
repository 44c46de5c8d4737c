"""Charts as server-rendered SVG (no script: the CSP forbids inline script, and none is needed).

Pure functions: numbers in, an ``<svg>`` string out, every text escaped. Colours are SVG
presentation attributes, which the CSP allows (unlike ``style`` attributes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

PALETTE = ("#1f5f4a", "#d08c2f", "#7a4f9a", "#3b7dbf")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal]


def _nice_max(value: Decimal) -> Decimal:
    """A round top for the axis: 1, 2 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return Decimal(1)
    exponent = len(str(int(value))) - 1
    base = Decimal(10) ** exponent
    for factor in (1, 2, 5, 10):
        if base * factor >= value:
            return base * factor
    return base * 10


def _short(amount: Decimal) -> str:
    """Axis labels: 1500 -> "1,5k", 2000000 -> "2M" (Dutch decimal comma)."""
    for limit, suffix in ((Decimal(1_000_000), "M"), (Decimal(1_000), "k")):
        if abs(amount) >= limit:
            text = f"{(amount / limit).quantize(Decimal('0.1')):f}".rstrip("0").rstrip(".")
            return text.replace(".", ",") + suffix
    return f"{amount.quantize(Decimal('1')):f}"


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    width: int = 760,
    height: int = 260,
    format_value: Callable[[Decimal], str] = lambda value: f"{value:f}",
) -> str:
    """Grouped bars, one group per label (a month), one bar per series, with a legend.

    ``format_value`` writes a bar's value in its tooltip; the web passes the locale's money format
    (this module stays free of Flask and Babel's locale).
    """
    left, right, top, bottom = 56, 12, 30, 40
    plot_width = width - left - right
    plot_height = height - top - bottom
    peak = max((v for s in series for v in s.values), default=Decimal(0))
    top_value = _nice_max(peak)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for step in range(5):
        value = top_value * step / 4
        y = top + plot_height - plot_height * step / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            'stroke="#dde3e0" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#555">'
            f"{escape(_short(value))}</text>"
        )
    groups = max(len(labels), 1)
    group_width = plot_width / groups
    bar_width = max(min(group_width * 0.8 / max(len(series), 1), 28), 2)
    for index, label in enumerate(labels):
        x0 = left + group_width * index + (group_width - bar_width * len(series)) / 2
        for number, serie in enumerate(series):
            value = serie.values[index] if index < len(serie.values) else Decimal(0)
            bar_height = float(value / top_value) * plot_height if top_value else 0.0
            x = x0 + number * bar_width
            y = top + plot_height - bar_height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width - 1:.1f}" height="{bar_height:.1f}" '
                f'fill="{PALETTE[number % len(PALETTE)]}"><title>{escape(serie.name)} {escape(label)}: '
                f"{escape(format_value(value))}</title></rect>"
            )
        parts.append(
            f'<text x="{left + group_width * index + group_width / 2:.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle" font-size="11" fill="#333">{escape(label)}</text>'
        )
    x = left
    for number, serie in enumerate(series):
        parts.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{PALETTE[number % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 16}" y="18" font-size="12" fill="#222">{escape(serie.name)}</text>')
        x += 24 + 8 * len(serie.name)
    parts.append("</svg>")
    return "".join(parts)

"""Charts drawn as SVG on the server: the geometry here, the markup in templates.

Two kinds: columns over periods (stacked when there are several series) and
horizontal bars for categories. Every chart is shown with its table, so it
only needs to be readable, not to carry every figure; each bar's exact value is
in its tooltip (``<title>``). Colours come from CSS classes (``chart__fill--N``),
so the charts print and need no inline style.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format

PALETTE_SIZE = 8
WIDTH = 560
TICKS = 5


@dataclass(frozen=True)
class Series:
    label: str
    values: list  # one number (or None) per category


def nice_step(top: float, ticks: int = TICKS) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks``
    gridlines up to ``top``."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _ticks(top: float) -> tuple[float, list[float]]:
    step = nice_step(top)
    count = max(1, math.ceil(top / step))
    return step * count, [step * i for i in range(count + 1)]


def _label(value: float) -> str:
    decimals = 0 if value == int(value) else 1
    return number_format(
        Decimal(str(value)), decimals, use_l10n=True, force_grouping=True
    )


def _legend(series: list[Series]) -> list[dict]:
    """The series' colours and names; one series needs none."""
    if len(series) < 2:
        return []
    return [
        {"fill": index % PALETTE_SIZE, "text": s.label}
        for index, s in enumerate(series)
    ]


def _number(value) -> float:
    return float(value or 0)


def column_chart(
    categories: list[str],
    series: list[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    format_value=_label,
) -> dict:
    """Columns per category, the series stacked, with a labelled value axis."""
    left, right, top, bottom = 84, 20, 16, 78
    height = 320
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    totals = [sum(_number(s.values[i]) for s in series) for i in range(len(categories))]
    peak, ticks = _ticks(max(totals, default=0))
    slot = plot_w / max(1, len(categories))
    bar_w = slot * 0.7
    bars, labels = [], []
    for i, category in enumerate(categories):
        x = left + i * slot + (slot - bar_w) / 2
        base = 0.0
        for index, s in enumerate(series):
            value = _number(s.values[i])
            if value <= 0:
                continue
            h = plot_h * value / peak
            y = top + plot_h * (1 - (base + value) / peak)
            bars.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "width": round(bar_w, 1),
                    "height": round(h, 1),
                    "fill": index % PALETTE_SIZE,
                    "title": f"{category} · {s.label}: {format_value(s.values[i])}",
                }
            )
            base += value
        # Slanted, so a year of month names fits under the columns.
        labels.append({"x": round(left + i * slot + slot / 2, 1), "text": category})
    return {
        "kind": "columns",
        "title": title,
        "width": WIDTH,
        "height": height,
        "plot": {
            "left": left,
            "top": top,
            "right": WIDTH - right,
            "bottom": top + plot_h,
        },
        "ticks": [
            {"y": round(top + plot_h * (1 - t / peak), 1), "text": _label(t)}
            for t in ticks
        ],
        "bars": bars,
        "labels": labels,
        "x_label": {"x": left + plot_w / 2, "y": height - 8, "text": x_label},
        "y_label": {"x": 14, "y": top + plot_h / 2, "text": y_label},
        "legend": _legend(series),
    }


def bar_chart(
    categories: list[str],
    series: list[Series],
    *,
    title: str,
    x_label: str,
    format_value=_label,
    peak: float | None = None,
) -> dict:
    """Horizontal bars per category, one bar per series side by side.

    ``peak`` fixes the axis end (100 for percentages).
    """
    left, right, top, bottom = 150, 28, 8, 44
    band = 14 * len(series) + 10
    plot_h = band * max(1, len(categories))
    height = top + plot_h + bottom
    plot_w = WIDTH - left - right
    values = [_number(v) for s in series for v in s.values]
    end, ticks = _ticks(peak if peak else max(values, default=0))
    bars, labels = [], []
    for i, category in enumerate(categories):
        y0 = top + i * band + 5
        for index, s in enumerate(series):
            value = _number(s.values[i])
            bars.append(
                {
                    "x": left,
                    "y": y0 + index * 14,
                    "width": round(plot_w * max(value, 0) / end, 1),
                    "height": 12,
                    "fill": index % PALETTE_SIZE,
                    "title": f"{category} · {s.label}: {format_value(s.values[i])}",
                }
            )
        labels.append({"y": round(y0 + band / 2 - 3, 1), "text": category})
    return {
        "kind": "bars",
        "title": title,
        "width": WIDTH,
        "height": height,
        "plot": {
            "left": left,
            "top": top,
            "right": WIDTH - right,
            "bottom": top + plot_h,
        },
        "ticks": [
            {"x": round(left + plot_w * t / end, 1), "text": _label(t)} for t in ticks
        ],
        "bars": bars,
        "labels": labels,
        "x_label": {"x": left + plot_w / 2, "y": height - 6, "text": x_label},
        "legend": _legend(series),
    }

"""The SVG charts' geometry: round gridlines, stacked columns, bars to scale."""

from decimal import Decimal

import pytest

from crm.reports import charts


@pytest.mark.parametrize(
    ("top", "step"),
    [(0, 1), (5, 1), (9, 2), (12, 2.5), (23, 5), (101, 25), (146098.8, 50000)],
)
def test_nice_step_is_one_two_two_and_a_half_or_five_times_a_power_of_ten(top, step):
    assert charts.nice_step(top) == step


def test_columns_stack_their_series_and_the_axis_covers_the_tallest():
    chart = charts.column_chart(
        ["Jan", "Feb"],
        [
            charts.Series("a", [Decimal(30), Decimal(10)]),
            charts.Series("b", [Decimal(50), None]),
        ],
        title="t",
        x_label="month",
        y_label="value",
    )

    jan = [bar for bar in chart["bars"] if bar["title"].startswith("Jan")]
    plot = chart["plot"]
    # 80 stacked, on an axis ending at 80: the plot's full height, touching.
    assert sum(bar["height"] for bar in jan) == pytest.approx(
        plot["bottom"] - plot["top"], abs=0.2
    )
    feb = next(bar for bar in chart["bars"] if bar["title"].startswith("Feb"))
    assert feb["height"] == pytest.approx(jan[0]["height"] / 3, abs=0.2)
    assert jan[0]["y"] == pytest.approx(jan[1]["y"] + jan[1]["height"], abs=0.2)
    assert [tick["text"] for tick in chart["ticks"]] == ["0", "20", "40", "60", "80"]
    assert [item["text"] for item in chart["legend"]] == ["a", "b"]
    assert len(chart["bars"]) == 3  # Feb's empty "b" draws nothing


def test_bars_scale_to_a_fixed_peak():
    chart = charts.bar_chart(
        ["AH", "JK"],
        [charts.Series("win rate", [Decimal(50), Decimal(100)])],
        title="t",
        x_label="%",
        peak=100,
    )

    half, full = (bar["width"] for bar in chart["bars"])
    assert full == pytest.approx(2 * half, abs=0.2)
    assert chart["ticks"][-1]["text"] == "100"
    assert chart["legend"] == []  # one series needs no legend

"""A one-parameter curve that proves the chart pipeline (slider bound to a Vega-Lite param).

It is replaced by the timing model's chart once that chapter lands.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

MONTHS = pd.period_range("2024-08", "2026-12", freq="M")
PEAK_CHOICES = range(3, 19)  # months after August 2024


def advantage(month_index: int, peak: int, width: float = 6.0) -> float:
    """An illustrative bump that rises to 1.0 at ``peak`` months and falls away after it."""
    if peak not in PEAK_CHOICES:
        raise ValueError(f"peak={peak!r} is out of range [{PEAK_CHOICES[0]}, {PEAK_CHOICES[-1]}]")
    return math.exp(-(((month_index - peak) / width) ** 2))


def advantage_table() -> pd.DataFrame:
    """Every curve the slider can show, one row per (peak, month)."""
    rows = [
        {"peak": peak, "month": str(month), "advantage": round(advantage(i, peak), 4)}
        for peak in PEAK_CHOICES
        for i, month in enumerate(MONTHS)
    ]
    return pd.DataFrame(rows)


def advantage_chart(default_peak: int = 9) -> alt.Chart:
    """The curve for the peak month chosen with a slider; the data are the Python values."""
    peak = alt.param(
        name="peak",
        value=default_peak,
        bind=alt.binding_range(
            min=PEAK_CHOICES[0], max=PEAK_CHOICES[-1], step=1, name="Months until the peak "
        ),
    )
    return (
        alt.Chart(
            advantage_table(),
            title="An illustrative advantage curve",
            description="Line chart of an illustrative curve over monthly time from August 2024 "
            "to December 2026; a slider moves the month of its peak.",
        )
        .mark_line(point=True)
        .encode(
            x=alt.X("month:T", title="Month"),
            y=alt.Y("advantage:Q", title="Relative advantage", scale=alt.Scale(domain=[0, 1])),
        )
        .add_params(peak)
        .transform_filter(alt.datum.peak == peak)
        .properties(width=560, height=240)
    )

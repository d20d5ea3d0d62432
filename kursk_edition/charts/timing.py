"""Altair charts for the timing model (``kursk_edition.models.timing``).

``interactive_chart()`` works in static HTML with no kernel: its sliders are Vega-Lite params
that pick one row of a grid precomputed by the Python model. Each grid row holds one parameter
combination and its 29 positions as integers (position x 100, ``FAILED_CODE`` when the front
breaks first), so the embedded data stays small and slider values match grid keys exactly.
``static_chart``, ``scenarios_chart`` and ``sensitivity_chart`` are for print.

Tables of many rows go in as ``alt.InlineData``, which Altair moves to the spec's top-level
``datasets`` (each distinct table once) and leaves out of schema validation: validating 275 grid
rows of 29 values each took a fifth of the chapter's run.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from kursk_edition.charts import palette, render
from kursk_edition.models import timing as tm
from kursk_edition.models.timing import DEFAULTS, TimingParams

# Grid axes, integer-coded so slider values and keys compare exactly in Vega expressions.
FAILED_CODE = round(tm.FAILED_POSITION * 100)
GRID_AXES = {  # slider param name -> (model parameter, grid key in each data row)
    "reserve": ("reserve_pct", "r"),
    "deliveries": ("deliveries", "d"),
    "stall": ("stall", "s"),
}
HEIGHT = 320
BAND_COLOURS = {"early": palette.BLUE, "middle": palette.ORANGE, "late": palette.GREEN}
MONTH_AXIS = alt.Axis(
    title="Month talks open",
    values=list(range(0, tm.N_MONTHS, 4)),
    labelExpr="timeFormat(datetime(2024, 7 + datum.value, 1), '%b %Y')",
    labelAngle=-40,
)
MONTH_NAME_EXPR = "timeFormat(datetime(2024, 7 + datum.i, 1), '%b %Y')"
DESCRIPTION = (
    "Line chart of an illustrative model of the commentary's timing argument: Ukraine's "
    "bargaining position at settlement (vertical axis) against the month talks open, Aug 2024 "
    "to Dec 2026 (horizontal axis). Shaded bands mark early, middle and late windows; the "
    "curve dips in the middle window, and vermilion crosses mark months where the front breaks "
    "before talks settle."
)


def _code(name: str, value: float) -> int:
    """Integer grid key for a model value (deliveries are coded as % of the 2024 level)."""
    return round(value * 100) if name == "deliveries" else round(value)


def _grid_values(name: str) -> list[float]:
    return tm.PARAMS[name].sweep()


def grid_row(p: TimingParams) -> dict[str, Any]:
    """One data row: grid keys, coded positions and the window boundaries for these params."""
    positions, broke = tm.position_curve(p)
    win = tm.classify_windows(positions)
    codes = [FAILED_CODE if b else round(v * 100) for v, b in zip(positions, broke, strict=True)]
    return {
        "r": _code("reserve_pct", p.reserve_pct),
        "d": _code("deliveries", p.deliveries),
        "s": _code("stall", p.stall),
        "v": codes,
        "e": len(win.early),  # months with index < e are early
        "l": tm.N_MONTHS - len(win.late),  # months with index >= l are late
    }


def grid_rows() -> list[dict[str, Any]]:
    """Every slider combination (other parameters at their defaults)."""
    return [
        grid_row(TimingParams(reserve_pct=r, deliveries=d, stall=s))
        for r in _grid_values("reserve_pct")
        for d in _grid_values("deliveries")
        for s in _grid_values("stall")
    ]


def chart_grid_records(chart_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """Decode the embedded grid of a timing chart's ``to_dict()`` back into model units."""
    if "datasets" in chart_dict:
        rows = [row for data in chart_dict["datasets"].values() for row in data]
    else:
        rows = chart_dict["data"]["values"]
    return [
        {
            "reserve_pct": row["r"],
            "deliveries": row["d"] / 100,
            "stall": row["s"],
            "positions": [tm.FAILED_POSITION if c == FAILED_CODE else c / 100 for c in row["v"]],
            "front_broke": [c == FAILED_CODE for c in row["v"]],
            "early": list(range(row["e"])),
            "late": list(range(row["l"], tm.N_MONTHS)),
        }
        for row in rows
    ]


def _curve_layers(rows: list[dict[str, Any]], month: str, title: alt.Title) -> alt.LayerChart:
    """The position-vs-opening-month chart; ``month`` is a Vega expression for the selection."""
    x_scale = alt.Scale(domain=[-0.5, tm.N_MONTHS - 0.5], nice=False, zero=False)
    base = alt.Chart().encode(x=alt.X("i:Q", axis=MONTH_AXIS, scale=x_scale))
    y = alt.Y(
        "position:Q",
        title="Ukraine's bargaining position at settlement",
        scale=alt.Scale(domain=[-1.05, 1]),
    )
    bands = base.mark_rect(opacity=0.15).encode(
        x=alt.X("x0:Q", scale=x_scale),
        x2="x1:Q",
        color=alt.Color(
            "band:N",
            title="Window",
            scale=alt.Scale(domain=list(BAND_COLOURS), range=list(BAND_COLOURS.values())),
        ),
    )
    line = base.mark_line(color="#333").encode(y=y)
    crosses = (
        base.mark_point(shape="cross", color=palette.VERMILION, size=90, filled=True)
        .encode(y=y, tooltip=[alt.Tooltip("label:N", title="Talks open")])
        .transform_filter("datum.broke")
    )
    chosen = base.transform_filter(f"datum.i == {month}")
    # Stops above the readout in the bottom-left corner, so no text is crossed by it.
    rule = chosen.mark_rule(color="black", strokeDash=[4, 3]).encode(
        y=alt.value(0), y2=alt.value(HEIGHT - 24)
    )
    point = chosen.mark_point(color="black", size=120, filled=True).encode(y=y)
    # No x encoding: the readout sits in the bottom-left corner, not at the selected month.
    readout = (
        alt.Chart()
        .transform_filter(f"datum.i == {month}")
        .mark_text(align="left", baseline="bottom", x=6, y=HEIGHT - 6, fontSize=13)
        .encode(text="readout:N")
    )
    return alt.layer(
        bands, line, crosses, rule, point, readout, data=alt.InlineData(values=rows)
    ).properties(title=title, description=DESCRIPTION, width=500, height=HEIGHT)


def _decode_transforms(chart: alt.LayerChart) -> alt.LayerChart:
    """Flatten the row's 29 codes into one datum per opening month, with derived fields."""
    return (
        chart.transform_flatten(["v"])
        .transform_window(n="row_number()")
        .transform_calculate(
            i="datum.n - 1",
            x0="datum.n - 1.5",
            x1="datum.n - 0.5",
            broke=f"datum.v == {FAILED_CODE}",
            position=f"datum.v == {FAILED_CODE} ? {tm.FAILED_POSITION} : datum.v / 100",
            band="datum.n - 1 < datum.e ? 'early' : datum.n - 1 >= datum.l ? 'late' : 'middle'",
        )
        .transform_calculate(
            label=MONTH_NAME_EXPR,
            readout="'Talks open ' + datum.label + ': ' + (datum.broke ? "
            "'front breaks first' : 'position ' + format(datum.position, '.2f'))",
        )
    )


def _title(subtitle: str) -> alt.Title:
    return alt.Title(
        "When to open talks: an illustrative model of the commentary's argument",
        subtitle=[
            subtitle,
            "Vermilion crosses: the front breaks before talks settle. Not a forecast.",
        ],
    )


def interactive_chart() -> alt.LayerChart:
    """Chart with kernel-free sliders: talks month, Kursk reserve, deliveries, stalling."""
    month_p = tm.PARAMS["talks_open"]
    sliders = {
        "month": alt.param(
            name="month",
            value=int(month_p.default),
            bind=alt.binding_range(
                min=0, max=tm.N_MONTHS - 1, step=1, name="Talks open (months after Aug 2024) "
            ),
        )
    }
    for slider, (name, _key) in GRID_AXES.items():
        p = tm.PARAMS[name]
        unit = "% of 2024 level" if name == "deliveries" else p.unit
        sliders[slider] = alt.param(
            name=slider,
            value=_code(name, p.default),
            bind=alt.binding_range(
                min=_code(name, p.low),
                max=_code(name, p.high),
                step=_code(name, p.step),
                name=f"{p.label} ({unit}) ",
            ),
        )
    match = " && ".join(f"datum.{key} == {slider}" for slider, (_n, key) in GRID_AXES.items())
    chart = _curve_layers(
        grid_rows(),
        "month",
        _title("In the web edition, sliders below the chart change it; in print, the defaults."),
    )
    months = [tm.month_name(i) for i in range(tm.N_MONTHS)]
    meta = render.web_usermeta(
        "timing",
        columns={
            "r": {"label": "Kursk reserve (%)"},
            "d": {"label": "Deliveries (% of 2024 level)"},
            "s": {"label": "Kremlin stalling"},
            "v": {
                "label": "Position if talks open",
                "type": "spread",
                "parts": months,
                "scale": 0.01,
            },
            "e": {"label": "Early window: months before"},
            "l": {"label": "Late window: months from"},
        },
        notebook_call={
            "function": "timing_panel",
            "args": {
                "month": {"name": "talks_open"},
                "reserve": {"name": "reserve_pct"},
                "deliveries": {"name": "deliveries", "scale": 0.01},
            },
        },
    )
    chart = _decode_transforms(chart.transform_filter(match)).add_params(*sliders.values())
    return chart.properties(usermeta=meta)


def static_chart(p: TimingParams = DEFAULTS) -> alt.LayerChart:
    """The same chart at fixed parameter values (defaults unless given), without sliders."""
    subtitle = (
        f"Kursk reserve {p.reserve_pct:.0f}%, deliveries x{p.deliveries:.2f} of 2024, "
        f"Kremlin stalling {p.stall:g}; other assumptions at defaults."
    )
    chart = _curve_layers([grid_row(p)], str(int(p.talks_open)), _title(subtitle))
    return _decode_transforms(chart)


def scenarios_chart(p: TimingParams = DEFAULTS) -> alt.HConcatChart:
    """Three panels at the same assumptions: early talks, the middle ground, late talks."""
    traj = tm.simulate(p)
    win = tm.windows(p)
    picks = [
        ("Early talks", win.best_early),
        ("Middle ground", win.worst_month),
        ("Late talks", win.best_late),
    ]
    span = tm.N_MONTHS + 4
    series = [
        {"t": t, "series": name, "value": round(float(arr[t]), 3)}
        for t in range(span)
        for name, arr in [
            ("Russia's advantage", traj.advantage),
            ("Ukraine's staying power", traj.staying),
        ]
    ]
    # A label each January, the year alone: narrow panels have no room for month names.
    axis = alt.Axis(
        title=None,
        values=list(range(5, span, 12)),
        labelExpr="timeFormat(datetime(2024, 7 + datum.value, 1), '%Y')",
        labelAngle=0,
    )
    x = alt.X("t:Q", axis=axis, scale=alt.Scale(domain=[0, span - 1]))
    panels = []
    for name, month in picks:
        if month is None:  # e.g. the front breaks, so there is no late window
            continue
        # Every panel has its labels (stacked on a phone, each is read alone); the title once.
        y_axis = alt.Axis(tickCount=5) if not panels else alt.Axis(title=None, tickCount=5)
        out = tm.outcome(traj, month)
        result = "front breaks first" if out.front_broke else f"position {out.position:.2f}"
        lines = (
            alt.Chart(alt.InlineData(values=series))
            .mark_line()
            .encode(
                x=x,
                y=alt.Y(
                    "value:Q",
                    title="Relative level",
                    axis=y_axis,
                    scale=alt.Scale(domain=[0, 1.05]),
                ),
                color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
            )
        )
        events = alt.Data(
            values=[
                {"t": out.open_month, "what": "talks open"},
                {"t": out.settle_month, "what": "settlement"},
            ]
        )
        rules = (
            alt.Chart(events)
            .mark_rule(strokeDash=[4, 3], color="black")
            .encode(x="t:Q", tooltip=[alt.Tooltip("what:N", title="Event")])
        )
        floor = (
            alt.Chart(alt.Data(values=[{"y": p.threshold}]))
            .mark_rule(color=palette.VERMILION, strokeDash=[2, 2])
            .encode(y="y:Q")
        )
        title = alt.Title(
            name,
            subtitle=[f"Talks {tm.month_name(month)} – {tm.month_name(out.settle_month)}:", result],
        )
        panels.append(alt.layer(lines, rules, floor).properties(title=title, width=160))
    return alt.hconcat(*panels).properties(
        title=alt.Title(
            "Three openings under the same assumptions (illustrative model, not a forecast)",
            subtitle=(
                "Dashed lines: talks open and settle. Vermilion dotted line: front-break level."
            ),
        ),
        description=(
            "Three line charts of Russia's relative advantage and Ukraine's staying power over "
            "time, for talks opened early, in the middle ground and late. Early talks settle "
            "before the advantage peaks, middle-ground talks are dragged out to the peak, and "
            "late talks settle after it has faded."
        ),
    )


# Short names for the sensitivity chart's axis (the full ones are in its tooltips), so the labels
# need no wrapping on a phone.
SHORT_LABELS = {
    "deliveries": "Deliveries",
    "resupply": "Resupply rate",
    "reserve_pct": "Kursk reserve",
    "wear": "Wear at peak",
    "threshold": "Break level",
    "peak_month": "Peak month",
    "fall_months": "Decline time",
    "talks_months": "Talks length",
    "stall": "Stalling",
    "start_advantage": "Starting edge",
    "rise_months": "Build-up time",
}


def _short(name: str, label: str) -> str:
    return SHORT_LABELS.get(name, label)


def sensitivity_chart(p: TimingParams = DEFAULTS) -> alt.LayerChart:
    """Range of the worst opening month as each assumption sweeps its declared range."""
    rows = tm.sensitivity(p)
    order = [_short(r.name, r.label) for r in rows]
    spans = [
        {
            "short": _short(r.name, r.label),
            "label": r.label,
            "lo": min(r.worst_months),
            "hi": max(r.worst_months),
            "shift": r.shift,
        }
        for r in rows
    ]
    points = [
        {
            "short": _short(r.name, r.label),
            "label": r.label,
            "worst": w,
            "value": v,
            "front": "breaks" if b else "holds",
        }
        for r in rows
        for v, w, b in zip(r.values, r.worst_months, r.front_breaks, strict=True)
    ]
    y = alt.Y("short:N", sort=order, title=None)
    x_axis = alt.Axis(
        title="Worst month to open talks",
        values=MONTH_AXIS.values,
        labelExpr=MONTH_AXIS.labelExpr,
        labelAngle=-40,
    )
    span = (
        alt.Chart(alt.InlineData(values=spans))
        .mark_rule(strokeWidth=6, opacity=0.4)
        .encode(
            x=alt.X("lo:Q", axis=x_axis, scale=alt.Scale(domain=[0, tm.N_MONTHS - 1])),
            x2="hi:Q",
            y=y,
            tooltip=[
                alt.Tooltip("label:N", title="Assumption"),
                alt.Tooltip("shift:Q", title="Shift (months)"),
            ],
        )
    )
    dots = (
        alt.Chart(alt.InlineData(values=points))
        .mark_point(filled=True, size=40)
        .encode(
            x="worst:Q",
            y=y,
            color=alt.Color(
                "front:N",
                title="Front",
                legend=alt.Legend(orient="bottom"),
                scale=alt.Scale(
                    domain=["holds", "breaks"], range=[palette.BLUE, palette.VERMILION]
                ),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Assumption"),
                alt.Tooltip("value:Q", title="Value"),
                alt.Tooltip("worst:Q", title="Worst month (months after Aug 2024)"),
                alt.Tooltip("front:N", title="Front"),
            ],
        )
    )
    default = rows[0].default_worst
    mark = alt.Chart(alt.Data(values=[{"w": default}])).mark_rule(color="black").encode(x="w:Q")
    return alt.layer(span, dots, mark).properties(
        title=alt.Title(
            "Which assumption moves the worst month most?",
            subtitle=[
                "Each assumption swept over its range, others at defaults.",
                f"Black line: the default worst month ({tm.month_name(default)}).",
                "Vermilion dots: the front breaks, so the worst months are the failed late"
                " openings.",
            ],
        ),
        description=(
            "Range chart: for each model assumption, the span of worst opening months found "
            "when that assumption alone is varied across its declared range."
        ),
        # Beside its short labels, the chart fits the column.
        width=420,
    )

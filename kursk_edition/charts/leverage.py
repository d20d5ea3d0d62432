"""Altair charts for the leverage model (¶4, ¶6).

* :func:`interactive_chart` works in static HTML with no kernel: four sliders are Vega-Lite
  parameters, and the model curve and the readout are Vega ``calculate`` expressions generated
  from the same formula as :func:`kursk_edition.models.leverage.held_area` (see :func:`area_expr`).
* :func:`static_chart` and :func:`counterfactual_chart` are computed in Python, for the PDF.
* :func:`chart_model_numbers` evaluates the interactive chart's own expressions in Python so a
  test can check them against the Python model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from kursk_edition.charts import palette, render
from kursk_edition.models.leverage import (
    DAYS_PER_MONTH,
    DEFAULTS,
    PARAMS,
    TALKS_PARAMS,
    LeverageParams,
    TalksWindow,
    day_to_date,
    gone_day,
    model_curve,
)
from kursk_edition.models.params import Param
from kursk_edition.record.bibliography import source_title
from kursk_edition.record.datasets import load_held_area

EPOCH_MS = 1722902400000
"""6 Aug 2024 00:00 UTC in milliseconds (Vega-Lite temporal values are ms since 1970)."""

DAY_MS = 86_400_000
X_DOMAIN_DAYS = (-5, 420)
"""Days shown on the x axis of the printed charts (late Jul 2024 to late Sep 2025)."""

INTERACTIVE_DAYS = (
    -5,
    int(TalksWindow.declared()["talks_start"].high + TalksWindow.declared()["talks_length"].high)
    + 5,
)
"""Days on the interactive chart's x axis: every talks window the sliders can set is drawn
(the latest ends on day 720, early August 2026)."""

NEVER_DAYS = 100_000
"""An expected recapture day beyond this is "never" (a zero recapture rate)."""

Y_DOMAIN = (0, 1600)
"""Held area (km²) on every chart of the model: the highest estimate (1,376 km²) drawn whole."""

ESTIMATE_COLUMNS: dict[str, Any] = {
    "claimant": {"label": "Claimed by"},
    "date": {"label": "Date", "type": "date"},
    "km2": {"label": "Area held (km²)"},
    "source": {"label": "Kind of estimate"},
    "cite": {"label": "Source", "type": "source"},
    "t": None,
    "title": None,
    "when": None,
    "day": None,
    "scenario": {"label": "Curve"},
}
"""The columns of the estimates and curves, as the data table and the CSV name them."""

CURVE_STEP = 2
"""Model curve sampled every 2 days by a Vega sequence generator (no embedded rows)."""

SLIDERS = ("talks_start", "talks_length", "rate1", "reinforcement")
"""Parameters bound to sliders in :func:`interactive_chart`; the rest are fixed constants."""

READOUT_FIELDS = ("t_s", "t_e", "area_s", "area_e", "t_exp", "retake_first", "leverage", "cost")
"""Numeric fields computed in the readout layer (compared with the Python model in tests)."""

# The plot area: with axes and legends the chart fits the text column of a 1280 px window.
WIDTH, HEIGHT = 560, 320
_STATIC_X = alt.Axis(format="%b %Y", tickCount=alt.TickCount(interval="month", step=2))


def _static_y() -> alt.Y:
    return alt.Y(
        "km2:Q",
        title="Area held by Ukraine in Kursk oblast (km²)",
        scale=alt.Scale(domain=list(Y_DOMAIN)),
    )


def _day_text(day: float) -> str:
    """A model day as a date for titles ("never" for a salient that is never gone)."""
    return "never" if math.isinf(day) else day_to_date(day).strftime("%d %b %Y")


def _side(claimant: str) -> str:
    """Group a claimant for colour: Ukrainian claims, Russian claims, or independent estimates."""
    if claimant.startswith("Ukraine"):
        return "Ukrainian claim"
    if claimant.startswith("Russia"):
        return "Russian claim"
    return "Open-source / independent"


# The model's curves, in every chart of the model.
MODEL_GREY = "#444"

# Okabe-Ito, with a shape per group as well, so neither colour nor shape alone carries it.
SOURCE_COLOURS = {
    "Ukrainian claim": palette.BLUE,
    "Russian claim": palette.VERMILION,
    "Open-source / independent": palette.GREEN,
}


def _observed_frame(observed: pd.DataFrame | None) -> pd.DataFrame:
    """Observed estimates trimmed to what the charts show (keeps the embedded JSON small)."""
    frame = load_held_area() if observed is None else observed
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d"),
            "t": (EPOCH_MS + frame["day"].astype(float) * DAY_MS).astype("int64"),
            "km2": frame["km2"].astype(float),
            "claimant": frame["claimant"],
            "cite": frame["cite"],
        }
    )
    out["source"] = out["claimant"].map(_side)
    out["title"] = out["cite"].map(source_title)
    return out


def _estimate_encoding() -> dict[str, Any]:
    """How every chart of the model draws the estimates: Okabe-Ito colour and a shape per kind
    of source (so neither colour nor shape alone carries it), tooltips in words."""
    legend = alt.Legend(orient="bottom", title="Estimate")
    return {
        "color": alt.Color(
            "source:N",
            legend=legend,
            scale=alt.Scale(domain=list(SOURCE_COLOURS), range=list(SOURCE_COLOURS.values())),
        ),
        # Same field, title, domain and legend as the colour, so Vega-Lite merges the legends.
        "shape": alt.Shape("source:N", legend=legend, scale=alt.Scale(domain=list(SOURCE_COLOURS))),
        "tooltip": [
            alt.Tooltip("claimant:N", title="Claimed by"),
            alt.Tooltip("date:N", title="Date"),
            alt.Tooltip("km2:Q", title="Area held (km²)", format=",.0f"),
            alt.Tooltip("title:N", title="Source"),
        ],
    }


def _num(value: float) -> str:
    """A float literal for a Vega expression (repr round-trips exactly)."""
    return repr(float(value))


# ---------------------------------------------------------------------------------------------
# Vega expressions mirroring kursk_edition.models.leverage
# ---------------------------------------------------------------------------------------------


def area_expr(day: str, p: Mapping[str, str]) -> str:
    """Vega expression for ``held_area(day)``.

    ``p`` maps each model parameter to an expression: a slider name (``"rate1"``) or a literal.
    ``break_day`` must already be ``max(break_day, counter_start_day)`` (a literal). Only
    ``max``, ``min``, ``exp`` and arithmetic are used, so the string is also valid Python, which
    :func:`chart_model_numbers` relies on.
    """
    tc, tb, m = p["counter_start_day"], p["break_day"], _num(DAYS_PER_MONTH)
    share = f"(1 - exp(-min(max({day}, 0), {tc}) / {p['advance_tau_days']}))"
    m1 = f"(min(max({day}, {tc}), {tb}) - {tc}) / {m}"
    m2 = f"max({day} - {tb}, 0) / {m}"
    recaptured = f"(1 - ({p['reinforcement']})) * (({p['rate1']}) * {m1} + ({p['rate2']}) * {m2})"
    return f"max(0, ({p['peak_km2']}) * {share} - {recaptured})"


def _expressions(fixed: Mapping[str, float]) -> dict[str, str]:
    """Parameter expressions: sliders by name, everything else as literals."""
    exprs = {name: _num(value) for name, value in fixed.items()}
    exprs["break_day"] = _num(max(fixed["break_day"], fixed["counter_start_day"]))
    for name in ("rate1", "reinforcement"):
        exprs[name] = name
    return exprs


def _readout_calcs(p: Mapping[str, str]) -> dict[str, str]:
    """Readout fields in dependency order; mirrors ``leverage_at_settlement``."""
    m = _num(DAYS_PER_MONTH)
    rate_s = (
        f"(({p['rate1']}) + (({p['rate2']}) - ({p['rate1']})) * (datum.t_s >= {p['break_day']}))"
    )
    no_rho = {**p, "reinforcement": "0"}
    return {
        "t_s": "talks_start",
        "t_e": "talks_start + talks_length",
        "area_s": area_expr("datum.t_s", p),
        "area_e": area_expr("datum.t_e", p),
        "t_exp": (
            f"max(datum.t_s, {p['counter_start_day']}) + datum.area_s"
            f" / max((1 - ({p['reinforcement']})) * {rate_s}, 1e-9) * {m}"
        ),
        "retake_first": "datum.t_exp < datum.t_e",
        "leverage": (
            f"datum.area_e / ({p['peak_km2']})"
            f" * (1 - (1 - ({p['expectation_discount']})) * (datum.t_exp < datum.t_e))"
        ),
        "cost": f"({p['donbas_exchange']}) * (datum.area_e - {area_expr('datum.t_e', no_rho)})",
    }


# ---------------------------------------------------------------------------------------------
# Interactive chart (no kernel)
# ---------------------------------------------------------------------------------------------


def _slider_label(spec: Param) -> str:
    # "Talks start (days after 6 Aug 2024)" already names its unit.
    unit = "" if spec.unit in spec.label else f" ({spec.unit})"
    return f"{spec.label}{unit} "


def interactive_chart(
    observed: pd.DataFrame | None = None, params: LeverageParams = DEFAULTS
) -> alt.LayerChart:
    """Kernel-free chart: sliders for talks start, talks length, phase-1 rate, reinforcement.

    Other parameters are fixed at ``params`` (defaults: :data:`PARAMS`, i.e. the rounded fit).
    The curve, the shaded talks window, Moscow's expected recapture date and the readout are
    all recomputed in the browser by Vega expressions.
    """
    values = params.as_dict()
    declared = {**PARAMS, **TALKS_PARAMS}
    initial = {**TalksWindow().as_dict(), **values}
    sliders = []
    for name in SLIDERS:
        spec = declared[name]
        sliders.append(
            alt.param(
                name=name,
                value=initial[name],
                bind=alt.binding_range(
                    min=spec.low, max=spec.high, step=spec.step, name=_slider_label(spec)
                ),
            )
        )
    p = _expressions(values)
    x_scale = alt.Scale(
        type="utc",
        domain=[EPOCH_MS + INTERACTIVE_DAYS[0] * DAY_MS, EPOCH_MS + INTERACTIVE_DAYS[1] * DAY_MS],
    )
    # Headroom above the estimates for the three lines of the readout.
    y_scale = alt.Scale(domain=[0, 2000])
    x_axis = alt.Axis(title=None, format="%b %Y")

    curve = (
        alt.Chart(
            alt.sequence(0, INTERACTIVE_DAYS[1] + 1, CURVE_STEP, as_="day"), name="model_curve"
        )
        .transform_calculate(area=area_expr("datum.day", p), t=f"{EPOCH_MS} + datum.day * {DAY_MS}")
        .mark_line(color=MODEL_GREY, strokeWidth=2)
        .encode(
            x=alt.X("t:T", scale=x_scale, axis=x_axis),
            y=alt.Y("area:Q", scale=y_scale, title="Area held by Ukraine in Kursk oblast (km²)"),
        )
    )

    calcs = _readout_calcs(p)
    readout_base = alt.Chart(alt.Data(values=[{}]), name="readout").transform_calculate(**calcs)
    readout_base = readout_base.transform_calculate(
        ms_s=f"{EPOCH_MS} + datum.t_s * {DAY_MS}",
        ms_e=f"{EPOCH_MS} + datum.t_e * {DAY_MS}",
        ms_exp=f"{EPOCH_MS} + min(datum.t_exp, {NEVER_DAYS}) * {DAY_MS}",
        line1=(
            "'Talks end ' + utcFormat(datum.ms_e, '%d %b %Y') + ': Ukraine holds '"
            " + format(datum.area_e, ',.0f') + ' km², leverage ' + format(datum.leverage, '.2f')"
        ),
        # Moscow's expectation is judged from the area held as talks open (the ¶6 test), which
        # the line may pass later (Ukraine still advancing): the readout says what it is based on.
        line2=("'Moscow, seeing ' + format(datum.area_s, ',.0f') + ' km² held as talks open,'"),
        line3=(
            f"datum.t_exp >= {NEVER_DAYS} ? 'expects never to retake it'"
            " : 'expects it all back by ' + utcFormat(datum.ms_exp, '%d %b %Y')"
            " + (datum.retake_first ? ', before talks end' : ', after talks end')"
        ),
    )
    # The readout row feeds four marks; only the first keeps the name "readout" (names are unique).
    window = readout_base.mark_rect(opacity=0.15, color=palette.SKY, clip=True).encode(
        x=alt.X("ms_s:T", scale=x_scale, axis=x_axis), x2="ms_e:T"
    )
    expected_rule = (
        readout_base.mark_rule(strokeDash=[4, 3], color=palette.VERMILION, clip=True)
        # Below the readout's three lines, so no text is crossed.
        .encode(
            x=alt.X("ms_exp:T", scale=x_scale, axis=x_axis),
            y=alt.value(52),
            y2=alt.value(HEIGHT),
        )
        .properties(name="readout_expected")
    )
    text1 = (
        readout_base.mark_text(align="right", x=alt.expr("width - 4"), y=10, fontSize=12)
        .encode(text="line1:N")
        .properties(name="readout_line1")
    )
    text2 = (
        readout_base.mark_text(align="right", x=alt.expr("width - 4"), y=26, fontSize=12)
        .encode(text="line2:N")
        .properties(name="readout_line2")
    )
    text3 = (
        readout_base.mark_text(align="right", x=alt.expr("width - 4"), y=42, fontSize=12)
        .encode(text="line3:N")
        .properties(name="readout_line3")
    )

    obs = _observed_frame(observed)
    points = (
        alt.Chart(obs, name="observed")
        .mark_point(filled=True, size=60, opacity=0.9)
        .encode(
            x=alt.X("t:T", scale=x_scale, axis=x_axis),
            y=alt.Y("km2:Q", scale=y_scale),
            **_estimate_encoding(),
        )
    )
    return (
        alt.layer(window, expected_rule, curve, points, text1, text2, text3)
        .add_params(*sliders)
        .properties(
            usermeta=render.web_usermeta(
                "leverage",
                columns=ESTIMATE_COLUMNS,
                notebook_call={"function": "leverage_panel"},
            ),
            width=WIDTH,
            height=HEIGHT,
            title=alt.Title(
                "Kursk: ground held versus a negotiation window",
                subtitle=[
                    "Line: model. Shapes: sourced estimates. Shade: talks.",
                    "Vermilion dashes: when Moscow, as talks open, expects it all back.",
                ],
            ),
            description=(
                "Line chart of the area Ukraine held in Russia's Kursk oblast, August 2024 to "
                "spring 2025: a fast rise to a modelled peak of about "
                f"{values['peak_km2']:,.0f} km², slow Russian recapture at "
                f"{values['rate1']:.0f} km² a month, then collapse from March 2025. Dots are "
                "Ukrainian, Russian and independent estimates. A shaded band marks a talks "
                "window set by sliders; text reports the area held when talks end, a leverage "
                "score, and whether Moscow could expect to retake the area before talks end."
            ),
        )
    )


# ---------------------------------------------------------------------------------------------
# Static charts (Python-computed, for the PDF)
# ---------------------------------------------------------------------------------------------


def _curve_frame(label: str, params: LeverageParams) -> pd.DataFrame:
    frame = model_curve(range(0, X_DOMAIN_DAYS[1] + 1, CURVE_STEP), params)
    frame["scenario"] = label
    return frame


def _points(observed: pd.DataFrame | None) -> alt.Chart:
    obs = _observed_frame(observed)
    obs["when"] = pd.to_datetime(obs["date"])
    return (
        alt.Chart(obs)
        .mark_point(filled=True, size=50, opacity=0.9)
        .encode(
            x=alt.X("when:T", title=None, axis=_STATIC_X),
            y=alt.Y("km2:Q", scale=alt.Scale(domain=list(Y_DOMAIN))),
            **_estimate_encoding(),
        )
    )


def static_chart(
    observed: pd.DataFrame | None = None,
    talks: tuple[float, float] | None = None,
    params: LeverageParams = DEFAULTS,
) -> alt.LayerChart:
    """Model curve for ``params`` (default: the rounded fit) beside the observed estimates.

    ``talks=(start_day, length_days)`` shades a negotiation window (used by the widget).
    """
    values = params.as_dict()
    curve = _curve_frame("Model", params)
    gone = gone_day(params)
    gone_text = _day_text(gone)
    line = (
        alt.Chart(curve)
        .mark_line(color=MODEL_GREY, strokeWidth=2)
        .encode(
            x=alt.X("date:T", title=None, axis=_STATIC_X),
            y=_static_y(),
        )
    )
    layers: list[alt.Chart] = [line, _points(observed)]
    if talks is not None:
        start, length = talks
        window = pd.DataFrame(
            {"start": [day_to_date(start)], "end": [day_to_date(start + length)]}
        ).astype("datetime64[ns]")
        shade = alt.Chart(window).mark_rect(opacity=0.15, color=palette.SKY, clip=True)
        layers.insert(0, shade.encode(x="start:T", x2="end:T"))
    return alt.layer(*layers).properties(
        usermeta=render.web_usermeta("leverage-fitted", columns=ESTIMATE_COLUMNS),
        width=WIDTH,
        height=HEIGHT,
        title=alt.Title(
            "Kursk salient: fitted model and sourced estimates",
            subtitle=(
                f"Peak {values['peak_km2']:,.0f} km²; recapture {values['rate1']:.0f} then "
                f"{values['rate2']:.0f} km²/month; model says gone by {gone_text}"
            ),
        ),
        description=(
            "Line: modelled area held by Ukraine in Kursk oblast; points: Ukrainian, Russian and "
            f"independent estimates. The model reaches zero on {gone_text}."
        ),
    )


def counterfactual_chart(
    observed: pd.DataFrame | None = None,
    reinforcement: float = 0.4,
    params: LeverageParams = DEFAULTS,
) -> alt.LayerChart:
    """History as fitted versus a counterfactual with extra reinforcement (default 0.4)."""
    base = params.replace(reinforcement=0.0)
    alt_params = params.replace(reinforcement=reinforcement)
    label = f"Recapture {reinforcement:.0%} slower"
    frames = pd.concat([_curve_frame("As fitted", base), _curve_frame(label, alt_params)])
    gone_base, gone_alt = gone_day(base), gone_day(alt_params)
    fmt = _day_text
    lines = (
        alt.Chart(frames)
        .mark_line(strokeWidth=2, color=MODEL_GREY)
        .encode(
            x=alt.X("date:T", title=None, axis=_STATIC_X),
            y=_static_y(),
            # The model's lines in the model's grey, told apart by their dashes.
            strokeDash=alt.StrokeDash(
                "scenario:N",
                title="Model",
                legend=alt.Legend(orient="bottom", direction="vertical"),
                scale=alt.Scale(domain=["As fitted", label], range=[[1, 0], [6, 3]]),
            ),
        )
    )
    return alt.layer(lines, _points(observed)).properties(
        usermeta=render.web_usermeta("leverage-counterfactual", columns=ESTIMATE_COLUMNS),
        width=WIDTH,
        height=HEIGHT,
        title=alt.Title(
            "Counterfactual: what if Kyiv had dug in harder?",
            subtitle=(
                f"Salient gone: {fmt(gone_base)} as fitted, {fmt(gone_alt)} with reinforcement"
            ),
        ),
        description=(
            f"Two modelled curves of area held in Kursk: as fitted (gone {fmt(gone_base)}) and "
            f"with recapture {reinforcement:.0%} slower (gone {fmt(gone_alt)}); points are the "
            "sourced estimates."
        ),
    )


# ---------------------------------------------------------------------------------------------
# Test helper: evaluate the chart's own expressions in Python
# ---------------------------------------------------------------------------------------------


class _Datum(dict):
    """``datum.field`` access for evaluating Vega expressions as Python."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def _eval(expr: str, datum: _Datum, variables: Mapping[str, float]) -> float:
    namespace = {"max": max, "min": min, "exp": math.exp, "datum": datum, **variables}
    return eval(expr, {"__builtins__": {}}, namespace)  # noqa: S307 - our own generated strings


def _layer_by_name(spec: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    for layer in spec["layer"]:
        if layer.get("name") == name:
            return layer
    raise KeyError(f"no layer named {name!r} in the chart")


def chart_model_numbers(chart: alt.TopLevelMixin | Mapping[str, Any], **slider_values: float):
    """Evaluate the interactive chart's model expressions in Python.

    Reads the chart spec (``chart.to_dict()``), sets the slider parameters to their initial
    values or to ``slider_values``, and evaluates the ``calculate`` transforms of the
    ``model_curve`` layer over its sequence and of the ``readout`` layer. Returns
    ``(curve, readout)``: a DataFrame with ``day`` and ``area``, and a dict of
    :data:`READOUT_FIELDS`. Only numeric fields are evaluated (label strings are skipped).
    """
    spec = chart if isinstance(chart, Mapping) else chart.to_dict()
    variables = {p["name"]: p["value"] for p in spec.get("params", [])}
    unknown = set(slider_values) - set(variables)
    if unknown:
        raise ValueError(f"not a chart parameter: {sorted(unknown)}")
    variables.update(slider_values)

    curve_layer = _layer_by_name(spec, "model_curve")
    seq = curve_layer["data"]["sequence"]
    area_calc = next(t for t in curve_layer["transform"] if t["as"] == "area")["calculate"]
    rows = []
    for day in range(seq["start"], seq["stop"], seq["step"]):
        rows.append({"day": day, "area": _eval(area_calc, _Datum(day=day), variables)})

    datum = _Datum()
    for transform in _layer_by_name(spec, "readout")["transform"]:
        if transform["as"] in READOUT_FIELDS:
            datum[transform["as"]] = _eval(transform["calculate"], datum, variables)
    readout = {k: float(datum[k]) for k in READOUT_FIELDS}
    readout["retake_first"] = bool(datum["retake_first"])
    return pd.DataFrame(rows), readout


def chart_json_size(chart: alt.TopLevelMixin) -> int:
    """Size in bytes of the chart's Vega-Lite JSON (kept small on purpose)."""
    return len(chart.to_json(indent=None).encode("utf-8"))

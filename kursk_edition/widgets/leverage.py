"""ipywidgets panel for the leverage model, driven by Python callbacks (needs a live kernel).

The kernel-free version is :func:`kursk_edition.charts.leverage.interactive_chart`; this panel
adds the Donbas-cost slider and recomputes with the Python model itself.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets

from kursk_edition.charts.leverage import static_chart
from kursk_edition.charts.render import in_book_build
from kursk_edition.models.leverage import (
    DEFAULTS,
    PARAMS,
    TALKS_PARAMS,
    LeverageParams,
    SettlementOutcome,
    TalksWindow,
    day_to_date,
    leverage_at_settlement,
)
from kursk_edition.widgets.panel import control_grid, label_text, live_chart, redraw

PANEL_SLIDERS = ("talks_start", "talks_length", "rate1", "reinforcement", "donbas_exchange")
# Sliders that the chart does not draw: the readout alone shows their effect (said beside it).
UNCHARTED = ("donbas_exchange",)


def _make_slider(name: str) -> widgets.Widget:
    """A slider whose min/max/step/default come from the declared Param."""
    spec = {**PARAMS, **TALKS_PARAMS}[name]
    # No description: the label is a column of its own (panel.control_grid).
    common: dict[str, Any] = {
        "value": spec.default,
        "min": spec.low,
        "max": spec.high,
        "step": spec.step,
        "continuous_update": False,
    }
    if spec.unit == "days":
        return widgets.IntSlider(
            **{k: int(v) if k in {"value", "min", "max", "step"} else v for k, v in common.items()}
        )
    return widgets.FloatSlider(readout_format=".2f", **common)


def format_readout(outcome: SettlementOutcome, donbas_exchange: float | None = None) -> str:
    """HTML readout: area when talks end, leverage, Moscow-retakes-first flag, Donbas cost."""
    end = day_to_date(outcome.talks_end_day).strftime("%d %b %Y")
    if donbas_exchange is None:
        donbas_exchange = PARAMS["donbas_exchange"].default
    if outcome.moscow_retakes_first:
        expected = day_to_date(outcome.moscow_expected_day).strftime("%d %b %Y")
        flag = f"<b>yes</b> (expects to finish by {expected})"
    else:
        flag = "no"
    gone = (
        "never"
        if math.isinf(outcome.gone_day)
        else day_to_date(outcome.gone_day).strftime("%d %b %Y")
    )
    return (
        f"<p>Talks end <b>{end}</b>: Ukraine holds <b>{outcome.area_at_end_km2:,.0f} km²</b>; "
        f"leverage <b>{outcome.leverage:.2f}</b> (0 = nothing left to trade, 1 = the full peak "
        f"with no discount).<br>Moscow can expect to retake it before talks end: {flag}.<br>"
        f"Model says the salient is gone: {gone}. Donbas ground conceded for the extra "
        f"reinforcement (illustrative, at {donbas_exchange:.1f} km² per km² kept in Kursk; "
        f"the chart does not show it): {outcome.reserve_cost_km2:,.0f} km².</p>"
    )


def slider_label(name: str) -> str:
    """The label shown beside a slider, with its unit; the one slider the chart does not draw
    says so."""
    spec = {**PARAMS, **TALKS_PARAMS}[name]
    text = label_text(spec.label, spec.unit)
    return f"{text}; changes the readout only" if name in UNCHARTED else text


class LeveragePanel(widgets.VBox):
    """Sliders, a readout and a chart. ``sliders[name].value = x`` updates ``readout.value``."""

    def __init__(self, fixed: LeverageParams = DEFAULTS, **start: float) -> None:
        self.fixed = fixed
        self.sliders = {name: _make_slider(name) for name in PANEL_SLIDERS}
        unknown = set(start) - set(self.sliders)
        if unknown:
            raise TypeError(f"not a slider of the panel: {', '.join(sorted(unknown))}")
        # Out-of-range values raise ValueError naming the parameter, as the model does.
        talks = {k: v for k, v in start.items() if k in TALKS_PARAMS}
        TalksWindow(**talks)
        fixed.replace(**{k: v for k, v in start.items() if k in PARAMS})
        for name, value in start.items():
            self.sliders[name].value = value
        self.readout = widgets.HTML()
        self.readout.add_class("kursk-readout")
        self.outcome: SettlementOutcome | None = None
        self.chart: Any = None
        self.update()
        self.chart_widget = live_chart(self.chart)
        controls = control_grid(
            [(slider_label(n), s) for n, s in self.sliders.items()],
            uncharted=tuple(self.sliders[n] for n in UNCHARTED),
        )
        super().__init__(
            [controls, self.readout, self.chart_widget], layout=widgets.Layout(width="100%")
        )
        self.add_class("kursk-panel")
        for slider in self.sliders.values():
            slider.observe(self._on_change, names="value")

    def _on_change(self, _change: dict[str, Any]) -> None:
        self.update()

    def current_params(self) -> LeverageParams:
        """Model parameters: fixed ones plus the model sliders (not the talks sliders)."""
        chosen = {n: float(s.value) for n, s in self.sliders.items() if n in PARAMS}
        return self.fixed.replace(**chosen)

    def update(self) -> None:
        """Recompute the outcome, the readout and the chart from the slider values."""
        start = float(self.sliders["talks_start"].value)
        length = float(self.sliders["talks_length"].value)
        params = self.current_params()
        self.outcome = leverage_at_settlement(start, length, params)
        self.readout.value = format_readout(self.outcome, params.donbas_exchange)
        if hasattr(self, "chart_widget"):  # not while the panel is being built
            self.chart = redraw(
                self.chart_widget, static_chart, talks=(start, length), params=params
            )
        else:
            self.chart = static_chart(talks=(start, length), params=params)


def leverage_panel(
    fixed: LeverageParams = DEFAULTS,
    *,
    talks_start: float | None = None,
    talks_length: float | None = None,
    rate1: float | None = None,
    reinforcement: float | None = None,
) -> LeveragePanel:
    """Build the panel; ``fixed`` sets the model parameters that have no slider, the others set
    the sliders' starting values (the web chart's "same scenario in the notebook" line)."""
    start = {
        "talks_start": talks_start,
        "talks_length": talks_length,
        "rate1": rate1,
        "reinforcement": reinforcement,
    }
    return LeveragePanel(fixed, **{k: v for k, v in start.items() if v is not None})


def live_panel() -> LeveragePanel | None:
    """The panel in a live notebook; nothing in the book build, where no kernel would drive it
    (creating widgets there would only embed their frozen state in the page)."""
    if in_book_build():
        return None
    return leverage_panel()

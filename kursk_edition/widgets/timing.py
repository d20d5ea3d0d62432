"""Live (kernel) version of the timing chart: ipywidgets sliders driving the Python model."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from kursk_edition.charts.render import in_book_build
from kursk_edition.charts.timing import static_chart
from kursk_edition.models import timing as tm
from kursk_edition.models.timing import TimingParams
from kursk_edition.widgets.panel import control_grid, label_text, live_chart, redraw

SLIDERS = ("talks_open", "reserve_pct", "deliveries", "stall")


def readout_html(p: TimingParams) -> str:
    """Key numbers for one parameter set, as a short HTML paragraph."""
    traj = tm.simulate(p)
    win = tm.windows(p)
    out = tm.outcome(traj, int(p.talks_open))

    def best(month: int | None) -> str:
        return "none" if month is None else tm.month_name(month)

    chosen = (
        "the front breaks before they settle"
        if out.front_broke
        else f"they settle in {tm.month_name(out.settle_month)} at position {out.position:.2f}"
    )
    broke = (
        f"The front breaks in {tm.month_name(traj.break_month)} if there is no settlement."
        if traj.break_month is not None
        else "The front holds throughout."
    )
    assumed = (
        f"<b>Assumed:</b> {p.reserve_pct:g}% of the operational reserve committed to Kursk, "
        f"partner deliveries at {p.deliveries:g}× the 2024 level, Kremlin stalling {p.stall:g}.<br>"
    )
    return (
        f"<p>{assumed}<b>Worst month to open talks:</b> {tm.month_name(win.worst_month)}. "
        f"<b>Best early:</b> {best(win.best_early)}. <b>Best late:</b> {best(win.best_late)}.<br>"
        f"If talks open in {tm.month_name(out.open_month)}, {chosen}. {broke}<br>"
        "<i>Illustrative model of the author's reasoning, not a forecast.</i></p>"
    )


def slider_label(name: str) -> str:
    """The label shown beside a slider, with its unit (the month slider reads out month names)."""
    p = tm.PARAMS[name]
    return "Talks open (month)" if name == "talks_open" else label_text(p.label, p.unit)


def _slider(name: str) -> widgets.Widget:
    # No description: the label is a column of its own (panel.control_grid).
    p = tm.PARAMS[name]
    if name == "talks_open":
        options = [(tm.month_name(i), i) for i in range(tm.N_MONTHS)]
        return widgets.SelectionSlider(
            options=options, value=int(p.default), continuous_update=False
        )
    kind = widgets.IntSlider if float(p.step).is_integer() else widgets.FloatSlider
    return kind(
        value=p.default,
        min=p.low,
        max=p.high,
        step=p.step,
        continuous_update=False,  # re-render once on release, not on every drag step
    )


class TimingPanel(widgets.VBox):
    """Sliders, a readout and the chart; set ``sliders[name].value`` to drive it from code."""

    def __init__(self, **start: float) -> None:
        self.sliders: dict[str, widgets.Widget] = {name: _slider(name) for name in SLIDERS}
        unknown = set(start) - set(self.sliders)
        if unknown:
            raise TypeError(f"not a slider of the panel: {', '.join(sorted(unknown))}")
        # Out-of-range values raise ValueError naming the parameter, as the model does.
        TimingParams.of(start)
        for name, value in start.items():
            slider = self.sliders[name]
            slider.value = int(value) if name == "talks_open" else value
        self.readout = widgets.HTML()
        self.readout.add_class("kursk-readout")
        self.chart = live_chart(static_chart(self.values()))
        controls = control_grid([(slider_label(n), s) for n, s in self.sliders.items()])
        super().__init__([controls, self.readout, self.chart])
        self.add_class("kursk-panel")
        for slider in self.sliders.values():
            slider.observe(self.refresh, names="value")
        self.refresh()

    def values(self) -> TimingParams:
        """The model's parameters: the sliders' values, the rest at their defaults."""
        return TimingParams.of({name: slider.value for name, slider in self.sliders.items()})

    def refresh(self, change: dict[str, Any] | None = None) -> None:
        """Recompute the readout and redraw the chart (the ``observe`` callback)."""
        values = self.values()
        self.readout.value = readout_html(values)
        if change is not None:
            redraw(self.chart, static_chart, values)


def timing_panel(
    *,
    talks_open: int | None = None,
    reserve_pct: float | None = None,
    deliveries: float | None = None,
    stall: float | None = None,
) -> TimingPanel:
    """The interactive panel for a live notebook (a ``VBox``), its sliders starting at the given
    values (the web chart's "same scenario in the notebook" line), else at the defaults."""
    start = {
        "talks_open": talks_open,
        "reserve_pct": reserve_pct,
        "deliveries": deliveries,
        "stall": stall,
    }
    return TimingPanel(**{k: v for k, v in start.items() if v is not None})


def live_panel() -> TimingPanel | None:
    """The panel in a live notebook; nothing in the book build, where no kernel would drive it
    (creating widgets there would only embed their frozen state in the page)."""
    if in_book_build():
        return None
    return timing_panel()

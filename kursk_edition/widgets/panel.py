"""What the two ipywidgets panels share: controls a person can use, and one live chart.

- Each control sits in a row of a two-column grid: its label, whole and with its unit, in the
  first column (wrapping, never cut short), and the slider alone in the second, so the slider's
  track keeps its width however long the label is (at least 200 px in a 1280 px window).
- The chart is one Altair ``JupyterChart`` per panel, offline (vl-convert's bundle, no CDN);
  a slider move replaces its chart, which sends the new spec and redraws in place, instead of
  clearing an output area and displaying a new chart each time.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

# The label column takes what the slider column leaves; the slider column never goes below a
# track of 200 px plus the slider's value read-out.
GRID_COLUMNS = "minmax(8em, 2fr) minmax(300px, 3fr)"


def label_text(label: str, unit: str | None) -> str:
    """A control's label with its unit, unless the label already names it."""
    if not unit or unit in label:
        return label
    return f"{label} ({unit})"


def control_grid(
    rows: list[tuple[str, widgets.Widget]], uncharted: tuple[widgets.Widget, ...] = ()
) -> widgets.GridBox:
    """Labels and controls in aligned columns; each control also gets its label as tooltip.

    ``uncharted`` controls change the readout only (the tests then expect the chart unchanged).
    """
    children: list[widgets.Widget] = []
    for text, control in rows:
        control.layout.width = "100%"
        control.tooltip = text
        if any(control is other for other in uncharted):
            control.add_class("kursk-uncharted")
        children.append(
            widgets.HTML(
                f'<span class="kursk-control-label">{html.escape(text)}</span>',
                layout=widgets.Layout(margin="0"),
            )
        )
        children.append(control)
    grid = widgets.GridBox(
        children,
        layout=widgets.Layout(
            grid_template_columns=GRID_COLUMNS,
            grid_gap="0.25em 1em",
            align_items="center",
            width="100%",
        ),
    )
    grid.add_class("kursk-controls")
    return grid


def redraw(widget: widgets.Widget, make_chart: Any, *args: Any, **values: Any) -> Any:
    """Make the panel's chart from ``args`` and ``values``; show it in ``widget`` (a
    :func:`live_chart`).

    The chart is built without Altair's debug mode, which validates every part as it is made:
    the panel's charts are the edition's own, validated by its tests, and only their values
    change with a slider; the widget still validates the whole spec once. Returns the chart.
    """
    from altair.utils.schemapi import debug_mode

    with debug_mode(False):
        chart = make_chart(*args, **values)
        widget.chart = chart
    return chart


def live_chart(chart: Any) -> widgets.Widget:
    """An offline ``JupyterChart`` of ``chart``; set its ``chart`` attribute to redraw it."""
    import altair as alt

    alt.JupyterChart.enable_offline()
    # SVG, as on the site: crisp at any zoom, and its redraws can be compared in a test.
    widget = alt.JupyterChart(chart, embed_options={"renderer": "svg", "actions": False})
    widget.add_class("kursk-live-chart")
    return widget

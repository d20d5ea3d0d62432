"""Glue numbers into prose (myst-nb), so the text never retypes what the data or model hold."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kursk_edition.params import Param


def glue_values(prefix: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Glue each value as ``{prefix}-{name}`` (hidden until a ``{glue:text}`` role shows it)."""
    from myst_nb import glue

    for name, value in values.items():
        glue(f"{prefix}-{name}", value, display=False)
    return dict(values)


def glue_chart(name: str, chart: Any) -> None:
    """Glue an Altair chart for a ``{glue:figure}``. In the book build its spec is validated
    first, so an invalid chart fails the cell (and the build) with Altair's error."""
    from myst_nb import glue

    from kursk_edition import charts

    glue(name, charts.ValidatedChart(chart) if charts.in_book_build() else chart, display=False)


def _number(value: float) -> str:
    return f"{value:g}"


def params_table(params: Mapping[str, Param], symbols: Mapping[str, str] | None = None) -> str:
    """A Markdown table of parameters: name, unit, range and step, default, justification."""
    symbols = symbols or {}
    lines = [
        "| Parameter | Unit | Range (step) | Default | Justification |",
        "|---|---|---|---|---|",
    ]
    for name, p in params.items():
        symbol = f" {symbols[name]}" if name in symbols else ""
        lines.append(
            f"| {p.label} (`{name}`{symbol}) | {p.unit} | "
            f"{_number(p.low)}–{_number(p.high)} ({_number(p.step)}) | {_number(p.default)} | "
            f"{p.justification.replace('|', '/')} |"
        )
    return "\n".join(lines)


def frame_table(frame: Any, formats: Mapping[str, str]) -> str:
    """A Markdown table of the columns named in ``formats`` (header -> column:format spec).

    ``formats`` maps a header to ``"column"`` or ``"column:spec"``, e.g. ``"km²": "km2:,.0f"``.
    """
    headers = list(formats)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for _, row in frame.iterrows():
        cells = []
        for spec in formats.values():
            column, _, fmt = spec.partition(":")
            value = row[column]
            cells.append(format(value, fmt) if fmt else str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)

"""Altair output that works in all three media.

- Static HTML: a ``div`` plus the Vega-Lite spec as JSON; one vendored, self-contained script
  (Vega, Vega-Lite and vega-embed from the pinned ``vl-convert-python``) draws every chart, so
  the page needs no kernel and no CDN.
- PDF: the same spec exported by vl-convert as a vector PDF, which LaTeX includes as a figure.
- Live notebook: Altair's ``JupyterChart`` widget in offline mode, which draws with the Vega,
  Vega-Lite and vega-embed that vl-convert bundles (the same pinned versions as the site), so a
  chart needs no CDN.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import math
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import vl_convert as vlc

if TYPE_CHECKING:
    import altair as alt

RENDERER = "kursk-book"
# Altair's widget renderer; enabled with offline=True (see use_book_renderer).
LIVE_RENDERER = "jupyter"
# The book build sets this so the executed notebooks carry HTML and PDF outputs.
BUILD_ENV_VAR = "KURSK_BOOK_BUILD"
# The Vega-Lite version of Altair's schema (major.minor), which vl-convert compiles and bundles.
# A constant, checked against alt.SCHEMA_VERSION by the tests, so that the Sphinx side, which
# only writes specs out, never imports Altair (0.4 s of every build, a prose edit's included).
VEGALITE_VERSION = "6.4"
CHART_CLASS = "kursk-vega"
# The book build's output type for a chart: a Vega-Lite spec that only this edition renders.
MIME_TYPE = "application/vnd.kursk-edition.vegalite+json"

# The script that draws a page's charts; its __CHART_CLASS__ names the charts' containers.
LOADER = Path(__file__).with_name("loader.js")


def _loader() -> str:
    return LOADER.read_text(encoding="utf-8").replace("__CHART_CLASS__", CHART_CLASS)


def bundle_stamp() -> str:
    """The chart script's first line: names what it was built from (vl-convert, Vega-Lite and
    the loader), so a rebuild can keep an up-to-date script without bundling it again."""
    parts = (vlc.__version__, VEGALITE_VERSION, _loader())
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]
    return f"/* kursk-edition chart script {digest} */\n"


@functools.cache
def javascript_bundle() -> str:
    """The one script every chart page loads: Vega, Vega-Lite, vega-embed and our loader."""
    return vlc.javascript_bundle(snippet=_loader(), vl_version=VEGALITE_VERSION)


def spec_digest(spec: dict[str, Any]) -> str:
    """A hash of the spec's content."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def spec_id(spec: dict[str, Any]) -> str:
    """A stable id from the spec's content, so rebuilds give byte-identical HTML."""
    return "kv-" + spec_digest(spec)[:12]


def _records(spec: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Every table of records the spec carries (named datasets, inline values), each once.

    Tables of one row (a reference line, a label) are left out unless there is nothing else.
    """
    found: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "datasets" and isinstance(value, dict):
                    found.extend(value.values())
                elif key == "data" and isinstance(value, dict) and "values" in value:
                    found.append(value["values"])
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(spec)
    tables: dict[str, list[dict[str, Any]]] = {}
    for values in found:
        if isinstance(values, list) and values and all(isinstance(r, dict) for r in values):
            tables.setdefault(json.dumps(values, sort_keys=True), values)
    longer = [t for t in tables.values() if len(t) > 1]
    # Longest first (the chart's main data), then by content: not by where a table sits in the
    # spec, whose key order differs between a fresh run and a cached notebook.
    return sorted(
        longer or list(tables.values()), key=lambda t: (-len(t), json.dumps(t, sort_keys=True))
    )


SIGNIFICANT_DIGITS = 4
# A date that pandas wrote as a timestamp at midnight, as Altair serializes date columns.
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})T00:00:00(?:\.0+)?$")


def _number(value: float) -> str:
    """A float as a reader reads it: four significant digits, no exponent, no trailing zeros
    (480.0325951505872 -> "480", 0.50213 -> "0.5021", 1220.7 -> "1221"). The chart keeps the
    full value; the table is for reading."""
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return json.dumps(value)
    decimals = max(0, SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, bool | int):
        return json.dumps(value)
    text = str(value)
    midnight = _MIDNIGHT.match(text)
    return midnight.group(1) if midnight else text


def _column_plan(spec: dict[str, Any], columns: list[str]) -> list[tuple[str, str, str]]:
    """(field, heading, type) for each column the table shows, from ``usermeta.kursk_web``'s
    ``columns`` (a ``None`` drops a field; ``type`` is ``date``, ``source`` or absent)."""
    declared = web_meta(spec).get("columns") or {}
    plan = []
    for column in columns:
        hook = declared.get(column, {})
        if hook is None:
            continue
        plan.append((column, hook.get("label", column), hook.get("type", "value")))
    return plan


def _typed_cell(value: Any, kind: str) -> str:
    if kind == "date" and isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC).strftime("%Y-%m-%d")
    if kind == "source" and value:
        from kursk_edition.record.bibliography import source_title

        keys = value if isinstance(value, list) else [value]
        return "; ".join(source_title(k) for k in keys)
    return _cell(value)


def data_table_html(spec: dict[str, Any]) -> str:
    """The chart's data as HTML tables in a closed <details>: readable without seeing the chart."""
    tables = _records(spec)
    if not tables:
        return ""
    title = spec.get("title")
    title = title.get("text") if isinstance(title, dict) else title
    if isinstance(title, list):
        title = " ".join(map(str, title))
    region = html.escape(f"Data of the chart: {title or 'untitled'}", quote=True)
    parts = [
        '<details class="kursk-chart-data">',
        "<summary>Show the chart&#x27;s data as a table</summary>",
        # Focusable, so a keyboard can scroll a long table (axe: scrollable-region-focusable).
        f'<div class="kursk-data-scroll" tabindex="0" role="region" aria-label="{region}">',
    ]
    for number, rows in enumerate(tables, 1):
        # Columns by name: a chapter read from the execution cache has its records' keys sorted
        # (nbformat writes JSON with sorted keys), a fresh run has them in the order the code
        # made them, and the page must not depend on which. Nested objects (map geometry) are
        # not table data. The chart's declared columns give headings, dates and source titles.
        columns = sorted({key for row in rows for key in row})
        columns = [c for c in columns if not any(isinstance(r.get(c), dict) for r in rows)]
        plan = _column_plan(spec, columns)
        caption = f"Table {number} of {len(tables)}: {len(rows)} row{'s' * (len(rows) != 1)}"
        if any(isinstance(r.get(c), float) for r in rows for c, _, kind in plan if kind == "value"):
            caption += f" (numbers to {SIGNIFICANT_DIGITS} significant digits)"
        head = "".join(f'<th scope="col">{html.escape(str(label))}</th>' for _, label, _ in plan)
        body = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape(_typed_cell(r.get(c), kind))}</td>" for c, _, kind in plan)
            + "</tr>"
            for r in rows
        )
        parts.append(
            f'<table class="kursk-data-table"><caption>{caption}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    parts.append("</div></details>")
    return "".join(parts)


def vega_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The Vega-Lite spec compiled to Vega, so the reader's browser skips that step."""
    return vlc.vegalite_to_vega(spec, vl_version=VEGALITE_VERSION)


def _attribute(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return html.escape(text, quote=True)


def chart_html(spec: dict[str, Any]) -> str:
    """The static-HTML form of a chart: a container plus its spec (compiled to Vega), drawn by
    the shared script, and the chart's data as a table for readers who cannot see the chart.

    The chart's ``usermeta.kursk_web`` becomes the container's ``data-scenario`` (the URL's
    name for its controls), ``data-notebook-call`` (the notebook panel that opens the same
    scenario) and ``data-columns`` (headings and types of its data, for the CSV download)."""
    ident = spec_id(spec)
    # Escape "</" so a string in the data cannot close the script element.
    payload = json.dumps(vega_spec(spec), sort_keys=True, separators=(",", ":"))
    payload = payload.replace("</", "<\\/")
    label = html.escape(str(spec.get("description") or spec.get("title") or "Chart"), quote=True)
    meta = web_meta(spec)
    hooks = "".join(
        f' data-{name}="{_attribute(meta[key])}"'
        for key, name in (
            ("scenario", "scenario"),
            ("notebook_call", "notebook-call"),
            ("columns", "columns"),
        )
        if meta.get(key) is not None
    )
    # Not focusable: the chart fits its column (the loader sizes it), so it never scrolls.
    return (
        f'<div class="{CHART_CLASS}" id="{ident}" data-spec-id="{ident}-spec"{hooks} '
        f'role="figure" aria-label="{label}"></div>\n'
        f'<script type="application/json" id="{ident}-spec">{payload}</script>'
        f"{data_table_html(spec)}"
    )


# What a chart tells the web page about itself: Vega-Lite's ``usermeta``, which renderers ignore.
WEB_META = "kursk_web"


def web_usermeta(
    scenario: str,
    columns: dict[str, Any] | None = None,
    notebook_call: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``usermeta`` for the web page: the chart's name in scenario links, its data's columns
    (``{field: {"label": ..., "type": "date" | "source"} | None}``, ``None`` dropping a field)
    and the notebook panel that opens the same scenario
    (``{"function": ..., "args": {param: {"name": argument, "scale": factor}}}``)."""
    meta: dict[str, Any] = {"scenario": scenario}
    if columns is not None:
        meta["columns"] = columns
    if notebook_call is not None:
        meta["notebook_call"] = notebook_call
    return {WEB_META: meta}


def web_meta(spec: dict[str, Any]) -> dict[str, Any]:
    return (spec.get("usermeta") or {}).get(WEB_META) or {}


def source_keys(spec: dict[str, Any]) -> set[str]:
    """The bibliography keys in the chart's data: values of the columns declared as sources."""
    fields = {
        field
        for field, hook in (web_meta(spec).get("columns") or {}).items()
        if isinstance(hook, dict) and hook.get("type") == "source"
    }
    keys: set[str] = set()
    for rows in _records(spec):
        for row in rows:
            for field in fields:
                value = row.get(field)
                keys.update(value if isinstance(value, list) else [value] if value else [])
    return keys


# Where a chart keeps what changes in print: Vega-Lite's ``usermeta``, which renderers ignore.
PRINT_META = "kursk_print"


def print_subtitle(lines: list[str]) -> dict[str, Any]:
    """``usermeta`` for a chart whose subtitle speaks of web controls: the printed subtitle."""
    return {PRINT_META: {"subtitle": lines}}


def for_print(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec as print shows it: its printed subtitle, if it has one, in place of the web's."""
    printed = (spec.get("usermeta") or {}).get(PRINT_META, {})
    title = spec.get("title")
    if "subtitle" not in printed or not isinstance(title, dict):
        return spec
    return {**spec, "title": {**title, "subtitle": printed["subtitle"]}}


def chart_pdf(spec: dict[str, Any]) -> bytes:
    """The chart as a vector PDF, for the LaTeX build (in its print form)."""
    return vlc.vegalite_to_pdf(for_print(spec), vl_version=VEGALITE_VERSION)


def chart_png(spec: dict[str, Any], scale: float = 2.0) -> bytes:
    """The chart as PNG (used by tests and for previews)."""
    return vlc.vegalite_to_png(spec, vl_version=VEGALITE_VERSION, scale=scale)


def book_renderer(spec: dict[str, Any], **_: Any) -> dict[str, Any]:
    """Altair renderer for the book build: the spec alone, under the edition's own MIME type.

    The notebook stores only the spec; the Sphinx side (``kursk_edition.book``) turns it into
    the HTML container for the site or a vector PDF for the book, so executing a chapter never
    starts the chart converter.
    """
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    return {MIME_TYPE: spec, "text/plain": f"<Chart: {title or 'untitled'}>"}


def in_book_build() -> bool:
    """True while the book build executes the chapters (the Makefile and tests set the flag)."""
    return bool(os.environ.get(BUILD_ENV_VAR))


def use_book_renderer(force: bool = False) -> str:
    """Pick the Altair renderer: the book's when the book is being built, else Altair's
    ``JupyterChart`` widget, offline.

    Altair's default renderer loads Vega from a CDN, and JupyterLab's own Vega renderer stops at
    Vega-Lite 5 while Altair writes 6; offline, the widget carries vl-convert's bundle instead.
    The book build also turns off Altair's debug mode, which validates every part of a chart as
    it is made (a quarter of the chapters' execution time); :class:`ValidatedChart` validates the
    whole spec once instead, so an invalid chart still fails its cell.
    """
    import altair as alt

    book = force or in_book_build()
    name = RENDERER if book else LIVE_RENDERER
    if RENDERER not in alt.renderers.names():
        alt.renderers.register(RENDERER, book_renderer)
    if book:
        alt.renderers.enable(name)
    else:
        alt.renderers.enable(name, offline=True)
    if book:
        alt.utils.schemapi.disable_debug_mode()
    else:
        alt.utils.schemapi.enable_debug_mode()
    return name


class ValidatedChart:
    """A chart's spec, validated when this is made, displayed by the active Altair renderer.

    Altair's own display path catches a validation error, prints it and displays nothing, so a
    cell that glues an invalid chart would succeed; validating here raises in the cell instead.
    """

    def __init__(self, chart: alt.TopLevelMixin) -> None:
        # The context Altair's display path uses.
        self.spec = chart.to_dict(context={"pre_transform": False})

    def _repr_mimebundle_(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        import altair as alt

        return alt.renderers.get()(self.spec)

"""Charts in the book: the node that holds a chart's spec, and how each writer draws it.

Executed chapters output a chart as its Vega-Lite spec under the edition's own MIME type
(:mod:`kursk_edition.charts.render`). :class:`VegaLiteMimeRenderer`, a myst-nb plugin registered
under the ``myst_nb.mime_renderers`` entry point, keeps the spec in a :class:`chart_node`; the
HTML writer draws its container, spec and data table, and the LaTeX writer a vector PDF figure,
so one cached execution serves both builds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from sphinx.application import Sphinx

from kursk_edition.charts import render

CHART_SCRIPT = "kursk/kursk-charts.js"


class chart_node(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """A chart's Vega-Lite spec; each writer renders it in its own medium."""


def visit_chart_html(translator: Any, node: chart_node) -> None:
    translator.body.append(render.chart_html(node["spec"]))
    raise nodes.SkipNode


def visit_chart_latex(translator: Any, node: chart_node) -> None:
    name = f"kursk-chart-{render.spec_id(node['spec'])}.pdf"
    path = Path(translator.builder.outdir) / name
    if not path.is_file():
        path.write_bytes(render.chart_pdf(node["spec"]))
    translator.body.append(f"\n\\sphinxincludegraphics{{{{{name}}}}}\n")
    raise nodes.SkipNode


def skip(translator: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


class VegaLiteMimeRenderer:
    """myst-nb plugin for the chart outputs of the book build (``render.MIME_TYPE``)."""

    mime_priority_overrides: ClassVar[list[tuple[str, str, int]]] = [("*", render.MIME_TYPE, 1)]

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> list[nodes.Element] | None:
        if data.mime_type != render.MIME_TYPE or inline:
            return None
        spec = data.content if isinstance(data.content, dict) else json.loads(data.content)
        return [chart_node(spec=spec)]


def add_chart_script(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Pages with a chart load the one vendored chart script; others load nothing extra."""
    if render.CHART_CLASS in context.get("body", ""):
        app.add_js_file(CHART_SCRIPT, type="module")


def write_chart_script(app: Sphinx, exception: Exception | None) -> None:
    """Write the chart script into the site, unless the one there was built from the same
    vl-convert, Vega-Lite and loader (its first line says so)."""
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / CHART_SCRIPT
        stamp = render.bundle_stamp()
        if target.is_file():
            with target.open(encoding="utf-8") as script:
                if script.read(len(stamp)) == stamp:
                    return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(stamp + render.javascript_bundle(), encoding="utf-8")


def setup(app: Sphinx) -> None:
    app.add_node(
        chart_node,
        html=(visit_chart_html, None),
        latex=(visit_chart_latex, None),
        text=(skip, None),
        man=(skip, None),
        texinfo=(skip, None),
    )
    app.connect("html-page-context", add_chart_script)
    app.connect("build-finished", write_chart_script)

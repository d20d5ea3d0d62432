"""Altair output that works in all three media.

- Static HTML: a ``div`` plus the Vega-Lite spec as JSON; one vendored, self-contained script
  (Vega, Vega-Lite and vega-embed from the pinned ``vl-convert-python``) draws every chart, so
  the page needs no kernel and no CDN.
- PDF: the same spec exported by vl-convert as a vector PDF, which LaTeX includes as a figure.
- Live notebook: Altair's own default renderer, untouched.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import os
from typing import Any

import altair as alt
import vl_convert as vlc

RENDERER = "kursk-book"
# The book build sets this so the executed notebooks carry HTML and PDF outputs.
BUILD_ENV_VAR = "KURSK_BOOK_BUILD"
VEGALITE_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
CHART_CLASS = "kursk-vega"

_LOADER = """
window.vegaEmbed = vegaEmbed;
window.vega = vega;
function kurskDrawAll() {
  document.querySelectorAll('div.__CHART_CLASS__[data-spec-id]').forEach(async (el) => {
    const spec = JSON.parse(document.getElementById(el.dataset.specId).textContent);
    try {
      const result = await vegaEmbed(el, spec, {actions: false, renderer: 'svg'});
      el.kurskView = result.view;
      el.dataset.rendered = 'true';
    } catch (err) {
      el.dataset.rendered = 'error';
      console.error('chart ' + el.id + ' failed to render', err);
    }
  });
}
if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', kurskDrawAll);
} else {
  kurskDrawAll();
}
""".replace("__CHART_CLASS__", CHART_CLASS)


@functools.cache
def javascript_bundle() -> str:
    """The one script every chart page loads: Vega, Vega-Lite, vega-embed and our loader."""
    return vlc.javascript_bundle(snippet=_LOADER, vl_version=VEGALITE_VERSION)


def spec_id(spec: dict[str, Any]) -> str:
    """A stable id from the spec's content, so rebuilds give byte-identical HTML."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
    return "kv-" + digest[:12]


def chart_html(spec: dict[str, Any]) -> str:
    """The static-HTML form of a chart: a container plus its spec, drawn by the shared script."""
    ident = spec_id(spec)
    # Escape "</" so a string in the data cannot close the script element.
    payload = json.dumps(spec, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")
    label = html.escape(str(spec.get("description") or spec.get("title") or "Chart"), quote=True)
    return (
        f'<div class="{CHART_CLASS}" id="{ident}" data-spec-id="{ident}-spec" '
        f'role="figure" aria-label="{label}"></div>\n'
        f'<script type="application/json" id="{ident}-spec">{payload}</script>'
    )


def chart_pdf(spec: dict[str, Any]) -> bytes:
    """The chart as a vector PDF, for the LaTeX build."""
    return vlc.vegalite_to_pdf(spec, vl_version=VEGALITE_VERSION)


def chart_png(spec: dict[str, Any], scale: float = 2.0) -> bytes:
    """The chart as PNG (used by tests and for previews)."""
    return vlc.vegalite_to_png(spec, vl_version=VEGALITE_VERSION, scale=scale)


def book_renderer(spec: dict[str, Any], **_: Any) -> dict[str, Any]:
    """Altair renderer for the book build: HTML for the site, vector PDF for the book."""
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    return {
        "text/html": chart_html(spec),
        "application/pdf": base64.b64encode(chart_pdf(spec)).decode("ascii"),
        "text/plain": f"<Chart: {title or 'untitled'}>",
    }


alt.renderers.register(RENDERER, book_renderer)


def in_book_build() -> bool:
    """True while the book build executes the chapters (the Makefile and tests set the flag)."""
    return bool(os.environ.get(BUILD_ENV_VAR))


def use_book_renderer(force: bool = False) -> str:
    """Pick the Altair renderer: the book's when the book is being built, else Altair's default.

    In a live notebook Altair's default renderer draws charts natively, so it is left alone.
    """
    name = RENDERER if force or in_book_build() else "default"
    alt.renderers.enable(name)
    return name

"""What each HTML page carries: only the assets it uses, reproducible maths, and no CDN hooks.

- Jupyter Book's default extensions put their styles and scripts on every page; a page keeps
  only those its own markup needs (``html-page-context``, after they are added).
- Jupyter Book 1 always loads sphinx-thebe, which cannot be switched off from ``_config.yml``
  (upstream: jupyter-book/jupyter-book#1603, "Allow disabling Thebe"). It adds a script naming
  a CDN to every page and a Binder configuration to every doctree; the edition runs no remote
  kernels, so both are dropped here, from our own pages and doctrees.
- Maths is drawn at build time as SVG by dvisvgm, whose glyph order follows memory layout;
  it is sorted so that one commit always gives the same pages.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx


def _class_token(token: str) -> re.Pattern[str]:
    """Matches an element whose class list has a class matching ``token`` (a regex)."""
    return re.compile(rf'class="(?:[^"]*\s)?(?:{token})(?:\s[^"]*)?"')


# Each entry: the files (or words of the inline scripts that configure them), and a pattern of
# the body markup that needs them; a page without that markup does not load them.
OPTIONAL_ASSETS: dict[str, tuple[tuple[str, ...], re.Pattern[str] | None]] = {
    "sphinx-design": (("sphinx-design.min.css", "design-tabs.js"), _class_token(r"sd-[\w-]+")),
    "togglebutton": (
        (
            "togglebutton.css",
            "togglebutton.js",
            "toggleHint",
            "toggleOpenOnPrint",
            "togglebuttonSelector",
        ),
        _class_token("toggle|dropdown"),
    ),
    "copybutton": (
        ("copybutton.css", "copybutton.js", "clipboard.min.js"),
        _class_token("highlight"),
    ),
    # Never needed (see the module's docstring).
    "thebe": (("sphinx-thebe.css", "sphinx-thebe.js", "THEBE_JS_URL"), None),
}


def unused_assets(body: str) -> tuple[str, ...]:
    """Names of the files (or inline-script words) a page with this body does not need."""
    return tuple(
        name
        for names, needed_by in OPTIONAL_ASSETS.values()
        if needed_by is None or not needed_by.search(body)
        for name in names
    )


def drop_unused_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    unused = unused_assets(context.get("body", ""))

    def needed(asset: Any) -> bool:
        text = asset.filename or asset.attributes.get("body", "")
        return not any(name in text for name in unused)

    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if needed(asset)]


def drop_thebe_configuration(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Remove the Binder configuration sphinx-thebe appends to every doctree."""
    for raw in list(doctree.findall(nodes.raw)):
        text = raw.astext()
        if "text/x-thebe-config" in text or "kernelName =" in text:
            raw.parent.remove(raw)


_SVG_DATA_URI = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")
_SVG_DEFS = re.compile(r"(<defs>\n)(.*?)(\n</defs>)", re.S)


def canonical_math_svg(svg: str) -> str:
    """The SVG with its ``<defs>`` (one glyph or alias a line, as dvisvgm writes them) sorted."""
    return _SVG_DEFS.sub(
        lambda m: m.group(1) + "\n".join(sorted(m.group(2).split("\n"))) + m.group(3), svg
    )


def canonical_math_images(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    def canonical(match: re.Match[str]) -> str:
        svg = base64.b64decode(match.group(1)).decode("utf-8")
        encoded = base64.b64encode(canonical_math_svg(svg).encode("utf-8")).decode("ascii")
        return "data:image/svg+xml;base64," + encoded

    body = context.get("body", "")
    if "data:image/svg+xml;base64," in body:
        context["body"] = _SVG_DATA_URI.sub(canonical, body)


def write_index_redirect(app: Sphinx, exception: Exception | None) -> None:
    """A valid, titled page at the site's root that sends the reader to the first page.

    sphinx-external-toc writes a bare ``<meta>`` redirect when index.html is missing; with ours
    in place it leaves it alone."""
    if exception is None and app.builder.format == "html":
        root = html.escape(app.config.root_doc, quote=True)
        title = html.escape(app.config.html_title or app.config.project)
        (Path(app.outdir) / "index.html").write_text(
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n"
            f'<meta http-equiv="refresh" content="0; url={root}.html">\n</head>\n<body>\n'
            f'<p><a href="{root}.html">{title}</a></p>\n</body>\n</html>\n',
            encoding="utf-8",
        )


def setup(app: Sphinx) -> None:
    # After the extensions that add their assets to the page (default priority 500).
    app.connect("html-page-context", drop_unused_assets, priority=900)
    app.connect("html-page-context", canonical_math_images)
    # After sphinx-thebe's own handler (default priority 500).
    app.connect("doctree-resolved", drop_thebe_configuration, priority=900)
    # Before sphinx-external-toc's own handler (default priority 500).
    app.connect("build-finished", write_index_redirect, priority=400)

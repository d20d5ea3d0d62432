"""The web reader's page furniture (issue 16): citation cards, sources for chart downloads,
display maths and wide tables that a phone can read, and share metadata.

- ``static/kursk/`` (registered in ``html_static_path``, so Jupyter Book does not add its
  scripts to every page, as it does with the book's own ``_static/``) holds the citation cards,
  which pages with a citation and the bibliography load.
- A page with a chart gets one ``<script type="application/json" id="kursk-sources">``: the
  title and URL of each source its charts' data cite, so a chart's CSV names sources, not keys.
- Display maths is a focusable, named region (it scrolls on a phone instead of shrinking);
  tables of four columns or more get the class ``kursk-stack`` and each cell the heading of its
  column in ``data-label``, so a phone shows each row as a block of labelled lines.
- Share metadata (sphinxext-opengraph) takes the site's address from ``html.baseurl``; with
  none, pages carry no ``og:url``.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from kursk_edition.book.charts import chart_node
from kursk_edition.charts import render

STATIC = Path(__file__).with_name("static")
CITE_SCRIPT = "kursk/cite-cards.js"
CITE_STYLE = "kursk/cite-cards.css"
BIBLIOGRAPHY_PAGE = "chapters/bibliography"
# The smallest table that is stacked on a phone.
STACK_COLUMNS = 4


def configure(app: Sphinx, config: Config) -> None:
    if str(STATIC) not in config.html_static_path:
        config.html_static_path = [*config.html_static_path, str(STATIC)]
    # One address for the whole edition: the share metadata's comes from html.baseurl too.
    if "ogp_site_url" in config and not config.ogp_site_url and config.html_baseurl:
        config.ogp_site_url = config.html_baseurl


_OG_URL = re.compile(r'\s*<meta property="og:url"[^>]*>')


def relative_share_url(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """With no address for the site (html.baseurl empty), no og:url: sphinxext-opengraph would
    write a relative one, which share previews cannot use."""
    if not app.config.html_baseurl and "metatags" in context:
        context["metatags"] = _OG_URL.sub("", context["metatags"])


def add_citation_cards(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    body = context.get("body", "")
    if "bibtex-citation" in body or pagename == BIBLIOGRAPHY_PAGE:
        app.add_css_file(CITE_STYLE)
        app.add_js_file(CITE_SCRIPT, loading_method="defer")


def sources_json(keys: set[str]) -> str:
    """``{key: {title, url}}`` as the text of a script element (``</`` escaped)."""
    from kursk_edition.record.bibliography import source_title, source_url

    payload = {key: {"title": source_title(key), "url": source_url(key)} for key in sorted(keys)}
    return json.dumps(payload, sort_keys=True, ensure_ascii=False).replace("</", "<\\/")


def add_chart_sources(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if doctree is None:
        return
    keys: set[str] = set()
    for node in doctree.findall(chart_node):
        keys |= render.source_keys(node["spec"])
    if keys:
        context["body"] = context.get("body", "") + (
            f'<script type="application/json" id="kursk-sources">{sources_json(keys)}</script>\n'
        )


_MATH = re.compile(r'<div class="math([^"]*)">')
_TABLE = re.compile(r'<table class="table([^"]*)">(.*?)</table>', re.S)
_HEAD = re.compile(r'<th class="head"[^>]*>(.*?)</th>', re.S)
_ROW = re.compile(r"<tr[^>]*>.*?</tr>", re.S)
_CELL = re.compile(r"<td(?=[\s>])")
_TAG = re.compile(r"<[^>]+>")


def focusable_maths(body: str) -> str:
    return _MATH.sub(r'<div class="math\1" tabindex="0" role="region" aria-label="Equation">', body)


def stacked_tables(body: str) -> str:
    def stack(match: re.Match[str]) -> str:
        classes, inner = match.groups()
        heads = [
            html.escape(html.unescape(_TAG.sub("", h)).strip(), quote=True)
            for h in _HEAD.findall(inner)
        ]
        if len(heads) < STACK_COLUMNS:
            return match.group(0)

        def label_row(row: re.Match[str]) -> str:
            labels = iter(heads)
            return _CELL.sub(lambda _m: f'<td data-label="{next(labels, "")}"', row.group(0))

        inner = _ROW.sub(label_row, inner)
        return f'<table class="table{classes} kursk-stack">{inner}</table>'

    return _TABLE.sub(stack, body)


def readable_on_a_phone(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    body = context.get("body", "")
    if body:
        context["body"] = stacked_tables(focusable_maths(body))


def setup(app: Sphinx) -> None:
    app.connect("config-inited", configure)
    # After sphinxext-opengraph's own handler (default priority 500).
    app.connect("html-page-context", relative_share_url, priority=800)
    app.connect("html-page-context", add_citation_cards)
    app.connect("html-page-context", add_chart_sources)
    app.connect("html-page-context", readable_on_a_phone)

"""A strict HTML build into a temporary folder: every page exists and nothing loads off-site."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import toc_files

pytestmark = pytest.mark.build


class _Assets(HTMLParser):
    """Collects every URL a page would fetch by itself (scripts, styles, images, frames)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in {"script", "img", "iframe", "audio", "video", "source"} and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href"):
            rel = (a.get("rel") or "").lower()
            if any(word in rel for word in ("stylesheet", "preload", "modulepreload", "icon")):
                self.urls.append(a["href"])


def external_assets(page: Path) -> list[str]:
    parser = _Assets()
    parser.feed(page.read_text(encoding="utf-8"))
    return [u for u in parser.urls if urlsplit(u).scheme in {"http", "https"} or u.startswith("//")]


def test_every_toc_page_is_built(html_dir: Path) -> None:
    missing = [doc for doc in toc_files() if not (html_dir / f"{doc}.html").is_file()]
    assert missing == []


def test_no_page_loads_assets_from_another_host(html_dir: Path) -> None:
    offenders = {
        str(page.relative_to(html_dir)): urls
        for page in html_dir.rglob("*.html")
        if (urls := external_assets(page))
    }
    assert offenders == {}


def test_no_page_mentions_a_script_cdn(html_dir: Path) -> None:
    # Catches inline loaders too (e.g. Altair's default renderer, which fetches Vega itself).
    cdns = ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com", "requirejs.org")
    offenders = [
        str(page.relative_to(html_dir))
        for page in html_dir.rglob("*.html")
        if any(cdn in page.read_text(encoding="utf-8") for cdn in cdns)
    ]
    assert offenders == []


def test_no_stylesheet_imports_from_another_host(html_dir: Path) -> None:
    offenders = [
        str(css.relative_to(html_dir))
        for css in html_dir.rglob("*.css")
        if "url(http" in css.read_text(encoding="utf-8", errors="ignore").replace(" ", "")
        or "@importurl(http" in css.read_text(encoding="utf-8", errors="ignore").replace(" ", "")
    ]
    assert offenders == []


def test_chart_script_is_vendored_and_only_on_chart_pages(html_dir: Path) -> None:
    script = html_dir / "_static" / "kursk" / "kursk-charts.js"
    assert script.stat().st_size > 100_000
    for page in html_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        has_chart = 'class="kursk-vega"' in text
        assert ("kursk/kursk-charts.js" in text) == has_chart, page


def test_every_page_links_to_the_pdf(html_dir: Path) -> None:
    for doc in toc_files():
        text = (html_dir / f"{doc}.html").read_text(encoding="utf-8")
        assert "kursk-edition.pdf" in text, doc


def test_no_dead_widget_or_thebe_markup(html_dir: Path) -> None:
    for page in html_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "application/vnd.jupyter.widget-view+json" not in text, page
        assert "widget-state" not in text, page
        assert "THEBE_JS_URL" not in text, page
        assert "require.min.js" not in text, page


SEARCH_SCRIPTS = ("searchtools.js", "language_data.js", "searchindex.js")


def test_pages_load_only_the_optional_assets_they_use(html_dir: Path) -> None:
    # Jupyter Book's default extensions add their files to every page; the extension keeps them
    # only where the page's body has markup that needs them.
    from kursk_edition.book.pages import OPTIONAL_ASSETS

    kept = {group: [] for group in OPTIONAL_ASSETS}
    for page in html_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        # What the page's own content needs, not the theme around it.
        start = text.find("<article")
        body = text[start : text.find("</article>", start)] if start >= 0 else ""
        loaded = _Assets()
        loaded.feed(text)
        urls = " ".join(loaded.urls)
        for group, (files, needed_by) in OPTIONAL_ASSETS.items():
            uses = needed_by is not None and needed_by.search(body) is not None
            if any(name in urls for name in files if "." in name):
                assert uses, f"{page.relative_to(html_dir)} loads {group} without using it"
                kept[group].append(page.name)
            else:
                assert not uses, f"{page.relative_to(html_dir)} uses {group} but lacks its files"
        # Sphinx's search index serves only the search page (search-as-you-type is off).
        has_search = any(name in urls for name in SEARCH_SCRIPTS)
        assert has_search == (page.name == "search.html"), page.relative_to(html_dir)
    # The book has a code block (the BibTeX entry), so the copy button survives somewhere.
    assert "citing.html" in kept["copybutton"]

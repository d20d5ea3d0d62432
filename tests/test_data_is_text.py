"""Data is text, never markup: markup put into any data file reaches every page as text.

Each place where data becomes a page gets a marker element (an ``<img>`` and a ``<script>``
with a known id). A copy of the book is built with them; no page may contain such an element,
and the marker must still be there as text where the data is shown.
"""

from __future__ import annotations

import csv
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, run_build

pytestmark = pytest.mark.build

MARKUP = '<img id="kursk-injected" src="x"><script id="kursk-injected">alert(1)</script>'
IGNORE = shutil.ignore_patterns(
    ".venv", "_build", ".git", "node_modules", "__pycache__", ".*cache*", "*.egg-info"
)


def inject_yaml(book: Path, path: str, before: str, field_line: str, markup: str = MARKUP) -> None:
    """Append the markup to the YAML scalar on the line after ``before`` that starts with
    ``field_line`` (a double-quoted one-line string)."""
    target = book / path
    text = target.read_text(encoding="utf-8")
    start = text.index(before)
    line_start = text.index(field_line, start)
    line_end = text.index("\n", line_start)
    line = text[line_start:line_end]
    assert line.endswith('"'), line
    escaped = markup.replace('"', '\\"')
    text = text[:line_start] + line[:-1] + " " + escaped + '"' + text[line_end:]
    target.write_text(text, encoding="utf-8")


def inject_folded(book: Path, path: str, before: str, field_line: str) -> None:
    """Append the markup as a last line of a folded (``>-``) YAML scalar."""
    target = book / path
    text = target.read_text(encoding="utf-8")
    start = text.index(field_line, text.index(before))
    first = text.index("\n", start) + 1
    indent = len(text[first:]) - len(text[first:].lstrip(" "))
    end = first
    while text[end:].startswith(" " * indent) and text[end:].strip():
        end = text.index("\n", end) + 1
    text = text[:end] + " " * indent + MARKUP + "\n" + text[end:]
    target.write_text(text, encoding="utf-8")


def inject_csv(book: Path, path: str, row: int, column: str) -> None:
    target = book / path
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[row - 1][column] += " " + MARKUP
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


class Elements(HTMLParser):
    """Every element with the marker's id."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if ("id", "kursk-injected") in attrs:
            self.found.append(tag)


@pytest.fixture(scope="module")
def injected_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    book = tmp_path_factory.mktemp("markup") / "book"
    shutil.copytree(ROOT, book, ignore=IGNORE)
    registry = "data/paragraphs.yml"
    # (Titles are repeated as chapter headings and refuse markup: tests/test_bad_input.py.)
    inject_folded(book, registry, "- id: p01", "paraphrase:")  # paraphrases
    inject_yaml(book, registry, 'anchor: "defeat is not inevitable"', "note:")  # notes
    inject_yaml(book, registry, "- id: p01-c3", "text:")  # scorecard claims
    inject_folded(book, "data/assessments.yml", "claim: p01-c3", "reasoning:")  # scorecard
    inject_csv(book, "data/events.csv", 2, "title")  # the events chart and its table
    inject_csv(book, "data/places.csv", 1, "note")  # the map's tooltips and its table
    inject_csv(book, "data/kursk_held_area.csv", 1, "claimant")  # charts, tables, appendix
    result = run_build(book / "_build", "html", source=book)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return book / "_build" / "_build" / "html"


def test_markup_in_data_never_becomes_an_element(injected_site: Path) -> None:
    pages = {}
    for page in sorted(injected_site.rglob("*.html")):
        parser = Elements()
        text = page.read_text(encoding="utf-8")
        parser.feed(text)
        assert parser.found == [], f"{page.relative_to(injected_site)}: {parser.found}"
        pages[page.relative_to(injected_site).as_posix()] = text
    # The marker is shown as text where the data appears: paraphrase and notes (chapter 1), the
    # scorecard's claims and reasoning, and the charts' data tables.
    # (Sphinx's smart quotes may curl the quotes of the shown text.)
    shown = re.compile(r"&lt;(img|i) id=(&quot;|&#34;|\W)kursk-injected")
    for page in ("chapters/01-two-aims.html", "chapters/scorecard.html", "chapters/models.html"):
        assert shown.search(pages[page]), page
    assert len(shown.findall(pages["chapters/01-two-aims.html"])) >= 2

"""The print edition as a reader holds it: the built PDF, its LaTeX log and its metadata.

Issue 17: no blank, clipped or overfull page, no instruction meant for a browser, one
bibliography, every paragraph's title, and where the edition lives and which version it is.
The PDF comes from the session's PDF build (``pdf_path`` in conftest.py); the checks that need
no build (the title-page text made from the configuration) run without one.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, pdf_outline

from kursk_edition.book import printed as print_edition

# Pages allowed to hold nothing below the running header: none are needed today (chapters open
# on any page and the back of the title page holds the colophon); two would be deliberate.
ALLOWED_BLANK_PAGES = 2
# An overfull line up to this much is invisible in print; anything over it is a defect.
OVERFULL_TOLERANCE_PT = 5.0
# Sentences that only make sense in a browser. Chart captions and prose say, in print, what
# the figure shows at its defaults and what the web edition's controls would change.
WEB_ONLY = re.compile(
    # ("double-click a chapter" is JupyterLab's, on the reader's own computer: allowed.)
    r"\b(hover(ing)? (over|for)|(?<!double-)click(ing)? (on|a|the)|drag(ging)? (the|a)|"
    r"move the \w+ slider|pick a category|the live panel)\b",
    re.IGNORECASE,
)

# The web subtitles of two chart figures; print draws each chart with its printed subtitle.
CHART_WEB_SUBTITLES = (
    "Hover over a point for the event and its source; pick a category below to highlight it.",
    "Hover over a point for the place, its note and its sources.",
)


def pdf_text(pdf: Path, *extra: str) -> str:
    return subprocess.run(
        ["pdftotext", *extra, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def normalise(text: str) -> str:
    # pdftotext gives a hyphenated line break as "-\n"; the tests search the running text.
    return " ".join(text.replace("\u2019", "'").split())


def pgm_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and grey bytes of a binary PGM (P5) as pdftoppm -gray writes it."""
    header: list[bytes] = []
    position = 0
    while len(header) < 4:
        match = re.compile(rb"\s*(#[^\n]*\n\s*)*(\S+)").match(data, position)
        assert match is not None, "not a PGM"
        header.append(match.group(2))
        position = match.end()
    assert header[0] == b"P5" and int(header[3]) < 256, header
    width, height = int(header[1]), int(header[2])
    pixels = data[position + 1 : position + 1 + width * height]
    return width, height, pixels


def blank_pages(pdf: Path, resolution: int = 20) -> list[int]:
    """Pages (1-based) with no ink between the running header and the running footer."""
    pages = int(re.search(r"Pages:\s+(\d+)", pdf_info(pdf)).group(1))  # type: ignore[union-attr]
    blank = []
    for number in range(1, pages + 1):
        data = subprocess.run(
            [
                "pdftoppm",
                "-gray",
                "-r",
                str(resolution),
                "-f",
                str(number),
                "-l",
                str(number),
                str(pdf),
            ],
            capture_output=True,
            check=True,
        ).stdout
        width, height, pixels = pgm_pixels(data)
        # The body of an A4 page: below the header rule and above the folio (about 12% each).
        top, bottom = int(height * 0.12), int(height * 0.88)
        body = pixels[top * width : bottom * width]
        if sum(1 for value in body if value < 200) < 3:
            blank.append(number)
    return blank


def pdf_info(pdf: Path) -> str:
    return subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout


def overfull_boxes(log: str, tolerance: float = OVERFULL_TOLERANCE_PT) -> list[str]:
    """The log's overfull boxes wider than ``tolerance``, each with the line that follows it."""
    found = []
    lines = log.splitlines()
    for index, line in enumerate(lines):
        match = re.match(r"Overfull \\[hv]box \((\d+(?:\.\d+)?)pt too (wide|high)\)", line)
        if match and float(match.group(1)) > tolerance:
            context = lines[index + 1] if index + 1 < len(lines) else ""
            found.append(f"{line} | {context[:80]}")
    return found


def configured_web_address() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return print_edition.web_address_from(config.get("html", {}).get("baseurl"))


def paragraph_titles() -> list[str]:
    from kursk_edition.record import registry

    return [f"¶{p.number} · {p.title}" for p in registry.registry().paragraphs]


# --- The PDF ------------------------------------------------------------------------------------


@pytest.mark.tex
@pytest.mark.build
class TestPrintedBook:
    def test_no_blank_pages_beyond_the_deliberate_ones(self, pdf_path: Path) -> None:
        blank = blank_pages(pdf_path)
        assert len(blank) <= ALLOWED_BLANK_PAGES, f"blank pages: {blank}"

    def test_no_overfull_line_over_five_points(self, pdf_path: Path) -> None:
        log = pdf_path.with_suffix(".log").read_text(encoding="utf-8", errors="ignore")
        assert overfull_boxes(log) == []

    def test_no_triple_hyphens(self, pdf_path: Path) -> None:
        # Sphinx writes an attribution as "---Name", which XeLaTeX without TeX ligatures prints
        # as three hyphens; the edition's translator writes an em dash. (A URL may hold "---".)
        text = pdf_text(pdf_path)
        assert re.findall(r"(?<![\w/.-])---\S*", text) == []
        assert "\u2014Jack Watling" in text.replace("\u2014 ", "\u2014")

    def test_no_date_or_proper_name_broken_at_a_line_end(self, pdf_path: Path) -> None:
        # A line that ends in a hyphen after a capitalised word or a number: "Eu-" of
        # "Europe", "2025-" of "2025-04-26". Addresses may break anywhere (xurl).
        broken = [
            line
            for line in pdf_text(pdf_path).splitlines()
            if re.search(r"(^|[\s(\[])[A-Z0-9][^\s/]*-$", line.rstrip())
            and not re.search(r"https?:|www\.|/", line)
        ]
        assert broken == []

    def test_one_bibliography(self, pdf_path: Path) -> None:
        titles = re.findall(r">([^<]*)</item>", pdf_outline(pdf_path))
        assert [t for t in titles if "Bibliography" in t] == ["Bibliography"]

    def test_no_instructions_meant_for_a_browser(self, pdf_path: Path) -> None:
        text = normalise(pdf_text(pdf_path))
        found = sorted({m.group(0) for m in WEB_ONLY.finditer(text)})
        assert found == []

    def test_no_chart_subtitle_meant_for_a_browser(self, pdf_path: Path) -> None:
        text = normalise(pdf_text(pdf_path))
        assert [s for s in CHART_WEB_SUBTITLES if s in text] == []

    def test_every_paragraph_title(self, pdf_path: Path) -> None:
        text = normalise(pdf_text(pdf_path))
        missing = [t for t in paragraph_titles() if normalise(t) not in text]
        assert missing == []

    def test_version_and_build_date_on_the_title_page_and_its_back(self, pdf_path: Path) -> None:
        version = print_edition.edition_version(ROOT)
        title = normalise(pdf_text(pdf_path, "-f", "1", "-l", "1"))
        assert f"Version {version}" in title
        assert re.search(r"Built on \d{1,2} [A-Z][a-z]+ \d{4}", title)
        assert "CC BY 4.0" in title and "MIT" in title
        back = normalise(pdf_text(pdf_path, "-f", "2", "-l", "2"))
        assert f"version {version}" in back
        for part in ("Licence.", "CC BY 4.0", "MIT licence", "How to cite.", "Colophon."):
            assert part in back, part

    def test_web_address_when_set(self, pdf_path: Path) -> None:
        address = configured_web_address()
        text = normalise(pdf_text(pdf_path))
        if address:
            assert address in text
        else:
            assert "The web edition is at" not in text

    def test_pdf_metadata(self, pdf_path: Path) -> None:
        info = pdf_info(pdf_path)
        assert "Title:           Kursk and the Timing of Peace" in info
        assert re.search(r"Subject:\s+\S", info)
        assert re.search(r"Keywords:\s+.*Kursk", info)
        assert "Author:          The editors of the annotated edition" in info

    def test_bibliography_keeps_proper_nouns_and_month_names(self, pdf_path: Path) -> None:
        text = normalise(pdf_text(pdf_path))
        bibliography = text[text.index("Every source cited in this edition") :]
        # Titles as the .bib gives them, not lower-cased after the first word.
        assert "Biden, Zelenskyy to sign US-Ukraine security agreement" in bibliography
        assert "Biden, zelenskyy" not in bibliography
        # Month names, and labels as the author-year citations read.
        assert "ABC News, 2024a. ABC News." in bibliography and "June 2024" in bibliography
        months = r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec) \d{4}\b"
        assert re.findall(months, bibliography) == []


# --- No build needed ----------------------------------------------------------------------------


def test_preamble_names_the_address_only_when_set() -> None:
    with_address = print_edition.preamble_macros(
        "abc1234", "1 December 2026", "https://example.org/kursk/"
    )
    assert r"\newcommand*{\KurskWebAddress}{https://example.org/kursk/}" in with_address
    without = print_edition.preamble_macros("abc1234", "1 December 2026", "")
    assert r"\newcommand*{\KurskWebAddress}{}" in without
    assert r"\newcommand*{\KurskVersion}{abc1234}" in without
    assert r"\usepackage{kursk-print}" in without
    # kursk-print.sty prints the address sentence only when the macro is not empty.
    sty = (ROOT / "_latex" / "kursk-print.sty").read_text(encoding="utf-8")
    assert sty.count(r"\ifx\KurskWebAddress\@empty\else") >= 3


def test_version_and_date_are_escaped_for_latex() -> None:
    macros = print_edition.preamble_macros("v1_2#3", "1 December 2026", "")
    assert r"\newcommand*{\KurskVersion}{v1\_2\#3}" in macros


def test_web_address_is_one_setting() -> None:
    assert print_edition.web_address_from(None) == ""
    assert print_edition.web_address_from("") == ""
    assert print_edition.web_address_from("https://example.org/kursk") == (
        "https://example.org/kursk/"
    )


def test_edition_version_comes_from_git() -> None:
    version = print_edition.edition_version(ROOT)
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    assert version and head[:7] in version

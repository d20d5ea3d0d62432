"""The PDF: every chapter title is in it, and the chart page holds the figure."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import page_title, pdf_outline, toc_files

pytestmark = [pytest.mark.tex, pytest.mark.build]


def pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")


def normalise(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split())


def test_pdf_holds_every_chapter_title(pdf_path: Path) -> None:
    text = normalise(" ".join(pdf_pages(pdf_path)))
    missing = [page_title(doc) for doc in toc_files() if normalise(page_title(doc)) not in text]
    assert missing == []


def test_chart_figure_is_drawn_on_its_caption_page(pdf_path: Path) -> None:
    # The chart is vector art, so its own title is text on the page that holds its caption.
    pages = [normalise(p) for p in pdf_pages(pdf_path)]
    caption_pages = [p for p in pages if "bargaining position at settlement, by the month" in p]
    assert caption_pages, "figure caption not found"
    assert any("When to open talks: an illustrative model" in p for p in caption_pages)


def test_no_missing_characters_and_xelatex_used(pdf_path: Path) -> None:
    log = pdf_path.with_suffix(".log").read_text(encoding="utf-8", errors="ignore")
    assert "Missing character" not in log
    assert "XeTeX" in log


def test_no_widget_repr_in_pdf(pdf_path: Path) -> None:
    text = " ".join(pdf_pages(pdf_path))
    assert "IntSlider(" not in text and "VBox(children" not in text


def test_pdf_has_an_outline_of_chapters_and_paragraphs(pdf_path: Path) -> None:
    outline = pdf_outline(pdf_path)
    assert outline, "the PDF has no bookmarks"
    for doc in toc_files():
        assert normalise(page_title(doc)) in normalise(outline), doc
    assert "¶1 · " in outline and "¶12 · " in outline


def test_pdf_links_are_clickable_and_deep_link_each_paragraph(pdf_path: Path) -> None:
    urls = subprocess.run(
        ["pdfinfo", "-url", str(pdf_path)], capture_output=True, text=True, check=True
    ).stdout
    assert urls.count("#:~:text=") >= 12


def test_figures_keep_their_numbered_captions(pdf_path: Path) -> None:
    text = normalise(" ".join(pdf_pages(pdf_path)))
    for label in ("Fig. 2.1", "Fig. 3.1", "Fig. 3.2", "Fig. 6.1"):
        assert label in text, label


def test_every_chart_is_a_vector_figure(pdf_path: Path) -> None:
    # The LaTeX writer converts each chart node to a PDF figure beside book.tex.
    tex = (pdf_path.parent / "book.tex").read_text(encoding="utf-8")
    figures = sorted(pdf_path.parent.glob("kursk-chart-*.pdf"))
    assert figures
    for figure in figures:
        assert figure.read_bytes().startswith(b"%PDF")
        assert figure.name in tex

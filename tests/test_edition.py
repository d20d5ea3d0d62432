"""The built edition: each paragraph anchored once, in order, with its deep link; all sources."""

from __future__ import annotations

import re
import subprocess
from html import unescape
from pathlib import Path

import pytest
from conftest import ROOT, toc_files

from kursk_edition.record import registry
from kursk_edition.record.bibliography import load_bibliography
from kursk_edition.record.validate import CITE_ROLE

pytestmark = pytest.mark.build


def built_pages(html_dir: Path) -> list[tuple[str, str]]:
    return [(doc, (html_dir / f"{doc}.html").read_text(encoding="utf-8")) for doc in toc_files()]


def test_paragraph_anchors_once_each_in_reading_order(html_dir: Path) -> None:
    found: list[str] = []
    for _, text in built_pages(html_dir):
        found += re.findall(r'id="(p(?:0[1-9]|1[0-2]))"', text)
    assert found == [f"p{n:02d}" for n in range(1, 13)]


def test_each_anchor_has_its_deep_link(html_dir: Path) -> None:
    reg = registry.load_registry()
    pages = dict(built_pages(html_dir))
    for paragraph in reg.paragraphs:
        page = next(text for text in pages.values() if f'id="{paragraph.id}"' in text)
        section = page.split(f'id="{paragraph.id}"', 1)[1].split("<section", 1)[0]
        link = registry.deep_link(reg.article.url, paragraph.quote)
        assert "#:~:text=" in link
        assert f'href="{link}"' in section, paragraph.id
        assert f"Read ¶{paragraph.number} in the original" in section


def test_bibliography_lists_every_entry_with_its_url(html_dir: Path) -> None:
    page = unescape((html_dir / "chapters" / "bibliography.html").read_text(encoding="utf-8"))
    entries = load_bibliography().entries
    missing = [key for key, entry in entries.items() if entry.fields["url"] not in page]
    assert missing == []


def test_annotations_render_as_margin_notes(html_dir: Path) -> None:
    reg = registry.load_registry()
    total = sum(len(p.annotations) for p in reg.paragraphs)
    notes = sum(text.count("for='sidenote-role-") for _, text in built_pages(html_dir))
    assert notes == total


@pytest.mark.tex
def test_pdf_holds_every_paragraph_title(pdf_path: Path) -> None:
    text = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.replace("\u2019", "'").split())
    missing = [
        p.id
        for p in registry.load_registry().paragraphs
        if " ".join(p.title.replace("\u2019", "'").split()) not in flat
    ]
    assert missing == []


def commentaries() -> dict[str, str]:
    """Each paragraph's commentary, as written under its block in the chapter sources."""
    found: dict[str, str] = {}
    for doc in toc_files():
        text = (ROOT / f"{doc}.md").read_text(encoding="utf-8")
        for match in re.finditer(
            r"\((p\d\d)\)=\n.*?```\{rubric\} Commentary\n```\n(.*?)(?=\n\(\w[\w-]*\)=\n|\Z)",
            text,
            flags=re.S,
        ):
            found[match.group(1)] = match.group(2)
    return found


@pytest.mark.parametrize("pid", [f"p{n:02d}" for n in range(1, 13)])
def test_commentary_is_substantial_and_sourced(pid: str) -> None:
    text = commentaries()[pid]
    prose = re.sub(r"\{cite:[pt]\}`[^`]+`", "", text)
    assert len(prose.split()) >= 150, pid
    keys = {k.strip() for m in CITE_ROLE.finditer(text) for k in m.group(1).split(",")}
    assert len(keys - {"watling2024kursk"}) >= 2, pid

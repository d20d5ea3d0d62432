"""The paragraph registry and the bibliography: the real data validate; bad data fail legibly."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from kursk_edition import ROOT
from kursk_edition.record import registry, validate
from kursk_edition.record.bibliography import BIBLIOGRAPHY
from kursk_edition.record.errors import DataError

ARTICLE = ROOT.parent / "shared" / "source" / "article.txt"


def check_record(
    registry_path: Path = registry.REGISTRY,
    bib_path: Path = BIBLIOGRAPHY,
    pages: list[Path] | None = None,
) -> registry.Registry:
    """Load the registry and check every citation between it, the bibliography, the book's
    pages and the data files; return the registry."""
    reg = registry.load_registry(registry_path)
    validate.check_citations(
        reg,
        validate.book_pages() if pages is None else pages,
        validate.data_citations(),
        registry_path,
        bib_path,
    )
    return reg


def article_paragraphs() -> list[str]:
    blocks = [b.strip() for b in re.split(r"\n\s*\n", ARTICLE.read_text(encoding="utf-8"))]
    start = next(i for i, b in enumerate(blocks) if b.startswith("On 6 August"))
    end = next(i for i, b in enumerate(blocks) if b.startswith("About the Author"))
    return blocks[start:end]


def test_real_registry_and_bibliography_validate() -> None:
    reg = check_record()
    assert [p.id for p in reg.paragraphs] == [f"p{n:02d}" for n in range(1, 13)]
    assert sum(len(p.annotations) for p in reg.paragraphs) >= 25


@pytest.mark.skipif(not ARTICLE.exists(), reason="the source article is not beside the repo")
def test_each_quote_is_verbatim_from_its_own_paragraph() -> None:
    paragraphs = article_paragraphs()
    assert len(paragraphs) == 12
    for paragraph, text in zip(registry.load_registry().paragraphs, paragraphs, strict=True):
        assert paragraph.quote in text, paragraph.id


def test_deep_links_select_the_quote() -> None:
    reg = registry.load_registry()
    for paragraph in reg.paragraphs:
        link = registry.deep_link(reg.article.url, paragraph.quote)
        base, fragment = link.split("#:~:text=")
        assert base == reg.article.url
        assert not re.search(r"[\s,&-]", fragment)
        assert unquote(fragment) == " ".join(paragraph.quote.split())


def test_every_claim_is_typed_and_every_annotation_cited() -> None:
    reg = registry.load_registry()
    for claim in reg.claims():
        assert claim.type in registry.CLAIM_TYPES
    for paragraph in reg.paragraphs:
        for annotation in paragraph.annotations:
            assert annotation.cite


# --- bad input, table-driven: each case edits a copy of the real data ----------------------


def _registry_data() -> dict:
    return yaml.safe_load(registry.REGISTRY.read_text(encoding="utf-8"))


def missing_field(data: dict) -> None:
    del data["paragraphs"][2]["paraphrase"]


def duplicate_id(data: dict) -> None:
    data["paragraphs"][4]["id"] = "p04"


def long_quote(data: dict) -> None:
    data["paragraphs"][7]["quote"] = " ".join(["word"] * 26)


def unknown_cite(data: dict) -> None:
    data["paragraphs"][0]["annotations"][0]["cite"] = ["nosuchkey2024"]


def untyped_claim(data: dict) -> None:
    del data["paragraphs"][5]["claims"][0]["type"]


def wrong_type(data: dict) -> None:
    data["paragraphs"][5]["claims"][0]["type"] = "prophecy"


def eleven_paragraphs(data: dict) -> None:
    data["paragraphs"].pop()


def stray_anchor(data: dict) -> None:
    data["paragraphs"][1]["annotations"][0]["anchor"] = "words that appear nowhere"


REGISTRY_CASES = [
    (missing_field, "paraphrase", "p03"),
    (duplicate_id, "id", "p04"),
    (long_quote, "quote", "p08"),
    (unknown_cite, "annotations.cite", "p01"),
    (untyped_claim, "claims.0.type", "p06"),
    (wrong_type, "claims.0.type", "p06"),
    (eleven_paragraphs, "paragraphs", None),
    (stray_anchor, "annotations.anchor", "p02"),
]


@pytest.mark.parametrize(
    ("edit", "field", "where"), REGISTRY_CASES, ids=lambda c: getattr(c, "__name__", None)
)
def test_bad_registry_names_file_paragraph_and_field(
    tmp_path: Path, edit, field: str, where: str | None
) -> None:
    data = copy.deepcopy(_registry_data())
    edit(data)
    bad = tmp_path / "paragraphs.yml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        check_record(bad)
    message = str(caught.value)
    assert "paragraphs.yml" in message
    assert f"field '{field}'" in message
    if where:
        assert f"[{where}]" in message


def _bib_without(field: str, key: str) -> str:
    text = BIBLIOGRAPHY.read_text(encoding="utf-8")
    start = text.index(f"{{{key},")
    end = text.index("\n}", start)
    entry = text[start:end]
    cleaned = "\n".join(line for line in entry.splitlines() if not line.strip().startswith(field))
    return text[:start] + cleaned + text[end:]


def test_bib_entry_without_url_fails(tmp_path: Path) -> None:
    bad = tmp_path / "references.bib"
    bad.write_text(_bib_without("url ", "charap2024kursk"), encoding="utf-8")
    with pytest.raises(DataError, match=r"references\.bib \[charap2024kursk\]: field 'url'"):
        check_record(bib_path=bad)


def test_bib_entry_without_urldate_fails(tmp_path: Path) -> None:
    bad = tmp_path / "references.bib"
    bad.write_text(_bib_without("urldate", "charap2024kursk"), encoding="utf-8")
    with pytest.raises(DataError, match=r"\[charap2024kursk\]: field 'urldate'"):
        check_record(bib_path=bad)


def test_uncited_bib_entry_fails(tmp_path: Path) -> None:
    bad = tmp_path / "references.bib"
    extra = (
        "\n@misc{orphan2024,\n  title = {Orphan},\n  year = {2024},\n"
        "  url = {https://example.org/orphan},\n  urldate = {2026-11-25}\n}\n"
    )
    bad.write_text(BIBLIOGRAPHY.read_text(encoding="utf-8") + extra, encoding="utf-8")
    with pytest.raises(DataError, match=r"references\.bib \[orphan2024\]: field '\(entry\)'"):
        check_record(bib_path=bad)


def test_unknown_cite_key_in_a_chapter_fails(tmp_path: Path) -> None:
    page = tmp_path / "chapter.md"
    page.write_text("A claim {cite:p}`watling2024kursk,ghost2025`.\n", encoding="utf-8")
    pages = [*validate.book_pages(), page]
    with pytest.raises(
        DataError, match=r"chapter\.md \[line 1\]: field '\{cite\}': unknown cite key 'ghost2025'"
    ):
        check_record(pages=pages)


def test_chapters_cover_the_paragraphs_their_counts_describe() -> None:
    for chapter, (first, last) in registry.CHAPTER_PARAGRAPHS.items():
        number = int(chapter.removeprefix("ch"))
        (path,) = (ROOT / "chapters").glob(f"0{number}-*.md")
        text = path.read_text(encoding="utf-8")
        # Display cells (kursk_edition/prose.py), so a notebook shows them too.
        shown = re.findall(r'^chapters\.paragraph\("(p\d\d)"\)$', text, re.MULTILINE)
        expected = [f"p{n:02d}" for n in range(int(first[1:]), int(last[1:]) + 1)]
        assert shown == expected, path.name
        assert f'chapters.chapter_counts("{chapter}")' in text


def test_chapter_paragraph_headings_are_the_registry_titles() -> None:
    from kursk_edition.book import paragraph_heading_problems

    headings = 0
    for path in sorted((ROOT / "chapters").glob("0*.md")):
        text = path.read_text(encoding="utf-8")
        assert paragraph_heading_problems(text) == [], path.name
        headings += len(re.findall(r"^\(p\d\d\)=$", text, re.MULTILINE))
    assert headings == 12
    wrong = "(p07)=\n## ¶7 · Talk early\n"
    (problem,) = paragraph_heading_problems(wrong)
    assert problem.startswith("heading of p07 is '¶7 · Talk early'; the registry: '¶7 · Kyiv has")


def test_count_substitutions_add_up() -> None:
    counts = registry.count_substitutions()
    total = sum(int(counts[f"{chapter}_claims"]) for chapter in registry.CHAPTER_PARAGRAPHS)
    assert counts["edition_claims"] == str(total)
    assert counts["edition_paragraphs"] == "12"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://www.reuters.com/world/europe/x", None),
        ("https://understandingwar.org/backgrounder/x", None),
        ("http://192.0.2.7/world/x", "bare IP"),
        ("http://[2001:db8::1]/x", "bare IP"),
        ("https://www.uawire.org:443/x", "explicit port"),
        ("https://staging.example.org/x", "staging or CMS"),
        ("https://cms.radio.example/x", "staging or CMS"),
        ("https://am1.news/x", "aggregator"),
        ("https://de.zxc.wiki/wiki/Kursk", "aggregator"),
    ],
)
def test_the_source_policy_refuses_junk_hosts(url: str, problem: str | None) -> None:
    from kursk_edition.record.bibliography import host_problem

    found = host_problem(url)
    assert (found is None) if problem is None else (problem in found)

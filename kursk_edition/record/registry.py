"""The paragraph registry (``data/paragraphs.yml``): our title, paraphrase, quotation, claims
and annotations for each of the article's twelve paragraphs, loaded and checked.

Every error names the file, the paragraph and the field, so a broken registry stops the build
with a message a maintainer can act on.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal
from urllib.parse import quote as percent_encode

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kursk_edition import DATA
from kursk_edition.record.bibliography import load_bibliography
from kursk_edition.record.errors import DataError
from kursk_edition.record.files import load_model

REGISTRY = DATA / "paragraphs.yml"
PARAGRAPH_COUNT = 12
MAX_QUOTE_WORDS = 25
CLAIM_TYPES = ("fact", "assessment", "forecast", "recommendation")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Claim(_Strict):
    id: str = Field(pattern=r"^p(0[1-9]|1[0-2])-c[0-9]+$")
    type: Literal["fact", "assessment", "forecast", "recommendation"]
    text: str = Field(min_length=10)


class Annotation(_Strict):
    anchor: str = Field(min_length=3)
    note: str = Field(min_length=10)
    cite: list[str] = Field(min_length=1)


class Paragraph(_Strict):
    id: str = Field(pattern=r"^p(0[1-9]|1[0-2])$")
    # Chapters repeat a title as a heading (checked at build time), so it holds no markup.
    title: str = Field(min_length=3, max_length=80, pattern=r"^[^<>`{}*_\[\]]+$")
    paraphrase: str = Field(min_length=100)
    quote: str = Field(min_length=3)
    claims: list[Claim] = Field(min_length=1)
    annotations: list[Annotation] = Field(default_factory=list)

    @field_validator("quote")
    @classmethod
    def _short_quote(cls, quote: str) -> str:
        words = len(quote.split())
        if words > MAX_QUOTE_WORDS:
            raise ValueError(f"has {words} words; the limit is {MAX_QUOTE_WORDS}")
        return quote

    @property
    def number(self) -> int:
        return int(self.id[1:])

    def anchored_in(self, text: str) -> list[tuple[int, Annotation]]:
        """The annotations whose home is ``text``, with their start, in reading order.

        An annotation lives on the paraphrase if its anchor is there, otherwise on the quote.
        """
        home = [
            a
            for a in self.annotations
            if (a.anchor in self.paraphrase) == (text == self.paraphrase) and a.anchor in text
        ]
        return sorted(((text.index(a.anchor), a) for a in home), key=lambda pair: pair[0])


class Article(_Strict):
    title: str
    title_note: str = ""
    author: str
    affiliation: str
    publisher: str
    url: str = Field(pattern=r"^https://")
    date: str
    date_note: str = ""
    cite: str


class Registry(_Strict):
    article: Article
    paragraphs: list[Paragraph]

    def paragraph(self, pid: str) -> Paragraph:
        for paragraph in self.paragraphs:
            if paragraph.id == pid:
                return paragraph
        raise KeyError(f"no paragraph {pid!r} in {REGISTRY.name}")

    def claims(self) -> list[Claim]:
        return [claim for paragraph in self.paragraphs for claim in paragraph.claims]

    def cite_keys(self) -> set[str]:
        keys = {self.article.cite}
        for paragraph in self.paragraphs:
            for annotation in paragraph.annotations:
                keys.update(annotation.cite)
        return keys


def deep_link(article_url: str, quote: str) -> str:
    """A link to the original that scrolls to, and highlights, the quoted phrase.

    It uses a URL text fragment (``#:~:text=``); '-', ',' and '&' are percent-encoded because
    they are syntax inside a fragment directive.
    """
    text = percent_encode(" ".join(quote.split()), safe="").replace("-", "%2D")
    return f"{article_url}#:~:text={text}"


def load_registry(path: Path = REGISTRY) -> Registry:
    """Parse and check the registry's structure; cross-references are checked by ``validate``."""
    registry = load_model(path, Registry, "paragraphs", "id")

    ids = [p.id for p in registry.paragraphs]
    if len(ids) != PARAGRAPH_COUNT:
        raise DataError(
            path, "paragraphs", f"has {len(ids)} paragraphs; expected {PARAGRAPH_COUNT}"
        )
    expected = [f"p{n:02d}" for n in range(1, PARAGRAPH_COUNT + 1)]
    for position, (got, want) in enumerate(zip(ids, expected, strict=True)):
        if got != want:
            problem = "duplicate id" if ids.count(got) > 1 else "out of order"
            raise DataError(
                path,
                "id",
                f"{problem}: {got!r} at position {position + 1}; expected {want!r}",
                where=got,
            )
    claim_ids: set[str] = set()
    for paragraph in registry.paragraphs:
        for claim in paragraph.claims:
            if not claim.id.startswith(paragraph.id + "-"):
                raise DataError(
                    path,
                    "claims.id",
                    f"{claim.id!r} belongs to another paragraph",
                    where=paragraph.id,
                )
            if claim.id in claim_ids:
                raise DataError(path, "claims.id", f"duplicate id {claim.id!r}", where=paragraph.id)
            claim_ids.add(claim.id)
        for annotation in paragraph.annotations:
            if (
                annotation.anchor not in paragraph.paraphrase
                and annotation.anchor not in paragraph.quote
            ):
                raise DataError(
                    path,
                    "annotations.anchor",
                    f"{annotation.anchor!r} is not in this paragraph's paraphrase or quote",
                    where=paragraph.id,
                )
    return registry


@functools.cache
def registry() -> Registry:
    """The validated registry, loaded once per process."""
    return load_registry()


def claim_counts(first: str, last: str, reg: Registry | None = None) -> dict[str, int]:
    """How many paragraphs, claims and claims of each type fall in ``first``..``last``."""
    reg = reg or registry()
    chosen = [p for p in reg.paragraphs if first <= p.id <= last]
    claims = [claim for p in chosen for claim in p.claims]
    counts = {"paragraphs": len(chosen), "claims": len(claims)}
    counts.update({kind: sum(c.type == kind for c in claims) for kind in CLAIM_TYPES})
    counts["annotations"] = sum(len(p.annotations) for p in chosen)
    return counts


# The paragraphs each chapter covers (the chapters' chapters.paragraph(...) cells; tests check
# the match).
CHAPTER_PARAGRAPHS: dict[str, tuple[str, str]] = {
    "ch1": ("p01", "p03"),
    "ch2": ("p04", "p06"),
    "ch3": ("p07", "p08"),
    "ch4": ("p09", "p10"),
    "ch5": ("p11", "p12"),
}


def count_substitutions(reg: Registry | None = None) -> dict[str, str]:
    """Counts for the prose, as MyST substitutions: ``{{ ch1_claims }}``, ``{{ edition_notes }}``.

    They come from the registry, like the paragraph headings, so stating them costs no kernel.
    """
    reg = reg or registry()
    values: dict[str, int] = {}
    for chapter, (first, last) in CHAPTER_PARAGRAPHS.items():
        values |= {f"{chapter}_{k}": v for k, v in claim_counts(first, last, reg).items()}
    edition = claim_counts(reg.paragraphs[0].id, reg.paragraphs[-1].id, reg)
    edition |= {"notes": edition["annotations"], "sources": len(load_bibliography().entries)}
    values |= {f"edition_{k}": v for k, v in edition.items()}
    return {key: str(value) for key, value in values.items()}

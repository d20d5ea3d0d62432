"""The paragraph registry (``data/paragraphs.yml``) and the bibliography, loaded and validated.

Every error names the file, the paragraph or entry, and the field, so a broken registry stops
the build with a message a maintainer can act on.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote as percent_encode

import yaml
from pybtex.database import BibliographyData, parse_file
from pybtex.scanner import PybtexSyntaxError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kursk_edition import DATA, ROOT
from kursk_edition.errors import DataError

REGISTRY = DATA / "paragraphs.yml"
BIBLIOGRAPHY = ROOT / "references.bib"
CHAPTERS = ROOT / "chapters"
PARAGRAPH_COUNT = 12
MAX_QUOTE_WORDS = 25
CLAIM_TYPES = ("fact", "assessment", "forecast", "recommendation")
# {cite}`a,b`, {cite:p}`a`, {cite:t}`a` and friends in MyST prose.
CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
# libyaml's loader when PyYAML has it: the same documents, about five times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load``, with libyaml when available."""
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 (a safe loader)


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
    title: str = Field(min_length=3, max_length=80)
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


def _where(data: object, loc: tuple[int | str, ...]) -> tuple[str | None, str]:
    """Turn a pydantic error location into (paragraph id or entry, field name)."""
    where = None
    if len(loc) >= 2 and loc[0] == "paragraphs" and isinstance(loc[1], int):
        try:
            where = data["paragraphs"][loc[1]].get("id") or f"paragraph {loc[1] + 1}"  # type: ignore[index]
        except (KeyError, IndexError, TypeError, AttributeError):
            where = f"paragraph {loc[1] + 1}"
        rest = loc[2:]
    else:
        rest = loc
    field = ".".join(str(part) for part in rest) or "(top level)"
    return where, field


def load_registry(path: Path = REGISTRY) -> Registry:
    """Parse and check the registry's structure; cross-references are checked by ``validate``."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(path, "(syntax)", f"not valid YAML: {exc}") from None
    try:
        registry = Registry.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where, field = _where(data, first["loc"])
        raise DataError(path, field, first["msg"], where=where) from None

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


def load_bibliography(path: Path = BIBLIOGRAPHY) -> BibliographyData:
    """Parse references.bib and check every entry has a URL, a date and the date it was read."""
    try:
        return _load_bibliography(Path(path), Path(path).stat().st_mtime_ns)
    except OSError as exc:
        raise DataError(path, "(syntax)", str(exc)) from None


@functools.cache
def _load_bibliography(path: Path, mtime_ns: int) -> BibliographyData:
    # Parsed once per version of the file: several loaders and charts ask for it in one run.
    try:
        bibliography = parse_file(str(path), bib_format="bibtex")
    except (PybtexSyntaxError, OSError) as exc:
        raise DataError(path, "(syntax)", str(exc)) from None
    for key, entry in bibliography.entries.items():
        fields = {name.lower(): value for name, value in entry.fields.items()}
        if not fields.get("url", "").startswith(("https://", "http://")):
            raise DataError(path, "url", "missing or not an http(s) URL", where=key)
        if not (fields.get("date") or fields.get("year")):
            raise DataError(path, "date", "missing (give date or year)", where=key)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", fields.get("urldate", "")):
            raise DataError(path, "urldate", "missing or not YYYY-MM-DD", where=key)
    return bibliography


@functools.cache
def _text_backend():  # noqa: ANN202 (a pybtex plugin instance)
    # Looked up once: pybtex resolves the backend through entry points on every render_as().
    from pybtex.plugin import find_plugin

    return find_plugin("pybtex.backends", "text")()


def plain(latex: str) -> str:
    """A BibTeX field as plain text ("\\$2.5", "5\\%", "--" and braces resolved)."""
    from pybtex.richtext import Text

    return Text.from_latex(latex.replace(r"\$", "$")).render(_text_backend())


def source_titles() -> dict[str, str]:
    """Cite key -> the source's title, as plain text (for chart tooltips)."""
    return {key: source_title(key) for key in load_bibliography().entries}


@functools.cache
def source_title(key: str) -> str:
    """One source's title as plain text (KeyError for a key not in references.bib).

    One at a time, since converting all 170 titles from LaTeX takes about 0.2 s and a chart
    needs a few dozen."""
    return plain(load_bibliography().entries[key].fields.get("title", key))


def prose_cite_keys(paths: list[Path]) -> dict[str, set[str]]:
    """Cite keys used by {cite} roles in each of the given Markdown files."""
    used: dict[str, set[str]] = {}
    for path in paths:
        for match in CITE_ROLE.finditer(path.read_text(encoding="utf-8")):
            keys = {key.strip() for key in match.group(1).split(",") if key.strip()}
            used.setdefault(str(path), set()).update(keys)
    return used


def book_pages(root: Path = ROOT) -> list[Path]:
    return sorted((root / "chapters").glob("*.md")) + sorted(root.glob("*.md"))


def data_cite_keys(data: Path = DATA) -> dict[str, set[str]]:
    """Cite keys used by the other data files: CSV ``cite`` columns (space-separated keys) and
    ``cite`` lists anywhere in YAML files."""
    import csv

    def from_yaml(node: object) -> set[str]:
        if isinstance(node, dict):
            found = set(node["cite"]) if isinstance(node.get("cite"), list) else set()
            return found.union(*(from_yaml(v) for v in node.values()))
        if isinstance(node, list):
            return set().union(*(from_yaml(v) for v in node))
        return set()

    used: dict[str, set[str]] = {}
    for path in sorted(data.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            keys = {k for row in csv.DictReader(handle) for k in (row.get("cite") or "").split()}
        used[str(path)] = keys
    for path in sorted(data.glob("*.yml")):
        if path.name != REGISTRY.name:
            used[str(path)] = from_yaml(load_yaml(path.read_text(encoding="utf-8")))
    return used


def validate(
    registry_path: Path = REGISTRY,
    bib_path: Path = BIBLIOGRAPHY,
    pages: list[Path] | None = None,
    extra_cites: dict[str, set[str]] | None = None,
) -> Registry:
    """Check the registry, the bibliography and every citation between them and the chapters.

    ``extra_cites`` maps other data files to the keys they cite, so their keys count as used
    (by default, those of ``data_cite_keys``).
    """
    registry = load_registry(registry_path)
    bibliography = load_bibliography(bib_path)
    known = set(bibliography.entries.keys())
    for paragraph in registry.paragraphs:
        for annotation in paragraph.annotations:
            for key in annotation.cite:
                if key not in known:
                    raise DataError(
                        registry_path,
                        "annotations.cite",
                        f"unknown cite key {key!r} (not in {bib_path.name})",
                        where=paragraph.id,
                    )
    if registry.article.cite not in known:
        raise DataError(
            registry_path, "article.cite", f"unknown cite key {registry.article.cite!r}"
        )
    used = {str(registry_path): registry.cite_keys()}
    page_keys = prose_cite_keys(pages if pages is not None else book_pages())
    for page, keys in page_keys.items():
        for key in sorted(keys - known):
            raise DataError(page, "{cite}", f"unknown cite key {key!r} (not in {bib_path.name})")
    used.update(page_keys)
    used.update(data_cite_keys() if extra_cites is None else extra_cites)
    cited = set().union(*used.values())
    for key in sorted(known - cited):
        raise DataError(
            bib_path, "(entry)", "is never cited in the registry, chapters or data", where=key
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


# The paragraphs each chapter covers (the chapters' {paragraph} blocks; tests check the match).
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

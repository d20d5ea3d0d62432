"""Check the whole record before the book reads a page: the registry, the bibliography, every
data file, and every citation between them and the chapters.

The first problem raises ``DataError``, whose one-line message names the file, the row, line,
paragraph or entry, and the field.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from kursk_edition import DATA, ROOT
from kursk_edition.record import datasets
from kursk_edition.record.bibliography import BIBLIOGRAPHY, load_bibliography
from kursk_edition.record.errors import DataError
from kursk_edition.record.files import load_yaml, read_text
from kursk_edition.record.registry import REGISTRY, Registry, load_registry
from kursk_edition.record.scorecard import load_scorecard
from kursk_edition.record.updates import load_updates

# {cite}`a,b`, {cite:p}`a`, {cite:t}`a` and friends in MyST prose.
CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def book_pages(root: Path = ROOT) -> list[Path]:
    """Every Markdown page of the book: the chapters and the root's pages."""
    return sorted((root / "chapters").glob("*.md")) + sorted(
        p for p in root.glob("*.md") if p.name != "README.md"
    )


def prose_citations(path: Path) -> list[tuple[int, str]]:
    """(line, key) for each key a page cites with a ``{cite}`` role."""
    found = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        for match in CITE_ROLE.finditer(line):
            found += [(number, key.strip()) for key in match.group(1).split(",") if key.strip()]
    return found


def _yaml_cites(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = set(node["cite"]) if isinstance(node.get("cite"), list) else set()
        return found.union(*(_yaml_cites(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_yaml_cites(v) for v in node))
    return set()


def data_citations(data: Path = DATA) -> dict[Path, set[str]]:
    """Keys cited by the data files besides the registry: CSV ``cite`` columns (space-separated
    keys) and ``cite`` lists anywhere in YAML files."""
    used: dict[Path, set[str]] = {}
    for path in sorted(data.glob("*.csv")):
        rows = csv.DictReader(io.StringIO(read_text(path)))
        used[path] = {k for row in rows for k in (row.get("cite") or "").split()}
    for path in sorted(data.glob("*.yml")):
        if path.name != REGISTRY.name:
            used[path] = _yaml_cites(load_yaml(path))
    return used


def check_citations(
    registry: Registry,
    pages: list[Path],
    data_cites: dict[Path, set[str]],
    registry_path: Path = REGISTRY,
    bib_path: Path = BIBLIOGRAPHY,
) -> None:
    """Every cited key is in the bibliography, and every entry there is cited somewhere."""
    known = set(load_bibliography(bib_path).entries)
    unknown = f"unknown cite key {{!r}} (not in {bib_path.name})"
    for paragraph in registry.paragraphs:
        for annotation in paragraph.annotations:
            for key in annotation.cite:
                if key not in known:
                    raise DataError(
                        registry_path,
                        "annotations.cite",
                        unknown.format(key),
                        where=paragraph.id,
                    )
    if registry.article.cite not in known:
        raise DataError(registry_path, "article.cite", unknown.format(registry.article.cite))
    cited = registry.cite_keys()
    for page in pages:
        for line, key in prose_citations(page):
            if key not in known:
                raise DataError(page, "{cite}", unknown.format(key), where=f"line {line}")
            cited.add(key)
    for path, keys in data_cites.items():
        for key in sorted(keys - known):
            raise DataError(path, "cite", unknown.format(key))
        cited |= keys
    for key in sorted(known - cited):
        raise DataError(
            bib_path, "(entry)", "is never cited in the registry, chapters or data", where=key
        )


def validate_record(root: Path = ROOT) -> Registry:
    """Load and check everything the book is made from; return the registry."""
    registry = load_registry()
    load_bibliography()
    # Each file on its own first, so a missing or broken one is named as such.
    datasets.load_held_area()
    card = load_scorecard(reg=registry)
    datasets.load_events(cutoff=card.cutoff)
    datasets.load_places()
    load_updates()
    check_citations(registry, book_pages(root), data_citations())
    return registry

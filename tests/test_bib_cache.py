"""Formatted bibliography entries are reused only for the same style, label and entry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pybtex.plugin
import pytest
from pybtex.database import parse_string

from kursk_edition import bib_cache

BIB = """
@misc{watling2024,
  author = {Watling, Jack},
  title = {What does the {Kursk} Incursion Mean for Peace in Ukraine?},
  year = {2024},
  howpublished = {Wilson Center -- Global Europe Program},
}
"""


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    bib_cache.install()
    bib_cache._kept.clear()
    bib_cache._used.clear()
    yield
    bib_cache._kept.clear()
    bib_cache._used.clear()


def counting_style() -> tuple[Any, list[str]]:
    """A 'plain' style that records each entry it really formats."""
    style = pybtex.plugin.find_plugin("pybtex.style.formatting", "plain")()
    formatted: list[str] = []
    template = style.get_misc_template

    def get_misc_template(entry: Any) -> Any:
        formatted.append(entry.key)
        return template(entry)

    style.get_misc_template = get_misc_template
    return style, formatted


def entry(bib: str = BIB) -> Any:
    return parse_string(bib, "bibtex").entries["watling2024"]


def text(formatted: Any) -> str:
    return formatted.text.render_as("text")


def test_the_same_entry_label_and_style_is_formatted_once() -> None:
    style, formatted = counting_style()
    first = style.format_entry("1", entry())
    again = style.format_entry("1", entry())  # a fresh parse of the same entry
    assert formatted == ["watling2024"]
    assert again is first
    assert "the Kursk incursion" in text(first) and "–" in text(first)  # as pybtex formats it


def test_a_changed_field_label_or_style_formats_afresh() -> None:
    style, formatted = counting_style()
    style.format_entry("1", entry())
    changed = style.format_entry("1", entry(BIB.replace("2024}", "2025}")))
    assert "2025" in text(changed)
    style.format_entry("2", entry())  # another label
    abbreviated = pybtex.plugin.find_plugin("pybtex.style.formatting", "plain")(
        abbreviate_names=True
    )
    assert "J. Watling" in text(abbreviated.format_entry("1", entry()))
    assert formatted == ["watling2024"] * 3


def test_a_later_build_reuses_what_an_earlier_one_saved(tmp_path: Path) -> None:
    style, _ = counting_style()
    expected = text(style.format_entry("1", entry()))
    bib_cache.save(tmp_path)
    bib_cache._kept.clear()  # as in a new process
    assert bib_cache.load(tmp_path) == 1
    style, formatted = counting_style()
    assert text(style.format_entry("1", entry())) == expected
    assert formatted == []


def test_saved_entries_from_other_versions_or_a_broken_file_are_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    style, _ = counting_style()
    style.format_entry("1", entry())
    bib_cache.save(tmp_path)
    bib_cache._kept.clear()
    monkeypatch.setattr(bib_cache, "FORMAT", bib_cache.FORMAT + 1)
    assert bib_cache.load(tmp_path) == 0
    (tmp_path / bib_cache.CACHE_FILE).write_bytes(b"not a pickle")
    assert bib_cache.load(tmp_path) == 0
    assert bib_cache.load(tmp_path / "missing") == 0
    style, formatted = counting_style()
    style.format_entry("1", entry())
    assert formatted == ["watling2024"]


def test_only_the_entries_a_build_used_are_saved(tmp_path: Path) -> None:
    style, _ = counting_style()
    style.format_entry("1", entry())
    bib_cache._used.clear()  # a new build starts (load clears what the last one used)
    style.format_entry("2", entry())
    bib_cache.save(tmp_path)
    bib_cache._kept.clear()
    assert bib_cache.load(tmp_path) == 1

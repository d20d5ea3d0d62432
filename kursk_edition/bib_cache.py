"""Formatted bibliography entries, kept within a build and between builds.

sphinxcontrib-bibtex formats every entry of the bibliography again on every build, and twice
when citations have tooltips (the ``env-updated`` step), with pybtex templates that decode each
field from LaTeX character by character: about 0.7 s of every build on this machine, a quarter of
a prose edit. What pybtex's ``format_entry`` returns depends only on the style (its class and
the name, label and sorting styles it was made with), the label and the entry itself, so each
result is kept under exactly those, and the ones a build used are saved beside its doctrees for
the next build. An entry whose type, fields or names changed is formatted afresh; the saved
file is dropped when pybtex, sphinxcontrib-bibtex or this format change.
"""

from __future__ import annotations

import pickle
from importlib.metadata import version
from pathlib import Path
from typing import Any

from kursk_edition.ahead import write_atomically

CACHE_FILE = "kursk-bib-formatted.pickle"
FORMAT = 1

_kept: dict[tuple[Any, ...], Any] = {}  # formatted entries this process may reuse
_used: dict[tuple[Any, ...], Any] = {}  # those this build asked for: what is saved


def versions() -> tuple[Any, ...]:
    return (FORMAT, version("pybtex"), version("sphinxcontrib-bibtex"))


def _qualified(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def style_key(style: Any) -> tuple[Any, ...]:
    """Everything about a pybtex style that can change how it formats an entry."""
    return (
        _qualified(style),
        _qualified(style.name_style),
        _qualified(style.label_style),
        _qualified(style.sorting_style),
        style.abbreviate_names,
        style.min_crossrefs,
    )


def entry_key(entry: Any) -> tuple[Any, ...]:
    """A pybtex entry's key, type, fields and names, as plain strings."""
    persons = tuple(
        (role, tuple(str(person) for person in people))
        for role, people in sorted(entry.persons.items())
    )
    return (entry.key, entry.type, tuple(sorted(entry.fields.items())), persons)


def install() -> None:
    """Make pybtex styles reuse what they formatted before (once per process)."""
    from pybtex.style.formatting import BaseStyle

    original = BaseStyle.format_entry
    if getattr(original, "kursk_cached", False):
        return

    def format_entry(self: Any, label: str, entry: Any, bib_data: Any = None) -> Any:
        if bib_data is not None:  # cross-references may be resolved through bib_data
            return original(self, label, entry, bib_data=bib_data)
        key = (style_key(self), label, entry_key(entry))
        formatted = _kept.get(key)
        if formatted is None:
            formatted = _kept[key] = original(self, label, entry)
        _used[key] = formatted
        return formatted

    format_entry.kursk_cached = True  # type: ignore[attr-defined]
    BaseStyle.format_entry = format_entry


def load(folder: str | Path) -> int:
    """Take in what an earlier build in ``folder`` saved; returns how many entries."""
    _used.clear()
    try:
        saved_versions, entries = pickle.loads((Path(folder) / CACHE_FILE).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        return 0  # none yet, or unreadable: everything is formatted afresh
    if saved_versions != versions():
        return 0
    _kept.update(entries)
    return len(entries)


def save(folder: str | Path) -> None:
    """Save the entries this build formatted or reused (and no others) for the next build."""
    if _used:
        Path(folder).mkdir(parents=True, exist_ok=True)
        write_atomically(Path(folder) / CACHE_FILE, pickle.dumps((versions(), dict(_used))))

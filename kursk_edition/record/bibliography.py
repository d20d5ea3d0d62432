"""The bibliography (``references.bib``): loaded, checked, and read as plain text.

Every entry needs an http(s) URL, a publication date (``date`` or ``year``) and the date we read
it (``urldate``); every date must be a real calendar date. Every key must be cited somewhere,
and every citation must name a key (:func:`kursk_edition.record.validate.validate_record`).
"""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path

from pybtex.database import BibliographyData, BibliographyDataError, parse_string
from pybtex.scanner import PybtexSyntaxError

from kursk_edition import ROOT
from kursk_edition.errors import DataError
from kursk_edition.record.files import read_text

BIBLIOGRAPHY = ROOT / "references.bib"
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_date(value: str) -> date:
    """A ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` date, as the last day it can mean.

    ``ValueError`` for anything else, or an impossible day such as 2026-02-30."""
    match = _DATE.match(value.strip())
    if not match:
        raise ValueError(f"expected YYYY-MM-DD (or YYYY-MM, YYYY), got {value!r}")
    year, month, day = (int(part) if part else None for part in match.groups())
    if month is None:
        return date(year, 12, 31)
    if day is None:
        following = date(year + month // 12, month % 12 + 1, 1)
        return date.fromordinal(following.toordinal() - 1)
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"not a calendar date: {value!r}") from None


def _check_entry(path: Path, key: str, fields: dict[str, str]) -> None:
    if not fields.get("url", "").startswith(("https://", "http://")):
        raise DataError(path, "url", "missing or not an http(s) URL", where=key)
    if not (fields.get("date") or fields.get("year")):
        raise DataError(path, "date", "missing (give date or year)", where=key)
    for name in ("date", "urldate"):
        value = fields.get(name, "")
        if name == "urldate" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise DataError(path, name, f"missing or not YYYY-MM-DD: {value!r}", where=key)
        if value:
            try:
                parse_date(value)
            except ValueError as exc:
                raise DataError(path, name, str(exc), where=key) from None
    month = fields.get("month", "").lower()
    if month and month[:3] not in MONTHS:
        raise DataError(path, "month", f"not a month: {month!r}", where=key)


def load_bibliography(path: Path = BIBLIOGRAPHY) -> BibliographyData:
    """Parse and check ``references.bib`` (cached per version of the file)."""
    path = Path(path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _load(path, stamp)


@functools.cache
def _load(path: Path, _stamp: int) -> BibliographyData:
    text = read_text(path)
    try:
        bibliography = parse_string(text, bib_format="bibtex")
    except BibliographyDataError as exc:  # a repeated key, say
        raise DataError(path, "(entry key)", str(exc)) from None
    except PybtexSyntaxError as exc:
        raise DataError(path, "(syntax)", str(exc), where=f"line {exc.lineno}") from None
    for key, entry in bibliography.entries.items():
        fields = {name.lower(): value.strip() for name, value in entry.fields.items()}
        _check_entry(path, key, fields)
    return bibliography


def published(key: str) -> date | None:
    """When a source was published, as the last day its date can mean (None if unknown)."""
    fields = {k.lower(): v.strip() for k, v in load_bibliography().entries[key].fields.items()}
    raw = fields.get("date") or fields.get("year", "")
    if "date" not in fields and fields.get("month", "")[:3].lower() in MONTHS:
        raw = f"{raw}-{MONTHS.index(fields['month'][:3].lower()) + 1:02d}"
    try:
        return parse_date(raw)
    except ValueError:
        return None


@functools.cache
def _text_backend():  # noqa: ANN202 (a pybtex plugin instance)
    from pybtex.plugin import find_plugin

    return find_plugin("pybtex.backends", "text")()


def plain(latex: str) -> str:
    """A BibTeX field as plain text ("\\$2.5", "5\\%", "--" and braces resolved)."""
    from pybtex.richtext import Text

    return Text.from_latex(latex.replace(r"\$", "$")).render(_text_backend())


@functools.cache
def source_title(key: str) -> str:
    """One source's title as plain text (``KeyError`` for a key not in references.bib)."""
    return plain(load_bibliography().entries[key].fields.get("title", key))


def source_url(key: str) -> str:
    """One source's URL (``KeyError`` for a key not in references.bib)."""
    return load_bibliography().entries[key].fields["url"]

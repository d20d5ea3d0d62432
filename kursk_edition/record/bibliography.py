"""The bibliography (``references.bib``): loaded, checked, and read as plain text.

Every entry needs an http(s) URL, a publication date (``date`` or ``year``) and the date we read
it (``urldate``); every date must be a real calendar date. Every key must be cited somewhere,
and every citation must name a key (:func:`kursk_edition.record.validate.validate_record`).

The source policy is checked here too: no URL under two keys; no copy at a bare IP address, an
explicit port, a staging or CMS host, or a machine-written aggregator or mirror (``JUNK_HOSTS``);
and an entry read at a syndicated copy names the original outlet as ``publisher`` and says, in
its ``note``, "Read via the copy at <host>".
"""

from __future__ import annotations

import functools
import ipaddress
import re
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from pybtex.database import BibliographyData, BibliographyDataError, parse_string
from pybtex.scanner import PybtexSyntaxError

from kursk_edition import ROOT
from kursk_edition.record.errors import DataError
from kursk_edition.record.files import read_text

BIBLIOGRAPHY = ROOT / "references.bib"
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
COPY_NOTE = "Read via the copy at"
# Machine-written aggregators and machine-translated mirrors: a host or any of its subdomains.
JUNK_HOSTS = (
    "am1.news",
    "newstimesturkey.com",
    "budapestnews.org",
    "jmediawiki.org",
    "jmedia.wiki",
    "jablog.org",
    "wikide.org",
    "zxc.wiki",
)
# First labels of hosts that serve drafts or a site's back office, not its published pages.
BACK_OFFICE_LABELS = ("staging", "stage", "dev", "preview", "cms", "admin")


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


def host_problem(url: str) -> str | None:
    """Why the source policy refuses the host of ``url``, or None if it does not."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        ipaddress.ip_address(host)
        return "a bare IP address, not the outlet's own site"
    except ValueError:
        pass
    if parts.port is not None:
        return "an explicit port; give the outlet's plain address"
    if host.split(".")[0] in BACK_OFFICE_LABELS:
        return "a staging or CMS host, not the published page"
    for junk in JUNK_HOSTS:
        if host == junk or host.endswith("." + junk):
            return "a machine-written aggregator or mirror; cite the original outlet"
    return None


def _normalised(url: str) -> str:
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower().removeprefix('www.')}{parts.path.rstrip('/')}" + (
        f"?{parts.query}" if parts.query else ""
    )


def _check_entry(path: Path, key: str, fields: dict[str, str]) -> None:
    if not fields.get("url", "").startswith(("https://", "http://")):
        raise DataError(path, "url", "missing or not an http(s) URL", where=key)
    if problem := host_problem(fields["url"]):
        raise DataError(path, "url", problem, where=key)
    if COPY_NOTE.lower() in fields.get("note", "").lower() and not fields.get("publisher"):
        raise DataError(
            path, "publisher", "a copy's entry must name the original outlet", where=key
        )
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
    seen: dict[str, str] = {}
    for key, entry in bibliography.entries.items():
        fields = {name.lower(): value.strip() for name, value in entry.fields.items()}
        _check_entry(path, key, fields)
        url = _normalised(fields["url"])
        if url in seen:
            raise DataError(path, "url", f"the same page as entry {seen[url]!r}", where=key)
        seen[url] = key
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

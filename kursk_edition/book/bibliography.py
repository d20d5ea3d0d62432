"""The edition's bibliography style: author–year, titles as written, months by name.

Registered as the pybtex formatting style ``kursk`` (``pybtex.style.formatting`` entry point in
pyproject.toml) and chosen by ``bibtex_default_style`` in ``_config.yml``, so the web page and
the PDF print the one bibliography in the same style.

- Entries are sorted by author, year and title and labelled as the text cites them
  ("Watling, 2024"; "Charap and Kupchan, 2024"; "Cahlan et al., 2024"), with a, b, ... when one
  author has several entries in a year (sphinxcontrib-bibtex needs labels to be unique).
- Titles keep the capitals the .bib gives them: pybtex's ``plain`` style lower-cases every title
  after its first letter, which made "Biden, zelenskyy to sign us-ukraine ...".
- Months print as names ("August 2024", not "aug 2024"), and the date a source was read as
  "25 November 2026", with no-break spaces, so no date is split over two lines.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from pybtex.database import Entry
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting.author_year_title import SortingStyle as AuthorYearTitleSorting
from pybtex.style.template import field, sentence

MONTHS = (
    "January February March April May June July August September October November December"
).split()
_MONTH_BY_KEY = {
    **{name[:3].lower(): name for name in MONTHS},
    **{name.lower(): name for name in MONTHS},
    **{str(number): name for number, name in enumerate(MONTHS, start=1)},
    **{f"{number:02d}": name for number, name in enumerate(MONTHS, start=1)},
}
NBSP = "\u00a0"


def month_name(value: str) -> str:
    """A month ("aug", "8", "08" or "August") by its name; anything else unchanged."""
    return _MONTH_BY_KEY.get(value.strip().strip("{}").lower(), value)


def long_date(value: str) -> str:
    """An ISO date ("2026-11-25") as "25 November 2026", joined by no-break spaces."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{2})-(\d{2})\s*", value)
    if not match:
        return value
    try:
        day = dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return value
    return NBSP.join((str(day.day), MONTHS[day.month - 1], str(day.year)))


def _plain(latex: str) -> str:
    return Text.from_latex(latex).render_as("text")


def author_year(entry: Entry) -> str:
    """The label the text cites an entry by: the authors' last names and the year."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_plain(" ".join(person.last_names)) for person in people]
    if not names:
        who = _plain(entry.fields.get("howpublished", entry.key))
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels as the author–year citations read, made unique with a, b, c ... ."""

    def format_labels(self, sorted_entries: Iterable[Entry]) -> Iterator[str]:
        entries = list(sorted_entries)
        labels = [author_year(entry) for entry in entries]
        counts = Counter(labels)
        seen: Counter[str] = Counter()
        for label in labels:
            if counts[label] > 1:
                letter = chr(ord("a") + seen[label])
                yield f"{label}-{letter}" if label.endswith(".") else f"{label}{letter}"
                seen[label] += 1
            else:
                yield label


class AuthorYearSorting(AuthorYearTitleSorting):
    """By author, year and title, reading names as printed: "{ABC News}" files under A, not
    after Z as its brace would; an entry with no year ("n.d.") after the author's dated ones."""

    def person_key(self, person: Any) -> str:
        return _plain(super().person_key(person)).lower()

    def sorting_key(self, entry: Entry) -> tuple[str, str, str]:
        author, year, title = super().sorting_key(entry)
        return (author, year or "9999", _plain(title).lower())


class AuthorYearStyle(UnsrtStyle):
    """pybtex's ``plain`` (unsrt) layout, sorted and labelled author–year, titles as written."""

    default_sorting_style = AuthorYearSorting
    default_label_style = AuthorYearLabelStyle

    def format_title(self, e: Entry, which_field: str, as_sentence: bool = True) -> Any:
        title = field(which_field)
        return sentence[title] if as_sentence else title

    def format_entry(self, label: str, entry: Entry, bib_data: Any = None) -> Any:
        return super().format_entry(label, self.normalised(entry), bib_data=bib_data)

    @staticmethod
    def normalised(entry: Entry) -> Entry:
        """The entry with its month as a name and the date it was read spelled out."""
        fields = dict(entry.fields)
        if "month" in fields:
            fields["month"] = month_name(fields["month"])
        if "urldate" in fields:
            fields["urldate"] = long_date(fields["urldate"])
        if fields == dict(entry.fields):
            return entry
        copy = Entry(entry.type, fields=fields, persons=entry.persons)
        copy.key = entry.key
        return copy

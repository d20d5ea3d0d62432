"""The tables in ``data/``: the held-area estimates, the events and the places.

Each loader checks every row as it reads; the first bad cell raises ``DataError`` naming the
file, the row (row 1 is the first line after the header) and the column.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from kursk_edition import DATA
from kursk_edition.record.bibliography import load_bibliography
from kursk_edition.record.registry import registry
from kursk_edition.record.tables import Row, load_table

HELD_AREA = DATA / "kursk_held_area.csv"
HELD_AREA_COLUMNS = ("date", "km2", "claimant", "cite", "note")
EVENTS = DATA / "events.csv"
PLACES = DATA / "places.csv"
EVENT_CATEGORIES = ("military", "strikes", "diplomacy", "aid", "industry")
EVENT_COLUMNS = ("date", "category", "title", "paragraphs", "cite", "note")
PLACE_COLUMNS = ("place", "kind", "lat", "lon", "country", "cite", "note")
INCURSION_START = date(2024, 8, 6)
"""The first day of the incursion: no held-area estimate can be older."""


def load_held_area(path: str | Path = HELD_AREA, bib_keys: set[str] | None = None) -> pd.DataFrame:
    """Read and validate the held-area estimates.

    Checks: exactly the columns ``date, km2, claimant, cite, note``; ``date`` is ``YYYY-MM-DD``
    and not before 6 Aug 2024; ``km2`` is a finite number >= 0; ``claimant``, ``note`` and
    ``cite`` are non-empty; ``cite`` is a key of ``bib_keys`` (by default, of the project's
    ``references.bib``). The first problem raises :class:`DataError` naming the file,
    ``row N`` (N = 1 for the first line after the header) and the column.

    Returns a DataFrame sorted by date with columns ``date`` (datetime64), ``km2`` (float),
    ``claimant``, ``cite``, ``note`` and ``day`` (days since 6 Aug 2024).
    """
    if bib_keys is None:
        bib_keys = set(load_bibliography().entries)

    def parse(row: Row) -> dict[str, Any]:
        when = row.date("date")
        if when < INCURSION_START:
            raise row.error("date", f"{when} is before the incursion ({INCURSION_START})")
        cite = row.keys("cite", bib_keys)
        if len(cite) != 1:
            raise row.error("cite", "expected exactly one cite key")
        return {
            "date": when.isoformat(),
            "km2": row.number("km2", low=0),
            "claimant": row.text("claimant"),
            "cite": cite[0],
            "note": row.text("note"),
            "day": float((when - INCURSION_START).days),
        }

    frame = load_table(Path(path), HELD_AREA_COLUMNS, parse)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.sort_values(["date", "km2"], kind="stable").reset_index(drop=True)


def load_events(path: Path = EVENTS, cutoff: date | None = None) -> pd.DataFrame:
    """Dated events with a category, the ¶ ids they bear on, and cite keys; none may be later
    than ``cutoff`` (the scorecard's, which covers the events too)."""
    keys = set(load_bibliography().entries)
    paragraph_ids = {p.id for p in registry().paragraphs}

    def parse(row: Row) -> dict:
        when = row.date("date")
        if cutoff is not None and when > cutoff:
            raise row.error("date", f"{when} is after the scorecard's cutoff {cutoff}")
        return {
            "date": pd.Timestamp(when),
            "category": row.choice("category", EVENT_CATEGORIES),
            "title": row.text("title"),
            "paragraphs": row.keys("paragraphs", paragraph_ids, what="paragraph id"),
            "cite": row.keys("cite", keys),
            "note": row.text("note", required=False),
        }

    return load_table(path, EVENT_COLUMNS, parse).sort_values("date", kind="stable")


def load_places(path: Path = PLACES) -> pd.DataFrame:
    """Places the article names or the commentary relies on, with coordinates and a source."""
    keys = set(load_bibliography().entries)

    def parse(row: Row) -> dict:
        return {
            "place": row.text("place"),
            "kind": row.text("kind"),
            "lat": row.number("lat", -90, 90),
            "lon": row.number("lon", -180, 180),
            "country": row.text("country"),
            "cite": row.keys("cite", keys),
            "note": row.text("note", required=False),
        }

    return load_table(path, PLACE_COLUMNS, parse)

"""Hindsight data: the forecast scorecard, the events timeline and the places on the map.

Every loader validates as it reads; an error names the file, the row (or claim) and the field.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kursk_edition import DATA
from kursk_edition.errors import DataError
from kursk_edition.registry import Registry, load_bibliography, load_yaml, registry
from kursk_edition.tables import Row, load_table

ASSESSMENTS = DATA / "assessments.yml"
EVENTS = DATA / "events.csv"
PLACES = DATA / "places.csv"

VERDICTS = ("borne out", "partly borne out", "not borne out", "too early to tell")
TOPICS = ("military", "diplomacy", "aid", "industry", "politics")
EVENT_CATEGORIES = ("military", "strikes", "diplomacy", "aid", "industry")
EVENT_COLUMNS = ("date", "category", "title", "paragraphs", "cite", "note")
PLACE_COLUMNS = ("place", "kind", "lat", "lon", "country", "cite", "note")
# The article appeared in August 2024 (day unverified); evidence must postdate that month.
ARTICLE_MONTH_END = date(2024, 8, 31)


class Assessment(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    claim: str = Field(pattern=r"^p(0[1-9]|1[0-2])-c[0-9]+$")
    verdict: Literal["borne out", "partly borne out", "not borne out", "too early to tell"]
    as_of: date
    reasoning: str = Field(min_length=40)
    topic: Literal["military", "diplomacy", "aid", "industry", "politics"]
    cite: list[str] = Field(min_length=1)


class Scorecard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cutoff: date
    assessments: list[Assessment]

    def tally(self) -> dict[str, int]:
        return {v: sum(a.verdict == v for a in self.assessments) for v in VERDICTS}


def bib_dates() -> dict[str, date | None]:
    """Each bib entry's publication date, as precisely as its ``date``/``year``/``month`` allow
    (the last day of the month or year when the day is missing)."""
    months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    dates: dict[str, date | None] = {}
    for key, entry in load_bibliography().entries.items():
        fields = {k.lower(): v.strip() for k, v in entry.fields.items()}
        raw = fields.get("date", "")
        year, month, day = (raw.split("-") + ["", "", ""])[:3]
        year = year or fields.get("year", "")
        month = month or str(
            months.index(fields["month"][:3].lower()) + 1
            if fields.get("month", "")[:3].lower() in months
            else ""
        )
        try:
            y, m = int(year), int(month or 12)
            d = int(day) if day else (date(y + m // 12, m % 12 + 1, 1) - date.resolution).day
            dates[key] = date(y, m, d)
        except ValueError:
            dates[key] = None
    return dates


def load_scorecard(path: Path = ASSESSMENTS, reg: Registry | None = None) -> Scorecard:
    """The assessments: one per forecast claim, verdicts from the allowed set, each citing at
    least one source dated after the article."""
    reg = reg or registry()
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
        card = Scorecard.model_validate(data)
    except yaml.YAMLError as exc:
        raise DataError(path, "(syntax)", f"not valid YAML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first["loc"]
        where = None
        if len(loc) >= 2 and loc[0] == "assessments" and isinstance(loc[1], int):
            try:
                where = data["assessments"][loc[1]].get("claim")
            except (KeyError, IndexError, TypeError, AttributeError):
                where = f"assessment {loc[1] + 1}"
            loc = loc[2:]
        raise DataError(
            path, ".".join(map(str, loc)) or "(top level)", first["msg"], where=where
        ) from None

    forecasts = [c.id for c in reg.claims() if c.type == "forecast"]
    seen: dict[str, int] = {}
    for a in card.assessments:
        seen[a.claim] = seen.get(a.claim, 0) + 1
        if a.claim not in forecasts:
            raise DataError(path, "claim", "is not a forecast claim in the registry", where=a.claim)
    for claim in forecasts:
        if seen.get(claim, 0) != 1:
            raise DataError(
                path,
                "claim",
                f"forecast has {seen.get(claim, 0)} assessments; expected exactly 1",
                where=claim,
            )

    dates = bib_dates()
    for a in card.assessments:
        for key in a.cite:
            if key not in dates:
                raise DataError(path, "cite", f"unknown cite key {key!r}", where=a.claim)
        if not any((dates[k] or date.min) > ARTICLE_MONTH_END for k in a.cite):
            raise DataError(
                path,
                "cite",
                "no cited source is dated after the article (August 2024)",
                where=a.claim,
            )
        if a.as_of > card.cutoff:
            raise DataError(
                path, "as_of", f"{a.as_of} is after the cutoff {card.cutoff}", where=a.claim
            )
    return card


def load_events(path: Path = EVENTS) -> pd.DataFrame:
    """Dated events with a category, the ¶ ids they bear on, and cite keys."""
    keys = set(load_bibliography().entries)
    paragraph_ids = {p.id for p in registry().paragraphs}

    def parse(row: Row) -> dict:
        return {
            "date": pd.Timestamp(row.date("date")),
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


@functools.cache
def scorecard() -> Scorecard:
    return load_scorecard()

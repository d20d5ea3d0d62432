"""The updates and corrections log (``data/updates.yml``): every change to the record, dated,
with where a reader finds it, what changed and why."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kursk_edition import DATA
from kursk_edition.record.errors import DataError
from kursk_edition.record.files import load_model

UPDATES = DATA / "updates.yml"


class Update(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    date: date
    kind: Literal["correction", "update"]
    where: str = Field(min_length=3)
    what: str = Field(min_length=20)
    why: str = Field(min_length=20)


class UpdateLog(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    updates: list[Update] = Field(min_length=1)


def load_updates(path: Path = UPDATES) -> list[Update]:
    """The log's entries, newest first (in file order within a day)."""
    log = load_model(path, UpdateLog, "updates", "where")
    today = date.today()
    for number, entry in enumerate(log.updates, start=1):
        if entry.date > today:
            raise DataError(path, "date", f"{entry.date} is in the future", where=f"entry {number}")
    return sorted(log.updates, key=lambda entry: entry.date, reverse=True)

"""The CSV files in ``data/``: exact columns, typed cells, errors naming file, row and column."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from kursk_edition.record.errors import DataError
from kursk_edition.record.files import read_text

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Row:
    """One CSV row, with typed accessors that raise ``DataError`` naming the row and column."""

    def __init__(self, path: Path, position: int, cells: dict[str, str]) -> None:
        self.path, self.position, self.cells = path, position, cells

    def error(self, column: str, message: str) -> DataError:
        return DataError(self.path, column, message, where=f"row {self.position}")

    def text(self, column: str, required: bool = True) -> str:
        value = (self.cells.get(column) or "").strip()
        if required and not value:
            raise self.error(column, "empty")
        return value

    def date(self, column: str) -> date:
        value = self.text(column)
        if not ISO_DATE.match(value):
            raise self.error(column, f"expected YYYY-MM-DD, got {value!r}")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.error(column, f"not a calendar date: {value!r}") from None

    def number(self, column: str, low: float = -math.inf, high: float = math.inf) -> float:
        value = self.text(column)
        try:
            number = float(value)
        except ValueError:
            raise self.error(column, f"not a number: {value!r}") from None
        if not (math.isfinite(number) and low <= number <= high):
            raise self.error(column, f"{value} is outside [{low}, {high}]")
        return number

    def choice(self, column: str, allowed: Sequence[str]) -> str:
        value = self.text(column)
        if value not in allowed:
            raise self.error(column, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def keys(self, column: str, known: set[str] | None, what: str = "cite key") -> list[str]:
        """Space-separated keys, each checked against ``known`` when given."""
        keys = self.text(column).split()
        for key in keys:
            if known is not None and key not in known:
                raise self.error(column, f"unknown {what} {key!r}")
        return keys


def read_rows(path: Path, columns: Sequence[str]) -> Iterator[Row]:
    """Rows of a CSV whose header is exactly ``columns`` (row 1 is the first after the header)."""
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    header = reader.fieldnames or []
    for column in columns:
        if column not in header:
            raise DataError(path, column, "missing column", where="header")
    for extra in (c for c in header if c not in columns):
        raise DataError(
            path, extra, f"unexpected column (expected {', '.join(columns)})", where="header"
        )
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise DataError(path, "(syntax)", str(exc), where=f"line {reader.line_num}") from None
    if not rows:
        raise DataError(path, columns[0], "no data rows", where="header")
    for number, cells in enumerate(rows, start=1):
        if None in cells:  # csv puts surplus cells under the key None
            raise DataError(
                path,
                columns[-1],
                "more cells than columns (unquoted comma?)",
                where=f"row {number}",
            )
        yield Row(path, number, cells)


def load_table(path: Path, columns: Sequence[str], parse: Callable[[Row], dict[str, Any]]):
    """Parse every row with ``parse`` into a DataFrame; the first bad cell stops with an error."""
    import pandas as pd

    return pd.DataFrame.from_records([parse(row) for row in read_rows(path, columns)])

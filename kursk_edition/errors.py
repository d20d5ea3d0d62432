"""Errors that name the file and the field, so a broken input stops the build legibly."""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """Invalid data in a project file. The message names the file, the row or id, and the field."""

    def __init__(
        self, file: str | Path, field: str, message: str, *, where: str | None = None
    ) -> None:
        self.file = str(file)
        self.field = field
        self.where = where
        location = f"{self.file}"
        if where:
            location += f" [{where}]"
        super().__init__(f"{location}: field '{field}': {message}")

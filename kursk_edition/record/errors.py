"""The one error type for bad input: it names the file, where in it, and the field."""

from __future__ import annotations

from pathlib import Path


def one_line(text: str) -> str:
    """``text`` with its whitespace (newlines included) collapsed, so a message stays one line."""
    return " ".join(str(text).split())


class DataError(ValueError):
    """Invalid data in a project file.

    The message is one line, ``FILE [WHERE]: field 'FIELD': PROBLEM``, where WHERE is a row, a
    line, a paragraph or an entry key, so a person can open the file and fix it.
    """

    def __init__(
        self, file: str | Path, field: str, message: str, *, where: str | None = None
    ) -> None:
        self.file = str(file)
        self.field = field
        self.where = where
        location = self.file + (f" [{where}]" if where else "")
        super().__init__(f"{location}: field '{field}': {one_line(message)}")

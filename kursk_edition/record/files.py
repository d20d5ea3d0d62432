"""Reading the edition's files: UTF-8 text and YAML, with errors that name the file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from kursk_edition.record.errors import DataError

M = TypeVar("M", bound=BaseModel)
# libyaml's loader when PyYAML has it: the same documents, faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_text(path: Path) -> str:
    """The file's text; ``DataError`` if it is missing, empty or not valid UTF-8."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise DataError(path, "(file)", "missing") from None
    except OSError as exc:
        raise DataError(path, "(file)", f"cannot be read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            path, "(encoding)", f"not valid UTF-8 (byte {exc.start})", where=f"line {line}"
        ) from None
    if not text.strip():
        raise DataError(path, "(file)", "empty")
    return text


def load_yaml(path: Path) -> Any:
    """The file parsed as YAML (safe loader); a syntax error names its line."""
    text = read_text(path)
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise DataError(path, "(syntax)", f"not valid YAML: {problem}", where=where) from None
    if not isinstance(data, dict):
        raise DataError(path, "(top level)", "expected a mapping of fields")
    return data


def load_model(path: Path, model: type[M], items: str, key: str) -> M:
    """The YAML file checked against a pydantic ``model``; the first problem raises
    ``DataError`` naming the item (by its ``key`` field, within the list ``items``) and field."""
    data = load_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where, field = pydantic_location(data, first["loc"], items, key)
        raise DataError(path, field, first["msg"], where=where or None) from None


def pydantic_location(data: Any, loc: tuple[Any, ...], items: str, key: str) -> tuple[str, str]:
    """Turn a pydantic error location into (where, field).

    ``items`` is the list the location may run through (``paragraphs``) and ``key`` the field
    naming an item (``id``), so an error says ``[p07]`` rather than ``paragraphs.6``.
    """
    where = ""
    if len(loc) >= 2 and loc[0] == items and isinstance(loc[1], int):
        try:
            where = str(data[items][loc[1]].get(key) or "")
        except (KeyError, IndexError, TypeError, AttributeError):
            where = ""
        where = where or f"{items} item {loc[1] + 1}"
        loc = loc[2:]
    return where, ".".join(str(part) for part in loc) or "(top level)"

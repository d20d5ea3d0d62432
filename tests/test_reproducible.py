"""Two clean builds of the same commit give byte-identical HTML."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
from conftest import run_build

pytestmark = pytest.mark.build

# Files allowed to differ between two clean builds, and why. Keep this list short.
EXCUSED: dict[str, str] = {}


def differing_files(left: Path, right: Path) -> list[str]:
    names = sorted(
        {p.relative_to(left).as_posix() for p in left.rglob("*") if p.is_file()}
        | {p.relative_to(right).as_posix() for p in right.rglob("*") if p.is_file()}
    )
    return [
        name
        for name in names
        if not (
            (left / name).is_file()
            and (right / name).is_file()
            and filecmp.cmp(left / name, right / name, shallow=False)
        )
    ]


def test_two_clean_builds_are_identical(
    html_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    second = tmp_path_factory.mktemp("second-build")
    result = run_build(second, "html")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    differing = differing_files(html_dir, second / "_build" / "html")
    assert [name for name in differing if name not in EXCUSED] == []

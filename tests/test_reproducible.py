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


def test_math_images_have_their_glyphs_sorted(html_dir: Path) -> None:
    # dvisvgm's order follows memory layout, so it differed between checkouts in two folders.
    import base64
    import re

    found = 0
    for page in html_dir.rglob("*.html"):
        for encoded in re.findall(
            r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page.read_text()
        ):
            svg = base64.b64decode(encoded).decode("utf-8")
            defs = re.search(r"<defs>\n(.*?)\n</defs>", svg, re.S)
            if defs:
                found += 1
                lines = defs.group(1).split("\n")
                assert lines == sorted(lines), page.relative_to(html_dir)
    assert found > 0  # the models appendix has formulas


def test_a_build_from_the_execution_cache_matches_a_fresh_one(
    html_dir: Path, build_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Every chapter is read back from jupyter-cache here, not run: the pages must not depend on
    # which (a cached notebook's records once had their keys sorted, reordering data tables).
    import shutil

    third = tmp_path_factory.mktemp("cached-build")
    shutil.copytree(build_dir / "_build" / ".jupyter_cache", third / "_build" / ".jupyter_cache")
    result = run_build(third, "html")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Executing notebook" not in result.stdout + result.stderr  # all from the cache
    differing = differing_files(html_dir, third / "_build" / "html")
    assert [name for name in differing if name not in EXCUSED] == []

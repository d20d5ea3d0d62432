"""HTML validity: the Nu Html Checker (vnu-jar, pinned in package.json) over every built page.

Errors that our content causes fail the test. The few that come from Jupyter Book or the theme,
and that no file of ours can change, are listed in EXCUSED with the reason; an excuse that no
longer matches anything fails too, so the list only shrinks.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, toc_files

pytestmark = pytest.mark.build

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# (regex, reason). Each regex is matched against "page | message | extract", where page is the
# path under _build/html and extract is vnu's excerpt of the source around the error.
EXCUSED: list[tuple[str, str]] = [
    # None: our own index page replaces Jupyter Book's bare redirect, and the extension drops the
    # ids that the theme's hidden sidenote copies would repeat (kursk_edition/book/paragraphs.py).
]


def pages() -> list[str]:
    return ["index", *toc_files()]


@pytest.fixture(scope="module")
def vnu_errors(html_dir: Path) -> list[str]:
    """Every error vnu reports, as "page | message | extract"."""
    if shutil.which("java") is None:
        pytest.fail("java is missing: the Nu Html Checker needs a Java runtime (17 or newer)")
    if not VNU.is_file():
        pytest.fail(f"{VNU.relative_to(ROOT)} is missing: run `npm ci` in {ROOT} (vnu-jar)")
    files = [str(html_dir / f"{doc}.html") for doc in pages()]
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--errors-only", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    # vnu writes its JSON report to stderr and exits 1 when it found errors.
    assert result.returncode in (0, 1), result.stdout[-2000:] + result.stderr[-2000:]
    messages = json.loads(result.stderr)["messages"]
    errors = []
    for message in messages:
        assert message["type"] != "non-document-error", message
        if message["type"] != "error":
            continue
        page = Path(message["url"].removeprefix("file:")).relative_to(html_dir).as_posix()
        extract = " ".join(message.get("extract", "").split())
        errors.append(f"{page} | {message['message']} | {extract}")
    return errors


def excuse_for(error: str) -> str | None:
    for pattern, reason in EXCUSED:
        if re.search(pattern, error):
            return reason
    return None


def test_every_page_is_valid_html_apart_from_the_excused(vnu_errors: list[str]) -> None:
    ours = [error for error in vnu_errors if excuse_for(error) is None]
    assert not ours, "vnu errors:\n" + "\n".join(ours)


def test_every_excuse_is_still_needed(vnu_errors: list[str]) -> None:
    unused = [p for p, _ in EXCUSED if not any(re.search(p, e) for e in vnu_errors)]
    assert not unused, f"remove these excuses from EXCUSED, nothing matches them now: {unused}"

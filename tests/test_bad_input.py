"""Bad input stops the build loudly and loses nothing.

Each case breaks one input in a copy of the book, runs the build command there, and checks that
it exits non-zero, that its output names the file and the field or row, and that the site
published by the previous good build is untouched.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.build

IGNORE = shutil.ignore_patterns(
    ".venv", "_build", ".git", "node_modules", "__pycache__", ".*cache*", "*.egg-info"
)


def run_build(book: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        # The copy's own package, not the editable install of the original.
        "PYTHONPATH": str(book),
        "JUPYTER_BOOK": str(Path(sys.executable).with_name("jupyter-book")),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    return subprocess.run(
        [str(book / "scripts" / "build.sh"), "html"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def site_digest(site: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(site.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(site).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def good_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    book = tmp_path_factory.mktemp("bad-input") / "book"
    shutil.copytree(ROOT, book, ignore=IGNORE)
    result = run_build(book)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (book / "_build" / "first-build.log").write_text(result.stdout + result.stderr)
    return book


def replace(path: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def edit(book: Path) -> None:
        target = book / path
        text = target.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        target.write_text(text.replace(old, new, count), encoding="utf-8")

    return edit


def append(path: str, extra: str) -> Callable[[Path], None]:
    def edit(book: Path) -> None:
        target = book / path
        target.write_text(target.read_text(encoding="utf-8") + extra, encoding="utf-8")

    return edit


def csv_cell(path: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    def edit(book: Path) -> None:
        import csv

        target = book / path
        with target.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        rows[row - 1][column] = value
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    return edit


def write_bytes(path: str, content: bytes) -> Callable[[Path], None]:
    def edit(book: Path) -> None:
        (book / path).write_bytes(content)

    return edit


def insert_line(path: str, content: bytes) -> Callable[[Path], None]:
    """Insert a line after the file's first line."""

    def edit(book: Path) -> None:
        target = book / path
        target.write_bytes(target.read_bytes().replace(b"\n", b"\n" + content + b"\n", 1))

    return edit


def remove(path: str) -> Callable[[Path], None]:
    def edit(book: Path) -> None:
        (book / path).unlink()

    return edit


UNCITED = (
    "\n@misc{orphan2025,\n  title = {Orphan},\n  year = {2025},\n"
    "  url = {https://example.org/orphan},\n  urldate = {2026-11-25}\n}\n"
)
DUPLICATE_KEY = (
    "\n@misc{charap2024kursk,\n  title = {Twice},\n  year = {2024},\n"
    "  url = {https://example.org/twice},\n  urldate = {2026-11-25}\n}\n"
)
FAILING_CELL = '\n```{code-cell} ipython3\nraise RuntimeError("a deliberately broken cell")\n```\n'
BAD_PARAMETER = (
    "from kursk_edition.models.timing import TimingParams; TimingParams(reserve_pct=150)"
)

# (name, how to break the book, what the one line naming the problem must say)
CASES = [
    # The paragraph registry
    (
        "registry-missing-field",
        replace("data/paragraphs.yml", "  - id: p03\n    title:", "  - id: p03\n    label:"),
        r"paragraphs\.yml \[p03\]: field .(title|label).",
    ),
    (
        "registry-duplicate-id",
        replace("data/paragraphs.yml", "- id: p05", "- id: p04"),
        r"paragraphs\.yml \[p04\]: field 'id'",
    ),
    (
        "registry-long-quote",
        replace("data/paragraphs.yml", 'quote: "', 'quote: "' + "many " * 26),
        r"paragraphs\.yml \[p01\]: field 'quote'",
    ),
    (
        "registry-unknown-cite",
        replace("data/paragraphs.yml", "cite: [", "cite: [nosuchkey2099, "),
        r"paragraphs\.yml \[p01\]: field 'annotations\.cite'",
    ),
    (
        "registry-title-markup",
        replace(
            "data/paragraphs.yml",
            'title: "Two aims behind the Kursk surprise"',
            'title: "Two aims <script>alert(1)</script>"',
        ),
        r"paragraphs\.yml \[p01\]: field 'title': String should match pattern",
    ),
    (
        "registry-claim-type",
        replace("data/paragraphs.yml", "type: forecast", "type: prophecy"),
        r"paragraphs\.yml \[p\d\d\]: field 'claims\.\d+\.type'",
    ),
    (
        "registry-anchor-not-in-text",
        replace("data/paragraphs.yml", "anchor: ", "anchor: nowhere in the text "),
        r"paragraphs\.yml \[p\d\d\]: field 'annotations\.anchor'",
    ),
    (
        "registry-yaml-syntax",
        replace("data/paragraphs.yml", "  - id: p02\n", "  - id: [p02\n"),
        r"paragraphs\.yml \[line \d+\]: field '\(syntax\)'",
    ),
    (
        "registry-missing",
        remove("data/paragraphs.yml"),
        r"paragraphs\.yml: field '\(file\)': missing",
    ),
    # The bibliography
    (
        "bib-without-url",
        replace(
            "references.bib",
            "url          = {https://www1.project-syndicate",
            "howpublished2 = {https://www1.project-syndicate",
        ),
        r"references\.bib \[charap2024kursk\]: field 'url'",
    ),
    (
        "bib-uncited-entry",
        append("references.bib", UNCITED),
        r"references\.bib \[orphan2025\]: field '\(entry\)'",
    ),
    (
        "bib-duplicate-key",
        append("references.bib", DUPLICATE_KEY),
        r"references\.bib: field '\(entry key\)'.*charap2024kursk",
    ),
    (
        "bib-impossible-urldate",
        replace("references.bib", "urldate      = {2026-11-25}", "urldate      = {2026-02-30}"),
        r"references\.bib \[watling2024kursk\]: field 'urldate': not a calendar date",
    ),
    (
        "bib-impossible-date",
        replace("references.bib", "date         = {2024-06-12}", "date         = {2024-06-31}"),
        r"references\.bib \[abc2024bsa\]: field 'date': not a calendar date",
    ),
    (
        "bib-bad-month",
        replace("references.bib", "month        = {jun}", "month        = {juin}"),
        r"references\.bib \[abc2024bsa\]: field 'month'",
    ),
    (
        "bib-syntax",
        append("references.bib", "\n@misc{broken,\n  title = {Unclosed\n"),
        r"references\.bib( \[line \d+\])?: field '\(syntax\)'",
    ),
    (
        "bib-not-utf8",
        insert_line("references.bib", b"% r\xe9sum\xe9"),
        r"references\.bib \[line \d+\]: field '\(encoding\)': not valid UTF-8",
    ),
    # The source policy
    (
        "bib-url-under-two-keys",
        append(
            "references.bib",
            "\n@misc{twin2024,\n  title = {Twin},\n  year = {2024},\n  url = "
            "{https://www1.project-syndicate.org/commentary/ukraine-kursk-gambit-leverage-for-"
            "talks-end-to-war-by-samuel-charap-and-charles-a-kupchan-2024-09/},\n"
            "  urldate = {2026-11-25}\n}\n",
        ),
        r"references\.bib \[twin2024\]: field 'url': the same page as entry 'charap2024kursk'",
    ),
    (
        "bib-bare-ip-host",
        replace("references.bib", "https://www1.project-syndicate.org/", "http://192.0.2.7/", 1),
        r"references\.bib \[charap2024kursk\]: field 'url': a bare IP address",
    ),
    (
        "bib-staging-host",
        replace("references.bib", "www1.project-syndicate.org", "staging.project-syndicate.org"),
        r"references\.bib \[charap2024kursk\]: field 'url': a staging or CMS host",
    ),
    (
        "bib-aggregator-host",
        replace("references.bib", "www1.project-syndicate.org", "news.am1.news"),
        r"references\.bib \[charap2024kursk\]: field 'url': a machine-written aggregator",
    ),
    (
        "bib-copy-without-outlet",
        replace(
            "references.bib",
            "note         = {Exact day unverified; a syndicated copy",
            "note         = {Read via the copy at example.org. Exact day unverified; a copy",
        ),
        r"references\.bib \[charap2024kursk\]: field 'publisher': a copy's entry must name",
    ),
    # The tables
    (
        "held-area-negative",
        csv_cell("data/kursk_held_area.csv", 4, "km2", "-5"),
        r"kursk_held_area\.csv \[row 4\]: field 'km2'",
    ),
    (
        "held-area-impossible-date",
        csv_cell("data/kursk_held_area.csv", 10, "date", "2025-02-30"),
        r"kursk_held_area\.csv \[row 10\]: field 'date': not a calendar date",
    ),
    (
        "held-area-two-cites",
        csv_cell("data/kursk_held_area.csv", 2, "cite", "afp2024isw censor2024syrskyi"),
        r"kursk_held_area\.csv \[row 2\]: field 'cite'",
    ),
    (
        "events-bad-date",
        csv_cell("data/events.csv", 6, "date", "2025-13-01"),
        r"events\.csv \[row 6\]: field 'date'",
    ),
    (
        "events-unknown-category",
        csv_cell("data/events.csv", 3, "category", "weather"),
        r"events\.csv \[row 3\]: field 'category'",
    ),
    (
        "events-unknown-paragraph",
        csv_cell("data/events.csv", 2, "paragraphs", "p13"),
        r"events\.csv \[row 2\]: field 'paragraphs'",
    ),
    (
        "events-missing",
        remove("data/events.csv"),
        r"events\.csv: field '\(file\)': missing",
    ),
    (
        "events-not-utf8",
        insert_line(
            "data/events.csv", b"2024-08-07,military,R\xe9sum\xe9,p01,politico2024incursion,x"
        ),
        r"events\.csv \[line \d+\]: field '\(encoding\)': not valid UTF-8",
    ),
    (
        "places-latitude",
        csv_cell("data/places.csv", 3, "lat", "123"),
        r"places\.csv \[row 3\]: field 'lat'",
    ),
    (
        "places-empty",
        write_bytes("data/places.csv", b""),
        r"places\.csv: field '\(file\)': empty",
    ),
    (
        "places-missing-column",
        replace("data/places.csv", "place,kind,lat,lon", "place,kind,latitude,lon"),
        r"places\.csv \[header\]: field 'lat'",
    ),
    (
        "places-extra-cell",
        append("data/places.csv", "Kyiv,city,50.45,30.52,Ukraine,wikikursk,note,surplus\n"),
        r"places\.csv \[row \d+\]: field 'note': more cells than columns",
    ),
    # The scorecard
    (
        "assessment-verdict",
        replace("data/assessments.yml", "verdict: borne out", "verdict: maybe"),
        r"assessments\.yml \[p01-c3\]: field 'verdict'",
    ),
    (
        "assessment-impossible-date",
        replace("data/assessments.yml", 'as_of: "2025-12-10"', 'as_of: "2025-02-30"'),
        r"assessments\.yml \[p01-c3\]: field 'as_of'",
    ),
    (
        "assessment-after-cutoff",
        replace("data/assessments.yml", 'as_of: "2025-12-10"', 'as_of: "2026-09-10"'),
        r"assessments\.yml \[p01-c3\]: field 'as_of': .* is after the cutoff",
    ),
    (
        "assessment-yaml-syntax",
        replace("data/assessments.yml", "assessments:\n", "assessments:\n  - claim: [\n"),
        r"assessments\.yml \[line \d+\]: field '\(syntax\)'",
    ),
    (
        "assessment-empty",
        write_bytes("data/assessments.yml", b"\n"),
        r"assessments\.yml: field '\(file\)': empty",
    ),
    (
        "recommendation-on-forecast-scale",
        replace("data/assessments.yml", "verdict: partly acted on", "verdict: partly borne out"),
        r"assessments\.yml \[p09-c2\]: field 'verdict': 'partly borne out' is not on the "
        r"recommendation scale",
    ),
    (
        "forecast-with-followed",
        replace(
            "data/assessments.yml",
            "  - claim: p01-c3\n    verdict: borne out\n",
            "  - claim: p01-c3\n    verdict: borne out\n"
            '    followed: "A forecast has nothing that followed from it."\n',
        ),
        r"assessments\.yml \[p01-c3\]: field 'followed': only for a recommendation",
    ),
    (
        "event-after-cutoff",
        append("data/events.csv", "2027-01-05,military,A future event,p01,isw2024kursk,x\n"),
        r"events\.csv \[row \d+\]: field 'date': 2027-01-05 is after the scorecard's cutoff",
    ),
    # The updates log
    (
        "update-kind",
        replace("data/updates.yml", "    kind: correction", "    kind: rumour"),
        r"updates\.yml \[.+\]: field 'kind'",
    ),
    (
        "update-impossible-date",
        replace("data/updates.yml", 'date: "2026-12-01"', 'date: "2026-11-31"'),
        r"updates\.yml \[.+\]: field 'date'",
    ),
    # The chapters
    (
        "chapter-unknown-cite",
        replace("chapters/04-front-and-peace.md", "{cite:p}`kiel2024apr`", "{cite:p}`kiel2099`"),
        r"04-front-and-peace\.md \[line \d+\]: field '\{cite\}': unknown cite key 'kiel2099'",
    ),
    (
        "chapter-not-utf8",
        insert_line("chapters/04-front-and-peace.md", b"R\xe9sum\xe9"),
        r"04-front-and-peace\.md \[line \d+\]: field '\(encoding\)': not valid UTF-8",
    ),
    (
        "model-parameter",
        replace("chapters/03-timing.md", "chapters.timing_figures()", BAD_PARAMETER),
        r"03-timing\.md.*reserve_pct=150 is out of range",
    ),
    (
        "chapter-cell-raises",
        append("chapters/05-industry-winter.md", FAILING_CELL),
        r"05-industry-winter\.md.*a deliberately broken cell",
    ),
]


@pytest.mark.parametrize(("name", "edit", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_fails_loudly_and_keeps_the_site(
    good_book: Path, name: str, edit: Callable[[Path], None], message: str
) -> None:
    site = good_book / "_build" / "html"
    before = site_digest(site)
    saved = {
        p: p.read_bytes() for p in good_book.rglob("*") if p.is_file() and "_build" not in p.parts
    }
    try:
        edit(good_book)
        result = run_build(good_book)
    finally:
        for path, content in saved.items():
            path.write_bytes(content)
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"{name}: the build succeeded"
    # One line names the file and where in it: a person can act on it without the traceback.
    assert any(re.search(message, line) for line in output.splitlines()), (
        f"{name}: {output[-2500:]}"
    )
    assert site_digest(site) == before, f"{name}: the published site changed"


def test_an_unchanged_book_is_not_rebuilt_and_an_edit_is(good_book: Path) -> None:
    site = good_book / "_build" / "html"
    assert run_build(good_book).returncode == 0  # whatever earlier tests left, now built
    before = site_digest(site)
    again = run_build(good_book)
    assert again.returncode == 0 and "is up to date" in again.stdout
    assert site_digest(site) == before
    chapter = good_book / "chapters" / "04-front-and-peace.md"
    chapter.write_text(chapter.read_text(encoding="utf-8"), encoding="utf-8")  # newer, same text
    edited = run_build(good_book)
    assert edited.returncode == 0 and "is up to date" not in edited.stdout
    assert "build succeeded" in edited.stdout

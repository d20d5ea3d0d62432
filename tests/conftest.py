"""Shared fixtures: one strict HTML build (and one PDF build) per test session, in a temp folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from browser import CHROMIUM, CHROMIUM_ARGS, serve

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
STRICT = ["-n", "-W", "--keep-going"]


def toc_files() -> list[str]:
    """Every page in _toc.yml, in reading order, as paths without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def page_title(doc: str) -> str:
    """The first level-1 heading of a page's source."""
    for line in (ROOT / f"{doc}.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise AssertionError(f"{doc}.md has no level-1 heading")


def pdf_outline(pdf: Path) -> str:
    """The PDF's bookmarks, as pdftohtml's XML writes them (empty if it has none)."""
    xml = subprocess.run(
        ["pdftohtml", "-xml", "-i", "-stdout", "-q", str(pdf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return xml[xml.index("<outline>") :] if "<outline>" in xml else ""


def run_build(out: Path, builder: str, source: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # A plain `jupyter-book build`, without the flag the Makefile exports: the extension must
    # make its kernels book-build kernels by itself (no live widgets, no CDN renderer).
    env = {k: v for k, v in os.environ.items() if k != "KURSK_BOOK_BUILD"}
    if source != ROOT:  # a copy of the book builds with its own package and data
        env["PYTHONPATH"] = str(source)
    return subprocess.run(
        [
            str(JUPYTER_BOOK),
            "build",
            str(source),
            "--path-output",
            str(out),
            *STRICT,
            "--builder",
            builder,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("book")


@pytest.fixture(scope="session")
def html_dir(build_dir: Path) -> Path:
    result = run_build(build_dir, "html")
    # Kept for tests that read what the build reported (tests/test_execution.py).
    (build_dir / "html-build.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return build_dir / "_build" / "html"


@pytest.fixture(scope="session")
def pdf_path(build_dir: Path, html_dir: Path) -> Path:
    if shutil.which("xelatex") is None:
        pytest.fail("xelatex is missing: run `make test`, which installs the TeX packages")
    result = run_build(build_dir, "pdflatex")
    (build_dir / "pdf-build.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    pdf = build_dir / "_build" / "latex" / "book.pdf"
    assert pdf.is_file()
    return pdf


@pytest.fixture(scope="session")
def site_url(html_dir: Path):
    with serve(html_dir) as url:
        yield url


LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: run `make test`, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class PageProbe:
    """A page that refuses every non-loopback request and records it, and records console errors."""

    def __init__(self, browser) -> None:
        from urllib.parse import urlsplit

        self.context = browser.new_context(viewport={"width": 1280, "height": 1000})
        self.page = self.context.new_page()
        self.external: list[str] = []
        self.errors: list[str] = []

        def route(route) -> None:
            url = route.request.url
            host = urlsplit(url).hostname or ""
            if url.startswith(("data:", "blob:")) or host in {h.strip("[]") for h in LOOPBACK}:
                route.continue_()
            else:
                self.external.append(url)
                route.abort()

        self.page.route("**/*", route)
        self.page.on(
            "console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None
        )
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def probe(browser):
    page_probe = PageProbe(browser)
    yield page_probe
    page_probe.close()

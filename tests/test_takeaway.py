"""Take the edition away (issue 15): each chapter's notebook and the runnable edition's zip, linked
from every chapter page; the repository's address is one setting, and unset it shows nowhere."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, toc_files

from kursk_edition.book import takeaway

NOTEBOOK_DOCS = [d for d in toc_files() if takeaway.is_notebook(ROOT / f"{d}.md")]


def test_the_edition_zip_holds_what_make_lab_needs(tmp_path: Path) -> None:
    target = tmp_path / "edition.zip"
    takeaway.write_zip(ROOT, target)
    names = set(zipfile.ZipFile(target).namelist())
    needed = [
        "Makefile",
        "README.md",
        "pyproject.toml",
        "requirements-lab.txt",
        "lab/overrides.json",
        "jupytext.toml",
        "references.bib",
        "data/paragraphs.yml",
        "kursk_edition/chapters.py",
        "kursk_edition/charts/loader.js",
        "chapters/03-timing.md",
    ]
    for name in needed:
        assert f"kursk-edition/{name}" in names, name
    assert not any("/." in n.removeprefix("kursk-edition/.") or "_build/" in n for n in names)
    # The same files give the same bytes.
    again = tmp_path / "again.zip"
    takeaway.write_zip(ROOT, again)
    assert again.read_bytes() == target.read_bytes()


def test_outside_git_the_zip_skips_builds_and_environments(tmp_path: Path) -> None:
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "a.md").write_text("x", encoding="utf-8")
    for skipped in ("_build/x.html", ".venv-lab/bin/python", "pkg.egg-info/PKG-INFO"):
        (tmp_path / skipped).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / skipped).write_text("x", encoding="utf-8")
    assert takeaway.edition_files(tmp_path) == ["chapters/a.md"]


@pytest.mark.build
def test_every_notebook_chapter_page_offers_its_notebook_and_the_zip(html_dir: Path) -> None:
    assert (html_dir / takeaway.ZIP_NAME).is_file()
    for doc in NOTEBOOK_DOCS:
        page = (html_dir / f"{doc}.html").read_text(encoding="utf-8")
        notebook = takeaway.notebook_target(doc)
        assert f'href="../{notebook}" download' in page, doc
        assert f'href="../{takeaway.ZIP_NAME}" download' in page, doc
        cells = json.loads((html_dir / notebook).read_text(encoding="utf-8"))["cells"]
        assert cells and cells[0]["cell_type"] == "markdown", doc
        assert [c["id"] for c in cells] == [f"cell-{n}" for n in range(1, len(cells) + 1)]
    intro = (html_dir / "intro.html").read_text(encoding="utf-8")
    assert '<div class="kursk-takeaway">' not in intro  # not a notebook: no sidebar links


@pytest.mark.build
def test_unset_repository_address_leaves_no_trace(html_dir: Path) -> None:
    # _config.yml ships with kursk_repository_url empty: no sentence, no placeholder.
    for page in ("intro", "chapters/citing"):
        text = (html_dir / f"{page}.html").read_text(encoding="utf-8")
        assert "<repository>" not in text and "&lt;repository&gt;" not in text, page
        assert "clone the edition" not in text.lower(), page
        assert "The repository is at" not in text, page


@pytest.mark.parametrize("address", ["https://example.org/kursk-edition", ""])
def test_repository_directive_names_the_address_or_nothing(tmp_path: Path, address: str) -> None:
    from sphinx.application import Sphinx

    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text(
        'extensions = ["myst_parser", "kursk_edition.book.takeaway"]\n'
        f"kursk_repository_url = {address!r}\n",
        encoding="utf-8",
    )
    (source / "index.md").write_text(
        "# Title\n\nBefore.\n\n```{repository}\nThe repository is at <repository>.\n```\n",
        encoding="utf-8",
    )
    app = Sphinx(source, source, tmp_path / "out", tmp_path / "doctrees", "html", status=None)
    app.build()
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "Before." in page
    if address:
        assert f'<a class="reference external" href="{address}">{address}</a>' in page
    else:
        assert "repository" not in page.split("Before.", 1)[1].split("</section>", 1)[0]


def test_zip_entries_are_executable_only_where_the_file_is(tmp_path: Path) -> None:
    target = tmp_path / "edition.zip"
    takeaway.write_zip(ROOT, target)
    archive = zipfile.ZipFile(io.BytesIO(target.read_bytes()))
    modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
    assert modes["kursk-edition/scripts/build.sh"] == 0o755
    assert modes["kursk-edition/Makefile"] == 0o644

"""The chart-PDF maker reads chart specs from Sphinx's doctrees without importing Sphinx."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

from docutils import nodes
from docutils.utils import new_document

from kursk_edition import chart_pdfs
from kursk_edition.book import chart_node

SPEC = {"mark": "point", "data": {"values": [{"a": 1}]}, "description": "A test chart"}


class _NotebookLike(dict):
    """Like nbformat's NotebookNode: a dict subclass from outside docutils, in a doctree."""


def write_doctree(folder: Path, name: str, specs: list[dict]) -> None:
    document = new_document(name)
    section = nodes.section()
    section["notebook"] = _NotebookLike(cells=[1, 2])
    for spec in specs:
        section += nodes.paragraph(text="Before the chart.")
        section += chart_node(spec=spec)
    document += section
    # As Sphinx pickles doctrees (sphinx.builders.Builder.write_doctree).
    document.settings = document.reporter = document.transformer = None
    (folder / f"{name}.doctree").write_bytes(pickle.dumps(document, pickle.HIGHEST_PROTOCOL))


def test_specs_come_out_of_the_doctrees_in_order_without_sphinx(tmp_path: Path) -> None:
    write_doctree(tmp_path, "a", [SPEC, {**SPEC, "mark": "line"}])
    write_doctree(tmp_path, "b", [{**SPEC, "mark": "bar"}])
    (tmp_path / "broken.doctree").write_bytes(b"not a pickle")
    probe = (
        "import json, sys; from pathlib import Path;"
        "from kursk_edition.chart_pdfs import chart_specs;"
        f"specs = chart_specs(Path({str(tmp_path)!r}));"
        "print(json.dumps([specs, sorted(m for m in sys.modules if m.startswith('sphinx'))]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    specs, sphinx_modules = json.loads(result.stdout)
    assert [s["mark"] for s in specs] == ["point", "line", "bar"]
    assert specs[0] == SPEC
    assert sphinx_modules == []  # read with stand-ins, not Sphinx's classes
    assert "skipped" in result.stderr and "broken.doctree" in result.stderr


def test_maker_writes_the_writers_file_names_once(tmp_path: Path) -> None:
    doctrees, out = tmp_path / "doctrees", tmp_path / "latex"
    doctrees.mkdir()
    write_doctree(doctrees, "a", [SPEC, SPEC])
    assert chart_pdfs.make_ahead(doctrees, out) == 1
    made = out / chart_pdfs.pdf_name(SPEC)
    assert made.read_bytes().startswith(b"%PDF")
    before = made.stat().st_mtime_ns
    assert chart_pdfs.make_ahead(doctrees, out) == 0  # an existing figure is left alone
    assert made.stat().st_mtime_ns == before
    assert not list(out.glob("*.partial"))


def test_no_maker_means_no_wait(tmp_path: Path) -> None:
    # No lock held: the writer makes the figure itself at once.
    assert not chart_pdfs.maker_running(tmp_path)
    assert chart_pdfs.wait_for(tmp_path / "missing.pdf", tmp_path) is False
    (tmp_path / chart_pdfs.LOCK).touch()
    assert not chart_pdfs.maker_running(tmp_path)  # a lock file nobody holds
    # Nothing to read yet (no HTML build): nothing is started.
    assert chart_pdfs.start(tmp_path / "no-doctrees", tmp_path) is None


def test_writer_waits_for_a_running_maker(tmp_path: Path) -> None:
    doctrees, out = tmp_path / "doctrees", tmp_path / "latex"
    doctrees.mkdir()
    write_doctree(doctrees, "a", [SPEC])
    process = chart_pdfs.start(doctrees, out)
    assert process is not None
    try:
        second = chart_pdfs.start(doctrees, out)  # one maker at a time
        first_still_running = process.poll() is None
        if second is not None:
            second.wait(timeout=60)
        assert second is None or not first_still_running
        assert chart_pdfs.wait_for(out / chart_pdfs.pdf_name(SPEC), out)
    finally:
        process.wait(timeout=60)
    assert process.returncode == 0
    assert not chart_pdfs.maker_running(out)

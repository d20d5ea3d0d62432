"""Sphinx extension for the book build.

- Chapters are MyST Markdown notebooks. Their execution cache (jupyter-cache) keys on the code
  cells only, so a change to this package or to ``data/`` would leave stale outputs. The reader
  below stamps a fingerprint of those inputs into the notebook's kernelspec metadata, which the
  cache key includes, and Sphinx is told that each chapter depends on those files.
- Chart pages get the one vendored chart script; pages without charts load nothing extra.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import nbformat
from myst_nb.core.read import read_myst_markdown_notebook
from sphinx.application import Sphinx

from kursk_edition import DATA, ROOT, charts

PACKAGE = ROOT / "kursk_edition"
CHART_SCRIPT = "kursk/kursk-charts.js"


def execution_inputs(package: Path = PACKAGE, data: Path = DATA) -> list[Path]:
    """Files whose content can change what a chapter's cells output."""
    files = sorted(package.rglob("*.py")) + sorted(p for p in data.rglob("*") if p.is_file())
    return [p for p in files if "__pycache__" not in p.parts]


def inputs_fingerprint(package: Path = PACKAGE, data: Path = DATA) -> str:
    """A hash of the package code and the data, by path and content."""
    digest = hashlib.sha256()
    for path in execution_inputs(package, data):
        base = package if path.is_relative_to(package) else data
        digest.update(path.relative_to(base.parent).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def read_chapter(text: str) -> nbformat.NotebookNode:
    """Read a MyST notebook and stamp the inputs fingerprint into the cached metadata."""
    notebook = read_myst_markdown_notebook(text, add_source_map=True)
    if any(cell.cell_type == "code" for cell in notebook.cells):
        kernelspec = notebook.metadata.setdefault("kernelspec", {})
        kernelspec["kursk_inputs"] = inputs_fingerprint()
    return notebook


def _note_input_dependencies(app: Sphinx, docname: str, source: list[str]) -> None:
    # Sphinx re-reads a document when a noted dependency is newer than its last read.
    if "{code-cell}" in source[0]:
        for path in execution_inputs():
            app.env.note_dependency(str(path))


def _add_chart_script(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if charts.CHART_CLASS in context.get("body", ""):
        app.add_js_file(CHART_SCRIPT, type="module")


def _write_chart_script(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / CHART_SCRIPT
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(charts.javascript_bundle(), encoding="utf-8")


def _disable_thebe(app: Sphinx) -> None:
    """Jupyter Book always loads sphinx-thebe, which points every page at a CDN (and declares
    THEBE_JS_URL twice on incremental builds). The edition runs no remote kernels, so drop it."""
    for event in ("env-before-read-docs", "doctree-resolved"):
        app.events.listeners[event] = [
            listener
            for listener in app.events.listeners[event]
            if not getattr(listener.handler, "__module__", "").startswith("sphinx_thebe")
        ]


def setup(app: Sphinx) -> dict[str, Any]:
    _disable_thebe(app)
    app.connect("source-read", _note_input_dependencies)
    app.connect("html-page-context", _add_chart_script)
    app.connect("build-finished", _write_chart_script)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}

"""How the book reads a chapter: a MyST Markdown notebook, stamped with what its outputs depend on.

myst-nb executes chapters through jupyter-cache (``execute_notebooks: cache``), whose key covers
the notebook's code cells and metadata, not the package or ``data/`` that the cells read.
:func:`read_chapter`, the reader registered with ``nb_custom_formats``, stamps a fingerprint of
both into the notebook's kernelspec metadata, so a change there re-executes the chapter.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat

from kursk_edition import DATA, ROOT

PACKAGE = ROOT / "kursk_edition"


def execution_inputs(package: Path = PACKAGE, data: Path = DATA) -> list[Path]:
    """Files whose content can change what a chapter's cells output."""
    files = sorted(package.rglob("*")) + sorted(data.rglob("*"))
    return [p for p in files if p.is_file() and "__pycache__" not in p.parts]


def inputs_fingerprint(package: Path = PACKAGE, data: Path = DATA) -> str:
    """A hash of the package code and the data, by path and content."""
    digest = hashlib.sha256()
    for path in execution_inputs(package, data):
        base = package if path.is_relative_to(package) else data
        digest.update(path.relative_to(base.parent).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def has_code(notebook: nbformat.NotebookNode) -> bool:
    return any(cell.cell_type == "code" for cell in notebook.cells)


def read_chapter(text: str) -> nbformat.NotebookNode:
    """Read a MyST notebook and stamp the inputs fingerprint into its metadata."""
    from myst_nb.core.read import read_myst_markdown_notebook

    notebook = read_myst_markdown_notebook(text, add_source_map=True)
    if has_code(notebook):
        notebook.metadata.setdefault("kernelspec", {})["kursk_inputs"] = inputs_fingerprint()
    else:
        # Nothing to run: without this, jupyter-cache starts a kernel for an empty notebook.
        notebook.metadata["mystnb"] = {"execution_mode": "off"}
    return notebook

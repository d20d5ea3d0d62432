"""Every chapter runs top to bottom as a plain notebook (jupytext, then nbclient)."""

from __future__ import annotations

import os

import jupytext
import nbclient
import pytest
from conftest import ROOT, toc_files

pytestmark = pytest.mark.notebook


def notebook_chapters() -> list[str]:
    return [doc for doc in toc_files() if "{code-cell}" in (ROOT / f"{doc}.md").read_text()]


@pytest.mark.parametrize("doc", notebook_chapters())
def test_chapter_runs_as_plain_notebook(doc: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A reader's notebook is not the book build.
    monkeypatch.delenv("KURSK_BOOK_BUILD", raising=False)
    path = ROOT / f"{doc}.md"
    notebook = jupytext.read(path)
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
    assert os.environ.get("KURSK_BOOK_BUILD") is None

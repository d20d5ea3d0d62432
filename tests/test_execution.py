"""How the build runs the chapters: ahead of reading, in parallel, kernels stopped at once."""

from __future__ import annotations

from pathlib import Path

import nbformat
from jupyter_cache.executors.utils import ExecutionResult

from kursk_edition import ROOT, book, execution

CHAPTER = "# A chapter\n\n```{code-cell} ipython3\nprint(6 * 7)\n```\n"


def fake_execute(notebook: nbformat.NotebookNode, **kwargs) -> ExecutionResult:
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text="ran ahead\n")]
    notebook.metadata["language_info"] = {"name": "python"}
    return ExecutionResult(notebook, kwargs["cwd"], 1.5, None, None)


def test_key_ignores_random_cell_ids_but_not_code_or_place() -> None:
    first, second = book.read_chapter(CHAPTER), book.read_chapter(CHAPTER)
    assert first.cells[0].id != second.cells[0].id
    assert execution.notebook_key(first, "/a") == execution.notebook_key(second, "/a")
    assert execution.notebook_key(first, "/a") != execution.notebook_key(first, "/b")
    changed = book.read_chapter(CHAPTER.replace("6 * 7", "6 * 8"))
    assert execution.notebook_key(changed, "/a") != execution.notebook_key(first, "/a")


def test_runner_hands_a_finished_run_to_the_identical_notebook_once() -> None:
    runner = execution.AheadOfTimeRunner(2, fake_execute)
    try:
        runner.submit(book.read_chapter(CHAPTER), "/a", timeout=10, allow_errors=False)
        asked = book.read_chapter(CHAPTER)
        result = runner.take(asked, "/a")
        assert result is not None and result.nb is asked and result.time == 1.5
        assert asked.cells[-1].outputs[0].text == "ran ahead\n"
        assert asked.metadata.language_info.name == "python"
        assert runner.take(book.read_chapter(CHAPTER), "/a") is None
        other = book.read_chapter(CHAPTER.replace("6 * 7", "1"))
        assert runner.take(other, "/a") is None
    finally:
        runner.close()


def test_a_failed_run_keeps_its_error_for_myst_nb() -> None:
    def failing(notebook, **kwargs):
        return ExecutionResult(notebook, kwargs["cwd"], 0.1, RuntimeError("boom"), "Traceback")

    runner = execution.AheadOfTimeRunner(1, failing)
    try:
        runner.submit(book.read_chapter(CHAPTER), "/a", timeout=10, allow_errors=False)
        result = runner.take(book.read_chapter(CHAPTER), "/a")
        assert isinstance(result.err, RuntimeError) and result.exc_string == "Traceback"
    finally:
        runner.close()


def test_a_real_kernel_runs_and_stops() -> None:
    notebook = book.read_chapter(CHAPTER)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    result = execution.execute_now(notebook, cwd=str(ROOT), timeout=60, allow_errors=False)
    assert result.err is None
    assert result.nb.cells[-1].outputs[0].text == "42\n"


def test_prose_only_pages_start_no_kernel() -> None:
    assert book.read_chapter("# Prose\n\nOnly prose.\n").metadata.mystnb == {
        "execution_mode": "off"
    }
    assert "mystnb" not in book.read_chapter(CHAPTER).metadata


def test_the_build_routes_myst_nb_through_the_runner(html_dir: Path, build_dir: Path) -> None:
    log = (build_dir / "html-build.log").read_text(encoding="utf-8")
    code_pages = [
        path
        for path in sorted((ROOT / "chapters").glob("*.md"))
        if "{code-cell}" in path.read_text()
    ]
    assert f"executing {len(code_pages)} notebook(s) ahead of reading" in log
    for path in code_pages:
        assert f"{path.name}: Executed notebook" in log
    # Every run started ahead was handed to myst-nb: none was executed twice.
    n = len(code_pages)
    assert f"{n} of {n} notebook(s) executed ahead of reading were used" in log


def test_kernels_are_stopped_without_waiting(monkeypatch) -> None:
    seen = {}
    monkeypatch.setattr(execution, "single_nb_execution", lambda nb, **kw: seen.update(kw))
    execution.execute_now(book.read_chapter(CHAPTER), cwd="/a", timeout=5, allow_errors=False)
    assert seen["shutdown_kernel"] == "immediate"

"""How the build runs the chapters: ahead of reading, in a runner process, in forked kernels."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from kursk_edition import ROOT, ahead, charts, execution, kernels, notebooks

CHAPTER = "# A chapter\n\n```{code-cell} ipython3\nprint(6 * 7)\n```\n"
# What a chapter's kernel can see of itself: where it runs, what it was left by others.
PROBE = """# A probe

```{code-cell} ipython3
import gc, json, os, sys
print(os.getcwd())
print(json.dumps(sys.path))
print("leftover" in globals())
print(gc.isenabled())
leftover = 1
```
"""
FAILING = "# Broken\n\n```{code-cell} ipython3\nraise ValueError('a broken cell')\n```\n"


def small_book(root: Path, chapters: dict[str, str]) -> Path:
    """A book with the given chapters, executed with the edition's settings."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "_config.yml").write_text(
        "execute:\n  execute_notebooks: cache\n  timeout: 60\n  allow_errors: false\n"
    )
    names = list(chapters)
    toc = {"format": "jb-book", "root": names[0]}
    if names[1:]:
        toc["chapters"] = [{"file": f"ch/{name}"} for name in names[1:]]
    (root / "_toc.yml").write_text(json.dumps(toc))  # JSON is YAML
    (root / "ch").mkdir(exist_ok=True)
    for number, (name, text) in enumerate(chapters.items()):
        path = root / (f"{name}.md" if number == 0 else f"ch/{name}.md")
        path.write_text(text)
    return root


def run_runner(root: Path, cache: Path, token: str, fork: bool = True) -> None:
    env = {**os.environ, ahead.TOKEN_VAR: token, ahead.FORK_VAR: "1" if fork else "0"}
    subprocess.run(
        [sys.executable, "-m", "kursk_edition.ahead", str(root), str(cache)],
        env=env,
        check=True,
        timeout=180,
    )


def read(root: Path, relative: str) -> tuple[nbformat.NotebookNode, str]:
    path = root / relative
    return notebooks.read_chapter(path.read_text()), str(path.parent)


def test_key_ignores_random_cell_ids_but_not_code_or_place() -> None:
    first, second = notebooks.read_chapter(CHAPTER), notebooks.read_chapter(CHAPTER)
    assert first.cells[0].id != second.cells[0].id
    assert notebooks.notebook_key(first, "/a") == notebooks.notebook_key(second, "/a")
    assert notebooks.notebook_key(first, "/a") != notebooks.notebook_key(first, "/b")
    changed = notebooks.read_chapter(CHAPTER.replace("6 * 7", "6 * 8"))
    assert notebooks.notebook_key(changed, "/a") != notebooks.notebook_key(first, "/a")


def test_prose_only_pages_start_no_kernel() -> None:
    assert notebooks.read_chapter("# Prose\n\nOnly prose.\n").metadata.mystnb == {
        "execution_mode": "off"
    }
    assert "mystnb" not in notebooks.read_chapter(CHAPTER).metadata


def test_the_runner_plans_the_toc_pages_with_code_in_order(tmp_path: Path) -> None:
    root = small_book(tmp_path / "book", {"intro": "# Intro\n\nProse.\n", "a": CHAPTER, "b": PROBE})
    jobs = ahead.plan(root, tmp_path / "cache")
    assert [cwd for _key, _nb, cwd in jobs] == [str(root / "ch")] * 2
    assert [nb.cells[-1].source for _k, nb, _c in jobs] == [
        notebooks.read_chapter(CHAPTER).cells[-1].source,
        notebooks.read_chapter(PROBE).cells[-1].source,
    ]
    assert ahead.execute_settings(root) == {"mode": "cache", "timeout": 60, "allow_errors": False}


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "launched"])
def test_the_runner_leaves_each_run_for_the_identical_notebook(tmp_path: Path, fork) -> None:
    chapters = {"intro": CHAPTER, "probe": PROBE, "probe2": PROBE + "\nMore prose.\n"}
    root = small_book(tmp_path / "book", chapters)
    cache = tmp_path / "_build" / ".jupyter_cache"
    run_runner(root, cache, "t1", fork=fork)
    runs = ahead.AheadRuns.attach(cache, "t1")
    assert runs is not None and not runs.running()
    assert ahead.AheadRuns.attach(cache, "another-build") is None

    notebook, cwd = read(root, "intro.md")
    run = runs.take(notebook, cwd)
    assert run is not None and run.error is None
    assert run.notebook.cells[-1].outputs[0].text == "42\n"
    assert run.notebook.metadata.language_info.name == "python"
    assert runs.take(*read(root, "intro.md")) is None  # handed over once

    # Each chapter runs in its own folder, in a namespace of its own.
    folder = str((root / "ch").resolve())
    for name in ("probe", "probe2"):
        probe = runs.take(*read(root, f"ch/{name}.md"))
        code = [cell for cell in probe.notebook.cells if cell.cell_type == "code"]
        lines = code[-1].outputs[0].text.splitlines()
        assert lines[0] == folder and lines[2] == "False"
    assert runs.taken == 3
    assert runs.compiled_charts() == {}  # these notebooks draw no chart
    other = notebooks.read_chapter(CHAPTER.replace("6 * 7", "1"))
    assert runs.take(other, cwd) is None


def test_a_forked_kernel_sees_what_a_launched_one_sees(tmp_path: Path) -> None:
    seen = []
    for fork in (True, False):
        root = small_book(tmp_path / f"book-{fork}", {"probe": PROBE})
        cache = root / "_build" / ".jupyter_cache"
        run_runner(root, cache, "t", fork=fork)
        run = ahead.AheadRuns.attach(cache, "t").take(*read(root, "probe.md"))
        seen.append(run.notebook.cells[-1].outputs[0].text.replace(str(root), "BOOK"))
    assert seen[0] == seen[1]
    assert json.loads(seen[0].splitlines()[1]).count("") == 1  # as IPython sets it up


def test_a_failed_run_keeps_its_error_and_traceback(tmp_path: Path) -> None:
    root = small_book(tmp_path / "book", {"broken": FAILING})
    cache = tmp_path / "_build" / ".jupyter_cache"
    run_runner(root, cache, "t2")
    run = ahead.AheadRuns.attach(cache, "t2").take(*read(root, "broken.md"))
    assert isinstance(run.error, CellExecutionError)
    assert "a broken cell" in run.traceback
    # What myst-nb is handed: its own result type, with the error for its report.
    result = execution._result(run, "/a")
    assert isinstance(result.err, CellExecutionError) and result.exc_string == run.traceback


def test_a_reader_stops_waiting_when_the_runner_dies(tmp_path: Path) -> None:
    folder = ahead.runs_folder(tmp_path / "cache", "t3")
    folder.mkdir(parents=True)
    notebook = notebooks.read_chapter(CHAPTER)
    key = notebooks.notebook_key(notebook, "/a")
    (folder / ahead.PLAN).write_text(json.dumps({"token": "t3", "keys": [key]}))
    (folder / ahead.LOCK).write_text("")
    runs = ahead.AheadRuns.attach(tmp_path / "cache", "t3")
    assert not runs.running() and runs.take(notebook, "/a") is None

    with (folder / ahead.LOCK).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a live runner
        assert runs.running()
        (folder / f"{key}.failed").write_text("")  # ... that could not run this notebook
        assert runs.take(notebook, "/a") is None
        (folder / f"{key}.failed").unlink()
        run = notebooks.Run(notebook, 0.5)
        (folder / f"{key}.pickle").write_bytes(pickle.dumps(run))
        assert runs.take(notebook, "/a").seconds == 0.5
        (folder / f"{key}{ahead.CHARTS}").write_bytes(pickle.dumps({"digest": {"vega": 1}}))
        assert runs.compiled_charts() == {"digest": {"vega": 1}}


CHART_CHAPTER = """# A chart

```{code-cell} ipython3
import altair as alt
from kursk_edition.charts import use_book_renderer
use_book_renderer(force=True)
alt.Chart(alt.InlineData(values=[{"x": 1}, {"x": 2}])).mark_point().encode(x="x:Q")
```
"""


def test_the_runner_compiles_each_runs_charts_in_a_process_of_its_own(tmp_path: Path) -> None:
    root = small_book(tmp_path / "book", {"intro": CHAPTER, "chart": CHART_CHAPTER})
    cache = root / "_build" / ".jupyter_cache"
    run_runner(root, cache, "t4")
    runs = ahead.AheadRuns.attach(cache, "t4")
    run = runs.take(*read(root, "ch/chart.md"))
    (spec,) = charts.chart_outputs(run.notebook).values()
    assert runs.compiled_charts() == {charts.spec_digest(spec): charts.vega_spec(spec)}


def test_the_chart_compiler_leaves_out_what_vl_convert_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = {"mark": "point"}, {"mark": "no such mark"}
    requests = io.BytesIO(pickle.dumps(("k1", {"good": good, "bad": bad})))
    ahead.compile_charts(tmp_path, requests)
    compiled = pickle.loads((tmp_path / f"k1{ahead.CHARTS}").read_bytes())
    assert compiled == {"good": charts.vega_spec(good)}  # Sphinx compiles "bad", and fails there
    assert "could not compile a chart" in capsys.readouterr().err


def test_a_forked_kernel_is_gone_once_its_notebook_has_run(tmp_path: Path) -> None:
    # In a child process: this test process may have threads, and kernels are forked only
    # from a process that has none.
    code = """
import json, os, sys
from kursk_edition import kernels, notebooks
notebook = notebooks.read_chapter(open(sys.argv[1]).read())
kernels.warm_up([notebook])
kernel = kernels.ForkedKernel.start(sys.argv[2])
# Unix sockets, not TCP ports another process could take before the kernel binds them.
print(json.loads(kernel.connection_file.read_text())["transport"])
run = notebooks.run_notebook(notebook, sys.argv[2], 60, False, kernel)
try:
    os.kill(kernel.process.pid, 0)
    alive = True
except ProcessLookupError:
    alive = False
print(run.notebook.cells[-1].outputs[0].text.strip(), alive, kernel.connection_file.parent.exists())
"""
    chapter = tmp_path / "a.md"
    chapter.write_text(CHAPTER)
    result = subprocess.run(
        [sys.executable, "-c", code, str(chapter), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.split() == ["ipc", "42", "False", "False"]


def test_warm_up_imports_what_the_chapters_import() -> None:
    notebook = notebooks.read_chapter(
        "# x\n\n```{code-cell} ipython3\n%matplotlib inline\nimport json\n"
        "from kursk_edition import palette\nfrom os.path import join\nfrom . import nothing\n```\n"
    )
    names = kernels.imported_modules(notebook)
    assert names == [
        "json",
        "kursk_edition",
        "kursk_edition.palette",
        "os.path",
        "os.path.join",
    ]
    assert kernels.warm_up([notebook]) == []  # os.path.join is a function, not a module
    assert "kursk_edition.palette" in sys.modules


# In a fresh interpreter: how many class-based traits of the client side still name their class
# by a string, before and after resolve_trait_classes, and whether a manager and client are made.
UNRESOLVED = """
import jupyter_client.manager, nbclient
from kursk_edition import kernels

before = len(kernels.unresolved_traits())
kernels.resolve_trait_classes()
manager = jupyter_client.manager.AsyncKernelManager(kernel_name="python3")
manager.client()
print(before, len(kernels.unresolved_traits()))
"""


def test_the_client_side_classes_are_resolved_before_the_runner_starts_threads() -> None:
    # traitlets resolves these lazily and without a lock: two threads making their first kernel
    # clients at once once failed with "import_item accepts strings, not <class ...>".
    result = subprocess.run(
        [sys.executable, "-c", UNRESOLVED], capture_output=True, text=True, check=True
    )
    before, after = map(int, result.stdout.split())
    assert before > 0 and after == 0


def test_a_forked_kernel_is_stopped_even_if_its_client_cannot_be_made() -> None:
    class Kernel:
        stopped = False

        def manager(self) -> None:
            raise TypeError("import_item accepts strings, not <class 'type'>")

        def stop(self) -> None:
            self.stopped = True

    kernel = Kernel()
    notebook = notebooks.read_chapter(CHAPTER)
    with pytest.raises(TypeError):
        notebooks.run_notebook(notebook, str(ROOT), 60, False, kernel)  # type: ignore[arg-type]
    assert kernel.stopped


def test_without_a_runner_myst_nb_executes_here_with_the_kernel_killed() -> None:
    notebook = notebooks.read_chapter(CHAPTER)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    result = execution.execute_now(notebook, cwd=str(ROOT), timeout=60, allow_errors=False)
    assert result.err is None
    assert result.nb.cells[-1].outputs[0].text == "42\n"


def test_the_build_routes_myst_nb_through_the_runner(html_dir: Path, build_dir: Path) -> None:
    log = (build_dir / "html-build.log").read_text(encoding="utf-8")
    code_pages = [
        path
        for path in sorted((ROOT / "chapters").glob("*.md"))
        if "{code-cell}" in path.read_text()
    ]
    n = len(code_pages)
    # A plain `jupyter-book build` starts its own runner; scripts/build.sh starts one earlier
    # (tests/test_bad_input.py checks that).
    assert f"executing {n} notebook(s) ahead of reading" in log
    for path in code_pages:
        assert f"{path.name}: Executed notebook" in log
    # Every run started ahead was handed to myst-nb: none was executed twice.
    assert f"{n} of {n} notebook(s) executed ahead of reading were used" in log
    assert not list((build_dir / "_build" / ".kursk-ahead").glob("*/*"))

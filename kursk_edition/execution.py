"""How the book build runs the chapters' notebooks: ahead of time, in parallel, and briefly.

myst-nb (``execute_notebooks: cache``) executes a notebook when Sphinx reads it, so a clean
build waits for one kernel after another while the machine's other cores idle. Here the
notebooks run in a separate process (:mod:`kursk_edition.ahead`), one per core: started by
``scripts/build.sh`` together with Sphinx, or by this module as soon as Sphinx knows which
documents it will read (``env-before-read-docs``). Pages that wait for a kernel are read last,
so Sphinx reads the others meanwhile. When myst-nb then asks jupyter-cache to execute a
notebook, it is handed the runner's run of the identical notebook instead, and caches and renders
it as usual: errors, tracebacks and the cache behave exactly as without this module. A notebook
the runner did not run is executed here, the same way. Before Sphinx writes the pages, it takes
the runner's charts compiled to Vega (``write-started``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.executors.utils import ExecutionResult
from myst_nb.core.execute import cache as myst_nb_cache
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from kursk_edition import charts
from kursk_edition.ahead import TOKEN_VAR, AheadRuns
from kursk_edition.notebooks import Run, run_notebook, to_execute

LOGGER = logging.getLogger(__name__)

_runs: AheadRuns | None = None
_pending = 0


def _result(run: Run, cwd: str) -> ExecutionResult:
    return ExecutionResult(run.notebook, cwd, run.seconds, run.error, run.traceback)


def execute_now(
    notebook: nbformat.NotebookNode,
    cwd: str,
    timeout: int | None,
    allow_errors: bool,
    **_: Any,
) -> ExecutionResult:
    """Execute here and now, as :mod:`kursk_edition.ahead` does (kernel killed at the end)."""
    return _result(run_notebook(notebook, cwd, timeout, allow_errors), cwd)


def _execute_for_myst_nb(
    notebook: nbformat.NotebookNode, cwd: str, **kwargs: Any
) -> ExecutionResult:
    run = _runs.take(notebook, cwd) if _runs is not None else None
    if run is None:
        return execute_now(notebook, cwd=cwd, **kwargs)
    # myst-nb renders and caches the notebook object it passed in, so fill that one.
    notebook.cells = run.notebook.cells
    notebook.metadata = run.notebook.metadata
    return _result(Run(notebook, run.seconds, run.error, run.traceback), cwd)


def _uncached_code_pages(env: BuildEnvironment, docnames: list[str]) -> list[str]:
    """The documents whose notebooks myst-nb would execute in this build."""
    formats = env.app.config.nb_custom_formats or {}
    if ".md" not in formats:
        return []
    cache = get_cache(env.mystnb_config.execution_cache_path)
    return [
        docname
        for docname in docnames
        if (path := Path(env.doc2path(docname))).suffix == ".md"
        and to_execute(path.read_text(encoding="utf-8"), cache) is not None
    ]


def _start_runs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    global _runs, _pending
    config = env.mystnb_config
    if config.execution_mode != "cache" or not docnames:
        return
    pending = _uncached_code_pages(env, docnames)
    if not pending:
        return
    _pending = len(pending)
    # Read the pages that wait for a kernel last; Sphinx reads the others while kernels run.
    docnames[:] = [d for d in docnames if d not in pending] + pending
    cache_dir = config.execution_cache_path
    _runs = AheadRuns.attach(cache_dir, os.environ.get(TOKEN_VAR))
    if _runs is None:
        _runs = AheadRuns.start(app.srcdir, cache_dir)
        LOGGER.info(f"executing {len(pending)} notebook(s) ahead of reading")
    else:
        LOGGER.info(f"{len(pending)} notebook(s) executing ahead since the build began")


def _collect_compiled_charts(app: Sphinx, builder: Any) -> None:
    if _runs is not None:
        charts.remember_compiled(_runs.compiled_charts())


def _stop_runs(app: Sphinx, exception: Exception | None) -> None:
    global _runs
    if _runs is not None:
        LOGGER.info(f"{_runs.taken} of {_pending} notebook(s) executed ahead of reading were used")
        _runs.close()
        _runs = None


def setup(app: Sphinx) -> None:
    """Called from ``kursk_edition.book.setup``."""
    myst_nb_cache.single_nb_execution = _execute_for_myst_nb
    app.connect("env-before-read-docs", _start_runs)
    app.connect("write-started", _collect_compiled_charts)
    app.connect("build-finished", _stop_runs)

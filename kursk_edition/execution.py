"""How the book build runs the chapters' notebooks: ahead of time, in parallel, and briefly.

myst-nb (``execute_notebooks: cache``) executes a notebook when Sphinx reads it, so a clean
build waits for one kernel after another while the machine's other cores idle. Here, as soon as
Sphinx knows which documents it will read (``env-before-read-docs``), every one of them that has
code cells and no cached outputs starts executing on a small thread pool; the work itself happens
in the kernel processes. When myst-nb then asks jupyter-cache to execute a notebook, it is handed
the finished run of the identical notebook instead, and caches and renders it as usual: errors,
tracebacks and the cache behave exactly as without this module.

Kernels are also shut down at once when their last cell has run. With nbclient's default graceful
shutdown, ipykernel (6.31 and 7.4 alike) sometimes hangs while closing its control thread, and
jupyter_client waits 2.5 s before terminating it: 3-4 s lost on about one chapter in four.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.executors.utils import ExecutionResult, single_nb_execution
from myst_nb.core.execute import cache as myst_nb_cache
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)


def notebook_key(notebook: nbformat.NotebookNode, cwd: str | Path) -> str:
    """Identifies one run: the notebook before execution (but for its random cell ids) and
    where it runs."""
    cells = [{k: v for k, v in cell.items() if k != "id"} for cell in notebook.cells]
    content = {"cells": cells, "metadata": notebook.metadata}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode())
    digest.update(str(Path(cwd).resolve()).encode())
    return digest.hexdigest()


class AheadOfTimeRunner:
    """Executes notebooks on worker threads and hands each result over once, by key."""

    def __init__(self, workers: int, execute: Callable[..., ExecutionResult]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kursk-nb")
        self._execute = execute
        self._runs: dict[str, Future[ExecutionResult]] = {}
        self.submitted = 0
        self.taken = 0

    def submit(
        self, notebook: nbformat.NotebookNode, cwd: str, timeout: int | None, allow_errors: bool
    ) -> None:
        key = notebook_key(notebook, cwd)
        self.submitted += 1
        copy = nbformat.from_dict(notebook)
        self._runs[key] = self._pool.submit(
            self._execute, copy, cwd=cwd, timeout=timeout, allow_errors=allow_errors
        )

    def take(self, notebook: nbformat.NotebookNode, cwd: str) -> ExecutionResult | None:
        """The finished run of this very notebook, copied into it; None if none was started."""
        future = self._runs.pop(notebook_key(notebook, cwd), None)
        if future is None:
            return None
        result = future.result()
        self.taken += 1
        # myst-nb renders and caches the notebook object it passed in, so fill that one.
        notebook.cells = result.nb.cells
        notebook.metadata = result.nb.metadata
        return ExecutionResult(notebook, result.cwd, result.time, result.err, result.exc_string)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._runs.clear()


def execute_now(notebook: nbformat.NotebookNode, **kwargs: Any) -> ExecutionResult:
    """jupyter-cache's execution, with the kernel killed as soon as the last cell has run."""
    return single_nb_execution(notebook, shutdown_kernel="immediate", **kwargs)


_runner: AheadOfTimeRunner | None = None


def _execute_for_myst_nb(
    notebook: nbformat.NotebookNode, cwd: str, **kwargs: Any
) -> ExecutionResult:
    finished = _runner.take(notebook, cwd) if _runner is not None else None
    return finished if finished is not None else execute_now(notebook, cwd=cwd, **kwargs)


def _start_runs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    global _runner
    config = env.mystnb_config
    if config.execution_mode != "cache" or not docnames:
        return
    reader = _chapter_reader(app)
    cache = get_cache(config.execution_cache_path)
    pending = []
    for docname in docnames:
        path = Path(env.doc2path(docname))
        if reader is None or path.suffix != ".md":
            continue
        notebook = reader(path.read_text(encoding="utf-8"))
        if not any(cell.cell_type == "code" for cell in notebook.cells):
            continue
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            pending.append((notebook, str(path.parent)))
    if not pending:
        return
    workers = max(1, min(len(pending), os.cpu_count() or 1))
    _runner = AheadOfTimeRunner(workers, execute_now)
    LOGGER.info(f"executing {len(pending)} notebook(s) ahead of reading, {workers} at a time")
    for notebook, cwd in pending:
        _runner.submit(
            notebook,
            cwd,
            timeout=config.execution_timeout,
            allow_errors=config.execution_allow_errors,
        )


def _chapter_reader(app: Sphinx) -> Callable[[str], nbformat.NotebookNode] | None:
    # The same reader myst-nb uses for .md chapters (nb_custom_formats), so the notebooks match.
    from kursk_edition.book import read_chapter

    formats = app.config.nb_custom_formats or {}
    return read_chapter if ".md" in formats else None


def _stop_runs(app: Sphinx, exception: Exception | None) -> None:
    global _runner
    if _runner is not None:
        LOGGER.info(
            f"{_runner.taken} of {_runner.submitted} notebook(s) executed ahead of reading "
            "were used"
        )
        _runner.close()
        _runner = None


def setup(app: Sphinx) -> None:
    """Called from ``kursk_edition.book.setup``."""
    myst_nb_cache.single_nb_execution = _execute_for_myst_nb
    app.connect("env-before-read-docs", _start_runs)
    app.connect("build-finished", _stop_runs)

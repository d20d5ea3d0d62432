"""The chapters as notebooks: how they are read, told apart and executed.

Nothing here imports Sphinx: the ahead-of-time runner (:mod:`kursk_edition.ahead`) uses this module
in a process that should start its kernels as early as it can.

- Chapters are MyST Markdown notebooks. Their execution cache (jupyter-cache) keys on the code
  cells only, so a change to this package or to ``data/`` would leave stale outputs.
  :func:`read_chapter` stamps a fingerprint of those inputs into the notebook's kernelspec
  metadata, which the cache key includes.
- Kernels are shut down at once when their last cell has run. With nbclient's default graceful
  shutdown, ipykernel (6.31 and 7.4 alike) sometimes hangs while closing its control thread, and
  jupyter_client waits 2.5 s before terminating it: 3-4 s lost on about one chapter in four.
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

from kursk_edition import DATA, ROOT

if TYPE_CHECKING:
    from kursk_edition.kernels import ForkedKernel

PACKAGE = ROOT / "kursk_edition"


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
    """Read a MyST notebook and stamp the inputs fingerprint into the cached metadata.

    This is the reader myst-nb uses for ``.md`` pages (``nb_custom_formats`` in _config.yml).
    """
    from myst_nb.core.read import read_myst_markdown_notebook

    notebook = read_myst_markdown_notebook(text, add_source_map=True)
    if has_code(notebook):
        kernelspec = notebook.metadata.setdefault("kernelspec", {})
        kernelspec["kursk_inputs"] = inputs_fingerprint()
    else:
        # Nothing to run: without this, jupyter-cache starts a kernel for an empty notebook.
        notebook.metadata["mystnb"] = {"execution_mode": "off"}
    return notebook


def has_code(notebook: nbformat.NotebookNode) -> bool:
    return any(cell.cell_type == "code" for cell in notebook.cells)


def to_execute(text: str, cache: Any | None) -> nbformat.NotebookNode | None:
    """The chapter's notebook if myst-nb would execute it: it has code cells and ``cache`` (a
    jupyter-cache, or None for none yet) holds no outputs for it; otherwise None."""
    if "code-cell" not in text:  # no need to parse prose-only pages
        return None
    notebook = read_chapter(text)
    if not has_code(notebook):
        return None
    if cache is not None:
        try:
            cache.match_cache_notebook(notebook)
            return None
        except KeyError:
            pass
    return notebook


def notebook_key(notebook: nbformat.NotebookNode, cwd: str | Path) -> str:
    """Identifies one run: the notebook before execution (but for its random cell ids) and
    where it runs."""
    cells = [{k: v for k, v in cell.items() if k != "id"} for cell in notebook.cells]
    content = {"cells": cells, "metadata": notebook.metadata}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode())
    digest.update(str(Path(cwd).resolve()).encode())
    return digest.hexdigest()


@dataclass
class Run:
    """One execution of a notebook: the notebook with its outputs, how long it took, and the
    error that stopped it (with its formatted traceback), if one did."""

    notebook: nbformat.NotebookNode
    seconds: float
    error: Exception | None = None
    traceback: str | None = None


def run_notebook(
    notebook: nbformat.NotebookNode,
    cwd: str,
    timeout: int | None,
    allow_errors: bool,
    kernel: ForkedKernel | None = None,
) -> Run:
    """Execute ``notebook`` in place, as jupyter-cache's ``single_nb_execution`` does for myst-nb
    (the notebook's ``execution`` metadata may override the timeout and allow_errors), but with
    the kernel killed as soon as the last cell has run.

    The kernel is launched as myst-nb would, unless a forked ``kernel`` is given
    (:mod:`kursk_edition.kernels`); it runs in ``cwd`` either way.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    overrides = notebook.metadata.get("execution", {})
    options: dict[str, Any] = {
        "timeout": overrides.get("timeout", timeout),
        "allow_errors": overrides.get("allow_errors", allow_errors),
        "record_timing": False,
        "resources": {"metadata": {"path": cwd}},
    }
    start = time.perf_counter()
    client = None
    try:
        if kernel is None:
            client = NotebookClient(notebook, shutdown_kernel="immediate", **options)
        else:
            client = NotebookClient(notebook, km=kernel.manager(), **options)
        client.execute()
    except (CellExecutionError, CellTimeoutError) as err:
        return Run(notebook, time.perf_counter() - start, err, traceback.format_exc())
    finally:
        # A forked kernel is stopped whatever failed, even before the client was made.
        if kernel is not None:
            if client is not None and client.kc is not None:
                client.kc.stop_channels()
            kernel.stop()
    return Run(notebook, time.perf_counter() - start)

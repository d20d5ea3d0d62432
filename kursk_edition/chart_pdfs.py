"""Make the PDF build's chart figures ahead of the LaTeX writer, in a process of their own.

The LaTeX writer turns each chart into a vector PDF with vl-convert: about 2.5 s for the book's
charts, during which Sphinx does nothing else (vl-convert holds the GIL). The charts are already
in the doctrees the HTML build left, so this process makes them while Sphinx starts::

    python -m kursk_edition.chart_pdfs DOCTREE_DIR LATEX_OUTDIR

``scripts/build.sh pdf`` starts it beside Sphinx; the Sphinx extension starts it when a LaTeX
build begins without one. Each PDF is written under the name the writer uses
(:func:`pdf_name`), atomically, and never over an existing file. The process holds ``LOCK`` in
the output folder locked while it lives: the writer waits for a chart's file while the lock is
held, and makes any chart still missing itself, so a stale doctree or a dead process costs time,
never a figure. Doctrees are read without importing Sphinx or its extensions (a few seconds of
imports): every class outside docutils becomes a stand-in that keeps the node's attributes.
"""

from __future__ import annotations

import fcntl
import functools
import pickle
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kursk_edition.ahead import lock_held, write_atomically

LOCK = ".kursk-chart-pdfs.lock"
POLL_SECONDS = 0.02
# The chart node's class, as the doctrees name it (kursk_edition.book.chart_node).
CHART_NODE = ("kursk_edition.book", "chart_node")
# Modules whose classes are unpickled for real: the doctree's own structure.
_REAL_MODULES = ("builtins", "copyreg", "collections", "docutils")


class _StandIn(dict):
    """Any pickled object of a class from outside docutils: its state and items, nothing else.

    A dict, and list-like too, since pickle restores a dict or list subclass's items."""

    def __new__(cls, *args: Any, **kwargs: Any) -> _StandIn:
        return dict.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def append(self, item: Any) -> None:
        self.__dict__.setdefault("_items", []).append(item)

    def extend(self, items: Any) -> None:
        self.__dict__.setdefault("_items", []).extend(items)

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) == 2:  # (dict, slots)
            state = {**(state[0] or {}), **(state[1] or {})}
        if isinstance(state, dict):
            self.__dict__.update(state)


@functools.cache
def _stand_in(module: str, name: str) -> type:
    return type(name, (_StandIn,), {"__module__": module})


class _DoctreeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module.split(".")[0] in _REAL_MODULES:
            return super().find_class(module, name)
        return _stand_in(module, name)


def _children(node: Any) -> list[Any]:
    children = getattr(node, "children", None)
    if children is None:
        children = getattr(node, "__dict__", {}).get("children", [])
    return list(children) if isinstance(children, list) else []


def _specs_in(node: Any) -> Iterator[dict[str, Any]]:
    stack = [node]
    while stack:
        current = stack.pop()
        kind = type(current)
        if (kind.__module__, kind.__name__) == CHART_NODE:
            spec = current.__dict__.get("attributes", {}).get("spec")
            if isinstance(spec, dict):
                yield spec
        stack.extend(reversed(_children(current)))


def chart_specs(doctree_dir: Path) -> list[dict[str, Any]]:
    """Every chart spec in the doctrees under ``doctree_dir``, in document order by file name.

    A doctree that cannot be read is skipped: the writer makes whatever is missing."""
    specs: list[dict[str, Any]] = []
    for path in sorted(doctree_dir.rglob("*.doctree")):
        try:
            with path.open("rb") as stream:
                doctree = _DoctreeUnpickler(stream).load()
        except Exception as exc:  # noqa: BLE001 (a prefetch: the writer is the source of truth)
            print(f"kursk_edition.chart_pdfs: skipped {path}: {exc!r}", file=sys.stderr)
            continue
        specs.extend(_specs_in(doctree))
    return specs


def pdf_name(spec: dict[str, Any]) -> str:
    """The file name the LaTeX writer gives a chart's PDF."""
    from kursk_edition.charts import spec_id

    return f"{spec_id(spec)}.pdf"


def write_once(path: Path, data: bytes) -> None:
    """Write ``path`` atomically, unless it exists (then it already holds the same chart)."""
    if not path.exists():
        write_atomically(path, data)


def make_ahead(doctree_dir: Path, outdir: Path) -> int:
    """Write every chart's PDF into ``outdir``, holding the lock; returns how many were made."""
    outdir.mkdir(parents=True, exist_ok=True)
    lock = (outdir / LOCK).open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)  # held until this process exits
    from kursk_edition.charts import chart_pdf

    made = 0
    for spec in chart_specs(doctree_dir):
        target = outdir / pdf_name(spec)
        if not target.exists():
            write_once(target, chart_pdf(spec))
            made += 1
    return made


def maker_running(outdir: Path) -> bool:
    """Whether a process making chart PDFs for ``outdir`` is alive (it holds the lock)."""
    return lock_held(outdir / LOCK)


def start(doctree_dir: Path, outdir: Path) -> subprocess.Popen[bytes] | None:
    """Start a maker for ``outdir`` unless one is running or there are no doctrees yet."""
    if maker_running(outdir) or not any(doctree_dir.rglob("*.doctree")):
        return None
    process = subprocess.Popen(
        [sys.executable, "-m", __name__, str(doctree_dir), str(outdir)],
        stdin=subprocess.DEVNULL,
    )
    # Until the child holds the lock, a writer could take it for dead; wait for that (~0.1 s).
    deadline = time.monotonic() + 10
    while not maker_running(outdir) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    return process


def wait_for(path: Path, outdir: Path) -> bool:
    """Wait while a maker is alive and ``path`` is missing; True if ``path`` exists."""
    while not path.exists() and maker_running(outdir):
        time.sleep(POLL_SECONDS)
    return path.exists()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m kursk_edition.chart_pdfs DOCTREE_DIR LATEX_OUTDIR", file=sys.stderr)
        return 2
    started = time.perf_counter()
    made = make_ahead(Path(argv[0]), Path(argv[1]))
    print(
        f"kursk_edition.chart_pdfs: {made} chart PDF(s) made ahead "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

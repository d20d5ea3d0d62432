"""Run the chapters' notebooks ahead of the Sphinx build, in a process of their own.

Kernels take most of a clean build: each chapter with code starts one (about 0.6 s), imports
pandas and Altair (about 0.7 s) and computes its figures. Run by myst-nb, they start one after
another once Sphinx has loaded its extensions (2-3 s into the build) and reaches the page.
``scripts/build.sh`` instead starts this runner at the same moment as Sphinx::

    python -m kursk_edition.ahead BOOK_ROOT CACHE_DIR      # token in $KURSK_AHEAD_TOKEN

It plans as myst-nb would (every page of ``_toc.yml`` with code cells and no outputs in the
jupyter-cache at CACHE_DIR), executes those notebooks one per core, and leaves each run in
``CACHE_DIR/../.kursk-ahead/TOKEN/``, named by the notebook's key
(:func:`kursk_edition.notebooks.notebook_key`); while Sphinx reads on, a process the runner
starts (``--compile-charts``) compiles each run's charts to Vega for Sphinx to write later.
The Sphinx side (:mod:`kursk_edition.execution`) uses a run only for the identical notebook and
only from the runner its own build started with (the same token); when no runner was started,
it starts one itself. Whatever the runner did not run, myst-nb executes as usual.

The folder holds ``plan.json`` (the token and the keys being run; ``keys`` is null while
planning) and ``lock``, which the runner holds locked for as long as it lives, so a reader can
tell a runner at work from one that died. Kernels exit by themselves when the runner dies
(ipykernel watches its parent process).
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

TOKEN_VAR = "KURSK_AHEAD_TOKEN"
# Set to 0 to launch every kernel afresh instead of forking it (kursk_edition.kernels).
FORK_VAR = "KURSK_FORK_KERNELS"
PLAN = "plan.json"
LOCK = "lock"
CHARTS = ".charts.pickle"
COMPILE = "--compile-charts"
POLL_SECONDS = 0.02


def lock_held(path: Path) -> bool:
    """Whether a live process holds ``path`` locked (a helper process's sign of life)."""
    try:
        lock: IO[str] = path.open()
    except FileNotFoundError:
        return False
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        return False


def runs_folder(cache_dir: str | Path, token: str) -> Path:
    """Where the runner with ``token`` leaves its runs, beside the jupyter-cache."""
    return Path(cache_dir).resolve().parent / ".kursk-ahead" / token


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``path`` so that a reader sees all of it or none; safe for several writers."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def _write_plan(folder: Path, token: str, keys: list[str] | None) -> None:
    write_atomically(folder / PLAN, json.dumps({"token": token, "keys": keys}).encode())


# The runner ------------------------------------------------------------------------------------


def execute_settings(root: Path) -> dict[str, Any]:
    """The book's ``execute:`` settings from _config.yml, with Jupyter Book's defaults."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    execute = config.get("execute") or {}
    return {
        "mode": execute.get("execute_notebooks", "auto"),
        "timeout": execute.get("timeout", 30),
        "allow_errors": execute.get("allow_errors", False),
    }


def toc_pages(root: Path) -> list[Path]:
    """Every page of _toc.yml, in order, as ``.md`` paths (parsed as Jupyter Book parses it)."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    pages = [
        root / (doc if doc.endswith(".md") else f"{doc}.md")
        for doc in parse_toc_yaml(root / "_toc.yml")
    ]
    return [page for page in pages if page.is_file()]


def plan(root: Path, cache_dir: Path) -> list[tuple[str, Any, str]]:
    """(key, notebook, cwd) for each page with code cells that the cache has no outputs for."""
    from kursk_edition.notebooks import notebook_key, to_execute

    cache = None
    if (cache_dir / "global.db").is_file():  # never create the cache: Sphinx owns it
        from jupyter_cache import get_cache

        cache = get_cache(cache_dir)
    jobs = []
    for page in toc_pages(root):
        notebook = to_execute(page.read_text(encoding="utf-8"), cache)
        if notebook is not None:
            cwd = str(page.parent)
            jobs.append((notebook_key(notebook, cwd), notebook, cwd))
    return jobs


def run_ahead(root: Path, cache_dir: Path, token: str, workers: int | None = None) -> int:
    """Plan, then execute; returns how many notebooks were run."""
    folder = runs_folder(cache_dir, token)
    folder.mkdir(parents=True, exist_ok=True)
    lock = (folder / LOCK).open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)  # held until this process exits
    _write_plan(folder, token, None)
    settings = execute_settings(root)
    jobs = plan(root, cache_dir) if settings["mode"] == "cache" else []
    _write_plan(folder, token, [key for key, _nb, _cwd in jobs])
    if not jobs:
        return 0

    # What the clients need, then a warm-up, then every kernel forked now, while this process
    # has no thread of its own. The imports make some 260,000 objects that live as long as the
    # process: the cyclic collector would scan them again and again as they are made (0.1-0.2 s),
    # and each kernel would scan, and so copy, them again. So no collection until the kernels are
    # forked, and the survivors are frozen out of every later collection.
    gc.disable()
    try:
        import jupyter_client.manager  # noqa: F401
        import nbclient  # noqa: F401

        from kursk_edition import charts, kernels
        from kursk_edition.notebooks import run_notebook

        forked: list[kernels.ForkedKernel | None] = [None] * len(jobs)
        if kernels.can_fork() and os.environ.get(FORK_VAR, "1") != "0":
            kernels.warm_up([notebook for _key, notebook, _cwd in jobs])
            gc.freeze()
            for number, (_key, notebook, cwd) in enumerate(jobs):
                if kernels.is_python_kernel(notebook):
                    forked[number] = kernels.ForkedKernel.start(cwd)
    finally:
        gc.enable()
    kernels.resolve_trait_classes()  # before the threads that make kernel clients start

    # Sphinx reads a notebook as soon as it has run and writes its pages later, so its charts
    # are compiled meanwhile, in a process of their own: vl-convert holds the GIL for its 0.5 s
    # start and each compile, which on a thread here stalled the clients driving the kernels.
    # It starts with the first run, not before: the first kernels need the cores more.
    compiler: subprocess.Popen[bytes] | None = None
    sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kursk-charts")

    def send_charts(key: str, run: Any) -> None:
        nonlocal compiler
        if compiler is None:
            command = [sys.executable, "-m", "kursk_edition.ahead", COMPILE, str(folder)]
            compiler = subprocess.Popen(command, stdin=subprocess.PIPE)
        specs = charts.chart_outputs(run.notebook) if run.error is None else {}
        pickle.dump((key, specs), compiler.stdin)
        compiler.stdin.flush()

    def run_one(number: int) -> None:
        key, notebook, cwd = jobs[number]
        try:
            run = run_notebook(
                notebook, cwd, settings["timeout"], settings["allow_errors"], forked[number]
            )
        except Exception as exc:  # noqa: BLE001 (Sphinx then runs this notebook itself)
            print(f"kursk_edition.ahead: could not run {cwd}: {exc!r}", file=sys.stderr)
            write_atomically(folder / f"{key}.failed", b"")
            return
        write_atomically(folder / f"{key}.pickle", pickle.dumps(run))
        sender.submit(send_charts, key, run)

    workers = workers or max(1, min(len(jobs), os.cpu_count() or 1))
    try:
        with sender, ThreadPoolExecutor(workers, thread_name_prefix="kursk-ahead") as pool:
            list(pool.map(run_one, range(len(jobs))))  # in toc order, the order Sphinx asks
    finally:
        if compiler is not None:
            with contextlib.suppress(BrokenPipeError):  # one that died has nothing to finish
                compiler.stdin.close()  # it finishes what it was sent, then exits
            compiler.wait()  # this process holds the lock, the sign of work in progress, till then
    return len(jobs)


def compile_charts(folder: Path, requests: IO[bytes]) -> None:
    """Compile the charts the runner sends, (key, {digest: Vega-Lite spec}) after each run,
    into ``KEY.charts.pickle``, until the runner closes ``requests``. A chart vl-convert rejects
    is left out: the Sphinx side compiles what is missing itself, and fails loudly there."""
    from kursk_edition import charts

    os.nice(5)  # the kernels still running come first
    while True:
        try:
            key, specs = pickle.load(requests)
        except (EOFError, pickle.UnpicklingError):
            return  # the runner is done, or died mid-request
        compiled = {}
        for digest, spec in specs.items():
            try:
                compiled[digest] = charts.vega_spec(spec)
            except Exception as exc:  # noqa: BLE001 (compiled, and reported, by the Sphinx side)
                print(f"kursk_edition.ahead: could not compile a chart: {exc!r}", file=sys.stderr)
        try:
            write_atomically(folder / f"{key}{CHARTS}", pickle.dumps(compiled))
        except FileNotFoundError:
            return  # the build is over and its folder gone


# The reader (the Sphinx side) --------------------------------------------------------------------


class AheadRuns:
    """The runs of one runner, read from its folder as they appear."""

    def __init__(self, folder: Path, process: subprocess.Popen[bytes] | None = None) -> None:
        self.folder = folder
        self.process = process  # set when this side started the runner
        self.taken = 0
        self._keys: set[str] | None = None
        self._taken_keys: list[str] = []

    @classmethod
    def attach(cls, cache_dir: str | Path, token: str | None) -> AheadRuns | None:
        """The runner started with ``token`` (by scripts/build.sh), if it has begun."""
        if not token:
            return None
        folder = runs_folder(cache_dir, token)
        return cls(folder) if (folder / PLAN).is_file() else None

    @classmethod
    def start(cls, root: str | Path, cache_dir: str | Path) -> AheadRuns:
        """Start a runner now, for a build that was not given one."""
        token = uuid.uuid4().hex
        folder = runs_folder(cache_dir, token)
        process = subprocess.Popen(
            [sys.executable, "-m", "kursk_edition.ahead", str(root), str(cache_dir)],
            env={**os.environ, TOKEN_VAR: token},
        )
        return cls(folder, process)

    def running(self) -> bool:
        """Whether the runner is alive: it holds the lock for as long as it lives."""
        if self.process is not None:
            return self.process.poll() is None
        return lock_held(self.folder / LOCK)

    def keys(self) -> set[str]:
        """The keys the runner is running; empty if it died before it knew them."""
        while self._keys is None:
            try:
                keys = json.loads((self.folder / PLAN).read_text(encoding="utf-8"))["keys"]
            except FileNotFoundError:
                keys = None
            if keys is not None:
                self._keys = set(keys)
            elif not self.running():
                self._keys = set()
            else:
                time.sleep(POLL_SECONDS)
        return self._keys

    def take(self, notebook: Any, cwd: str) -> Any | None:
        """The runner's run of this very notebook (a :class:`~kursk_edition.notebooks.Run`),
        waiting for it if needed; None if the runner is not running it or died first."""
        from kursk_edition.notebooks import notebook_key

        key = notebook_key(notebook, cwd)
        if key not in self.keys():
            return None
        result, failed = self.folder / f"{key}.pickle", self.folder / f"{key}.failed"
        while not result.is_file():
            if failed.is_file() or (not self.running() and not result.is_file()):
                return None
            time.sleep(POLL_SECONDS)
        run = pickle.loads(result.read_bytes())
        result.unlink()  # each run is handed over once
        self.taken += 1
        self._taken_keys.append(key)
        return run

    def compiled_charts(self) -> dict[str, Any]:
        """The charts of every run taken, compiled to Vega, waiting for the runner to finish
        them; charts it could not compile are left out (whoever needs them compiles them)."""
        compiled: dict[str, Any] = {}
        for key in self._taken_keys:
            path = self.folder / f"{key}{CHARTS}"
            while not path.is_file() and self.running():
                time.sleep(POLL_SECONDS)
            if path.is_file():
                compiled.update(pickle.loads(path.read_bytes()))
        return compiled

    def close(self) -> None:
        """Stop a runner this side started (its kernels follow it) and remove its folder."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        # Its chart compiler may still write a file as it stops.
        shutil.rmtree(self.folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == COMPILE:  # started by run_ahead
        compile_charts(Path(argv[1]), sys.stdin.buffer)
        return 0
    if len(argv) != 2 or not os.environ.get(TOKEN_VAR):
        print(__doc__, file=sys.stderr)
        return 2
    root, cache_dir = (Path(arg).resolve() for arg in argv)
    run_ahead(root, cache_dir, os.environ[TOKEN_VAR])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

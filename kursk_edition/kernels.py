"""Kernels forked from a warm process, for the ahead-of-time runner (:mod:`kursk_edition.ahead`).

A fresh ``python -m ipykernel_launcher`` spends about 1.3 s before a chapter's first line does any
work: starting Python, importing ipykernel (and debugpy), then pandas, Altair and this package.
Every chapter pays that again, on the same cores as Sphinx. The runner instead imports those
modules once (:func:`warm_up`), then forks one kernel per notebook from itself
(:class:`ForkedKernel`). Each chapter still runs in its own kernel process, with a fresh namespace,
its own working directory and nothing computed by another chapter; only the import work is
shared. Forking happens before the runner starts any thread, so the children start clean.

A forked kernel is an ordinary ipykernel: nbclient drives it through jupyter_client as usual, so
outputs, errors and timeouts are exactly those of a launched kernel.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import importlib
import os
import shutil
import signal
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

import nbformat

# What ipykernel imports while it starts; importing it here keeps that out of every kernel.
KERNEL_MODULES = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
)


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform.startswith("linux")


def is_python_kernel(notebook: nbformat.NotebookNode) -> bool:
    """Only notebooks for the ipykernel ``python3`` kernel can run in a forked kernel."""
    return notebook.metadata.get("kernelspec", {}).get("name", "python3") == "python3"


def imported_modules(notebook: nbformat.NotebookNode) -> list[str]:
    """Absolute module names the notebook's code cells import, in order of appearance."""
    names: list[str] = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        # IPython magics and shell escapes are not Python; drop those lines.
        lines = cell.source.splitlines()
        source = "\n".join("" if line.lstrip()[:1] in {"%", "!"} else line for line in lines)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                # `from package import name`: name may be a submodule; warm_up tries both.
                names.append(node.module)
                names += [f"{node.module}.{alias.name}" for alias in node.names]
    return list(dict.fromkeys(names))


def warm_up(notebooks: list[nbformat.NotebookNode]) -> list[str]:
    """Import ipykernel and every module the notebooks import; returns the names that could
    not be imported (including names imported from a module that are not modules).

    A module that fails to import here is left for the kernel, where the error surfaces in the
    notebook's output as it would without this step.
    """
    failed = []
    modules = list(KERNEL_MODULES)
    for notebook in notebooks:
        modules += imported_modules(notebook)
    for name in dict.fromkeys(modules):
        parent, _, attribute = name.rpartition(".")
        if parent in sys.modules and hasattr(sys.modules[parent], attribute):
            continue  # `from package import name` of something that is not a submodule
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 (reported by the kernel, if a chapter needs it)
            failed.append(name)
    return failed


# The packages whose objects the runner's threads make: kernel managers, clients, nbclient.
CLIENT_PACKAGES = ("jupyter_client", "nbclient")


def unresolved_traits(packages: tuple[str, ...] = CLIENT_PACKAGES) -> list[Any]:
    """The class-based traits of the imported classes of ``packages`` (inherited ones included)
    that still name their class, or their default, by a string."""
    from traitlets import ClassBasedTraitType, HasTraits

    classes, stack = set(), [HasTraits]
    while stack:
        cls = stack.pop()
        if cls not in classes:
            classes.add(cls)
            stack += cls.__subclasses__()
    found = {}
    for cls in classes:
        if cls.__module__.partition(".")[0] in packages:
            for trait in cls.class_traits().values():
                names = (getattr(trait, "klass", None), getattr(trait, "default_value", None))
                by_name = any(isinstance(name, str) for name in names)
                if isinstance(trait, ClassBasedTraitType) and by_name:
                    found[id(trait)] = trait  # a trait inherited by many classes, once
    return list(found.values())


def resolve_trait_classes(packages: tuple[str, ...] = CLIENT_PACKAGES) -> int:
    """Resolve, now, the :func:`unresolved_traits` of ``packages``; returns how many were
    resolved. Call it before starting threads.

    traitlets resolves a name such as ``Instance("jupyter_client.session.Session")`` when the
    first object of its class is made, and does so without a lock: it checks that ``klass`` is a
    string, then reads it again to import it. When two of the runner's threads made their first
    kernel managers and clients at once, one thread now and then read the class the other had
    just put there: ``TypeError("import_item accepts strings, not ...")``, and that chapter ran
    late, inside Sphinx, with its forked kernel left waiting.
    """
    resolved = 0
    for trait in unresolved_traits(packages):
        with contextlib.suppress(Exception):  # left to whoever needs it, as before
            trait._resolve_classes()
            resolved += 1
    return resolved


class _ChildProcess:
    """The small part of ``subprocess.Popen`` that jupyter_client's provisioner uses, for a
    child process this process forked."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            _pid, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkedKernel:
    """An ipykernel forked from this process, listening on its own connection file."""

    def __init__(self, pid: int, connection_file: Path) -> None:
        self.process = _ChildProcess(pid)
        self.connection_file = connection_file

    @classmethod
    def start(cls, cwd: str) -> ForkedKernel:
        """Fork a kernel that runs in ``cwd``. Call it before this process starts any thread."""
        from jupyter_client.connect import write_connection_file

        folder = Path(tempfile.mkdtemp(prefix="kursk-kernel-"))
        connection_file = folder / "kernel.json"
        # Unix sockets in a folder of its own, not TCP ports: a port chosen here is free only
        # until the kernel binds it, and with several kernels starting at once another process
        # sometimes took one first ("Address already in use"; the notebook then ran late, in
        # Sphinx). The sockets also stay private to this user.
        write_connection_file(str(connection_file), transport="ipc", ip=str(folder / "socket"))
        pid = os.fork()
        if pid == 0:  # the kernel
            _become_kernel(cwd, connection_file)
        return cls(pid, connection_file)

    def manager(self) -> Any:
        """A jupyter_client kernel manager for this kernel, for nbclient to drive."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_client.provisioning.local_provisioner import LocalProvisioner

        manager = AsyncKernelManager(kernel_name="python3")
        manager.load_connection_file(str(self.connection_file))
        provisioner = LocalProvisioner(
            kernel_id=manager.kernel_id or "forked",
            kernel_spec=manager.kernel_spec,
            parent=manager,
        )
        provisioner.process = self.process
        provisioner.pid = self.process.pid
        provisioner.pgid = self.process.pid  # the kernel leads its own session, like Popen's
        manager.provisioner = provisioner
        return manager

    def stop(self) -> None:
        """Kill the kernel (and anything it started) at once, and remove its connection file."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        # The connection file and the sockets, which a killed kernel leaves behind.
        shutil.rmtree(self.connection_file.parent, ignore_errors=True)


def _become_kernel(cwd: str, connection_file: Path) -> None:
    """In the forked child: become ``python -m ipykernel_launcher -f FILE`` started in ``cwd``."""
    code = 1
    try:
        gc.enable()  # the runner forks with the collector off (see kursk_edition.ahead)
        os.setsid()  # as jupyter_client launches kernels: signals to the runner spare it
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        # As ipykernel_launcher does: drop the starting folder from sys.path (IPython then adds
        # the working directory, '', before site-packages), and run in the chapter's folder.
        if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
            del sys.path[0]
        os.chdir(cwd)
        # As jupyter_client tells the kernels it launches: who the parent is (the kernel exits
        # when the runner dies), and, as nbclient asks, keep the history in memory.
        parent = str(os.getppid())
        os.environ["JPY_PARENT_PID"] = parent
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(
            argv=[
                "-f",
                str(connection_file),
                f"--IPKernelApp.parent_handle={parent}",
                "--HistoryManager.hist_file=:memory:",
            ]
        )
        code = 0
    except BaseException:  # noqa: BLE001 (this process must never return into the runner)
        traceback.print_exc()
    finally:
        os._exit(code)

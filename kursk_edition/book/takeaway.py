"""Take the edition away: each chapter as a notebook, the whole runnable edition as a zip, and
the repository's address as one setting.

Part of the book's Sphinx extension (:mod:`kursk_edition.book`).

- ``kursk_repository_url`` (``sphinx.config`` in ``_config.yml``) is the edition repository's
  address. The ``{repository}`` directive shows its content, with ``<repository>`` replaced by
  that address, only when it is set; unset, it shows nothing, so no page and no PDF ever shows
  a placeholder. The PDF's colophon reads the same setting (``\\KurskRepositoryAddress``).
- At the end of an HTML build every chapter that is a notebook (a ``.md`` file with a jupytext
  header) is written as ``notebooks/<name>.ipynb`` by jupytext, and the whole runnable edition
  as ``kursk-edition.zip``: the tracked files (``git ls-files``; outside a git checkout, the
  source folder without builds, environments and hidden files), under one ``kursk-edition/``
  folder, each file timed at the last commit, so that two builds of one commit give the same
  bytes. Every
  chapter page links to both (``_templates/takeaway.html``).
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

CONFIG = "kursk_repository_url"
PLACEHOLDER = "<repository>"
ZIP_NAME = "kursk-edition.zip"
ZIP_FOLDER = "kursk-edition"
NOTEBOOK_DIR = "notebooks"
# Outside a git checkout (and for a commit before it): the earliest time a zip entry can carry.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Outside a git checkout: what is never part of the edition's sources.
NOT_SOURCES = {"_build", "node_modules", "__pycache__"}


def repository_url(config: Any) -> str:
    """The repository's address, or "" when it is unset."""
    return str(getattr(config, CONFIG, "") or "").strip()


class RepositoryDirective(SphinxDirective):
    """Its content, parsed as MyST with ``<repository>`` as a link to the repository, or
    nothing at all when ``kursk_repository_url`` is unset."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        url = repository_url(self.config)
        if not url:
            return []
        lines = [line.replace(PLACEHOLDER, f"<{url}>") for line in self.content]
        holder = nodes.Element()
        self.state.nested_parse(
            StringList(lines, self.content.source(0)), self.content_offset, holder
        )
        return holder.children


def is_notebook(path: Path) -> bool:
    """A chapter that is a MyST notebook: a ``.md`` file with a jupytext header."""
    if path.suffix != ".md" or not path.is_file():
        return False
    with path.open(encoding="utf-8") as text:
        return text.read(12) == "---\njupytext"


def chapter_notebooks(app: Sphinx) -> dict[str, Path]:
    """Docname -> source file, for every document that is a notebook."""
    found = {}
    for docname in sorted(app.env.found_docs):
        source = Path(app.env.doc2path(docname))
        if is_notebook(source):
            found[docname] = source
    return found


def notebook_target(docname: str) -> str:
    return f"{NOTEBOOK_DIR}/{Path(docname).name}.ipynb"


def edition_files(root: Path) -> list[str]:
    """The edition's files, relative to ``root``: the tracked ones in a git checkout."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
        ).stdout.decode()
        names = [n for n in listed.split("\0") if n and (root / n).is_file()]
    except (OSError, subprocess.CalledProcessError):
        names = []
    if names:
        return sorted(names)
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file()
        and not any(
            part.startswith(".") or part in NOT_SOURCES or part.endswith(".egg-info")
            for part in path.relative_to(root).parts
        )
    )


def zip_time(root: Path) -> tuple[int, int, int, int, int, int]:
    """Every entry's time: the last commit's (UTC), so that an unzipped edition shows its files
    as of that commit and two builds of one commit give the same bytes."""
    import datetime as dt

    try:
        stamp = subprocess.run(
            ["git", "log", "-1", "--format=%ct"], cwd=root, capture_output=True, check=True
        ).stdout.strip()
        when = dt.datetime.fromtimestamp(int(stamp), dt.UTC)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return ZIP_TIME
    return max(ZIP_TIME, (when.year, when.month, when.day, when.hour, when.minute, when.second))


def write_zip(root: Path, target: Path) -> int:
    """The runnable edition as a zip (same bytes for the same files); returns the file count."""
    names = edition_files(root)
    time = zip_time(root)
    temporary = target.with_suffix(".zip.part")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            source = root / name
            info = zipfile.ZipInfo(f"{ZIP_FOLDER}/{name}", date_time=time)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if source.stat().st_mode & 0o111 else 0o644
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, source.read_bytes())
    temporary.replace(target)
    return len(names)


def write_takeaways(app: Sphinx, exception: Exception | None) -> None:
    """Each chapter's notebook and the edition's zip, into the site."""
    if exception is not None or app.builder.format != "html":
        return
    import jupytext

    out = Path(app.outdir)
    for docname, source in chapter_notebooks(app).items():
        target = out / notebook_target(docname)
        target.parent.mkdir(parents=True, exist_ok=True)
        notebook = jupytext.read(source)
        # nbformat gives each cell a random id; numbered ids keep two builds byte-identical.
        for number, cell in enumerate(notebook.cells, 1):
            cell["id"] = f"cell-{number}"
        jupytext.write(notebook, target, fmt="ipynb")
    write_zip(Path(app.srcdir), out / ZIP_NAME)


def add_links(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """What ``_templates/takeaway.html`` links to on a chapter that is a notebook."""
    source = app.env.doc2path(pagename) if pagename in app.env.found_docs else None
    if source and is_notebook(Path(source)):
        context["kursk_notebook"] = context["pathto"](notebook_target(pagename), 1)
        context["kursk_notebook_name"] = Path(notebook_target(pagename)).name
        context["kursk_edition_zip"] = context["pathto"](ZIP_NAME, 1)


def setup(app: Sphinx) -> None:
    app.add_config_value(CONFIG, "", "env", types=[str])
    app.add_directive("repository", RepositoryDirective)
    app.connect("html-page-context", add_links)
    app.connect("build-finished", write_takeaways)

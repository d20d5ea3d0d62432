"""The Sphinx extension for the book build (``sphinx.extra_extensions`` in ``_config.yml``).

- Before anything is read, the whole record is checked (:mod:`kursk_edition.record.validate`);
  a problem stops the build with one line naming the file, where in it, and the field.
- Chapters are MyST Markdown notebooks, read by :func:`notebooks.read_chapter` and executed by
  myst-nb through its own cache; Sphinx is told that each chapter with code depends on the
  package and ``data/``, so a change there re-reads and re-executes it.
- ``{paragraph}`` blocks (:mod:`paragraphs`), chart nodes (:mod:`charts`), what each page
  loads (:mod:`pages`), the web reader's citation cards, tables and maths (:mod:`reader`), the
  print edition (:mod:`printed`) and the bibliography's style
  (:mod:`bibliography`, a pybtex plugin) each have a module of their own.
"""

from __future__ import annotations

import os
import re
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.util import logging

from kursk_edition.book import charts, pages, paragraphs, printed, prose, reader, takeaway
from kursk_edition.book.notebooks import execution_inputs
from kursk_edition.chapters import markdown_text
from kursk_edition.charts.render import BUILD_ENV_VAR
from kursk_edition.record import registry as paragraph_registry
from kursk_edition.record.errors import DataError, one_line
from kursk_edition.record.validate import validate_record

LOGGER = logging.getLogger(__name__)


def heading_substitutions(reg: paragraph_registry.Registry) -> dict[str, str]:
    """``{{ p01_heading }}`` and friends: a paragraph's heading from the registry (as text)."""
    return {f"{p.id}_heading": markdown_text(heading_text(p)) for p in reg.paragraphs}


def heading_text(paragraph: paragraph_registry.Paragraph) -> str:
    """A paragraph's section heading: ``¶7 · Early or late talks, not the middle``."""
    return f"¶{paragraph.number} · {paragraph.title}"


# A paragraph's label and the heading under it, as a chapter writes them.
_PARAGRAPH_HEADING = re.compile(r"^\((p\d\d)\)=\n#+ (.*)$", re.MULTILINE)


def paragraph_heading_problems(source: str) -> list[str]:
    """Each ``(pNN)=`` heading written in a chapter that is not the registry's heading text.

    Chapters write these headings literally, so that a notebook shows them too; the registry
    stays their one source, and the build fails on any that differs from it."""
    reg = paragraph_registry.registry()
    problems = []
    for pid, written in _PARAGRAPH_HEADING.findall(source):
        try:
            expected = heading_text(reg.paragraph(pid))
        except KeyError:
            continue  # the {paragraph} block reports an unknown paragraph
        if written.strip() not in (expected, markdown_text(expected)):
            problems.append(f"heading of {pid} is {written.strip()!r}; the registry: {expected!r}")
    return problems


def validate_and_substitute(app: Sphinx, config: Config) -> None:
    """Check the record before any page is read, then offer its headings and counts to MyST."""
    try:
        reg = validate_record()
    except DataError as exc:
        raise ConfigError(f"invalid edition data: {exc}") from None
    config.myst_substitutions = {
        **config.myst_substitutions,
        **heading_substitutions(reg),
        **paragraph_registry.count_substitutions(reg),
    }


def report_failed_cell(app: Sphinx, exception: Exception | None) -> None:
    """When a chapter's cell failed, say so in one line naming the chapter and the error.

    myst-nb reports the chapter and, separately, the cell's traceback; the error itself is on
    the traceback's last line. nbclient's CellExecutionError carries it (``ename``, ``evalue``).
    """
    error: BaseException | None = exception
    chapter = None
    while error is not None:
        if chapter is None and type(error).__name__ == "ExecutionError" and error.args:
            chapter = str(error.args[0])
        if hasattr(error, "ename") and hasattr(error, "evalue"):
            where = os.path.relpath(chapter, app.srcdir) if chapter else "a chapter"
            message = one_line(f"{error.ename}: {error.evalue}")
            LOGGER.error(f"{where} [code cell]: field '(execution)': {message}")
            return
        error = error.__cause__ or error.__context__


def check_paragraph_headings(app: Sphinx, docname: str, source: list[str]) -> None:
    for problem in paragraph_heading_problems(source[0]):
        LOGGER.warning(f"{app.env.doc2path(docname, False)}: {problem}", location=docname)


def note_input_dependencies(app: Sphinx, docname: str, source: list[str]) -> None:
    # Sphinx re-reads a document when a noted dependency is newer than its last read.
    if "{code-cell}" in source[0]:
        for path in execution_inputs():
            app.env.note_dependency(str(path))


def setup(app: Sphinx) -> dict[str, Any]:
    # Kernels this build starts are book-build kernels (chart specs, no live widgets), also for
    # a plain `jupyter-book build` that did not go through the Makefile.
    os.environ.setdefault(BUILD_ENV_VAR, "1")
    app.connect("config-inited", validate_and_substitute)
    app.connect("source-read", note_input_dependencies)
    app.connect("source-read", check_paragraph_headings)
    app.connect("build-finished", report_failed_cell)
    app.add_directive("paragraph", paragraphs.ParagraphDirective)
    app.add_transform(paragraphs.AnnotationFootnotes)
    app.add_post_transform(paragraphs.TidySidenotes)
    charts.setup(app)
    pages.setup(app)
    reader.setup(app)
    printed.setup(app)
    prose.setup(app)
    takeaway.setup(app)
    return {"version": "0.2", "parallel_read_safe": True, "parallel_write_safe": True}

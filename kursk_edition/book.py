"""Sphinx extension for the book build.

- Chapters are MyST Markdown notebooks, read by :func:`kursk_edition.notebooks.read_chapter`,
  which stamps a fingerprint of this package and ``data/`` into each notebook so the execution
  cache notices a change there; Sphinx is told that each chapter depends on those files too.
  Notebooks run ahead of reading (:mod:`kursk_edition.execution`).
- Chart pages get the one vendored chart script; pages without charts load nothing extra.
"""

from __future__ import annotations

import base64
import functools
import gc
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from kursk_edition import bib_cache, chart_pdfs, charts, execution
from kursk_edition import registry as paragraph_registry
from kursk_edition.errors import DataError
from kursk_edition.notebooks import execution_inputs, inputs_fingerprint

CHART_SCRIPT = "kursk/kursk-charts.js"
LOGGER = logging.getLogger(__name__)


def _note_input_dependencies(app: Sphinx, docname: str, source: list[str]) -> None:
    # Sphinx re-reads a document when a noted dependency is newer than its last read.
    if "{code-cell}" in source[0]:
        for path in execution_inputs():
            app.env.note_dependency(str(path))


def _add_chart_script(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if charts.CHART_CLASS in context.get("body", ""):
        app.add_js_file(CHART_SCRIPT, type="module")


def _class_token(token: str) -> re.Pattern[str]:
    """Matches an element whose class list has a class matching ``token`` (a regex)."""
    return re.compile(rf'class="(?:[^"]*\s)?(?:{token})(?:\s[^"]*)?"')


# Jupyter Book's default extensions put their assets on every page. Each entry: the files, and
# a pattern of the body markup that needs them; a page without that markup does not load them.
OPTIONAL_ASSETS: dict[str, tuple[tuple[str, ...], re.Pattern[str] | None]] = {
    "sphinx-design": (
        ("sphinx-design.min.css", "design-tabs.js"),
        _class_token(r"sd-[\w-]+"),
    ),
    "togglebutton": (
        # Its files, and the inline scripts that configure it.
        (
            "togglebutton.css",
            "togglebutton.js",
            "toggleHint",
            "toggleOpenOnPrint",
            "togglebuttonSelector",
        ),
        _class_token("toggle|dropdown"),
    ),
    "copybutton": (
        ("copybutton.css", "copybutton.js", "clipboard.min.js"),
        _class_token("highlight"),
    ),
    # Never needed: the edition runs no remote kernels (see _disable_thebe).
    "thebe": (("sphinx-thebe.css", "sphinx-thebe.js"), None),
}


def unused_assets(body: str) -> tuple[str, ...]:
    """Names of the files (or inline-script words) a page with this body does not need."""
    return tuple(
        name
        for names, needed_by in OPTIONAL_ASSETS.values()
        if needed_by is None or not needed_by.search(body)
        for name in names
    )


def _drop_unused_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    # Each script or stylesheet a page does not need is a request, a parse and a delay before
    # its first paint (about 0.1 s on chapter 3, on the bench's machine).
    unused = unused_assets(context.get("body", ""))

    def needed(asset: Any) -> bool:
        text = asset.filename or asset.attributes.get("body", "")
        return not any(name in text for name in unused)

    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if needed(asset)]


_SVG_DATA_URI = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")
_SVG_DEFS = re.compile(r"(<defs>\n)(.*?)(\n</defs>)", re.S)


def canonical_math_svg(svg: str) -> str:
    """The SVG with its ``<defs>`` (one glyph or alias a line, as dvisvgm writes them) sorted.

    dvisvgm writes the glyph definitions of a formula in an order that follows memory layout,
    which shifts with the size of the environment (the checkout's path, say): the same commit
    built in two folders gave different math images. Order within ``<defs>`` means nothing."""
    return _SVG_DEFS.sub(
        lambda m: m.group(1) + "\n".join(sorted(m.group(2).split("\n"))) + m.group(3), svg
    )


def _canonical_math_images(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    # imgmath embeds each formula as a base64 SVG (imgmath_embed) in the page body.
    def canonical(match: re.Match[str]) -> str:
        svg = base64.b64decode(match.group(1)).decode("utf-8")
        encoded = base64.b64encode(canonical_math_svg(svg).encode("utf-8")).decode("ascii")
        return "data:image/svg+xml;base64," + encoded

    body = context.get("body", "")
    if "data:image/svg+xml;base64," in body:
        context["body"] = _SVG_DATA_URI.sub(canonical, body)


def _write_index_redirect(app: Sphinx, exception: Exception | None) -> None:
    # sphinx-external-toc writes a bare <meta> redirect when index.html is missing; write a
    # valid HTML page instead (it then leaves ours alone).
    if exception is None and app.builder.format == "html":
        root = app.config.root_doc
        title = app.config.project
        (Path(app.outdir) / "index.html").write_text(
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n"
            f'<meta http-equiv="refresh" content="0; url={root}.html">\n</head>\n<body>\n'
            f'<p><a href="{root}.html">{title}</a></p>\n</body>\n</html>\n',
            encoding="utf-8",
        )


def _write_chart_script(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / CHART_SCRIPT
        stamp = charts.bundle_stamp()
        if target.is_file():
            with target.open(encoding="utf-8") as script:
                if script.read(len(stamp)) == stamp:
                    return  # bundling takes 1-2 s; an incremental build keeps the current one
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(stamp + charts.javascript_bundle(), encoding="utf-8")


def _skip_collection_at_exit(app: Sphinx, exception: Exception | None) -> None:
    """Once the build is done, exempt everything it built from the cyclic garbage collector.

    Otherwise, as Python exits, the collector walks the whole heap (doctrees, the environment,
    pandas, Altair) again and again: about 0.9 s of every build, for memory the process is about
    to give back anyway. Reference counting still frees objects and closes files as usual."""
    gc.freeze()


def _cache_pybtex_plugin_lookups() -> None:
    """sphinxcontrib-bibtex asks pybtex for a plugin for every citation (about 200 here), and
    pybtex scans every installed package's entry points each time: about 0.5 s of each build on
    this machine. Plugins do not change during a build, so remember them (a failed lookup still
    raises, and is not kept)."""
    import pybtex.plugin

    if not hasattr(pybtex.plugin._load_entry_point, "cache_info"):
        pybtex.plugin._load_entry_point = functools.cache(pybtex.plugin._load_entry_point)


def _load_bib_cache(app: Sphinx) -> None:
    if kept := bib_cache.load(app.doctreedir):
        LOGGER.info(f"{kept} formatted bibliography entries kept from the last build")


def _save_bib_cache(app: Sphinx, exception: Exception | None) -> None:
    if exception is None:
        bib_cache.save(app.doctreedir)


TEMPLATE_CACHE = "kursk-jinja-html"


def _cache_compiled_templates(app: Sphinx) -> None:
    """Keep the theme's compiled page templates beside the doctrees for the next build.

    Jinja compiles every template the first time a build renders a page (about 0.35 s, a tenth
    of a prose edit). Its bytecode cache keys each template on its name and checks the source's
    hash and the Jinja and Python versions before reusing it, so an edited template is compiled
    afresh. HTML builders only: the cache holds one environment's compilations."""
    import jinja2

    templates = getattr(app.builder, "templates", None)
    if app.builder.format == "html" and hasattr(templates, "environment"):
        folder = Path(app.doctreedir) / TEMPLATE_CACHE
        folder.mkdir(parents=True, exist_ok=True)
        templates.environment.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))


def _disable_thebe(app: Sphinx) -> None:
    """Jupyter Book always loads sphinx-thebe, which points every page at a CDN (and declares
    THEBE_JS_URL twice on incremental builds). The edition runs no remote kernels, so drop it."""
    for event in ("env-before-read-docs", "doctree-resolved"):
        app.events.listeners[event] = [
            listener
            for listener in app.events.listeners[event]
            if not getattr(listener.handler, "__module__", "").startswith("sphinx_thebe")
        ]


def heading_substitutions(reg: paragraph_registry.Registry) -> dict[str, str]:
    """``{{ p01_heading }}`` and friends, so chapter headings come from the registry."""
    return {f"{p.id}_heading": f"¶{p.number} · {p.title}" for p in reg.paragraphs}


DATA_CHECKED = "kursk-data-checked"


def data_files_key() -> str:
    """What the data-file checks depend on: the package's code, ``data/`` and the bibliography."""
    bib = hashlib.sha256(paragraph_registry.BIBLIOGRAPHY.read_bytes()).hexdigest()[:16]
    return f"{inputs_fingerprint()}-{bib}"


def _check_data_files(app: Sphinx, reg: paragraph_registry.Registry) -> None:
    """Check every data file, unless these very files passed with this very code in this build
    folder before: then they pass again, and an incremental build skips importing pandas and
    loading the tables (about 1 s of a 4-5 s prose edit)."""
    stamp = Path(app.doctreedir) / DATA_CHECKED
    key = data_files_key()
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == key:
        return
    from kursk_edition.data import validate_data_files

    validate_data_files(reg)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(key, encoding="utf-8")


def _validate_and_substitute(app: Sphinx, config: Config) -> None:
    # Fail before reading anything if the registry, the bibliography, a citation or any data
    # file is broken, so bad data stops the build in seconds with a message naming the field.
    try:
        # The chapters' citations change with prose, so these checks run on every build.
        reg = paragraph_registry.validate()
        _check_data_files(app, reg)
    except DataError as exc:
        raise ConfigError(f"invalid edition data: {exc}") from None
    config.myst_substitutions = {
        **config.myst_substitutions,
        **heading_substitutions(reg),
        **paragraph_registry.count_substitutions(reg),
    }


class ParagraphDirective(SphinxDirective):
    """Render one registry paragraph: paraphrase, attributed quote, deep link, annotations.

    Annotations become footnotes anchored on their phrase: margin notes in the HTML (the
    theme's sidenotes), footnotes in the PDF.
    """

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        reg = paragraph_registry.registry()
        try:
            paragraph = reg.paragraph(self.arguments[0])
        except KeyError as exc:
            raise self.error(str(exc)) from None
        self.env.note_dependency(str(paragraph_registry.REGISTRY))
        footnotes: list[nodes.footnote] = []
        block = nodes.container(classes=["kursk-paragraph"])

        paraphrase = nodes.paragraph(classes=["kursk-paraphrase"])
        paraphrase += nodes.strong(text="In our words. ")
        paraphrase += self._annotated(paragraph, paragraph.paraphrase, footnotes)
        block += paraphrase

        quote = nodes.block_quote(classes=["kursk-quote"])
        quote += nodes.paragraph(
            "",
            "",
            nodes.Text("\u201c"),
            *self._annotated(paragraph, paragraph.quote, footnotes),
            nodes.Text("\u201d"),
        )
        quote += nodes.attribution(
            text=f"{reg.article.author}, ¶{paragraph.number} of the original"
        )
        block += quote

        link = paragraph_registry.deep_link(reg.article.url, paragraph.quote)
        block += nodes.paragraph(
            "",
            "",
            nodes.reference(
                "",
                f"Read ¶{paragraph.number} in the original \u2197",
                refuri=link,
                classes=["kursk-deep-link"],
            ),
            classes=["kursk-original-link"],
        )
        block += footnotes
        return [block]

    def _annotated(
        self, paragraph: paragraph_registry.Paragraph, text: str, footnotes: list[nodes.footnote]
    ) -> list[nodes.Node]:
        """The text with each annotation's anchor phrase marked and followed by its footnote."""
        out: list[nodes.Node] = []
        position = 0
        for start, annotation in paragraph.anchored_in(text):
            end = start + len(annotation.anchor)
            out.append(nodes.Text(text[position:start]))
            out.append(nodes.inline(text=text[start:end], classes=["kursk-anchor"]))
            out.append(self._footnote(paragraph, annotation, footnotes))
            position = end
        out.append(nodes.Text(text[position:]))
        return out

    def _footnote(
        self,
        paragraph: paragraph_registry.Paragraph,
        annotation: paragraph_registry.Annotation,
        footnotes: list[nodes.footnote],
    ) -> AnnotationMark:
        # An auto-numbered, named footnote, registered as the reST parser does for [#name]_.
        # Its reference is placed by AnnotationFootnotes after MyST has finished the page,
        # because MyST reports any footnote reference it did not parse itself.
        name = f"{paragraph.id}-note-{len(footnotes) + 1}"
        cites = ",".join(annotation.cite)
        body, messages = self.state.inline_text(
            f"{annotation.note} {{cite:p}}`{cites}`", self.lineno
        )
        footnote = nodes.footnote("", nodes.paragraph("", "", *body), auto=1, names=[name])
        self.state.document.note_autofootnote(footnote)
        self.state.document.note_explicit_target(footnote, footnote)
        footnotes.append(footnote)
        footnotes.extend(messages)
        return AnnotationMark(refname=name)


class AnnotationMark(nodes.Inline, nodes.Element):
    """Where an annotation's footnote reference goes; replaced before footnotes are numbered."""


class AnnotationFootnotes(SphinxTransform):
    """Turn annotation marks into auto-numbered footnote references."""

    # Before Sphinx's UnreferencedFootnotesDetector (200) and docutils' Footnotes (620).
    default_priority = 190

    def apply(self, **kwargs: Any) -> None:
        for mark in list(self.document.findall(AnnotationMark)):
            reference = nodes.footnote_reference("", "", auto=1, refname=mark["refname"])
            self.document.note_autofootnote_ref(reference)
            self.document.note_footnote_ref(reference)
            mark.replace_self(reference)


class TidySidenotes(SphinxPostTransform):
    """Mend two side effects of the theme's sidenote transform (HandleFootnoteTransform).

    - It moves footnote content by assigning ``children`` directly, so those nodes keep their
      old parent; a citation in a note would then be resolved in the detached tree and left
      unresolved on the page. Re-link them before references are resolved.
    - For a note inside a block (our quotations) it also leaves a hidden copy (class ``d-n``)
      for narrow screens, which repeats the citations' ids; drop the ids in the copy.
    """

    default_priority = 2  # after the theme's transform (1), before references resolve (10)
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        for note in self.document.findall(nodes.inline):
            if {"sidenote", "marginnote"} & set(note["classes"]):
                for child in note.children:
                    child.parent = note
            if "d-n" in note["classes"]:
                for element in note.findall(nodes.Element):
                    element["ids"] = []


class chart_node(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """A chart's Vega-Lite spec; each writer renders it in its own medium."""


def _visit_chart_html(translator: Any, node: chart_node) -> None:
    translator.body.append(charts.chart_html(node["spec"]))
    raise nodes.SkipNode


def _visit_chart_latex(translator: Any, node: chart_node) -> None:
    # Converted only when the PDF is built: HTML builds never start the chart converter. A
    # process started with the build makes them ahead from the doctrees (chart_pdfs); whatever
    # it has not made, the writer makes here.
    outdir = Path(translator.builder.outdir)
    name = chart_pdfs.pdf_name(node["spec"])
    if not chart_pdfs.wait_for(outdir / name, outdir):
        chart_pdfs.write_once(outdir / name, charts.chart_pdf(node["spec"]))
    translator.body.append(f"\n\\sphinxincludegraphics{{{{{name}}}}}\n")
    raise nodes.SkipNode


def _keep_html_numbering_in_environment(app: Sphinx, env: Any) -> None:
    """sphinx-jupyterbook-latex sets ``numfig_secnum_depth`` to 2 for a LaTeX build of a book
    with parts. The environment is pickled with the config, so the next HTML build saw a changed
    config and re-read every page (a prose edit after ``make book`` cost a whole build). The
    configured value goes back before the environment is pickled; the LaTeX writer gets the
    book's value again before it writes (:func:`_latex_numbering_for_writer`: the LaTeX builder
    emits no write-started, but resolves each document it assembles before writing it)."""
    if app.builder.format == "latex":
        app.kursk_latex_secnum_depth = app.config.numfig_secnum_depth
        app.config.numfig_secnum_depth = app.kursk_configured_secnum_depth


def _latex_numbering_for_writer(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.format == "latex" and hasattr(app, "kursk_latex_secnum_depth"):
        app.config.numfig_secnum_depth = app.kursk_latex_secnum_depth


def _remember_configured_numbering(app: Sphinx, config: Config) -> None:
    app.kursk_configured_secnum_depth = config.numfig_secnum_depth


def _start_chart_pdfs(app: Sphinx) -> None:
    if app.builder.format == "latex":
        app.kursk_chart_pdfs = chart_pdfs.start(Path(app.doctreedir), Path(app.outdir))


def _stop_chart_pdfs(app: Sphinx, exception: Exception | None) -> None:
    # Every figure is written by now; a maker still at work has nothing left to add.
    process = getattr(app, "kursk_chart_pdfs", None)
    if process is not None and process.poll() is None:
        process.terminate()
        process.wait()


def _skip(translator: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


class VegaLiteMimeRenderer:
    """myst-nb plugin for the chart outputs of the book build (``charts.MIME_TYPE``).

    Registered under the ``myst_nb.mime_renderers`` entry point (pyproject.toml). The doctree
    keeps the spec; the HTML writer draws the chart's container and the LaTeX writer a vector
    PDF figure, so one cached execution serves both builds.
    """

    mime_priority_overrides: ClassVar[list[tuple[str, str, int]]] = [("*", charts.MIME_TYPE, 1)]

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> list[nodes.Element] | None:
        if data.mime_type != charts.MIME_TYPE or inline:
            return None
        spec = data.content if isinstance(data.content, dict) else json.loads(data.content)
        return [chart_node(spec=spec)]


def setup(app: Sphinx) -> dict[str, Any]:
    # Kernels this build starts are book-build kernels (chart specs, no live widgets), also for
    # a plain `jupyter-book build` that did not go through the Makefile or scripts/build.sh.
    os.environ.setdefault(charts.BUILD_ENV_VAR, "1")
    _disable_thebe(app)
    _cache_pybtex_plugin_lookups()
    bib_cache.install()
    app.connect("builder-inited", _load_bib_cache)
    app.connect("builder-inited", _cache_compiled_templates)
    app.connect("build-finished", _save_bib_cache)
    execution.setup(app)
    app.connect("config-inited", _validate_and_substitute)
    app.add_directive("paragraph", ParagraphDirective)
    app.add_node(
        chart_node,
        html=(_visit_chart_html, None),
        latex=(_visit_chart_latex, None),
        text=(_skip, None),
        man=(_skip, None),
        texinfo=(_skip, None),
    )
    app.add_transform(AnnotationFootnotes)
    app.add_post_transform(TidySidenotes)
    app.connect("source-read", _note_input_dependencies)
    app.connect("html-page-context", _add_chart_script)
    # After the extensions that add their assets to the page (default priority 500).
    app.connect("html-page-context", _drop_unused_assets, priority=900)
    app.connect("html-page-context", _canonical_math_images)
    app.connect("build-finished", _write_chart_script)
    app.connect("builder-inited", _start_chart_pdfs)
    app.connect("config-inited", _remember_configured_numbering)
    # After every other env-updated handler (they may read the config); before the pickle.
    app.connect("env-updated", _keep_html_numbering_in_environment, priority=900)
    app.connect("doctree-resolved", _latex_numbering_for_writer)
    app.connect("build-finished", _stop_chart_pdfs)
    # Before sphinx-external-toc's own handler (default priority 500).
    app.connect("build-finished", _write_index_redirect, priority=400)
    app.connect("build-finished", _skip_collection_at_exit, priority=900)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}

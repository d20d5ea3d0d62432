"""The print edition (the PDF): what the reader holds and where it comes from.

Part of the book's Sphinx extension (:mod:`kursk_edition.book`). It changes nothing in the HTML
build but for the ``{web}`` and ``{print}`` roles.

- ``config-inited``: puts the edition's version (``git describe --always --dirty``), the build
  date and the web edition's address into the LaTeX preamble as macros that
  ``_latex/kursk-print.sty`` sets on the title page, on the back of the title page (licence,
  how to cite, colophon) and in the PDF's metadata. The address is the one setting
  ``html.baseurl`` in ``_config.yml`` (Sphinx's ``html_baseurl``); when it is empty the PDF
  names no address. The repository's address (``kursk_repository_url``, :mod:`takeaway`) is
  ``\\KurskRepositoryAddress``, likewise empty when unset.
- A LaTeX translator (a subclass of the one in use) writes a quotation's attribution with a real
  em dash: Sphinx writes ``---``, which XeLaTeX without TeX ligatures prints as three hyphens.
- Two inline roles, ``{web}`...``` and ``{print}`...```, for the words of a caption or a sentence
  that belong to one medium ("hover over a point" on the web; "the printed figure shows the
  defaults" in print). The rest of the sentence is written once. Each is an inline node that
  the HTML writer shows only if it is ``web`` and the LaTeX writer only if it is ``print`` (no
  stray markup or space is left behind for the other medium).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.docutils import SphinxRole
from sphinx.writers.latex import LaTeXTranslator

from kursk_edition import ROOT

STYLE_FILE = "kursk-print.sty"
MONTHS = (
    "January February March April May June July August September October November December"
).split()


def edition_version(root: Path = ROOT) -> str:
    """The edition's version as git gives it (tag, or short hash, ``-dirty`` if edited)."""
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return described or "unknown"


def build_date() -> dt.date:
    """Today (UTC), or the date ``SOURCE_DATE_EPOCH`` gives, for a reproducible PDF."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.datetime.now(dt.UTC).date()


def long_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def web_address_from(value: Any) -> str:
    """The web edition's address from the ``html_baseurl`` setting, or "" when it is unset."""
    address = str(value or "").strip()
    if not address:
        return ""
    return address if address.endswith("/") else address + "/"


def latex_escape(text: str) -> str:
    """Text for a LaTeX argument (the version, the date): TeX's special characters escaped."""
    special = {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "#": r"\#",
        "$": r"\$",
        "%": r"\%",
        "&": r"\&",
        "_": r"\_",
        "^": r"\^{}",
        "~": r"\~{}",
    }
    return "".join(special.get(char, char) for char in text)


def url_argument(address: str) -> str:
    """An address as the argument of ``\\url``: only ``%`` and ``#`` need escaping there."""
    return address.replace("%", r"\%").replace("#", r"\#")


def preamble_macros(version: str, date: str, address: str, repository: str = "") -> str:
    """The macros ``kursk-print.sty`` reads: ``\\KurskVersion``, ``\\KurskBuildDate``,
    ``\\KurskWebAddress`` and ``\\KurskRepositoryAddress`` (each address empty when unset)."""
    return (
        "\n% The print edition (kursk_edition/print_edition.py, _latex/kursk-print.sty)\n"
        f"\\newcommand*{{\\KurskVersion}}{{{latex_escape(version)}}}\n"
        f"\\newcommand*{{\\KurskBuildDate}}{{{latex_escape(date)}}}\n"
        f"\\newcommand*{{\\KurskWebAddress}}{{{url_argument(address)}}}\n"
        f"\\newcommand*{{\\KurskRepositoryAddress}}{{{url_argument(repository)}}}\n"
        f"\\usepackage{{{Path(STYLE_FILE).stem}}}\n"
    )


def _configure_latex(app: Sphinx, config: Config) -> None:
    elements = config.latex_elements
    version = edition_version(Path(app.confdir))
    date = long_date(build_date())
    address = web_address_from(config.html_baseurl)
    repository = str(getattr(config, "kursk_repository_url", "") or "").strip()
    # _latex/kursk-print.sty itself is copied beside book.tex by latex_additional_files.
    elements["preamble"] = elements.get("preamble", "") + preamble_macros(
        version, date, address, repository
    )


def visit_attribution(translator: LaTeXTranslator, node: nodes.Element) -> None:
    """An attribution, set flush right after an em dash (Sphinx writes ``---``)."""
    translator.body.append("\n\\begin{flushright}\n\\textemdash\\,")


class EditionLaTeXTranslator(LaTeXTranslator):
    """Sphinx's LaTeX translator, with an em dash before a quotation's attribution."""

    visit_attribution = visit_attribution


def _set_translator(app: Sphinx) -> None:
    # A subclass of whatever translator the LaTeX builder would use (another extension's, if
    # one set it), so this extension changes only the attribution.
    if app.builder.format != "latex":
        return
    base = app.builder.get_translator_class()
    if base is LaTeXTranslator:
        translator: type = EditionLaTeXTranslator
    else:
        translator = type(
            "EditionLaTeXTranslator", (base,), {"visit_attribution": visit_attribution}
        )
    app.set_translator(app.builder.name, translator, override=True)


class medium_text(nodes.Inline, nodes.TextElement):  # noqa: N801 (docutils node naming)
    """Inline text for one medium: ``medium`` is "web" or "print"."""


def _shown_in(medium: str) -> Any:
    def visit(translator: Any, node: medium_text) -> None:
        if node["medium"] != medium:
            raise nodes.SkipNode

    return visit


def _depart(translator: Any, node: medium_text) -> None:
    pass


class MediumRole(SphinxRole):
    """``{web}`...``` or ``{print}`...```: inline text, with its markup, for one medium."""

    def __init__(self, medium: str) -> None:
        self.medium = medium

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        node = medium_text(medium=self.medium)
        children, messages = self.inliner.parse(self.text, self.lineno, self.inliner, node)
        node.extend(children)
        return [node], messages


def setup(app: Sphinx) -> None:
    app.add_node(
        medium_text,
        html=(_shown_in("web"), _depart),
        latex=(_shown_in("print"), _depart),
        # Plain-text outputs are read away from the web edition's controls.
        text=(_shown_in("print"), _depart),
        man=(_shown_in("print"), _depart),
        texinfo=(_shown_in("print"), _depart),
    )
    app.add_role("web", MediumRole("web"))
    app.add_role("print", MediumRole("print"))
    # After sphinx-jupyterbook-latex (default priority) has written its part of the preamble.
    app.connect("config-inited", _configure_latex, priority=600)
    app.connect("builder-inited", _set_translator)

"""Prose shown by a code cell (:mod:`kursk_edition.prose`), rendered as if written in the chapter.

A display cell such as ``chapters.paragraph("p07")`` outputs MyST source under
:data:`kursk_edition.prose.MIME_TYPE` (plus HTML for a notebook). :class:`MystMimeRenderer`, a
myst-nb plugin registered under the ``myst_nb.mime_renderers`` entry point, parses that source
where the output stands, with the page's own MyST parser, and keeps the result in a
:class:`prose_node`. After myst-nb has chosen each output's MIME type, :class:`UnwrapProse`
replaces the whole cell (its output containers included) by the parsed nodes, so the page and the
PDF get exactly the nodes the same MyST written in the chapter would give.
"""

from __future__ import annotations

from typing import Any, ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

from kursk_edition.prose import MIME_TYPE


class prose_node(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """Nodes parsed from a display cell's MyST; replaced by them, cell and all, before writing."""


class MystMimeRenderer:
    """myst-nb plugin for the display cells' MyST (``kursk_edition.prose.MIME_TYPE``)."""

    mime_priority_overrides: ClassVar[list[tuple[str, str, int]]] = [("*", MIME_TYPE, 1)]

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> list[nodes.Element] | None:
        if data.mime_type != MIME_TYPE or inline:
            return None
        content = data.content
        if isinstance(content, str):
            import json

            content = json.loads(content)
        holder = prose_node()
        parser = renderer.renderer  # the page's MyST renderer, with the page's configuration
        with parser.current_node_context(holder):
            parser.nested_render_text(content["myst"], data.line or 0)
        return [holder]


def _cell(node: nodes.Node) -> nodes.Element | None:
    """The code cell (myst-nb's ``cell_code`` container) that holds ``node``."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.container) and parent.get("nb_element") == "cell_code":
            return parent
        parent = parent.parent
    return None


class UnwrapProse(SphinxPostTransform):
    """Replace each display cell of prose by the nodes its MyST gave."""

    default_priority = 5  # after myst-nb's SelectMimeType (4), before references resolve (10)

    def run(self, **kwargs: Any) -> None:
        for prose in list(self.document.findall(prose_node)):
            cell = _cell(prose)
            if cell is None or len(list(cell.findall(prose_node))) != 1:
                cell = prose
            # Not replace_self, which would give the first node the cell's classes.
            parent = cell.parent
            index = parent.index(cell)
            parent[index : index + 1] = list(prose.children)


def setup(app: Sphinx) -> None:
    app.add_node(prose_node)
    app.add_post_transform(UnwrapProse)

"""The ``{paragraph}`` directive: one registry paragraph as a block of nodes.

Paraphrase, attributed quotation, deep link to the original, and the annotations as footnotes
anchored on their phrase (margin notes in the HTML through the theme's sidenotes, footnotes in
the PDF). Registry text becomes text nodes, never parsed markup; only each note's citation is
parsed, as a ``{cite:p}`` role.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from kursk_edition.record import registry as paragraph_registry


def citation_nodes(directive: SphinxDirective, keys: list[str]) -> list[nodes.Node]:
    """A parenthetical citation of ``keys``, parsed as the ``{cite:p}`` role would be."""
    parsed, messages = directive.state.inline_text(
        "{cite:p}`" + ",".join(keys) + "`", directive.lineno
    )
    return [*parsed, *messages]


class ParagraphDirective(SphinxDirective):
    """Render one registry paragraph: paraphrase, attributed quote, deep link, annotations."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        reg = paragraph_registry.registry()
        try:
            paragraph = reg.paragraph(self.arguments[0])
        except KeyError as exc:
            raise self.error(str(exc)) from None
        self.env.note_dependency(str(paragraph_registry.REGISTRY))
        footnotes: list[nodes.Node] = []
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
        self,
        paragraph: paragraph_registry.Paragraph,
        text: str,
        footnotes: list[nodes.Node],
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
        footnotes: list[nodes.Node],
    ) -> AnnotationMark:
        # An auto-numbered, named footnote, registered as the reST parser does for [#name]_.
        # Its reference is placed by AnnotationFootnotes after MyST has finished the page,
        # because MyST reports any footnote reference it did not parse itself.
        name = f"{paragraph.id}-note-{sum(isinstance(n, nodes.footnote) for n in footnotes) + 1}"
        body = nodes.paragraph(
            "", "", nodes.Text(annotation.note + " "), *citation_nodes(self, annotation.cite)
        )
        footnote = nodes.footnote("", body, auto=1, names=[name])
        self.state.document.note_autofootnote(footnote)
        self.state.document.note_explicit_target(footnote, footnote)
        footnotes.append(footnote)
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
      unresolved on the page. Re-link them (in our document) before references are resolved.
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

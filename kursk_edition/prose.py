"""Prose that a chapter shows through a code cell, so that it reads the same in the book and in
a notebook (issue 15).

JupyterLab renders a chapter's Markdown cells with jupyterlab-myst, which knows nothing of the
book's own blocks: a ``{paragraph}`` directive shows empty and a ``{{ substitution }}`` raw. Such
blocks are written as one-line display cells instead (``chapters.paragraph("p07")``, tagged
``remove-input``). Each outputs a :class:`Prose`:

- for the book, its MyST source under the edition's own MIME type (:data:`MIME_TYPE`), which the
  book's extension (:mod:`kursk_edition.book.prose`) parses in place of the cell, so the page and
  the PDF are what the same MyST written in the chapter would give;
- for a notebook, escaped HTML (registry text is data, never markup) and plain text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

MIME_TYPE = "application/vnd.kursk-edition.myst+json"


@dataclass(frozen=True)
class Prose:
    """MyST for the book; HTML and plain text for a notebook."""

    myst: str
    html: str
    text: str

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {MIME_TYPE: {"myst": self.myst}, "text/html": self.html, "text/plain": self.text}


def _cite_html(keys: list[str]) -> str:
    """Citations as text: each source's title, linked to the page read."""
    from kursk_edition.record.bibliography import source_title, source_url

    links = [
        f'<a href="{html.escape(source_url(k))}">{html.escape(source_title(k))}</a>' for k in keys
    ]
    return "(" + "; ".join(links) + ")"


def paragraph(pid: str) -> Prose:
    """One registry paragraph: the ``{paragraph}`` block of the book; in a notebook the
    paraphrase, the quotation with its attribution, the link to the original and the notes."""
    from kursk_edition.record import registry as paragraph_registry

    reg = paragraph_registry.registry()
    p = reg.paragraph(pid)
    notes: list[str] = []

    def annotated(text: str) -> str:
        out, position = [], 0
        for start, annotation in p.anchored_in(text):
            end = start + len(annotation.anchor)
            notes.append(f"{html.escape(annotation.note)} {_cite_html(annotation.cite)}")
            out.append(html.escape(text[position:start]))
            out.append(f"<u>{html.escape(text[start:end])}</u><sup>{len(notes)}</sup>")
            position = end
        out.append(html.escape(text[position:]))
        return "".join(out)

    link = paragraph_registry.deep_link(reg.article.url, p.quote)
    attribution = f"{reg.article.author}, ¶{p.number} of the original"
    body = (
        f'<div class="kursk-paragraph"><p><b>In our words.</b> {annotated(p.paraphrase)}</p>'
        f"<blockquote><p>\u201c{annotated(p.quote)}\u201d</p>"
        f"<p>\u2014 {html.escape(attribution)}</p></blockquote>"
        f'<p><a href="{html.escape(link)}">Read ¶{p.number} in the original \u2197</a></p>'
    )
    if notes:
        body += "<ol>" + "".join(f"<li>{note}</li>" for note in notes) + "</ol>"
    body += "</div>"
    text = f"In our words. {p.paraphrase}\n\u201c{p.quote}\u201d \u2014 {attribution}\n{link}"
    return Prose(myst=f"```{{paragraph}} {pid}\n```", html=body, text=text)


def chapter_counts(chapter: str) -> Prose:
    """A chapter's opening count: the paragraphs it covers, their claims by type and notes."""
    from kursk_edition.chapters import markdown_text
    from kursk_edition.record import registry as paragraph_registry

    first, last = paragraph_registry.CHAPTER_PARAGRAPHS[chapter]
    c = paragraph_registry.claim_counts(first, last)
    text = (
        f"This chapter covers ¶{int(first[1:])}–¶{int(last[1:])}. Between them they make "
        f"{c['claims']} claims (factual: {c['fact']}; assessments: {c['assessment']}; "
        f"forecasts: {c['forecast']}; recommendations: {c['recommendation']}) and carry "
        f"{c['annotations']} source notes."
    )
    return Prose(
        myst=markdown_text(text), html=f"<p>{html.escape(text)}</p>{NOTEBOOK_NOTE}", text=text
    )


# What a notebook reader is told, once per chapter, about the book's markup that JupyterLab
# cannot render (jupyterlab-myst knows no Sphinx roles or directives of its own).
NOTEBOOK_NOTE = (
    '<p style="font-size:smaller"><i>In JupyterLab some of the book\'s markup shows in plain '
    "form: citations as their keys (the bibliography lists them), the book's figure blocks and "
    "rubrics as collapsed boxes, numbers quoted from the models by their names (each figures "
    "cell lists them), and a phrase written for the web and its printed alternative side by "
    "side (read the first; the second is for paper).</i></p>"
)


def edition_counts() -> Prose:
    """The whole edition's count: paragraphs, claims by type, sources and notes."""
    from kursk_edition.chapters import markdown_text
    from kursk_edition.record import registry as paragraph_registry

    c = paragraph_registry.count_substitutions()
    text = (
        f"In all, the registry holds {c['edition_paragraphs']} paragraphs and "
        f"{c['edition_claims']} claims (factual: {c['edition_fact']}; assessments: "
        f"{c['edition_assessment']}; forecasts: {c['edition_forecast']}; recommendations: "
        f"{c['edition_recommendation']}), and the edition cites {c['edition_sources']} sources "
        f"in {c['edition_notes']} margin notes and the commentary."
    )
    return Prose(myst=markdown_text(text), html=f"<p>{html.escape(text)}</p>", text=text)

"""What the chapters' code cells call: one line each, so the chapters hold prose, not code.

Numbers and charts are glued (myst-nb ``glue``) for the prose's ``{glue:text}`` and
``{glue:figure}``, so the text never retypes what the data or the models hold. Tables made
from data are Markdown whose every value is escaped (:func:`markdown_text`): data is text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kursk_edition.models.params import Param

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def markdown_text(value: Any) -> str:
    """``value`` as Markdown that renders as exactly its text, on one line.

    Every ASCII punctuation character is backslash-escaped (CommonMark allows that for all of
    them), so no markup, HTML, role, substitution or table syntax in data can take effect."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(value).split()))


# ---------------------------------------------------------------------------------------------
# Gluing
# ---------------------------------------------------------------------------------------------


def setup() -> None:
    """The first cell of every chapter with charts: pick the renderer for where it runs (and
    show nothing, so a notebook reader's first cell has no output)."""
    from kursk_edition.charts.render import use_book_renderer

    use_book_renderer()


# A live notebook's glued charts, by name, for :func:`figure`.
_LIVE_CHARTS: dict[str, Any] = {}


def _in_book_build() -> bool:
    from kursk_edition.charts.render import in_book_build

    return in_book_build()


def glue_values(prefix: str, values: Mapping[str, Any]) -> None:
    """Glue each value as ``{prefix}-{name}`` (hidden until a ``{glue:text}`` role shows it).

    In a live notebook, where JupyterLab shows a ``{glue:text}`` role as its name, the values
    are also listed under their names."""
    from myst_nb import glue

    for name, value in values.items():
        glue(f"{prefix}-{name}", value, display=False)
    if not _in_book_build():
        import html

        from IPython.display import HTML, display

        rows = "".join(
            f"<tr><td><code>{html.escape(f'{prefix}-{name}')}</code></td>"
            f"<td>{html.escape(str(value))}</td></tr>"
            for name, value in values.items()
        )
        display(
            HTML(
                "<p>In a notebook the text below names these numbers instead of showing them "
                f"(JupyterLab does not read the book's glue roles):</p><table>{rows}</table>"
            )
        )


def glue_chart(name: str, chart: Any) -> None:
    """Glue an Altair chart for a ``{glue:figure}``. In the book build its spec is validated
    first, so an invalid chart fails the cell (and the build) with Altair's error."""
    from myst_nb import glue

    from kursk_edition.charts import render

    glue(name, render.ValidatedChart(chart) if render.in_book_build() else chart, display=False)
    if not render.in_book_build():
        _LIVE_CHARTS[name] = chart


def figure(name: str) -> Any:
    """A glued chart, drawn where its figure stands, in a live notebook (nothing in the book,
    whose ``{glue:figure}`` block shows it with its caption)."""
    if _in_book_build():
        return None
    from IPython.display import HTML, display

    from kursk_edition.widgets.panel import live_chart

    display(live_chart(_LIVE_CHARTS[name]))
    return HTML(
        "<p><i>The figure's caption is in the block below, which JupyterLab cannot render (a "
        "figure of the book); open it to read the caption.</i></p>"
    )


def paragraph(pid: str) -> Any:
    """A registry paragraph, as the book's ``{paragraph}`` block (:mod:`kursk_edition.prose`)."""
    from kursk_edition import prose

    return prose.paragraph(pid)


def chapter_counts(chapter: str) -> Any:
    """A chapter's opening count of its paragraphs, claims and notes."""
    from kursk_edition import prose

    return prose.chapter_counts(chapter)


def edition_counts() -> Any:
    """The whole edition's count of paragraphs, claims, sources and notes."""
    from kursk_edition import prose

    return prose.edition_counts()


def markdown(text: str) -> Any:
    """Markdown output for a cell (myst-nb parses it as MyST)."""
    from IPython.display import Markdown

    return Markdown(text)


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


def _number(value: float) -> str:
    return f"{value:g}"


def params_table(params: Mapping[str, Param], symbols: Mapping[str, str] | None = None) -> str:
    """A Markdown table of parameters: name, unit, range and step, default, justification."""
    symbols = symbols or {}
    lines = [
        "| Parameter | Unit | Range (step) | Default | Justification |",
        "|---|---|---|---|---|",
    ]
    for name, p in params.items():
        symbol = f" {symbols[name]}" if name in symbols else ""
        lines.append(
            f"| {markdown_text(p.label)} (`{name}`{symbol}) | {markdown_text(p.unit)} | "
            f"{_number(p.low)}–{_number(p.high)} ({_number(p.step)}) | {_number(p.default)} | "
            f"{markdown_text(p.justification)} |"
        )
    return "\n".join(lines)


def frame_table(frame: Any, formats: Mapping[str, str]) -> str:
    """A Markdown table of the columns named in ``formats`` (header -> column:format spec).

    ``formats`` maps a header to ``"column"`` or ``"column:spec"``, e.g. ``"km²": "km2:,.0f"``.
    """
    headers = list(formats)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for _, row in frame.iterrows():
        cells = []
        for spec in formats.values():
            column, _, fmt = spec.partition(":")
            value = row[column]
            cells.append(markdown_text(format(value, fmt) if fmt else value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# Wires the scorecard's filter form once the page is parsed (web edition only: it goes out with
# the form, in the book's HTML, and nowhere a notebook would show it as text).
_FILTER_SCRIPT = """<script>
  // The filter form comes with the entries below; wire it once the page is parsed.
  document.addEventListener("DOMContentLoaded", function () {
    const verdict = document.getElementById("scorecard-verdict");
    const topic = document.getElementById("scorecard-topic");
    const count = document.getElementById("scorecard-count");
    if (!verdict || !topic || !count) return;
    function apply() {
      let shown = 0;
      document.querySelectorAll(".scorecard-entry").forEach(function (entry) {
        const match = (!verdict.value || entry.classList.contains(verdict.value)) &&
          (!topic.value || entry.classList.contains(topic.value));
        entry.hidden = !match;
        shown += match ? 1 : 0;
      });
      count.textContent = shown + " shown";
    }
    verdict.addEventListener("change", apply);
    topic.addEventListener("change", apply);
    apply();
  });
</script>"""


def _filter_form(present_verdicts: list[str], present_topics: list[str]) -> str:
    """The scorecard's filter (HTML), offering only verdicts and topics that have entries."""
    import html

    def options(name: str, label: str, values: list[str]) -> str:
        items = "".join(
            f'<option value="{name}-{html.escape(slug)}">{html.escape(value)}</option>'
            for value, slug in ((v, v.replace(" ", "-")) for v in values)
        )
        return (
            f'<label>{label.capitalize()} <select id="scorecard-{name}">'
            f'<option value="">all {label}s</option>{items}</select></label>'
        )

    return (
        '<form class="scorecard-filter" aria-label="Filter the scorecard">'
        + options("verdict", "verdict", present_verdicts)
        + options("topic", "topic", present_topics)
        + '<output id="scorecard-count" aria-live="polite"></output></form>'
    )


def scorecard_entries() -> Any:
    """One entry per assessed claim: claim and ¶ link, verdict, evidence and reasoning, and for
    a recommendation what followed.

    The HTML version is a filterable list (by verdict and topic); print gets a table instead.
    """
    from kursk_edition.record.registry import registry
    from kursk_edition.record.scorecard import TOPICS, VERDICTS, scorecard, slug

    card, reg = scorecard(), registry()
    claims = {c.id: (p.number, p.id, c.text) for p in reg.paragraphs for c in p.claims}
    html, rows = [], []
    for a in sorted(card.assessments, key=lambda a: (claims[a.claim][1], a.claim)):
        number, pid, text = claims[a.claim]
        cites = ",".join(a.cite)
        claim, reasoning = markdown_text(text), markdown_text(a.reasoning)
        followed = f" **What followed.** {markdown_text(a.followed)}" if a.followed else ""
        html.append(
            f":::{{container}} scorecard-entry verdict-{slug(a.verdict)} topic-{slug(a.topic)}\n"
            f"**{claim}**\n\n"
            f"{a.kind.capitalize()} {a.claim} · {{ref}}`¶{number} <{pid}>` · *{a.topic}*\n\n"
            f"**Verdict: {a.verdict}** (evidence as of {a.as_of:%-d %B %Y}). {reasoning} "
            f"{{cite:p}}`{cites}`{followed}\n:::\n"
        )
        rows.append(
            f"* - {{ref}}`¶{number} <{pid}>` {a.claim} ({a.kind}): {claim}\n"
            f"  - {a.verdict}\n  - {a.as_of:%Y-%m-%d}\n"
            f"  - {reasoning} {{cite:p}}`{cites}`{followed}"
        )
    verdicts = [v for v in VERDICTS if any(a.verdict == v for a in card.assessments)]
    topics = [t for t in TOPICS if any(a.topic == t for a in card.assessments)]
    table = (
        "```{list-table} The forecasts and recommendations in the article and how they fared\n"
        ":header-rows: 1\n:class: longtable\n:widths: 28 12 11 49\n\n"
        "* - Claim (¶)\n  - Verdict\n  - As of\n  - Reasoning and evidence\n"
        + "\n".join(rows)
        + "\n```\n"
    )
    if not _in_book_build():
        # A notebook: the printed table (a filter form and {only} blocks are the book's).
        return markdown(table)
    form = "```{raw} html\n" + _FILTER_SCRIPT + "\n" + _filter_form(verdicts, topics) + "\n```\n\n"
    return markdown(
        "::::{only} html\n"
        + form
        + "\n".join(html)
        + "::::\n\n::::{only} latex\n"
        + table
        + "::::\n"
    )


def updates_log() -> Any:
    """The updates and corrections page: every change to the record, newest first."""
    from kursk_edition.record.updates import load_updates

    lines = []
    for entry in load_updates():
        lines.append(
            f"**{entry.date:%-d %B %Y} · {entry.kind} · {markdown_text(entry.where)}.** "
            f"{markdown_text(entry.what)} *Why:* {markdown_text(entry.why)}\n"
        )
    return markdown("\n".join(lines))


# ---------------------------------------------------------------------------------------------
# Each chapter's figures and numbers
# ---------------------------------------------------------------------------------------------


def leverage_figures() -> None:
    """Chapter 2: the leverage model's numbers and its three charts."""
    from kursk_edition.charts import leverage as charts
    from kursk_edition.models import leverage
    from kursk_edition.record.datasets import load_held_area

    glue_values("leverage", leverage.summary_numbers(load_held_area()))
    glue_chart("leverage-chart", charts.interactive_chart())
    glue_chart("leverage-fitted", charts.static_chart())
    glue_chart("leverage-counterfactual", charts.counterfactual_chart())


def timing_figures() -> None:
    """Chapter 3: the timing model's numbers and its two charts."""
    from kursk_edition.charts import timing as charts
    from kursk_edition.models import timing

    glue_values("timing", timing.summary_numbers())
    glue_chart("timing-chart", charts.interactive_chart())
    glue_chart("timing-scenarios", charts.scenarios_chart())


def models_figures() -> None:
    """The models appendix: the timing model's sensitivity chart."""
    from kursk_edition.charts import timing as charts

    glue_chart("timing-sensitivity", charts.sensitivity_chart())


def timing_parameters() -> Any:
    from kursk_edition.models import timing

    return markdown(params_table(timing.PARAMS))


def leverage_parameters() -> Any:
    from kursk_edition.models import leverage

    return markdown(params_table({**leverage.PARAMS, **leverage.TALKS_PARAMS}))


def held_area_fit() -> Any:
    """The models appendix: each held-area estimate beside the fitted model."""
    from kursk_edition.models import leverage
    from kursk_edition.record.datasets import load_held_area

    fit = leverage.fit_recapture(load_held_area())
    return markdown(
        frame_table(
            fit.table,
            {
                "Date": "date",
                "Claimed or estimated by": "claimant",
                "Observed (km²)": "km2:,.0f",
                "Fitted (km²)": "fitted:,.0f",
                "Residual (km²)": "residual:+,.0f",
            },
        )
    )


def scorecard_figures() -> None:
    """The scorecard page: the tally, the cutoff, the events and the map."""
    from kursk_edition.charts import hindsight
    from kursk_edition.charts import scorecard as score_charts
    from kursk_edition.record.datasets import load_events
    from kursk_edition.record.scorecard import scorecard

    glue_values("score", score_charts.tally())
    glue_values("score", {"cutoff": f"{scorecard().cutoff:%-d %B %Y}"})
    glue_chart("score-chart", score_charts.tally_chart())
    events = load_events()
    glue_values(
        "events",
        {
            "count": len(events),
            "first": f"{events['date'].min():%-d %B %Y}",
            "last": f"{events['date'].max():%-d %B %Y}",
        },
    )
    glue_chart("events-chart", hindsight.timeline_chart(events))
    glue_chart("places-map", hindsight.locator_map())


def timing_panel() -> Any:
    """Chapter 3's live panel (nothing in the book build, where no kernel would drive it)."""
    from kursk_edition.widgets.timing import live_panel

    return live_panel()


def leverage_panel() -> Any:
    """Chapter 2's live panel (nothing in the book build, where no kernel would drive it)."""
    from kursk_edition.widgets.leverage import live_panel

    return live_panel()

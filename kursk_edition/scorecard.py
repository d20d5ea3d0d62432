"""The forecast scorecard: prose entries, a print table and a tally chart, from the assessments."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt

from kursk_edition import palette
from kursk_edition.hindsight import VERDICTS, Scorecard, scorecard
from kursk_edition.registry import Registry, registry

# Okabe-Ito colours, distinguishable with the common colour-vision deficiencies.
VERDICT_COLOURS = {
    "borne out": palette.BLUE,
    "partly borne out": palette.SKY,
    "not borne out": palette.VERMILION,
    "too early to tell": palette.GREY,
}


def slug(text: str) -> str:
    return text.replace(" ", "-")


def _claims(reg: Registry) -> Mapping[str, tuple[int, str, str]]:
    return {c.id: (p.number, p.id, c.text) for p in reg.paragraphs for c in p.claims}


def entries_markdown(card: Scorecard | None = None, reg: Registry | None = None) -> str:
    """One entry per forecast, in MyST: claim and ¶ link, verdict, evidence and reasoning.

    The HTML version is a filterable list (by verdict and topic); print gets a table instead.
    """
    card, reg = card or scorecard(), reg or registry()
    claims = _claims(reg)
    html, rows = [], []
    for a in sorted(card.assessments, key=lambda a: (claims[a.claim][1], a.claim)):
        number, pid, text = claims[a.claim]
        cites = ",".join(a.cite)
        reasoning = " ".join(a.reasoning.split())
        html.append(
            f":::{{container}} scorecard-entry verdict-{slug(a.verdict)} topic-{a.topic}\n"
            f"**{a.claim}** · {{ref}}`¶{number} <{pid}>` · *{a.topic}*\n\n"
            f"> {text}\n\n"
            f"**Verdict: {a.verdict}** (evidence as of {a.as_of:%-d %B %Y}). {reasoning} "
            f"{{cite:p}}`{cites}`\n:::\n"
        )
        rows.append(
            f"* - {{ref}}`¶{number} <{pid}>` {a.claim}: {text}\n"
            f"  - {a.verdict}\n  - {a.as_of:%Y-%m-%d}\n  - {reasoning} {{cite:p}}`{cites}`"
        )
    table = (
        "```{list-table} The forecasts in the article and how they fared\n"
        ":header-rows: 1\n:class: longtable\n:widths: 28 12 11 49\n\n"
        "* - Forecast (¶)\n  - Verdict\n  - As of\n  - Reasoning and evidence\n"
        + "\n".join(rows)
        + "\n```\n"
    )
    return "::::{only} html\n" + "\n".join(html) + "::::\n\n::::{only} latex\n" + table + "::::\n"


def tally(card: Scorecard | None = None) -> dict[str, int]:
    """Verdict counts, in the fixed verdict order, with ``total``."""
    counts = (card or scorecard()).tally()
    return {**{slug(v): counts[v] for v in VERDICTS}, "total": sum(counts.values())}


def tally_chart(card: Scorecard | None = None) -> alt.Chart:
    """A bar per verdict: how many of the article's forecasts were borne out, and so on."""
    counts = (card or scorecard()).tally()
    rows = [{"verdict": v, "count": counts[v]} for v in VERDICTS]
    return (
        alt.Chart(
            alt.Data(values=rows),
            title=alt.Title("How the article's forecasts fared", subtitle="One bar per verdict"),
            description="Bar chart of the number of the article's forecasts in each verdict: "
            + "; ".join(f"{v}: {counts[v]}" for v in VERDICTS)
            + ".",
        )
        .mark_bar()
        .encode(
            y=alt.Y("verdict:N", sort=list(VERDICTS), title=None),
            x=alt.X("count:Q", title="Forecasts", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "verdict:N",
                scale=alt.Scale(domain=list(VERDICTS), range=list(VERDICT_COLOURS.values())),
                legend=None,
            ),
            tooltip=["verdict:N", "count:Q"],
        )
        .properties(width=420, height=140)
    )

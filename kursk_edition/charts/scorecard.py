"""The scorecard's chart: how many of the article's forecasts fared which way."""

from __future__ import annotations

import altair as alt

from kursk_edition.charts import palette
from kursk_edition.record.scorecard import VERDICTS, Scorecard, scorecard, slug

# Okabe-Ito colours, distinguishable with the common colour-vision deficiencies.
VERDICT_COLOURS = {
    "borne out": palette.BLUE,
    "partly borne out": palette.SKY,
    "not borne out": palette.VERMILION,
    "too early to tell": palette.GREY,
}


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

"""The scorecard's chart: how the article's forecasts and recommendations fared."""

from __future__ import annotations

import altair as alt

from kursk_edition.charts import palette, render
from kursk_edition.record.scorecard import VERDICTS, Scorecard, scorecard, slug

# Okabe-Ito colours, distinguishable with the common colour-vision deficiencies, one per verdict
# (each scale has its own, so no two bars of the chart share a colour).
VERDICT_COLOURS = {
    "borne out": palette.BLUE,
    "partly borne out": palette.SKY,
    "not borne out": palette.VERMILION,
    "too early to tell": palette.GREY,
    # Okabe-Ito's green darkened, so that it stays apart from the grey under deuteranopia.
    "acted on": "#006D4F",
    "partly acted on": palette.ORANGE,
    "not acted on": "#000000",
}


def tally(card: Scorecard | None = None) -> dict[str, int]:
    """Verdict counts, in the fixed verdict order, with the totals of each kind."""
    card = card or scorecard()
    counts = card.tally()
    kinds = [a.kind for a in card.assessments]
    return {
        **{slug(v): counts[v] for v in VERDICTS},
        "total": kinds.count("forecast"),
        "recommendations": kinds.count("recommendation"),
    }


def tally_chart(card: Scorecard | None = None) -> alt.Chart:
    """A bar per verdict, forecasts above recommendations."""
    card = card or scorecard()
    counts = card.tally()
    rows = [
        {
            "verdict": v,
            "count": counts[v],
            "kind": "Recommendations" if v.endswith("acted on") else "Forecasts",
        }
        for v in VERDICTS
    ]
    return (
        alt.Chart(
            alt.Data(values=rows),
            title=alt.Title(
                "How the article's forecasts and recommendations fared",
                subtitle="One bar per verdict; each kind has its own scale",
            ),
            description="Bar chart of the number of the article's forecasts and recommendations "
            "in each verdict: " + "; ".join(f"{v}: {counts[v]}" for v in VERDICTS) + ".",
        )
        .mark_bar()
        .encode(
            y=alt.Y("verdict:N", sort=list(VERDICTS), title=None),
            x=alt.X("count:Q", title="Claims", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "verdict:N",
                scale=alt.Scale(domain=list(VERDICTS), range=list(VERDICT_COLOURS.values())),
                legend=None,
            ),
            row=alt.Row("kind:N", title=None, sort=["Forecasts", "Recommendations"]),
            tooltip=[
                alt.Tooltip("verdict:N", title="Verdict"),
                alt.Tooltip("count:Q", title="Claims"),
            ],
        )
        .resolve_scale(y="independent")
        .properties(
            width=420,
            height=alt.Step(24),
            usermeta=render.web_usermeta(
                "score-tally",
                columns={
                    "verdict": {"label": "Verdict"},
                    "count": {"label": "Claims"},
                    "kind": {"label": "Kind"},
                },
            ),
        )
    )

"""The scorecard (``data/assessments.yml``): how the article's forecasts and recommendations fared.

One assessment per claim the registry types as a forecast or a recommendation. Forecasts get a
verdict on one scale (borne out ... too early to tell); recommendations to Ukraine's partners
get one on their own (acted on ... not acted on) and say what followed. Each entry gives the date
of its newest evidence, no later than the one cutoff, and cites at least one source dated after
the article.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kursk_edition import DATA
from kursk_edition.record.bibliography import load_bibliography, published
from kursk_edition.record.errors import DataError
from kursk_edition.record.files import load_model
from kursk_edition.record.registry import Registry, registry

ASSESSMENTS = DATA / "assessments.yml"
FORECAST_VERDICTS = ("borne out", "partly borne out", "not borne out", "too early to tell")
RECOMMENDATION_VERDICTS = ("acted on", "partly acted on", "not acted on")
VERDICTS = FORECAST_VERDICTS + RECOMMENDATION_VERDICTS
SCALES = {"forecast": FORECAST_VERDICTS, "recommendation": RECOMMENDATION_VERDICTS}
TOPICS = ("military", "diplomacy", "aid", "industry", "politics")
# The article appeared in August 2024 (day unverified); evidence must postdate that month.
ARTICLE_MONTH_END = date(2024, 8, 31)


def slug(text: str) -> str:
    """A verdict or topic as a class-name token ("partly borne out" -> "partly-borne-out")."""
    return text.replace(" ", "-")


class Assessment(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    claim: str = Field(pattern=r"^p(0[1-9]|1[0-2])-c[0-9]+$")
    verdict: Literal[
        "borne out",
        "partly borne out",
        "not borne out",
        "too early to tell",
        "acted on",
        "partly acted on",
        "not acted on",
    ]
    as_of: date
    reasoning: str = Field(min_length=40)
    followed: str | None = Field(default=None, min_length=20)
    topic: Literal["military", "diplomacy", "aid", "industry", "politics"]
    cite: list[str] = Field(min_length=1)

    @property
    def kind(self) -> str:
        """ "forecast" or "recommendation", by the verdict's scale."""
        return "recommendation" if self.verdict in RECOMMENDATION_VERDICTS else "forecast"


class Scorecard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cutoff: date
    assessments: list[Assessment]

    def tally(self) -> dict[str, int]:
        """How many entries have each verdict, forecasts' then recommendations'."""
        return {v: sum(a.verdict == v for a in self.assessments) for v in VERDICTS}


def load_scorecard(path: Path = ASSESSMENTS, reg: Registry | None = None) -> Scorecard:
    """The assessments: one per forecast claim, verdicts from the allowed set, each citing at
    least one source dated after the article."""
    reg = reg or registry()
    card = load_model(path, Scorecard, "assessments", "claim")

    kinds = {c.id: c.type for c in reg.claims() if c.type in SCALES}
    seen: dict[str, int] = {}
    for a in card.assessments:
        seen[a.claim] = seen.get(a.claim, 0) + 1
        kind = kinds.get(a.claim)
        if kind is None:
            raise DataError(
                path, "claim", "is not a forecast or recommendation in the registry", where=a.claim
            )
        if a.verdict not in SCALES[kind]:
            raise DataError(
                path,
                "verdict",
                f"{a.verdict!r} is not on the {kind} scale ({', '.join(SCALES[kind])})",
                where=a.claim,
            )
        if (kind == "recommendation") != (a.followed is not None):
            problem = (
                "missing: say what followed" if a.followed is None else "only for a recommendation"
            )
            raise DataError(path, "followed", problem, where=a.claim)
    for claim, kind in kinds.items():
        if seen.get(claim, 0) != 1:
            raise DataError(
                path,
                "claim",
                f"{kind} has {seen.get(claim, 0)} assessments; expected exactly 1",
                where=claim,
            )

    known = load_bibliography().entries
    for a in card.assessments:
        for key in a.cite:
            if key not in known:
                raise DataError(path, "cite", f"unknown cite key {key!r}", where=a.claim)
        if not any((published(k) or date.min) > ARTICLE_MONTH_END for k in a.cite):
            raise DataError(
                path,
                "cite",
                "no cited source is dated after the article (August 2024)",
                where=a.claim,
            )
        if a.as_of > card.cutoff:
            raise DataError(
                path, "as_of", f"{a.as_of} is after the cutoff {card.cutoff}", where=a.claim
            )
    return card


@functools.cache
def scorecard() -> Scorecard:
    return load_scorecard()

"""Kursk as a bargaining chip: how much ground Ukraine holds, and what it is worth at talks.

Watling (¶4, ¶6) argues that the incursion is leverage only if Ukraine holds the ground for a
sustained period, and only if Moscow cannot expect to drive it out while talks run. This module
turns that argument into a small, inspectable model:

* :func:`held_area` is the model of held area over time; :data:`PARAMS` declares its parameters.
* :func:`leverage_at_settlement` scores a negotiation window against the model (the ¶6 test).
* :func:`fit_recapture` fits the peak and the two recapture rates to the observed estimates.

Time is measured in **days since 6 August 2024** (the first day of the incursion). Rates are in
km² per month, with a month of 30.4375 days (365.25 / 12).

The model (also written out in the book's Models appendix)::

    h(t)   = 1 - exp(-min(t, t_c) / tau)                 # share of the peak reached; the advance
                                                          # stops when the counter-offensive starts
    m1(t)  = (clip(t, t_c, t_b') - t_c) / M              # months of phase-1 recapture
    m2(t)  = max(t - t_b', 0) / M                        # months of phase-2 recapture
    A(t)   = max(0, P * h(t) - (1 - rho) * (r1 * m1(t) + r2 * m2(t)))

with ``t_b' = max(t_b, t_c)`` and ``M = 30.4375``. ``rho`` is *extra* reinforcement beyond what
Ukraine actually committed: ``rho = 0`` is history as fitted, ``rho = 0.4`` means Russia retakes
ground 40% more slowly. Its price is paid elsewhere: every km² of Kursk kept thanks to ``rho``
costs ``kappa`` km² of ground in Donbas (an illustrative exchange rate, not a sourced figure).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from .params import Param, Parameters, parameter

EPOCH = date(2024, 8, 6)
"""Day 0 of the model: the first day of the Kursk incursion."""

DAYS_PER_MONTH = 30.4375
"""Average month length (365.25 / 12) used to turn km²/month into km²/day."""


# Defaults of peak_km2, rate1 and rate2 are the least-squares fit to data/kursk_held_area.csv
# (see fit_recapture), rounded to the slider steps, so the book opens on the fitted scenario.
@dataclass(frozen=True)
class LeverageParams(Parameters):
    """The leverage model's parameters: the fitted history and the counterfactual levers."""

    peak_km2: float = parameter(
        "Peak area held",
        "km²",
        800.0,
        1500.0,
        1220.0,
        10.0,
        "Claims of the peak run from 1,268 km² (Russian MoD, Jan 2025) to about 1,376 km² "
        "(Ukrainian General Staff source, Nov 2024); the default is the least-squares fit.",
    )
    advance_tau_days: float = parameter(
        "Advance time constant",
        "days",
        1.0,
        20.0,
        4.0,
        0.5,
        "Ukrainian claims reached about 1,000 km² by day 6 and about 1,300 km² by day 31: a "
        "fast start that levels off, i.e. roughly 1 - exp(-t/4).",
    )
    counter_start_day: float = parameter(
        "Counter-offensive starts (days after 6 Aug 2024)",
        "days",
        14.0,
        120.0,
        36.0,
        1.0,
        "Claims plateau at about 1,300 km² until 6 Sep 2024; the NYT reported a concerted "
        "Russian counter-attack in the week before its mid/late-September update (day ~36 "
        "= 11 Sep 2024).",
    )
    rate1: float = parameter(
        "Recapture rate, phase 1",
        "km²/month",
        0.0,
        600.0,
        170.0,
        10.0,
        "Grinding phase from the counter-offensive to the March 2025 collapse; the default is "
        "the least-squares fit (roughly 1,300 km² down to 400-500 km² over five months).",
    )
    break_day: float = parameter(
        "Collapse begins (days after 6 Aug 2024)",
        "days",
        120.0,
        300.0,
        212.0,
        1.0,
        "ISW described the salient collapsing in the days after 5 March 2025 (day 212 = "
        "6 Mar 2025); before that estimates fell slowly, after it by hundreds of km² a week.",
    )
    rate2: float = parameter(
        "Recapture rate, phase 2",
        "km²/month",
        0.0,
        1500.0,
        450.0,
        10.0,
        "Collapse phase (about 400 km² on 20 Feb 2025 to about 110-140 km² by mid-March); "
        "the default is the least-squares fit.",
    )
    reinforcement: float = parameter(
        "Extra reinforcement (slows recapture by this share)",
        "fraction",
        0.0,
        0.8,
        0.0,
        0.05,
        "Counterfactual: 0 is history as fitted; 0.4 means Ukraine digs in and reinforces "
        "enough that Russia retakes ground 40% more slowly. Capped at 0.8 because ¶6 expects "
        "Russian artillery, EW, air defence and glide bombs to keep eroding any position.",
    )
    donbas_exchange: float = parameter(
        "Donbas ground conceded per km² kept in Kursk",
        "km²/km²",
        0.0,
        3.0,
        1.0,
        0.1,
        "Illustrative, not sourced: ¶5 warns the reserve sent to Kursk is missing in Donbas. "
        "1.0 means each extra km² kept in Kursk costs one km² elsewhere.",
    )
    expectation_discount: float = parameter(
        "Value kept when Moscow expects to retake it during talks",
        "fraction",
        0.0,
        1.0,
        0.5,
        0.05,
        "Illustrative, not sourced: ¶6 says the ground is no lever if Putin believes he can "
        "retake it during talks; 0 applies that literally, 1 ignores it.",
    )


PARAMS: dict[str, Param] = LeverageParams.declared()


@dataclass(frozen=True)
class TalksWindow(Parameters):
    """When talks open and how long they last (days after 6 Aug 2024)."""

    talks_start: float = parameter(
        "Talks start (days after 6 Aug 2024)",
        "days",
        0.0,
        360.0,
        95.0,
        5.0,
        "Any day from the incursion to mid-2025; the default (day 95 = 9 Nov 2024) is just "
        "after the US presidential election of 5 Nov 2024 (day 91), which ¶4 has in mind.",
    )
    talks_length: float = parameter(
        "Talks last",
        "days",
        0.0,
        360.0,
        90.0,
        5.0,
        "From a snap ceasefire (0) to a year of talks; ¶8 expects Moscow to drag talks out.",
    )


TALKS_PARAMS: dict[str, Param] = TalksWindow.declared()


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------


def date_to_day(value: date | str | pd.Timestamp) -> float:
    """Days since 6 Aug 2024 for a date, an ISO ``YYYY-MM-DD`` string or a pandas Timestamp."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, pd.Timestamp):
        value = value.date()
    return float((value - EPOCH).days)


def day_to_date(day: float) -> date:
    """Calendar date of model day ``day`` (rounded down to whole days)."""
    return EPOCH + timedelta(days=math.floor(day))


# ---------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------


DEFAULTS = LeverageParams()


def _phase_months(day: np.ndarray, p: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Months of phase-1 and phase-2 recapture that have elapsed by ``day``."""
    t_c = p["counter_start_day"]
    t_b = max(p["break_day"], t_c)  # a break before the counter-offensive means no phase 1
    m1 = (np.clip(day, t_c, t_b) - t_c) / DAYS_PER_MONTH
    m2 = np.maximum(day - t_b, 0.0) / DAYS_PER_MONTH
    return m1, m2


def _advance_share(day: np.ndarray, p: Mapping[str, float]) -> np.ndarray:
    """Share of the peak reached by ``day``; frozen once the counter-offensive starts."""
    frozen = np.minimum(np.maximum(day, 0.0), p["counter_start_day"])
    return 1.0 - np.exp(-frozen / p["advance_tau_days"])


def held_area(day: float | np.ndarray, params: LeverageParams = DEFAULTS) -> float | np.ndarray:
    """Area Ukraine holds (km²) on model day ``day`` (scalar or array), per the module formula."""
    p = params.as_dict()
    t = np.asarray(day, dtype=float)
    m1, m2 = _phase_months(t, p)
    recaptured = (1.0 - p["reinforcement"]) * (p["rate1"] * m1 + p["rate2"] * m2)
    area = np.maximum(0.0, p["peak_km2"] * _advance_share(t, p) - recaptured)
    area = np.where(t < 0, 0.0, area)
    return float(area) if area.ndim == 0 else area


def gone_day(params: LeverageParams = DEFAULTS) -> float:
    """Model day on which the held area reaches zero; ``math.inf`` if it never does."""
    return _gone_day_unchecked(params.as_dict())


def model_curve(
    days: Iterable[float] | None = None, params: LeverageParams = DEFAULTS
) -> pd.DataFrame:
    """Model held area on a day grid (default every 2 days to day 400) with calendar dates."""
    grid = np.arange(0.0, 401.0, 2.0) if days is None else np.asarray(list(days), dtype=float)
    area = np.atleast_1d(held_area(grid, params))
    dates = pd.to_datetime([day_to_date(d) for d in grid])
    return pd.DataFrame({"day": grid, "date": dates, "km2": area})


# ---------------------------------------------------------------------------------------------
# Leverage at a settlement (¶6)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettlementOutcome:
    """What the model says about a negotiation window. ``float(outcome)`` is the leverage."""

    leverage: float
    """0..1: share of the peak still held when talks end, discounted per ¶6."""
    area_at_start_km2: float
    area_at_end_km2: float
    talks_end_day: float
    moscow_expected_day: float
    """Day Moscow expects to have retaken everything, extrapolating at talks start."""
    moscow_retakes_first: bool
    """True when Moscow can expect to retake the area before talks end (the ¶6 condition)."""
    gone_day: float
    """Day the model's area actually reaches zero (``inf`` if never)."""
    reserve_cost_km2: float
    """Donbas ground conceded for the extra Kursk ground kept by reinforcement (illustrative)."""

    def __float__(self) -> float:
        return self.leverage


def moscow_expected_day(talks_start: float, params: LeverageParams = DEFAULTS) -> float:
    """Day Moscow expects the salient to be gone, judged when talks open.

    Moscow extrapolates linearly: from ``max(talks_start, t_c)`` it removes the area held at
    ``talks_start`` at the recapture rate in force then (phase 1 before ``t_b``, phase 2 after),
    slowed by reinforcement. It does not foresee a later change of phase. A zero rate is floored
    at 1e-9 km²/month so the expectation is finite (about 10^12 days: "never").
    """
    p = params
    s = float(talks_start)
    rate = p.rate1 if s < max(p.break_day, p.counter_start_day) else p.rate2
    rate = max((1.0 - p.reinforcement) * rate, 1e-9)
    area = float(held_area(s, p))
    return max(s, p.counter_start_day) + area / rate * DAYS_PER_MONTH


def leverage_at_settlement(
    talks_start: float | date, talks_length: float, params: LeverageParams = DEFAULTS
) -> SettlementOutcome:
    """Score a negotiation window ``[talks_start, talks_start + talks_length]`` (days).

    Formula, with ``e = talks_start + talks_length``, ``P`` the peak and ``delta`` the
    ``expectation_discount``::

        leverage = A(e) / P * D,   D = 1       if Moscow's expected recapture day >= e
                                   D = delta   otherwise (¶6: Putin expects to retake it in talks)

    So leverage is 0 whenever the area is gone before talks end (A(e) = 0), and it is discounted
    when Moscow, extrapolating at talks start, expects to finish the job before talks end.
    ``talks_start`` may also be a calendar date. Out-of-range inputs raise ``ValueError`` naming
    the parameter.
    """
    if isinstance(talks_start, date):
        talks_start = date_to_day(talks_start)
    window = TalksWindow(talks_start=talks_start, talks_length=talks_length)
    p = params
    s = window.talks_start
    e = s + window.talks_length
    area_end = float(held_area(e, p))
    expected = moscow_expected_day(s, p)
    retakes_first = expected < e
    discount = p.expectation_discount if retakes_first else 1.0
    baseline_end = float(held_area(e, p.replace(reinforcement=0.0)))
    return SettlementOutcome(
        leverage=area_end / p.peak_km2 * discount,
        area_at_start_km2=float(held_area(s, p)),
        area_at_end_km2=area_end,
        talks_end_day=e,
        moscow_expected_day=expected,
        moscow_retakes_first=bool(retakes_first),
        gone_day=gone_day(p),
        reserve_cost_km2=p.donbas_exchange * (area_end - baseline_end),
    )


# ---------------------------------------------------------------------------------------------
# Fit
# ---------------------------------------------------------------------------------------------


@dataclass
class FitResult:
    """Least-squares fit of the model to observed estimates."""

    params: dict[str, float]
    """All model parameters, fitted ones replaced (unrounded, so possibly off the slider grid
    or outside a slider's range: see ``notes``)."""
    fitted_names: tuple[str, ...]
    table: pd.DataFrame
    """One row per observation: date, day, claimant, cite, km2, fitted, residual."""
    gone_day: float
    gone_date: date | None
    rmse: float
    notes: list[str] = field(default_factory=list)

    @property
    def fitted(self) -> np.ndarray:
        return self.table["fitted"].to_numpy()

    @property
    def residuals(self) -> np.ndarray:
        return self.table["residual"].to_numpy()


def fit_recapture(
    observed: pd.DataFrame,
    *,
    fit_peak: bool = True,
    max_iter: int = 50,
    fixed: LeverageParams = DEFAULTS,
) -> FitResult:
    """Fit ``rate1``, ``rate2`` (and ``peak_km2`` if ``fit_peak``) by least squares.

    ``observed`` needs columns ``km2`` and either ``day`` or ``date``. All other parameters are
    held at ``fixed``; ``reinforcement`` is forced to 0 because the observed
    rates already include whatever Ukraine actually committed. Each estimate counts once, so
    where sources disagree the fit passes between them.

    Method: while the area is positive the model is linear in the unknowns,
    ``A = P*h(t) - r1*m1(t) - r2*m2(t)``; where it is clipped at zero it is flat. We solve the
    linear least-squares problem on the "active" points (model > 0), recompute which points are
    active, and repeat until the active set stops changing, keeping the best sum of squares seen.
    A negative rate is pinned at 0 and the rest re-solved.
    """
    p = fixed.replace(reinforcement=0.0).as_dict()
    if "day" in observed:
        days = observed["day"].to_numpy(dtype=float)
    else:
        days = np.array([date_to_day(d) for d in pd.to_datetime(observed["date"])], dtype=float)
    y = observed["km2"].to_numpy(dtype=float)
    h = _advance_share(days, p)
    m1, m2 = _phase_months(days, p)
    names = ("peak_km2", "rate1", "rate2") if fit_peak else ("rate1", "rate2")
    columns = {"peak_km2": h, "rate1": -m1, "rate2": -m2}
    offset = np.zeros_like(y) if fit_peak else p["peak_km2"] * h

    def predict(values: Mapping[str, float]) -> np.ndarray:
        linear = offset + sum(values[n] * columns[n] for n in names)
        return np.maximum(linear, 0.0)

    def solve(active: np.ndarray) -> dict[str, float]:
        free = list(names)
        values = {n: 0.0 for n in names}
        while free:
            design = np.column_stack([columns[n][active] for n in free])
            coef, *_ = np.linalg.lstsq(design, (y - offset)[active], rcond=None)
            negative = [n for n, c in zip(free, coef, strict=True) if c < 0 and n != "peak_km2"]
            if not negative:
                values.update(zip(free, map(float, coef), strict=True))
                break
            free.remove(negative[0])  # pin the offending rate at 0 and re-solve the rest
        return values

    active = np.ones_like(y, dtype=bool)
    best: tuple[float, dict[str, float]] | None = None
    for _ in range(max_iter):
        if active.sum() < len(names):
            break
        values = solve(active)
        sse = float(np.sum((y - predict(values)) ** 2))
        if best is None or sse < best[0]:
            best = (sse, values)
        linear = offset + sum(values[n] * columns[n] for n in names)
        new_active = linear > 0
        if np.array_equal(new_active, active):
            break
        active = new_active
    if best is None:
        raise ValueError("fit_recapture: too few observations after the counter-offensive")

    sse, values = best
    notes = []
    for name in names:  # report, but do not hide, fits outside the declared slider ranges
        param = PARAMS[name]
        if not param.low <= values[name] <= param.high:
            notes.append(f"{name}={values[name]:.1f} is outside [{param.low}, {param.high}]")
    result = {**p, **values}
    fitted = predict(values)
    table = pd.DataFrame(
        {
            "date": [day_to_date(d) for d in days],
            "day": days,
            "claimant": observed["claimant"].to_numpy() if "claimant" in observed else "",
            "cite": observed["cite"].to_numpy() if "cite" in observed else "",
            "km2": y,
            "fitted": fitted,
            "residual": y - fitted,
        }
    )
    gone = _gone_day_unchecked(result)
    return FitResult(
        params=result,
        fitted_names=names,
        table=table,
        gone_day=gone,
        gone_date=None if math.isinf(gone) else day_to_date(gone),
        rmse=math.sqrt(sse / len(y)),
        notes=notes,
    )


def _gone_day_unchecked(p: Mapping[str, float]) -> float:
    """:func:`gone_day` without range checks (a fit may land outside the slider ranges)."""
    t_c = p["counter_start_day"]
    t_b = max(p["break_day"], t_c)
    level = p["peak_km2"] * (1.0 - math.exp(-t_c / p["advance_tau_days"]))
    slow = 1.0 - p["reinforcement"]
    r1, r2 = slow * p["rate1"], slow * p["rate2"]
    phase1_loss = r1 * (t_b - t_c) / DAYS_PER_MONTH
    if r1 > 0 and phase1_loss >= level:
        return t_c + level / r1 * DAYS_PER_MONTH
    if r2 <= 0:
        return math.inf
    return t_b + (level - phase1_loss) / r2 * DAYS_PER_MONTH


def summary_numbers(
    observed: pd.DataFrame, counterfactual_reinforcement: float = 0.4
) -> dict[str, Any]:
    """The numbers the chapter's prose quotes: the fit, its end date, one counterfactual and one
    worked example of the ¶6 test at the default talks window."""
    fit = fit_recapture(observed)
    counterfactual = LeverageParams.of(fit.params, reinforcement=counterfactual_reinforcement)
    window = TalksWindow()
    example = leverage_at_settlement(window.talks_start, window.talks_length)

    def when(day: float) -> str:
        return "never" if math.isinf(day) else f"{day_to_date(day):%-d %B %Y}"

    return {
        "points": len(observed),
        "claimants": observed["claimant"].nunique(),
        "peak-km2": f"{fit.params['peak_km2']:,.0f}",
        "rate1": f"{fit.params['rate1']:.0f}",
        "rate2": f"{fit.params['rate2']:.0f}",
        "rmse": f"{fit.rmse:.0f}",
        "gone-date": when(fit.gone_day),
        "cf-share": f"{counterfactual_reinforcement:.0%}",
        "cf-gone-date": when(gone_day(counterfactual)),
        "example-start": when(window.talks_start),
        "example-end": when(window.talks_start + window.talks_length),
        "example-area": f"{example.area_at_end_km2:,.0f}",
        "example-leverage": f"{example.leverage:.2f}",
        "example-retakes-first": "yes" if example.moscow_retakes_first else "no",
    }

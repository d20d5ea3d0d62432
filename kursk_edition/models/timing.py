"""Timing model: when should Kyiv open talks? (¶5, ¶7–¶9 of the commentary).

This is an **illustrative model of the author's reasoning, not a forecast**. It turns the
commentary's qualitative argument into a few equations so a reader can see how the pieces fit
and which assumptions matter. Every number that is not tied to a paragraph of the article
(cited as ``¶n``) is an illustrative assumption, and is labelled as such in ``PARAMS``.

The argument being modelled (¶7–¶8): Russia's military advantage keeps building into early
2025 and then likely declines through late 2025 into 2026. Kyiv can negotiate early, before
that advantage peaks, or late, after it has faded; the middle ground is the dangerous time.
Talks opened while the advantage is still growing get dragged out by the Kremlin, and the
Kursk operation (¶5) stretches Ukraine's forces, making it harder to hold out. Partner
deliveries of ammunition and interceptors (¶9) help keep the front intact.

Time is counted in whole months: index 0 is 2024-08 and index 28 is 2026-12.

Equations (t = month index, all quantities dimensionless):

* Russia's relative advantage, 1 at its peak month ``m`` (asymmetric bump). It builds from its
  August 2024 level ``a0`` (``start_advantage``) and then fades::

      a(t) = a0 + (1 - a0) * exp(-((t - m) / rise_months)^2)   for t < m
      a(t) = exp(-((t - m) / fall_months)^2)                   for t >= m

* Ukraine's staying power starts at 1 (its August 2024 level) and is capped at 1::

      S(t+1) = min(1, S(t) + resupply * deliveries - wear * a(t) * (1 + reserve_pct / 100))

  The front breaks in the first month with ``S(t) < threshold``.

* Talks opened in month ``o`` need ``talks_months`` months of progress. A month of talks counts
  as ``1 / (1 + stall * g(t))`` months of progress, where ``g(t)`` in [0, 1] is how fast the
  advantage is growing that month relative to its fastest growth (0 once it stops growing).
  Settlement ``T`` is the first month by which the progress adds up to ``talks_months``.

* Outcome: if the front breaks before ``T`` the talks fail (``front_broke=True`` and the
  position is ``FAILED_POSITION``); otherwise the position is ``S(T) - a(T)``, in [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import Param, Parameters, parameter

START_YEAR, START_MONTH = 2024, 8
N_MONTHS = 29  # 2024-08 .. 2026-12 inclusive
# The war keeps running after the last possible opening month, so talks opened late can still
# settle; this is long enough for the slowest settlement the parameter ranges allow.
HORIZON = N_MONTHS + 72
FAILED_POSITION = -1.0  # below any position reachable when the front holds (S >= 0.1, a <= 1)
MIN_GAIN = 0.1  # a window must beat the bottom of the dip by this much to count
RESERVE_STRAIN = 1.0  # committing the whole reserve doubles the strain on the rest of the front


def month_label(index: int) -> str:
    """'YYYY-MM' label for a month index (0 = 2024-08); works past 2026-12 too."""
    if index < 0:
        raise ValueError(f"month index must be >= 0, got {index}")
    months = START_YEAR * 12 + START_MONTH - 1 + index
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


def month_index(label: str) -> int:
    """Month index of a 'YYYY-MM' label (inverse of ``month_label``)."""
    year, month = (int(part) for part in label.split("-"))
    index = year * 12 + month - (START_YEAR * 12 + START_MONTH)
    if index < 0:
        raise ValueError(f"{label!r} is before {month_label(0)}")
    return index


def month_name(index: int) -> str:
    """Reader-friendly label, e.g. 'Mar 2025'."""
    names = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    year, month = month_label(index).split("-")
    return f"{names[int(month) - 1]} {year}"


MONTHS: list[str] = [month_label(i) for i in range(N_MONTHS)]

_ASSUMED = "Illustrative assumption; the article gives no number."


@dataclass(frozen=True)
class TimingParams(Parameters):
    """The timing model's parameters (the reader's choices and the model's assumptions)."""

    talks_open: float = parameter(
        "Talks open (months after Aug 2024)",
        "month index",
        0,
        N_MONTHS - 1,
        6,
        1,
        "The reader's choice of opening month (¶8 weighs early against late talks); "
        "it does not change the curve, only the highlighted month.",
    )
    peak_month: float = parameter(
        "Peak of Russia's advantage (months after Aug 2024)",
        "month index",
        4,
        16,
        8,
        1,
        "¶8: Russian advantages keep building through early 2025; month 8 is 2025-04.",
    )
    start_advantage: float = parameter(
        "Russia's advantage in Aug 2024 (share of its peak)",
        "share of peak",
        0.0,
        0.8,
        0.5,
        0.1,
        "¶5: Russia was already gaining ground in Donbas, so its edge starts above zero. "
        + _ASSUMED,
    )
    rise_months: float = parameter(
        "Build-up time of Russia's advantage",
        "months",
        2,
        8,
        3,
        1,
        "Width of the rising side of the bump. " + _ASSUMED,
    )
    fall_months: float = parameter(
        "Decline time of Russia's advantage",
        "months",
        4,
        18,
        10,
        1,
        "¶8: the decline runs from late 2025 into 2026, so it is slower than the build-up. "
        + _ASSUMED,
    )
    reserve_pct: float = parameter(
        "Share of operational reserve committed to Kursk",
        "%",
        0,
        100,
        50,
        10,
        "¶5: the operational reserve was committed, stretching Ukraine further. "
        "The share is not given; 50% is an illustrative assumption.",
    )
    deliveries: float = parameter(
        "Partner deliveries (ammunition, interceptors)",
        "x 2024 level",
        0.5,
        1.5,
        1.0,
        0.25,
        "¶9: regular deliveries of artillery ammunition and interceptors sustain the front. "
        "1.0 = the 2024 level (illustrative baseline).",
    )
    stall: float = parameter(
        "Kremlin stalling",
        "extra months per month of fastest build-up",
        0,
        4,
        2,
        1,
        "¶8: in early talks the Kremlin would likely move slowly while the situation "
        "deteriorates. The size of the delay is an illustrative assumption.",
    )
    talks_months: float = parameter(
        "Length of talks without stalling",
        "months",
        1,
        12,
        2,
        1,
        _ASSUMED,
    )
    wear: float = parameter(
        "Monthly wear on staying power at Russia's peak",
        "staying power / month",
        0.01,
        0.15,
        0.05,
        0.01,
        "Scales how fast Russian pressure erodes the front (¶5: Ukraine was already short "
        "of troops). " + _ASSUMED,
    )
    resupply: float = parameter(
        "Monthly recovery at the 2024 delivery level",
        "staying power / month",
        0.0,
        0.08,
        0.03,
        0.01,
        _ASSUMED,
    )
    threshold: float = parameter(
        "Staying power below which the front breaks",
        "staying power",
        0.1,
        0.6,
        0.3,
        0.05,
        "¶9: there is no leverage if the front is crumbling. The level is an illustrative "
        "assumption.",
    )


PARAMS: dict[str, Param] = TimingParams.declared()

DEFAULTS = TimingParams()
# Parameters that shape the curve (talks_open only picks a month on it).
CURVE_PARAMS: tuple[str, ...] = tuple(name for name in PARAMS if name != "talks_open")


def russian_advantage(p: TimingParams, n: int = HORIZON) -> np.ndarray:
    """Russia's relative advantage a(t) for months 0..n-1 (1 at the peak month)."""
    t = np.arange(n, dtype=float)
    rising = t < p.peak_month
    width = np.where(rising, p.rise_months, p.fall_months)
    bump = np.exp(-(((t - p.peak_month) / width) ** 2))
    # Before the peak the advantage builds from its August 2024 level; after it, it fades.
    return np.where(rising, p.start_advantage + (1 - p.start_advantage) * bump, bump)


def staying_power(p: TimingParams, advantage: np.ndarray) -> np.ndarray:
    """Ukraine's staying power S(t), starting at 1 (August 2024) and capped at 1."""
    strain = 1.0 + RESERVE_STRAIN * p.reserve_pct / 100.0
    s = np.empty_like(advantage)
    s[0] = 1.0
    for t in range(1, len(advantage)):
        change = p.resupply * p.deliveries - p.wear * advantage[t - 1] * strain
        s[t] = min(1.0, s[t - 1] + change)
    return s


def talks_progress(p: TimingParams, advantage: np.ndarray) -> np.ndarray:
    """Months of progress each calendar month of talks yields, 1 / (1 + stall * g(t)).

    g(t) is the month's growth in Russia's advantage relative to its fastest growth: the
    Kremlin gains most by waiting while the ground is shifting fastest in its favour (¶8).
    """
    growth = np.clip(np.diff(advantage, append=advantage[-1]), 0.0, None)
    fastest = growth.max()
    g = growth / fastest if fastest > 0 else growth
    return 1.0 / (1.0 + p.stall * g)


@dataclass(frozen=True)
class Trajectory:
    """Everything the model computes for one parameter set (arrays run over HORIZON months)."""

    params: TimingParams
    advantage: np.ndarray
    staying: np.ndarray
    progress: np.ndarray
    break_month: int | None  # first month with S below threshold, or None


@dataclass(frozen=True)
class Outcome:
    """Result of opening talks in one month."""

    open_month: int
    settle_month: int
    position: float  # S - a at settlement, or FAILED_POSITION
    front_broke: bool


def simulate(p: TimingParams = DEFAULTS) -> Trajectory:
    """Run the model for one parameter set."""
    a = russian_advantage(p)
    s = staying_power(p, a)
    below = np.flatnonzero(s < p.threshold)
    return Trajectory(p, a, s, talks_progress(p, a), int(below[0]) if below.size else None)


def outcome(traj: Trajectory, open_month: int) -> Outcome:
    """Settlement month and bargaining position for talks opened in ``open_month``."""
    PARAMS["talks_open"].check(open_month)
    done = np.cumsum(traj.progress[open_month:])
    # Small tolerance so that, e.g., three full months of progress settle after exactly three.
    reached = done >= traj.params.talks_months - 1e-9
    if not reached.any():  # cannot happen within the declared ranges; HORIZON covers them
        raise RuntimeError("talks did not settle within the simulated horizon")
    settle = open_month + 1 + int(np.argmax(reached))
    broke = traj.break_month is not None and traj.break_month <= settle
    position = FAILED_POSITION if broke else float(traj.staying[settle] - traj.advantage[settle])
    return Outcome(open_month, settle, position, broke)


def position_curve(p: TimingParams = DEFAULTS) -> tuple[np.ndarray, np.ndarray]:
    """Position and front-broke flag for every opening month 0..28: ``outcome`` for each month,
    computed for all of them at once (the charts' slider grid needs some 8,000 of these)."""
    traj = simulate(p)
    progress = traj.progress
    months = np.arange(N_MONTHS)
    # Row m holds progress[m:] and then zeros, so each row's running sum adds the same terms in
    # the same order as outcome's cumsum: the same floats, so the same settlement months.
    rows = np.zeros((N_MONTHS, len(progress)))
    for m in months:
        rows[m, : len(progress) - m] = progress[m:]
    reached = np.cumsum(rows, axis=1) >= p.talks_months - 1e-9
    if not reached.any(axis=1).all():  # as in outcome: cannot happen within the declared ranges
        raise RuntimeError("talks did not settle within the simulated horizon")
    settle = months + 1 + np.argmax(reached, axis=1)
    broke = np.zeros(N_MONTHS, dtype=bool)
    if traj.break_month is not None:
        broke = traj.break_month <= settle
    held = traj.staying[settle] - traj.advantage[settle]
    return np.where(broke, FAILED_POSITION, held), broke


@dataclass(frozen=True)
class Windows:
    """Opening months split into early / middle / late windows around the dip in the curve."""

    early: list[int]
    middle: list[int]
    late: list[int]
    worst_month: int
    best_early: int | None  # best month before the middle window
    best_late: int | None  # best month after it

    @property
    def u_shaped(self) -> bool:
        """True if both an early and a late window beat the middle ground (the ¶8 claim)."""
        return bool(self.early and self.late)

    def band(self, month: int) -> str:
        """'early', 'middle' or 'late' for one opening month."""
        return "early" if month in self.early else "late" if month in self.late else "middle"


def classify_windows(positions: np.ndarray) -> Windows:
    """Split the curve at its dip into early / middle / late opening windows.

    The worst month is the centre of the first run of lowest positions. On each side, the best
    month is found; if it beats the bottom of the dip by at least ``MIN_GAIN``, that side has a
    window: the months around its best month that stay at or above halfway between it and the
    bottom. The bottom ignores failures (front broke), so a broken front does not make mediocre
    months look good. Everything else is the middle ground.
    """
    pos = np.asarray(positions, dtype=float)
    n = len(pos)
    lowest = np.isclose(pos, pos.min())
    start = int(np.argmax(lowest))
    end = start
    while end + 1 < n and lowest[end + 1]:
        end += 1
    held = pos[pos > FAILED_POSITION]
    bottom = held.min() if held.size else FAILED_POSITION

    best_early = int(np.argmax(pos[:start])) if start > 0 else None
    if best_early is not None and pos[best_early] - bottom < MIN_GAIN:
        best_early = None
    early_end = 0  # early window = months [0, early_end)
    if best_early is not None:
        cutoff = (pos[best_early] + bottom) / 2
        early_end = best_early + 1
        while early_end < start and pos[early_end] >= cutoff:
            early_end += 1

    best_late = end + 1 + int(np.argmax(pos[end + 1 :])) if end + 1 < n else None
    if best_late is not None and pos[best_late] - bottom < MIN_GAIN:
        best_late = None
    late_start = n  # late window = months [late_start, n)
    if best_late is not None:
        cutoff = (pos[best_late] + bottom) / 2
        late_start = best_late
        while late_start - 1 > end and pos[late_start - 1] >= cutoff:
            late_start -= 1

    return Windows(
        early=list(range(early_end)),
        middle=list(range(early_end, late_start)),
        late=list(range(late_start, n)),
        worst_month=(start + end) // 2,
        best_early=best_early,
        best_late=best_late,
    )


def windows(p: TimingParams = DEFAULTS) -> Windows:
    """``classify_windows`` applied to the model's position curve."""
    return classify_windows(position_curve(p)[0])


@dataclass(frozen=True)
class Sensitivity:
    """How far the worst month moves when one parameter sweeps its range."""

    name: str
    label: str
    values: list[float]
    worst_months: list[int]
    front_breaks: list[bool]  # whether the front breaks (absent a settlement) at each value
    default_worst: int

    @property
    def shift(self) -> int:
        """Spread of the worst month over the sweep, in months."""
        return max(self.worst_months) - min(self.worst_months)


def sensitivity(base: TimingParams = DEFAULTS) -> list[Sensitivity]:
    """One row per curve parameter, largest shift of the worst month first."""
    default_worst = windows(base).worst_month
    rows = []
    for name in CURVE_PARAMS:
        sweep = PARAMS[name].sweep()
        worst = [windows(base.replace(**{name: v})).worst_month for v in sweep]
        broke = [simulate(base.replace(**{name: v})).break_month is not None for v in sweep]
        rows.append(Sensitivity(name, PARAMS[name].label, sweep, worst, broke, default_worst))
    return sorted(rows, key=lambda r: -r.shift)


def summary_numbers(p: TimingParams = DEFAULTS) -> dict[str, str]:
    """The numbers the chapter's prose quotes, as display strings, at the given assumptions."""
    traj = simulate(p)
    positions, _ = position_curve(p)
    win = classify_windows(positions)

    def name(month: int | None) -> str:
        return "none" if month is None else month_name(month)

    def span(months: list[int]) -> str:
        return f"{month_name(months[0])} to {month_name(months[-1])}" if months else "none"

    full_reserve = simulate(p.replace(reserve_pct=PARAMS["reserve_pct"].high))
    return {
        "worst-month": name(win.worst_month),
        "worst-position": f"{positions[win.worst_month]:.2f}",
        "worst-settle": name(outcome(traj, win.worst_month).settle_month),
        "best-early-month": name(win.best_early),
        "best-early-position": "none"
        if win.best_early is None
        else f"{positions[win.best_early]:.2f}",
        "best-late-month": name(win.best_late),
        "best-late-position": "none"
        if win.best_late is None
        else f"{positions[win.best_late]:.2f}",
        "early-window": span(win.early),
        "late-window": span(win.late),
        "full-reserve-break": name(full_reserve.break_month),
        "top-sensitivity": sensitivity(p)[0].label.lower(),
    }

"""Tests for the timing model, its charts and its widget."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kursk_edition.charts import timing as tc
from kursk_edition.models import timing as tm
from kursk_edition.models.timing import TimingParams


def grid_value(name: str) -> st.SearchStrategy[float]:
    """Any value on a parameter's declared step grid."""
    return st.sampled_from(tm.PARAMS[name].sweep())


curve_params = st.fixed_dictionaries({name: grid_value(name) for name in tm.CURVE_PARAMS})


# --- model -------------------------------------------------------------------------------------


def test_months_and_labels_round_trip() -> None:
    assert len(tm.MONTHS) == 29
    assert tm.MONTHS[0] == "2024-08" and tm.MONTHS[-1] == "2026-12"
    assert all(tm.month_index(label) == i for i, label in enumerate(tm.MONTHS))
    assert tm.month_name(7) == "Mar 2025"


def any_value(name: str) -> st.SearchStrategy[float]:
    """Any value in a parameter's declared range, on its step grid or not."""
    p = tm.PARAMS[name]
    return st.floats(min_value=p.low, max_value=p.high, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({name: any_value(name) for name in tm.CURVE_PARAMS}))
def test_position_curve_is_outcome_month_by_month(params: dict[str, float]) -> None:
    # position_curve computes every opening month at once; outcome, one month at a time, is the
    # model's definition. They must agree exactly, not approximately.
    p = TimingParams(**params)
    positions, broke = tm.position_curve(p)
    traj = tm.simulate(p)
    outcomes = [tm.outcome(traj, month) for month in range(tm.N_MONTHS)]
    assert positions.tolist() == [o.position for o in outcomes]
    assert broke.tolist() == [o.front_broke for o in outcomes]


def test_defaults_show_early_middle_late() -> None:
    positions, broke = tm.position_curve()
    win = tm.windows()
    assert not broke.any()
    assert win.u_shaped
    assert positions[win.best_early] > positions[win.worst_month] < positions[win.best_late]
    assert win.best_early < win.worst_month < win.best_late
    assert all(positions[m] > positions[win.worst_month] for m in win.early + win.late)


def test_every_param_is_justified_and_default_in_range() -> None:
    for p in tm.PARAMS.values():
        assert p.low <= p.default <= p.high
        assert "¶" in p.justification or "assumption" in p.justification.lower()


@pytest.mark.parametrize("name", list(tm.PARAMS))
def test_out_of_range_raises_with_name(name: str) -> None:
    p = tm.PARAMS[name]
    with pytest.raises(ValueError, match=name):
        tm.simulate(TimingParams(**{name: p.high + 10 * p.step}))
    with pytest.raises(ValueError, match=name):
        tm.simulate(TimingParams(**{name: p.low - 10 * p.step}))


def test_unknown_param_raises() -> None:
    with pytest.raises(ValueError, match="bogus"):
        tm.position_curve(TimingParams.of(bogus=1))


@settings(max_examples=60, deadline=None)
@given(curve_params, grid_value("reserve_pct"), grid_value("reserve_pct"))
def test_more_reserve_never_raises_staying_power(params, r1, r2) -> None:
    low, high = sorted([r1, r2])
    s_low = tm.simulate(TimingParams(**{**params, "reserve_pct": low})).staying
    s_high = tm.simulate(TimingParams(**{**params, "reserve_pct": high})).staying
    assert np.all(s_high <= s_low + 1e-12)


@settings(max_examples=60, deadline=None)
@given(curve_params, grid_value("stall"), grid_value("stall"), grid_value("talks_open"))
def test_more_stalling_never_settles_earlier(params, k1, k2, month) -> None:
    low, high = sorted([k1, k2])
    early = tm.outcome(tm.simulate(TimingParams(**{**params, "stall": low})), int(month))
    late = tm.outcome(tm.simulate(TimingParams(**{**params, "stall": high})), int(month))
    assert late.settle_month >= early.settle_month


@settings(max_examples=60, deadline=None)
@given(curve_params)
def test_outcomes_are_consistent(params) -> None:
    positions, broke = tm.position_curve(TimingParams(**params))
    assert np.all(positions[broke] == tm.FAILED_POSITION)
    assert np.all(positions[~broke] > tm.FAILED_POSITION)
    assert np.all((positions >= -1) & (positions <= 1))
    win = tm.classify_windows(positions)
    assert sorted(win.early + win.middle + win.late) == list(range(tm.N_MONTHS))
    assert win.worst_month in win.middle


def test_sensitivity_covers_curve_params() -> None:
    rows = tm.sensitivity()
    assert {r.name for r in rows} == set(tm.CURVE_PARAMS)
    assert [r.shift for r in rows] == sorted((r.shift for r in rows), reverse=True)
    assert all(r.default_worst == tm.windows().worst_month for r in rows)


# --- charts ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def interactive() -> dict:
    return tc.interactive_chart().to_dict()  # to_dict() validates against the schema


def test_every_slider_value_hits_exactly_one_grid_row(interactive: dict) -> None:
    records = tc.chart_grid_records(interactive)
    bindings = {p["name"]: p["bind"] for p in interactive["params"]}
    assert set(bindings) == {"month", "reserve", "deliveries", "stall"}
    assert all(b.get("name") for b in bindings.values())
    keys = []
    for slider, (_name, _key) in tc.GRID_AXES.items():
        b = bindings[slider]
        keys.append(list(range(b["min"], b["max"] + 1, b["step"])))
    wanted = set(itertools.product(*keys))
    got = [(r["reserve_pct"], round(r["deliveries"] * 100), r["stall"]) for r in records]
    assert len(got) == len(set(got)) and set(got) == wanted
    month = bindings["month"]
    assert (month["min"], month["max"], month["step"]) == (0, tm.N_MONTHS - 1, 1)


def test_interactive_chart_has_title_description_and_small_data(interactive: dict) -> None:
    assert interactive["title"]["text"] and interactive["description"]
    assert len(str(interactive)) < 80_000


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_interactive_chart_data_match_model(interactive: dict, data) -> None:
    record = data.draw(st.sampled_from(tc.chart_grid_records(interactive)))
    p = TimingParams(**{k: record[k] for k in ("reserve_pct", "deliveries", "stall")})
    positions, broke = tm.position_curve(p)
    assert record["front_broke"] == broke.tolist()
    assert np.allclose(record["positions"], positions, atol=0.005)
    win = tm.windows(p)
    assert (record["early"], record["late"]) == (win.early, win.late)


@settings(max_examples=15, deadline=None)
@given(curve_params, grid_value("talks_open"))
def test_static_chart_data_match_model(params, month) -> None:
    chart = tc.static_chart(TimingParams(**params, talks_open=month)).to_dict()
    (record,) = tc.chart_grid_records(chart)
    positions, broke = tm.position_curve(TimingParams(**params))
    assert record["front_broke"] == broke.tolist()
    assert np.allclose(record["positions"], positions, atol=0.005)


def test_static_charts_render_to_png() -> None:
    vl_convert = pytest.importorskip("vl_convert")
    for chart in (
        tc.static_chart(),
        tc.static_chart(TimingParams(reserve_pct=100, deliveries=0.5)),
        tc.scenarios_chart(),
        tc.sensitivity_chart(),
    ):
        spec = chart.to_dict()
        assert spec.get("description")
        assert vl_convert.vegalite_to_png(spec).startswith(b"\x89PNG")


# --- widget ------------------------------------------------------------------------------------


def test_widget_readout_follows_sliders() -> None:
    from kursk_edition.widgets.timing import timing_panel

    panel = timing_panel()
    assert set(panel.sliders) == {"talks_open", "reserve_pct", "deliveries", "stall"}
    before = panel.readout.value
    assert tm.month_name(tm.windows().worst_month) in before
    panel.sliders["reserve_pct"].value = 100
    panel.sliders["deliveries"].value = 0.5
    after = panel.readout.value
    assert after != before and "front breaks" in after
    panel.sliders["talks_open"].value = 0
    assert "If talks open in Aug 2024" in panel.readout.value

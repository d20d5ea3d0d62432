"""Tests for the Kursk leverage model, its data file, charts and widget."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kursk_edition.charts.leverage import (
    SLIDERS,
    chart_json_size,
    chart_model_numbers,
    counterfactual_chart,
    interactive_chart,
    static_chart,
)
from kursk_edition.models.leverage import (
    PARAMS,
    TALKS_PARAMS,
    LeverageParams,
    date_to_day,
    fit_recapture,
    gone_day,
    held_area,
    leverage_at_settlement,
)
from kursk_edition.record.bibliography import load_bibliography
from kursk_edition.record.datasets import HELD_AREA as HELD_AREA_CSV
from kursk_edition.record.datasets import HELD_AREA_COLUMNS as COLUMNS
from kursk_edition.record.datasets import load_held_area
from kursk_edition.record.errors import DataError


@pytest.fixture(scope="module")
def bib_keys() -> set[str]:
    return set(load_bibliography().entries)


@pytest.fixture(scope="module")
def observed(bib_keys: set[str]) -> pd.DataFrame:
    return load_held_area(HELD_AREA_CSV, bib_keys=bib_keys)


# --- data file ---------------------------------------------------------------------------------


def test_data_file_validates(observed: pd.DataFrame) -> None:
    assert len(observed) >= 8
    assert list(observed.columns[:5]) == list(COLUMNS)
    assert (observed["km2"] >= 0).all()
    sides = set(observed["claimant"].str.split().str[0])
    assert {"Ukraine", "Russia"} <= sides  # both belligerents
    assert len(sides - {"Ukraine", "Russia"}) >= 1  # and independent estimates


GOOD_ROW = "2024-09-06,1300,Ukraine (Zelensky),unn2024zelensky,claimed by Zelensky"


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("2024-13-45,1300,Ukraine (Zelensky),unn2024zelensky,bad month", "date"),
        ("06/09/2024,1300,Ukraine (Zelensky),unn2024zelensky,wrong format", "date"),
        ("2024-07-01,1300,Ukraine (Zelensky),unn2024zelensky,before incursion", "date"),
        ("2024-09-06,-5,Ukraine (Zelensky),unn2024zelensky,negative", "km2"),
        ("2024-09-06,lots,Ukraine (Zelensky),unn2024zelensky,not a number", "km2"),
        ("2024-09-06,1300,Ukraine (Zelensky),nosuchkey2099,unknown key", "cite"),
        ("2024-09-06,1300,Ukraine (Zelensky),,empty key", "cite"),
        ("2024-09-06,1300,,unn2024zelensky,no claimant", "claimant"),
    ],
)
def test_bad_row_names_file_row_and_column(
    tmp_path: Path, bib_keys: set[str], row: str, column: str
) -> None:
    path = tmp_path / "held.csv"
    path.write_text(",".join(COLUMNS) + "\n" + GOOD_ROW + "\n" + row + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_held_area(path, bib_keys=bib_keys)
    err = info.value
    assert err.file == str(path) and err.field == column and err.where == "row 2"
    assert str(path) in str(err) and "row 2" in str(err) and column in str(err)


@pytest.mark.parametrize("missing", COLUMNS)
def test_missing_column_is_named(tmp_path: Path, missing: str) -> None:
    header = [c for c in COLUMNS if c != missing]
    path = tmp_path / "held.csv"
    path.write_text(",".join(header) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_held_area(path)
    assert info.value.field == missing and str(path) in str(info.value)


def test_real_file_with_a_broken_copy(tmp_path: Path, bib_keys: set[str]) -> None:
    # Break row 3 of a copy of the real file: the error points at that row.
    path = tmp_path / "copy.csv"
    shutil.copy(HELD_AREA_CSV, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",1250,", ",-1250,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"row 3.*'km2'"):
        load_held_area(path, bib_keys=bib_keys)


# --- model properties ----------------------------------------------------------------------------


def test_defaults_are_in_range_and_on_step() -> None:
    for spec in {**PARAMS, **TALKS_PARAMS}.values():
        assert spec.low <= spec.default <= spec.high, spec.name
        steps = (spec.high - spec.low) / spec.step
        assert math.isclose(steps, round(steps)), f"{spec.name}: max not reachable by step"


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_out_of_range_param_raises_naming_it(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        held_area(100.0, LeverageParams(**{name: PARAMS[name].high + 1}))


@pytest.mark.parametrize("name", sorted(TALKS_PARAMS))
def test_out_of_range_talks_raise_naming_it(name: str) -> None:
    window = {"talks_start": 100.0, "talks_length": 30.0, name: -1.0}
    with pytest.raises(ValueError, match=name):
        leverage_at_settlement(**window)


def test_unknown_param_rejected() -> None:
    with pytest.raises(ValueError, match="nonsense"):
        held_area(10.0, LeverageParams.of(nonsense=1.0))


def test_leverage_zero_when_recapture_completes_before_talks_end() -> None:
    gone = gone_day()
    outcome = leverage_at_settlement(100.0, gone - 100.0 + 10.0)
    assert outcome.area_at_end_km2 == 0.0
    assert outcome.leverage == 0.0


def test_leverage_discounted_when_moscow_expects_to_finish_during_talks() -> None:
    # Talks opening on day 2, mid-advance: Moscow extrapolates from the small area held then and
    # expects to be done long before the model's real end, so the ground kept is discounted.
    outcome = leverage_at_settlement(2.0, 145.0)
    assert outcome.moscow_expected_day < outcome.talks_end_day < outcome.gone_day
    assert outcome.moscow_retakes_first and outcome.area_at_end_km2 > 0
    delta = PARAMS["expectation_discount"].default
    peak = PARAMS["peak_km2"].default
    assert outcome.leverage == pytest.approx(outcome.area_at_end_km2 / peak * delta)
    # Without Moscow's expectation (talks end first) there is no discount.
    early = leverage_at_settlement(60.0, 30.0)
    assert not early.moscow_retakes_first
    assert early.leverage == pytest.approx(early.area_at_end_km2 / peak)


@settings(max_examples=150, deadline=None)
@given(
    rate=st.integers(0, 60).map(lambda k: k * 10.0),
    start=st.integers(8, 60).map(lambda k: k * 5.0),
    short=st.integers(0, 72).map(lambda k: k * 5.0),
    extra=st.integers(0, 72).map(lambda k: k * 5.0),
    rho=st.integers(0, 16).map(lambda k: k * 0.05),
)
def test_longer_talks_never_raise_leverage_under_constant_recapture(
    rate: float, start: float, short: float, extra: float, rho: float
) -> None:
    # Once recapture is under way (talks from day 40, after the day-36 counter-offensive; before
    # that the area is still growing), one constant rate means later talks ends never help Kyiv.
    long = min(short + extra, TALKS_PARAMS["talks_length"].high)
    params = LeverageParams(rate1=rate, rate2=rate, reinforcement=rho)
    a = leverage_at_settlement(start, short, params).leverage
    b = leverage_at_settlement(start, long, params).leverage
    assert b <= a + 1e-12


@settings(max_examples=60, deadline=None)
@given(
    rate1=st.integers(1, 60).map(lambda k: k * 10.0),
    rho=st.integers(0, 16).map(lambda k: k * 0.05),
)
def test_reinforcement_slows_recapture_and_costs_ground(rate1: float, rho: float) -> None:
    base = leverage_at_settlement(95.0, 90.0, LeverageParams(rate1=rate1))
    dug_in = leverage_at_settlement(95.0, 90.0, LeverageParams(rate1=rate1, reinforcement=rho))
    assert dug_in.area_at_end_km2 >= base.area_at_end_km2 - 1e-9
    assert dug_in.reserve_cost_km2 == pytest.approx(
        PARAMS["donbas_exchange"].default * (dug_in.area_at_end_km2 - base.area_at_end_km2)
    )
    slowed = LeverageParams(rate1=rate1, reinforcement=rho)
    assert gone_day(slowed) >= gone_day(LeverageParams(rate1=rate1)) - 1e-9


def test_fit_recovers_synthetic_parameters() -> None:
    truth = {"peak_km2": 1180.0, "rate1": 150.0, "rate2": 520.0}
    days = np.array([5, 10, 20, 30, 60, 90, 120, 150, 180, 200, 215, 225, 232], dtype=float)
    km2 = held_area(days, LeverageParams(**truth))
    synthetic = pd.DataFrame({"day": days, "km2": km2})
    fit = fit_recapture(synthetic)
    for name, value in truth.items():
        assert fit.params[name] == pytest.approx(value, rel=1e-6), name
    assert np.allclose(fit.residuals, 0.0, atol=1e-6)
    assert fit.gone_day == pytest.approx(gone_day(LeverageParams(**truth)), rel=1e-9)


def test_fit_recovers_rates_with_fixed_peak_and_noise() -> None:
    truth = {"rate1": 200.0, "rate2": 400.0}
    rng = np.random.default_rng(0)
    days = np.linspace(40, 230, 40)
    km2 = held_area(days, LeverageParams(**truth)) + rng.normal(0, 5, days.size)
    fit = fit_recapture(pd.DataFrame({"day": days, "km2": km2}), fit_peak=False)
    assert fit.params["rate1"] == pytest.approx(200.0, rel=0.03)
    assert fit.params["rate2"] == pytest.approx(400.0, rel=0.1)


def test_fit_to_real_data(observed: pd.DataFrame) -> None:
    fit = fit_recapture(observed)
    assert len(fit.table) == len(observed)
    assert np.allclose(fit.table["km2"] - fit.table["fitted"], fit.residuals)
    assert not fit.notes  # fitted values inside the declared ranges
    # The declared defaults are the rounded fit (within one slider step).
    for name in fit.fitted_names:
        assert abs(fit.params[name] - PARAMS[name].default) <= PARAMS[name].step, name
    assert fit.gone_date is not None
    assert date_to_day(fit.gone_date.isoformat()) == math.floor(fit.gone_day)


# --- charts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sliders",
    [
        {},
        {"talks_start": 0, "talks_length": 0, "rate1": 0, "reinforcement": 0},
        {"talks_start": 300, "talks_length": 360, "rate1": 600, "reinforcement": 0.8},
        {"talks_start": 215, "talks_length": 20, "rate1": 250, "reinforcement": 0.35},
        {"talks_start": 150, "talks_length": 45, "rate1": 90, "reinforcement": 0.6},
    ],
)
def test_chart_numbers_match_python_model(sliders: dict[str, float]) -> None:
    chart = interactive_chart()
    curve, readout = chart_model_numbers(chart, **sliders)
    values = {n: p["value"] for n, p in ((p["name"], p) for p in chart.to_dict()["params"])}
    values.update(sliders)
    model = LeverageParams(**{k: values[k] for k in ("rate1", "reinforcement")})
    expected_curve = held_area(curve["day"].to_numpy(dtype=float), model)
    assert np.allclose(curve["area"], expected_curve, atol=1e-9)
    outcome = leverage_at_settlement(values["talks_start"], values["talks_length"], model)
    assert readout["area_e"] == pytest.approx(outcome.area_at_end_km2, abs=1e-9)
    assert readout["area_s"] == pytest.approx(outcome.area_at_start_km2, abs=1e-9)
    assert readout["leverage"] == pytest.approx(outcome.leverage, abs=1e-12)
    assert readout["t_exp"] == pytest.approx(outcome.moscow_expected_day, rel=1e-12)
    assert readout["retake_first"] == outcome.moscow_retakes_first
    assert readout["cost"] == pytest.approx(outcome.reserve_cost_km2, abs=1e-9)


def test_chart_sliders_are_bound_and_valid() -> None:
    spec = interactive_chart().to_dict()
    params = {p["name"]: p for p in spec["params"]}
    assert set(params) == set(SLIDERS)
    declared = {**PARAMS, **TALKS_PARAMS}
    for name, param in params.items():
        bind = param["bind"]
        assert bind["input"] == "range"
        assert (bind["min"], bind["max"], bind["step"]) == (
            declared[name].low,
            declared[name].high,
            declared[name].step,
        )
        # Every slider stop gives finite numbers, so the chart is never blank.
        for value in np.arange(bind["min"], bind["max"] + bind["step"] / 2, bind["step"] * 8):
            curve, readout = chart_model_numbers(spec, **{name: float(value)})
            assert np.isfinite(curve["area"]).all()
            assert all(math.isfinite(v) for v in readout.values())
    assert spec["description"] and spec["title"]["text"]


def test_chart_json_is_small_and_tooltips_name_sources() -> None:
    chart = interactive_chart()
    assert chart_json_size(chart) < 30_000
    observed_layer = next(
        layer for layer in chart.to_dict()["layer"] if layer.get("name") == "observed"
    )
    fields = {t["field"] for t in observed_layer["encoding"]["tooltip"]}
    assert {"claimant", "title", "date", "km2"} <= fields
    # The tooltip names each source by its title, as the bibliography gives it.
    titles = {row["title"] for row in chart.to_dict()["datasets"][observed_layer["data"]["name"]]}
    assert all(titles) and len(titles) > 5


def test_static_and_counterfactual_render_to_png() -> None:
    vlc = pytest.importorskip("vl_convert")
    for chart in (static_chart(), counterfactual_chart(), static_chart(talks=(95, 90))):
        png = vlc.vegalite_to_png(chart.to_json(), scale=1)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000


# --- widget ---------------------------------------------------------------------------------------


def test_widget_callback_updates_readout() -> None:
    pytest.importorskip("ipywidgets")
    from kursk_edition.widgets.leverage import leverage_panel

    panel = leverage_panel()
    assert set(panel.sliders) >= set(SLIDERS)
    before = panel.readout.value
    assert "leverage" in before
    panel.sliders["talks_length"].value = 300  # talks run past the model's end of the salient
    after = panel.readout.value
    assert after != before
    assert panel.outcome is not None and panel.outcome.leverage == 0.0
    assert "<b>yes</b>" in after
    panel.sliders["reinforcement"].value = 0.5
    assert panel.outcome.reserve_cost_km2 >= 0.0
    assert panel.chart is not None

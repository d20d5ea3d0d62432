"""The chart renderer: HTML for the site, vector PDF for the book, Altair's default elsewhere."""

from __future__ import annotations

import json
import re

import altair as alt
import pytest

from kursk_edition.charts import render as charts


def small_chart(peak: int = 3) -> alt.Chart:
    data = alt.Data(values=[{"x": i, "y": (i - peak) ** 2} for i in range(6)])
    return (
        alt.Chart(data, title="A small chart", description="A parabola, for tests.")
        .mark_line()
        .encode(x="x:Q", y="y:Q")
    )


def test_html_holds_the_spec_and_a_labelled_container() -> None:
    spec = small_chart().to_dict()
    html = charts.chart_html(spec)
    ident = charts.spec_id(spec)
    assert f'id="{ident}"' in html
    assert f'data-spec-id="{ident}-spec"' in html
    assert 'role="figure"' in html and "aria-label=" in html
    payload = html.split(f'id="{ident}-spec">', 1)[1].rsplit("</script>", 1)[0]
    # Compiled to Vega at build time: the browser does not compile Vega-Lite.
    embedded = json.loads(payload)
    assert embedded == charts.vega_spec(spec)
    assert "/vega/v" in embedded["$schema"] and "/vega-lite/" in spec["$schema"]
    assert embedded["description"] == spec["description"]


def test_html_cannot_be_closed_by_data() -> None:
    spec = {
        "description": "x",
        "data": {"values": [{"a": "</script><script>alert(1)"}]},
        "mark": "text",
        "encoding": {"text": {"field": "a", "type": "nominal"}},
    }
    html = charts.chart_html(spec)
    assert html.count("</script>") == 1


def test_spec_id_is_stable_and_content_based() -> None:
    spec = small_chart().to_dict()
    assert charts.spec_id(spec) == charts.spec_id(json.loads(json.dumps(spec)))
    assert charts.spec_id(spec) != charts.spec_id(small_chart(peak=5).to_dict())


def test_charts_are_compiled_to_vega() -> None:
    vega = charts.vega_spec(small_chart().to_dict())
    assert vega["$schema"].startswith("https://vega.github.io/schema/vega/")


def test_book_renderer_stores_only_the_spec() -> None:
    spec = small_chart().to_dict()
    bundle = charts.book_renderer(spec)
    assert bundle == {charts.MIME_TYPE: spec, "text/plain": "<Chart: A small chart>"}


def test_mime_plugin_turns_the_spec_into_a_chart_node() -> None:
    from types import SimpleNamespace

    from kursk_edition.book import charts as book_charts

    spec = small_chart().to_dict()
    data = SimpleNamespace(mime_type=charts.MIME_TYPE, content=json.dumps(spec))
    (node,) = book_charts.VegaLiteMimeRenderer.handle_mime(None, data, inline=False)
    assert isinstance(node, book_charts.chart_node) and node["spec"] == spec
    other = SimpleNamespace(mime_type="text/html", content="<p>")
    assert book_charts.VegaLiteMimeRenderer.handle_mime(None, other, inline=False) is None


def test_vector_pdf_export_works() -> None:
    assert charts.chart_pdf(small_chart().to_dict()).startswith(b"%PDF")


def test_png_export_works() -> None:
    png = charts.chart_png(small_chart().to_dict())
    assert png.startswith(b"\x89PNG")


def test_renderer_choice_follows_the_build_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(charts.BUILD_ENV_VAR, raising=False)
    assert charts.use_book_renderer() == charts.LIVE_RENDERER
    assert alt.utils.schemapi.DEBUG_MODE  # a live notebook keeps Altair's early errors
    monkeypatch.setenv(charts.BUILD_ENV_VAR, "1")
    assert charts.use_book_renderer() == charts.RENDERER
    assert alt.renderers.active == charts.RENDERER
    assert not alt.utils.schemapi.DEBUG_MODE
    charts.use_book_renderer()
    monkeypatch.delenv(charts.BUILD_ENV_VAR)
    charts.use_book_renderer()


def test_vegalite_version_is_altairs() -> None:
    # vl-convert must compile and bundle the Vega-Lite version Altair writes specs for.
    assert charts.VEGALITE_VERSION == ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def invalid_chart() -> alt.Chart:
    scale = alt.Scale(type=123)  # not a scale type: Vega-Lite's schema rejects it
    return alt.Chart(alt.Data(values=[{"a": 1}])).mark_point().encode(x=alt.X("a:Q", scale=scale))


def test_book_build_still_rejects_an_invalid_chart_in_its_cell() -> None:
    # Without debug mode, Altair builds the invalid chart without complaint, and its display path
    # would only print the error; ValidatedChart raises, so the chapter's cell fails.
    charts.use_book_renderer(force=True)
    try:
        chart = invalid_chart()
        with pytest.raises(alt.utils.schemapi.SchemaValidationError, match="type"):
            charts.ValidatedChart(chart)
        assert alt.Chart._repr_mimebundle_(chart) == {}  # what glue would have stored
    finally:
        alt.renderers.enable("default")
        alt.utils.schemapi.enable_debug_mode()


def test_validated_chart_displays_what_altair_would() -> None:
    charts.use_book_renderer(force=True)
    try:
        chart = small_chart()
        bundle = charts.ValidatedChart(chart)._repr_mimebundle_()
        assert bundle == chart._repr_mimebundle_()
        assert bundle[charts.MIME_TYPE]["description"] == "A parabola, for tests."
    finally:
        alt.renderers.enable("default")
        alt.utils.schemapi.enable_debug_mode()


def test_bundle_is_self_contained_and_draws_our_charts() -> None:
    bundle = charts.javascript_bundle()
    assert "window.vegaEmbed" in bundle
    assert f"div.{charts.CHART_CLASS}[data-spec-id]" in bundle
    # A self-contained bundle has no module imports left to fetch.
    assert "import(" not in bundle.replace("import()", "")


def test_data_table_does_not_depend_on_the_order_of_record_keys() -> None:
    # A chapter read from the execution cache has its records' keys sorted; a fresh run does not.
    rows = [{"day": i, "date": f"2024-08-0{i + 1}", "km2": i * 10.5} for i in range(3)]
    shuffled = [{"km2": r["km2"], "day": r["day"], "date": r["date"]} for r in rows]
    spec = {"title": "T", "data": {"values": rows}}
    table = charts.data_table_html(spec)
    assert table == charts.data_table_html({**spec, "data": {"values": shuffled}})
    assert table.index(">date<") < table.index(">day<") < table.index(">km2<")


def test_data_table_shows_numbers_and_dates_as_a_reader_reads_them() -> None:
    # Model floats at full precision and midnight timestamps are noise in a table for reading.
    rows = [
        {"date": "2024-08-08T00:00:00", "km2": 480.0325951505872, "share": 0.50213, "n": 3},
        {"date": "2025-03-01T12:30:00", "km2": 1220.7, "share": 0.0, "n": 4},
    ]
    table = charts.data_table_html({"title": "T", "data": {"values": rows}})
    cells = re.findall(r"<td>(.*?)</td>", table)
    assert cells == ["2024-08-08", "480", "3", "0.5021", "2025-03-01T12:30:00", "1221", "4", "0"]
    assert "numbers to 4 significant digits" in table

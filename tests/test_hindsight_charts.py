"""The hindsight charts: events timeline and locator map (specs, data, basemap, rendering)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kursk_edition.charts import hindsight as hc
from kursk_edition.charts.render import chart_png
from kursk_edition.record.bibliography import plain, source_title
from kursk_edition.record.datasets import load_events, load_places

BASEMAP_COUNTRIES = {
    "Ukraine",
    "Russia",
    "Belarus",
    "Poland",
    "Moldova",
    "Romania",
    "Slovakia",
    "Hungary",
    "Bulgaria",
    "Serbia",
    "Georgia",
    "Kazakhstan",
    "Lithuania",
    "Latvia",
    "Estonia",
}


@pytest.fixture(scope="module")
def specs() -> dict[str, dict[str, Any]]:
    # to_dict() validates against the Vega-Lite schema and raises if the spec is invalid.
    return {
        "timeline": hc.timeline_chart().to_dict(),
        "static": hc.timeline_static().to_dict(),
        "map": hc.locator_map().to_dict(),
    }


def walk(node: Any):
    """Every dict in a spec, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def params(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for node in walk(spec) for p in node.get("params", [])]


def timeline_points(spec: dict[str, Any]) -> list[dict[str, Any]]:
    (layer,) = [layer for layer in spec["layer"] if "lane" in json.dumps(layer.get("encoding"))]
    return spec["datasets"][layer["data"]["name"]]


def test_timeline_layers_title_and_description(specs: dict[str, dict[str, Any]]) -> None:
    for name in ("timeline", "static"):
        spec = specs[name]
        assert len(spec["layer"]) == 3  # article rule, its label, the events
        assert spec["title"]["text"] and spec["description"].startswith("Timeline of")
        marks = [layer["mark"]["type"] for layer in spec["layer"]]
        assert marks == ["rule", "text", "point"]


def test_timeline_has_a_kernel_free_category_picker(specs: dict[str, dict[str, Any]]) -> None:
    (param,) = params(specs["timeline"])
    assert param["name"] == hc.CATEGORY_PARAM
    assert param["value"] is None
    bind = param["bind"]
    assert bind["input"] == "select" and bind["name"] == "Category "
    assert bind["options"][0] is None and bind["labels"][0] == "all"
    present = set(load_events()["category"])
    assert present <= set(bind["options"][1:])
    assert bind["labels"][1:] == bind["options"][1:]
    # The picker dims, never hides: no filter on the param anywhere.
    text = json.dumps(specs["timeline"])
    assert hc.CATEGORY_PARAM in text and '"filter"' not in text
    assert params(specs["static"]) == []


def test_article_rule_is_marked_and_labelled(specs: dict[str, dict[str, Any]]) -> None:
    rule, label, _ = specs["static"]["layer"]
    assert rule["data"]["values"] == [{"date": "2024-08-15", "label": hc.ARTICLE_LABEL}]
    assert label["encoding"]["text"]["field"] == "label"
    assert hc.ARTICLE_LABEL == "Article (Aug 2024, day unverified)"


def test_every_event_is_in_the_timeline_with_its_source_titles(
    specs: dict[str, dict[str, Any]],
) -> None:
    for spec in (specs["timeline"], specs["static"]):
        rows = timeline_points(spec)
        events = load_events()
        assert len(rows) == len(events)
        by_key = {(r["date"], r["title"]): r for r in rows}
        for event in events.itertuples():
            row = by_key[(event.date.strftime("%Y-%m-%d"), event.title)]
            assert row["category"] == event.category
            assert row["sources"] == "; ".join(source_title(k) for k in event.cite)
            assert row["paragraphs"] == ", ".join(f"¶{int(p[1:])}" for p in event.paragraphs)
            assert "\\" not in row["sources"]  # BibTeX escapes resolved


def test_lanes_keep_close_events_apart() -> None:
    rows = [{"date": d, "category": "strikes"} for d in ("2024-08-03", "2024-08-09", "2024-09-30")]
    lanes = [r["lane"] for r in hc.with_lanes(rows, ["military", "strikes"])]
    assert lanes[0] == 1 and lanes[1] != 1 and lanes[2] == 1
    assert all(abs(lane - 1) < 0.5 for lane in lanes)  # still inside the strikes lane


def test_source_titles_are_plain_text() -> None:
    assert plain(r"Biden \$2.5 billion, 5\% -- {NATO}") == "Biden $2.5 billion, 5% – NATO"


def test_every_place_is_on_the_map(specs: dict[str, dict[str, Any]]) -> None:
    spec = specs["map"]
    rows = spec["datasets"][hc.PLACES_DATASET]
    places = load_places()
    assert [r["place"] for r in rows] == list(places["place"])
    for row, place in zip(rows, places.itertuples(), strict=True):
        assert (row["lat"], row["lon"]) == (place.lat, place.lon)
        assert row["sources"] == "; ".join(source_title(k) for k in place.cite)
    points = [
        layer
        for layer in spec["layer"]
        if layer["mark"]["type"] == "point" and layer["data"] == {"name": hc.PLACES_DATASET}
    ]
    assert len(points) == 1
    tooltip = [t["field"] for t in points[0]["encoding"]["tooltip"]]
    assert tooltip == ["place", "kind", "country", "note", "sources"]
    labelled = {r["place"] for r in rows if r["label"]}
    assert {"Kursk", "Sudzha", "Korenevo", "Sumy", "Pokrovsk", "Toretsk"} <= labelled
    assert spec["title"]["text"] and spec["description"].startswith("Locator map")


def test_map_embeds_the_basemap_and_fetches_nothing(specs: dict[str, dict[str, Any]]) -> None:
    spec = specs["map"]
    assert not any("url" in node for node in walk(spec))
    topo = [
        layer["data"]
        for layer in spec["layer"]
        if layer.get("data", {}).get("format", {}).get("type") == "topojson"
    ]
    assert len(topo) == 1
    assert topo[0]["format"]["feature"] == hc.BASEMAP_OBJECT
    assert json.loads(topo[0]["values"]) == hc.basemap()
    assert spec["projection"]["type"] == "conicConformal" and "fit" in spec["projection"]


def test_basemap_has_the_countries_and_no_unused_arcs() -> None:
    topo = hc.basemap()
    geometries = topo["objects"][hc.BASEMAP_OBJECT]["geometries"]
    names = {g["properties"]["name"] for g in geometries}
    assert names == BASEMAP_COUNTRIES | {"Crimea"}
    used: set[int] = set()
    for g in geometries:
        polygons = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        for polygon in polygons:
            for ring in polygon:
                used |= {i if i >= 0 else ~i for i in ring}
    assert used == set(range(len(topo["arcs"])))
    assert hc.BASEMAP.stat().st_size < 150_000
    assert (hc.BASEMAP.parent / "LICENSE.md").is_file()


@pytest.mark.parametrize("name", ["timeline", "static", "map"])
def test_renders_to_png(specs: dict[str, dict[str, Any]], name: str) -> None:
    png = chart_png(specs[name], scale=1.0)
    assert png.startswith(b"\x89PNG") and len(png) > 10_000

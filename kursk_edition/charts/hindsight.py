"""Altair charts for the hindsight chapter: the events timeline and the locator map.

Both work in static HTML with no kernel. The timeline's category picker is a Vega-Lite param
bound to a drop-down; it dims the other categories rather than hiding them, so the chart is
never blank. The map's interactivity is its tooltips. ``timeline_static`` drops the picker for
print; the map prints as it is.

The basemap is ``data/basemap/countries.topo.json`` (Natural Earth 1:50m via the npm package
world-atlas 2.0.2, cut down by ``scripts/make_basemap.py``), embedded inline in the spec, so
nothing is fetched when a page is read or the book is built.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import altair as alt
import pandas as pd

from kursk_edition import DATA
from kursk_edition.charts import palette, render
from kursk_edition.record.bibliography import source_title
from kursk_edition.record.datasets import EVENT_CATEGORIES, load_events, load_places

BASEMAP = DATA / "basemap" / "countries.topo.json"
BASEMAP_OBJECT = "countries"
PLACES_DATASET = "places"  # the map's points and labels share one embedded copy of the rows

# Okabe-Ito colours, safe for the common colour-vision deficiencies; shapes repeat the category.
CATEGORY_COLOURS = {
    "military": palette.BLUE,
    "strikes": palette.VERMILION,
    "diplomacy": palette.GREEN,
    "aid": palette.PURPLE,
    "industry": palette.ORANGE,
}
CATEGORY_SHAPES = {
    "military": "circle",
    "strikes": "triangle-up",
    "diplomacy": "square",
    "aid": "diamond",
    "industry": "cross",
}
CATEGORY_PARAM = "category_pick"
ARTICLE_DATE = "2024-08-15"
ARTICLE_LABEL = "Article (Aug 2024, day unverified)"
TIMELINE_WIDTH = 560
LANE_HEIGHT = 48
SUB_LANES = (0, -1, 1, -2, 2)  # the last is reused if all are taken
SUB_LANE_STEP = 0.26  # of a lane

# Map frame (west, south, east, north) in degrees, and the places labelled on the map: name ->
# label position relative to the point (the points are close together, so each is placed by hand).
MAP_FRAME = (22.0, 44.0, 46.0, 57.0)
MAP_WIDTH = 620
MAP_HEIGHT = 520
# Places not listed here (none at present) get a tooltip but no label.
LABELS = {
    "Kursk": "above",
    "Sudzha": "right",
    "Korenevo": "left",
    "Sumy": "below-left",
    "Pokrovsk": "left",
    "Toretsk": "right",
    # Air bases: smaller labels, without the words "air base".
    "Kursk Khalino air base": "below-right",
    "Voronezh Baltimor air base": "right",
    "Borisoglebsk air base": "right",
    "Savasleyka air base": "right",
    "Marinovka air base": "above",
}
SHORT_NAMES = {"Kursk Khalino air base": "Khalino", "Voronezh Baltimor air base": "Baltimor"}
LABEL_STYLE = {  # position -> (align, baseline, dx, dy)
    "above": ("center", "bottom", 0, -6),
    "below": ("center", "top", 0, 6),
    "right": ("left", "middle", 7, 0),
    "left": ("right", "middle", -7, 0),
    "below-left": ("right", "top", -4, 4),
    "below-right": ("left", "top", 4, 4),
}
COUNTRY_LABELS = [  # (text, lon, lat): placed clear of the points
    ("UKRAINE", 30.5, 49.2),
    ("RUSSIA", 44.5, 53.6),
    ("BELARUS", 27.8, 53.4),
    ("POLAND", 23.4, 51.6),
    ("ROMANIA", 24.8, 45.6),
    ("MOLDOVA", 28.6, 47.4),
    ("Crimea", 34.2, 45.3),
    ("Black Sea", 31.6, 44.6),
    ("Sea of Azov", 36.6, 46.0),
]
LAND_COLOURS = {"Ukraine": "#f6e8b1", "Crimea": "#f6e8b1", "Russia": "#e3ddd5"}
OTHER_LAND = "#f4f3ef"
WATER = "#d9e8f2"
PLACE_GROUPS = {
    "settlement": (palette.BLUE, "circle"),
    "air base": (palette.VERMILION, "triangle-up"),
}

TIMELINE_DESCRIPTION = (
    "Timeline of {n} events from {first} to {last}, one lane per category ({categories}), "
    "with a dashed line at the article's publication in August 2024. Each point's tooltip "
    "gives the date, the event, the paragraphs of the article it bears on, a note and the "
    "sources."
)
MAP_DESCRIPTION = (
    "Locator map of Ukraine and western Russia with the {n} places the commentary names or "
    "relies on: {settlements}, and {bases} air bases in Russia ({base_names}). Crimea is shown "
    "as Ukrainian territory occupied by Russia."
)


# The columns of the charts' data, as the data table and the CSV name them.
TIMELINE_COLUMNS: dict[str, Any] = {
    "date": {"label": "Date", "type": "date"},
    "day": None,
    "lane": None,
    "category": {"label": "Category"},
    "title": {"label": "Event"},
    "paragraphs": {"label": "Paragraphs"},
    "sources": {"label": "Sources"},
    "note": {"label": "Note"},
}
MAP_COLUMNS: dict[str, Any] = {
    "place": {"label": "Place"},
    "kind": {"label": "Kind"},
    "group": None,
    "country": {"label": "Country"},
    "lat": {"label": "Latitude"},
    "lon": {"label": "Longitude"},
    "sources": {"label": "Sources"},
    "note": {"label": "Note"},
    "label": None,
    "short": None,
    "major": None,
}


# Data helpers
def sources(keys: list[str]) -> str:
    return "; ".join(source_title(k) for k in keys)


def paragraph_refs(ids: list[str]) -> str:
    """["p01", "p04"] -> "¶1, ¶4"."""
    return ", ".join(f"¶{int(p[1:])}" for p in ids)


def timeline_rows(events: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    events = load_events() if events is None else events
    return [
        {
            "date": e.date.strftime("%Y-%m-%d"),
            "day": f"{e.date.day} {e.date.strftime('%b %Y')}",
            "category": e.category,
            "title": e.title,
            "paragraphs": paragraph_refs(e.paragraphs),
            "sources": sources(e.cite),
            "note": e.note or "",
        }
        for e in events.itertuples()
    ]


def place_group(kind: str) -> str:
    return "air base" if kind == "air base" else "settlement"


def map_rows(places: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    places = load_places() if places is None else places
    return [
        {
            "place": p.place,
            "kind": p.kind,
            "group": place_group(p.kind),
            "country": p.country,
            "lat": p.lat,
            "lon": p.lon,
            "sources": sources(p.cite),
            "note": p.note or "",
            "label": LABELS.get(p.place, ""),
            "short": SHORT_NAMES.get(p.place, p.place.removesuffix(" air base")),
            "major": place_group(p.kind) != "air base",
        }
        for p in places.itertuples()
    ]


@functools.cache
def _basemap_text() -> str:
    return BASEMAP.read_text(encoding="utf-8")


def basemap() -> dict[str, Any]:
    """The basemap TopoJSON (a fresh copy on each call, safe to modify)."""
    return json.loads(_basemap_text())


# Timeline
def _categories(rows: list[dict[str, Any]]) -> list[str]:
    present = {r["category"] for r in rows}
    return [c for c in EVENT_CATEGORIES if c in present]


def with_lanes(
    rows: list[dict[str, Any]], categories: list[str], days: int = 16
) -> list[dict[str, Any]]:
    """Copies of ``rows`` with ``lane``: the category's index, nudged up or down so that events
    fewer than ``days`` apart in the same category do not hide each other (``rows`` by date)."""
    last: dict[tuple[str, int], pd.Timestamp] = {}
    out = []
    for row in rows:
        when = pd.Timestamp(row["date"])
        for offset in SUB_LANES:
            seen = last.get((row["category"], offset))
            if seen is None or (when - seen).days >= days:
                break
        last[(row["category"], offset)] = when
        out.append({**row, "lane": categories.index(row["category"]) + offset * SUB_LANE_STEP})
    return out


def _timeline(events: pd.DataFrame | None, interactive: bool) -> alt.LayerChart:
    rows = timeline_rows(events)
    categories = _categories(rows)
    x_scale = alt.Scale(domain=["2024-07-01", _x_end(rows)])
    x = alt.X(
        "utcyearmonthdate(date):T",
        title=None,
        scale=x_scale,
        # Labels centred on their ticks: the first, pushed flush with the axis, ran into the next.
        axis=alt.Axis(
            format="%b %Y",
            tickCount={"interval": "month", "step": 3},
            grid=True,
            labelFlush=False,
        ),
    )
    rows = with_lanes(rows, categories)
    y = alt.Y(
        "lane:Q",
        title=None,
        scale=alt.Scale(domain=[-0.6, len(categories) - 0.4], reverse=True, nice=False),
        axis=alt.Axis(
            values=list(range(len(categories))),
            labelExpr=f"{json.dumps(categories)}[datum.value]",
            labelFontSize=12,
            labelPadding=8,
            ticks=False,
            domain=False,
            grid=False,
        ),
    )
    colour = alt.Color(
        "category:N",
        scale=alt.Scale(domain=categories, range=[CATEGORY_COLOURS[c] for c in categories]),
        legend=None,
    )
    shape = alt.Shape(
        "category:N",
        scale=alt.Scale(domain=categories, range=[CATEGORY_SHAPES[c] for c in categories]),
        legend=None,
    )
    tooltip = [
        alt.Tooltip("day:N", title="Date"),
        alt.Tooltip("title:N", title="Event"),
        alt.Tooltip("category:N", title="Category"),
        alt.Tooltip("paragraphs:N", title="Bears on"),
        alt.Tooltip("note:N", title="Note"),
        alt.Tooltip("sources:N", title="Sources"),
    ]
    points = (
        alt.Chart(alt.InlineData(values=rows))  # to datasets: see timing_chart
        .mark_point(filled=True, size=110, stroke="white", strokeWidth=0.8)
        .encode(x=x, y=y, color=colour, shape=shape, tooltip=tooltip)
    )
    if interactive:
        pick = alt.param(
            name=CATEGORY_PARAM,
            value=None,
            bind=alt.binding_select(
                options=[None, *categories],
                labels=["all", *categories],
                name="Category ",
            ),
        )
        chosen = f"{CATEGORY_PARAM} == null || datum.category == {CATEGORY_PARAM}"
        points = points.encode(
            opacity=alt.condition(chosen, alt.value(0.9), alt.value(0.15))
        ).add_params(pick)
    else:
        points = points.encode(opacity=alt.value(0.9))
    article = alt.Data(values=[{"date": ARTICLE_DATE, "label": ARTICLE_LABEL}])
    rule = (
        alt.Chart(article)
        .mark_rule(color="#333", strokeDash=[5, 3])
        .encode(x=alt.X("utcyearmonthdate(date):T", scale=x_scale), tooltip=["label:N"])
    )
    label = (
        alt.Chart(article)
        .mark_text(align="left", baseline="bottom", dx=4, y=-4, fontSize=11, color="#333")
        .encode(x=alt.X("utcyearmonthdate(date):T", scale=x_scale), text="label:N")
    )
    static = "One lane per category; points are nudged apart where events fall close together."
    how = (
        "Hover over a point for the event and its source; pick a category below to highlight it."
        if interactive
        else static
    )
    dashed = "Dashed line: the article's publication (August 2024, day unverified)."
    title = alt.Title(
        "What happened after the article: events, August 2024 onwards",
        subtitle=[how, dashed],
        anchor="start",
        offset=18,
    )
    return alt.layer(rule, label, points).properties(
        title=title,
        usermeta={
            **render.print_subtitle([static, dashed]),
            **render.web_usermeta("timeline", columns=TIMELINE_COLUMNS),
        },
        description=TIMELINE_DESCRIPTION.format(
            n=len(rows),
            first=_month(rows[0]) if rows else "",
            last=_month(rows[-1]) if rows else "",
            categories=", ".join(categories),
        ),
        width=TIMELINE_WIDTH,
        height=LANE_HEIGHT * max(len(categories), 1),
    )


def _x_end(rows: list[dict[str, Any]]) -> str:
    """The first day of the month after the last event, plus a month of margin."""
    last = pd.Timestamp(rows[-1]["date"]) if rows else pd.Timestamp(ARTICLE_DATE)
    return (last + pd.offsets.MonthBegin(2)).strftime("%Y-%m-%d")


def _month(row: dict[str, Any]) -> str:
    return pd.Timestamp(row["date"]).strftime("%B %Y")


def timeline_chart(events: pd.DataFrame | None = None) -> alt.LayerChart:
    """Events timeline for the HTML edition: tooltips plus a kernel-free category picker."""
    return _timeline(events, interactive=True)


def timeline_static(events: pd.DataFrame | None = None) -> alt.LayerChart:
    """The same timeline without the picker, for print."""
    return _timeline(events, interactive=False)


# Locator map
def _frame_points(step: float = 1.0) -> dict[str, Any]:
    """The map frame's edge as a GeoJSON MultiPoint, for ``projection.fit`` (no winding order)."""
    west, south, east, north = MAP_FRAME
    lons = [west + step * i for i in range(int((east - west) / step) + 1)]
    lats = [south + step * i for i in range(int((north - south) / step) + 1)]
    coords = [[lon, lat] for lon in lons for lat in (south, north)]
    coords += [[lon, lat] for lon in (west, east) for lat in lats]
    return {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "MultiPoint", "coordinates": coords},
    }


def projection() -> alt.Projection:
    west, _south, east, _north = MAP_FRAME
    return alt.Projection(
        type="conicConformal",
        rotate=[-(west + east) / 2, 0, 0],
        parallels=[47, 55],
        fit=_frame_points(),
    )


def _label_layers(used: list[tuple[str, bool]]) -> list[alt.Chart]:
    """Each (position, major) label style twice: a white halo first, then the text, so labels
    stay legible over borders. One encoded base serves all: Altair's encode() costs ~10 ms."""
    base = alt.Chart(alt.NamedData(PLACES_DATASET)).encode(
        longitude="lon:Q", latitude="lat:Q", text="short:N"
    )
    layers = []
    for halo in (True, False):
        for position, major in used:
            align, baseline, dx, dy = LABEL_STYLE[position]
            style = {"stroke": "white", "strokeWidth": 3, "strokeJoin": "round"} if halo else {}
            if major:
                style |= {"fontSize": 12, "fontWeight": "bold", "color": "#222"}
            else:
                # Minor labels (the air bases) only where the map has room for them: at phone
                # width they would collide with the towns' (the points and tooltips remain).
                style |= {
                    "fontSize": 10,
                    "color": "#8a3b00",
                    "opacity": alt.expr("width < 400 ? 0 : 1"),
                }
            layers.append(
                base.transform_filter(
                    f"datum.label == '{position}' && datum.major == {str(major).lower()}"
                ).mark_text(align=align, baseline=baseline, dx=dx, dy=dy, **style)
            )
    return layers


def _map_description(rows: list[dict[str, Any]]) -> str:
    towns = [r["place"] for r in rows if r["group"] != "air base"]
    bases = [r["short"] for r in rows if r["group"] == "air base"]
    return MAP_DESCRIPTION.format(
        n=len(rows),
        settlements=", ".join(towns[:-1]) + " and " + towns[-1]
        if len(towns) > 1
        else "".join(towns),
        bases=len(bases),
        base_names=", ".join(bases),
    )


def locator_map(places: pd.DataFrame | None = None) -> alt.LayerChart:
    """Every place in ``places.csv`` on a basemap of the region, with tooltips."""
    rows = map_rows(places)
    proj = projection()
    # The TopoJSON goes in as text, which Vega parses with the declared format: as a nested
    # object Altair would copy and walk every arc (about 1 s of each build).
    land = alt.Data(
        values=json.dumps(basemap(), separators=(",", ":")),
        format=alt.DataFormat(type="topojson", feature=BASEMAP_OBJECT),
    )
    # Water: a rectangle behind the land (a sphere outline is unreliable under a conic projection).
    water = (
        alt.Chart(alt.Data(values=[{}]))
        .mark_rect(color=WATER)
        # The drawing's own size, so the water still fills a map drawn narrower on a phone.
        .encode(
            x=alt.value(0),
            x2=alt.value(alt.expr("width")),
            y=alt.value(0),
            y2=alt.value(alt.expr("height")),
        )
    )
    countries = (
        alt.Chart(land)
        .transform_calculate(
            about="datum.properties.note || datum.properties.name",
            fill=f"{json.dumps(LAND_COLOURS)}[datum.properties.name] || {json.dumps(OTHER_LAND)}",
        )
        .mark_geoshape(stroke="#9a958c", strokeWidth=0.6, clip=True)
        .encode(fill=alt.Fill("fill:N", scale=None), tooltip=[alt.Tooltip("about:N", title="Area")])
    )
    country_labels = (
        alt.Chart(alt.Data(values=[{"text": t, "lon": x, "lat": y} for t, x, y in COUNTRY_LABELS]))
        .transform_calculate(sea="test(/Sea/, datum.text)")
        .mark_text(fontSize=11, fontStyle="italic", opacity=0.9)
        .encode(
            longitude="lon:Q",
            latitude="lat:Q",
            text="text:N",
            color=alt.condition("datum.sea", alt.value("#4f7fa6"), alt.value("#7a746b")),
        )
    )
    groups = list(PLACE_GROUPS)
    points = (
        alt.Chart(alt.NamedData(PLACES_DATASET))
        .mark_point(filled=True, size=70, stroke="white", strokeWidth=0.8, opacity=1)
        .encode(
            longitude="lon:Q",
            latitude="lat:Q",
            color=alt.Color(
                "group:N",
                title=None,
                scale=alt.Scale(domain=groups, range=[PLACE_GROUPS[g][0] for g in groups]),
                legend=alt.Legend(orient="top-left", fillColor="white", padding=6),
            ),
            shape=alt.Shape(
                "group:N",
                scale=alt.Scale(domain=groups, range=[PLACE_GROUPS[g][1] for g in groups]),
            ),
            tooltip=[
                alt.Tooltip("place:N", title="Place"),
                alt.Tooltip("kind:N", title="Kind"),
                alt.Tooltip("country:N", title="Country"),
                alt.Tooltip("note:N", title="Note"),
                alt.Tooltip("sources:N", title="Sources"),
            ],
        )
    )
    labels = _label_layers(sorted({(r["label"], r["major"]) for r in rows if r["label"]}))
    borders = "Borders: Natural Earth. Crimea: Ukrainian territory occupied by Russia since 2014."
    title = alt.Title(
        "Where: the Kursk incursion, the Donetsk front and the air bases hit in August 2024",
        subtitle=["Hover over a point for the place, its note and its sources.", borders],
        anchor="start",
    )
    return (
        alt.layer(water, countries, country_labels, points, *labels)
        .properties(
            title=title,
            usermeta={
                **render.print_subtitle(
                    ["Circles: towns and cities; triangles: air bases.", borders]
                ),
                **render.web_usermeta("places", columns=MAP_COLUMNS),
            },
            description=_map_description(rows),
            width=MAP_WIDTH,
            height=MAP_HEIGHT,
            projection=proj,
            datasets={PLACES_DATASET: rows},
        )
        .resolve_scale(color="independent", shape="independent")
    )

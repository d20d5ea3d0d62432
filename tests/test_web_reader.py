"""The web reader on every screen (issue 16): scenario links, honest controls, downloads, charts
that fit a phone, citation cards, titles and share metadata. Real headless Chromium against the
session's strict build on 127.0.0.1, every other host refused (``probe``)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import PageProbe, toc_files

from kursk_edition.models.leverage import TALKS_PARAMS, held_area, leverage_at_settlement
from kursk_edition.record.bibliography import source_title, source_url
from kursk_edition.record.datasets import load_held_area

pytestmark = [pytest.mark.browser]

DRAWN = "() => document.documentElement.dataset.kurskCharts === 'drawn'"
PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 1000}
CHART_PAGES = [
    "chapters/02-holding-ground",
    "chapters/03-timing",
    "chapters/models",
    "chapters/scorecard",
]
LEVERAGE = "chapters/02-holding-ground"
BOOK_TITLE = "Kursk and the Timing of Peace: an annotated edition"


def open_page(probe: PageProbe, url: str, viewport: dict[str, int] = DESKTOP):
    page = probe.page
    page.set_viewport_size(viewport)
    page.goto(url, wait_until="load")
    if page.locator("div.kursk-vega").count():
        page.wait_for_function(DRAWN, timeout=30_000)
    page.wait_for_timeout(200)
    return page


def move_slider(page, selector: str, value: float) -> None:
    page.locator(selector).evaluate(
        """(el, v) => {
            el.value = String(v);
            el.dispatchEvent(new Event('input', {bubbles: true}));
        }""",
        value,
    )
    page.wait_for_timeout(400)  # the URL is written 150 ms after the last move


def slider(name: str) -> str:
    return f"div.kursk-vega input[type='range'][name='{name}']"


# --- Scenario links -------------------------------------------------------------------------


def test_a_moved_slider_survives_a_reload_through_its_url(site_url: str, probe) -> None:
    page = open_page(probe, f"{site_url}/{LEVERAGE}.html")
    chart = page.locator("figure#fig-leverage div.kursk-vega")
    default_svg = chart.locator("svg").first.inner_html()
    assert urlsplit(page.url).query == "", "the default scenario has no parameters"
    move_slider(page, slider("talks_start"), 200)
    move_slider(page, slider("talks_length"), 150)
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"leverage.talks_start": ["200"], "leverage.talks_length": ["150"]}
    moved_svg = chart.locator("svg").first.inner_html()
    assert moved_svg != default_svg
    line = page.locator("figure#fig-leverage .kursk-notebook-line code").text_content()
    assert line == "leverage_panel(talks_start=200, talks_length=150, rate1=170, reinforcement=0)"

    # A fresh page from that URL: the controls and the drawing are restored.
    again = open_page(probe, page.url)
    assert again.locator(slider("talks_start")).input_value() == "200"
    assert again.locator(slider("talks_length")).input_value() == "150"
    restored = again.locator("figure#fig-leverage div.kursk-vega svg").first.inner_html()
    assert restored == moved_svg
    assert again.locator(".kursk-scenario-notice").count() == 0
    assert probe.errors == [] and probe.external == []


def test_copy_link_copies_the_scenario(site_url: str, browser) -> None:
    probe = PageProbe(browser)
    try:
        probe.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = open_page(probe, f"{site_url}/chapters/03-timing.html")
        move_slider(page, slider("month"), 12)
        move_slider(page, slider("deliveries"), 150)
        page.locator("figure#fig-timing button.kursk-copy-link").click()
        page.wait_for_timeout(200)
        copied = page.evaluate("navigator.clipboard.readText()")
        parts = urlsplit(copied)
        assert parts.fragment == "fig-timing"
        assert parse_qs(parts.query) == {"timing.month": ["12"], "timing.deliveries": ["150"]}
        status = page.locator("figure#fig-timing .kursk-copy-status").text_content()
        assert status == "Link copied."
        line = page.locator("figure#fig-timing .kursk-notebook-line code").text_content()
        assert line == "timing_panel(talks_open=12, reserve_pct=50, deliveries=1.5, stall=2)"
        assert probe.errors == [] and probe.external == []
    finally:
        probe.close()


def test_a_select_survives_a_reload_through_its_url(site_url: str, probe) -> None:
    page = open_page(probe, f"{site_url}/chapters/scorecard.html")
    page.locator("figure#fig-timeline select").select_option(label="diplomacy")
    page.wait_for_timeout(400)
    assert parse_qs(urlsplit(page.url).query) == {"timeline.category_pick": ["diplomacy"]}
    again = open_page(probe, page.url)
    chosen = again.locator("figure#fig-timeline select").evaluate(
        "el => el.options[el.selectedIndex].text"
    )
    assert chosen == "diplomacy"
    assert probe.errors == []


BAD = (
    "?leverage.talks_start=abc&leverage.talks_length=9999&leverage.rate1=%3Cimg%20src%3Dx%20"
    "onerror%3Dalert(1)%3E&leverage.reinforcement=0.33&leverage.nope=1&ghost.x=%3Cb%3Ehi%3C/b%3E"
    "&from=notes"
)


def test_malformed_values_open_the_nearest_scenario_and_say_so(site_url: str, probe) -> None:
    page = open_page(probe, f"{site_url}/{LEVERAGE}.html{BAD}")
    assert page.locator(slider("talks_start")).input_value() == "95"  # default
    assert page.locator(slider("talks_length")).input_value() == "360"  # clamped
    assert page.locator(slider("rate1")).input_value() == "170"  # default
    assert page.locator(slider("reinforcement")).input_value() == "0.35"  # nearest step
    notices = page.locator(".kursk-scenario-notice")
    text = " ".join(notices.all_text_contents())
    assert "“abc”, which is not a number" in text
    assert "9999, outside its range 0–360; the chart shows 360" in text
    assert "<img src=x onerror=alert(1)>" in text  # shown as text ...
    assert page.locator("img[src='x'], .kursk-scenario-notice b").count() == 0  # ... not markup
    assert "“nope”, which this chart does not have" in text
    assert "“ghost”, which is not a chart on this page" in text
    # The URL now names the scenario shown; keys that are not ours stay.
    page.wait_for_timeout(400)
    query = parse_qs(urlsplit(page.url).query)
    assert query["leverage.talks_length"] == ["360"]
    assert query["leverage.reinforcement"] == ["0.35"]
    assert "leverage.talks_start" not in query and query["from"] == ["notes"]
    assert probe.errors == [] and probe.external == []


# --- Downloads ------------------------------------------------------------------------------


def _same_numbers(cells: tuple[str, ...], values: list[float]) -> bool:
    try:
        return all(
            abs(float(c) - v) <= 1e-9 * max(1.0, abs(v)) for c, v in zip(cells, values, strict=True)
        )
    except ValueError:
        return False


def _download(page, button) -> bytes:
    with page.expect_download() as info:
        button.click()
    return Path(info.value.path()).read_bytes()


@pytest.mark.parametrize("doc", CHART_PAGES)
def test_each_charts_csv_rows_equal_its_data(site_url: str, probe, doc: str) -> None:
    page = open_page(probe, f"{site_url}/{doc}.html")
    charts = page.locator("div.kursk-vega")
    assert charts.count() > 0
    for i in range(charts.count()):
        chart = charts.nth(i)
        ident = chart.get_attribute("id")
        tables = page.evaluate(
            """id => {
                const spec = JSON.parse(document.getElementById(id + '-spec').textContent);
                return Object.fromEntries(spec.data.filter(d => Array.isArray(d.values))
                    .map(d => [d.name, d.values]));
            }""",
            ident,
        )
        buttons = page.locator(f"#{ident}-tools button.kursk-csv")
        assert buttons.count() > 0, f"{ident}: no CSV download"
        for b in range(buttons.count()):
            button = buttons.nth(b)
            data = tables[button.get_attribute("data-table")]
            text = _download(page, button).decode("utf-8")
            assert text.startswith("\ufeff")
            rows = list(csv.reader(io.StringIO(text[1:])))
            body = rows[1:]
            assert len(body) == len(data), (
                f"{ident}: {len(body)} CSV rows, {len(data)} in the chart"
            )
            for field in ("km2", "count", "lat", "lon", "shift"):
                if field in data[0]:
                    values = [float(r[field]) for r in data]
                    # The numbers of that field, in order, are a column of the CSV.
                    columns = list(zip(*body, strict=True))
                    assert any(_same_numbers(col, values) for col in columns), (
                        f"{ident}: {field} is not a column of the CSV"
                    )
    assert probe.errors == []


def test_csv_has_readable_columns_and_sources_as_titles(site_url: str, probe) -> None:
    page = open_page(probe, f"{site_url}/{LEVERAGE}.html")
    text = _download(page, page.locator("figure#fig-leverage button.kursk-csv").first)
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8")[1:])))
    assert set(rows[0]) == {
        "Claimed by",
        "Date",
        "Area held (km²)",
        "Kind of estimate",
        "Source",
        "Source URL",
    }
    record = load_held_area()
    assert len(rows) == len(record)
    expected = {
        (str(r.date)[:10], r.claimant): (source_title(r.cite), source_url(r.cite))
        for r in record.itertuples()
    }
    for row in rows:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["Date"]), row["Date"]
        assert (row["Source"], row["Source URL"]) == expected[(row["Date"], row["Claimed by"])]
    assert probe.errors == []


def test_data_tables_use_readable_columns(site_url: str, probe) -> None:
    # The same columns as the CSV: no Unix milliseconds, no bibliography keys.
    page = open_page(probe, f"{site_url}/{LEVERAGE}.html")
    table = page.locator("figure#fig-leverage details.kursk-chart-data table").first
    heads = table.locator("thead th").all_text_contents()
    assert "t" not in heads and "cite" not in heads
    assert {"Claimed by", "Date", "Area held (km²)", "Source"} <= set(heads)
    keys = set(load_held_area()["cite"])
    cells = set(table.locator("tbody td").all_text_contents())
    assert not keys & cells
    dates = table.locator(f"tbody tr td:nth-child({heads.index('Date') + 1})")
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in dates.all_text_contents())


def test_svg_and_png_of_the_drawn_chart(site_url: str, probe) -> None:
    page = open_page(probe, f"{site_url}/{LEVERAGE}.html")
    tools = page.locator("figure#fig-leverage .kursk-chart-tools")
    svg = _download(page, tools.locator("button.kursk-svg")).decode("utf-8")
    assert svg.startswith("<svg") and "Talks" in svg or "km²" in svg
    png = _download(page, tools.locator("button.kursk-png"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
    assert probe.external == [] and probe.errors == []


# --- Fit ------------------------------------------------------------------------------------

FIT = """() => {
    const out = [];
    for (const el of document.querySelectorAll('div.kursk-vega')) {
        const svg = el.querySelector('svg').getBoundingClientRect();
        if (el.scrollWidth > el.clientWidth + 1) out.push(`${el.id} scrolls inside its box`);
        if (svg.right > document.documentElement.clientWidth + 0.5 || svg.left < -0.5)
            out.push(`${el.id} drawn ${Math.round(svg.left)}..${Math.round(svg.right)}`);
        for (const input of el.querySelectorAll('.vega-bind input, .vega-bind select')) {
            const r = input.getBoundingClientRect();
            if (r.right > document.documentElement.clientWidth + 0.5)
                out.push(`${el.id}: a control ends at ${Math.round(r.right)}`);
        }
    }
    return out;
}"""


@pytest.mark.parametrize("doc", toc_files())
def test_no_sideways_scroll_and_no_inner_scroll_at_360(site_url: str, probe, doc: str) -> None:
    page = open_page(probe, f"{site_url}/{doc}.html", PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{doc}.html is {width} px wide on a 360 px phone"
    assert page.evaluate(FIT) == []
    assert probe.errors == []


@pytest.mark.parametrize("width", [600, 800])
@pytest.mark.parametrize("doc", CHART_PAGES)
def test_charts_fit_between_phone_and_desktop(site_url: str, probe, doc: str, width: int) -> None:
    # Between the two, a chart that is drawn as built and turns out too wide is drawn again,
    # narrow (the loader's second pass).
    page = open_page(probe, f"{site_url}/{doc}.html", {"width": width, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(FIT) == []
    assert probe.errors == []


@pytest.mark.xfail(
    strict=True,
    reason="found in phase 1, not of its making: from 992 to 1199 px sphinx-book-theme floats "
    "the paragraph sidenotes into a right margin the layout does not reserve (the page is 1233 "
    "px wide at 1000 px, in the current build too)",
)
def test_no_sideways_scroll_at_1000_px(site_url: str, probe) -> None:
    page = open_page(probe, f"{site_url}/chapters/03-timing.html", {"width": 1000, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 1000
    assert page.evaluate(FIT) == []
    assert probe.errors == []


@pytest.mark.parametrize("doc", CHART_PAGES)
def test_desktop_charts_keep_their_size(site_url: str, probe, doc: str) -> None:
    page = open_page(probe, f"{site_url}/{doc}.html", DESKTOP)
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('div.kursk-vega')].map(el => {
            const spec = JSON.parse(document.getElementById(el.dataset.specId).textContent);
            const concat = (spec.signals || []).find(s => s.name === 'childWidth');
            const want = concat ? concat.value : spec.width;
            const got = el.kurskView.signal(concat ? 'childWidth' : 'width');
            return [el.id, want, got];
        })"""
    )
    assert [s for s in sizes if s[1] is not None and s[1] != s[2]] == []


def test_tap_targets_are_at_least_24_px(site_url: str, probe) -> None:
    page = open_page(probe, f"{site_url}/{LEVERAGE}.html", PHONE)
    small = page.evaluate(
        """() => [...document.querySelectorAll(
                'label.margin-toggle, span.bibtex-citation a, .kursk-chart-tools button')]
            .filter(el => el.getClientRects().length)
            .map(el => el.getBoundingClientRect())
            .filter(r => r.width < 24 || r.height < 24)
            .map(r => `${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )
    assert small == []


def test_a_skip_link_reaches_the_first_chart_controls(site_url: str, probe) -> None:
    page = open_page(probe, f"{site_url}/{LEVERAGE}.html")
    page.keyboard.press("Tab")  # the theme's "Skip to main content"
    for _ in range(3):
        if page.evaluate("document.activeElement.classList.contains('kursk-skip-link')"):
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the controls of Fig. 2.1"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.getAttribute('name')") == "talks_start"


# --- Citation cards -------------------------------------------------------------------------

FIRST_CITE = "article span.bibtex-citation a"


def _card_state(page) -> dict:
    return page.evaluate(
        """() => {
            const card = document.getElementById('kursk-cite-card');
            if (!card || card.hidden) return {shown: false};
            const r = card.getBoundingClientRect();
            return {shown: true, text: card.querySelector('.kursk-cite-text').textContent,
                    links: [...card.querySelectorAll('a')].map(a => a.getAttribute('href')),
                    left: r.left, right: r.right,
                    markup: card.querySelectorAll('b, img, script').length};
        }"""
    )


def test_citation_card_on_hover(site_url: str, probe) -> None:
    page = open_page(probe, f"{site_url}/{LEVERAGE}.html")
    link = page.locator(FIRST_CITE).first
    # The card's script moves sphinxcontrib-bibtex's title to data-ref (no native tooltip).
    reference = link.get_attribute("data-ref") or link.get_attribute("title")
    url = re.search(r"URL: (\S+)", reference).group(1)
    link.scroll_into_view_if_needed()
    link.hover()
    page.wait_for_timeout(300)
    state = _card_state(page)
    assert state["shown"]
    assert reference.startswith(state["text"][:40])
    assert "URL:" not in state["text"]
    assert state["markup"] == 0  # the reference is text
    assert url.startswith(state["links"][0].rstrip("/"))
    assert state["links"][1] == link.get_attribute("href")
    assert link.get_attribute("title") is None  # no second, native tooltip
    assert link.get_attribute("aria-describedby") == "kursk-cite-card"
    # The pointer can move onto the card and use its links.
    page.locator("#kursk-cite-card a").first.hover()
    page.wait_for_timeout(400)
    assert _card_state(page)["shown"]
    page.mouse.move(5, 5)
    page.wait_for_timeout(500)
    assert not _card_state(page)["shown"]
    assert probe.errors == [] and probe.external == []


def test_citation_card_on_focus_and_escape(site_url: str, probe) -> None:
    page = open_page(probe, f"{site_url}/{LEVERAGE}.html")
    link = page.locator(FIRST_CITE).first
    link.focus()
    page.wait_for_timeout(100)
    state = _card_state(page)
    assert state["shown"] and state["text"]
    # Tab goes into the card's links, then on.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#kursk-cite-card') !== null")
    page.keyboard.press("Escape")
    assert not _card_state(page)["shown"]
    assert page.evaluate(f"document.activeElement === document.querySelector('{FIRST_CITE}')")
    assert probe.errors == []


def test_citation_card_on_tap_fits_a_phone(site_url: str, browser) -> None:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        page = context.new_page()
        page.route(
            "**/*",
            lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort(),
        )
        page.goto(f"{site_url}/{LEVERAGE}.html", wait_until="load")
        page.wait_for_function(DRAWN, timeout=30_000)
        link = page.locator("article span.bibtex-citation a:visible").first
        link.scroll_into_view_if_needed()
        before = page.url
        link.tap()
        page.wait_for_timeout(300)
        state = _card_state(page)
        assert state["shown"] and page.url == before  # the first tap shows, it does not leave
        assert state["left"] >= 0 and state["right"] <= PHONE["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_following_a_citation_highlights_the_entry_and_offers_a_way_back(
    site_url: str, probe
) -> None:
    page = open_page(probe, f"{site_url}/{LEVERAGE}.html")
    link = page.locator(FIRST_CITE).first
    origin = link.evaluate("a => a.closest('[id]').id")
    link.click()
    page.wait_for_url("**/bibliography.html#*")
    target = page.locator(".citation:target")
    assert target.count() == 1
    assert target.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    from test_accessibility import BLOCKING, describe, run_axe

    page.wait_for_timeout(1700)  # the highlight's fade
    blocking = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)
    back = target.locator("a.kursk-cite-back")
    assert back.count() == 1
    href = back.get_attribute("href")
    assert href.endswith(f"{LEVERAGE}.html#{origin}")
    back.click()
    page.wait_for_url(f"**/{LEVERAGE}.html*")
    assert probe.errors == [] and probe.external == []


# --- axe with the reader's tools ---------------------------------------------------------------


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
@pytest.mark.parametrize("doc", ["intro", *CHART_PAGES, "chapters/bibliography"])
def test_axe_finds_nothing_serious_with_the_tools_and_a_card_open(
    site_url: str, probe, doc: str, viewport: dict[str, int]
) -> None:
    from test_accessibility import BLOCKING, describe, run_axe

    page = open_page(probe, f"{site_url}/{doc}.html", viewport)
    cite = page.locator("article span.bibtex-citation a:visible")
    if cite.count():
        cite.first.focus()
        page.wait_for_timeout(100)
        assert _card_state(page)["shown"]
    blocking = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {doc}.html at {viewport['width']} px:\n{describe(blocking)}"


def test_a_phone_shows_the_readout_under_the_chart_and_it_follows_the_sliders(
    site_url: str, probe
) -> None:
    # Fig. 2.1's readout is the point of the chart: on a phone it is text under the chart.
    page = open_page(probe, f"{site_url}/{LEVERAGE}.html", PHONE)
    readout = page.locator("figure#fig-leverage .kursk-readout")
    assert readout.count() == 1
    before = readout.text_content()
    assert before.startswith("Talks end")
    move_slider(page, slider("talks_length"), 200)
    assert readout.text_content() != before
    box = readout.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # At 1280 px the readout stays in the drawing.
    desktop = open_page(probe, f"{site_url}/{LEVERAGE}.html", DESKTOP)
    assert desktop.locator(".kursk-readout").count() == 0
    assert probe.errors == []


# --- Honest controls ------------------------------------------------------------------------

SWEEP_STEPS = 6
CONTROLS = """el => [...el.querySelectorAll('.vega-bind input[type=range], .vega-bind select')]
    .map(i => i.tagName === 'SELECT'
        ? {name: i.name, kind: 'select', values: [...i.options].map(o => o.value)}
        : {name: i.name, kind: 'range', min: +i.min, max: +i.max, step: +i.step,
           value: +i.value})"""


def _drawing(chart) -> str:
    return chart.locator("svg").first.inner_html()


def _sweep_values(control: dict) -> list[float]:
    lo, hi, step = control["min"], control["max"], control["step"] or 1
    count = round((hi - lo) / step)
    picks = sorted({round(i * count / (SWEEP_STEPS - 1)) for i in range(SWEEP_STEPS)})
    return [round(lo + k * step, 10) for k in picks]


def _set(page, chart, control: dict, value) -> None:
    if control["kind"] == "select":
        chart.locator(f"select[name='{control['name']}']").select_option(value)
        page.wait_for_timeout(150)
    else:
        page.locator(
            f"#{chart.get_attribute('id')} input[type='range'][name='{control['name']}']"
        ).evaluate(
            """(el, v) => {
                    el.value = String(v);
                    el.dispatchEvent(new Event('input', {bubbles: true}));
                }""",
            value,
        )
        page.wait_for_timeout(150)


def _sweep(page, chart, control: dict) -> list[str]:
    """Each value of the control's sweep that leaves the drawing as the previous one left it."""
    values = control["values"] if control["kind"] == "select" else _sweep_values(control)
    still = []
    _set(page, chart, control, values[0])
    before = _drawing(chart)
    for value in values[1:]:
        _set(page, chart, control, value)
        after = _drawing(chart)
        if after == before:
            still.append(f"{control['name']}={value}")
        before = after
    return still


@pytest.mark.parametrize("doc", CHART_PAGES)
def test_every_control_changes_the_drawing_over_its_whole_range(
    site_url: str, probe, doc: str
) -> None:
    page = open_page(probe, f"{site_url}/{doc}.html")
    problems = []
    charts = page.locator("div.kursk-vega")
    for i in range(charts.count()):
        chart = charts.nth(i)
        for control in chart.evaluate(CONTROLS):
            problems += [f"{chart.get_attribute('id')}: {p}" for p in _sweep(page, chart, control)]
            # Back to where it was, for the next control.
            start = control.get("value", control.get("values", [None])[0])
            _set(page, chart, control, start)
    assert problems == [], "the drawing did not change at " + ", ".join(problems)
    assert probe.errors == []


def test_talks_last_changes_the_plot_with_talks_start_at_its_maximum(site_url: str, probe) -> None:
    page = open_page(probe, f"{site_url}/{LEVERAGE}.html")
    chart = page.locator("figure#fig-leverage div.kursk-vega")
    start = TALKS_PARAMS["talks_start"]
    _set(page, chart, {"name": "talks_start", "kind": "range"}, start.high)
    length = {"name": "talks_length", "kind": "range"}
    length.update(min=TALKS_PARAMS["talks_length"].low, max=TALKS_PARAMS["talks_length"].high)
    length["step"] = TALKS_PARAMS["talks_length"].step
    assert _sweep(page, chart, length) == []
    # The longest window the sliders can set ends inside the time axis.
    end = chart.evaluate("el => el.kurskView.scale('x').domain()[1].valueOf()")
    last_day = (end - 1722902400000) / 86_400_000
    assert last_day >= start.high + TALKS_PARAMS["talks_length"].high


READOUT = """el => [...el.querySelectorAll('svg text')].map(t => t.textContent)
    .filter(t => t.startsWith('Talks end') || t.startsWith('Moscow') || t.startsWith('expects'))"""


@pytest.mark.parametrize("start", [0, 35, 95, 200, 360])
@pytest.mark.parametrize("length", [0, 90, 360])
def test_the_readout_agrees_with_the_plotted_model(
    site_url: str, probe, start: int, length: int
) -> None:
    page = open_page(
        probe,
        f"{site_url}/{LEVERAGE}.html?leverage.talks_start={start}&leverage.talks_length={length}",
    )
    chart = page.locator("figure#fig-leverage div.kursk-vega")
    lines = chart.evaluate(READOUT)
    outcome = leverage_at_settlement(float(start), float(length))
    held_end = f"Ukraine holds {outcome.area_at_end_km2:,.0f} km²"
    assert held_end in lines[0], lines
    # What Moscow's expectation rests on is what the line shows on the day talks open.
    assert f"seeing {float(held_area(float(start))):,.0f} km² held as talks open" in lines[1]
    verdict = "before talks end" if outcome.moscow_retakes_first else "after talks end"
    assert lines[2].endswith(verdict), lines
    assert probe.errors == []


# --- Titles and share metadata --------------------------------------------------------------

META = """() => Object.fromEntries([...document.querySelectorAll('meta[property^="og:"]')]
    .map(m => [m.getAttribute('property'), m.getAttribute('content')]))"""


@pytest.mark.parametrize("doc", toc_files())
def test_every_page_has_a_real_title_and_share_metadata(site_url: str, probe, doc: str) -> None:
    page = probe.page
    page.goto(f"{site_url}/{doc}.html", wait_until="domcontentloaded")
    title = page.title()
    assert "Project name not set" not in title and title.strip()
    meta = page.evaluate(META)
    assert meta["og:title"] and meta["og:title"] in title
    assert meta["og:site_name"] == BOOK_TITLE
    assert meta.get("og:description")
    # No address without html.baseurl, and nothing that names another host.
    assert "og:url" not in meta and "og:image" not in meta
    assert not any(re.search(r"https?://", v or "") for v in meta.values())
    assert probe.external == []


def test_the_site_root_has_the_book_title(html_dir: Path) -> None:
    root = (html_dir / "index.html").read_text(encoding="utf-8")
    assert f"<title>{BOOK_TITLE}</title>" in root


def test_citation_cards_load_only_where_there_are_citations(site_url: str, probe) -> None:
    page = probe.page
    pages = (("chapters/licences", False), (LEVERAGE, True), ("chapters/bibliography", True))
    for doc, expect in pages:
        page.goto(f"{site_url}/{doc}.html", wait_until="domcontentloaded")
        loaded = page.locator("script[src*='cite-cards.js']").count() == 1
        cited = page.locator("span.bibtex-citation").count() > 0
        assert loaded == (expect or cited), doc


def test_chart_pages_name_their_sources_once(site_url: str, probe) -> None:
    page = probe.page
    page.goto(f"{site_url}/{LEVERAGE}.html", wait_until="domcontentloaded")
    sources = json.loads(page.locator("script#kursk-sources").text_content())
    keys = set(load_held_area()["cite"])
    assert set(sources) == keys
    for key, entry in sources.items():
        assert entry == {"title": source_title(key), "url": source_url(key)}

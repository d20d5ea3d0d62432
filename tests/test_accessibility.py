"""Accessibility gates, in real Chromium against the built site.

- axe-core (pinned in package.json; `npm ci` installs it) on every page: no serious or critical
  violation of WCAG 2.0/2.1/2.2 A and AA or axe's best practices.
- Every chart has a text alternative that says what it shows, and its data as a table.
- Every slider has an accessible name and moves, and redraws its chart, from the keyboard.
- Every colour scale stays distinguishable under simulated protanopia, deuteranopia and
  tritanopia, unless a second channel (shape, dash) carries the same categories.
- Every chart fits the text column of a desktop window; on a phone the page never scrolls
  sideways (WCAG 1.4.10, reflow): a chart wider than the screen scrolls within its own box.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from conftest import ROOT, toc_files

pytestmark = [pytest.mark.browser, pytest.mark.build]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")
DRAWN = "n => document.querySelectorAll(\"div.kursk-vega[data-rendered='true'] svg\").length >= n"


def axe_path() -> Path:
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: run `npm ci` in {ROOT} (axe-core)")
    return AXE


def chart_pages() -> list[str]:
    return [doc for doc in toc_files() if "glue:figure" in (ROOT / f"{doc}.md").read_text()]


def open_page(probe, site_url: str, doc: str):
    """Load a page and wait until all its charts are drawn."""
    page = probe.page
    page.goto(f"{site_url}/{doc}.html", wait_until="load")
    charts = page.locator("div.kursk-vega").count()
    page.wait_for_function(DRAWN, arg=charts, timeout=30_000)
    # The theme swaps its icon fonts for inline SVG just after load.
    page.wait_for_timeout(300)
    return page


def run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(axe_path()))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
        "resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return result["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {' '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:200]}")
            summary = " ".join(node["failureSummary"].split())
            lines.append(f"       {summary[:300]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.mark.parametrize("doc", ["index", *toc_files()])
def test_axe_finds_no_serious_or_critical_violation(site_url: str, probe, doc: str) -> None:
    axe_path()  # fail before loading anything if `npm ci` was not run
    if doc == "index":
        # Jupyter Book's index.html only redirects to the root page; check where it lands.
        probe.page.goto(f"{site_url}/index.html")
        probe.page.wait_for_url("**/intro.html", timeout=10_000)
        doc = "intro"
    page = open_page(probe, site_url, doc)
    blocking = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {doc}.html:\n{describe(blocking)}"
    assert probe.external == []


@pytest.mark.parametrize("doc", chart_pages())
def test_every_chart_says_what_it_shows_and_gives_its_data(site_url: str, probe, doc: str) -> None:
    page = open_page(probe, site_url, doc)
    charts = page.locator("div.kursk-vega")
    assert charts.count() > 0
    for i in range(charts.count()):
        chart = charts.nth(i)
        ident = chart.get_attribute("id")
        label = (chart.get_attribute("aria-label") or "").strip()
        # A sentence about what the chart shows, not a placeholder.
        assert len(label.split()) >= 6 and label != "Chart", f"{ident}: aria-label {label!r}"
        # The data, as a table in a <details> right after the chart's spec.
        details = page.locator(f"#{ident}-spec + details.kursk-chart-data")
        assert details.count() == 1, f"{ident}: no data table"
        details.locator("summary").click()
        table = details.locator("table").first
        table.wait_for(state="visible")
        assert table.locator("thead th").count() > 0, f"{ident}: data table has no columns"
        assert table.locator("tbody tr").count() > 0, f"{ident}: data table has no rows"
    assert probe.errors == []


# Each chart whose drawing (or slider row) is wider than its box, or reaches past the article's
# text column, under the page's contents sidebar.
OVERFLOWING_CHARTS = """() => {
    const article = document.querySelector('article.bd-article');
    const right = article.getBoundingClientRect().right
        - parseFloat(getComputedStyle(article).paddingRight);
    return [...document.querySelectorAll('div.kursk-vega')].flatMap(el => {
        const svg = el.querySelector('svg').getBoundingClientRect();
        const wide = el.scrollWidth > el.clientWidth || svg.right > right + 0.5;
        return wide ? [`${el.id}: ${Math.round(svg.width)} px drawn, ${el.clientWidth} px box, `
                       + `column ends ${Math.round(right - svg.right)} px after the drawing`] : [];
    });
}"""


@pytest.mark.parametrize("doc", chart_pages())
def test_every_chart_fits_the_text_column_of_a_desktop_window(
    site_url: str, probe, doc: str
) -> None:
    page = open_page(probe, site_url, doc)  # the probe's window is 1280 px wide
    assert page.evaluate(OVERFLOWING_CHARTS) == []


PHONE = {"width": 360, "height": 800}


@pytest.mark.parametrize("doc", ["intro", *chart_pages()])
def test_a_phone_never_scrolls_the_page_sideways(site_url: str, probe, doc: str) -> None:
    axe_path()
    probe.page.set_viewport_size(PHONE)
    page = open_page(probe, site_url, doc)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{doc}.html is {width} px wide on a {PHONE['width']} px phone"
    # Charts wider than the screen scroll in their own box, which a keyboard must reach too.
    blocking = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {doc}.html at {PHONE['width']} px:\n{describe(blocking)}"


ACCESSIBLE_NAME = """el => {
    axe.setup();
    try { return axe.commons.text.accessibleText(el); } finally { axe.teardown(); }
}"""


@pytest.mark.parametrize("doc", chart_pages())
def test_every_chart_input_is_named_and_every_slider_works_from_the_keyboard(
    site_url: str, probe, doc: str
) -> None:
    page = open_page(probe, site_url, doc)
    page.add_script_tag(path=str(axe_path()))
    inputs = page.locator("div.kursk-vega .vega-bind input, div.kursk-vega .vega-bind select")
    for i in range(inputs.count()):
        name = inputs.nth(i).evaluate(ACCESSIBLE_NAME).strip()
        # A name that says what the input sets, not just its current value.
        value = inputs.nth(i).input_value()
        assert name and name != value, f"input {i} on {doc} has no name ({name!r})"
    sliders = page.locator("div.kursk-vega input[type='range']")
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        chart = slider.locator("xpath=ancestor::div[contains(@class,'kursk-vega')]")
        assert slider.evaluate("el => el.tabIndex") >= 0, f"slider {i} cannot take focus"
        at_max = slider.evaluate("el => Number(el.value) + (Number(el.step) || 1) > Number(el.max)")
        key = "ArrowLeft" if at_max else "ArrowRight"
        before_value = slider.input_value()
        before_svg = chart.locator("svg").first.inner_html()
        slider.focus()
        page.keyboard.press(key)
        page.wait_for_timeout(200)
        assert slider.input_value() != before_value, f"slider {i} ignored {key}"
        after_svg = chart.locator("svg").first.inner_html()
        assert after_svg != before_svg, f"slider {i} moved by {key} did not redraw the chart"
    assert probe.errors == []


# Colour-blindness simulation: Machado, Oliveira and Fernandes (2009), severity 1.0, applied to
# linear RGB. Colour differences are CIE76 Delta E in CIELAB (D65).
CVD = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}
# Well above a just-noticeable difference (about 2.3): Okabe-Ito's worst pair scores about 17.
MIN_DELTA_E = 12.0


def _linear(hex_colour: str) -> list[float]:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def _lab(rgb: list[float]) -> tuple[float, float, float]:
    r, g, b = (min(max(c, 0.0), 1.0) for c in rgb)
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def simulated_delta_e(a: str, b: str, matrix: list[list[float]]) -> float:
    def seen(colour: str) -> tuple[float, float, float]:
        rgb = _linear(colour)
        return _lab([sum(m * c for m, c in zip(row, rgb, strict=True)) for row in matrix])

    return sum((x - y) ** 2 for x, y in zip(seen(a), seen(b), strict=True)) ** 0.5


def test_colour_difference_catches_a_red_green_pair() -> None:
    # The check itself: classic red/green fails under deuteranopia, Okabe-Ito blue/orange passes.
    assert simulated_delta_e("#d62728", "#2ca02c", CVD["deuteranopia"]) < MIN_DELTA_E
    assert simulated_delta_e("#0072b2", "#e69f00", CVD["deuteranopia"]) >= MIN_DELTA_E


# Every discrete scale of every drawn chart: its domain, and its range normalised to #rrggbb when
# the range is colours (null otherwise: shapes, dashes).
SCALES = """el => {
    const ctx = document.createElement('canvas').getContext('2d');
    const hex = c => { ctx.fillStyle = '#000000'; ctx.fillStyle = c; return ctx.fillStyle; };
    const out = [];
    for (const [name, s] of Object.entries(el.kurskView._runtime.scales)) {
        const scale = s.value;
        if (!['ordinal', 'point', 'band'].includes(scale.type)) continue;
        const range = scale.range();
        const colours = range.every(c => typeof c === 'string' && CSS.supports('color', c));
        out.push({name, domain: scale.domain().map(String),
                  colours: colours ? range.map(hex) : null});
    }
    return out;
}"""


@pytest.mark.parametrize("doc", chart_pages())
def test_colour_scales_are_safe_for_colour_blind_readers(site_url: str, probe, doc: str) -> None:
    page = open_page(probe, site_url, doc)
    problems = []
    charts = page.locator("div.kursk-vega")
    for i in range(charts.count()):
        scales = charts.nth(i).evaluate(SCALES)
        other = [set(s["domain"]) for s in scales if s["colours"] is None]
        for scale in scales:
            domain, colours = scale["domain"], scale["colours"]
            if colours is None or len(domain) < 2:
                continue
            if set(domain) in other:
                continue  # the same categories also differ in shape or dash
            used = {value: colours[k % len(colours)] for k, value in enumerate(domain)}
            for (va, ca), (vb, cb) in itertools.combinations(used.items(), 2):
                for vision, matrix in CVD.items():
                    delta = simulated_delta_e(ca, cb, matrix)
                    if delta < MIN_DELTA_E:
                        problems.append(
                            f"chart {i} scale {scale['name']}: {va} {ca} vs {vb} {cb} "
                            f"differ by {delta:.1f} under {vision}"
                        )
    assert not problems, json.dumps(problems, indent=1)

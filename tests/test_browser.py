"""Real headless Chromium against the site on 127.0.0.1, with every other host refused."""

from __future__ import annotations

import pytest
from conftest import toc_files

pytestmark = [pytest.mark.browser, pytest.mark.build]

CHART = "div.kursk-vega[data-rendered='true'] svg"


@pytest.mark.parametrize("doc", toc_files())
def test_page_loads_offline_without_console_errors(site_url: str, probe, doc: str) -> None:
    probe.page.goto(f"{site_url}/{doc}.html", wait_until="load")
    probe.page.wait_for_timeout(300)
    assert probe.external == []
    assert probe.errors == []


def chart_pages() -> list[str]:
    from conftest import ROOT

    return [doc for doc in toc_files() if "glue:figure" in (ROOT / f"{doc}.md").read_text()]


@pytest.mark.parametrize("doc", chart_pages())
def test_charts_draw_and_every_slider_redraws(site_url: str, probe, doc: str) -> None:
    page = probe.page
    page.goto(f"{site_url}/{doc}.html", wait_until="load")
    charts = page.locator("div.kursk-vega")
    page.wait_for_function(
        "n => document.querySelectorAll(\"div.kursk-vega[data-rendered='true'] svg\").length >= n",
        arg=charts.count(),
        timeout=30_000,
    )
    # Every slider bound in a spec must be on the page (none lost, none dead).
    bound = page.content().count('"bind":{"input":"range"')
    sliders = page.locator("div.kursk-vega input[type='range']")
    assert sliders.count() == bound
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        chart = slider.locator("xpath=ancestor::div[contains(@class,'kursk-vega')]")
        before = chart.locator("svg").first.inner_html()
        new_value = slider.evaluate(
            """el => {
                const v = Number(el.value), lo = Number(el.min), hi = Number(el.max);
                const step = Number(el.step) || 1;
                const next = v + step <= hi ? v + step : v - step;
                el.value = String(next);
                el.dispatchEvent(new Event('input', {bubbles: true}));
                return next;
            }"""
        )
        page.wait_for_timeout(200)
        after = chart.locator("svg").first.inner_html()
        assert after != before, f"slider {i} set to {new_value} did not change the chart"
        label = slider.evaluate("el => (el.closest('label') || {}).textContent || ''")
        assert label.strip(), f"slider {i} has no visible label"
    assert probe.external == []
    assert probe.errors == []


def test_search_page_finds_a_chapter(site_url: str, probe) -> None:
    # The search index is loaded by the search page alone; the search must still work.
    page = probe.page
    page.goto(f"{site_url}/search.html?q=Kursk", wait_until="load")
    results = page.locator("#search-results li a")
    results.first.wait_for(timeout=30_000)
    assert results.count() >= 3
    assert probe.external == []
    assert probe.errors == []


def test_one_search_field_and_no_empty_header_above_the_sidebar(site_url: str, probe) -> None:
    # pydata-sphinx-theme once put a second search field in a sticky 64-pixel header that
    # covered the top of the sidebar (the book's title) on desktop widths.
    page = probe.page
    page.goto(f"{site_url}/intro.html", wait_until="load")
    assert page.locator(".search-button-field:visible").count() == 1
    header, sidebar_top = page.evaluate(
        """() => [document.querySelector('#pst-header').getBoundingClientRect().height,
                  document.querySelector('.bd-sidebar-primary').getBoundingClientRect().top]"""
    )
    assert (header, sidebar_top) == (0, 0)

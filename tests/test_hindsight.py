"""Hindsight data: the scorecard covers every forecast once, and bad rows fail legibly."""

from __future__ import annotations

import copy
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from kursk_edition.record import datasets, registry, scorecard
from kursk_edition.record.bibliography import published
from kursk_edition.record.errors import DataError


def test_every_forecast_and_recommendation_has_exactly_one_assessment() -> None:
    card = scorecard.load_scorecard()
    claims = registry.registry().claims()
    scored = sorted(c.id for c in claims if c.type in ("forecast", "recommendation"))
    assert sorted(a.claim for a in card.assessments) == scored
    kinds = {c.id: c.type for c in claims}
    for a in card.assessments:
        assert a.verdict in scorecard.SCALES[kinds[a.claim]], a.claim
        assert (a.followed is not None) == (kinds[a.claim] == "recommendation"), a.claim
    assert {"forecast", "recommendation"} == {a.kind for a in card.assessments}


def test_events_run_to_the_scorecards_cutoff() -> None:
    cutoff = scorecard.load_scorecard().cutoff
    assert datasets.load_events()["date"].max().date() <= cutoff


def test_every_assessment_cites_a_source_dated_after_the_article() -> None:
    for a in scorecard.load_scorecard().assessments:
        assert any((published(k) or date.min) > scorecard.ARTICLE_MONTH_END for k in a.cite)


def test_events_and_places_parse() -> None:
    events = datasets.load_events()
    assert len(events) >= 30
    assert events["date"].min().strftime("%Y-%m") == "2024-08"
    assert set(events["category"]) <= set(datasets.EVENT_CATEGORIES)
    places = datasets.load_places()
    named = {"Kursk", "Sudzha", "Korenevo", "Sumy", "Pokrovsk", "Toretsk"}
    assert named <= set(places["place"])
    assert (places["kind"] == "air base").sum() >= 3


def _scorecard_data() -> dict:
    return yaml.safe_load(scorecard.ASSESSMENTS.read_text(encoding="utf-8"))


def dropped(data: dict) -> None:
    data["assessments"].pop(0)


def doubled(data: dict) -> None:
    data["assessments"].append(copy.deepcopy(data["assessments"][0]))


def bad_verdict(data: dict) -> None:
    data["assessments"][1]["verdict"] = "probably"


def only_old_sources(data: dict) -> None:
    data["assessments"][2]["cite"] = ["watling2024kursk"]


def not_a_forecast(data: dict) -> None:
    data["assessments"][0]["claim"] = "p02-c1"


SCORECARD_CASES = [
    (dropped, "claim"),
    (doubled, "claim"),
    (bad_verdict, "verdict"),
    (only_old_sources, "cite"),
    (not_a_forecast, "claim"),
]


@pytest.mark.parametrize(
    ("edit", "field"), SCORECARD_CASES, ids=lambda c: getattr(c, "__name__", None)
)
def test_bad_scorecard_names_file_claim_and_field(tmp_path: Path, edit, field: str) -> None:
    data = _scorecard_data()
    edit(data)
    bad = tmp_path / "assessments.yml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(DataError, match=rf"assessments\.yml \[p\d\d-c\d+\]: field '{field}'"):
        scorecard.load_scorecard(bad)


def _edit_csv(source: Path, tmp_path: Path, row: int, column: str, value: str) -> Path:
    import csv

    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
        header = list(rows[0])
    rows[row - 1][column] = value
    target = tmp_path / source.name
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return target


CSV_CASES = [
    (datasets.EVENTS, datasets.load_events, 3, "date", "2025-02-30"),
    (datasets.EVENTS, datasets.load_events, 5, "category", "weather"),
    (datasets.EVENTS, datasets.load_events, 7, "paragraphs", "p13"),
    (datasets.EVENTS, datasets.load_events, 9, "cite", "nosuchkey"),
    (datasets.PLACES, datasets.load_places, 2, "lat", "95"),
    (datasets.PLACES, datasets.load_places, 4, "lon", "east"),
    (datasets.PLACES, datasets.load_places, 6, "cite", "ghost2025"),
]


@pytest.mark.parametrize(("source", "loader", "row", "column", "value"), CSV_CASES)
def test_bad_rows_name_file_row_and_column(tmp_path, source, loader, row, column, value) -> None:
    bad = _edit_csv(source, tmp_path, row, column, value)
    with pytest.raises(DataError) as caught:
        loader(bad)
    assert re.search(rf"{source.name} \[row {row}\]: field '{column}'", str(caught.value))


@pytest.mark.build
def test_scorecard_lists_every_forecast_with_a_resolving_link(html_dir: Path) -> None:
    page = (html_dir / "chapters" / "scorecard.html").read_text(encoding="utf-8")
    entries = re.findall(r'<div class="scorecard-entry [^"]*">(.*?)</div>', page, flags=re.S)
    assert len(entries) == len(scorecard.load_scorecard().assessments)
    for entry in entries:
        href = re.search(r'href="([^"#]+\.html)#(p\d\d)"', entry)
        assert href, entry[:200]
        target = (html_dir / "chapters" / href.group(1)).read_text(encoding="utf-8")
        assert f'id="{href.group(2)}"' in target


@pytest.mark.browser
@pytest.mark.build
def test_scorecard_filter_works_offline(site_url: str, probe) -> None:
    page = probe.page
    page.goto(f"{site_url}/chapters/scorecard.html", wait_until="load")
    total = page.locator(".scorecard-entry").count()
    page.select_option("#scorecard-verdict", "verdict-too-early-to-tell")
    visible = page.locator(".scorecard-entry:not([hidden])").count()
    expected = scorecard.load_scorecard().tally()["too early to tell"]
    assert visible == expected < total
    page.select_option("#scorecard-verdict", "")
    page.select_option("#scorecard-topic", "topic-aid")
    assert 0 < page.locator(".scorecard-entry:not([hidden])").count() < total
    page.select_option("#scorecard-topic", "")
    # Every option of both menus shows at least one entry: no empty filter options.
    for menu in ("#scorecard-verdict", "#scorecard-topic"):
        values = page.locator(f"{menu} option").evaluate_all("os => os.map(o => o.value)")
        for value in filter(None, values):
            page.select_option(menu, value)
            assert page.locator(".scorecard-entry:not([hidden])").count() > 0, value
        page.select_option(menu, "")
    assert probe.external == [] and probe.errors == []


@pytest.mark.build
def test_every_page_links_to_the_updates_page(html_dir: Path) -> None:
    from kursk_edition.record.updates import load_updates

    pages = [p for p in html_dir.rglob("*.html") if p.name not in {"index.html"}]
    pages = [p for p in pages if "_static" not in p.relative_to(html_dir).parts]
    for page in pages:
        links = re.findall(
            r'<p class="kursk-updates-link">\s*<a href="([^"]+)"', page.read_text("utf-8")
        )
        assert links, page.relative_to(html_dir)
        target = page if links[0] == "#" else (page.parent / links[0]).resolve()
        assert target == html_dir / "chapters" / "updates.html", page.relative_to(html_dir)
    log = (html_dir / "chapters" / "updates.html").read_text(encoding="utf-8")
    assert log.count(" · correction · ") + log.count(" · update · ") == len(load_updates())
    assert "Found an error?" in log


@pytest.mark.browser
@pytest.mark.build
def test_timeline_filter_and_map_respond_offline(site_url: str, probe) -> None:
    page = probe.page
    page.goto(f"{site_url}/chapters/scorecard.html", wait_until="load")
    page.wait_for_function(
        "() => [...document.querySelectorAll('div.kursk-vega')]"
        ".every(el => el.dataset.rendered === 'true')",
        timeout=30_000,
    )
    timeline = page.locator("div.kursk-vega", has=page.locator("select"))
    before = timeline.locator("svg").first.inner_html()
    timeline.locator("select").select_option(label="aid")
    page.wait_for_timeout(200)
    assert timeline.locator("svg").first.inner_html() != before
    # The map draws its borders and a mark for every place.
    map_svg = page.locator("div.kursk-vega svg[aria-label*='map' i], div.kursk-vega svg").last
    assert map_svg.locator("path").count() > 10
    assert probe.external == [] and probe.errors == []

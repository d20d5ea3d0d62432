"""Print the build and page-weight figures. Nothing passes or fails here.

The book is copied to a temporary folder, so the prose edit and the clean builds never touch the
working tree. The book's builds go through ``scripts/build.sh``, the path ``make book`` takes; the
execution-off floor is a plain non-strict ``jupyter-book build`` (without outputs, glue
references cannot resolve). Timings vary by a third or more on a shared machine, and drift as
its load changes, so the three kinds of build that are compared take turns, round after round
(a clean build, an execution-off build, a prose edit of a book built before the rounds), and
their medians are compared; compare runs on the same machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the tests' browser helpers serve the bench too

from browser import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402

JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", ".*cache*")


def build(src: Path, strict: bool = True, out: Path | None = None) -> float:
    """Time a ``jupyter-book build`` of ``src`` into ``out`` (default: ``src`` itself)."""
    args = [str(JUPYTER_BOOK), "build", str(src), "--path-output", str(out or src)]
    if strict:
        args += ["-n", "-W", "--keep-going"]
    env = {**os.environ, "KURSK_BOOK_BUILD": "1"}
    start = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"bench: the HTML build failed in {src}")
    return elapsed


def build_script(src: Path, target: str) -> float:
    """Time the README's build path, ``scripts/build.sh html|pdf``, in a copy of the book."""
    env = {**os.environ, "JUPYTER_BOOK": str(JUPYTER_BOOK), "PYTHONPATH": str(src)}
    start = time.perf_counter()
    result = subprocess.run(
        [str(src / "scripts" / "build.sh"), target],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"bench: scripts/build.sh {target} failed in {src}")
    return elapsed


def fresh_copy(parent: Path, name: str) -> Path:
    target = parent / name
    shutil.copytree(ROOT, target, ignore=IGNORE)
    return target


# Rounds of a clean build and a prose-only edit; medians are compared.
ROUNDS = 3


def make_test(src: Path) -> float:
    """Wall time of the README's test command, ``make test`` (its builds use temporary
    folders, so running it in the checkout changes nothing there)."""
    start = time.perf_counter()
    result = subprocess.run(["make", "test"], cwd=src, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"bench: make test failed in {src}")
    return elapsed


def main() -> None:
    import statistics

    with tempfile.TemporaryDirectory(prefix="kursk-bench-") as tmp:
        tmp_path = Path(tmp)
        book = fresh_copy(tmp_path, "book")
        edited = fresh_copy(tmp_path, "edited")  # built once, then edited every round
        build_script(edited, "html")
        intro = edited / "intro.md"
        # Taking turns, so that a slow spell of a shared machine hits both kinds of build.
        cleans, proses = [], []
        for round_number in range(ROUNDS):
            shutil.rmtree(book / "_build", ignore_errors=True)
            cleans.append(build_script(book, "html"))
            text = intro.read_text(encoding="utf-8")
            intro.write_text(text + f"\nProse-only edit {round_number}.\n", encoding="utf-8")
            proses.append(build_script(edited, "html"))
        clean, prose = statistics.median(cleans), statistics.median(proses)
        no_change = build_script(book, "html")
        # Sphinx's own incremental check, which the script skips when nothing changed.
        sphinx_no_change = build(book, out=book / "_build" / "stage")
        pdf = build_script(book, "pdf")

        html = book / "_build" / "html"
        print(f"Build times (seconds; clean and prose edit: medians of {ROUNDS})")
        print(f"  clean HTML build                 {clean:8.1f}   ({spread(cleans)})")
        print(f"  no-change rebuild                {no_change:8.1f}")
        print(
            f"    (Sphinx's own no-change pass   {sphinx_no_change:8.1f}, which the script skips)"
        )
        print(f"  rebuild after a prose-only edit  {prose:8.1f}   ({spread(proses)})")
        print(f"  PDF build (after HTML)           {pdf:8.1f}")
        print("Ratios (figure, value, target)")
        ratio("no-change rebuild / clean", no_change / clean, 0.15)
        ratio("prose-edit rebuild / clean", prose / clean, 0.3)
        pairs = ", ".join(f"{p / c:.2f}" for p, c in zip(proses, cleans, strict=True))
        print(f"    (round by round: {pairs})")
        ratio("PDF build / clean HTML", pdf / clean, 1.5)
        page_weights(html)
        browser_figures(html)
        jupyterlab_figures(tmp_path / "lab-shots")
        print("The test command")
        print(f"  make test, wall time             {make_test(ROOT):8.1f} s  (no target)")


def spread(times: list[float]) -> str:
    return "runs " + ", ".join(f"{t:.1f}" for t in times)


def ratio(name: str, value: float, target: float) -> None:
    verdict = "meets" if value <= target else "MISSES"
    print(f"  {name:34s} {value:6.2f}   target <= {target:<5}  {verdict}")


PAGE_BUDGET = 250_000  # bytes per chapter page, shared JS excluded


def page_weights(html: Path) -> None:
    print("Bytes per HTML page (shared JS excluded; inline chart data included)")
    pages = [
        page
        for page in sorted(html.rglob("*.html"))
        # Not pages: Sphinx's index, search and redirect, and the theme's template leftovers.
        if page.name not in {"genindex.html", "search.html", "index.html"}
        and "_static" not in page.relative_to(html).parts
    ]
    for page in pages:
        size = page.stat().st_size
        flag = "" if size <= PAGE_BUDGET else "  over the 250 KB target"
        print(f"  {page.relative_to(html).as_posix():40s} {size:10,d}{flag}")
    largest = max(pages, key=lambda page: page.stat().st_size)
    size = largest.stat().st_size
    print(
        f"  largest: {largest.relative_to(html).as_posix():31s} {size:10,d}   target <= 250 KB  "
        f"{'meets' if size <= PAGE_BUDGET else 'MISSES'}"
    )
    print("Chart specs embedded per page (bytes of JSON)")
    for page in sorted(html.rglob("*.html")):
        specs = re.findall(
            r'<script type="application/json" id="kv-[^"]+">(.*?)</script>',
            page.read_text(encoding="utf-8"),
            flags=re.S,
        )
        if specs:
            sizes = ", ".join(f"{len(s.encode()):,d}" for s in specs)
            print(f"  {page.relative_to(html).as_posix():40s} {sizes}")
    print("Shared JavaScript (bytes)")
    chart_js = html / "_static" / "kursk" / "kursk-charts.js"
    size = chart_js.stat().st_size
    print(
        f"  vendored chart script (Vega, Vega-Lite, vega-embed) {size:10,d}   target <= 1 MB  "
        f"{'meets' if size <= 1_000_000 else 'MISSES'}"
    )
    page = (html / "chapters" / "03-timing.html").read_text(encoding="utf-8")
    local = re.findall(r'<script[^>]+src="([^"?]+)', page)
    total = sum((html / "chapters" / src).resolve().stat().st_size for src in local)
    print(f"  every script a chart page loads ({len(local)} files)   {total:10,d}")


FIRST_CHART_LOADS = 11


def browser_figures(html: Path) -> None:
    """Load-to-first-chart and slider-to-redraw times in headless Chromium on loopback.

    Each load is a first visit (a fresh browser context: no cache), after one warm-up load that
    starts the browser's own machinery; the median of several loads is printed, since single
    loads vary by a factor of two on a shared machine.
    """
    import statistics

    from playwright.sync_api import sync_playwright

    first_chart, first_paint = [], []
    with serve(html) as base, sync_playwright() as playwright:
        url = f"{base}/chapters/03-timing.html"
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for load in range(FIRST_CHART_LOADS + 1):
            context = browser.new_context()
            page = context.new_page()
            page.goto(url, wait_until="load")
            page.wait_for_selector("div.kursk-vega[data-rendered='true'] svg", timeout=30_000)
            # The page has arrived when its HTML has (responseEnd); both times count from
            # navigation start.
            drawn, painted = page.evaluate(FIRST_CHART_AND_PAINT)
            if load:
                first_chart.append(drawn)
                first_paint.append(painted)
            if load == FIRST_CHART_LOADS:
                timings = page.evaluate(SLIDER_TIMING)
            context.close()
        browser.close()
    print("Browser (headless Chromium, loopback, chapter 3)")
    print(
        f"  page arrived to first chart drawn {statistics.median(first_chart):7.0f} ms   "
        f"target <= 500   (median of {len(first_chart)} first visits; "
        f"range {min(first_chart):.0f}-{max(first_chart):.0f} ms)"
    )
    print(
        f"    (page arrived to first paint    {statistics.median(first_paint):7.0f} ms: the page "
        "alone, before the chart script runs)"
    )
    print(f"  median slider input to redraw    {statistics.median(timings):8.1f} ms   target <= 16")


LAB_BUDGET_MS = 300


def jupyterlab_figures(shots: Path) -> None:
    """Slider-to-redraw in JupyterLab itself: chapter 3's live panel, driven by the real-client
    test (tests/test_jupyterlab.py: each slider moved by keyboard and by mouse, timed from the
    move until both the readout and the chart have changed), in the `make lab` environment."""
    import json
    import statistics

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(ROOT / "tests" / "test_jupyterlab.py"),
            "-k",
            "runs_in_jupyterlab and 03-timing",
        ],
        cwd=ROOT,
        env={**os.environ, "KURSK_LAB_SHOTS": str(shots)},
        capture_output=True,
        text=True,
        check=False,
    )
    timings = shots / "redraw-ms.json"
    print("JupyterLab (headless Chromium, the make lab environment, chapter 3's panel)")
    if not timings.is_file():  # the test failed before any slider moved
        print(f"  not measured: the JupyterLab test failed\n{result.stdout[-2000:]}")
        return
    moves = [ms for chapter in json.loads(timings.read_text()).values() for ms in chapter]
    median = statistics.median(moves)
    verdict = "meets" if median <= LAB_BUDGET_MS else "MISSES"
    print(
        f"  median slider move to redraw     {median:8.0f} ms   target <= {LAB_BUDGET_MS}  "
        f"{verdict}   ({len(moves)} moves, max {max(moves):.0f} ms; "
        f"load average {os.getloadavg()[0]:.1f})"
    )
    if result.returncode != 0 and median <= LAB_BUDGET_MS:
        print(f"  (the JupyterLab test failed otherwise)\n{result.stdout[-2000:]}")


FIRST_CHART_AND_PAINT = """() => {
  const arrived = performance.getEntriesByType('navigation')[0].responseEnd;
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return [window.kurskFirstChartMs - arrived, paint ? paint.startTime - arrived : NaN];
}"""


SLIDER_TIMING = """async () => {
  const el = document.querySelector('div.kursk-vega[data-rendered="true"]');
  const view = el.kurskView;
  const slider = el.querySelector('input[type=range]');
  const times = [];
  for (let i = 0; i < 40; i++) {
    const next = (Number(slider.value) + 1) % (Number(slider.max) + 1);
    const t0 = performance.now();
    slider.value = String(next);
    slider.dispatchEvent(new Event('input', {bubbles: true}));
    await view.runAsync();
    times.push(performance.now() - t0);
  }
  return times;
}"""


if __name__ == "__main__":
    main()

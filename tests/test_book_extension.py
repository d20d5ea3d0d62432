"""The Sphinx extension: a change to the package or data re-executes the chapters that use them."""

from __future__ import annotations

from pathlib import Path

from jupyter_cache import get_cache

from kursk_edition.book import charts as book_charts
from kursk_edition.book import notebooks
from kursk_edition.charts import render

CHAPTER = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
# A chapter

```{code-cell} ipython3
print(1)
```
"""


def make_inputs(tmp_path: Path) -> tuple[Path, Path]:
    package, data = tmp_path / "pkg", tmp_path / "data"
    package.mkdir()
    data.mkdir()
    (package / "model.py").write_text("X = 1\n")
    (data / "table.csv").write_text("a,b\n1,2\n")
    return package, data


def test_fingerprint_follows_code_and_data(tmp_path: Path) -> None:
    package, data = make_inputs(tmp_path)
    first = notebooks.inputs_fingerprint(package, data)
    assert notebooks.inputs_fingerprint(package, data) == first
    (data / "table.csv").write_text("a,b\n1,3\n")
    second = notebooks.inputs_fingerprint(package, data)
    assert second != first
    (package / "model.py").write_text("X = 2\n")
    assert notebooks.inputs_fingerprint(package, data) not in {first, second}


def test_new_data_file_changes_fingerprint(tmp_path: Path) -> None:
    package, data = make_inputs(tmp_path)
    first = notebooks.inputs_fingerprint(package, data)
    (data / "extra.csv").write_text("x\n")
    assert notebooks.inputs_fingerprint(package, data) != first


def test_execution_cache_key_changes_with_the_inputs(tmp_path: Path, monkeypatch) -> None:
    cache = get_cache(tmp_path / "cache")
    monkeypatch.setattr(notebooks, "inputs_fingerprint", lambda: "aaaa")
    nb_a = notebooks.read_chapter(CHAPTER)
    monkeypatch.setattr(notebooks, "inputs_fingerprint", lambda: "bbbb")
    nb_b = notebooks.read_chapter(CHAPTER)
    assert nb_a.metadata.kernelspec["kursk_inputs"] == "aaaa"
    monkeypatch.setattr(notebooks, "inputs_fingerprint", lambda: "aaaa")
    nb_a_again = notebooks.read_chapter(CHAPTER)
    _, hash_a = cache.create_hashed_notebook(nb_a)
    _, hash_b = cache.create_hashed_notebook(nb_b)
    _, hash_a_again = cache.create_hashed_notebook(nb_a_again)
    assert hash_a != hash_b
    assert hash_a == hash_a_again


def test_prose_only_pages_are_not_stamped() -> None:
    notebook = notebooks.read_chapter("# Just prose\n\nNo code here.\n")
    assert "kursk_inputs" not in notebook.metadata.get("kernelspec", {})


def test_execution_inputs_cover_package_and_data() -> None:
    inputs = {p.relative_to(notebooks.ROOT).as_posix() for p in notebooks.execution_inputs()}
    assert "kursk_edition/charts/render.py" in inputs
    assert "kursk_edition/charts/loader.js" in inputs
    assert any(name.startswith("data/") for name in inputs)


def test_chart_script_is_bundled_only_when_out_of_date(tmp_path: Path, monkeypatch) -> None:
    from types import SimpleNamespace

    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"))
    calls = []
    monkeypatch.setattr(render, "javascript_bundle", lambda: calls.append(1) or "bundle();")
    book_charts.write_chart_script(app, None)
    target = tmp_path / "_static" / book_charts.CHART_SCRIPT
    assert target.read_text() == render.bundle_stamp() + "bundle();"
    book_charts.write_chart_script(app, None)
    assert len(calls) == 1
    target.write_text("/* kursk-edition chart script 0000000000000000 */\nold();")
    book_charts.write_chart_script(app, None)
    assert len(calls) == 2 and target.read_text().endswith("bundle();")


def test_math_images_list_their_glyphs_in_one_order() -> None:
    from kursk_edition.book.pages import canonical_math_svg

    glyphs = ["<path id='g1-0' d='M0 0Z'/>", "<use id='g2-0' xlink:href='#g1-0'/>", "<path d='x'/>"]
    body = "\n<g id='page1'>\n<use x='1' xlink:href='#g2-0'/>\n</g>\n</svg>"

    def svg(defs: list[str]) -> str:
        return "<svg>\n<defs>\n" + "\n".join(defs) + "\n</defs>" + body

    assert canonical_math_svg(svg(glyphs)) == canonical_math_svg(svg(glyphs[::-1]))
    assert canonical_math_svg(svg(glyphs)).endswith(body)
    assert canonical_math_svg("<svg>no defs</svg>") == "<svg>no defs</svg>"

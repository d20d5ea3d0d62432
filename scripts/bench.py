"""Print the build and page-weight figures. Nothing passes or fails here.

The book is copied to a temporary folder, so the prose edit and the clean builds never touch the
working tree. Timings vary several-fold on a shared machine: compare runs on the same machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", ".*cache*")


def build(
    src: Path, builder: str = "html", strict: bool = True, config: Path | None = None
) -> float:
    args = [str(JUPYTER_BOOK), "build", str(src), "--builder", builder]
    if strict:
        args += ["-n", "-W", "--keep-going"]
    if config:
        args += ["--config", str(config)]
    env = {**os.environ, "KURSK_BOOK_BUILD": "1"}
    start = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"bench: the {builder} build failed in {src}")
    return elapsed


def fresh_copy(parent: Path, name: str) -> Path:
    target = parent / name
    shutil.copytree(ROOT, target, ignore=IGNORE)
    return target


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kursk-bench-") as tmp:
        tmp_path = Path(tmp)
        book = fresh_copy(tmp_path, "book")
        clean = build(book)
        no_change = build(book)
        intro = book / "intro.md"
        intro.write_text(intro.read_text(encoding="utf-8") + "\nA prose-only edit.\n")
        prose = build(book)
        pdf = build(book, builder="pdflatex")

        floor_book = fresh_copy(tmp_path, "floor")
        config = floor_book / "_config.yml"
        config.write_text(
            config.read_text(encoding="utf-8").replace(
                "execute_notebooks: cache", 'execute_notebooks: "off"'
            )
        )
        floor = build(floor_book, strict=False)

        html = book / "_build" / "html"
        print("Build times (seconds)")
        print(f"  clean HTML build                 {clean:8.1f}")
        print(f"  HTML build, execution off        {floor:8.1f}")
        print(f"  no-change rebuild                {no_change:8.1f}")
        print(f"  rebuild after a prose-only edit  {prose:8.1f}")
        print(f"  PDF build (after HTML)           {pdf:8.1f}")
        print("Bytes per HTML page")
        for page in sorted(html.rglob("*.html")):
            if page.name not in {"genindex.html", "search.html"}:
                print(f"  {page.relative_to(html).as_posix():40s} {page.stat().st_size:10,d}")
        print("Shared JavaScript (bytes)")
        scripts = sorted((html / "_static").rglob("*.js"))
        for script in scripts:
            if script.stat().st_size > 20_000:
                print(f"  {script.relative_to(html).as_posix():40s} {script.stat().st_size:10,d}")
        print(f"  all {len(scripts)} scripts{'':28s} {sum(s.stat().st_size for s in scripts):10,d}")


if __name__ == "__main__":
    main()

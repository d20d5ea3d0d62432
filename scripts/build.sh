#!/usr/bin/env bash
# Build the book into a staging folder and publish it to _build/html only when the build
# succeeds, so a failed build never leaves a half-written site behind.
#   scripts/build.sh html   strict HTML build
#   scripts/build.sh pdf    strict PDF build (xelatex); the PDF goes inside the site
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
jupyter_book=${JUPYTER_BOOK:-$root/.venv/bin/jupyter-book}
stage=$root/_build/stage      # kept between builds: doctrees and the execution cache live here
site=$root/_build/html        # what readers get
pdf_name=kursk-edition.pdf
export KURSK_BOOK_BUILD=1

build() {
  "$jupyter_book" build "$root" --path-output "$stage" -n -W --keep-going --builder "$1"
}

# Like make: when no input is newer than the last successful build of this kind, there is
# nothing to do, and Python, Sphinx and its extensions are not even started (about 4 s).
# Inputs are every file of the book outside the build, the virtualenv and the tests.
up_to_date() {
  local stamp=$stage/.built-$1
  [ -f "$stamp" ] && [ -d "$site" ] || return 1
  [ "$root/.venv/bin/.installed" -nt "$stamp" ] && return 1
  [ -z "$(find "$root" \( -path "$root/_build" -o -path "$root/.git" -o -path "$root/.venv" \
      -o -path "$root/node_modules" -o -path "$root/tests" -o -name __pycache__ \
      -o -name '.*cache*' \) -prune -o -newer "$stamp" -print -quit)" ]
}

# The stamp records when the build started, so an edit made during a build is not missed.
start_stamp() {
  mkdir -p "$stage"
  touch "$stage/.building-$1"
}

finish_stamp() {
  mv "$stage/.building-$1" "$stage/.built-$1"
}

publish() {
  rm -rf "$site.new" "$site.old"
  cp -a "$stage/_build/html" "$site.new"
  if [ -f "$stage/_build/latex/book.pdf" ]; then
    cp "$stage/_build/latex/book.pdf" "$site.new/$pdf_name"
  fi
  if [ -d "$site" ]; then mv "$site" "$site.old"; fi
  mv "$site.new" "$site"
  rm -rf "$site.old"
}

case "${1:-}" in
  html)
    if up_to_date html; then
      echo "build.sh: the HTML site is up to date (no input is newer than its last build)"
      exit 0
    fi
    start_stamp html
    build html
    publish
    finish_stamp html
    ;;
  pdf)
    if up_to_date pdf && [ -f "$site/$pdf_name" ]; then
      echo "build.sh: the PDF is up to date (no input is newer than its last build)"
      exit 0
    fi
    start_stamp pdf
    # A failed latexmk run can leave "All targets up-to-date" behind; start LaTeX clean.
    rm -rf "$stage/_build/latex"
    build pdflatex
    test -s "$stage/_build/latex/book.pdf"
    if grep -n "Missing character" "$stage/_build/latex/book.log"; then
      echo "build.sh: the PDF is missing characters (see above)" >&2
      exit 1
    fi
    if [ -d "$stage/_build/html" ]; then publish; fi
    finish_stamp pdf
    ;;
  *)
    echo "usage: $0 html|pdf" >&2
    exit 2
    ;;
esac

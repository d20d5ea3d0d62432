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
    build html
    publish
    ;;
  pdf)
    # A failed latexmk run can leave "All targets up-to-date" behind; start LaTeX clean.
    rm -rf "$stage/_build/latex"
    build pdflatex
    test -s "$stage/_build/latex/book.pdf"
    if grep -n "Missing character" "$stage/_build/latex/book.log"; then
      echo "build.sh: the PDF is missing characters (see above)" >&2
      exit 1
    fi
    if [ -d "$stage/_build/html" ]; then publish; fi
    ;;
  *)
    echo "usage: $0 html|pdf" >&2
    exit 2
    ;;
esac

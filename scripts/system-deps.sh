#!/usr/bin/env bash
# Install the Debian packages a target needs, when they are missing.
# Only the missing ones are asked for: a machine may already carry, say, Node.js from another
# source, whose package conflicts with Debian's npm.
# As root it uses apt-get; otherwise it stops and prints the exact command to run.
# Usage: scripts/system-deps.sh tex|browser
set -euo pipefail

missing=()
need() {  # need PACKAGE CHECK...: ask for PACKAGE unless the check passes
  local package=$1; shift
  "$@" >/dev/null 2>&1 || missing+=("$package")
}
has() { command -v "$1"; }

case "${1:-}" in
  tex)
    need texlive-xetex has xelatex
    need texlive-latex-extra kpsewhich fncychap.sty
    need texlive-fonts-recommended kpsewhich phvr7t.tfm
    need latexmk has latexmk
    need xindy has xindy
    need dvisvgm has dvisvgm  # the HTML's formulas, drawn as SVG at build time
    need fonts-freefont-otf bash -c 'fc-list : family | grep -qi FreeSerif' ;;
  browser)
    # Chromium for the browser tests, poppler for the PDF tests, Node/npm for the pinned
    # axe-core and vnu-jar, and a Java runtime for vnu-jar.
    need chromium has chromium
    need poppler-utils has pdftotext
    need nodejs has node
    need npm has npm
    need default-jre-headless has java ;;
  *) echo "usage: $0 tex|browser" >&2; exit 2 ;;
esac

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

command_line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages for '$1'. Run this, then try again:" >&2
  echo "  sudo apt-get update && sudo $command_line" >&2
  exit 1
fi
echo "Installing system packages for '$1': ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
$command_line

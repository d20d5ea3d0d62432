#!/usr/bin/env bash
# Install the Debian packages a target needs, when they are missing.
# As root it uses apt-get; otherwise it stops and prints the exact command to run.
# Usage: scripts/system-deps.sh tex|browser
set -euo pipefail

case "${1:-}" in
  tex)
    packages=(texlive-xetex texlive-latex-extra texlive-fonts-recommended latexmk
              fonts-freefont-otf xindy)
    present() {
      command -v xelatex >/dev/null && command -v latexmk >/dev/null &&
        command -v xindy >/dev/null && kpsewhich fncychap.sty >/dev/null 2>&1 &&
        fc-list : family | grep -i FreeSerif >/dev/null
    } ;;
  browser)
    # Chromium for the browser tests, poppler for the PDF tests, Node/npm for the pinned
    # axe-core and vnu-jar, and a Java runtime for vnu-jar.
    packages=(chromium poppler-utils nodejs npm default-jre-headless)
    present() {
      command -v chromium >/dev/null && command -v pdftotext >/dev/null &&
        command -v npm >/dev/null && command -v java >/dev/null
    } ;;
  *) echo "usage: $0 tex|browser" >&2; exit 2 ;;
esac

if present; then exit 0; fi

command_line="apt-get install -y --no-install-recommends ${packages[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages for '$1'. Run this, then try again:" >&2
  echo "  sudo apt-get update && sudo $command_line" >&2
  exit 1
fi
echo "Installing system packages for '$1': ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
$command_line

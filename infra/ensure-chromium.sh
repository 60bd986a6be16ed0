#!/usr/bin/env bash
# Makes sure a Chromium is installed for the console's browser tests (playwright-core drives the system's
# browser: Playwright's own browser downloads are not reachable from these machines). Installs Debian's
# chromium package when it is absent and we are root with apt-get; otherwise says what to do.
set -u
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then echo "✓ Chromium $CHROMIUM"; exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Chromium is not installed; installing Debian's chromium package for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
if [ -x "$CHROMIUM" ]; then echo "✓ Chromium $CHROMIUM"; exit 0; fi
echo "✗ No Chromium at $CHROMIUM: install it (sudo apt-get install -y chromium) or set CHROMIUM_PATH"
exit 1

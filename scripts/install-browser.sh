#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright's own download does not
# work on these machines). Installs only when missing; needs root (or sudo).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
if command -v apt-get >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
else
  echo "Chromium is missing and apt-get is not available: browser tests will be skipped." >&2
fi

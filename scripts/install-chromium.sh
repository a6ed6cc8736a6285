#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (never a downloaded Playwright browser).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "error: the browser tests need Chromium: run 'apt-get install -y chromium' as root" >&2; exit 1; }
  SUDO=sudo
fi
command -v apt-get >/dev/null 2>&1 || { echo "error: the browser tests need Chromium at /usr/bin/chromium (Debian/Ubuntu: apt-get install -y chromium)" >&2; exit 1; }
echo "installing Debian's chromium for the browser tests"
# Another apt-get (an unattended upgrade, a parallel job) may hold the dpkg lock: wait for it.
lock_wait=(-o DPkg::Lock::Timeout=300)
$SUDO apt-get "${lock_wait[@]}" update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${lock_wait[@]}" install -y -qq chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "error: chromium did not install to /usr/bin/chromium" >&2; exit 1; }

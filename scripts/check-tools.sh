#!/usr/bin/env bash
# Checks, before anything is built, that the tools a make target needs are on this machine, and
# names every missing one with the command that installs it, in one message. Tools the project
# installs itself (Debian's Chromium, npm packages) and services it starts itself (PostgreSQL and
# Redis, scripts/ensure-services.sh) are not listed here.
#
#   scripts/check-tools.sh test   what `make test` needs
#   scripts/check-tools.sh run    what `make run` needs (Node.js is optional there)
set -euo pipefail

purpose="${1:-test}"
min_rust="$(sed -n 's/^rust-version = "\(.*\)"/\1/p' "$(dirname "$0")/../Cargo.toml" | head -n 1)"
min_node=20
missing=()

need() { # command, how to install it
  command -v "$1" >/dev/null 2>&1 || missing+=("$1: $2")
}

# "1.94.0" >= "1.94"? (sort -V orders version strings.)
at_least() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

rustup_hint="install Rust with rustup (https://rustup.rs): curl -sSf https://sh.rustup.rs | sh"
need cargo "$rustup_hint"
need rustc "$rustup_hint"
need cc "a C compiler for the bundled SQLite and TLS crates (Debian/Ubuntu: apt-get install -y build-essential)"
if command -v rustc >/dev/null 2>&1 && [ -n "$min_rust" ]; then
  have_rust="$(rustc --version | awk '{print $2}')"
  at_least "${have_rust%%-*}" "$min_rust" || missing+=("rustc $min_rust or newer (found $have_rust): rustup update stable")
fi

if [ "$purpose" = test ]; then
  if command -v cargo >/dev/null 2>&1; then
    cargo fmt --version >/dev/null 2>&1 || missing+=("rustfmt: rustup component add rustfmt")
    cargo clippy --version >/dev/null 2>&1 || missing+=("clippy: rustup component add clippy")
  fi
  need git "Debian/Ubuntu: apt-get install -y git"
  need node "Node.js $min_node+ for the web app and the Socket.IO tests (Debian/Ubuntu: apt-get install -y nodejs npm, or https://nodejs.org)"
  need npm "Debian/Ubuntu: apt-get install -y npm"
  need python3 "Python 3 with venv, for the deployment checks' tools (Debian/Ubuntu: apt-get install -y python3 python3-venv)"
  need psql "the PostgreSQL client, with which the Socket.IO tests create their databases (Debian/Ubuntu: apt-get install -y postgresql-client)"
  need redis-server "the scale-out tests start a private Redis of their own (Debian/Ubuntu: apt-get install -y redis-server)"
  if command -v node >/dev/null 2>&1; then
    have_node="$(node --version)"
    at_least "${have_node#v}" "$min_node" || missing+=("Node.js $min_node or newer (found $have_node): https://nodejs.org")
  fi
  if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_BIN:-}" ]; then
    # scripts/install-chromium.sh installs it, which takes apt-get and root (or sudo).
    if ! command -v apt-get >/dev/null 2>&1; then
      missing+=("chromium at /usr/bin/chromium for the browser tests (or set CHROMIUM_BIN to a Chromium binary)")
    elif [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
      missing+=("chromium for the browser tests: run 'apt-get install -y chromium' as root")
    fi
  fi
fi

if [ "${#missing[@]}" -gt 0 ]; then
  {
    echo "error: 'make $purpose' needs tools this machine lacks:"
    printf '  - %s\n' "${missing[@]}"
  } >&2
  exit 1
fi

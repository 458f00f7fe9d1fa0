#!/usr/bin/env bash
# Browser tests of the web portal (docs/PORTALE.md): Debian's Chromium (installed when
# missing), playwright-core and axe-core from e2e/package-lock.json, `isee serve` on a
# free port with a temporary SQLite database, killed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
# ISEE_BIN: an `isee` binary already built (verifica.sh passes the one its tests ran).
if [ ! -x /usr/bin/chromium ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installo chromium (Debian)"
  $sudo apt-get install -y -qq chromium >/dev/null 2>&1 ||
    { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq chromium >/dev/null; }
fi
(cd e2e && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
bin="${ISEE_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --locked -p isee-cli
  bin="${CARGO_TARGET_DIR:-target}/debug/isee"
fi
tmp=$(mktemp -d)
pid=""
fine() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap fine EXIT
"$bin" serve --db "$tmp/e2e.db" --porta 0 >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 1 100); do
  grep -q "in ascolto su" "$tmp/out" 2>/dev/null && break
  sleep 0.1
done
base=$(grep -o 'http://[0-9.:]*' "$tmp/out" | head -1)
[ -n "$base" ] || { cat "$tmp/err"; echo "isee serve non è partito"; exit 1; }
BASE="$base" node e2e/portale.mjs

#!/usr/bin/env bash
# Browser tests of the web portal (docs/PORTALE.md): Debian's Chromium (installed when
# missing), playwright-core and axe-core from e2e/package-lock.json, poppler's pdftotext
# (installed when missing) to read the downloaded PDF, and `isee demo` on free ports in
# a temporary directory (a register with generated DSUs and the demo's accounts), killed
# on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
# ISEE_BIN: an `isee` binary already built (verifica.sh passes the one its tests ran).
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
for coppia in chromium:chromium pdftotext:poppler-utils; do
  comando=${coppia%%:*}
  pacchetto=${coppia#*:}
  if ! command -v "$comando" >/dev/null 2>&1; then
    echo "installo $pacchetto (Debian)"
    $sudo apt-get install -y -qq "$pacchetto" >/dev/null 2>&1 ||
      { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq "$pacchetto" >/dev/null; }
  fi
done
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
"$bin" demo --porta 0 --nuclei 30 --dir "$tmp/demo" >"$tmp/out" 2>"$tmp/err" &
pid=$!
# The demo prints the API key after the accounts, once the register is served.
for _ in $(seq 1 1200); do
  grep -q "export ISEE_CHIAVE=" "$tmp/out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
base=$(grep -o 'in ascolto su http://[0-9.:]*' "$tmp/out" | head -1 | sed 's/in ascolto su //')
[ -n "$base" ] || { tail -20 "$tmp/err"; echo "isee demo non è partito"; exit 1; }
account() { sed -n "s/.*nome utente $1 *password \([^ ]*\).*/\1/p" "$tmp/out" | head -1; }
BASE="$base" \
  CHIAVE="$(sed -n 's/.*export ISEE_CHIAVE=//p' "$tmp/out" | head -1)" \
  PASSWORD_DICHIARANTE="$(account dichiarante)" \
  PASSWORD_COMPONENTE="$(account componente)" \
  PASSWORD_OPERATORE="$(account operatore.caf)" \
  SCARICAMENTI="$tmp" \
  node e2e/portale.mjs

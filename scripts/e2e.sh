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
altri=""
fine() {
  for p in $pid $altri; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
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

# OpenID Connect: `isee serve --oidc` on a free port beside the local provider
# (isee-prova's example provider_oidc), and Chromium signing in through it.
cargo build --locked -q -p isee-prova --features oidc --example provider_oidc
provider="${CARGO_TARGET_DIR:-target}/debug/examples/provider_oidc"
porta=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ritorno="http://127.0.0.1:$porta/accedi/oidc/ritorno"
"$provider" "$ritorno" segreto-e2e >"$tmp/provider" 2>&1 &
altri="$altri $!"
for _ in $(seq 1 100); do grep -q "^emittente: " "$tmp/provider" 2>/dev/null && break; sleep 0.1; done
emittente=$(sed -n 's/^emittente: //p' "$tmp/provider")
[ -n "$emittente" ] || { cat "$tmp/provider"; echo "il provider OIDC di prova non è partito"; exit 1; }
printf '[oidc]\nissuer = "%s"\nclient_id = "isee-portale"\nclient_secret_env = "ISEE_OIDC_SEGRETO"\nredirect_uri = "%s"\n' \
  "$emittente" "$ritorno" >"$tmp/oidc.toml"
ISEE_OIDC_SEGRETO=segreto-e2e "$bin" serve --porta "$porta" --db "$tmp/oidc.db" --oidc "$tmp/oidc.toml" \
  >"$tmp/serve-oidc" 2>"$tmp/serve-oidc.err" &
altri="$altri $!"
for _ in $(seq 1 300); do grep -q "in ascolto" "$tmp/serve-oidc" 2>/dev/null && break; sleep 0.1; done
grep -q "in ascolto" "$tmp/serve-oidc" || { tail -20 "$tmp/serve-oidc.err"; echo "isee serve --oidc non è partito"; exit 1; }
BASE="http://127.0.0.1:$porta" node e2e/oidc.mjs

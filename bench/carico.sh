#!/usr/bin/env bash
# Load test of the REST service on loopback, bounded in time (docs/PERFORMANCE-server.md).
#
#   bench/carico.sh                      # SQLite (a fresh file in a temp dir)
#   bench/carico.sh postgres://root@127.0.0.1:5432/test   # PostgreSQL (a fresh schema)
#
# Each run: baseline GET /salute (max rate), DSU submissions open-loop at $RATE/s,
# lookups by fiscal code (max rate), then the server's peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
DB="${1:-}"
RATE="${RATE:-1000}"
DURATA="${DURATA:-20}"
cargo build --release -q -p isee-cli --bin isee
cargo build --release -q -p isee-sandbox --example carico
DIR="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT
CHIAVE="carico-$RANDOM$RANDOM"
printf '[[client]]\nid = "carico"\nchiave_sha256 = "%s"\n' "$(printf '%s' "$CHIAVE" | sha256sum | cut -d' ' -f1)" > "$DIR/chiavi.toml"
ARGS=(--porta 0 --chiavi "$DIR/chiavi.toml")
if [[ -z "$DB" ]]; then
  ARGS+=(--db "$DIR/carico.db"); NOME=sqlite
else
  ARGS+=(--db "$DB" --schema-pg "carico_$(date +%s)"); NOME=postgres
fi
RUST_LOG=warn target/release/isee serve "${ARGS[@]}" > "$DIR/out" 2> "$DIR/err" &
PID=$!
for _ in $(seq 50); do grep -q 'in ascolto' "$DIR/out" 2>/dev/null && break; sleep 0.1; done
ADDR="$(sed -n 's#.*http://##p' "$DIR/out" | head -1)"
echo "backend=$NOME server pid=$PID addr=$ADDR"
C=(target/release/examples/carico --addr "$ADDR" --chiave "$CHIAVE" --pid "$PID")
"${C[@]}" --scenario salute --durata-s 10 --connessioni 32
"${C[@]}" --scenario presenta --rate "$RATE" --durata-s "$DURATA" --connessioni 64
"${C[@]}" --scenario leggi --durata-s 10 --connessioni 32
echo "server $(grep -E 'VmHWM' /proc/$PID/status | tr -s ' ')"

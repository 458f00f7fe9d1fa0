#!/usr/bin/env bash
# Before/after in one run: the same three benchmarks (batch of N DSUs, register REST
# load, consultation e-services load) against two builds, interleaved round by round so
# that the noise of the machine falls on both alike. Prints medians and new/old ratios.
#
#   bench/confronto.sh PRIMA_DIR DOPO_DIR
#
# Each directory holds `isee` and `examples/{carico,carico_consultazione}` of a release
# build (PRIMA may instead hold `isee-server` when its `isee serve` is not wanted).
# N (default 1,000,000), R rounds (default 3), DURATA seconds per register scenario (10),
# RATE filings per second offered (1,000), PARTI the parts to run (default
# "batch registro consultazione"), PG a postgres:// URL to run the register on
# PostgreSQL (a fresh schema per round) instead of a fresh SQLite file, CONNESSIONI_DB
# the server's database connections (`isee serve --connessioni`, default 8):
#
#   PARTI=registro PG=postgres://root@127.0.0.1:5432/test RATE=3000 bench/confronto.sh /tmp/prima /tmp/dopo
set -euo pipefail
PRIMA=$1; DOPO=$2
N=${N:-1000000}; R=${R:-3}; DURATA=${DURATA:-10}; RATE=${RATE:-1000}
PARTI=${PARTI:-batch registro consultazione}; PG=${PG:-}; CONNESSIONI_DB=${CONNESSIONI_DB:-8}
parte() { [[ " $PARTI " == *" $1 "* ]]; }
DIR=${DIR:-/tmp/isee-confronto}; mkdir -p "$DIR"
IN="$DIR/pop-$N.jsonl"
if parte batch; then [ -s "$IN" ] || "$DOPO/isee" genera --nuclei "$N" --seed 7 -o "$IN"; fi
mediana() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
tempo() { /usr/bin/time -f "%e" -o "$DIR/t" "$@" >/dev/null 2>"$DIR/err" || cat "$DIR/err" >&2; cat "$DIR/t"; }

if parte batch; then
echo "== isee batch, $N DSU (median of $R, seconds)"
: > "$DIR/batch.prima"; : > "$DIR/batch.dopo"
for _ in $(seq "$R"); do
  tempo "$PRIMA/isee" batch "$IN" -o "$DIR/out-prima.jsonl" >> "$DIR/batch.prima"
  tempo "$DOPO/isee" batch "$IN" -o "$DIR/out-dopo.jsonl" >> "$DIR/batch.dopo"
done
cmp -s "$DIR/out-prima.jsonl" "$DIR/out-dopo.jsonl" && echo "outputs identical" || echo "OUTPUTS DIFFER"
bp=$(mediana < "$DIR/batch.prima"); bd=$(mediana < "$DIR/batch.dopo")
echo "prima $bp s   dopo $bd s   dopo/prima $(echo "scale=3; $bd/$bp" | bc)"
fi

if parte registro; then
echo "== register REST service (bench/carico.sh scenarios, $DURATA s each, ${PG:+PostgreSQL}${PG:-SQLite})"
registro() { # label, bin dir
  local d; d=$(mktemp -d); local chiave="c$RANDOM$RANDOM"
  printf '[[client]]\nid = "carico"\nchiave_sha256 = "%s"\n' "$(printf '%s' "$chiave" | sha256sum | cut -d' ' -f1)" > "$d/chiavi.toml"
  local db=(--db "$d/carico.db")
  [[ -n "$PG" ]] && db=(--db "$PG" --schema-pg "confronto_$1_$(date +%s%N)")
  RUST_LOG=warn "$2/isee" serve --porta 0 --connessioni "$CONNESSIONI_DB" --chiavi "$d/chiavi.toml" "${db[@]}" > "$d/out" 2> "$d/err" &
  local pid=$!
  for _ in $(seq 100); do grep -q 'in ascolto' "$d/out" 2>/dev/null && break; sleep 0.1; done
  local addr; addr="$(sed -n 's#.*http://##p' "$d/out" | head -1)"
  local c=("$2/examples/carico" --addr "$addr" --chiave "$chiave" --pid "$pid")
  echo "-- $1"
  "${c[@]}" --scenario salute --durata-s "$DURATA" --connessioni 32 | tail -2
  "${c[@]}" --scenario presenta --rate "$RATE" --durata-s "$DURATA" --connessioni 64 | tail -2
  "${c[@]}" --scenario leggi --durata-s "$DURATA" --connessioni 32 | tail -2
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$d"
}
for _ in $(seq "$R"); do registro prima "$PRIMA"; registro dopo "$DOPO"; done
fi

parte consultazione || exit 0
echo "== consultation e-services (carico_consultazione, 1 round of 8 s each, $R times)"
for _ in $(seq "$R"); do
  echo "-- prima"; "$PRIMA/examples/carico_consultazione" --nuclei 5000 --connessioni 32 --secondi 8 --giri 1 | tail -4
  echo "-- dopo"; "$DOPO/examples/carico_consultazione" --nuclei 5000 --connessioni 32 --secondi 8 --giri 1 | tail -4
done

#!/usr/bin/env bash
# The cost of SQLite `synchronous = FULL` for filings (issue 10, point 7): two `isee`
# release builds that differ only in the register's setting, interleaved round by round
# on fresh SQLite files so that the machine's noise falls on both alike. Prints each
# round and the medians with the ratio (docs/PERFORMANCE.md).
#
#   bench/sincronia.sh PRIMA_ISEE DOPO_ISEE CARICO
#
# PRIMA_ISEE / DOPO_ISEE: the two `isee` binaries (e.g. before and after the change);
# CARICO: the load generator (crates/isee-sandbox/examples/carico.rs, release).
# R rounds (default 5), DURATA seconds per scenario (default 10), RATE for the
# open-loop scenario (default 500). Loopback only, bounded in time. The last scenario,
# lookups by fiscal code, shows the cost of the access model's filter on reads when
# DOPO also has it.
set -euo pipefail
PRIMA=$1; DOPO=$2; CARICO=$3
R=${R:-5}; DURATA=${DURATA:-10}; RATE=${RATE:-500}
OUT=$(mktemp -d); trap 'rm -rf "$OUT"' EXIT
campo() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }
mediana() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
giro() { # label, binary
  local d; d=$(mktemp -d); local chiave="c$RANDOM$RANDOM"
  printf '[[client]]\nid = "carico"\nchiave_sha256 = "%s"\n' "$(printf '%s' "$chiave" | sha256sum | cut -d' ' -f1)" > "$d/chiavi.toml"
  RUST_LOG=warn "$2" serve --porta 0 --chiavi "$d/chiavi.toml" --db "$d/carico.db" > "$d/out" 2> "$d/err" &
  local pid=$!
  for _ in $(seq 100); do grep -q 'in ascolto' "$d/out" 2>/dev/null && break; sleep 0.1; done
  local addr; addr="$(sed -n 's#.*http://##p' "$d/out" | head -1)"
  local c=("$CARICO" --addr "$addr" --chiave "$chiave" --pid "$pid")
  local chiuso aperto leggi
  chiuso=$("${c[@]}" --scenario presenta --rate 0 --durata-s "$DURATA" --connessioni 64 | tail -1)
  aperto=$("${c[@]}" --scenario presenta --rate "$RATE" --durata-s "$DURATA" --connessioni 64 | tail -1)
  # The households filed first (2,000 of them) looked up by their declarant.
  leggi=$("${c[@]}" --scenario leggi --nuclei 2000 --durata-s "$DURATA" --connessioni 32 | tail -1)
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$d"
  echo "$1 chiuso: $chiuso"; echo "$1 aperto: $aperto"; echo "$1 leggi: $leggi"
  echo "$leggi" | campo al_s >> "$OUT/$1.leggi"
  echo "$chiuso" | campo al_s >> "$OUT/$1.chiuso"
  echo "$chiuso" | campo p99 >> "$OUT/$1.chiuso_p99"
  echo "$aperto" | campo al_s >> "$OUT/$1.aperto"
  echo "$aperto" | campo p99 >> "$OUT/$1.aperto_p99"
}
for _ in $(seq "$R"); do giro prima "$PRIMA"; giro dopo "$DOPO"; done
for s in chiuso chiuso_p99 aperto aperto_p99 leggi; do
  p=$(mediana < "$OUT/prima.$s"); d=$(mediana < "$OUT/dopo.$s")
  echo "$s: prima $p  dopo $d  dopo/prima $(echo "scale=3; $d/$p" | bc)"
done

#!/usr/bin/env bash
# Measures `isee batch` on N generated DSUs (default 1,000,000): wall time and peak
# memory, with two baselines in the same run: `wc -l` (reading the file) and
# `isee batch --solo-lettura`-free JSON scanning is not exposed, so `cat > /dev/null`
# gives the I/O floor. Repeats R times (default 3) and prints the median.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
R=${R:-3}
DIR=${DIR:-/tmp/isee-bench}
mkdir -p "$DIR"
cargo build --release -q -p isee-cli
BIN=target/release/isee
IN="$DIR/pop-$N.jsonl"
if [ ! -s "$IN" ]; then
  echo "generating $N DSUs…" >&2
  /usr/bin/time -f "genera: %e s, %M KB" $BIN genera --nuclei "$N" --seed 7 -o "$IN"
fi
echo "input: $(du -h "$IN" | cut -f1), $(wc -l < "$IN") lines"
misura() { # label, command…
  local label=$1; shift
  local t=()
  for _ in $(seq "$R"); do
    /usr/bin/time -f "%e %M" -o "$DIR/time.txt" "$@" >/dev/null 2>"$DIR/err.txt" || { cat "$DIR/err.txt"; }
    t+=("$(cat "$DIR/time.txt")")
  done
  printf '%s\n' "${t[@]}" | sort -n | awk -v l="$label" '{a[NR]=$1; m[NR]=$2} END {i=int((NR+1)/2); printf "%-28s median %6.2f s   peak RSS %7.1f MB   (runs: %d)\n", l, a[i], m[i]/1024, NR}'
}
misura "baseline: cat > /dev/null" sh -c "cat '$IN' > /dev/null"
misura "isee batch (ordinario)" $BIN batch "$IN" -o "$DIR/out.jsonl"
misura "isee batch (AUU 2026)" $BIN batch "$IN" -o "$DIR/out-auu.jsonl" --prestazione assegno-unico
echo "output: $(wc -l < "$DIR/out.jsonl") lines, errors: $(wc -l < "$DIR/out.jsonl.errori.jsonl")"

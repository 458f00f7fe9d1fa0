#!/usr/bin/env bash
# Builds the fuzz targets and runs each for SECONDS (default 6); fails on the first
# crash, panic, timeout (an input over 10 s) or out-of-memory (over 2 GiB), leaving the
# input that caused it in fuzz/artifacts/<target>/. docs/SICUREZZA.md, "Fuzzing".
#
#   fuzz/esegui.sh [SECONDS] [TARGET…]   # scripts/verifica.sh fuzz: 6 s each; bench/fuzz.sh: longer
#
# Stable toolchain: `--sanitizer none` (coverage from -Cpasses=sancov-module, no ASan;
# panics, aborts, timeouts and out-of-memory are still caught). cargo-fuzz is installed
# from crates.io, pinned, when missing. CARGO_TARGET_DIR is honoured (default
# fuzz/target).
set -euo pipefail
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
  CARGO_TARGET_DIR=$(realpath -m "$CARGO_TARGET_DIR")
  export CARGO_TARGET_DIR
fi
cd "$(dirname "$0")"

CARGO_FUZZ_VERSIONE=0.13.1
secondi=${1:-6}
shift || true
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSIONE"; then
  cargo install --locked --quiet cargo-fuzz --version "$CARGO_FUZZ_VERSIONE"
fi
# Default profile: release with debug assertions and overflow checks.
opzioni=(--sanitizer none)
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
  opzioni+=(--target-dir "$CARGO_TARGET_DIR")
fi

bersagli=("$@")
if [ ${#bersagli[@]} -eq 0 ]; then
  mapfile -t bersagli < <(cargo fuzz list)
fi

# The crate is outside the workspace, so `cargo fmt --all` does not see it.
cargo fmt --check
# cargo fuzz has no --locked: fail here when fuzz/Cargo.lock is not up to date.
cargo metadata --locked --format-version 1 >/dev/null

inizio=$(date +%s)
cargo fuzz build "${opzioni[@]}"
echo "fuzz: compilazione in $(($(date +%s) - inizio)) s"
./semi.sh >/dev/null

for b in "${bersagli[@]}"; do
  mkdir -p "corpus/$b" "artifacts/$b"
  printf 'fuzz: %-16s %4d s … ' "$b" "$secondi"
  log=$(mktemp)
  # semi/ and the copied seeds are read; new inputs go to corpus/<target> (not committed).
  if cargo fuzz run "${opzioni[@]}" "$b" "corpus/$b" -- \
    -max_total_time="$secondi" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 >"$log" 2>&1; then
    grep -E '^stat::number_of_executed_units' "$log" | awk '{printf "%s esecuzioni\n", $2}'
    rm -f "$log"
  else
    echo "ERRORE"
    tail -n 60 "$log" >&2
    echo "fuzz: $b ha trovato un problema; l'ingresso è in fuzz/artifacts/$b/ (log: $log)" >&2
    exit 1
  fi
done
echo "fuzz: totale $(($(date +%s) - inizio)) s"

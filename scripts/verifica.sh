#!/usr/bin/env bash
# The house rules, as CI runs them (README.md, "Checks CI runs"; CONTRIBUTING.md).
#
#   scripts/verifica.sh            # every check, then the tests
#   scripts/verifica.sh fmt clippy # only some of them: fmt clippy doc deny test schemathesis e2e fuzz
#
# It installs what it needs itself: cargo-deny and cargo-fuzz (from crates.io, pinned)
# when missing, schemathesis (PyPI, pinned) in a venv under the target directory, and
# xmllint (Debian's libxml2-utils), with which the SOAP tests validate every document
# against INPS's XSDs, and pdftotext (poppler-utils), with which the PDF tests read the text.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_DENY_VERSIONE=0.20.2
passi=("$@")
[ ${#passi[@]} -eq 0 ] && passi=(fmt clippy doc deny test schemathesis e2e fuzz)

intestazione() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

# The tools the tests call: xmllint (libxml2-utils) validates the SOAP documents
# against INPS's XSDs (crates/isee-prova/src/xsd.rs), pdftotext (poppler-utils) extracts
# the text of the printed PDFs (crates/isee-prova/src/pdf.rs); under CI a missing one fails them.
strumenti() {
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  local comando pacchetto
  for coppia in xmllint:libxml2-utils pdftotext:poppler-utils; do
    comando=${coppia%%:*}
    pacchetto=${coppia#*:}
    if ! command -v "$comando" >/dev/null 2>&1; then
      echo "installo $pacchetto ($comando)"
      $sudo apt-get install -y -qq "$pacchetto" >/dev/null 2>&1 ||
        { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq "$pacchetto" >/dev/null; }
    fi
  done
}

for passo in "${passi[@]}"; do
  case "$passo" in
    fmt)
      intestazione "cargo fmt --check"
      cargo fmt --all --check
      ;;
    clippy)
      intestazione "cargo clippy --workspace --all-targets -- -D warnings"
      cargo clippy --workspace --all-targets --locked -- -D warnings
      ;;
    doc)
      intestazione "cargo doc --workspace --no-deps (warnings are errors)"
      RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
      ;;
    deny)
      intestazione "cargo deny check (licences, bans, sources, advisories)"
      if ! cargo deny --version 2>/dev/null | grep -q "$CARGO_DENY_VERSIONE"; then
        cargo install --locked --quiet cargo-deny --version "$CARGO_DENY_VERSIONE"
      fi
      cargo deny --log-level error check licenses bans sources
      # The advisory database is a git repository on github.com (RustSec). Where it can
      # be fetched, advisories are checked; where the network does not reach it (this
      # project's CI machines reach only the package registries), the run says so.
      if timeout 60 cargo deny --log-level error fetch db >/dev/null 2>&1; then
        cargo deny --log-level error check advisories
      else
        echo "avviso: banca dati RustSec non raggiungibile (github.com): controllo degli advisory non eseguito"
      fi
      ;;
    test)
      intestazione "cargo test --workspace"
      strumenti
      cargo test --workspace --locked
      test_fatto=1
      ;;
    schemathesis)
      intestazione "scripts/schemathesis.sh (both OpenAPI documents against the running services)"
      # After `test` the binary its integration tests ran is fresh: use it rather than
      # building another with other features.
      bin="${CARGO_TARGET_DIR:-target}/debug/isee"
      if [ -n "${test_fatto:-}" ] && [ -x "$bin" ]; then
        ISEE_BIN="$bin" scripts/schemathesis.sh
      else
        scripts/schemathesis.sh
      fi
      ;;
    e2e)
      intestazione "scripts/e2e.sh (the portal in Debian's Chromium: Playwright, axe-core WCAG 2.1 A/AA)"
      bin="${CARGO_TARGET_DIR:-target}/debug/isee"
      if [ -n "${test_fatto:-}" ] && [ -x "$bin" ]; then
        ISEE_BIN="$bin" scripts/e2e.sh
      else
        scripts/e2e.sh
      fi
      ;;
    fuzz)
      intestazione "fuzz/esegui.sh 6 (every fuzz target, 6 s each)"
      fuzz/esegui.sh 6
      ;;
    *)
      echo "passo sconosciuto: $passo (fmt clippy doc deny test schemathesis e2e fuzz)" >&2
      exit 2
      ;;
  esac
done

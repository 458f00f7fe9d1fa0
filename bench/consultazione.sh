#!/usr/bin/env bash
# Load test of the consultation e-services on loopback (docs/PERFORMANCE.md,
# docs/CONSULTAZIONE.md): ConsultazioneIndicatore over mutual TLS with the ente's
# client certificate, a PDND voucher validated in full on every call, and every call
# committed to the HMAC-chained access log (SQLite, synchronous=FULL) before the
# answer leaves; REST and SOAP, against a routing baseline on the same connections.
#
#   bench/consultazione.sh                       # defaults: 5,000 households, 32 connections, 3 rounds of 8 s
#   GIRI=5 SECONDI=10 CONNESSIONI=64 bench/consultazione.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p isee-sandbox --example carico_consultazione
exec target/release/examples/carico_consultazione \
  --nuclei "${NUCLEI:-5000}" --connessioni "${CONNESSIONI:-32}" \
  --secondi "${SECONDI:-8}" --giri "${GIRI:-3}"

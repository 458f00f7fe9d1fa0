#!/usr/bin/env bash
# A longer fuzzing session than CI's: SECONDS per target (default 300), every target or
# the ones named. The corpora grow in fuzz/corpus/ (not committed); a crash leaves its
# input in fuzz/artifacts/<target>/ and fails. docs/SICUREZZA.md, "Fuzzing".
#
#   bench/fuzz.sh 600                 # ten minutes each
#   bench/fuzz.sh 3600 soap_richiesta # one hour on the SOAP reader
set -euo pipefail
cd "$(dirname "$0")/.."
secondi=${1:-300}
shift || true
exec fuzz/esegui.sh "$secondi" "$@"

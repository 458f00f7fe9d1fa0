#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets in fuzz/corpus/<target>/ (not committed):
# the examples and golden files of the repository, and the small hand-written seeds
# committed in fuzz/semi/<target>/. Idempotent; the corpora libFuzzer grows stay.
set -euo pipefail
cd "$(dirname "$0")"
radice=..

copia() { # target, files…
  local t=$1
  shift
  mkdir -p "corpus/$t"
  for f in "$@"; do
    [ -f "$f" ] && cp "$f" "corpus/$t/$(echo "$f" | tr '/' '_' | sed 's/^[._]*//')"
  done
  return 0
}

copia dsu_json "$radice"/esempi/*.json
# The core's golden cases hold the DSU under "dsu", next to the expected results.
python3 - "$radice"/crates/isee-core/tests/golden/*.json <<'PY'
import json, os, sys
for f in sys.argv[1:]:
    dsu = json.load(open(f)).get("dsu")
    if dsu is not None:
        with open(os.path.join("corpus/dsu_json", "golden_" + os.path.basename(f)), "w") as o:
            json.dump(dsu, o, ensure_ascii=False, indent=1)
PY
copia soap_richiesta "$radice"/crates/isee-soap/tests/golden/*.richiesta*.xml
# The same requests with their SOAPAction header line (the target's `#` first line).
mkdir -p corpus/soap_richiesta
for f in "$radice"/crates/isee-soap/tests/golden/*.richiesta.xml; do
  op=$(basename "$f" .richiesta.xml)
  { printf '#"http://inps.it/ConsultazioneISEE/ISvcConsultazione/%s"\n' "$op"; cat "$f"; } \
    >"corpus/soap_richiesta/azione_$op.xml"
done
copia tariffa "$radice"/crates/isee-tariffe/regole/*.toml
copia ipa "$radice"/crates/isee-enti/dati/ipa-*.json
copia istat_csv "$radice"/crates/isee-enti/dati/istat-*.csv
for t in semi/*/; do
  t=$(basename "$t")
  copia "$t" semi/"$t"/*
done
for d in corpus/*/; do
  printf '%-16s %3d semi\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)"
done

#!/usr/bin/env bash
# Property-based API tests of both OpenAPI documents with schemathesis (issue 10;
# docs/SICUREZZA.md), against the real services started here:
#
# * the register (`isee serve`, temporary SQLite database, two API keys, a DSU filed by
#   each), from the document it serves at /api/v1/openapi.json;
# * the consultation e-services (`isee consultazione sandbox` + the local PDND +
#   `isee consultazione serve`, mutual TLS), from `isee consultazione openapi`: one run
#   per e-service, with its `eservizio` path parameter fixed, a voucher of a consumer
#   admitted to it, that consumer's client certificate and, for the Operatori
#   e-services and `dichiarazione`, an AUDIT_REST_02 evidence bound to the voucher;
#   first one well-formed call must answer 200 with a body matching the document
#   (for `dichiarazione`: an `ISEE_Dichiarazione` XML document).
#
# Checks: no 5xx (not_a_server_error), every response matches its schema
# (response_schema_conformance) and its documented status codes
# (status_code_conformance). Any finding fails the script.
#
#   scripts/schemathesis.sh          # CI: ISEE_ST_ESEMPI examples per operation (default 25)
#   ISEE_ST_ESEMPI=500 scripts/schemathesis.sh
#   ISEE_ST_TIENI=1 scripts/schemathesis.sh   # keep the databases, logs and sandbox
#
# Needs python3 (venv + pip) and curl. schemathesis is installed, pinned, in a venv
# under the cache directory (ISEE_CACHE, default $CARGO_TARGET_DIR or target/), never
# committed. The `isee` binary is built with `cargo build -p isee-cli` unless ISEE_BIN
# names one.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSIONE=4.32.5
ESEMPI=${ISEE_ST_ESEMPI:-25}
target=${CARGO_TARGET_DIR:-$PWD/target}
cache=${ISEE_CACHE:-$target}
venv=$cache/schemathesis-$SCHEMATHESIS_VERSIONE

if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSIONE"
fi
st() { "$venv/bin/schemathesis" --no-color "$@"; }

if [ -z "${ISEE_BIN:-}" ]; then
  cargo build --quiet -p isee-cli --locked
  ISEE_BIN=$target/debug/isee
fi
isee() { "$ISEE_BIN" "$@"; }

tmp=$(mktemp -d)
pids=()
fine() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${ISEE_ST_TIENI:-}" ]; then
    echo "file della prova (ISEE_ST_TIENI): $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap fine EXIT

porta_libera() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
# Waits for the first line of a service's standard output: "… in ascolto su URL".
attendi_url() {
  for _ in $(seq 1 300); do
    if grep -q "in ascolto su" "$1" 2>/dev/null; then
      sed -n 's/.*in ascolto su \([^ ]*\).*/\1/p' "$1" | head -1
      return 0
    fi
    sleep 0.1
  done
  echo "il servizio non è partito: $1" >&2
  cat "$1" "$1.err" >&2 || true
  return 1
}
json() { python3 -c "import json,sys;d=json.load(open(sys.argv[1]));print(eval(sys.argv[2]))" "$@"; }

esito=0
controlli=not_a_server_error,response_schema_conformance,status_code_conformance
comuni=(--checks "$controlli" --max-examples "$ESEMPI" --seed 10 --workers 1
  --request-timeout 20 --suppress-health-check all --output-truncate false)

# --- the register -------------------------------------------------------------------
# Two clients: schemathesis acts as the first (it may annul what it finds, and does);
# the second files the DSU the e-services are then asked about, which the first may not
# annul (only the sender may).
chiave=$(python3 -c 'import secrets;print(secrets.token_hex(24))')
chiave_ente=$(python3 -c 'import secrets;print(secrets.token_hex(24))')
hash() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
printf '[[client]]\nid = "caf-st"\nchiave_sha256 = "%s"\n\n[[client]]\nid = "caf-ente"\nchiave_sha256 = "%s"\n' \
  "$(hash "$chiave")" "$(hash "$chiave_ente")" >"$tmp/chiavi.toml"
# Services are started from the binary itself, not through the function, so that `$!`
# is their process id and the trap above stops them.
"$ISEE_BIN" serve --db "$tmp/registro.db" --porta 0 --chiavi "$tmp/chiavi.toml" \
  >"$tmp/registro.out" 2>"$tmp/registro.out.err" &
pids+=($!)
url_registro=$(attendi_url "$tmp/registro.out")
deposita() { # key, idempotency key → the receipt
  curl -sf -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    -H "Idempotency-Key: $2" --data-binary @esempi/ordinario-famiglia-ravenna.json \
    "$url_registro/api/v1/dsu"
}
deposita "$chiave" st-1 >/dev/null
deposita "$chiave_ente" st-ente >"$tmp/ricevuta.json"
protocollo=$(json "$tmp/ricevuta.json" "d['protocollo']")
cf=RSSMRA85M01H199H # the dichiarante of esempi/ordinario-famiglia-ravenna.json (Ravenna, H199)

echo "== schemathesis: registro ($url_registro)"
st run "$url_registro/api/v1/openapi.json" --url "$url_registro" \
  -H "Authorization: Bearer $chiave" "${comuni[@]}" || esito=1

# --- the consultation e-services -----------------------------------------------------
porta_c=$(porta_libera)
porta_p=$(porta_libera)
isee consultazione sandbox --dir "$tmp/c" --registro "$tmp/registro.db" \
  --indirizzo "127.0.0.1:$porta_c" >"$tmp/sandbox.out"
"$ISEE_BIN" pdnd serve --dir "$tmp/c/pdnd" --addr "127.0.0.1:$porta_p" \
  >"$tmp/pdnd.out" 2>"$tmp/pdnd.out.err" &
pids+=($!)
"$ISEE_BIN" consultazione serve --config "$tmp/c/consultazione.toml" \
  >"$tmp/consultazione.out" 2>"$tmp/consultazione.out.err" &
pids+=($!)
url_c=$(attendi_url "$tmp/consultazione.out")
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$porta_p/" && break; sleep 0.1; done
isee consultazione openapi >"$tmp/eservizi.json"
isee consultazione catalogo >"$tmp/catalogo.txt"
fruitori=$tmp/c/fruitori/fruitori.json
ca=$tmp/c/ca/ca.pem

for eservizio in indicatore attestazione indicatore-residenti attestazione-residenti \
  indicatore-riscontro nucleo-riscontro indicatore-operatori attestazione-operatori \
  dichiarazione; do
  # Ravenna (a capoluogo) everywhere; Rapallo, where the sandbox's operator is
  # authorised, on the Operatori e-services and `dichiarazione`.
  case $eservizio in
    *-operatori | dichiarazione) ipa=c_h183 ;;
    *) ipa=c_h199 ;;
  esac
  f="[f for f in d if f['codice_ipa']=='$ipa'][0]"
  client=$(json "$fruitori" "$f['client_id']")
  chiave_c=$(json "$fruitori" "$f['chiave']")
  finalita=$(json "$fruitori" "[u for (e,u) in $f['finalita'] if e=='$eservizio'][0]")
  cert=$(json "$fruitori" "$f['certificato'][0]")
  cert_chiave=$(json "$fruitori" "$f['certificato'][1]")
  intestazioni=()
  evidenza=()
  if [[ $eservizio == *-operatori || $eservizio == dichiarazione ]]; then
    aud=$(awk -v c="$eservizio" '$1==c {t=1} t && $1=="audience" {print $2; exit}' "$tmp/catalogo.txt")
    ev=$(isee pdnd evidenza --client "$client" --chiave "$chiave_c" --aud "$aud" \
      --finalita "$finalita" --operatore VRDLGU80A01H183S --postazione st-1 --durata-s 600 2>/dev/null)
    intestazioni=(-H "Agid-JWT-TrackingEvidence: $ev")
    evidenza=(--evidenza "$ev")
  fi
  voucher=$(isee pdnd voucher --pdnd "http://127.0.0.1:$porta_p" --client "$client" \
    --chiave "$chiave_c" --finalita "$finalita" "${evidenza[@]}")
  # One well-formed call first, about the DSU the second client filed: it must get
  # through every check and answer 200 with a body that matches the document, so that
  # the generated calls below test the whole pipeline, not only the door.
  case $eservizio in
    attestazione*) op=attestazione ;;
    dichiarazione) op=dichiarazione ;;
    *) op=indicatore ;;
  esac
  case $eservizio in
    *riscontro | dichiarazione) ricerca="{\"protocollo_dsu\":\"$protocollo\",\"codice_fiscale_beneficiario\":\"$cf\"}" ;;
    *) ricerca="{\"codice_fiscale\":\"$cf\"}" ;;
  esac
  stato=$(curl -s -o "$tmp/sonda.json" -w '%{http_code}' --cacert "$ca" \
    --cert "$cert" --key "$cert_chiave" -H "Authorization: Bearer $voucher" "${intestazioni[@]}" \
    -H 'Content-Type: application/json' \
    -d "{\"ricerca\":$ricerca,\"prestazione_da_erogare\":\"A1.07\",\"protocollo_domanda_ente_erogatore\":\"ST-1\"}" \
    "$url_c/rest/v1/$eservizio/$op")
  echo "== sonda $eservizio/$op: HTTP $stato"
  if [ "$op" = dichiarazione ]; then
    # The answer is INPS's XML document, not JSON.
    if [ "$stato" != 200 ] || ! grep -q '<Dichiarazione' "$tmp/sonda.json"; then
      echo "la chiamata di prova a $eservizio non ha dato 200 con il documento: $(head -c 400 "$tmp/sonda.json")" >&2
      esito=1
      continue
    fi
  elif [ "$stato" != 200 ] || ! "$venv/bin/python" - "$tmp/eservizi.json" "$tmp/sonda.json" "/rest/v1/{eservizio}/$op" <<'PY'
import json, sys
import jsonschema_rs
doc = json.load(open(sys.argv[1]))
schema = doc["paths"][sys.argv[3]]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
schema = dict(schema, components=doc["components"])
errori = list(jsonschema_rs.validator_for(schema).iter_errors(json.load(open(sys.argv[2]))))
for e in errori:
    print(f"risposta 200 non conforme: {e}", file=sys.stderr)
sys.exit(1 if errori else 0)
PY
  then
    echo "la chiamata di prova a $eservizio non ha dato 200 conforme: $(head -c 400 "$tmp/sonda.json")" >&2
    esito=1
    continue
  fi
  case $op in
    attestazione) percorsi='/attestazione$' ;;
    dichiarazione) percorsi='/dichiarazione$' ;;
    *) percorsi='/(indicatore|soglia)$' ;;
  esac
  printf '[parameters]\n"path.eservizio" = "%s"\n' "$eservizio" >"$tmp/st-$eservizio.toml"
  echo "== schemathesis: e-service $eservizio ($url_c, $ipa)"
  st --config-file "$tmp/st-$eservizio.toml" run "$tmp/eservizi.json" --url "$url_c" \
    --include-path-regex "$percorsi" \
    -H "Authorization: Bearer $voucher" "${intestazioni[@]}" \
    --tls-verify "$ca" --request-cert "$cert" --request-cert-key "$cert_chiave" \
    "${comuni[@]}" || esito=1
done

exit $esito

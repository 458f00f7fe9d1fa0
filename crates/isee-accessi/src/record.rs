//! The access record: what the server fills ([`NuovoAccesso`]), what is stored
//! ([`RecordAccesso`]), and the exact bytes the chain MACs.
//!
//! Stored form: every field is a TEXT or BIGINT column with the same name. The instant
//! is RFC 3339 UTC with uppercase `T`/`Z` and microseconds (ModI RAC_GEN_LOG_01), a
//! fixed-width text that also sorts chronologically, so day and retention queries are
//! plain string ranges.

use crate::chiavi::hmac;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One consultation, successful or refused, as the server describes it.
///
/// Fiscal codes are never here in clear: `operatore_cf_hash` and `cf_ricercato_hash`
/// are filled with [`crate::RegistroAccessi::hash_cf`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NuovoAccesso {
    /// The e-service, e.g. `indicatore`, `attestazione-residenti`; `audit` for the CLI.
    pub eservizio: String,
    /// The operation, e.g. `ConsultazioneIndicatore`.
    pub operazione: String,
    /// `soap`, `rest`, or `cli` for `isee audit`.
    pub canale: String,
    /// `OK`, `DATI_NON_TROVATI`, `VOUCHER_SCADUTO`, `QUOTA_ESAURITA`…
    pub esito: String,
    /// The HTTP status of the answer; 0 when there is no HTTP exchange (CLI).
    pub http_status: u16,
    pub voucher_jti: Option<String>,
    pub client_id: Option<String>,
    pub consumer_id: Option<String>,
    pub purpose_id: Option<String>,
    pub ente_ipa: Option<String>,
    pub ente_categoria: Option<String>,
    pub operatore_cf_hash: Option<String>,
    pub operatore_loa: Option<String>,
    pub operatore_postazione: Option<String>,
    pub evidenza_jti: Option<String>,
    /// `CF`, `ProtDSU` or `ProtMittente`.
    pub tipo_ricerca: Option<String>,
    pub cf_ricercato_hash: Option<String>,
    pub prestazione: Option<String>,
    pub protocollo_domanda: Option<String>,
    pub stato_domanda: Option<String>,
    /// The DSU protocol returned, if any.
    pub protocollo_dsu: Option<String>,
    pub id_richiesta: Option<i64>,
    pub request_id: Option<String>,
    pub ip_client: Option<String>,
    pub latenza_us: i64,
    /// Set by the caller (the instant the request arrived).
    #[serde(with = "istante_serde")]
    pub ts: DateTime<Utc>,
}

impl NuovoAccesso {
    /// The access with every text field made safe to store ([`pulisci_campo`] with the
    /// field's bound in [`limiti`]): what the writer chains, whatever the caller filled.
    /// A caller cannot make a record larger than about 2.5 KB, nor put a line break, a
    /// control character or a bidi override in the log.
    pub fn pulito(self) -> NuovoAccesso {
        use limiti::*;
        let p = |s: String, max: usize| match pulisci_campo(&s, max) {
            Cow::Borrowed(_) => s,
            Cow::Owned(o) => o,
        };
        let o = |s: Option<String>, max: usize| s.map(|s| p(s, max));
        NuovoAccesso {
            eservizio: p(self.eservizio, CODICE),
            operazione: p(self.operazione, CODICE),
            canale: p(self.canale, CODICE),
            esito: p(self.esito, CODICE),
            http_status: self.http_status,
            voucher_jti: o(self.voucher_jti, IDENTIFICATIVO),
            client_id: o(self.client_id, IDENTIFICATIVO),
            consumer_id: o(self.consumer_id, IDENTIFICATIVO),
            purpose_id: o(self.purpose_id, IDENTIFICATIVO),
            ente_ipa: o(self.ente_ipa, CODICE),
            ente_categoria: o(self.ente_categoria, CODICE),
            operatore_cf_hash: o(self.operatore_cf_hash, HASH),
            operatore_loa: o(self.operatore_loa, CODICE),
            operatore_postazione: o(self.operatore_postazione, TESTO),
            evidenza_jti: o(self.evidenza_jti, IDENTIFICATIVO),
            tipo_ricerca: o(self.tipo_ricerca, CODICE),
            cf_ricercato_hash: o(self.cf_ricercato_hash, HASH),
            prestazione: o(self.prestazione, CODICE),
            protocollo_domanda: o(self.protocollo_domanda, TESTO),
            stato_domanda: o(self.stato_domanda, CODICE),
            protocollo_dsu: o(self.protocollo_dsu, CODICE),
            id_richiesta: self.id_richiesta,
            request_id: o(self.request_id, IDENTIFICATIVO),
            ip_client: o(self.ip_client, CODICE),
            latenza_us: self.latenza_us,
            ts: self.ts,
        }
    }
}

/// The largest stored text of each kind of field, in bytes of UTF-8
/// (docs/CONSULTAZIONE.md lists them field by field).
pub mod limiti {
    /// Codes and short values: `eservizio`, `operazione`, `canale`, `esito`,
    /// `ente_ipa`, `ente_categoria`, `operatore_loa`, `tipo_ricerca`, `prestazione`,
    /// `stato_domanda`, `protocollo_dsu`, `ip_client`.
    pub const CODICE: usize = 64;
    /// Identifiers chosen by others: `voucher_jti`, `client_id`, `consumer_id`,
    /// `purpose_id`, `evidenza_jti`, `request_id` (a UUID is 36).
    pub const IDENTIFICATIVO: usize = 128;
    /// Keyed hashes (HMAC-SHA256 hex is 64).
    pub const HASH: usize = 64;
    /// Free text: `operatore_postazione` (the evidence's `userLocation`),
    /// `protocollo_domanda` (the XSD's `maxLength` is 256).
    pub const TESTO: usize = 256;
    /// What a truncated value ends with: `…#` and the first 8 hex digits of the
    /// SHA-256 of the whole original value, so that two long values stay apart.
    pub const SEGNO_TRONCATO: &str = "…#";
    /// Bytes the marker takes: `…` (3) + `#` + 8 hex digits.
    pub const LUNGHEZZA_SEGNO: usize = 3 + 1 + 8;
}

/// Characters never stored as they are: C0 and C1 controls (CR, LF, NUL, ESC…,
/// DEL), line and paragraph separators, and the bidirectional marks, embeddings,
/// overrides and isolates (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069)
/// that make a log line read differently from what it holds.
pub fn carattere_vietato(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// The one sanitising function of the access log: `s` as it may be stored in a
/// field of at most `max` bytes.
///
/// * every [`carattere_vietato`] becomes the visible escape `\u{XXXX}` (and `\`
///   itself stays as it is: the escape is for the eye, not to be decoded);
/// * a text longer than `max` bytes after that is cut at a character boundary and
///   ends with [`limiti::SEGNO_TRONCATO`] and 8 hex digits of the SHA-256 of the
///   original `s`, the whole within `max` bytes (with `max` below the marker's
///   length, just the cut).
///
/// The result is valid UTF-8 (a `str`), holds no forbidden character and is at most
/// `max` bytes. A value that needs nothing is returned borrowed.
pub fn pulisci_campo(s: &str, max: usize) -> Cow<'_, str> {
    let pulito: Cow<'_, str> = if s.chars().any(carattere_vietato) {
        let mut o = String::with_capacity(s.len() + 16);
        for c in s.chars() {
            if carattere_vietato(c) {
                o.push_str(&format!("\\u{{{:04x}}}", u32::from(c)));
            } else {
                o.push(c);
            }
        }
        Cow::Owned(o)
    } else {
        Cow::Borrowed(s)
    };
    if pulito.len() <= max {
        return pulito;
    }
    let (spazio, segno) = if max >= limiti::LUNGHEZZA_SEGNO {
        let impronta = isee_hash::sha256_hex(s.as_bytes());
        (
            max - limiti::LUNGHEZZA_SEGNO,
            Some(format!("{}{}", limiti::SEGNO_TRONCATO, &impronta[..8])),
        )
    } else {
        (max, None)
    };
    let mut taglio = spazio;
    while !pulito.is_char_boundary(taglio) {
        taglio -= 1;
    }
    let mut o = String::with_capacity(max);
    o.push_str(&pulito[..taglio]);
    if let Some(segno) = segno {
        o.push_str(&segno);
    }
    Cow::Owned(o)
}

/// A stored record: the access plus its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordAccesso {
    pub seq: i64,
    #[serde(flatten)]
    pub accesso: NuovoAccesso,
    /// MAC of the record before (hex); 64 zeros for the first record.
    pub mac_precedente: String,
    /// HMAC-SHA256 (hex) — see `mac_record`.
    pub mac: String,
}

/// What `registra` answers once the record is committed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ricevuta {
    pub seq: i64,
    pub mac: String,
}

/// The MAC before the first record.
pub const MAC_INIZIALE: [u8; 32] = [0; 32];

/// Version byte that opens the canonical bytes; a new layout gets a new byte.
const VERSIONE_CANONICA: u8 = 1;

/// The stored text of an instant.
pub fn testo_istante(ts: &DateTime<Utc>) -> String {
    ts.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The stored text of midnight UTC of a day.
pub(crate) fn testo_giorno(g: NaiveDate) -> String {
    format!("{}T00:00:00.000000Z", g.format("%Y-%m-%d"))
}

/// An RFC 3339 instant (any offset) as UTC; `None` if it is not one.
pub fn leggi_istante(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

mod istante_serde {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(ts: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::testo_istante(ts))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let testo = String::deserialize(d)?;
        super::leggi_istante(&testo)
            .ok_or_else(|| serde::de::Error::custom(format!("istante non RFC 3339: {testo}")))
    }
}

/// A column value in stored form.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Valore<'a> {
    Testo(&'a str),
    TestoOpz(Option<&'a str>),
    Intero(i64),
    InteroOpz(Option<i64>),
}

/// The data columns in chain order. The canonical bytes follow this order, so it
/// must never change for version 1; `mac_precedente` and `mac` come after.
pub const COLONNE_DATI: [&str; 27] = [
    "seq",
    "ts",
    "eservizio",
    "operazione",
    "canale",
    "esito",
    "http_status",
    "voucher_jti",
    "client_id",
    "consumer_id",
    "purpose_id",
    "ente_ipa",
    "ente_categoria",
    "operatore_cf_hash",
    "operatore_loa",
    "operatore_postazione",
    "evidenza_jti",
    "tipo_ricerca",
    "cf_ricercato_hash",
    "prestazione",
    "protocollo_domanda",
    "stato_domanda",
    "protocollo_dsu",
    "id_richiesta",
    "request_id",
    "ip_client",
    "latenza_us",
];

/// Number of stored columns: the data plus `mac_precedente` and `mac`.
pub(crate) const NUMERO_COLONNE: usize = COLONNE_DATI.len() + 2;

/// A record exactly as stored: verification works on these texts, never on values
/// parsed and re-formatted, so that an edit producing an "equivalent" text (another
/// time-zone notation, say) still breaks the MAC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Riga {
    pub seq: i64,
    pub ts: String,
    pub eservizio: String,
    pub operazione: String,
    pub canale: String,
    pub esito: String,
    pub http_status: i64,
    pub voucher_jti: Option<String>,
    pub client_id: Option<String>,
    pub consumer_id: Option<String>,
    pub purpose_id: Option<String>,
    pub ente_ipa: Option<String>,
    pub ente_categoria: Option<String>,
    pub operatore_cf_hash: Option<String>,
    pub operatore_loa: Option<String>,
    pub operatore_postazione: Option<String>,
    pub evidenza_jti: Option<String>,
    pub tipo_ricerca: Option<String>,
    pub cf_ricercato_hash: Option<String>,
    pub prestazione: Option<String>,
    pub protocollo_domanda: Option<String>,
    pub stato_domanda: Option<String>,
    pub protocollo_dsu: Option<String>,
    pub id_richiesta: Option<i64>,
    pub request_id: Option<String>,
    pub ip_client: Option<String>,
    pub latenza_us: i64,
    pub mac_precedente: String,
    pub mac: String,
}

impl Riga {
    /// The stored form of a new access, not yet chained (`mac_precedente`, `mac` empty).
    pub(crate) fn da_accesso(a: NuovoAccesso, seq: i64) -> Riga {
        let a = a.pulito();
        Riga {
            seq,
            ts: testo_istante(&a.ts),
            eservizio: a.eservizio,
            operazione: a.operazione,
            canale: a.canale,
            esito: a.esito,
            http_status: i64::from(a.http_status),
            voucher_jti: a.voucher_jti,
            client_id: a.client_id,
            consumer_id: a.consumer_id,
            purpose_id: a.purpose_id,
            ente_ipa: a.ente_ipa,
            ente_categoria: a.ente_categoria,
            operatore_cf_hash: a.operatore_cf_hash,
            operatore_loa: a.operatore_loa,
            operatore_postazione: a.operatore_postazione,
            evidenza_jti: a.evidenza_jti,
            tipo_ricerca: a.tipo_ricerca,
            cf_ricercato_hash: a.cf_ricercato_hash,
            prestazione: a.prestazione,
            protocollo_domanda: a.protocollo_domanda,
            stato_domanda: a.stato_domanda,
            protocollo_dsu: a.protocollo_dsu,
            id_richiesta: a.id_richiesta,
            request_id: a.request_id,
            ip_client: a.ip_client,
            latenza_us: a.latenza_us,
            mac_precedente: String::new(),
            mac: String::new(),
        }
    }

    /// The data values in [`COLONNE_DATI`] order.
    pub(crate) fn valori(&self) -> [Valore<'_>; 27] {
        use Valore::*;
        fn o(s: &Option<String>) -> Option<&str> {
            s.as_deref()
        }
        [
            Intero(self.seq),
            Testo(&self.ts),
            Testo(&self.eservizio),
            Testo(&self.operazione),
            Testo(&self.canale),
            Testo(&self.esito),
            Intero(self.http_status),
            TestoOpz(o(&self.voucher_jti)),
            TestoOpz(o(&self.client_id)),
            TestoOpz(o(&self.consumer_id)),
            TestoOpz(o(&self.purpose_id)),
            TestoOpz(o(&self.ente_ipa)),
            TestoOpz(o(&self.ente_categoria)),
            TestoOpz(o(&self.operatore_cf_hash)),
            TestoOpz(o(&self.operatore_loa)),
            TestoOpz(o(&self.operatore_postazione)),
            TestoOpz(o(&self.evidenza_jti)),
            TestoOpz(o(&self.tipo_ricerca)),
            TestoOpz(o(&self.cf_ricercato_hash)),
            TestoOpz(o(&self.prestazione)),
            TestoOpz(o(&self.protocollo_domanda)),
            TestoOpz(o(&self.stato_domanda)),
            TestoOpz(o(&self.protocollo_dsu)),
            InteroOpz(self.id_richiesta),
            TestoOpz(o(&self.request_id)),
            TestoOpz(o(&self.ip_client)),
            Intero(self.latenza_us),
        ]
    }

    /// The canonical bytes of the record's data, `seq` included (see README):
    /// a version byte, then per column in [`COLONNE_DATI`] order
    /// `0x00` for NULL, or `0x01` followed by an 8-byte big-endian integer or by a
    /// 4-byte big-endian length and the UTF-8 text. Length prefixes make the encoding
    /// unambiguous: no two different records give the same bytes.
    pub(crate) fn canonica(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(256);
        b.push(VERSIONE_CANONICA);
        for v in self.valori() {
            match v {
                Valore::Testo(s) | Valore::TestoOpz(Some(s)) => {
                    b.push(1);
                    // Texts over 4 GiB cannot reach a database column.
                    b.extend_from_slice(&(s.len() as u32).to_be_bytes());
                    b.extend_from_slice(s.as_bytes());
                }
                Valore::Intero(i) | Valore::InteroOpz(Some(i)) => {
                    b.push(1);
                    b.extend_from_slice(&i.to_be_bytes());
                }
                Valore::TestoOpz(None) | Valore::InteroOpz(None) => b.push(0),
            }
        }
        b
    }

    /// Chains the record after `precedente`: sets `mac_precedente` and `mac`.
    pub(crate) fn incatena(&mut self, chiave: &[u8; 32], precedente: &[u8; 32]) -> [u8; 32] {
        let mac = mac_record(chiave, precedente, &self.canonica());
        self.mac_precedente = hex::encode(precedente);
        self.mac = hex::encode(mac);
        mac
    }

    pub(crate) fn in_record(self) -> Result<RecordAccesso, String> {
        let ts =
            leggi_istante(&self.ts).ok_or_else(|| format!("seq {}: ts «{}»", self.seq, self.ts))?;
        let http_status = u16::try_from(self.http_status)
            .map_err(|_| format!("seq {}: http_status {}", self.seq, self.http_status))?;
        Ok(RecordAccesso {
            seq: self.seq,
            accesso: NuovoAccesso {
                eservizio: self.eservizio,
                operazione: self.operazione,
                canale: self.canale,
                esito: self.esito,
                http_status,
                voucher_jti: self.voucher_jti,
                client_id: self.client_id,
                consumer_id: self.consumer_id,
                purpose_id: self.purpose_id,
                ente_ipa: self.ente_ipa,
                ente_categoria: self.ente_categoria,
                operatore_cf_hash: self.operatore_cf_hash,
                operatore_loa: self.operatore_loa,
                operatore_postazione: self.operatore_postazione,
                evidenza_jti: self.evidenza_jti,
                tipo_ricerca: self.tipo_ricerca,
                cf_ricercato_hash: self.cf_ricercato_hash,
                prestazione: self.prestazione,
                protocollo_domanda: self.protocollo_domanda,
                stato_domanda: self.stato_domanda,
                protocollo_dsu: self.protocollo_dsu,
                id_richiesta: self.id_richiesta,
                request_id: self.request_id,
                ip_client: self.ip_client,
                latenza_us: self.latenza_us,
                ts,
            },
            mac_precedente: self.mac_precedente,
            mac: self.mac,
        })
    }
}

/// MAC = HMAC-SHA256(chain key, previous MAC (32 raw bytes) ‖ canonical bytes).
pub(crate) fn mac_record(chiave: &[u8; 32], precedente: &[u8; 32], canonica: &[u8]) -> [u8; 32] {
    hmac(chiave, &[precedente, canonica])
}

/// Decodes a stored hex MAC.
pub(crate) fn mac_da_hex(s: &str) -> Option<[u8; 32]> {
    let v = hex::decode(s).ok()?;
    v.try_into().ok()
}

#[cfg(test)]
mod test {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn base() -> Riga {
        let a = NuovoAccesso {
            eservizio: "indicatore".into(),
            operazione: "ConsultazioneIndicatore".into(),
            canale: "rest".into(),
            esito: "OK".into(),
            http_status: 200,
            ts: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            ..NuovoAccesso::default()
        };
        Riga::da_accesso(a, 42)
    }

    fn testo_qualsiasi() -> impl Strategy<Value = String> {
        let carattere = prop_oneof![
            4 => any::<char>(),
            1 => prop::sample::select(vec![
                '\n', '\r', '\0', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}', '\u{202e}',
                '\u{2066}', '\u{2028}', '\u{200f}', 'à', '€', '\\',
            ]),
        ];
        prop::collection::vec(carattere, 0..600).prop_map(String::from_iter)
    }

    proptest! {
        #[test]
        fn pulisci_campo_limita_e_toglie_i_controlli(s in testo_qualsiasi(), max in 0usize..400) {
            let p = pulisci_campo(&s, max);
            prop_assert!(p.len() <= max, "{} byte > {max}", p.len());
            prop_assert!(!p.chars().any(carattere_vietato), "{p:?}");
            prop_assert!(!p.contains(['\n', '\r']));
            // A value that is already safe and fits is kept as it is.
            if s.len() <= max && !s.chars().any(carattere_vietato) {
                prop_assert_eq!(&*p, s.as_str());
            }
            // Idempotent: a stored value passes through unchanged.
            prop_assert_eq!(pulisci_campo(&p, max), p.clone());
        }
    }

    #[test]
    fn pulisci_campo_esempi() {
        assert_eq!(pulisci_campo("abc", 64), "abc");
        assert_eq!(pulisci_campo("a\r\nb", 64), "a\\u{000d}\\u{000a}b");
        assert_eq!(pulisci_campo("x\u{202e}y", 64), "x\\u{202e}y");
        let lungo = "x".repeat(40_000);
        let t = pulisci_campo(&lungo, 128);
        assert_eq!(t.len(), 128);
        assert!(t.starts_with("xxxx"));
        let impronta = &isee_hash::sha256_hex(lungo.as_bytes())[..8];
        assert!(t.ends_with(&format!("…#{impronta}")), "{t}");
        // Two long values with the same start stay distinguishable.
        let altro = format!("{}y", "x".repeat(40_000));
        assert_ne!(pulisci_campo(&altro, 128), t);
        // A cut never splits a character.
        assert_eq!(pulisci_campo("ééé", 5), "éé");
    }

    #[test]
    fn ogni_campo_memorizzato_e_limitato() {
        let enorme = format!("{}\r\nSET esito=OK\u{202e}", "A".repeat(1 << 20));
        let a = NuovoAccesso {
            eservizio: enorme.clone(),
            operazione: enorme.clone(),
            canale: enorme.clone(),
            esito: enorme.clone(),
            voucher_jti: Some(enorme.clone()),
            client_id: Some(enorme.clone()),
            consumer_id: Some(enorme.clone()),
            purpose_id: Some(enorme.clone()),
            ente_ipa: Some(enorme.clone()),
            ente_categoria: Some(enorme.clone()),
            operatore_cf_hash: Some(enorme.clone()),
            operatore_loa: Some(enorme.clone()),
            operatore_postazione: Some(enorme.clone()),
            evidenza_jti: Some(enorme.clone()),
            tipo_ricerca: Some(enorme.clone()),
            cf_ricercato_hash: Some(enorme.clone()),
            prestazione: Some(enorme.clone()),
            protocollo_domanda: Some(enorme.clone()),
            stato_domanda: Some(enorme.clone()),
            protocollo_dsu: Some(enorme.clone()),
            request_id: Some(enorme.clone()),
            ip_client: Some(enorme.clone()),
            ..NuovoAccesso::default()
        };
        let r = Riga::da_accesso(a, 1);
        let mut totale = 0;
        for v in r.valori() {
            if let Valore::Testo(t) | Valore::TestoOpz(Some(t)) = v {
                assert!(t.len() <= limiti::TESTO, "{}", t.len());
                assert!(!t.chars().any(carattere_vietato));
                totale += t.len();
            }
        }
        assert!(totale < 2_600, "{totale}");
        assert!(r.request_id.as_ref().unwrap().len() <= limiti::IDENTIFICATIVO);
        assert!(r.esito.len() <= limiti::CODICE);
    }

    #[test]
    fn istante_rfc3339_con_microsecondi_e_z() {
        let ts =
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::microseconds(7);
        assert_eq!(testo_istante(&ts), "2026-01-02T03:04:05.000007Z");
        assert_eq!(leggi_istante("2026-01-02T03:04:05.000007Z"), Some(ts));
    }

    #[test]
    fn la_codifica_canonica_non_e_ambigua() {
        let r = base();
        let c = r.canonica();
        assert_eq!(c[0], 1, "versione");
        assert_eq!(&c[1..10], &[1, 0, 0, 0, 0, 0, 0, 0, 42], "seq per primo");
        // NULL and the empty text differ.
        let mut vuoto = base();
        vuoto.voucher_jti = Some(String::new());
        assert_ne!(vuoto.canonica(), c);
        // Moving characters from one field to the next changes the bytes.
        let mut a = base();
        a.client_id = Some("ab".into());
        a.consumer_id = Some("c".into());
        let mut b = base();
        b.client_id = Some("a".into());
        b.consumer_id = Some("bc".into());
        assert_ne!(a.canonica(), b.canonica());
        // The same value in another column changes the bytes.
        let mut x = base();
        x.client_id = Some("z".into());
        let mut y = base();
        y.consumer_id = Some("z".into());
        assert_ne!(x.canonica(), y.canonica());
        // seq is covered.
        let mut s = base();
        s.seq = 43;
        assert_ne!(s.canonica(), c);
    }

    #[test]
    fn il_mac_dipende_da_chiave_precedente_e_contenuto() {
        let k1 = [1u8; 32];
        let k2 = [2u8; 32];
        let mut r = base();
        let m = r.incatena(&k1, &MAC_INIZIALE);
        assert_eq!(r.mac, hex::encode(m));
        assert_eq!(r.mac_precedente, "0".repeat(64));
        assert_ne!(mac_record(&k2, &MAC_INIZIALE, &r.canonica()), m);
        assert_ne!(mac_record(&k1, &[9; 32], &r.canonica()), m);
        // Recomputed independently: HMAC(k, prev ‖ canonical).
        use hmac::{KeyInit as _, Mac as _};
        let mut h = hmac::Hmac::<sha2::Sha256>::new_from_slice(&k1).unwrap();
        h.update(&MAC_INIZIALE);
        h.update(&r.canonica());
        assert_eq!(&h.finalize().into_bytes()[..], &m[..]);
    }

    #[test]
    fn da_riga_a_record_e_ritorno() {
        let mut r = base();
        r.id_richiesta = Some(-5);
        r.purpose_id = Some("p".into());
        r.incatena(&[3; 32], &MAC_INIZIALE);
        let rec = r.clone().in_record().unwrap();
        assert_eq!(rec.seq, 42);
        assert_eq!(
            Riga {
                mac_precedente: r.mac_precedente.clone(),
                mac: r.mac.clone(),
                ..Riga::da_accesso(rec.accesso.clone(), 42)
            },
            r
        );
        let json = serde_json::to_string(&rec).unwrap();
        assert!(
            json.contains("\"ts\":\"2026-01-02T03:04:05.000000Z\""),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<RecordAccesso>(&json).unwrap(), rec);
        let mut rotta = r;
        rotta.http_status = 70_000;
        assert!(rotta.in_record().is_err());
    }
}

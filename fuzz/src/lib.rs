//! What the fuzz targets share: a local PDND (keys generated once per process, fixed
//! ids, a fixed clock), a single-thread runtime for the async validators, and the two
//! shapes a token target's input takes.
//!
//! A token target reads its input as one of:
//! * `{header}\n{claims}`: two JSON values; the target signs them with the right key
//!   (RS256, the right `kid`), so the fuzzer reaches the claim checks behind the
//!   signature;
//! * anything else: the raw header value (a compact JWS, an `Authorization` line, a
//!   form), so the fuzzer reaches the splitting and header checks.

use std::sync::{Arc, LazyLock};

use isee_pdnd::jwk::{ChiavePrivata, JwkSet};
use isee_pdnd::jwks::CacheJwks;
use isee_pdnd::stato::{Client, EServizio, Finalita, StatoPdnd, Tenant};
use isee_pdnd::voucher::{AttesoVoucher, Digest, ValidatoreVoucher, Voucher};
use serde_json::{Map, Value};
use uuid::Uuid;

/// The fixed clock of every token target (the seeds' `iat`/`exp` are around it).
pub const ADESSO: i64 = 1_760_000_000;
pub const ISSUER: &str = "pdnd.isee.local";
pub const AUD_ESERVICE: &str = "https://inps.isee.local/consultazione/operatori/v1";

pub static PDND: LazyLock<ChiavePrivata> =
    LazyLock::new(|| ChiavePrivata::genera().expect("chiave PDND"));
pub static CLIENT: LazyLock<ChiavePrivata> =
    LazyLock::new(|| ChiavePrivata::genera().expect("chiave client"));
pub static STATO: LazyLock<StatoPdnd> = LazyLock::new(stato);
pub static VALIDATORE: LazyLock<ValidatoreVoucher> = LazyLock::new(|| {
    ValidatoreVoucher::new(Arc::new(CacheJwks::da_set(JwkSet {
        keys: vec![PDND.jwk_pubblica()],
    })))
});
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
});

/// Runs a future to completion on the shared single-thread runtime.
pub fn esegui<F: std::future::Future>(f: F) -> F::Output {
    RUNTIME.block_on(f)
}

pub fn id(n: u8) -> Uuid {
    Uuid::from_bytes([n; 16])
}
/// INPS (the producer), Comune A (the consumer), the e-service, its descriptor,
/// client A, its active purpose.
pub fn inps() -> Uuid {
    id(1)
}
pub fn comune() -> Uuid {
    id(2)
}
pub fn eservice() -> Uuid {
    id(10)
}
pub fn descriptor() -> Uuid {
    id(11)
}
pub fn client() -> Uuid {
    id(20)
}
pub fn finalita() -> Uuid {
    id(30)
}

fn stato() -> StatoPdnd {
    let mut s = StatoPdnd::nuovo(ISSUER);
    s.tenants = vec![
        Tenant {
            id: inps(),
            nome: "INPS".into(),
            codice_ipa: "inps".into(),
        },
        Tenant {
            id: comune(),
            nome: "Comune A".into(),
            codice_ipa: "c_a001".into(),
        },
    ];
    s.eservices = vec![EServizio {
        id: eservice(),
        nome: "ConsultazioneISEE Operatori".into(),
        descriptor_id: descriptor(),
        audience: AUD_ESERVICE.into(),
        producer_id: inps(),
        durata_voucher_s: 600,
    }];
    s.clients = vec![Client {
        id: client(),
        nome: "client A".into(),
        consumer_id: comune(),
        chiavi: vec![CLIENT.jwk_pubblica()],
    }];
    s.purposes = vec![
        Finalita {
            id: finalita(),
            nome: "A".into(),
            consumer_id: comune(),
            eservice_id: eservice(),
            chiamate_giornaliere: 1000,
            attiva: true,
        },
        Finalita {
            id: id(31),
            nome: "A ferma".into(),
            consumer_id: comune(),
            eservice_id: eservice(),
            chiamate_giornaliere: 1000,
            attiva: false,
        },
    ];
    s
}

/// What the e-service of [`STATO`] expects of a voucher.
pub fn atteso() -> AttesoVoucher {
    AttesoVoucher {
        issuer: ISSUER.into(),
        audience: AUD_ESERVICE.into(),
        eservice_id: eservice().to_string(),
        descriptor_id: descriptor().to_string(),
        producer_id: Some(inps().to_string()),
        tolleranza_s: 30,
        durata_massima_s: isee_pdnd::voucher::DURATA_MASSIMA_VOUCHER_S,
    }
}

/// A voucher of client A for the e-service, bound (digest) to `evidenza`.
pub fn voucher_per(evidenza: &str) -> Voucher {
    Voucher {
        jti: "v-1".into(),
        iss: ISSUER.into(),
        sub: client().to_string(),
        aud: vec![AUD_ESERVICE.into()],
        exp: ADESSO + 500,
        nbf: ADESSO - 100,
        iat: ADESSO - 100,
        client_id: client().to_string(),
        purpose_id: finalita().to_string(),
        producer_id: Some(inps().to_string()),
        consumer_id: comune().to_string(),
        eservice_id: eservice().to_string(),
        descriptor_id: descriptor().to_string(),
        digest: Some(Digest {
            alg: "SHA256".into(),
            value: isee_pdnd::sha256_hex(evidenza.as_bytes()),
        }),
    }
}

/// A token target's input (see the module documentation).
pub enum Ingresso<'a> {
    /// Header fields and claims, to be signed with the right key.
    DaFirmare(Map<String, Value>, Value),
    /// The raw header value.
    Grezzo(&'a str),
}

impl<'a> Ingresso<'a> {
    /// `None` when the input is not UTF-8 (HTTP header values that are not are refused
    /// before any parser sees them).
    pub fn leggi(dati: &'a [u8]) -> Option<Ingresso<'a>> {
        let testo = std::str::from_utf8(dati).ok()?;
        if let Some((h, c)) = testo.split_once('\n')
            && h.starts_with('{')
            && let (Ok(Value::Object(h)), Ok(c)) = (
                serde_json::from_str::<Value>(h),
                serde_json::from_str::<Value>(c),
            )
        {
            return Some(Ingresso::DaFirmare(h, c));
        }
        Some(Ingresso::Grezzo(testo))
    }

    /// The token: signed with `chiave` (header `alg` and `kid` forced), or as given.
    pub fn token(self, chiave: &ChiavePrivata) -> Option<String> {
        match self {
            Ingresso::DaFirmare(h, c) => chiave.firma_con_intestazione(h, &c).ok(),
            Ingresso::Grezzo(t) => Some(t.to_owned()),
        }
    }
}

/// With `ISEE_FUZZ_TRACCIA` set, prints a target's outcome: to check that a seed goes
/// where it is meant to (`cargo fuzz run T semi/T/valido.txt` with the variable set).
pub fn traccia(esito: &dyn std::fmt::Debug) {
    static ATTIVA: LazyLock<bool> =
        LazyLock::new(|| std::env::var_os("ISEE_FUZZ_TRACCIA").is_some());
    if *ATTIVA {
        eprintln!("esito: {esito:?}");
    }
}

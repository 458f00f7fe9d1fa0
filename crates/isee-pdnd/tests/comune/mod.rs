//! Shared fixtures of the integration tests: keys (generated once per test binary,
//! keygen is slow), fixed ids, a local PDND state, token builders.
#![allow(dead_code)]

use std::sync::{Arc, LazyLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use isee_pdnd::jwk::{ChiavePrivata, JwkSet};
use isee_pdnd::jwks::CacheJwks;
use isee_pdnd::stato::{Client, EServizio, Finalita, StatoPdnd, Tenant};
use isee_pdnd::voucher::{AttesoVoucher, ValidatoreVoucher};
use serde_json::{Value, json};
use uuid::Uuid;

pub(crate) static PDND: LazyLock<ChiavePrivata> =
    LazyLock::new(|| ChiavePrivata::genera().unwrap());
pub(crate) static CLIENT_A: LazyLock<ChiavePrivata> =
    LazyLock::new(|| ChiavePrivata::genera().unwrap());
pub(crate) static CLIENT_B: LazyLock<ChiavePrivata> =
    LazyLock::new(|| ChiavePrivata::genera().unwrap());

pub(crate) const ADESSO: i64 = 1_760_000_000;
pub(crate) fn orologio() -> i64 {
    ADESSO
}

pub(crate) const ISSUER: &str = "pdnd.isee.local";
pub(crate) const AUD_ASSERZIONE: &str = "pdnd.isee.local/client-assertion";
pub(crate) const AUD_ESERVICE: &str = "https://inps.isee.local/consultazione/operatori/v1";
pub(crate) const AUD_ALTRO: &str = "https://inps.isee.local/consultazione/residenti/v1";

pub(crate) fn id(n: u8) -> Uuid {
    Uuid::from_bytes([n; 16])
}
pub(crate) fn inps() -> Uuid {
    id(1)
}
pub(crate) fn comune_a() -> Uuid {
    id(2)
}
pub(crate) fn comune_b() -> Uuid {
    id(3)
}
pub(crate) fn eservice() -> Uuid {
    id(10)
}
pub(crate) fn descriptor() -> Uuid {
    id(11)
}
pub(crate) fn eservice_altro() -> Uuid {
    id(12)
}
pub(crate) fn client_a() -> Uuid {
    id(20)
}
pub(crate) fn client_b() -> Uuid {
    id(21)
}
/// Active purpose of Comune A on the e-service.
pub(crate) fn finalita_a() -> Uuid {
    id(30)
}
/// Inactive purpose of Comune A.
pub(crate) fn finalita_inattiva() -> Uuid {
    id(31)
}
/// Active purpose of Comune B.
pub(crate) fn finalita_b() -> Uuid {
    id(32)
}

pub(crate) fn stato() -> StatoPdnd {
    let mut s = StatoPdnd::nuovo(ISSUER);
    s.tenants = vec![
        Tenant {
            id: inps(),
            nome: "INPS".into(),
            codice_ipa: "inps".into(),
        },
        Tenant {
            id: comune_a(),
            nome: "Comune A".into(),
            codice_ipa: "c_a001".into(),
        },
        Tenant {
            id: comune_b(),
            nome: "Comune B".into(),
            codice_ipa: "c_b001".into(),
        },
    ];
    s.eservices = vec![
        EServizio {
            id: eservice(),
            nome: "ConsultazioneISEE Operatori".into(),
            descriptor_id: descriptor(),
            audience: AUD_ESERVICE.into(),
            producer_id: inps(),
            durata_voucher_s: 600,
        },
        EServizio {
            id: eservice_altro(),
            nome: "ConsultazioneISEE Residenti".into(),
            descriptor_id: id(13),
            audience: AUD_ALTRO.into(),
            producer_id: inps(),
            durata_voucher_s: 600,
        },
    ];
    s.clients = vec![
        Client {
            id: client_a(),
            nome: "client A".into(),
            consumer_id: comune_a(),
            chiavi: vec![CLIENT_A.jwk_pubblica()],
        },
        Client {
            id: client_b(),
            nome: "client B".into(),
            consumer_id: comune_b(),
            chiavi: vec![CLIENT_B.jwk_pubblica()],
        },
    ];
    s.purposes = vec![
        Finalita {
            id: finalita_a(),
            nome: "A".into(),
            consumer_id: comune_a(),
            eservice_id: eservice(),
            chiamate_giornaliere: 1000,
            attiva: true,
        },
        Finalita {
            id: finalita_inattiva(),
            nome: "A ferma".into(),
            consumer_id: comune_a(),
            eservice_id: eservice(),
            chiamate_giornaliere: 1000,
            attiva: false,
        },
        Finalita {
            id: finalita_b(),
            nome: "B".into(),
            consumer_id: comune_b(),
            eservice_id: eservice(),
            chiamate_giornaliere: 1000,
            attiva: true,
        },
    ];
    s
}

pub(crate) fn atteso() -> AttesoVoucher {
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

/// The claims of a valid voucher for client A at [`ADESSO`].
pub(crate) fn claims_voucher() -> Value {
    json!({
        "iss": ISSUER,
        "sub": client_a().to_string(),
        "aud": [AUD_ESERVICE],
        "iat": ADESSO - 5,
        "nbf": ADESSO - 5,
        "exp": ADESSO + 595,
        "jti": Uuid::new_v4().to_string(),
        "client_id": client_a().to_string(),
        "purposeId": finalita_a().to_string(),
        "producerId": inps().to_string(),
        "consumerId": comune_a().to_string(),
        "eserviceId": eservice().to_string(),
        "descriptorId": descriptor().to_string(),
    })
}

pub(crate) fn firma_voucher(claims: &Value) -> String {
    let mut h = serde_json::Map::new();
    h.insert("typ".into(), "at+jwt".into());
    h.insert("use".into(), "sig".into());
    PDND.firma_con_intestazione(h, claims).unwrap()
}

pub(crate) fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

pub(crate) fn validatore() -> ValidatoreVoucher {
    ValidatoreVoucher::new(Arc::new(CacheJwks::da_set(JwkSet {
        keys: vec![PDND.jwk_pubblica()],
    })))
}

/// A compact JWS from raw header and payload JSON and signature bytes.
pub(crate) fn forgia(header: &Value, claims: &Value, firma: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap()),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap()),
        URL_SAFE_NO_PAD.encode(firma)
    )
}

/// Signs with `jsonwebtoken` under any algorithm and header, for forged tokens.
pub(crate) fn firma_jsonwebtoken(
    alg: jsonwebtoken::Algorithm,
    kid: Option<&str>,
    typ: &str,
    claims: &Value,
    chiave: &jsonwebtoken::EncodingKey,
) -> String {
    let mut h = jsonwebtoken::Header::new(alg);
    h.kid = kid.map(str::to_owned);
    h.typ = Some(typ.to_owned());
    jsonwebtoken::encode(&h, claims, chiave).unwrap()
}

pub(crate) fn chiave_rsa_jsonwebtoken(c: &ChiavePrivata) -> jsonwebtoken::EncodingKey {
    jsonwebtoken::EncodingKey::from_rsa_pem(c.in_pem().as_bytes()).unwrap()
}

/// A syntactically valid fiscal code (the textbook example).
pub(crate) const CF_OPERATORE: &str = "RSSMRA80A01H501U";

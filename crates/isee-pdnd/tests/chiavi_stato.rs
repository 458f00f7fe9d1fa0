//! Keys and PEM formats, the JWKS file source, the state file and its directory.
//! (The `isee pdnd …` commands are tested in isee-cli's tests/pdnd.rs.)

mod comune;

use std::time::Duration;

use comune::*;
use isee_pdnd::evidenza::ChiaviClient as _;
use isee_pdnd::jwk::{ChiavePrivata, Jwk, kid_ben_formato, thumbprint};
use isee_pdnd::jwks::{CacheJwks, SorgenteJwks, chiavi_rsa_da_json};
use isee_pdnd::stato::{DirectoryFile, DirectoryPdnd as _, StatoPdnd};
use serde_json::json;

const PKCS1: &str = include_str!("dati/pkcs1.pem");
const PKCS1_PUBBLICA: &str = include_str!("dati/pkcs1-pubblica.pem");
const RSA1024: &str = include_str!("dati/rsa1024.pem");

#[test]
fn pem_pkcs8_andata_e_ritorno() {
    let pem = PDND.in_pem();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let letta = ChiavePrivata::da_pem(&pem).unwrap();
    assert_eq!(letta.kid(), PDND.kid());
    assert_eq!(letta.jwk_pubblica(), PDND.jwk_pubblica());
}

#[test]
fn pem_pkcs1_letto_e_riesportato_in_pkcs8() {
    let k = ChiavePrivata::da_pem(PKCS1).unwrap();
    assert!(kid_ben_formato(k.kid()));
    let pkcs8 = k.in_pem();
    assert!(pkcs8.contains("BEGIN PRIVATE KEY"));
    assert_eq!(ChiavePrivata::da_pem(&pkcs8).unwrap().kid(), k.kid());
    // The public PEM (SPKI) gives the same JWK and kid.
    assert_eq!(Jwk::da_pem(PKCS1_PUBBLICA).unwrap(), k.jwk_pubblica());
}

#[test]
fn chiave_corta_o_non_rsa_rifiutata() {
    assert!(ChiavePrivata::da_pem(RSA1024).is_err());
    assert!(ChiavePrivata::da_pem(PKCS1_PUBBLICA).is_err());
    assert!(ChiavePrivata::da_pem("non un pem").is_err());
}

#[test]
fn jwk_pubblica_ha_kid_thumbprint() {
    let j = CLIENT_A.jwk_pubblica();
    assert_eq!(j.kty, "RSA");
    assert_eq!(j.e, "AQAB");
    assert_eq!(j.kid, thumbprint(&j));
    assert_eq!(j.kid.len(), 43);
    assert_eq!(j.alg.as_deref(), Some("RS256"));
    let v = serde_json::to_value(&j).unwrap();
    assert_eq!(v["use"], "sig");
    // The thumbprint ignores kid, alg and use.
    let mut altra = j.clone();
    altra.kid = "x".into();
    altra.alg = None;
    altra.use_ = None;
    assert_eq!(thumbprint(&altra), j.kid);
}

#[test]
fn firma_verificabile_con_jsonwebtoken() {
    let t = CLIENT_A.firma("JWT", &json!({"a": 1})).unwrap();
    let h = jsonwebtoken::decode_header(&t).unwrap();
    assert_eq!(h.alg, jsonwebtoken::Algorithm::RS256);
    assert_eq!(h.kid.as_deref(), Some(CLIENT_A.kid()));
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.required_spec_claims.clear();
    v.validate_exp = false;
    let d = jsonwebtoken::decode::<serde_json::Value>(
        &t,
        &CLIENT_A.jwk_pubblica().chiave_verifica().unwrap(),
        &v,
    )
    .unwrap();
    assert_eq!(d.claims["a"], 1);
    // And not with another key.
    assert!(
        jsonwebtoken::decode::<serde_json::Value>(
            &t,
            &CLIENT_B.jwk_pubblica().chiave_verifica().unwrap(),
            &v
        )
        .is_err()
    );
}

#[test]
fn jwks_tiene_solo_chiavi_rsa_di_firma() {
    let a = serde_json::to_value(CLIENT_A.jwk_pubblica()).unwrap();
    let mut enc = serde_json::to_value(CLIENT_B.jwk_pubblica()).unwrap();
    enc["use"] = json!("enc");
    let testo = json!({"keys": [
        a,
        enc,
        {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "kid": "ec"},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
    ]});
    let chiavi = chiavi_rsa_da_json(&serde_json::to_vec(&testo).unwrap()).unwrap();
    assert_eq!(chiavi.len(), 1);
    assert_eq!(chiavi[0].kid, CLIENT_A.kid());
    assert!(chiavi_rsa_da_json(b"{}").is_err());
    assert!(chiavi_rsa_da_json(b"non json").is_err());
}

#[tokio::test]
async fn jwks_da_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("jwks.json");
    std::fs::write(
        &p,
        serde_json::to_vec(&json!({"keys": [PDND.jwk_pubblica()]})).unwrap(),
    )
    .unwrap();
    let cache = CacheJwks::new(SorgenteJwks::File(p), Duration::from_secs(60));
    // The first unknown kid loads the set (nothing loaded yet).
    assert!(cache.chiave(PDND.kid()).await.is_some());
    assert_eq!(cache.aggiornamenti(), 1);
    assert_eq!(cache.kid(), vec![PDND.kid().to_owned()]);
    let assente = CacheJwks::new(
        SorgenteJwks::File(dir.path().join("no.json")),
        Duration::ZERO,
    );
    assert!(assente.carica().await.is_err());
}

#[test]
fn stato_salvato_e_ricaricato_atomicamente() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("stato.json");
    let s = stato();
    s.salva(&p).unwrap();
    assert_eq!(StatoPdnd::carica(&p).unwrap(), s);
    // No temporary file left behind.
    let file: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(file.len(), 1);
    let (c, k) = s.chiave_client(CLIENT_B.kid()).unwrap();
    assert_eq!((c.id, k.kid.as_str()), (client_b(), CLIENT_B.kid()));
    assert!(s.chiave_client(PDND.kid()).is_none());
}

#[tokio::test]
async fn directory_file_ricarica_limitata() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("stato.json");
    let mut s = stato();
    let tolta = s.tenants.pop().unwrap();
    s.salva(&p).unwrap();

    let lenta = DirectoryFile::apri(&p, Duration::from_secs(3600)).unwrap();
    let veloce = DirectoryFile::apri(&p, Duration::ZERO).unwrap();
    assert!(lenta.tenant(tolta.id).is_none());
    // The tenant is added to the file afterwards.
    s.tenants.push(tolta.clone());
    s.salva(&p).unwrap();
    for _ in 0..50 {
        assert!(lenta.tenant(comune::id(200)).is_none());
    }
    assert_eq!(
        lenta.ricariche(),
        0,
        "within the interval nothing is re-read"
    );
    assert_eq!(veloce.tenant(tolta.id), Some(tolta));
    assert_eq!(veloce.ricariche(), 1);
    assert_eq!(veloce.finalita(finalita_a()).map(|f| f.attiva), Some(true));
    let (client, _) = veloce.chiave(CLIENT_A.kid()).await.unwrap();
    assert_eq!(client, client_a().to_string());
    assert_eq!(veloce.ricariche(), 1, "known ids never reload");
}

//! Provider-side voucher validation: one test per check, each asserting the exact code.

mod comune;

use std::sync::Arc;
use std::time::Duration;

use comune::*;
use isee_pdnd::jwk::JwkSet;
use isee_pdnd::jwks::{CacheJwks, SorgenteJwks};
use isee_pdnd::voucher::{ErroreVoucher, ValidatoreVoucher, Voucher};
use serde_json::{Value, json};

async fn valida_token(token: &str) -> Result<Voucher, ErroreVoucher> {
    validatore()
        .valida(Some(&bearer(token)), &atteso(), ADESSO)
        .await
}

async fn codice_claims(claims: Value) -> &'static str {
    valida_token(&firma_voucher(&claims))
        .await
        .map(|_| "OK")
        .unwrap_or_else(|e| e.codice())
}

fn con(mut claims: Value, k: &str, v: Value) -> Value {
    claims[k] = v;
    claims
}

fn senza(mut claims: Value, k: &str) -> Value {
    claims.as_object_mut().unwrap().remove(k);
    claims
}

#[tokio::test]
async fn voucher_valido() {
    let claims = claims_voucher();
    let v = valida_token(&firma_voucher(&claims)).await.unwrap();
    assert_eq!(v.client_id, client_a().to_string());
    assert_eq!(v.sub, v.client_id);
    assert_eq!(v.purpose_id, finalita_a().to_string());
    assert_eq!(v.consumer_id, comune_a().to_string());
    assert_eq!(v.producer_id, Some(inps().to_string()));
    assert_eq!(v.aud, vec![AUD_ESERVICE.to_owned()]);
    assert_eq!(v.exp, ADESSO + 595);
    assert_eq!(v.jti, claims["jti"].as_str().unwrap());
    assert_eq!(v.digest, None);
}

#[tokio::test]
async fn aud_stringa_accettato_e_digest_letto() {
    let c = con(claims_voucher(), "aud", json!(AUD_ESERVICE));
    let c = con(
        c,
        "digest",
        json!({"alg": "SHA256", "value": "AB".repeat(32)}),
    );
    let v = valida_token(&firma_voucher(&c)).await.unwrap();
    assert_eq!(v.digest.unwrap().value, "AB".repeat(32));
}

#[tokio::test]
async fn alg_rs512_rifiutato() {
    let t = firma_jsonwebtoken(
        jsonwebtoken::Algorithm::RS512,
        Some(PDND.kid()),
        "at+jwt",
        &claims_voucher(),
        &chiave_rsa_jsonwebtoken(&PDND),
    );
    let e = valida_token(&t).await.unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_ALG");
    assert!(e.messaggio().contains("RS512"), "{}", e.messaggio());
}

#[tokio::test]
async fn alg_none_rifiutato_prima_di_cercare_la_chiave() {
    // A cache whose every lookup of an unknown kid would count a refresh.
    let cache = Arc::new(CacheJwks::new(
        SorgenteJwks::File("/inesistente/jwks.json".into()),
        Duration::ZERO,
    ));
    let v = ValidatoreVoucher::new(Arc::clone(&cache));
    let t = forgia(
        &json!({"alg": "none", "typ": "at+jwt", "kid": "kid-qualsiasi"}),
        &claims_voucher(),
        b"",
    );
    let e = v
        .valida(Some(&bearer(&t)), &atteso(), ADESSO)
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_ALG");
    assert_eq!(cache.aggiornamenti(), 0);
    // Control: the same cache does refresh on an RS256 token with an unknown kid.
    let t = forgia(
        &json!({"alg": "RS256", "typ": "at+jwt", "kid": "kid-qualsiasi"}),
        &claims_voucher(),
        b"x",
    );
    let e = v
        .valida(Some(&bearer(&t)), &atteso(), ADESSO)
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_KID_SCONOSCIUTO");
    assert_eq!(cache.aggiornamenti(), 1);
}

#[tokio::test]
async fn hs256_con_la_chiave_pubblica_come_segreto_rifiutato() {
    let segreto = PDND.pubblica_pem().unwrap();
    let t = firma_jsonwebtoken(
        jsonwebtoken::Algorithm::HS256,
        Some(PDND.kid()),
        "at+jwt",
        &claims_voucher(),
        &jsonwebtoken::EncodingKey::from_secret(segreto.as_bytes()).unwrap(),
    );
    assert_eq!(valida_token(&t).await.unwrap_err().codice(), "VOUCHER_ALG");
}

#[tokio::test]
async fn es256_rifiutato() {
    let ec = aws_lc_rs::signature::EcdsaKeyPair::generate(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
    )
    .unwrap();
    let der = ec.to_pkcs8v1().unwrap();
    let t = firma_jsonwebtoken(
        jsonwebtoken::Algorithm::ES256,
        Some(PDND.kid()),
        "at+jwt",
        &claims_voucher(),
        &jsonwebtoken::EncodingKey::from_ec_der(der.as_ref()),
    );
    assert_eq!(valida_token(&t).await.unwrap_err().codice(), "VOUCHER_ALG");
}

#[tokio::test]
async fn firma_alterata() {
    let t = firma_voucher(&claims_voucher());
    let (resto, firma) = t.rsplit_once('.').unwrap();
    let mut f: Vec<u8> = firma.bytes().collect();
    let i = f.len() / 2;
    f[i] = if f[i] == b'A' { b'B' } else { b'A' };
    let t2 = format!("{resto}.{}", String::from_utf8(f).unwrap());
    assert_eq!(
        valida_token(&t2).await.unwrap_err().codice(),
        "VOUCHER_FIRMA"
    );
}

#[tokio::test]
async fn payload_alterato() {
    let t = firma_voucher(&claims_voucher());
    let parti: Vec<&str> = t.split('.').collect();
    // Same header and signature, payload of another client.
    let altro = firma_voucher(&con(
        claims_voucher(),
        "consumerId",
        json!(comune_b().to_string()),
    ));
    let payload_altro = altro.split('.').nth(1).unwrap();
    let t2 = format!("{}.{}.{}", parti[0], payload_altro, parti[2]);
    assert_eq!(
        valida_token(&t2).await.unwrap_err().codice(),
        "VOUCHER_FIRMA"
    );
}

#[tokio::test]
async fn firmato_da_altra_chiave_con_kid_di_pdnd() {
    let t = firma_jsonwebtoken(
        jsonwebtoken::Algorithm::RS256,
        Some(PDND.kid()),
        "at+jwt",
        &claims_voucher(),
        &chiave_rsa_jsonwebtoken(&CLIENT_A),
    );
    assert_eq!(
        valida_token(&t).await.unwrap_err().codice(),
        "VOUCHER_FIRMA"
    );
}

#[tokio::test]
async fn kid_assente() {
    let t = firma_jsonwebtoken(
        jsonwebtoken::Algorithm::RS256,
        None,
        "at+jwt",
        &claims_voucher(),
        &chiave_rsa_jsonwebtoken(&PDND),
    );
    assert_eq!(
        valida_token(&t).await.unwrap_err().codice(),
        "VOUCHER_KID_ASSENTE"
    );
}

#[tokio::test]
async fn kid_sconosciuto() {
    let mut h = serde_json::Map::new();
    h.insert("typ".into(), "at+jwt".into());
    let t = CLIENT_A
        .firma_con_intestazione(h, &claims_voucher())
        .unwrap();
    let e = valida_token(&t).await.unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_KID_SCONOSCIUTO");
    assert!(e.messaggio().contains(CLIENT_A.kid()));
}

fn scrivi_jwks(p: &std::path::Path, set: &JwkSet) {
    std::fs::write(p, serde_json::to_vec(set).unwrap()).unwrap();
}

#[tokio::test]
async fn kid_sconosciuti_aggiornamenti_limitati() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("jwks.json");
    scrivi_jwks(
        &p,
        &JwkSet {
            keys: vec![PDND.jwk_pubblica()],
        },
    );
    let cache = Arc::new(CacheJwks::new(
        SorgenteJwks::File(p),
        Duration::from_secs(3600),
    ));
    assert_eq!(cache.carica().await.unwrap(), 1);
    assert_eq!(cache.aggiornamenti(), 1);
    let v = ValidatoreVoucher::new(Arc::clone(&cache));
    for i in 0..100 {
        let t = forgia(
            &json!({"alg": "RS256", "typ": "at+jwt", "kid": format!("kid-casuale-{i}")}),
            &claims_voucher(),
            b"firma",
        );
        let e = v
            .valida(Some(&bearer(&t)), &atteso(), ADESSO)
            .await
            .unwrap_err();
        assert_eq!(e.codice(), "VOUCHER_KID_SCONOSCIUTO");
    }
    // Within the interval no refresh at all after the initial load.
    assert_eq!(cache.aggiornamenti(), 1);
    // The known key still validates.
    let ok = v
        .valida(
            Some(&bearer(&firma_voucher(&claims_voucher()))),
            &atteso(),
            ADESSO,
        )
        .await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test]
async fn kid_sconosciuti_concorrenti_un_solo_aggiornamento() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("jwks.json");
    scrivi_jwks(
        &p,
        &JwkSet {
            keys: vec![PDND.jwk_pubblica()],
        },
    );
    let cache = Arc::new(CacheJwks::new(
        SorgenteJwks::File(p),
        Duration::from_secs(3600),
    ));
    let mut compiti = Vec::new();
    for i in 0..100 {
        let c = Arc::clone(&cache);
        compiti.push(tokio::spawn(async move {
            c.chiave(&format!("k{i}")).await.is_none()
        }));
    }
    for c in compiti {
        assert!(c.await.unwrap());
    }
    assert_eq!(cache.aggiornamenti(), 1);
}

#[tokio::test]
async fn rotazione_chiave_trovata_dopo_aggiornamento() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("jwks.json");
    scrivi_jwks(
        &p,
        &JwkSet {
            keys: vec![PDND.jwk_pubblica()],
        },
    );
    let cache = Arc::new(CacheJwks::new(
        SorgenteJwks::File(p.clone()),
        Duration::ZERO,
    ));
    cache.carica().await.unwrap();
    let v = ValidatoreVoucher::new(Arc::clone(&cache));
    // PDND rotates to a new key (CLIENT_B plays it here).
    let mut h = serde_json::Map::new();
    h.insert("typ".into(), "at+jwt".into());
    let t = CLIENT_B
        .firma_con_intestazione(h, &claims_voucher())
        .unwrap();
    assert_eq!(
        v.valida(Some(&bearer(&t)), &atteso(), ADESSO)
            .await
            .unwrap_err()
            .codice(),
        "VOUCHER_KID_SCONOSCIUTO"
    );
    scrivi_jwks(
        &p,
        &JwkSet {
            keys: vec![PDND.jwk_pubblica(), CLIENT_B.jwk_pubblica()],
        },
    );
    let prima = cache.aggiornamenti();
    assert!(v.valida(Some(&bearer(&t)), &atteso(), ADESSO).await.is_ok());
    assert_eq!(cache.aggiornamenti(), prima + 1);
}

#[tokio::test]
async fn scadenza_con_tolleranza() {
    // atteso() allows 30 s of skew.
    assert_eq!(
        codice_claims(con(claims_voucher(), "exp", json!(ADESSO - 29))).await,
        "OK"
    );
    assert_eq!(
        codice_claims(con(claims_voucher(), "exp", json!(ADESSO - 30))).await,
        "VOUCHER_SCADUTO"
    );
    assert_eq!(
        codice_claims(con(claims_voucher(), "exp", json!(ADESSO - 600))).await,
        "VOUCHER_SCADUTO"
    );
}

#[tokio::test]
async fn nbf_con_tolleranza() {
    assert_eq!(
        codice_claims(con(claims_voucher(), "nbf", json!(ADESSO + 30))).await,
        "OK"
    );
    assert_eq!(
        codice_claims(con(claims_voucher(), "nbf", json!(ADESSO + 31))).await,
        "VOUCHER_NON_ANCORA_VALIDO"
    );
}

#[tokio::test]
async fn iat_nel_futuro_con_tolleranza() {
    assert_eq!(
        codice_claims(con(claims_voucher(), "iat", json!(ADESSO + 30))).await,
        "OK"
    );
    assert_eq!(
        codice_claims(con(claims_voucher(), "iat", json!(ADESSO + 31))).await,
        "VOUCHER_IAT_FUTURO"
    );
}

#[tokio::test]
async fn tolleranza_zero() {
    let mut a = atteso();
    a.tolleranza_s = 0;
    let t = firma_voucher(&con(claims_voucher(), "nbf", json!(ADESSO + 1)));
    let e = validatore()
        .valida(Some(&bearer(&t)), &a, ADESSO)
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_NON_ANCORA_VALIDO");
}

#[tokio::test]
async fn claim_temporali_assenti_o_non_interi() {
    assert_eq!(
        codice_claims(senza(claims_voucher(), "exp")).await,
        "VOUCHER_CLAIM_ASSENTE"
    );
    assert_eq!(
        codice_claims(senza(claims_voucher(), "jti")).await,
        "VOUCHER_CLAIM_ASSENTE"
    );
    assert_eq!(
        codice_claims(con(claims_voucher(), "exp", json!("1760000600"))).await,
        "VOUCHER_CLAIM_ASSENTE"
    );
}

#[tokio::test]
async fn issuer_errato() {
    let e = valida_token(&firma_voucher(&con(
        claims_voucher(),
        "iss",
        json!("interop.pagopa.it"),
    )))
    .await
    .unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_ISS");
    assert!(e.messaggio().contains(ISSUER));
    assert_eq!(e.http_status(), 401);
}

#[tokio::test]
async fn audience_di_altro_eservice() {
    let e = valida_token(&firma_voucher(&con(
        claims_voucher(),
        "aud",
        json!([AUD_ALTRO]),
    )))
    .await
    .unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_AUD");
    assert!(e.messaggio().contains(AUD_ESERVICE));
}

#[tokio::test]
async fn purpose_assente_o_non_uuid() {
    assert_eq!(
        codice_claims(senza(claims_voucher(), "purposeId")).await,
        "VOUCHER_PURPOSE_ASSENTE"
    );
    assert_eq!(
        codice_claims(con(claims_voucher(), "purposeId", json!("finalita-1"))).await,
        "VOUCHER_PURPOSE_ASSENTE"
    );
}

#[tokio::test]
async fn sub_diverso_da_client_id() {
    assert_eq!(
        codice_claims(con(claims_voucher(), "sub", json!(client_b().to_string()))).await,
        "VOUCHER_SUB"
    );
    assert_eq!(
        codice_claims(senza(claims_voucher(), "client_id")).await,
        "VOUCHER_SUB"
    );
}

#[tokio::test]
async fn eservice_errato_403() {
    let e = valida_token(&firma_voucher(&con(
        claims_voucher(),
        "eserviceId",
        json!(eservice_altro().to_string()),
    )))
    .await
    .unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_ESERVICE");
    assert_eq!(e.http_status(), 403);
    assert_eq!(e.www_authenticate(), None);
    assert!(e.messaggio().contains(&eservice().to_string()));
}

#[tokio::test]
async fn descriptor_errato_403() {
    let e = valida_token(&firma_voucher(&con(
        claims_voucher(),
        "descriptorId",
        json!(comune::id(99).to_string()),
    )))
    .await
    .unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_DESCRIPTOR");
    assert_eq!(e.http_status(), 403);
}

#[tokio::test]
async fn producer_errato_403_e_non_controllato_se_non_atteso() {
    let c = con(
        claims_voucher(),
        "producerId",
        json!(comune_b().to_string()),
    );
    let e = valida_token(&firma_voucher(&c)).await.unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_PRODUCER");
    assert_eq!(e.http_status(), 403);
    let mut a = atteso();
    a.producer_id = None;
    let ok = validatore()
        .valida(Some(&bearer(&firma_voucher(&c))), &a, ADESSO)
        .await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test]
async fn consumer_assente() {
    assert_eq!(
        codice_claims(senza(claims_voucher(), "consumerId")).await,
        "VOUCHER_CONSUMER_ASSENTE"
    );
}

#[tokio::test]
async fn authorization_assente() {
    let e = validatore()
        .valida(None, &atteso(), ADESSO)
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_ASSENTE");
    assert_eq!(e.http_status(), 401);
    assert_eq!(
        e.www_authenticate().as_deref(),
        Some(r#"Bearer realm="isee""#)
    );
}

#[tokio::test]
async fn schema_dpop_non_supportato() {
    let t = firma_voucher(&claims_voucher());
    let e = validatore()
        .valida(Some(&format!("DPoP {t}")), &atteso(), ADESSO)
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_DPOP");
    assert!(e.messaggio().contains("DPoP"));
}

#[tokio::test]
async fn schema_basic_rifiutato() {
    let e = validatore()
        .valida(Some("Basic dXNlcjpwYXNz"), &atteso(), ADESSO)
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_SCHEMA");
    assert!(e.www_authenticate().unwrap().contains("invalid_token"));
}

#[tokio::test]
async fn typ_jwt_invece_di_at_jwt() {
    let mut h = serde_json::Map::new();
    h.insert("typ".into(), "JWT".into());
    let t = PDND.firma_con_intestazione(h, &claims_voucher()).unwrap();
    let e = valida_token(&t).await.unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_TYP");
    assert!(e.messaggio().contains("at+jwt"));
}

#[tokio::test]
async fn token_malformati() {
    // "WzFd" is `[1]`: JSON, but not an object.
    for t in ["abc", "a.b", "a.b.c.d", "!!.??.xx", ".e30.x", "WzFd.e30.x"] {
        let e = valida_token(t).await.unwrap_err();
        assert_eq!(e.codice(), "VOUCHER_MALFORMATO", "{t}");
    }
    // `{}` is a well-formed header without alg: refused as such.
    let e = valida_token("e30.e30.").await.unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_ALG");
    assert!(e.messaggio().contains("assente"));
}

#[tokio::test]
async fn durata_limitata_anche_se_firmato_da_pdnd() {
    // Valid for a hundred years.
    let secolo = con(claims_voucher(), "exp", json!(ADESSO + 100 * 365 * 86_400));
    assert_eq!(codice_claims(secolo).await, "VOUCHER_DURATA");
    // Issued at a negative instant, expiring in ten minutes.
    let negativo = con(claims_voucher(), "iat", json!(-1));
    let e = valida_token(&firma_voucher(&negativo)).await.unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_DURATA");
    assert!(e.messaggio().contains("86400"), "{}", e.messaggio());
    let negativo_breve = con(
        con(claims_voucher(), "iat", json!(-10)),
        "exp",
        json!(ADESSO + 10),
    );
    assert_eq!(codice_claims(negativo_breve).await, "VOUCHER_DURATA");
    // Exactly the maximum is accepted.
    let giorno = con(
        con(claims_voucher(), "iat", json!(ADESSO - 100)),
        "exp",
        json!(ADESSO - 100 + 86_400),
    );
    assert_eq!(codice_claims(giorno).await, "OK");
}

#[tokio::test]
async fn alg_e_typ_enormi_non_ripetuti_per_intero() {
    let enorme = "A".repeat(40 * 1024);
    for header in [
        json!({"alg": enorme, "typ": "at+jwt", "kid": PDND.kid()}),
        json!({"alg": "RS256", "typ": enorme, "kid": PDND.kid()}),
        json!({"alg": [enorme], "typ": "at+jwt"}),
    ] {
        let t = forgia(&header, &claims_voucher(), b"firma");
        let e = valida_token(&t).await.unwrap_err();
        assert!(
            matches!(e.codice(), "VOUCHER_ALG" | "VOUCHER_TYP"),
            "{}",
            e.codice()
        );
        let m = e.messaggio();
        assert!(m.len() < 400, "{} byte: {}", m.len(), &m[..200]);
        assert!(m.contains("AAAA") && m.contains('…'), "{m}");
    }
    // Other echoed claims are cut too.
    let iss = con(claims_voucher(), "iss", json!("I".repeat(40 * 1024)));
    let e = valida_token(&firma_voucher(&iss)).await.unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_ISS");
    assert!(e.messaggio().len() < 400);
    let aud = con(claims_voucher(), "aud", json!(vec!["x".repeat(10_000); 50]));
    let e = valida_token(&firma_voucher(&aud)).await.unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_AUD");
    assert!(e.messaggio().len() < 800, "{}", e.messaggio().len());
}

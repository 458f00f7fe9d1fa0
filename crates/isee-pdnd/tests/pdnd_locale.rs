//! The local PDND: every strict client-assertion rule through the axum router, the
//! end-to-end flows (assertion → voucher → provider validation, with and without
//! AUDIT_REST_02), the Interop-like reads, and the JWKS served over HTTP.

mod comune;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use comune::*;
use http_body_util::BodyExt as _;
use isee_pdnd::asserzione::crea_asserzione;
use isee_pdnd::evidenza::{DatiEvidenza, LivelloAssicurazione, crea_evidenza, valida_evidenza};
use isee_pdnd::jwk::{ChiavePrivata, JwkSet};
use isee_pdnd::jwks::{CacheJwks, SorgenteJwks};
use isee_pdnd::stato::DirectoryFile;
use isee_pdnd::voucher::ValidatoreVoucher;
use serde_json::{Value, json};
use tower::ServiceExt as _;

fn router() -> axum::Router {
    // A copy of the PDND key: the router owns its ChiavePrivata.
    let chiave = ChiavePrivata::da_pem(&PDND.in_pem()).unwrap();
    isee_pdnd::server::router(Arc::new(RwLock::new(stato())), chiave, orologio)
}

async fn risposta(
    r: axum::Router,
    req: Request<Body>,
) -> (StatusCode, Value, axum::http::HeaderMap) {
    let risp = r.oneshot(req).await.unwrap();
    let status = risp.status();
    let headers = risp.headers().clone();
    let corpo = risp.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&corpo).unwrap_or(Value::Null);
    (status, v, headers)
}

async fn get(percorso: &str) -> (StatusCode, Value) {
    let req = Request::get(percorso).body(Body::empty()).unwrap();
    let (s, v, _) = risposta(router(), req).await;
    (s, v)
}

async fn token_form(campi: &[(&str, &str)]) -> (StatusCode, Value, axum::http::HeaderMap) {
    let corpo = serde_urlencoded::to_string(campi).unwrap();
    let req = Request::post("/token.oauth2")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(corpo))
        .unwrap();
    risposta(router(), req).await
}

async fn token(client_id: &str, asserzione: &str) -> (StatusCode, Value) {
    let (s, v, _) = token_form(&[
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", asserzione),
    ])
    .await;
    (s, v)
}

fn claims_asserzione() -> Value {
    json!({
        "iss": client_a().to_string(),
        "sub": client_a().to_string(),
        "aud": AUD_ASSERZIONE,
        "jti": "f0c3a8c6-5d1e-4a59-8a0e-000000000001",
        "iat": ADESSO - 1,
        "exp": ADESSO + 299,
        "purposeId": finalita_a().to_string(),
    })
}

fn con(mut c: Value, k: &str, v: Value) -> Value {
    c[k] = v;
    c
}

/// Signs `claims` with client A's key and asks for a voucher as client A; returns the code.
async fn rifiuto(claims: Value) -> (String, String) {
    let a = CLIENT_A.firma("JWT", &claims).unwrap();
    esito_errore(&client_a().to_string(), &a).await
}

async fn esito_errore(client_id: &str, a: &str) -> (String, String) {
    let (s, v) = token(client_id, a).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    (
        v["codice"].as_str().unwrap().to_owned(),
        v["error_description"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn voucher_emesso() {
    let a = CLIENT_A.firma("JWT", &claims_asserzione()).unwrap();
    let (s, v, h) = token_form(&[
        ("grant_type", "client_credentials"),
        ("client_id", &client_a().to_string()),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", &a),
    ])
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 600);
    assert_eq!(h.get("cache-control").unwrap(), "no-store");
    let voucher = v["access_token"].as_str().unwrap();
    let h = jsonwebtoken::decode_header(voucher).unwrap();
    assert_eq!(h.typ.as_deref(), Some("at+jwt"));
    assert_eq!(h.kid.as_deref(), Some(PDND.kid()));
    // The raw header also carries `use: sig`, as PDND's does.
    let raw = voucher.split('.').next().unwrap();
    let raw: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, raw).unwrap(),
    )
    .unwrap();
    assert_eq!(raw["use"], "sig");
}

#[tokio::test]
async fn end_to_end_voucher_validato_dal_provider() {
    // The provider gets PDND's keys from the JWKS endpoint.
    let (s, jwks) = get("/.well-known/jwks.json").await;
    assert_eq!(s, StatusCode::OK);
    let set: JwkSet = serde_json::from_value(jwks).unwrap();
    assert_eq!(set.keys[0].kid, PDND.kid());
    let validatore = ValidatoreVoucher::new(Arc::new(CacheJwks::da_set(set)));

    let a = crea_asserzione(
        &CLIENT_A,
        &client_a().to_string(),
        &finalita_a().to_string(),
        AUD_ASSERZIONE,
        None,
        ADESSO,
        300,
    )
    .unwrap();
    let (s, v) = token(&client_a().to_string(), &a).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let voucher = v["access_token"].as_str().unwrap();
    let vv = validatore
        .valida(Some(&bearer(voucher)), &atteso(), ADESSO + 10)
        .await
        .unwrap();
    assert_eq!(vv.client_id, client_a().to_string());
    assert_eq!(vv.consumer_id, comune_a().to_string());
    assert_eq!(vv.producer_id, Some(inps().to_string()));
    assert_eq!(vv.eservice_id, eservice().to_string());
    assert_eq!(vv.descriptor_id, descriptor().to_string());
    assert_eq!(vv.iat, ADESSO);
    assert_eq!(vv.nbf, ADESSO);
    assert_eq!(vv.exp, ADESSO + 600);
    assert_eq!(vv.digest, None);
    // And it expires when the descriptor says.
    let e = validatore
        .valida(Some(&bearer(voucher)), &atteso(), ADESSO + 630)
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "VOUCHER_SCADUTO");
}

#[tokio::test]
async fn end_to_end_audit_rest_02() {
    let evidenza = crea_evidenza(
        &CLIENT_A,
        &DatiEvidenza {
            client_id: client_a().to_string(),
            aud: AUD_ESERVICE.into(),
            purpose_id: finalita_a().to_string(),
            operatore: format!("TINIT-{CF_OPERATORE}"),
            loa: LivelloAssicurazione::SpidL3,
            postazione: "ufficio-servizi-sociali-3".into(),
            asserzione_idp: "PHNhbWw+".into(),
            iat: ADESSO,
            durata_s: 120,
        },
    )
    .unwrap();
    // IDPay writes the digest in uppercase; PDND copies it verbatim.
    let digest = isee_pdnd::sha256_hex(evidenza.as_bytes()).to_ascii_uppercase();
    let a = crea_asserzione(
        &CLIENT_A,
        &client_a().to_string(),
        &finalita_a().to_string(),
        AUD_ASSERZIONE,
        Some(&digest),
        ADESSO,
        300,
    )
    .unwrap();
    let (s, v) = token(&client_a().to_string(), &a).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let validatore = ValidatoreVoucher::new(Arc::new(CacheJwks::da_set(JwkSet {
        keys: vec![PDND.jwk_pubblica()],
    })));
    let voucher = validatore
        .valida(
            Some(&bearer(v["access_token"].as_str().unwrap())),
            &atteso(),
            ADESSO + 1,
        )
        .await
        .unwrap();
    let d = voucher.digest.clone().unwrap();
    assert_eq!(
        (d.alg.as_str(), d.value.as_str()),
        ("SHA256", digest.as_str())
    );
    let directory = DirectoryFile::da_stato(stato());
    let ev = valida_evidenza(
        Some(&evidenza),
        &voucher,
        AUD_ESERVICE,
        &directory,
        30,
        ADESSO + 1,
    )
    .await
    .unwrap();
    assert_eq!(ev.user_id, CF_OPERATORE);
    assert_eq!(ev.loa, LivelloAssicurazione::SpidL3);
    // Another evidence with the same voucher is refused.
    let altra = CLIENT_A
        .firma("JWT", &json!({"iss": client_a().to_string()}))
        .unwrap();
    let e = valida_evidenza(
        Some(&altra),
        &voucher,
        AUD_ESERVICE,
        &directory,
        30,
        ADESSO + 1,
    )
    .await
    .unwrap_err();
    assert_eq!(e.codice(), "EVIDENZA_DIGEST");
}

#[tokio::test]
async fn claim_nbf_non_ammesso_e_nominato() {
    let (codice, msg) = rifiuto(con(claims_asserzione(), "nbf", json!(ADESSO - 1))).await;
    assert_eq!(codice, "ASSERZIONE_CLAIM_NON_AMMESSI");
    assert!(msg.contains("nbf"), "{msg}");
}

#[tokio::test]
async fn claim_client_id_ed_eservice_non_ammessi_e_nominati() {
    let c = con(
        claims_asserzione(),
        "client_id",
        json!(client_a().to_string()),
    );
    let c = con(c, "eserviceId", json!(eservice().to_string()));
    let (codice, msg) = rifiuto(c).await;
    assert_eq!(codice, "ASSERZIONE_CLAIM_NON_AMMESSI");
    assert!(
        msg.contains("client_id") && msg.contains("eserviceId"),
        "{msg}"
    );
}

#[tokio::test]
async fn aud_con_https_rifiutato() {
    let c = con(
        claims_asserzione(),
        "aud",
        json!(format!("https://{AUD_ASSERZIONE}")),
    );
    assert_eq!(rifiuto(c).await.0, "ASSERZIONE_AUD_SCHEMA");
}

#[tokio::test]
async fn aud_errato_e_aud_array_accettato() {
    let c = con(
        claims_asserzione(),
        "aud",
        json!("auth.interop.pagopa.it/client-assertion"),
    );
    let (codice, msg) = rifiuto(c).await;
    assert_eq!(codice, "ASSERZIONE_AUD");
    assert!(msg.contains(AUD_ASSERZIONE));
    let a = CLIENT_A
        .firma(
            "JWT",
            &con(claims_asserzione(), "aud", json!(["altro", AUD_ASSERZIONE])),
        )
        .unwrap();
    assert_eq!(token(&client_a().to_string(), &a).await.0, StatusCode::OK);
}

#[tokio::test]
async fn kid_non_thumbprint() {
    let a = firma_jsonwebtoken(
        jsonwebtoken::Algorithm::RS256,
        Some("chiave-1"),
        "JWT",
        &claims_asserzione(),
        &chiave_rsa_jsonwebtoken(&CLIENT_A),
    );
    let (codice, msg) = esito_errore(&client_a().to_string(), &a).await;
    assert_eq!(codice, "ASSERZIONE_KID");
    assert!(msg.contains("chiave-1"));
    let senza_kid = firma_jsonwebtoken(
        jsonwebtoken::Algorithm::RS256,
        None,
        "JWT",
        &claims_asserzione(),
        &chiave_rsa_jsonwebtoken(&CLIENT_A),
    );
    assert_eq!(
        esito_errore(&client_a().to_string(), &senza_kid).await.0,
        "ASSERZIONE_KID"
    );
}

#[tokio::test]
async fn kid_di_un_altro_client() {
    // Client B's registered key, but the request says client A.
    let a = CLIENT_B.firma("JWT", &claims_asserzione()).unwrap();
    let (codice, _) = esito_errore(&client_a().to_string(), &a).await;
    assert_eq!(codice, "ASSERZIONE_CHIAVE");
    let (_, v) = token(&client_a().to_string(), &a).await;
    assert_eq!(v["error"], "invalid_client");
}

#[tokio::test]
async fn firma_non_corrispondente_al_kid() {
    let a = firma_jsonwebtoken(
        jsonwebtoken::Algorithm::RS256,
        Some(CLIENT_A.kid()),
        "JWT",
        &claims_asserzione(),
        &chiave_rsa_jsonwebtoken(&CLIENT_B),
    );
    assert_eq!(
        esito_errore(&client_a().to_string(), &a).await.0,
        "ASSERZIONE_FIRMA"
    );
}

#[tokio::test]
async fn es256_rifiutato() {
    let ec = aws_lc_rs::signature::EcdsaKeyPair::generate(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
    )
    .unwrap();
    let der = ec.to_pkcs8v1().unwrap();
    let a = firma_jsonwebtoken(
        jsonwebtoken::Algorithm::ES256,
        Some(CLIENT_A.kid()),
        "JWT",
        &claims_asserzione(),
        &jsonwebtoken::EncodingKey::from_ec_der(der.as_ref()),
    );
    let (codice, msg) = esito_errore(&client_a().to_string(), &a).await;
    assert_eq!(codice, "ASSERZIONE_ALG");
    assert!(msg.contains("ES256"));
}

#[tokio::test]
async fn hs256_rifiutato() {
    let a = firma_jsonwebtoken(
        jsonwebtoken::Algorithm::HS256,
        Some(CLIENT_A.kid()),
        "JWT",
        &claims_asserzione(),
        &jsonwebtoken::EncodingKey::from_secret(CLIENT_A.pubblica_pem().unwrap().as_bytes())
            .unwrap(),
    );
    assert_eq!(
        esito_errore(&client_a().to_string(), &a).await.0,
        "ASSERZIONE_ALG"
    );
}

#[tokio::test]
async fn asserzione_scaduta() {
    assert_eq!(
        rifiuto(con(claims_asserzione(), "exp", json!(ADESSO)))
            .await
            .0,
        "ASSERZIONE_SCADUTA"
    );
    assert_eq!(
        rifiuto(con(claims_asserzione(), "iat", json!(ADESSO + 60)))
            .await
            .0,
        "ASSERZIONE_IAT_FUTURO"
    );
}

#[tokio::test]
async fn sub_diverso_da_client_id() {
    let c = con(claims_asserzione(), "sub", json!(client_b().to_string()));
    assert_eq!(rifiuto(c).await.0, "ASSERZIONE_SUB");
    let c = con(claims_asserzione(), "sub", json!("non-un-uuid"));
    assert_eq!(rifiuto(c).await.0, "ASSERZIONE_SUB");
}

#[tokio::test]
async fn client_id_non_uuid_o_sconosciuto() {
    let a = CLIENT_A.firma("JWT", &claims_asserzione()).unwrap();
    assert_eq!(esito_errore("client-a", &a).await.0, "RICHIESTA_CLIENT_ID");
    let ignoto = comune::id(77).to_string();
    let c = con(
        con(claims_asserzione(), "sub", json!(ignoto)),
        "iss",
        json!(ignoto),
    );
    let a = CLIENT_A.firma("JWT", &c).unwrap();
    assert_eq!(esito_errore(&ignoto, &a).await.0, "CLIENT_SCONOSCIUTO");
}

#[tokio::test]
async fn claim_obbligatori_assenti() {
    for claim in ["iss", "jti", "exp", "iat", "aud"] {
        let mut c = claims_asserzione();
        c.as_object_mut().unwrap().remove(claim);
        let (codice, msg) = rifiuto(c).await;
        assert_eq!(codice, "ASSERZIONE_CLAIM_ASSENTE", "{claim}");
        assert!(msg.contains(claim), "{msg}");
    }
}

#[tokio::test]
async fn finalita_sconosciuta_inattiva_o_di_altro_fruitore() {
    let (s, v) = {
        let a = CLIENT_A
            .firma(
                "JWT",
                &con(
                    claims_asserzione(),
                    "purposeId",
                    json!(comune::id(88).to_string()),
                ),
            )
            .unwrap();
        token(&client_a().to_string(), &a).await
    };
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["codice"], "FINALITA_SCONOSCIUTA");
    assert_eq!(v["error"], "unauthorized_client");
    let c = con(
        claims_asserzione(),
        "purposeId",
        json!(finalita_inattiva().to_string()),
    );
    assert_eq!(rifiuto(c).await.0, "FINALITA_NON_ATTIVA");
    let c = con(
        claims_asserzione(),
        "purposeId",
        json!(finalita_b().to_string()),
    );
    assert_eq!(rifiuto(c).await.0, "FINALITA_ALTRO_FRUITORE");
}

#[tokio::test]
async fn purpose_assente_o_non_uuid() {
    let mut c = claims_asserzione();
    c.as_object_mut().unwrap().remove("purposeId");
    assert_eq!(rifiuto(c).await.0, "ASSERZIONE_PURPOSE");
    assert_eq!(
        rifiuto(con(claims_asserzione(), "purposeId", json!("p-1")))
            .await
            .0,
        "ASSERZIONE_PURPOSE"
    );
}

#[tokio::test]
async fn digest_malformato() {
    for d in [
        json!({"alg": "SHA256", "value": "a".repeat(63)}),
        json!({"alg": "SHA256", "value": "g".repeat(64)}),
        json!({"alg": "SHA-256", "value": "a".repeat(64)}),
        json!({"alg": "SHA256", "value": "a".repeat(64), "extra": 1}),
        json!("a".repeat(64)),
    ] {
        let (codice, _) = rifiuto(con(claims_asserzione(), "digest", d.clone())).await;
        assert_eq!(codice, "ASSERZIONE_DIGEST", "{d}");
    }
    let ok = con(
        claims_asserzione(),
        "digest",
        json!({"alg": "SHA256", "value": "A".repeat(64)}),
    );
    let a = CLIENT_A.firma("JWT", &ok).unwrap();
    assert_eq!(token(&client_a().to_string(), &a).await.0, StatusCode::OK);
}

#[tokio::test]
async fn richiesta_non_conforme() {
    let a = CLIENT_A.firma("JWT", &claims_asserzione()).unwrap();
    let cid = client_a().to_string();
    let tipo = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    let (s, v, _) = token_form(&[
        ("grant_type", "password"),
        ("client_id", &cid),
        ("client_assertion_type", tipo),
        ("client_assertion", &a),
    ])
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "unsupported_grant_type");
    let (_, v, _) = token_form(&[
        ("grant_type", "client_credentials"),
        ("client_id", &cid),
        ("client_assertion_type", "jwt"),
        ("client_assertion", &a),
    ])
    .await;
    assert_eq!(
        (v["error"].as_str(), v["codice"].as_str()),
        (Some("invalid_request"), Some("RICHIESTA_TIPO_ASSERZIONE"))
    );
    let (_, v, _) = token_form(&[
        ("grant_type", "client_credentials"),
        ("client_id", &cid),
        ("client_assertion_type", tipo),
    ])
    .await;
    assert_eq!(v["codice"], "RICHIESTA_CAMPO_ASSENTE");
    // Not a form at all.
    let req = Request::post("/token.oauth2")
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let (s, v, _) = risposta(router(), req).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["codice"], "RICHIESTA_FORM");
}

#[tokio::test]
async fn letture_interop() {
    let (s, v) = get(&format!("/keys/{}", CLIENT_A.kid())).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["clientId"], client_a().to_string());
    assert_eq!(v["jwk"]["kid"], CLIENT_A.kid());
    assert_eq!(get("/keys/sconosciuta").await.0, StatusCode::NOT_FOUND);

    let (s, v) = get(&format!("/tenants/{}", comune_a())).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["externalId"], json!({"origin": "IPA", "value": "c_a001"}));
    let (s, v) = get(&format!("/purposes/{}", finalita_inattiva())).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["attiva"], false);
    let (s, v) = get(&format!("/eservices/{}", eservice())).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["audience"], AUD_ESERVICE);
    assert_eq!(
        get(&format!("/eservices/{}", comune::id(99))).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get("/tenants/non-uuid").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn jwks_da_url_servito_dal_router() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router()).await });
    let cache = CacheJwks::new(
        SorgenteJwks::Url(format!("http://{addr}/.well-known/jwks.json")),
        Duration::from_secs(60),
    );
    assert_eq!(cache.carica().await.unwrap(), 1);
    assert!(cache.chiave(PDND.kid()).await.is_some());
    assert!(cache.chiave(CLIENT_A.kid()).await.is_none());
    assert_eq!(cache.aggiornamenti(), 1);

    // The consumer side of the exchange over real HTTP.
    let a = crea_asserzione(
        &CLIENT_A,
        &client_a().to_string(),
        &finalita_a().to_string(),
        AUD_ASSERZIONE,
        None,
        ADESSO,
        300,
    )
    .unwrap();
    let r = isee_pdnd::asserzione::richiedi_voucher(
        &format!("http://{addr}"),
        &client_a().to_string(),
        &a,
    )
    .await
    .unwrap();
    assert_eq!(r.token_type, "Bearer");
    let e = isee_pdnd::asserzione::richiedi_voucher(
        &format!("http://{addr}"),
        &client_b().to_string(),
        &a,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("ASSERZIONE_SUB"), "{e}");
}

#[tokio::test]
async fn jwks_url_irraggiungibile() {
    // Port 1 on loopback: nothing listens there, and tests never touch the network
    // (https against a real TLS server is in jwks_https.rs).
    let cache = CacheJwks::new(
        SorgenteJwks::Url("http://127.0.0.1:1/.well-known/jwks.json".into()),
        Duration::ZERO,
    );
    let e = cache.carica().await.unwrap_err();
    assert!(e.to_string().contains("127.0.0.1:1"), "{e}");
    let e2 = CacheJwks::new(
        SorgenteJwks::Url("ftp://pdnd/jwks.json".into()),
        Duration::ZERO,
    )
    .carica()
    .await
    .unwrap_err();
    assert!(e2.to_string().contains("https://"), "{e2}");
    // A failed refresh keeps the cache usable and still counts.
    assert!(cache.chiave("x").await.is_none());
    assert_eq!(cache.aggiornamenti(), 2);
}

async fn token_su(r: &axum::Router, client_id: &str, asserzione: &str) -> (StatusCode, Value) {
    let corpo = serde_urlencoded::to_string([
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", asserzione),
    ])
    .unwrap();
    let req = Request::post("/token.oauth2")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(corpo))
        .unwrap();
    let (s, v, _) = risposta(r.clone(), req).await;
    (s, v)
}

#[tokio::test]
async fn asserzione_riutilizzata_rifiutata() {
    let r = router();
    let client = client_a().to_string();
    let a = CLIENT_A.firma("JWT", &claims_asserzione()).unwrap();
    // A forgery with the same jti first: it must not burn the jti of the real one.
    let falsa = ChiavePrivata::genera()
        .unwrap()
        .firma("JWT", &claims_asserzione())
        .unwrap();
    let falsa = {
        // Same kid as client A's key, another key's signature.
        let mut parti: Vec<&str> = falsa.split('.').collect();
        let vera: Vec<&str> = a.split('.').collect();
        parti[0] = vera[0];
        parti.join(".")
    };
    let (s, v) = token_su(&r, &client, &falsa).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["codice"], "ASSERZIONE_FIRMA", "{v}");
    let (s, v) = token_su(&r, &client, &a).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The same assertion again: refused, with its own code.
    let (s, v) = token_su(&r, &client, &a).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["codice"], "ASSERZIONE_RIUTILIZZATA", "{v}");
    // A new jti is a new assertion.
    let nuova = CLIENT_A
        .firma(
            "JWT",
            &con(
                claims_asserzione(),
                "jti",
                json!("f0c3a8c6-5d1e-4a59-8a0e-000000000002"),
            ),
        )
        .unwrap();
    let (s, v) = token_su(&r, &client, &nuova).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn asserzione_troppo_lunga_rifiutata() {
    let dieci_anni = con(
        claims_asserzione(),
        "exp",
        json!(ADESSO + 10 * 365 * 86_400),
    );
    let (codice, messaggio) = rifiuto(dieci_anni).await;
    assert_eq!(codice, "ASSERZIONE_DURATA");
    assert!(messaggio.contains("900"), "{messaggio}");
    let iat_negativo = con(claims_asserzione(), "iat", json!(-5));
    assert_eq!(rifiuto(iat_negativo).await.0, "ASSERZIONE_DURATA");
    // Fifteen minutes exactly is accepted.
    let quindici = con(
        con(claims_asserzione(), "iat", json!(ADESSO - 1)),
        "exp",
        json!(ADESSO - 1 + 900),
    );
    let a = CLIENT_A.firma("JWT", &quindici).unwrap();
    let (s, v) = token(&client_a().to_string(), &a).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // A jti too long to remember.
    let lungo = con(claims_asserzione(), "jti", json!("j".repeat(10_000)));
    let (codice, messaggio) = rifiuto(lungo).await;
    assert_eq!(codice, "ASSERZIONE_MALFORMATA");
    assert!(messaggio.len() < 300, "{messaggio}");
}

#[tokio::test]
async fn alg_enorme_non_ripetuto() {
    use base64::Engine as _;
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    };
    let h = json!({"alg": "A".repeat(40 * 1024), "kid": "k"});
    let a = format!("{}.{}.eA", b64(&h), b64(&claims_asserzione()));
    let (codice, messaggio) = esito_errore(&client_a().to_string(), &a).await;
    assert_eq!(codice, "ASSERZIONE_ALG");
    assert!(messaggio.len() < 300, "{} byte", messaggio.len());
}

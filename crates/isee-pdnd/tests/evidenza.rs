//! AUDIT_REST_02 tracking evidence: one test per check, each asserting the exact code.

mod comune;

use comune::*;
use isee_pdnd::evidenza::{
    DatiEvidenza, ErroreEvidenza, Evidenza, LivelloAssicurazione, crea_evidenza, valida_evidenza,
};
use isee_pdnd::stato::DirectoryFile;
use isee_pdnd::voucher::{Digest, Voucher};
use serde_json::{Value, json};

const ASSERZIONE_IDP: &str = "PHNhbWw6QXNzZXJ0aW9uPi4uLjwvc2FtbDpBc3NlcnRpb24+";

fn claims_evidenza() -> Value {
    json!({
        "iss": client_a().to_string(),
        "aud": AUD_ESERVICE,
        "iat": ADESSO - 2,
        "exp": ADESSO + 118,
        "jti": "c2b8e0a4-2f0f-4d0e-9a57-3d5f7b1e0001",
        "purposeId": finalita_a().to_string(),
        "dnonce": 1234567890123_i64,
        "userID": format!("TINIT-{CF_OPERATORE}"),
        "userLocation": "postazione-17",
        "LoA": "https://www.spid.gov.it/SpidL2",
        "authnAssertion": ASSERZIONE_IDP,
    })
}

fn voucher_per(evidenza: Option<&str>) -> Voucher {
    Voucher {
        jti: "v-1".into(),
        iss: ISSUER.into(),
        sub: client_a().to_string(),
        aud: vec![AUD_ESERVICE.into()],
        exp: ADESSO + 500,
        nbf: ADESSO - 100,
        iat: ADESSO - 100,
        client_id: client_a().to_string(),
        purpose_id: finalita_a().to_string(),
        producer_id: Some(inps().to_string()),
        consumer_id: comune_a().to_string(),
        eservice_id: eservice().to_string(),
        descriptor_id: descriptor().to_string(),
        digest: evidenza.map(|e| Digest {
            alg: "SHA256".into(),
            value: isee_pdnd::sha256_hex(e.as_bytes()),
        }),
    }
}

async fn valida(token: &str, voucher: &Voucher) -> Result<Evidenza, ErroreEvidenza> {
    let dir = DirectoryFile::da_stato(stato());
    valida_evidenza(Some(token), voucher, AUD_ESERVICE, &dir, 30, ADESSO).await
}

/// Signs `claims` with client A's key and validates it against a voucher bound to it.
async fn codice(claims: Value) -> &'static str {
    let t = CLIENT_A.firma("JWT", &claims).unwrap();
    valida(&t, &voucher_per(Some(&t)))
        .await
        .map(|_| "OK")
        .unwrap_or_else(|e| e.codice())
}

fn con(mut c: Value, k: &str, v: Value) -> Value {
    c[k] = v;
    c
}
fn senza(mut c: Value, k: &str) -> Value {
    c.as_object_mut().unwrap().remove(k);
    c
}

#[tokio::test]
async fn evidenza_valida() {
    let t = CLIENT_A.firma("JWT", &claims_evidenza()).unwrap();
    let e = valida(&t, &voucher_per(Some(&t))).await.unwrap();
    assert_eq!(e.user_id, CF_OPERATORE, "TINIT- is stripped");
    assert_eq!(e.user_location, "postazione-17");
    assert_eq!(e.loa, LivelloAssicurazione::SpidL2);
    assert_eq!(e.iss, client_a().to_string());
    assert_eq!(
        e.hash_asserzione,
        isee_pdnd::sha256_hex(ASSERZIONE_IDP.as_bytes())
    );
    assert_eq!(e.hash_asserzione.len(), 64);
}

#[tokio::test]
async fn crea_evidenza_produce_una_evidenza_valida() {
    let t = crea_evidenza(
        &CLIENT_A,
        &DatiEvidenza {
            client_id: client_a().to_string(),
            aud: AUD_ESERVICE.into(),
            purpose_id: finalita_a().to_string(),
            operatore: CF_OPERATORE.into(),
            loa: LivelloAssicurazione::Cie,
            postazione: "sportello-2".into(),
            asserzione_idp: ASSERZIONE_IDP.into(),
            iat: ADESSO,
            durata_s: 60,
        },
    )
    .unwrap();
    let e = valida(&t, &voucher_per(Some(&t))).await.unwrap();
    assert_eq!(e.loa, LivelloAssicurazione::Cie);
    assert_eq!(e.exp, ADESSO + 60);
}

#[tokio::test]
async fn digest_diverso() {
    let t = CLIENT_A.firma("JWT", &claims_evidenza()).unwrap();
    let altra = CLIENT_A
        .firma(
            "JWT",
            &con(claims_evidenza(), "userLocation", json!("altra")),
        )
        .unwrap();
    // The voucher is bound to another evidence: the consumer swapped it.
    let e = valida(&t, &voucher_per(Some(&altra))).await.unwrap_err();
    assert_eq!(e.codice(), "EVIDENZA_DIGEST");
    assert_eq!(e.http_status(), 401);
}

#[tokio::test]
async fn digest_esadecimale_maiuscolo_accettato() {
    let t = CLIENT_A.firma("JWT", &claims_evidenza()).unwrap();
    let mut v = voucher_per(Some(&t));
    let d = v.digest.as_mut().unwrap();
    d.value = d.value.to_ascii_uppercase();
    assert!(d.value.bytes().any(|b| b.is_ascii_uppercase()));
    assert!(valida(&t, &v).await.is_ok());
}

#[tokio::test]
async fn digest_alg_diverso() {
    let t = CLIENT_A.firma("JWT", &claims_evidenza()).unwrap();
    let mut v = voucher_per(Some(&t));
    v.digest.as_mut().unwrap().alg = "SHA512".into();
    assert_eq!(
        valida(&t, &v).await.unwrap_err().codice(),
        "EVIDENZA_DIGEST"
    );
}

#[tokio::test]
async fn voucher_senza_digest() {
    let t = CLIENT_A.firma("JWT", &claims_evidenza()).unwrap();
    let e = valida(&t, &voucher_per(None)).await.unwrap_err();
    assert_eq!(e.codice(), "EVIDENZA_DIGEST");
    assert!(e.messaggio().contains("digest"));
}

#[tokio::test]
async fn chiave_di_un_altro_client() {
    // Client B's key is registered on PDND, but the voucher is client A's.
    let c = con(claims_evidenza(), "iss", json!(client_b().to_string()));
    let t = CLIENT_B.firma("JWT", &c).unwrap();
    let e = valida(&t, &voucher_per(Some(&t))).await.unwrap_err();
    assert_eq!(e.codice(), "EVIDENZA_KID");
    assert!(e.messaggio().contains("altro client") || e.messaggio().contains("non appartiene"));
}

#[tokio::test]
async fn chiave_non_registrata() {
    let t = PDND.firma("JWT", &claims_evidenza()).unwrap();
    assert_eq!(
        valida(&t, &voucher_per(Some(&t)))
            .await
            .unwrap_err()
            .codice(),
        "EVIDENZA_KID"
    );
}

#[tokio::test]
async fn firma_non_valida() {
    // Signed by B's key, but claiming A's kid.
    let t = firma_jsonwebtoken(
        jsonwebtoken::Algorithm::RS256,
        Some(CLIENT_A.kid()),
        "JWT",
        &claims_evidenza(),
        &chiave_rsa_jsonwebtoken(&CLIENT_B),
    );
    assert_eq!(
        valida(&t, &voucher_per(Some(&t)))
            .await
            .unwrap_err()
            .codice(),
        "EVIDENZA_FIRMA"
    );
}

#[tokio::test]
async fn alg_hs256_rifiutato() {
    let t = firma_jsonwebtoken(
        jsonwebtoken::Algorithm::HS256,
        Some(CLIENT_A.kid()),
        "JWT",
        &claims_evidenza(),
        &jsonwebtoken::EncodingKey::from_secret(CLIENT_A.pubblica_pem().unwrap().as_bytes())
            .unwrap(),
    );
    assert_eq!(
        valida(&t, &voucher_per(Some(&t)))
            .await
            .unwrap_err()
            .codice(),
        "EVIDENZA_ALG"
    );
}

#[tokio::test]
async fn typ_diverso_da_jwt() {
    let t = CLIENT_A.firma("at+jwt", &claims_evidenza()).unwrap();
    assert_eq!(
        valida(&t, &voucher_per(Some(&t)))
            .await
            .unwrap_err()
            .codice(),
        "EVIDENZA_TYP"
    );
}

#[tokio::test]
async fn header_assente_o_malformato() {
    let v = voucher_per(None);
    let dir = DirectoryFile::da_stato(stato());
    let e = valida_evidenza(None, &v, AUD_ESERVICE, &dir, 30, ADESSO)
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "EVIDENZA_ASSENTE");
    assert_eq!(
        valida("non-un-jwt", &v).await.unwrap_err().codice(),
        "EVIDENZA_MALFORMATA"
    );
}

#[tokio::test]
async fn iss_diverso_dal_client() {
    assert_eq!(
        codice(con(claims_evidenza(), "iss", json!(client_b().to_string()))).await,
        "EVIDENZA_ISS"
    );
}

#[tokio::test]
async fn aud_di_altro_eservice() {
    assert_eq!(
        codice(con(claims_evidenza(), "aud", json!([AUD_ALTRO]))).await,
        "EVIDENZA_AUD"
    );
    assert_eq!(
        codice(con(
            claims_evidenza(),
            "aud",
            json!([AUD_ALTRO, AUD_ESERVICE])
        ))
        .await,
        "OK"
    );
}

#[tokio::test]
async fn evidenza_scaduta_con_tolleranza() {
    assert_eq!(
        codice(con(claims_evidenza(), "exp", json!(ADESSO - 29))).await,
        "OK"
    );
    assert_eq!(
        codice(con(claims_evidenza(), "exp", json!(ADESSO - 30))).await,
        "EVIDENZA_SCADUTA"
    );
}

#[tokio::test]
async fn evidenza_emessa_nel_futuro() {
    assert_eq!(
        codice(con(claims_evidenza(), "iat", json!(ADESSO + 31))).await,
        "EVIDENZA_NON_ANCORA_VALIDA"
    );
    assert_eq!(
        codice(con(claims_evidenza(), "nbf", json!(ADESSO + 31))).await,
        "EVIDENZA_NON_ANCORA_VALIDA"
    );
    assert_eq!(
        codice(con(claims_evidenza(), "nbf", json!(ADESSO + 30))).await,
        "OK"
    );
}

#[tokio::test]
async fn claim_standard_assenti() {
    assert_eq!(
        codice(senza(claims_evidenza(), "jti")).await,
        "EVIDENZA_MALFORMATA"
    );
    assert_eq!(
        codice(senza(claims_evidenza(), "iat")).await,
        "EVIDENZA_MALFORMATA"
    );
}

#[tokio::test]
async fn purpose_diverso_dal_voucher() {
    assert_eq!(
        codice(con(
            claims_evidenza(),
            "purposeId",
            json!(finalita_b().to_string())
        ))
        .await,
        "EVIDENZA_PURPOSE"
    );
    assert_eq!(
        codice(senza(claims_evidenza(), "purposeId")).await,
        "EVIDENZA_PURPOSE"
    );
}

#[tokio::test]
async fn operatore_non_codice_fiscale() {
    assert_eq!(
        codice(con(claims_evidenza(), "userID", json!("mario.rossi"))).await,
        "EVIDENZA_OPERATORE"
    );
    // Wrong check character.
    assert_eq!(
        codice(con(claims_evidenza(), "userID", json!("RSSMRA80A01H501A"))).await,
        "EVIDENZA_OPERATORE"
    );
    assert_eq!(
        codice(senza(claims_evidenza(), "userID")).await,
        "EVIDENZA_OPERATORE"
    );
    // Without the TINIT- prefix it is accepted.
    assert_eq!(
        codice(con(claims_evidenza(), "userID", json!(CF_OPERATORE))).await,
        "OK"
    );
}

#[tokio::test]
async fn loa_insufficiente_403() {
    for basso in ["https://www.spid.gov.it/SpidL1", "LoA2", "SpidL1"] {
        let t = CLIENT_A
            .firma("JWT", &con(claims_evidenza(), "LoA", json!(basso)))
            .unwrap();
        let e = valida(&t, &voucher_per(Some(&t))).await.unwrap_err();
        assert_eq!(e.codice(), "EVIDENZA_LOA", "{basso}");
        assert!(
            matches!(e, ErroreEvidenza::LoaInsufficiente { .. }),
            "{basso}"
        );
        assert_eq!(e.http_status(), 403);
    }
}

#[tokio::test]
async fn loa_assente_o_sconosciuto() {
    assert_eq!(
        codice(senza(claims_evidenza(), "LoA")).await,
        "EVIDENZA_LOA"
    );
    let t = CLIENT_A
        .firma("JWT", &con(claims_evidenza(), "LoA", json!("altissimo")))
        .unwrap();
    let e = valida(&t, &voucher_per(Some(&t))).await.unwrap_err();
    assert!(matches!(e, ErroreEvidenza::LoaSconosciuto { .. }));
    assert_eq!(e.http_status(), 401);
}

#[tokio::test]
async fn loa_varianti_accettate() {
    for (testo, atteso) in [
        ("LOA3", LivelloAssicurazione::SpidL2),
        ("SpidL3", LivelloAssicurazione::SpidL3),
        (
            "https://www.spid.gov.it/SpidL3",
            LivelloAssicurazione::SpidL3,
        ),
        ("CieL3", LivelloAssicurazione::Cie),
    ] {
        let t = CLIENT_A
            .firma("JWT", &con(claims_evidenza(), "LoA", json!(testo)))
            .unwrap();
        assert_eq!(
            valida(&t, &voucher_per(Some(&t))).await.unwrap().loa,
            atteso,
            "{testo}"
        );
    }
    // IT-Wallet spells the claim `loa`.
    let c = senza(claims_evidenza(), "LoA");
    let t = CLIENT_A
        .firma("JWT", &con(c, "loa", json!("substantial")))
        .unwrap();
    assert_eq!(
        valida(&t, &voucher_per(Some(&t))).await.unwrap().loa,
        LivelloAssicurazione::SpidL2
    );
}

#[tokio::test]
async fn postazione_assente() {
    assert_eq!(
        codice(senza(claims_evidenza(), "userLocation")).await,
        "EVIDENZA_POSTAZIONE"
    );
    assert_eq!(
        codice(con(claims_evidenza(), "userLocation", json!(" "))).await,
        "EVIDENZA_POSTAZIONE"
    );
}

#[tokio::test]
async fn asserzione_idp_assente() {
    assert_eq!(
        codice(senza(claims_evidenza(), "authnAssertion")).await,
        "EVIDENZA_ASSERZIONE"
    );
    assert_eq!(
        codice(con(claims_evidenza(), "authnAssertion", json!(""))).await,
        "EVIDENZA_ASSERZIONE"
    );
}

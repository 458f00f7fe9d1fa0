//! Handler tests: the router called in process (`tower::ServiceExt::oneshot`) on a
//! fresh SQLite file per test. Every refused request is checked to leave the store
//! exactly as it was (row counts of every table and the protocol sequence).

mod comune;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use comune::{Banco, Risposta};
use isee_server::{Clienti, Limiti};
use serde_json::{Value, json};

const CHIAVE: &str = "chiave-caf-ra";
const CHIAVE_ALTRA: &str = "chiave-comune-bo";

async fn banco_con(limiti: Limiti) -> Banco {
    comune::banco_con(
        Clienti::default()
            .con_chiave("caf-ra", CHIAVE)
            .con_chiave("comune-bo", CHIAVE_ALTRA),
        &limiti,
    )
    .await
}

async fn banco() -> Banco {
    banco_con(Limiti::default()).await
}

fn esempio(nome: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../esempi/{nome}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

impl Banco {
    async fn get(&self, uri: &str, chiave: Option<&str>) -> Risposta {
        let mut b = Request::get(uri);
        if let Some(c) = chiave {
            b = b.header("authorization", format!("Bearer {c}"));
        }
        self.invia(b.body(Body::empty()).unwrap()).await
    }

    async fn post(
        &self,
        uri: &str,
        chiave: Option<&str>,
        intestazioni: &[(&str, &str)],
        corpo: impl Into<Body>,
    ) -> Risposta {
        let mut b = Request::post(uri);
        if let Some(c) = chiave {
            b = b.header("authorization", format!("Bearer {c}"));
        }
        for (k, v) in intestazioni {
            b = b.header(*k, *v);
        }
        self.invia(b.body(corpo.into()).unwrap()).await
    }

    /// A new DSU, JSON and with an idempotency key.
    async fn presenta(&self, chiave_idem: &str, dsu: &str) -> Risposta {
        self.post(
            "/api/v1/dsu",
            Some(CHIAVE),
            &[
                ("content-type", "application/json"),
                ("idempotency-key", chiave_idem),
            ],
            dsu.to_string(),
        )
        .await
    }
}

#[tokio::test]
async fn salute_e_request_id() {
    let b = banco().await;
    let r = b.get("/salute", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["stato"], "ok");
    let generato = r.headers["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(generato.len(), 36, "{generato}");
    // A client's own id is echoed.
    let r = b
        .invia(
            Request::get("/salute")
                .header("x-request-id", "prova-123")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.headers["x-request-id"], "prova-123");
    // Unknown paths and methods are problems too.
    b.get("/api/v1/nulla", None)
        .await
        .problema(404, "richiesta.percorso_sconosciuto");
    b.invia(Request::delete("/salute").body(Body::empty()).unwrap())
        .await
        .problema(405, "richiesta.metodo");
}

#[tokio::test]
async fn pronto_controlla_la_base_dati() {
    let b = banco().await;
    let r = b.get("/pronto", None).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.corpo)
    );
    assert_eq!(r.json()["stato"], "pronto");
    // A migration of this build that the database lacks: not ready, liveness unchanged.
    let pool = b.servizio.registro.store().pool().clone();
    sqlx::query("DELETE FROM _sqlx_migrations_registro WHERE version = (SELECT MAX(version) FROM _sqlx_migrations_registro)")
        .execute(&pool)
        .await
        .unwrap();
    let p = b.get("/pronto", None).await;
    let v = p.problema(503, "servizio.migrazioni_mancanti");
    assert!(!v["detail"].as_str().unwrap().contains("sqlite"), "{v}");
    assert_eq!(b.get("/salute", None).await.status, StatusCode::OK);
    // The database gone.
    b.servizio.registro.store().chiudi().await;
    b.get("/pronto", None)
        .await
        .problema(503, "servizio.db_irraggiungibile");
    assert_eq!(b.get("/salute", None).await.status, StatusCode::OK);
}

/// `GET /metrics`: answers counted by route template (never a protocol), problem
/// documents by their code, the pool read at the scrape; OpenMetrics text.
#[tokio::test]
async fn metriche_per_percorso_e_codice() {
    let b = banco().await;
    let r = b
        .presenta("k1", &esempio("ordinario-famiglia-ravenna.json"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let p = r.json()["protocollo"].as_str().unwrap().to_string();
    for _ in 0..2 {
        assert_eq!(
            b.get(&format!("/api/v1/dsu/{p}"), Some(CHIAVE))
                .await
                .status,
            StatusCode::OK
        );
    }
    b.get(&format!("/api/v1/dsu/{p}"), None)
        .await
        .problema(401, "auth.mancante");
    b.get("/api/v1/nessuna-rotta", None)
        .await
        .problema(404, "richiesta.percorso_sconosciuto");
    let m = b.get("/metrics", None).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(
        m.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let t = String::from_utf8(m.corpo).unwrap();
    for riga in [
        r#"isee_richieste_total{servizio="registro",metodo="POST",percorso="/api/v1/dsu",stato="201"} 1"#,
        r#"isee_richieste_total{servizio="registro",metodo="GET",percorso="/api/v1/dsu/{protocollo}",stato="200"} 2"#,
        r#"isee_richieste_total{servizio="registro",metodo="GET",percorso="/api/v1/dsu/{protocollo}",stato="401"} 1"#,
        r#"isee_richieste_total{servizio="registro",metodo="GET",percorso="altro",stato="404"} 1"#,
        r#"isee_errori_total{servizio="registro",codice="auth.mancante"} 1"#,
        r#"isee_errori_total{servizio="registro",codice="richiesta.percorso_sconosciuto"} 1"#,
        r#"isee_richieste_durata_secondi_count{servizio="registro",metodo="GET",percorso="/api/v1/dsu/{protocollo}"} 3"#,
    ] {
        assert!(t.contains(riga), "manca «{riga}» in\n{t}");
    }
    assert!(!t.contains(&p), "un protocollo nelle etichette:\n{t}");
    let connessioni: i64 = t
        .lines()
        .find_map(|l| l.strip_prefix(r#"isee_stato{servizio="registro",misura="db_connessioni"} "#))
        .expect("db_connessioni")
        .parse()
        .unwrap();
    assert!(connessioni >= 1, "{t}");
    assert!(t.ends_with("# EOF\n"));
}

#[tokio::test]
async fn autenticazione() {
    let b = banco().await;
    let dsu = esempio("ordinario-famiglia-ravenna.json");
    let prima = b.impronta().await;
    let json = [
        ("content-type", "application/json"),
        ("idempotency-key", "k1"),
    ];
    let p = b
        .post("/api/v1/dsu", None, &json, dsu.clone())
        .await
        .problema(401, "auth.mancante");
    assert_eq!(p["type"], "urn:isee:problema:auth.mancante");
    let r = b
        .post("/api/v1/dsu", Some("sbagliata"), &json, dsu.clone())
        .await;
    r.problema(401, "auth.chiave_non_valida");
    assert!(
        r.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let r = b
        .post(
            "/api/v1/dsu",
            None,
            &[json[0], json[1], ("authorization", "Basic abc")],
            dsu,
        )
        .await;
    r.problema(401, "auth.formato");
    b.get("/api/v1/dsu/INPS-ISEE-2026-00000001C-00", None)
        .await
        .problema(401, "auth.mancante");
    assert_eq!(b.impronta().await, prima);
    // Open endpoints.
    assert_eq!(
        b.get("/api/v1/openapi.json", None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn presentazione_consultazione_e_pagina() {
    let b = banco().await;
    let r = b
        .presenta("k1", &esempio("ordinario-famiglia-ravenna.json"))
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.corpo)
    );
    let v = r.json();
    let p = v["protocollo"].as_str().unwrap().to_string();
    assert_eq!(r.headers["location"], format!("/api/v1/dsu/{p}"));
    assert_eq!(v["mittente"], "caf-ra");
    assert_eq!(v["stato"], "attiva");
    assert_eq!(v["protocollo_mittente"], "CAF-RA-2026-000123");
    // Amounts are strings.
    assert_eq!(v["indicatori"][0]["tipo"], "ordinario");
    assert!(v["indicatori"][0]["valori"]["isee"].is_string());

    // Another client cannot read it (tests/autorizzazione.rs tries every route).
    b.get(&format!("/api/v1/dsu/{p}"), Some(CHIAVE_ALTRA))
        .await
        .problema(404, "registro.protocollo_sconosciuto");
    let d = b.get(&format!("/api/v1/dsu/{p}"), Some(CHIAVE)).await;
    assert_eq!(d.status, StatusCode::OK);
    let d = d.json();
    assert_eq!(d["registrazione"]["protocollo"], p.as_str());
    assert_eq!(d["nucleo"].as_array().unwrap().len(), 4);
    assert_eq!(d["nucleo"][0]["codice_fiscale"], "RSSMRA85M01H199H");
    let ind = &d["attestazione"]["indicatori"][0];
    assert!(ind.to_string().contains("righe"), "{ind}");
    assert_eq!(d["annotazioni"], json!([]));

    let h = b
        .get(&format!("/api/v1/dsu/{p}/attestazione.html"), Some(CHIAVE))
        .await;
    assert_eq!(h.status, StatusCode::OK);
    assert!(
        h.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let testo = String::from_utf8(h.corpo).unwrap();
    assert!(testo.contains("Attestazione ISEE") && testo.contains(&p));

    // The same attestation as PDF: its text carries the protocol and the ISEE of the
    // JSON, to the cent, in the Italian format of the page.
    let pdf = b
        .get(&format!("/api/v1/dsu/{p}/attestazione.pdf"), Some(CHIAVE))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.corpo.starts_with(b"%PDF-"));
    if let Some(testo) = isee_prova::pdf::testo(&pdf.corpo) {
        let isee: rust_decimal::Decimal = v["indicatori"][0]["valori"]["isee"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let atteso = isee_core::report::euro(isee);
        assert!(
            testo.contains(&p) && testo.contains(&atteso),
            "{atteso} in {testo}"
        );
    }
    b.get(
        &format!("/api/v1/dsu/{p}/attestazione.pdf"),
        Some(CHIAVE_ALTRA),
    )
    .await
    .problema(404, "registro.protocollo_sconosciuto");

    b.get("/api/v1/dsu/INPS-ISEE-2026-00000002E-00", Some(CHIAVE))
        .await
        .problema(404, "registro.protocollo_sconosciuto");
    b.get(
        "/api/v1/dsu/non-un-protocollo/attestazione.html",
        Some(CHIAVE),
    )
    .await
    .problema(400, "registro.protocollo_non_valido");

    // The caller's own DSUs by sender protocol; another client sees none of them.
    let e = b
        .get(
            "/api/v1/dsu?protocollo_mittente=CAF-RA-2026-000123",
            Some(CHIAVE),
        )
        .await;
    assert_eq!(e.json().as_array().unwrap().len(), 1);
    let e = b
        .get(
            "/api/v1/dsu?protocollo_mittente=CAF-RA-2026-000123",
            Some(CHIAVE_ALTRA),
        )
        .await;
    assert_eq!(e.json(), json!([]));
    b.get("/api/v1/dsu", Some(CHIAVE))
        .await
        .problema(400, "richiesta.parametri");
}

#[tokio::test]
async fn richieste_sbagliate_non_cambiano_nulla() {
    let b = banco_con(Limiti {
        corpo_max: 64 * 1024,
        ..Limiti::default()
    })
    .await;
    let dsu = esempio("ordinario-famiglia-ravenna.json");
    assert_eq!(b.presenta("base", &dsu).await.status, StatusCode::CREATED);
    let prima = b.impronta().await;

    // Malformed body.
    let v = b
        .presenta("k-rotto", "{\"componenti\": [")
        .await
        .problema(400, "registro.dsu_illeggibile");
    assert!(v["problemi"][0]["percorso"].is_string(), "{v}");
    let v = b
        .presenta("k-rotto2", "{\"data_presentazione\": 7}")
        .await
        .problema(400, "registro.dsu_illeggibile");
    assert!(
        v["problemi"][0]["percorso"]
            .as_str()
            .unwrap()
            .contains("data_presentazione"),
        "{v}"
    );

    // Wrong or missing content type.
    let k = ("idempotency-key", "k-ct");
    b.post(
        "/api/v1/dsu",
        Some(CHIAVE),
        &[k, ("content-type", "text/plain")],
        dsu.clone(),
    )
    .await
    .problema(415, "richiesta.tipo_contenuto");
    b.post("/api/v1/dsu", Some(CHIAVE), &[k], dsu.clone())
        .await
        .problema(415, "richiesta.tipo_contenuto");
    // Parameters after the media type are fine.
    let r = b
        .post(
            "/api/v1/dsu",
            Some(CHIAVE),
            &[
                ("idempotency-key", "base"),
                ("content-type", "application/json; charset=utf-8"),
            ],
            dsu.clone(),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "same key, same body: the first receipt"
    );

    // Oversized body (the limit here is 64 KiB).
    let grande = format!("{{\"x\": \"{}\"}}", "a".repeat(100 * 1024));
    b.presenta("k-grande", &grande)
        .await
        .problema(413, "richiesta.corpo_troppo_grande");

    // Invalid DSU: every problem, with path and Italian message.
    let v = b
        .presenta("k-errori", &esempio("errori-multipli.json"))
        .await
        .problema(422, "registro.dsu_non_valida");
    let problemi = v["problemi"].as_array().unwrap();
    assert!(problemi.len() >= 10, "{v}");
    assert!(
        problemi
            .iter()
            .all(|p| p["percorso"].as_str().unwrap().starts_with('$')
                && !p["messaggio"].as_str().unwrap().is_empty())
    );
    assert!(
        problemi
            .iter()
            .any(|p| p["percorso"] == "$.componenti[0].codice_fiscale")
    );

    // Same idempotency key, different body.
    let altra = dsu.replace("CAF-RA-2026-000123", "CAF-RA-2026-000999");
    b.presenta("base", &altra)
        .await
        .problema(422, "registro.chiave_riusata");

    // Missing idempotency key.
    b.post(
        "/api/v1/dsu",
        Some(CHIAVE),
        &[("content-type", "application/json")],
        dsu.clone(),
    )
    .await
    .problema(400, "richiesta.chiave_idempotenza_mancante");

    // Rectification of an unknown protocol, or of no protocol at all.
    let h = [
        ("content-type", "application/json"),
        ("idempotency-key", "k-rett"),
    ];
    b.post(
        "/api/v1/dsu/INPS-ISEE-2026-00000077N-00/rettifica",
        Some(CHIAVE),
        &h,
        dsu.clone(),
    )
    .await
    .problema(404, "registro.protocollo_sconosciuto");
    b.post(
        "/api/v1/dsu/INPS-ISEE-2026-00000077A-00/sostituzione",
        Some(CHIAVE),
        &h,
        dsu.clone(),
    )
    .await
    .problema(400, "registro.protocollo_non_valido");

    // Lookups with bad input.
    let j = [("content-type", "application/json")];
    b.post(
        "/api/v1/ricerche/dsu-valida",
        Some(CHIAVE),
        &j,
        "{\"codice_fiscale\": \"RSSMRA85M01H199X\"}",
    )
    .await
    .problema(422, "ricerca.codice_fiscale_non_valido");
    b.post("/api/v1/ricerche/storico", Some(CHIAVE), &j, "{\"cf\": 1}")
        .await
        .problema(400, "richiesta.json_non_valido");
    b.post(
        "/api/v1/ricerche/dsu-valida",
        Some(CHIAVE),
        &j,
        "{\"codice_fiscale\": \"RSSMRA85M01H199H\", \"data\": \"31/12/2026\"}",
    )
    .await
    .problema(400, "richiesta.data");

    assert_eq!(b.impronta().await, prima);
}

#[tokio::test]
async fn rettifica_annullamento_e_ricerche() {
    let b = banco().await;
    let dsu = esempio("ordinario-famiglia-ravenna.json");
    let p1 = b.presenta("k1", &dsu).await.json()["protocollo"]
        .as_str()
        .unwrap()
        .to_string();
    let h = [
        ("content-type", "application/json"),
        ("idempotency-key", "k2"),
    ];
    let r = b
        .post(
            &format!("/api/v1/dsu/{p1}/rettifica"),
            Some(CHIAVE),
            &h,
            dsu.clone(),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.corpo)
    );
    let p2 = r.json()["protocollo"].as_str().unwrap().to_string();
    assert_eq!(r.json()["riferimento"], p1.as_str());
    let vecchia = b
        .get(&format!("/api/v1/dsu/{p1}"), Some(CHIAVE))
        .await
        .json();
    assert_eq!(vecchia["registrazione"]["stato"], "rettificata");
    assert_eq!(vecchia["registrazione"]["sostituita_da"], p2.as_str());
    // A non-active DSU cannot be rectified again.
    let h3 = [
        ("content-type", "application/json"),
        ("idempotency-key", "k3"),
    ];
    b.post(
        &format!("/api/v1/dsu/{p1}/rettifica"),
        Some(CHIAVE),
        &h3,
        dsu.clone(),
    )
    .await
    .problema(409, "registro.protocollo_non_attivo");

    // Lookups by fiscal code, in the body.
    let j = [("content-type", "application/json")];
    let r = b
        .post(
            "/api/v1/ricerche/dsu-valida",
            Some(CHIAVE),
            &j,
            "{\"codice_fiscale\": \"RSSGLI15P10H199Z\", \"data\": \"2026-06-01\"}",
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.corpo)
    );
    assert_eq!(r.json()["protocollo"], p2.as_str());
    let r = b
        .post(
            "/api/v1/ricerche/storico",
            Some(CHIAVE),
            &j,
            "{\"codice_fiscale\": \"RSSMRA85M01H199H\"}",
        )
        .await;
    let v = r.json();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["protocollo"], p1.as_str());
    b.post(
        "/api/v1/ricerche/dsu-valida",
        Some(CHIAVE),
        &j,
        "{\"codice_fiscale\": \"RSSMRA85M01H199H\", \"data\": \"2025-06-01\"}",
    )
    .await
    .problema(404, "ricerca.nessuna_dsu_valida");

    // Only the sender annuls: to another client the DSU does not exist.
    let prima = b.impronta().await;
    b.post(
        &format!("/api/v1/dsu/{p2}/annullamento"),
        Some(CHIAVE_ALTRA),
        &[],
        Body::empty(),
    )
    .await
    .problema(404, "registro.protocollo_sconosciuto");
    assert_eq!(b.impronta().await, prima);
    let r = b
        .post(
            &format!("/api/v1/dsu/{p2}/annullamento"),
            Some(CHIAVE),
            &[],
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["stato"], "annullata");
    b.post(
        "/api/v1/ricerche/dsu-valida",
        Some(CHIAVE),
        &j,
        "{\"codice_fiscale\": \"RSSMRA85M01H199H\", \"data\": \"2026-06-01\"}",
    )
    .await
    .problema(404, "ricerca.nessuna_dsu_valida");
}

#[tokio::test]
async fn modulo_corrente() {
    let b = banco().await;
    let mut dsu: Value =
        serde_json::from_str(&esempio("corrente-perdita-lavoro-genova.json")).unwrap();
    let modulo = dsu.as_object_mut().unwrap().remove("corrente").unwrap();
    let r = b.presenta("k1", &dsu.to_string()).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.corpo)
    );
    let p = r.json()["protocollo"].as_str().unwrap().to_string();
    let h = [
        ("content-type", "application/json"),
        ("idempotency-key", "c1"),
    ];
    let r = b
        .post(
            &format!("/api/v1/dsu/{p}/corrente"),
            Some(CHIAVE),
            &h,
            modulo.to_string(),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.corpo)
    );
    let v = r.json();
    assert_eq!(v["tipo"], "corrente");
    assert!(v["protocollo"].as_str().unwrap().ends_with("-01"));
    let prima = b.impronta().await;
    let h = [
        ("content-type", "application/json"),
        ("idempotency-key", "c2"),
    ];
    b.post(
        &format!("/api/v1/dsu/{p}/corrente"),
        Some(CHIAVE),
        &h,
        "{\"variazioni\": 3}",
    )
    .await
    .problema(400, "registro.modulo_corrente_illeggibile");
    assert_eq!(b.impronta().await, prima);
}

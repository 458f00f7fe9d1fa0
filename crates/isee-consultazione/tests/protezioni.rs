//! What an unauthenticated caller can make the access log store, and the metrics
//! page that warns before the log's disk fills (issue 10, points 3 and 6).

mod comune;

use axum::body::Body;
use axum::http::Request;
use comune::*;
use http_body_util::BodyExt as _;
use isee_consultazione::{app::app, avvio};
use std::sync::Arc;
use tower::ServiceExt as _;

/// 10,000 calls without a voucher, each with a 16 KB `X-Request-Id` with tabs in it
/// (the only control character an HTTP header value can carry):
/// every one is refused, the log grows by a bounded number of small rows, every
/// refusal is accounted for, and the chain verifies.
#[tokio::test]
async fn diecimila_rifiuti_senza_voucher() {
    let a = ambiente().await;
    let id_enorme = format!("{}\tX-Falso:\t1", "R".repeat(16 * 1024));
    let inizio = std::time::Instant::now();
    let mut con_id = 0u64;
    for i in 0..10_000u32 {
        let id = format!("{i}-{id_enorme}");
        let r = a
            .chiama(
                "/rest/v1/indicatore/indicatore",
                &Credenziali::default(),
                &[("content-type", "application/json"), ("x-request-id", &id)],
                per_cf(CF_RAVENNA).to_string().into_bytes(),
            )
            .await;
        assert_eq!(r.stato.as_u16(), 401, "{}", r.corpo);
        assert_eq!(r.codice(), "VOUCHER_ASSENTE");
        if r.json()["id_richiesta"].as_i64().unwrap() > 0 {
            con_id += 1;
        }
    }
    let secondi = inizio.elapsed().as_secs();
    a.servizio.accessi.riepiloga_rifiuti(true).await.unwrap();
    let log = a.registro_accessi().await;
    let limite = isee_accessi::OpzioniLimite::default();
    // The burst, one a second after it, one summary a minute.
    let massimo = u64::from(limite.raffica) + secondi + 1 + secondi / 60 + 1;
    assert!(
        (log.len() as u64) <= massimo,
        "{} righe per 10.000 rifiuti (massimo {massimo})",
        log.len()
    );
    let pieni = log
        .iter()
        .filter(|r| r.accesso.esito == "VOUCHER_ASSENTE")
        .count() as u64;
    assert_eq!(pieni, con_id, "un id_richiesta per ogni record completo");
    let contati: i64 = log
        .iter()
        .filter(|r| r.accesso.esito == "RIFIUTI_SOPPRESSI")
        .map(|r| r.accesso.id_richiesta.unwrap())
        .sum();
    assert_eq!(pieni + contati as u64, 10_000, "nessun rifiuto perso");
    let byte: usize = log
        .iter()
        .map(|r| serde_json::to_string(r).unwrap().len())
        .sum();
    assert!(
        byte < 1_000 * log.len(),
        "{byte} byte in {} righe",
        log.len()
    );
    eprintln!(
        "10.000 rifiuti in {secondi} s: {} righe ({pieni} complete, {} riepiloghi), {byte} byte JSON",
        log.len(),
        log.len() as u64 - pieni
    );
    for r in &log {
        let id = r.accesso.request_id.as_deref().unwrap_or_default();
        assert!(id.len() <= 128, "{}", id.len());
        assert!(!id.contains(['\r', '\n', '\t']), "{id}");
    }
    // The metrics page counts them.
    let m = a.servizio.accessi.metriche();
    assert_eq!(m.rifiuti_soppressi, 10_000 - con_id);
}

/// A refusal after a valid voucher is never rate-limited: the caller is identified
/// and its purpose has a quota.
#[tokio::test]
async fn rifiuti_con_voucher_valido_sempre_registrati() {
    let a = ambiente().await;
    let v = a.voucher("c_h199", "indicatore");
    for _ in 0..60 {
        // No client certificate: CERTIFICATO_ASSENTE, after the voucher.
        let r = a
            .rest(
                "indicatore",
                "indicatore",
                &Credenziali {
                    voucher: Some(v.clone()),
                    ..Default::default()
                },
                per_cf(CF_RAVENNA),
            )
            .await;
        assert_eq!(r.codice(), "CERTIFICATO_ASSENTE", "{}", r.corpo);
        assert!(r.json()["id_richiesta"].as_i64().unwrap() > 0);
    }
    assert_eq!(a.registro_accessi().await.len(), 60);
    // /metrics counts them by e-service (hidden in the route's template) and by code.
    let t = metriche(&a.app).await;
    let conta = |prefisso: &str| -> u64 {
        t.lines()
            .filter(|l| l.starts_with(prefisso))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
            .sum()
    };
    assert_eq!(
        conta(r#"isee_eservizi_total{servizio="consultazione",eservizio="indicatore","#),
        60,
        "{t}"
    );
    assert_eq!(
        conta(r#"isee_errori_total{servizio="consultazione",codice="CERTIFICATO_ASSENTE"}"#),
        60,
        "{t}"
    );
    assert_eq!(
        conta(
            r#"isee_richieste_total{servizio="consultazione",metodo="POST",percorso="/rest/v1/{eservizio}/indicatore","#
        ),
        60,
        "{t}"
    );
}

async fn metriche(app: &axum::Router) -> String {
    let r = app
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    String::from_utf8(r.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

/// With a threshold above the real free space the metrics page says so.
#[tokio::test]
async fn metriche_spazio_in_esaurimento() {
    let a = ambiente().await;
    let t = metriche(&a.app).await;
    assert!(
        t.contains(r#"isee_stato{servizio="consultazione",misura="accessi_spazio_libero_byte"} "#),
        "{t}"
    );
    assert!(
        t.contains(r#"isee_stato{servizio="consultazione",misura="accessi_rifiuti_soppressi"} 0"#),
        "{t}"
    );
    // The sandbox's disk has more than 1 GiB and 5 % free on a development machine;
    // the gauge agrees with the threshold either way.
    let s = a.servizio.accessi.metriche().spazio.unwrap();
    let atteso = isee_accessi::SogliaSpazio::default().superata(s.libero, s.totale);
    assert!(t.contains(&format!(
        r#"isee_stato{{servizio="consultazione",misura="accessi_spazio_in_esaurimento"}} {}"#,
        u8::from(atteso)
    )));
    // The same log reopened with a threshold no disk can meet.
    a.servizio.accessi.chiudi().await;
    let mut c = a.sandbox.configurazione.clone();
    c.accessi.protezioni.spazio_minimo_mib = u64::MAX >> 20;
    let b = avvio::costruisci_con_orologio(&c, Arc::new(adesso))
        .await
        .unwrap();
    let app_b = app(b.servizio.clone());
    let t = metriche(&app_b).await;
    assert!(
        t.contains(
            r#"isee_stato{servizio="consultazione",misura="accessi_spazio_in_esaurimento"} 1"#
        ),
        "{t}"
    );
    b.servizio.accessi.chiudi().await;
}

/// `GET /pronto` checks both databases: the register it reads and the access log it
/// must write before answering. A log without this build's schema is not ready, with
/// a fixed text naming which database; liveness is unchanged.
#[tokio::test]
async fn pronto_controlla_registro_e_accessi() {
    let a = ambiente().await;
    let get = |p: &'static str| {
        let app = a.app.clone();
        async move {
            let r = app
                .oneshot(Request::get(p).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let s = r.status().as_u16();
            let b = r.into_body().collect().await.unwrap().to_bytes().to_vec();
            (s, String::from_utf8(b).unwrap())
        }
    };
    let (s, b) = get("/pronto").await;
    assert_eq!(s, 200, "{b}");
    assert!(b.contains(r#""stato":"pronto""#), "{b}");
    // The log's file, opened beside the service: one of its migrations forgotten.
    sqlx::any::install_default_drivers();
    let url = format!(
        "sqlite://{}",
        a.sandbox
            .configurazione
            .accessi
            .db
            .trim_start_matches("sqlite://")
    );
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    assert_eq!(isee_accessi::TABELLA_MIGRAZIONI, "_sqlx_migrations_accessi");
    sqlx::query("DELETE FROM _sqlx_migrations_accessi WHERE version = (SELECT MAX(version) FROM _sqlx_migrations_accessi)")
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let (s, b) = get("/pronto").await;
    assert_eq!(s, 503, "{b}");
    assert!(b.contains("servizio.migrazioni_mancanti"), "{b}");
    assert!(b.contains("registro degli accessi"), "{b}");
    assert!(
        !b.contains(".db"),
        "nessun percorso di file nella risposta: {b}"
    );
    assert_eq!(get("/salute").await.0, 200);
}

//! The register's events from the real binary (issue 15, "Events"): `isee serve --nats`
//! publishes every filing's events and records the notifications; NATS killed under
//! load loses nothing (the outbox lag shows on `/metrics`, then drains); `isee eventi`
//! reads the backlog, the notifications, and replays the consumer from the stream.

mod processo;

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use isee_prova::nats::ServerNats;
use isee_sandbox::registro_http::Connessione;
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

const CHIAVE: &str = "chiave-di-prova";

async fn metrica(addr: SocketAddr, misura: &str) -> Option<i64> {
    let mut c = Connessione::apri(addr).await.ok()?;
    let (s, corpo) = c.invia(Method::GET, "/metrics", &[], None).await.ok()?;
    assert_eq!(s, StatusCode::OK);
    let testo = String::from_utf8_lossy(&corpo).into_owned();
    let prefisso = format!(r#"isee_stato{{servizio="registro",misura="{misura}"}} "#);
    testo
        .lines()
        .find_map(|l| l.strip_prefix(prefisso.as_str()))
        .and_then(|v| v.trim().parse().ok())
}

async fn attendi(addr: SocketAddr, misura: &str, valore: i64) {
    let inizio = Instant::now();
    loop {
        let v = metrica(addr, misura).await;
        if v == Some(valore) {
            return;
        }
        assert!(
            inizio.elapsed() < Duration::from_secs(30),
            "{misura} = {v:?}, atteso {valore}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn presenta(c: &mut Connessione, indice: u64) {
    let imp = isee_genera::Impostazioni::new(5, 2026);
    let dsu = serde_json::to_string(&isee_genera::nucleo(&imp, indice)).unwrap();
    let auth = format!("Bearer {CHIAVE}");
    let chiave = format!("k-{indice}");
    let (s, corpo) = c
        .invia(
            Method::POST,
            "/api/v1/dsu",
            &[("authorization", &auth), ("idempotency-key", &chiave)],
            Some(Bytes::from(dsu)),
        )
        .await
        .unwrap();
    assert_eq!(
        s,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&corpo)
    );
}

fn isee_eventi(args: &[&str], db: &std::path::Path) -> String {
    let out = processo::isee()
        .arg("eventi")
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "isee eventi {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_pubblica_e_nats_giu_non_perde_nulla() {
    let Some(mut nats) = ServerNats::avvia() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let chiavi = dir.path().join("chiavi.toml");
    std::fs::write(
        &chiavi,
        format!(
            "[[client]]\nid = \"caf\"\nchiave_sha256 = \"{}\"\n",
            isee_server::chiavi::sha256_hex(CHIAVE)
        ),
    )
    .unwrap();
    let db = dir.path().join("r.db");
    let mut comando = processo::isee();
    comando.env("ISEE_NATS", nats.url());
    let (mut server, addr) = processo::serve(&mut comando, &db, &chiavi, Stdio::null());
    let mut c = Connessione::apri(addr).await.unwrap();
    for i in 0..5 {
        presenta(&mut c, i).await;
    }
    // Two events per filing (filed, attestation issued), all published.
    attendi(addr, "eventi_pubblicati", 10).await;
    attendi(addr, "eventi_in_attesa", 0).await;

    // NATS dies: filings are still accepted; the outbox lag grows and shows.
    nats.ferma();
    for i in 5..8 {
        presenta(&mut c, i).await;
    }
    attendi(addr, "eventi_in_attesa", 6).await;
    assert!(metrica(addr, "eventi_ritardo_ms").await.unwrap() >= 0);
    // NATS is back (same store): the node reconnects by itself and drains the outbox.
    nats.riavvia();
    attendi(addr, "eventi_in_attesa", 0).await;
    attendi(addr, "eventi_pubblicati", 16).await;
    // The notification consumer catches up too: one per attestation.
    let inizio = Instant::now();
    loop {
        let righe = isee_eventi(&["notifiche"], &db).lines().count();
        if righe == 8 {
            break;
        }
        assert!(
            inizio.elapsed() < Duration::from_secs(30),
            "{righe} notifiche"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();

    assert_eq!(isee_eventi(&["stato"], &db).trim(), "eventi in attesa: 0");
    let elenco = isee_eventi(&["notifiche"], &db);
    assert!(
        elenco
            .lines()
            .all(|l| l.contains("attestazione.rilasciata")),
        "{elenco}"
    );
    let url = nats.url();
    let riproduzione = isee_eventi(
        &["riproduci", "--consumatore", "notifiche", "--nats", &url],
        &db,
    );
    assert!(
        riproduzione.contains("16 eventi riletti, 8 effetti ricostruiti"),
        "{riproduzione}"
    );
    assert_eq!(isee_eventi(&["notifiche"], &db), elenco);
}

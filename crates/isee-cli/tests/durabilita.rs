//! "Nothing acknowledged is lost": the real server process (`isee serve`) is killed
//! with SIGKILL in the middle of a stream of submissions; after a restart on the same
//! database every protocol that was acknowledged (201) is there and complete, and a
//! retry of its request with the same idempotency key returns the same protocol.
//!
//! SQLite runs in WAL mode with `synchronous = FULL`: a commit is fsynced before the
//! answer is sent, so neither a process kill (tested here) nor a power cut (which a
//! test cannot simulate) loses it (docs/API.md, "Durability").

mod processo;

// The one-connection HTTP client of the register's tests.
use isee_sandbox::registro_http as http;

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use http::Connessione;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CHIAVE: &str = "chiave-di-prova";

fn avvia(dir: &std::path::Path) -> (Child, SocketAddr) {
    processo::serve(
        &mut processo::isee(),
        &dir.join("t.db"),
        &dir.join("chiavi.toml"),
        Stdio::null(),
    )
}

struct Confermata {
    chiave: String,
    dsu: String,
    protocollo: String,
    componenti: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_durante_le_presentazioni_non_perde_nulla() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("chiavi.toml"),
        format!(
            "[[client]]\nid = \"caf\"\nchiave_sha256 = \"{}\"\n",
            isee_server::chiavi::sha256_hex(CHIAVE)
        ),
    )
    .unwrap();
    let (mut server, addr) = avvia(dir.path());

    let imp = isee_genera::Impostazioni::new(11, 2026);
    let confermate = Arc::new(Mutex::new(Vec::<Confermata>::new()));
    let mut flussi = Vec::new();
    for f in 0..6u64 {
        let (imp, confermate) = (imp.clone(), confermate.clone());
        flussi.push(tokio::spawn(async move {
            let Ok(mut c) = Connessione::apri(addr).await else {
                return;
            };
            for i in 0.. {
                let indice = i * 6 + f;
                let dsu = isee_genera::nucleo(&imp, indice);
                let componenti = dsu.componenti.len();
                let testo = serde_json::to_string(&dsu).unwrap();
                let chiave = format!("k-{indice}");
                let auth = format!("Bearer {CHIAVE}");
                let r = c
                    .invia(
                        Method::POST,
                        "/api/v1/dsu",
                        &[("authorization", &auth), ("idempotency-key", &chiave)],
                        Some(Bytes::from(testo.clone())),
                    )
                    .await;
                match r {
                    Ok((StatusCode::CREATED, corpo)) => {
                        let v: serde_json::Value = serde_json::from_slice(&corpo).unwrap();
                        confermate.lock().unwrap().push(Confermata {
                            chiave,
                            dsu: testo,
                            protocollo: v["protocollo"].as_str().unwrap().to_string(),
                            componenti,
                        });
                    }
                    // A generated DSU the register refuses is not acknowledged.
                    Ok((StatusCode::UNPROCESSABLE_ENTITY, _)) => {}
                    Ok((s, corpo)) => panic!("{s}: {}", String::from_utf8_lossy(&corpo)),
                    // The server is gone.
                    Err(_) => return,
                }
            }
        }));
    }
    // Kill while the stream is at full speed.
    let inizio = Instant::now();
    while confermate.lock().unwrap().len() < 500 && inizio.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().unwrap(); // SIGKILL on Unix
    server.wait().unwrap();
    for f in flussi {
        f.await.unwrap();
    }
    let confermate = std::mem::take(&mut *confermate.lock().unwrap());
    assert!(
        confermate.len() >= 500,
        "solo {} presentazioni confermate",
        confermate.len()
    );

    // Nothing half-written: straight from the database the killed server left, the
    // file is sound, every DSU row has its members and indicators, and no member or
    // indicator row lacks its DSU.
    {
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = sqlx::SqlitePool::connect(&url).await.unwrap();
        let conta = |sql: &'static str| {
            let db = db.clone();
            async move {
                sqlx::query_scalar::<_, i64>(sql)
                    .fetch_one(&db)
                    .await
                    .unwrap()
            }
        };
        let integrita: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(integrita, "ok");
        assert!(conta("SELECT COUNT(*) FROM dsu").await >= confermate.len() as i64);
        assert_eq!(
            conta("SELECT COUNT(*) FROM dsu d WHERE NOT EXISTS (SELECT 1 FROM componente_dsu c WHERE c.protocollo = d.protocollo)").await,
            0,
            "a DSU without its members"
        );
        assert_eq!(
            conta("SELECT COUNT(*) FROM dsu d WHERE NOT EXISTS (SELECT 1 FROM indicatore i WHERE i.protocollo = d.protocollo)").await,
            0,
            "a DSU without its indicators"
        );
        assert_eq!(
            conta("SELECT COUNT(*) FROM componente_dsu c WHERE NOT EXISTS (SELECT 1 FROM dsu d WHERE d.protocollo = c.protocollo)").await
                + conta("SELECT COUNT(*) FROM indicatore i WHERE NOT EXISTS (SELECT 1 FROM dsu d WHERE d.protocollo = i.protocollo)").await,
            0,
            "rows without their DSU"
        );
        db.close().await;
    }

    let (mut server, addr) = avvia(dir.path());
    let mut c = Connessione::apri(addr).await.unwrap();
    let auth = format!("Bearer {CHIAVE}");
    for k in &confermate {
        let (s, corpo) = c
            .invia(
                Method::GET,
                &format!("/api/v1/dsu/{}", k.protocollo),
                &[("authorization", &auth)],
                None,
            )
            .await
            .unwrap();
        assert_eq!(s, StatusCode::OK, "{} perso", k.protocollo);
        let v: serde_json::Value = serde_json::from_slice(&corpo).unwrap();
        assert_eq!(v["registrazione"]["protocollo"], k.protocollo.as_str());
        assert_eq!(v["registrazione"]["stato"], "attiva");
        assert_eq!(v["nucleo"].as_array().unwrap().len(), k.componenti);
        assert!(
            !v["attestazione"]["indicatori"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert!(
            !v["registrazione"]["indicatori"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        // The idempotency record survived too: a retry gets the same protocol.
        let (s, corpo) = c
            .invia(
                Method::POST,
                "/api/v1/dsu",
                &[("authorization", &auth), ("idempotency-key", &k.chiave)],
                Some(Bytes::from(k.dsu.clone())),
            )
            .await
            .unwrap();
        assert_eq!(s, StatusCode::CREATED);
        let v: serde_json::Value = serde_json::from_slice(&corpo).unwrap();
        assert_eq!(v["protocollo"], k.protocollo.as_str());
    }
    server.kill().unwrap();
    server.wait().unwrap();
}

/// `ISEE_LOG_FORMATO=json`: every line of the log is one JSON object, and the lines
/// written while serving a request carry its id (sent by the client, or generated) in
/// the request's span, with its route's path.
#[tokio::test]
async fn log_json_con_id_della_richiesta() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chiavi.toml"), "").unwrap();
    let log = dir.path().join("log.jsonl");
    let (mut server, addr) = processo::serve(
        processo::isee()
            .env("RUST_LOG", "info")
            .env("ISEE_LOG_FORMATO", "json"),
        &dir.path().join("t.db"),
        &dir.path().join("chiavi.toml"),
        Stdio::from(std::fs::File::create(&log).unwrap()),
    );
    let mut c = Connessione::apri(addr).await.unwrap();
    let (s, _) = c
        .invia(
            Method::GET,
            "/salute",
            &[("x-request-id", "prova-json-1")],
            None,
        )
        .await
        .unwrap();
    assert_eq!(s, StatusCode::OK);
    let (s, _) = c
        .invia(Method::GET, "/api/v1/dsu", &[], None)
        .await
        .unwrap();
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let _ = Command::new("kill").arg(server.id().to_string()).status();
    server.wait().unwrap();
    let testo = std::fs::read_to_string(&log).unwrap();
    let righe: Vec<serde_json::Value> = testo
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(!righe.is_empty());
    let della = |id: &str| {
        righe
            .iter()
            .filter(|r| r["span"]["id"] == id)
            .collect::<Vec<_>>()
    };
    let prima = della("prova-json-1");
    assert!(!prima.is_empty(), "{testo}");
    assert!(
        prima.iter().all(|r| r["span"]["percorso"] == "/salute"),
        "{testo}"
    );
    // The second request had no id: the server gave it one, which its lines carry.
    let generati: Vec<_> = righe
        .iter()
        .filter(|r| r["span"]["percorso"] == "/api/v1/dsu")
        .collect();
    assert!(!generati.is_empty(), "{testo}");
    assert!(
        generati
            .iter()
            .all(|r| r["span"]["id"].as_str().is_some_and(|i| i.len() == 36)),
        "{testo}"
    );
    assert!(
        righe
            .iter()
            .all(|r| r["level"].is_string() && r["timestamp"].is_string())
    );
}

/// The options of `isee serve` from their environment variables (the systemd unit's
/// `EnvironmentFile`): the database, port and keys from `ISEE_*`, no option given; a
/// command-line option wins over its variable.
#[tokio::test]
async fn serve_dalle_variabili_d_ambiente() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chiavi.toml"), "").unwrap();
    let db = dir.path().join("da-variabile.db");
    let mut figlio = processo::isee()
        .arg("serve")
        .env("ISEE_DB", &db)
        .env("ISEE_PORTA", "0")
        .env("ISEE_CHIAVI", dir.path().join("chiavi.toml"))
        .env("ISEE_TIMEOUT_S", "non-un-numero")
        .arg("--timeout-s")
        .arg("5")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = processo::indirizzo(&mut figlio).unwrap();
    let mut c = Connessione::apri(addr).await.unwrap();
    let (s, _) = c.invia(Method::GET, "/pronto", &[], None).await.unwrap();
    assert_eq!(s, StatusCode::OK);
    figlio.kill().unwrap();
    figlio.wait().unwrap();
    assert!(db.exists(), "il registro non è nel file di ISEE_DB");
    // A variable that is not a value of its option: refused with the option's name.
    let out = processo::isee()
        .arg("serve")
        .env("ISEE_PORTA", "ottanta")
        .env("ISEE_DB", &db)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--porta"), "{err}");
}

//! `isee backup` (issue 15): an online copy of a SQLite database while the services
//! write to it, then a "restore" (the copy served, or verified) that must hold every
//! DSU acknowledged before the backup began, identical, and an access log whose
//! chain verifies; a tampered copy must fail that verification. The refusals
//! (existing destination, PostgreSQL, missing source) with their messages, and
//! nothing half-written left behind.

mod processo;

// The one-connection HTTP client of the register's tests.
use isee_sandbox::registro_http as http;

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use http::Connessione;
use isee_accessi::{ChiaviAudit, NuovoAccesso, OpzioniScrittura, RegistroAccessi};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CHIAVE: &str = "chiave-di-prova";

fn isee(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_isee"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn testo(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `isee backup --db DB --destinazione DEST [altri]`.
fn backup(db: &std::ffi::OsStr, destinazione: &Path, altri: &[&str]) -> Output {
    let mut a: Vec<&std::ffi::OsStr> = vec![
        "backup".as_ref(),
        "--db".as_ref(),
        db,
        "--destinazione".as_ref(),
        destinazione.as_os_str(),
    ];
    a.extend(altri.iter().map(|s| std::ffi::OsStr::new(*s)));
    isee(&a)
}

/// Its summary (stdout), after checking that it succeeded.
fn riepilogo(uscita: &Output) -> String {
    assert!(
        uscita.status.success(),
        "{}{}",
        testo(&uscita.stdout),
        testo(&uscita.stderr)
    );
    testo(&uscita.stdout)
}

fn scrivi_chiavi(dir: &Path) {
    std::fs::write(
        dir.join("chiavi.toml"),
        format!(
            "[[client]]\nid = \"caf\"\nchiave_sha256 = \"{}\"\n",
            isee_server::chiavi::sha256_hex(CHIAVE)
        ),
    )
    .unwrap();
}

/// `isee serve` on `db`, on a free port.
fn avvia(dir: &Path, db: &Path) -> (Child, SocketAddr) {
    processo::serve(
        &mut processo::isee(),
        db,
        &dir.join("chiavi.toml"),
        Stdio::null(),
    )
}

/// A filing the register acknowledged (201), and when.
struct Confermata {
    protocollo: String,
    quando: Instant,
}

async fn leggi(c: &mut Connessione, protocollo: &str) -> (StatusCode, serde_json::Value) {
    let auth = format!("Bearer {CHIAVE}");
    let (s, corpo) = c
        .invia(
            Method::GET,
            &format!("/api/v1/dsu/{protocollo}"),
            &[("authorization", &auth)],
            None,
        )
        .await
        .unwrap();
    let v = if s == StatusCode::OK {
        serde_json::from_slice(&corpo).unwrap()
    } else {
        serde_json::Value::Null
    };
    (s, v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registro_copiato_mentre_il_servizio_scrive_e_ripristinato() {
    let dir = tempfile::tempdir().unwrap();
    scrivi_chiavi(dir.path());
    let db = dir.path().join("registro.db");
    let (mut server, addr) = avvia(dir.path(), &db);

    // Four streams file DSUs without pause, before, during and after the backup.
    let imp = isee_genera::Impostazioni::new(23, 2026);
    let confermate = Arc::new(Mutex::new(Vec::<Confermata>::new()));
    let basta = Arc::new(AtomicBool::new(false));
    let mut flussi = Vec::new();
    for f in 0..4u64 {
        let (imp, confermate, basta) = (imp.clone(), confermate.clone(), basta.clone());
        flussi.push(tokio::spawn(async move {
            let mut c = Connessione::apri(addr).await.unwrap();
            let auth = format!("Bearer {CHIAVE}");
            let mut i = 0;
            while !basta.load(Ordering::Relaxed) {
                let indice = i * 4 + f;
                i += 1;
                let dsu = serde_json::to_string(&isee_genera::nucleo(&imp, indice)).unwrap();
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
                match s {
                    StatusCode::CREATED => {
                        let v: serde_json::Value = serde_json::from_slice(&corpo).unwrap();
                        confermate.lock().unwrap().push(Confermata {
                            protocollo: v["protocollo"].as_str().unwrap().to_string(),
                            quando: Instant::now(),
                        });
                    }
                    // A generated DSU the register refuses is not acknowledged.
                    StatusCode::UNPROCESSABLE_ENTITY => {}
                    s => panic!("{s}: {}", testo(&corpo)),
                }
            }
        }));
    }
    let attesa = Instant::now();
    while confermate.lock().unwrap().len() < 300 {
        assert!(
            attesa.elapsed() < Duration::from_secs(60),
            "presentazioni troppo lente"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Everything acknowledged before this instant must be in the copy.
    let inizio = Instant::now();
    let prima: Vec<String> = confermate
        .lock()
        .unwrap()
        .iter()
        .map(|c| c.protocollo.clone())
        .collect();
    let copia = dir.path().join("copie").join("registro-copia.db");
    std::fs::create_dir(copia.parent().unwrap()).unwrap();
    let (db_arg, copia_arg) = (db.clone(), copia.clone());
    let uscita = tokio::task::spawn_blocking(move || backup(db_arg.as_os_str(), &copia_arg, &[]))
        .await
        .unwrap();
    let fine = Instant::now();
    let riepilogo = riepilogo(&uscita);
    assert!(riepilogo.contains("completo e verificato"), "{riepilogo}");
    assert!(
        riepilogo.contains("controllo di integrità: ok"),
        "{riepilogo}"
    );
    assert!(
        riepilogo.contains(
            "migrazioni _sqlx_migrations_registro: 5 applicate (ultima 5), uguali all'originale"
        ),
        "{riepilogo}"
    );

    // The writers were not held up: filings went on being acknowledged after the
    // backup, on the same connections.
    let attesa = Instant::now();
    while !confermate.lock().unwrap().iter().any(|c| c.quando > fine) {
        assert!(
            attesa.elapsed() < Duration::from_secs(20),
            "nessuna presentazione confermata dopo il backup"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    basta.store(true, Ordering::Relaxed);
    for f in flussi {
        f.await.unwrap();
    }
    let tutte = std::mem::take(&mut *confermate.lock().unwrap());
    let durante = tutte
        .iter()
        .filter(|c| c.quando > inizio && c.quando < fine)
        .count();
    eprintln!(
        "backup in {:?}: {} DSU confermate prima, {durante} durante, {} in tutto",
        fine - inizio,
        prima.len(),
        tutte.len()
    );
    let nella_copia: usize = riepilogo
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("DSU (comprese rettifiche e moduli correnti): ")
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("numero di DSU assente: {riepilogo}"));
    assert!(
        nella_copia >= prima.len(),
        "{nella_copia} < {}",
        prima.len()
    );
    assert!(
        nella_copia <= tutte.len(),
        "{nella_copia} > {}",
        tutte.len()
    );

    // Nothing half-written beside the copy.
    let accanto: Vec<_> = std::fs::read_dir(copia.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(accanto, vec![std::ffi::OsString::from("registro-copia.db")]);

    // The copy on its own, checked independently: sound, every DSU row complete.
    {
        let url = format!("sqlite://{}?mode=ro", copia.display());
        let c = sqlx::SqlitePool::connect(&url).await.unwrap();
        let integrita: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&c)
            .await
            .unwrap();
        assert_eq!(integrita, ["ok"]);
        let conta = |sql: &'static str| {
            let c = c.clone();
            async move {
                sqlx::query_scalar::<_, i64>(sql)
                    .fetch_one(&c)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(conta("SELECT COUNT(*) FROM dsu").await, nella_copia as i64);
        assert_eq!(
            conta("SELECT COUNT(*) FROM dsu d WHERE NOT EXISTS (SELECT 1 FROM componente_dsu c WHERE c.protocollo = d.protocollo) OR NOT EXISTS (SELECT 1 FROM indicatore i WHERE i.protocollo = d.protocollo)").await,
            0,
            "a DSU without its members or indicators"
        );
        c.close().await;
    }
    let verifica = isee(&["backup".as_ref(), "verifica".as_ref(), copia.as_os_str()]);
    assert!(verifica.status.success(), "{}", testo(&verifica.stderr));
    assert!(testo(&verifica.stdout).contains("integra"));

    // Restore: the copy is served; every DSU acknowledged before the backup is
    // there, the same JSON as the original register serves (protocol, members,
    // computed indicators, attestation).
    let (mut ripristino, addr_copia) = avvia(dir.path(), &copia);
    let mut originale = Connessione::apri(addr).await.unwrap();
    let mut copiato = Connessione::apri(addr_copia).await.unwrap();
    for p in &prima {
        let (s, v) = leggi(&mut originale, p).await;
        assert_eq!(s, StatusCode::OK, "{p} nell'originale");
        let (s, w) = leggi(&mut copiato, p).await;
        assert_eq!(s, StatusCode::OK, "{p} assente dalla copia");
        assert_eq!(w["registrazione"]["protocollo"], p.as_str());
        assert!(
            !w["attestazione"]["indicatori"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{p} senza indicatori"
        );
        assert_eq!(
            w["attestazione"]["indicatori"], v["attestazione"]["indicatori"],
            "{p}: ISEE diversi"
        );
        assert_eq!(w, v, "{p}: la copia è diversa dall'originale");
    }
    // A DSU acknowledged after the backup is not in it (the copy is a snapshot).
    let ultima = tutte.last().unwrap();
    assert!(ultima.quando > fine);
    let (s, _) = leggi(&mut copiato, &ultima.protocollo).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "{} nella copia",
        ultima.protocollo
    );

    ripristino.kill().unwrap();
    ripristino.wait().unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
}

fn accesso(i: i64) -> NuovoAccesso {
    NuovoAccesso {
        eservizio: "indicatore".into(),
        operazione: "ConsultazioneIndicatore".into(),
        canale: "rest".into(),
        esito: "OK".into(),
        http_status: 200,
        purpose_id: Some("p".into()),
        cf_ricercato_hash: Some(format!("{i:064x}")),
        id_richiesta: Some(i),
        ts: chrono::Utc::now(),
        ..NuovoAccesso::default()
    }
}

/// `isee audit verifica --db DB --chiave K [--testa T]`.
fn verifica_catena(db: &Path, chiave: &Path, testa: Option<&str>) -> Output {
    let mut a: Vec<&std::ffi::OsStr> = vec![
        "audit".as_ref(),
        "verifica".as_ref(),
        "--db".as_ref(),
        db.as_os_str(),
        "--chiave".as_ref(),
        chiave.as_os_str(),
    ];
    if let Some(t) = testa {
        a.push(std::ffi::OsStr::new("--testa"));
        a.push(std::ffi::OsStr::new(t));
    }
    isee(&a)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registro_degli_accessi_copiato_mentre_scrive_e_catena_verificata() {
    let dir = tempfile::tempdir().unwrap();
    let chiave = dir.path().join("accessi.chiave");
    let chiavi = ChiaviAudit::genera_file(&chiave).unwrap();
    let db = dir.path().join("accessi.db");
    let url = format!("sqlite://{}", db.display());
    // The writer, as in `isee consultazione serve`: group commit, its lease.
    let registro = Arc::new(
        RegistroAccessi::apri(&url, chiavi, OpzioniScrittura::default())
            .await
            .unwrap(),
    );
    for i in 0..300 {
        registro.registra(accesso(i)).await.unwrap();
    }
    // The head exported before the backup: the copy must reach it.
    let (seq, mac) = registro.testa().await.unwrap().unwrap();
    assert_eq!(seq, 300);
    let basta = Arc::new(AtomicBool::new(false));
    let scrittore = {
        let (registro, basta) = (registro.clone(), basta.clone());
        tokio::spawn(async move {
            let mut i = 300;
            while !basta.load(Ordering::Relaxed) {
                registro.registra(accesso(i)).await.unwrap();
                i += 1;
            }
            i
        })
    };
    let copia = dir.path().join("accessi-copia.db");
    let (db_arg, copia_arg) = (db.clone(), copia.clone());
    let uscita = tokio::task::spawn_blocking(move || backup(db_arg.as_os_str(), &copia_arg, &[]))
        .await
        .unwrap();
    basta.store(true, Ordering::Relaxed);
    let scritti = scrittore.await.unwrap();
    registro.chiudi().await;
    let riepilogo = riepilogo(&uscita);
    let nella_copia: i64 = riepilogo
        .lines()
        .find_map(|l| l.trim().strip_prefix("record del registro degli accessi: "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("numero di record assente: {riepilogo}"));
    assert!(
        (300..=scritti).contains(&nella_copia),
        "{nella_copia} record nella copia, {scritti} scritti"
    );
    assert!(
        riepilogo.contains("_sqlx_migrations_accessi"),
        "{riepilogo}"
    );

    // The restored copy's chain verifies with the project's verifier, up to the
    // head exported before the backup.
    let v = verifica_catena(&copia, &chiave, Some(&format!("{seq}:{mac}")));
    let uscita_v = testo(&v.stdout);
    assert!(v.status.success(), "{uscita_v}{}", testo(&v.stderr));
    assert!(uscita_v.contains("catena integra"), "{uscita_v}");
    assert!(
        uscita_v.contains(&format!("record verificati: {nella_copia}")),
        "{uscita_v}"
    );

    // A tampered copy: the file is sound (integrity check passes) but the chain is
    // not, and the verifier says which record.
    let alterata = dir.path().join("accessi-alterata.db");
    std::fs::copy(&copia, &alterata).unwrap();
    {
        let c = sqlx::SqlitePool::connect(&format!("sqlite://{}", alterata.display()))
            .await
            .unwrap();
        let n = sqlx::query("UPDATE accessi_record SET esito = 'KO' WHERE seq = 42")
            .execute(&c)
            .await
            .unwrap()
            .rows_affected();
        assert_eq!(n, 1);
        c.close().await;
    }
    let integra = isee(&["backup".as_ref(), "verifica".as_ref(), alterata.as_os_str()]);
    assert!(integra.status.success(), "{}", testo(&integra.stderr));
    let v = verifica_catena(&alterata, &chiave, None);
    let uscita_v = testo(&v.stdout);
    assert_eq!(v.status.code(), Some(1), "{uscita_v}{}", testo(&v.stderr));
    assert!(uscita_v.contains("ALTERATO"), "{uscita_v}");
    assert!(
        uscita_v.lines().any(|l| l.contains("record         42")),
        "{uscita_v}"
    );
}

/// A small SQLite database, with a table and a migration table like a store's.
async fn piccola(db: &Path) {
    let c = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", db.display()))
        .await
        .unwrap();
    for s in [
        "CREATE TABLE dsu (protocollo TEXT PRIMARY KEY)",
        "INSERT INTO dsu VALUES ('a'), ('b')",
        "CREATE TABLE _sqlx_migrations_prova (version BIGINT PRIMARY KEY, description TEXT, \
         installed_on TEXT, success BOOLEAN, checksum BLOB, execution_time BIGINT)",
        "INSERT INTO _sqlx_migrations_prova VALUES (1, 'x', '', 1, x'00ff', 0)",
    ] {
        sqlx::query(s).execute(&c).await.unwrap();
    }
    c.close().await;
}

fn file_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn rifiuti_con_i_loro_messaggi() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    piccola(&db).await;
    let dest = dir.path().join("copia.db");

    // An existing destination is not touched.
    std::fs::write(&dest, "copia di ieri").unwrap();
    let o = backup(db.as_os_str(), &dest, &[]);
    assert_eq!(o.status.code(), Some(2));
    let e = testo(&o.stderr);
    assert!(
        e.contains("la destinazione") && e.contains("esiste già") && e.contains("--sovrascrivi"),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "copia di ieri");
    // …unless asked: replaced by a checked copy.
    let o = backup(db.as_os_str(), &dest, &["--sovrascrivi"]);
    assert!(o.status.success(), "{}", testo(&o.stderr));
    let s = testo(&o.stdout);
    assert!(
        s.contains("DSU (comprese rettifiche e moduli correnti): 2"),
        "{s}"
    );
    assert!(
        s.contains(
            "migrazioni _sqlx_migrations_prova: 1 applicate (ultima 1), uguali all'originale"
        ),
        "{s}"
    );
    assert!(s.contains("tabelle: 2, righe in tutto: 3"), "{s}");
    let v = isee(&["backup".as_ref(), "verifica".as_ref(), dest.as_os_str()]);
    assert!(v.status.success(), "{}", testo(&v.stderr));
    assert!(testo(&v.stdout).contains("DSU (comprese rettifiche e moduli correnti): 2"));

    // The database itself as its destination.
    let o = backup(db.as_os_str(), &db, &["--sovrascrivi"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        testo(&o.stderr).contains("è la base dati stessa"),
        "{}",
        testo(&o.stderr)
    );

    // PostgreSQL: the documented procedure, never the password.
    let o = backup(
        "postgres://isee:segreto@127.0.0.1/isee".as_ref(),
        &dir.path().join("pg.db"),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = testo(&o.stderr);
    assert!(
        e.contains("PostgreSQL") && e.contains("pg_basebackup") && e.contains("docs/DEPLOY.md"),
        "{e}"
    );
    assert!(!e.contains("segreto"), "{e}");

    // A missing source is not created, nor is its copy.
    let assente = dir.path().join("assente.db");
    let o = backup(assente.as_os_str(), &dir.path().join("a-copia.db"), &[]);
    assert_eq!(o.status.code(), Some(2));
    let e = testo(&o.stderr);
    assert!(e.contains("assente.db") && e.contains("non esiste"), "{e}");
    let o = backup(
        format!("sqlite://{}", assente.display()).as_ref(),
        &dir.path().join("a-copia.db"),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        testo(&o.stderr).contains("non esiste"),
        "{}",
        testo(&o.stderr)
    );

    // A destination directory that does not exist: an error, nothing created.
    let o = backup(db.as_os_str(), &dir.path().join("manca").join("c.db"), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(testo(&o.stderr).contains("errore"), "{}", testo(&o.stderr));

    // After all this, only the source and the one good copy (no temporary files).
    assert_eq!(file_in(dir.path()), vec![dest.clone(), db.clone()]);

    // A damaged copy fails verification; a missing one is "absent".
    let troncata = dir.path().join("troncata.db");
    let byte = std::fs::read(&dest).unwrap();
    std::fs::write(&troncata, &byte[..byte.len() / 2]).unwrap();
    let v = isee(&["backup".as_ref(), "verifica".as_ref(), troncata.as_os_str()]);
    assert!(!v.status.success(), "{}", testo(&v.stdout));
    assert!(
        testo(&v.stderr).starts_with("errore:"),
        "{}",
        testo(&v.stderr)
    );
    let v = isee(&[
        "backup".as_ref(),
        "verifica".as_ref(),
        dir.path().join("nessuna.db").as_os_str(),
    ]);
    assert_eq!(v.status.code(), Some(2));
    assert!(
        testo(&v.stderr).contains("non esiste"),
        "{}",
        testo(&v.stderr)
    );
}

//! The contract-test harness: one store per test, on SQLite (a temporary file,
//! always) and on PostgreSQL (a fresh schema with a random name, dropped at the end).
//!
//! PostgreSQL: `ISEE_TEST_PG_URL`, default `postgres://root@127.0.0.1:5432/test`.
//! When it is unreachable: with `CI` set, try to start the local cluster
//! (`pg_ctlcluster`) and fail if it stays down; without `CI`, say so and skip.

use isee_registro::StoreSql;
use isee_registro::store::Configurazione;
use std::future::Future;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const PG_PREDEFINITO: &str = "postgres://root@127.0.0.1:5432/test";

pub fn pg_url() -> String {
    std::env::var("ISEE_TEST_PG_URL").unwrap_or_else(|_| PG_PREDEFINITO.to_string())
}

async fn pg_risponde(url: &str) -> bool {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let tentativo = async {
        let mut c = sqlx::AnyConnection::connect(url).await?;
        sqlx::query("SELECT 1").execute(&mut c).await?;
        c.close().await
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(3), tentativo).await,
        Ok(Ok(()))
    )
}

fn avvia_cluster() {
    let versioni = std::fs::read_dir("/etc/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for v in versioni {
        let esito = std::process::Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &v, "main", "start"])
            .status();
        eprintln!("pg_ctlcluster {v} main start: {esito:?}");
    }
}

/// Whether PostgreSQL is there, decided once per test binary (on its own runtime,
/// because every `#[tokio::test]` has a runtime of its own).
fn pg_disponibile() -> bool {
    // The outcome is cached, a failure included, so that a missing server under CI
    // costs one 20 s wait per test binary, not one per test.
    static DISPONIBILE: OnceLock<Result<bool, String>> = OnceLock::new();
    let esito = DISPONIBILE.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let url = pg_url();
                if pg_risponde(&url).await {
                    return Ok(true);
                }
                if std::env::var_os("CI").is_none() {
                    eprintln!("PostgreSQL non raggiungibile: test PostgreSQL saltati");
                    return Ok(false);
                }
                avvia_cluster();
                let inizio = Instant::now();
                while inizio.elapsed() < Duration::from_secs(20) {
                    if pg_risponde(&url).await {
                        return Ok(true);
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(format!(
                    "CI: PostgreSQL non raggiungibile dopo 20 s (avvio con pg_ctlcluster tentato; ISEE_TEST_PG_URL o {PG_PREDEFINITO})"
                ))
            })
        })
        .join()
        .unwrap_or_else(|_| Err("verifica di PostgreSQL interrotta".into()))
    });
    match esito {
        Ok(b) => *b,
        Err(e) => panic!("{e}"),
    }
}

pub enum Banco {
    Sqlite(StoreSql, tempfile::TempDir),
    Postgres(StoreSql, String),
}

impl Banco {
    pub async fn sqlite() -> Banco {
        let dir = tempfile::tempdir().expect("cartella temporanea");
        // No `mode=rwc`: the store must create the file on first run by itself.
        let url = format!("sqlite://{}", dir.path().join("registro.db").display());
        let store = StoreSql::connetti(&url).await.expect("SQLite");
        Banco::Sqlite(store, dir)
    }

    pub async fn postgres() -> Option<Banco> {
        if !pg_disponibile() {
            return None;
        }
        let schema = format!("isee_test_{:016x}", fastrand::u64(..));
        let mut cfg = Configurazione::new(&pg_url());
        cfg.schema = Some(schema.clone());
        cfg.max_connessioni = 3;
        let store = StoreSql::connetti_con(cfg).await.expect("PostgreSQL");
        Some(Banco::Postgres(store, schema))
    }

    /// Runs a test body on this store, then drops what it created, also when the
    /// body panics (the panic is re-raised afterwards).
    pub async fn esegui<F, Fut>(self, corpo: F)
    where
        F: FnOnce(StoreSql) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let store = match &self {
            Banco::Sqlite(s, _) | Banco::Postgres(s, _) => s.clone(),
        };
        let esito = tokio::spawn(corpo(store)).await;
        match self {
            Banco::Sqlite(s, dir) => {
                s.chiudi().await;
                drop(dir);
            }
            Banco::Postgres(s, schema) => {
                let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                let r = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(s.pool())
                    .await;
                s.chiudi().await;
                r.expect("eliminazione dello schema di test");
            }
        }
        if let Err(e) = esito {
            if e.is_panic() {
                std::panic::resume_unwind(e.into_panic());
            }
            panic!("test interrotto: {e}");
        }
    }
}

//! The test bench: finding (or, under CI, starting) PostgreSQL once per test binary,
//! and one fresh database per test on either backend.

use std::future::Future;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use isee_sql::Backend;

/// Where PostgreSQL is looked for when `ISEE_TEST_PG_URL` is not set.
pub const PG_PREDEFINITO: &str = "postgres://root@127.0.0.1:5432/test";

/// `ISEE_TEST_PG_URL`, or [`PG_PREDEFINITO`].
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
/// because every `#[tokio::test]` has a runtime of its own). Under `CI`, a server
/// that does not answer is started with `pg_ctlcluster`, and this panics when it
/// stays down; without `CI` it returns `false` (the caller skips).
pub fn pg_disponibile() -> bool {
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
                    "CI: PostgreSQL non raggiungibile dopo 20 s su {} (avvio con pg_ctlcluster tentato; ISEE_TEST_PG_URL o {PG_PREDEFINITO})",
                    isee_sql::senza_credenziali(&url)
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

/// What a test body (or the crate's fixture) gets: where its fresh database is.
#[derive(Clone, Debug)]
pub struct Ambiente {
    pub backend: Backend,
    /// SQLite: `sqlite://DIR/prova.db`, a file not yet created (no `mode=rwc`: the
    /// store must create it by itself). PostgreSQL: the server's URL ([`pg_url`]);
    /// the test's tables go in [`Ambiente::schema`].
    pub url: String,
    /// PostgreSQL: this test's schema, created empty, dropped at the end.
    pub schema: Option<String>,
    /// SQLite: the database file.
    pub file: Option<PathBuf>,
}

impl Ambiente {
    /// The URL that reaches the test's tables by itself: on PostgreSQL with the
    /// schema as `search_path`, for stores that take no schema of their own.
    pub fn url_con_schema(&self) -> String {
        match &self.schema {
            None => self.url.clone(),
            Some(s) => {
                let sep = if self.url.contains('?') { '&' } else { '?' };
                format!("{}{sep}options[search_path]={s}", self.url)
            }
        }
    }
}

async fn connetti_pg() -> sqlx::AnyConnection {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(&pg_url())
        .await
        .expect("connessione a PostgreSQL")
}

async fn sql_pg(istruzione: String) {
    use sqlx::Connection;
    let mut c = connetti_pg().await;
    sqlx::query(sqlx::AssertSqlSafe(istruzione.clone()))
        .execute(&mut c)
        .await
        .unwrap_or_else(|e| panic!("{istruzione}: {e}"));
    let _ = c.close().await;
}

/// Runs one test body on a fresh database of `backend`, then removes it, also when
/// the body panics (the panic is re-raised afterwards). On PostgreSQL, when the
/// server is not there and `CI` is not set, the body does not run.
pub async fn esegui<F, Fut>(backend: Backend, corpo: F)
where
    F: FnOnce(Ambiente) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("cartella temporanea");
            let file = dir.path().join("prova.db");
            let amb = Ambiente {
                backend,
                url: format!("sqlite://{}", file.display()),
                schema: None,
                file: Some(file),
            };
            let esito = tokio::spawn(corpo(amb)).await;
            drop(dir);
            rilancia(esito);
        }
        Backend::Postgres => {
            if !pg_disponibile() {
                return;
            }
            let schema = format!("isee_prova_{:016x}", fastrand::u64(..));
            sql_pg(format!("CREATE SCHEMA {schema}")).await;
            let amb = Ambiente {
                backend,
                url: pg_url(),
                schema: Some(schema.clone()),
                file: None,
            };
            let esito = tokio::spawn(corpo(amb)).await;
            sql_pg(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await;
            rilancia(esito);
        }
    }
}

fn rilancia(esito: Result<(), tokio::task::JoinError>) {
    if let Err(e) = esito {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test interrotto: {e}");
    }
}

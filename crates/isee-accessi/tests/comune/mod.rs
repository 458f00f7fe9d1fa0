//! The test harness: every test body runs on SQLite (a temporary file, always) and on
//! PostgreSQL (a fresh schema with a random name, reached through `search_path` in the
//! URL, dropped at the end).
//!
//! PostgreSQL: `ISEE_TEST_PG_URL`, default `postgres://root@127.0.0.1:5432/test`.
//! When it is unreachable: with `CI` set the test fails; without, it says so and skips.

#![allow(dead_code)]

use sqlx::Connection;
use std::future::Future;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

pub const PG_PREDEFINITO: &str = "postgres://root@127.0.0.1:5432/test";

pub fn pg_url() -> String {
    std::env::var("ISEE_TEST_PG_URL").unwrap_or_else(|_| PG_PREDEFINITO.to_string())
}

async fn pg_risponde(url: &str) -> bool {
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

/// Whether PostgreSQL is there, decided once per test binary (on its own runtime,
/// because every `#[tokio::test]` has a runtime of its own).
fn pg_disponibile() -> bool {
    static DISPONIBILE: OnceLock<bool> = OnceLock::new();
    let c = *DISPONIBILE.get_or_init(|| {
        std::thread::spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(pg_risponde(&pg_url()))
        })
        .join()
        .unwrap_or(false)
    });
    if !c {
        if std::env::var_os("CI").is_some() {
            panic!(
                "CI: PostgreSQL non raggiungibile ({}; ISEE_TEST_PG_URL)",
                pg_url()
            );
        }
        eprintln!("PostgreSQL non raggiungibile: test PostgreSQL saltato");
    }
    c
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tipo {
    Sqlite,
    Postgres,
}

/// What a test body gets: the URL to open, and a way to tamper with the tables.
#[derive(Clone, Debug)]
pub struct Ambiente {
    pub url: String,
    pub tipo: Tipo,
    /// SQLite: the database file.
    pub file: Option<PathBuf>,
}

impl Ambiente {
    /// Runs statements on a connection of their own, as an attacker (or an
    /// administrator) with database access but no key would.
    pub async fn sql(&self, istruzioni: &[&str]) {
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("connessione di manomissione");
        if self.tipo == Tipo::Sqlite {
            sqlx::query("PRAGMA busy_timeout = 10000")
                .execute(&mut c)
                .await
                .expect("busy_timeout");
        }
        for s in istruzioni {
            sqlx::query(sqlx::AssertSqlSafe(s.to_string()))
                .execute(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        c.close().await.expect("chiusura");
    }
}

pub enum Banco {
    Sqlite(Ambiente, tempfile::TempDir),
    Postgres(Ambiente, String),
}

impl Banco {
    pub async fn sqlite() -> Banco {
        let dir = tempfile::tempdir().expect("cartella temporanea");
        let file = dir.path().join("accessi.db");
        let amb = Ambiente {
            url: format!("sqlite://{}?mode=rwc", file.display()),
            tipo: Tipo::Sqlite,
            file: Some(file),
        };
        Banco::Sqlite(amb, dir)
    }

    pub async fn postgres() -> Option<Banco> {
        if !pg_disponibile() {
            return None;
        }
        let schema = format!("isee_accessi_test_{:016x}", fastrand::u64(..));
        let base = pg_url();
        let mut c = sqlx::AnyConnection::connect(&base)
            .await
            .expect("PostgreSQL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut c)
            .await
            .expect("creazione dello schema di test");
        c.close().await.expect("chiusura");
        let sep = if base.contains('?') { '&' } else { '?' };
        let amb = Ambiente {
            url: format!("{base}{sep}options[search_path]={schema}"),
            tipo: Tipo::Postgres,
            file: None,
        };
        Some(Banco::Postgres(amb, schema))
    }

    /// Runs a test body, then drops what it created, also when the body panics (the
    /// panic is re-raised afterwards).
    pub async fn esegui<F, Fut>(self, corpo: F)
    where
        F: FnOnce(Ambiente) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let amb = match &self {
            Banco::Sqlite(a, _) | Banco::Postgres(a, _) => a.clone(),
        };
        let esito = tokio::spawn(corpo(amb)).await;
        match self {
            Banco::Sqlite(_, dir) => drop(dir),
            Banco::Postgres(_, schema) => {
                let mut c = sqlx::AnyConnection::connect(&pg_url())
                    .await
                    .expect("PostgreSQL");
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE"
                )))
                .execute(&mut c)
                .await
                .expect("eliminazione dello schema di test");
                let _ = c.close().await;
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

/// One test body on both backends: `su_entrambi!(nome)` makes `nome::sqlite` and
/// `nome::postgres` out of `async fn nome(amb: Ambiente)`.
#[macro_export]
macro_rules! su_entrambi {
    ($($nome:ident),* $(,)?) => {$(
        mod $nome {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::comune::Banco::sqlite().await.esegui(super::$nome).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(b) = $crate::comune::Banco::postgres().await {
                    b.esegui(super::$nome).await;
                }
            }
        }
    )*};
}

//! The storage harness: each test body runs on SQLite (a temporary file, always) and
//! on PostgreSQL (a fresh schema with a random name, dropped at the end).
//!
//! PostgreSQL: `ISEE_TEST_PG_URL`, default `postgres://root@127.0.0.1:5432/test`.
//! When it is unreachable: with `CI` set the tests fail; without `CI` they say so
//! and skip.

use isee_enti::{ConfigurazioneDb, RegistroEnti};
use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

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

fn senza_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(i), Some(j)) if j > i => format!("{}://***{}", &url[..i], &url[j..]),
        _ => url.to_string(),
    }
}

/// Whether PostgreSQL is there, decided once per test binary (on a runtime of its
/// own: every `#[tokio::test]` has its own).
fn pg_disponibile() -> bool {
    static DISPONIBILE: OnceLock<bool> = OnceLock::new();
    let c_e = *DISPONIBILE.get_or_init(|| {
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
    if !c_e {
        if std::env::var_os("CI").is_some() {
            panic!(
                "CI: PostgreSQL non raggiungibile su {} (impostare ISEE_TEST_PG_URL; predefinito {PG_PREDEFINITO})",
                senza_password(&pg_url())
            );
        }
        eprintln!("PostgreSQL non raggiungibile: test PostgreSQL saltato");
    }
    c_e
}

/// What a test body gets: the register, and the way to open a second connection
/// pool on the same database (another server instance).
#[derive(Clone)]
pub struct Contesto {
    pub registro: RegistroEnti,
    cfg: ConfigurazioneDb,
}

impl Contesto {
    pub async fn riapri(&self) -> RegistroEnti {
        RegistroEnti::apri_con(self.cfg.clone())
            .await
            .expect("riapertura")
    }
}

pub enum Banco {
    Sqlite(Contesto, tempfile::TempDir),
    Postgres(Contesto, String),
}

impl Banco {
    pub async fn sqlite() -> Banco {
        let dir = tempfile::tempdir().expect("cartella temporanea");
        // No `mode=rwc`: the register must create the file by itself.
        let cfg = ConfigurazioneDb::new(&format!(
            "sqlite://{}",
            dir.path().join("enti.db").display()
        ));
        let registro = RegistroEnti::apri_con(cfg.clone()).await.expect("SQLite");
        Banco::Sqlite(Contesto { registro, cfg }, dir)
    }

    pub async fn postgres() -> Option<Banco> {
        if !pg_disponibile() {
            return None;
        }
        let schema = format!("isee_enti_test_{:016x}", fastrand::u64(..));
        let mut cfg = ConfigurazioneDb::new(&pg_url());
        cfg.schema = Some(schema.clone());
        cfg.max_connessioni = 3;
        let registro = RegistroEnti::apri_con(cfg.clone())
            .await
            .expect("PostgreSQL");
        Some(Banco::Postgres(Contesto { registro, cfg }, schema))
    }

    /// Runs a body, then drops what it created, also when the body panics (the
    /// panic is re-raised afterwards).
    pub async fn esegui<F, Fut>(self, corpo: F)
    where
        F: FnOnce(Contesto) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let contesto = match &self {
            Banco::Sqlite(c, _) | Banco::Postgres(c, _) => c.clone(),
        };
        let esito = tokio::spawn(corpo(contesto)).await;
        match self {
            Banco::Sqlite(c, dir) => {
                c.registro.chiudi().await;
                drop(dir);
            }
            Banco::Postgres(c, schema) => {
                let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                let r = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(c.registro.pool())
                    .await;
                c.registro.chiudi().await;
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

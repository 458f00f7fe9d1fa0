//! Opening a database the same way in every store (`isee-registro`, `isee-enti`,
//! `isee-accessi`): one sqlx `Any` pool on SQLite (the embedded default) or
//! PostgreSQL, chosen by the URL.
//!
//! Each store keeps its own tables, schema creation and SQLite pragmas (the access
//! log needs `synchronous = FULL`, the register does not); what they share is here:
//! which backend a URL names, creating the SQLite file on first run, running the
//! pragmas or the PostgreSQL `search_path` on every new connection, never
//! putting a password in a message, and running a store's migrations ([`migra`], each store in its own table: [`con_tabella`]).
//! [`copia`] takes an online backup of a SQLite database (`isee backup`).

pub mod copia;

use sqlx::AnyPool;
use sqlx::AssertSqlSafe;
use sqlx::migrate::{MigrateError, Migrator};
use std::future::Future;
use std::pin::Pin;

/// A boxed future that can cross threads.
type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
use sqlx::any::AnyPoolOptions;

/// The database behind a URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Why a pool could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ErroreApertura {
    /// The URL names neither SQLite nor PostgreSQL (shown without its password).
    #[error("URL del database non supportato: {0} (usare sqlite://… o postgres://…)")]
    UrlNonSupportato(String),
    /// A PostgreSQL schema name outside `[a-z_][a-z0-9_]{0,62}`.
    #[error("schema PostgreSQL non ammesso: «{0}»")]
    SchemaNonAmmesso(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Backend {
    pub fn da_url(url: &str) -> Result<Backend, ErroreApertura> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(ErroreApertura::UrlNonSupportato(senza_credenziali(url)))
        }
    }

    /// Bind parameters allowed in one statement: SQLite ≥ 3.32 allows 32,766,
    /// PostgreSQL 65,535.
    pub fn massimo_parametri(self) -> usize {
        match self {
            Backend::Sqlite => 32_766,
            Backend::Postgres => 65_535,
        }
    }
}

/// A URL without its password, for messages: `postgres://user:secret@host` would
/// otherwise end up in logs.
pub fn senza_credenziali(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(i), Some(j)) if j > i => format!("{}://***{}", &url[..i], &url[j..]),
        _ => url.to_string(),
    }
}

/// A schema name that is safe to splice into `SET search_path` / `CREATE SCHEMA`.
pub fn schema_ammesso(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !s.as_bytes()[0].is_ascii_digit()
}

/// Adds `mode=rwc` to a SQLite URL that has no mode, so the file is created on the
/// first run (the embedded default must work on a fresh machine).
pub fn url_creabile(url: &str, backend: Backend) -> String {
    let mut url = url.to_string();
    if backend == Backend::Sqlite && !url.contains("mode=") && !url.contains(":memory:") {
        url.push_str(if url.contains('?') {
            "&mode=rwc"
        } else {
            "?mode=rwc"
        });
    }
    url
}

/// The file of a SQLite URL (`sqlite://percorso?…`, `sqlite:percorso`); `None` for
/// PostgreSQL and in-memory databases.
pub fn file_sqlite(url: &str) -> Option<std::path::PathBuf> {
    let resto = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let percorso = resto.split('?').next().unwrap_or_default();
    if percorso.is_empty() || percorso.contains(":memory:") {
        return None;
    }
    Some(std::path::PathBuf::from(percorso))
}

/// A database as users write it on the command line or in a configuration file: a
/// URL passes through, anything else is the path of a SQLite file.
pub fn url_da_percorso(db: &str) -> String {
    if db.contains("://") || db.starts_with("sqlite:") {
        db.to_string()
    } else {
        format!("sqlite://{db}")
    }
}

/// How to open a pool.
#[derive(Clone, Copy, Debug)]
pub struct Apertura<'a> {
    pub url: &'a str,
    pub max_connessioni: u32,
    /// PostgreSQL only: the schema every connection works in (ignored on SQLite).
    pub schema: Option<&'a str>,
    /// SQLite only: statements run on every new connection.
    pub pragma_sqlite: &'static [&'static str],
}

/// Opens the pool; on PostgreSQL creates the schema when missing; returns the pool with
/// its backend and the checked schema.
pub async fn apri(a: Apertura<'_>) -> Result<(AnyPool, Backend, Option<String>), ErroreApertura> {
    sqlx::any::install_default_drivers();
    let backend = Backend::da_url(a.url)?;
    let schema = match a.schema {
        Some(s) if backend == Backend::Postgres => {
            if !schema_ammesso(s) {
                return Err(ErroreApertura::SchemaNonAmmesso(s.to_string()));
            }
            Some(s.to_string())
        }
        _ => None,
    };
    let schema_conn = schema.clone();
    let pragma = a.pragma_sqlite;
    let pool = AnyPoolOptions::new()
        .max_connections(a.max_connessioni.max(1))
        .after_connect(move |conn, _meta| {
            let schema = schema_conn.clone();
            Box::pin(async move {
                match backend {
                    Backend::Sqlite => {
                        for p in pragma {
                            sqlx::query(*p).execute(&mut *conn).await?;
                        }
                    }
                    Backend::Postgres => {
                        if let Some(s) = schema {
                            // Checked by `schema_ammesso`: only [a-z0-9_].
                            sqlx::query(AssertSqlSafe(format!("SET search_path TO {s}")))
                                .execute(&mut *conn)
                                .await?;
                        }
                    }
                }
                Ok(())
            })
        })
        .connect(&url_creabile(a.url, backend))
        .await?;
    if let Some(s) = &schema {
        // Two servers starting together would race on `CREATE SCHEMA IF NOT EXISTS`
        // (it is not atomic in PostgreSQL's catalogue): a transaction-scoped advisory
        // lock serialises them. The SELECT of an integer because `Any` cannot decode
        // `void`. Checked by `schema_ammesso`: only [a-z0-9_].
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT 1 AS ok FROM (SELECT pg_advisory_xact_lock(7236110041)) AS blocco")
            .execute(&mut *tx)
            .await?;
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {s}")))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok((pool, backend, schema))
}

/// `m` recording its applied migrations in `tabella` instead of sqlx's default
/// `_sqlx_migrations`: each store has a table of its own, so that several stores can
/// share one database without seeing each other's migrations.
pub fn con_tabella(mut m: Migrator, tabella: &'static str) -> Migrator {
    m.dangerous_set_table_name(tabella);
    m
}

/// Brings a store's schema up to date with its embedded migrations, safely when several
/// processes open the same database at once.
///
/// PostgreSQL: sqlx's migrator takes an advisory lock on the database for the run.
/// SQLite: the migrator takes no lock, so the whole run (migration table, checks,
/// every migration as a savepoint) happens inside one `BEGIN IMMEDIATE` transaction.
/// The write lock is taken up front, waiting (busy timeout) for a running writer: a
/// deferred transaction that first only reads would fail at once with "database is
/// locked" when it has to upgrade after another process committed, and two processes
/// starting together would both try to apply the same migration.
pub async fn migra(
    pool: &AnyPool,
    backend: Backend,
    migratore: &Migrator,
) -> Result<(), MigrateError> {
    match backend {
        Backend::Postgres => migra_su(migratore, pool).await,
        Backend::Sqlite => {
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            migra_su(migratore, &mut *tx).await?;
            tx.commit().await?;
            Ok(())
        }
    }
}

/// `Migrator::run`, boxed where its lifetimes are named. Awaited directly inside an
/// async fn, its generic `Acquire` bound makes the caller's future fail to be `Send`
/// ("implementation of `Acquire` is not general enough"), and the servers spawn it.
fn migra_su<'c, A>(migratore: &'c Migrator, dove: A) -> BoxFuture<'c, Result<(), MigrateError>>
where
    A: sqlx::Acquire<'c> + Send + 'c,
    <A::Connection as std::ops::Deref>::Target: sqlx::migrate::Migrate,
{
    Box::pin(migratore.run(dove))
}

/// Why a store is not ready to serve (`/pronto`).
#[derive(Debug, thiserror::Error)]
pub enum NonPronto {
    #[error("base dati non raggiungibile: {0}")]
    Irraggiungibile(sqlx::Error),
    /// A PostgreSQL standby, a read-only transaction default, or SQLite's
    /// `query_only`/a read-only file.
    #[error("base dati in sola lettura")]
    SolaLettura,
    /// Migrations this build knows that the database has not applied (or applied and
    /// failed).
    #[error("migrazioni non applicate: {0:?}")]
    MigrazioniMancanti(Vec<i64>),
}

impl NonPronto {
    /// The stable code of the 503 problem document (`/pronto` of every listener).
    pub fn codice(&self) -> &'static str {
        match self {
            NonPronto::Irraggiungibile(_) => "servizio.db_irraggiungibile",
            NonPronto::SolaLettura => "servizio.db_sola_lettura",
            NonPronto::MigrazioniMancanti(_) => "servizio.migrazioni_mancanti",
        }
    }

    /// A fixed Italian text for an unauthenticated caller (the cause, which may name
    /// hosts and files, goes to the log only); `di` names the database
    /// (`"del registro"`, `"del registro degli accessi"`).
    pub fn dettaglio(&self, di: &str) -> String {
        match self {
            NonPronto::Irraggiungibile(_) => format!("la base dati {di} non risponde"),
            NonPronto::SolaLettura => format!("la base dati {di} è in sola lettura"),
            NonPronto::MigrazioniMancanti(_) => {
                format!("la base dati {di} non ha lo schema di questa versione")
            }
        }
    }
}

/// Readiness of one store's database: reachable, writable, its migrations current.
/// Takes nothing but a connection and, on SQLite, the write lock for an instant
/// (`BEGIN IMMEDIATE` then `ROLLBACK`): it writes nothing.
pub async fn pronto(
    pool: &AnyPool,
    backend: Backend,
    migratore: &Migrator,
) -> Result<(), NonPronto> {
    use NonPronto::Irraggiungibile as I;
    let mut c = pool.acquire().await.map_err(I)?;
    let scrivibile = match backend {
        Backend::Postgres => {
            let sola: String = sqlx::query_scalar(
                "SELECT CASE WHEN pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on' \
                 THEN 'si' ELSE 'no' END",
            )
            .fetch_one(&mut *c)
            .await
            .map_err(I)?;
            sola == "no"
        }
        Backend::Sqlite => {
            let prova = sqlx::query("BEGIN IMMEDIATE").execute(&mut *c).await;
            match prova {
                Ok(_) => {
                    sqlx::query("ROLLBACK").execute(&mut *c).await.map_err(I)?;
                    let sola: i64 = sqlx::query_scalar("PRAGMA query_only")
                        .fetch_one(&mut *c)
                        .await
                        .map_err(I)?;
                    sola == 0
                }
                Err(sqlx::Error::Database(d))
                    if d.message().contains("readonly") || d.message().contains("read-only") =>
                {
                    false
                }
                Err(e) => return Err(I(e)),
            }
        }
    };
    if !scrivibile {
        return Err(NonPronto::SolaLettura);
    }
    // Checked by the store's own code: a table name of letters and underscores.
    let applicate: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT version FROM {} WHERE success",
        migratore.table_name
    )))
    .fetch_all(&mut *c)
    .await
    .map_err(I)?;
    let mancanti: Vec<i64> = migratore
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| m.version)
        .filter(|v| !applicate.contains(v))
        .collect();
    if mancanti.is_empty() {
        Ok(())
    } else {
        Err(NonPronto::MigrazioniMancanti(mancanti))
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn percorsi_da_url() {
        assert_eq!(
            file_sqlite("sqlite:///var/lib/isee/accessi.db?mode=rwc"),
            Some(std::path::PathBuf::from("/var/lib/isee/accessi.db"))
        );
        assert_eq!(
            file_sqlite("sqlite:accessi.db"),
            Some(std::path::PathBuf::from("accessi.db"))
        );
        assert_eq!(file_sqlite("sqlite::memory:"), None);
        assert_eq!(file_sqlite("postgres://u@h/db"), None);
    }

    #[test]
    fn backend_dall_url_senza_mostrare_la_password() {
        assert_eq!(Backend::da_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::da_url("postgresql://a@b/c").unwrap(),
            Backend::Postgres
        );
        let e = Backend::da_url("mysql://u:segreto@h/db")
            .unwrap_err()
            .to_string();
        assert!(
            !e.contains("segreto") && e.contains("mysql://***@h/db"),
            "{e}"
        );
    }

    #[test]
    fn file_sqlite_creato_al_primo_avvio() {
        assert_eq!(
            url_creabile("sqlite://a.db", Backend::Sqlite),
            "sqlite://a.db?mode=rwc"
        );
        assert_eq!(
            url_creabile("sqlite://a.db?x=1", Backend::Sqlite),
            "sqlite://a.db?x=1&mode=rwc"
        );
        assert_eq!(
            url_creabile("sqlite://a.db?mode=ro", Backend::Sqlite),
            "sqlite://a.db?mode=ro"
        );
        assert_eq!(
            url_creabile("postgres://h/d", Backend::Postgres),
            "postgres://h/d"
        );
    }

    #[test]
    fn percorso_o_url() {
        assert_eq!(
            url_da_percorso("dati/registro.db"),
            "sqlite://dati/registro.db"
        );
        assert_eq!(url_da_percorso("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(url_da_percorso("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn schemi_ammessi() {
        assert!(schema_ammesso("t_ab12"));
        assert!(!schema_ammesso("a; DROP"));
        assert!(!schema_ammesso("1a"));
        assert!(!schema_ammesso(""));
    }
}

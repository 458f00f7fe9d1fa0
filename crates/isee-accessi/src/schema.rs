//! Connection and tables, on SQLite or PostgreSQL through sqlx's `Any` driver.
//!
//! The tables come from sqlx migrations embedded from `migrations/sqlite` and
//! `migrations/postgres`, recorded in a table of the log's own
//! ([`TABELLA_MIGRAZIONI`]) so that the log can share a database with the DSU and
//! enti registers; the migration table is the layout version. The first migration
//! uses `CREATE TABLE IF NOT EXISTS`, so a log created by the hand-written DDL of
//! earlier versions opens as it is. Only TEXT and BIGINT columns, `$n`
//! placeholders, SQL in `const`s. Every table name starts with `accessi_` so that it
//! cannot collide with the tables of the other crates.

use crate::errore::{ErroreAccessi, Risultato};
use crate::record::{COLONNE_DATI, Riga};
use sqlx::any::AnyRow;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{AnyPool, Row};
use std::sync::LazyLock;

pub(crate) use isee_sql::Backend;

/// SQLite settings for every connection. WAL lets readers (verification, listings)
/// run beside the writer. `synchronous = FULL` because a record must survive a power
/// cut once `registra` has answered: NORMAL in WAL mode may lose the last commits.
/// The busy timeout makes retention (a second writing connection) wait for the
/// writer instead of failing.
const PRAGMA_SQLITE: [&str; 3] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA busy_timeout = 10000",
];

/// A pool on the log's database, with the log's SQLite settings.
pub(crate) async fn connetti(url: &str, connessioni: u32) -> Risultato<(AnyPool, Backend)> {
    let (pool, backend, _) = isee_sql::apri(isee_sql::Apertura {
        url,
        max_connessioni: connessioni,
        schema: None,
        pragma_sqlite: &PRAGMA_SQLITE,
    })
    .await?;
    Ok((pool, backend))
}

/// A read-only pool for verification: busy timeout only (changing the journal mode
/// would be a write), one connection.
pub(crate) async fn connetti_lettura(url: &str) -> Risultato<(AnyPool, Backend)> {
    let (pool, backend, _) = isee_sql::apri(isee_sql::Apertura {
        url,
        max_connessioni: 1,
        schema: None,
        pragma_sqlite: &["PRAGMA busy_timeout = 10000"],
    })
    .await?;
    Ok((pool, backend))
}

/// The tables, one migrator per backend (`migrations/sqlite`, `migrations/postgres`:
/// same versions, same names), recorded in a migration table of the log's own.
static MIGRAZIONI_SQLITE: LazyLock<Migrator> = LazyLock::new(|| {
    isee_sql::con_tabella(sqlx::migrate!("migrations/sqlite"), TABELLA_MIGRAZIONI)
});
static MIGRAZIONI_POSTGRES: LazyLock<Migrator> = LazyLock::new(|| {
    isee_sql::con_tabella(sqlx::migrate!("migrations/postgres"), TABELLA_MIGRAZIONI)
});

/// The table where sqlx records which of the log's migrations were applied.
pub const TABELLA_MIGRAZIONI: &str = "_sqlx_migrations_accessi";

pub(crate) fn migrazioni(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &MIGRAZIONI_SQLITE,
        Backend::Postgres => &MIGRAZIONI_POSTGRES,
    }
}

pub(crate) const SQL_LEGGI_META: &str = "SELECT valore FROM accessi_meta WHERE chiave = $1";

/// Brings the tables up to date. Safe beside another process that opens or writes
/// the same log (`isee_sql::migra`: the SQLite write lock is taken up front, so a
/// reader opening beside the running server waits instead of failing with
/// "database is locked"; sqlx's advisory lock on PostgreSQL). A log written by a
/// newer version (a migration this code does not know) is refused.
pub(crate) async fn crea_tabelle(pool: &AnyPool, backend: Backend) -> Risultato<()> {
    let migratore = migrazioni(backend);
    isee_sql::migra(pool, backend, migratore)
        .await
        .map_err(|e| match e {
            MigrateError::VersionMissing(trovata) => ErroreAccessi::SchemaPiuRecente {
                trovata,
                gestita: migratore.iter().map(|m| m.version).max().unwrap_or(0),
            },
            altro => ErroreAccessi::Migrazione(altro),
        })
}

/// `seq, ts, …, mac_precedente, mac`: the column list of every record SELECT.
pub(crate) fn colonne_select() -> String {
    let mut s = COLONNE_DATI.join(", ");
    s.push_str(", mac_precedente, mac");
    s
}

/// A stored row, exactly as stored.
pub(crate) fn riga(r: &AnyRow) -> Result<Riga, sqlx::Error> {
    Ok(Riga {
        seq: r.try_get("seq")?,
        ts: r.try_get("ts")?,
        eservizio: r.try_get("eservizio")?,
        operazione: r.try_get("operazione")?,
        canale: r.try_get("canale")?,
        esito: r.try_get("esito")?,
        http_status: r.try_get("http_status")?,
        voucher_jti: r.try_get("voucher_jti")?,
        client_id: r.try_get("client_id")?,
        consumer_id: r.try_get("consumer_id")?,
        purpose_id: r.try_get("purpose_id")?,
        ente_ipa: r.try_get("ente_ipa")?,
        ente_categoria: r.try_get("ente_categoria")?,
        operatore_cf_hash: r.try_get("operatore_cf_hash")?,
        operatore_loa: r.try_get("operatore_loa")?,
        operatore_postazione: r.try_get("operatore_postazione")?,
        evidenza_jti: r.try_get("evidenza_jti")?,
        tipo_ricerca: r.try_get("tipo_ricerca")?,
        cf_ricercato_hash: r.try_get("cf_ricercato_hash")?,
        prestazione: r.try_get("prestazione")?,
        protocollo_domanda: r.try_get("protocollo_domanda")?,
        stato_domanda: r.try_get("stato_domanda")?,
        protocollo_dsu: r.try_get("protocollo_dsu")?,
        id_richiesta: r.try_get("id_richiesta")?,
        request_id: r.try_get("request_id")?,
        ip_client: r.try_get("ip_client")?,
        latenza_us: r.try_get("latenza_us")?,
        mac_precedente: r.try_get("mac_precedente")?,
        mac: r.try_get("mac")?,
    })
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn migrazioni_in_passo() {
        isee_prova::migrazioni::in_passo(
            env!("CARGO_MANIFEST_DIR"),
            &MIGRAZIONI_SQLITE,
            &MIGRAZIONI_POSTGRES,
            TABELLA_MIGRAZIONI,
        );
    }
}

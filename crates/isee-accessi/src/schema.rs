//! Connection and tables, on SQLite or PostgreSQL through sqlx's `Any` driver.
//!
//! No sqlx migrations: another crate may share the database and its
//! `_sqlx_migrations` table, so the tables are created with idempotent
//! `CREATE TABLE IF NOT EXISTS` statements per backend and the layout version is a row
//! of our own (`accessi_meta.versione_schema`). Only TEXT and BIGINT columns, `$n`
//! placeholders, SQL in `const`s. Every table name starts with `accessi_` so that it
//! cannot collide with the tables of the other crates.

use crate::errore::{ErroreAccessi, Risultato};
use crate::record::{COLONNE_DATI, Riga};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

/// The layout version this code writes and reads.
pub(crate) const VERSIONE_SCHEMA: i64 = 1;

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

const DDL_SQLITE: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS accessi_meta (chiave TEXT PRIMARY KEY, valore TEXT NOT NULL) STRICT",
    // `seq INTEGER PRIMARY KEY` is SQLite's rowid: the chain order is the table order.
    "CREATE TABLE IF NOT EXISTS accessi_record (
        seq INTEGER PRIMARY KEY, ts TEXT NOT NULL,
        eservizio TEXT NOT NULL, operazione TEXT NOT NULL, canale TEXT NOT NULL,
        esito TEXT NOT NULL, http_status INTEGER NOT NULL,
        voucher_jti TEXT, client_id TEXT, consumer_id TEXT, purpose_id TEXT,
        ente_ipa TEXT, ente_categoria TEXT, operatore_cf_hash TEXT, operatore_loa TEXT,
        operatore_postazione TEXT, evidenza_jti TEXT, tipo_ricerca TEXT,
        cf_ricercato_hash TEXT, prestazione TEXT, protocollo_domanda TEXT,
        stato_domanda TEXT, protocollo_dsu TEXT, id_richiesta INTEGER, request_id TEXT,
        ip_client TEXT, latenza_us INTEGER NOT NULL,
        mac_precedente TEXT NOT NULL, mac TEXT NOT NULL) STRICT",
    "CREATE INDEX IF NOT EXISTS accessi_record_ts ON accessi_record (ts)",
    "CREATE INDEX IF NOT EXISTS accessi_record_cf ON accessi_record (cf_ricercato_hash) \
     WHERE cf_ricercato_hash IS NOT NULL",
    "CREATE TABLE IF NOT EXISTS accessi_ancora (
        id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, mac TEXT NOT NULL,
        creata_il TEXT NOT NULL, eliminati_totali INTEGER NOT NULL,
        mac_ancora TEXT NOT NULL) STRICT",
    "CREATE TABLE IF NOT EXISTS accessi_processo (
        id INTEGER PRIMARY KEY CHECK (id = 1), titolare TEXT NOT NULL,
        descrizione TEXT NOT NULL, scadenza INTEGER NOT NULL) STRICT",
    "CREATE TABLE IF NOT EXISTS accessi_in_attesa (
        id INTEGER PRIMARY KEY AUTOINCREMENT, dati TEXT NOT NULL, mac TEXT NOT NULL) STRICT",
];

const DDL_POSTGRES: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS accessi_meta (chiave TEXT PRIMARY KEY, valore TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS accessi_record (
        seq BIGINT PRIMARY KEY, ts TEXT NOT NULL,
        eservizio TEXT NOT NULL, operazione TEXT NOT NULL, canale TEXT NOT NULL,
        esito TEXT NOT NULL, http_status BIGINT NOT NULL,
        voucher_jti TEXT, client_id TEXT, consumer_id TEXT, purpose_id TEXT,
        ente_ipa TEXT, ente_categoria TEXT, operatore_cf_hash TEXT, operatore_loa TEXT,
        operatore_postazione TEXT, evidenza_jti TEXT, tipo_ricerca TEXT,
        cf_ricercato_hash TEXT, prestazione TEXT, protocollo_domanda TEXT,
        stato_domanda TEXT, protocollo_dsu TEXT, id_richiesta BIGINT, request_id TEXT,
        ip_client TEXT, latenza_us BIGINT NOT NULL,
        mac_precedente TEXT NOT NULL, mac TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS accessi_record_ts ON accessi_record (ts)",
    "CREATE INDEX IF NOT EXISTS accessi_record_cf ON accessi_record (cf_ricercato_hash) \
     WHERE cf_ricercato_hash IS NOT NULL",
    "CREATE TABLE IF NOT EXISTS accessi_ancora (
        id BIGINT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, mac TEXT NOT NULL,
        creata_il TEXT NOT NULL, eliminati_totali BIGINT NOT NULL, mac_ancora TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS accessi_processo (
        id BIGINT PRIMARY KEY CHECK (id = 1), titolare TEXT NOT NULL,
        descrizione TEXT NOT NULL, scadenza BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS accessi_in_attesa (
        id BIGSERIAL PRIMARY KEY, dati TEXT NOT NULL, mac TEXT NOT NULL)",
];

const SQL_VERSIONE_INIZIALE: &str = "INSERT INTO accessi_meta (chiave, valore) \
     VALUES ('versione_schema', $1) ON CONFLICT (chiave) DO NOTHING";

pub(crate) const SQL_LEGGI_META: &str = "SELECT valore FROM accessi_meta WHERE chiave = $1";

/// Creates the tables if missing and checks the layout version.
pub(crate) async fn crea_tabelle(pool: &AnyPool, backend: Backend) -> Risultato<()> {
    // SQLite: take the write lock up front. A deferred transaction reads the schema
    // first and then fails at once with "database is locked" when it must upgrade to
    // write after the running writer has committed (WAL does not wait on upgrades);
    // a reader opening beside the server hit exactly that.
    let mut tx = match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    };
    match backend {
        Backend::Sqlite => {
            for s in DDL_SQLITE {
                sqlx::query(*s).execute(&mut *tx).await?;
            }
        }
        Backend::Postgres => {
            // Two processes running CREATE TABLE IF NOT EXISTS at once can still
            // collide in PostgreSQL's catalog; the transaction-scoped lock makes them
            // take turns. Keyed by schema, so per-test schemas do not wait for each other.
            sqlx::query(
                "SELECT pg_advisory_xact_lock(hashtext('isee-accessi/ddl'), hashtext(current_schema()))",
            )
            .execute(&mut *tx)
            .await?;
            for s in DDL_POSTGRES {
                sqlx::query(*s).execute(&mut *tx).await?;
            }
        }
    }
    sqlx::query(SQL_VERSIONE_INIZIALE)
        .bind(VERSIONE_SCHEMA.to_string())
        .execute(&mut *tx)
        .await?;
    let versione: String = sqlx::query(SQL_LEGGI_META)
        .bind("versione_schema")
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    tx.commit().await?;
    let trovata: i64 = versione
        .parse()
        .map_err(|_| ErroreAccessi::DatoCorrotto(format!("versione_schema «{versione}»")))?;
    if trovata > VERSIONE_SCHEMA {
        return Err(ErroreAccessi::SchemaPiuRecente {
            trovata,
            gestita: VERSIONE_SCHEMA,
        });
    }
    Ok(())
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

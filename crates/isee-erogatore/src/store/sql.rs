//! [`StoreDomande`] on SQLite or PostgreSQL through sqlx's `Any` driver, opened with
//! `isee-sql` like every store of the project.
//!
//! The rules of docs/stile-rust.md B.3 apply: only BIGINT and TEXT columns (money in
//! cents, dates as `YYYY-MM-DD` text, timestamps as unix µs), `$n` placeholders
//! written by hand, SQL in `const`s, two migration directories in step. The
//! migrations are recorded in their own table, [`TABELLA_MIGRAZIONI`], so that this
//! register and the DSU register can share one database file (docs/REGISTRO.md).

use super::StoreDomande;
use crate::domanda::{DomandaEnte, FonteIsee, IseeOttenuto};
use crate::errore::{ErroreRegistroEnte, Risultato};
use chrono::NaiveDate;
use isee_core::codice_fiscale::CodiceFiscale;
use isee_registro::importo::{da_centesimi, in_centesimi};
use isee_sql::{Backend, senza_credenziali};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Row};
use std::sync::LazyLock;

/// The table where sqlx records this crate's migrations (not sqlx's default
/// `_sqlx_migrations`, which a database made by the old code uses for the register's).
pub const TABELLA_MIGRAZIONI: &str = "_sqlx_migrations_erogatore";

static MIGRAZIONI_SQLITE: LazyLock<Migrator> = LazyLock::new(|| {
    isee_sql::con_tabella(sqlx::migrate!("migrations/sqlite"), TABELLA_MIGRAZIONI)
});
static MIGRAZIONI_POSTGRES: LazyLock<Migrator> = LazyLock::new(|| {
    isee_sql::con_tabella(sqlx::migrate!("migrations/postgres"), TABELLA_MIGRAZIONI)
});

fn migrazioni(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &MIGRAZIONI_SQLITE,
        Backend::Postgres => &MIGRAZIONI_POSTGRES,
    }
}

/// How to connect.
#[derive(Clone)]
pub struct Configurazione {
    /// `sqlite://path` (created if missing) or `postgres://user@host:port/db`.
    pub url: String,
    pub max_connessioni: u32,
    /// PostgreSQL only: work in this schema (created if missing). Tests use a fresh
    /// schema each; production normally leaves it unset (`public`).
    pub schema: Option<String>,
}

impl std::fmt::Debug for Configurazione {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Configurazione")
            .field("url", &senza_credenziali(&self.url))
            .field("max_connessioni", &self.max_connessioni)
            .field("schema", &self.schema)
            .finish()
    }
}

impl Configurazione {
    pub fn new(url: &str) -> Configurazione {
        Configurazione {
            url: url.to_string(),
            max_connessioni: 4,
            schema: None,
        }
    }
}

/// SQLite settings applied to every connection, the same as the DSU register's (the
/// two may share a file): WAL, NORMAL sync, foreign keys, a busy timeout.
const PRAGMA_SQLITE: [&str; 4] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
];

/// The one implementation of [`StoreDomande`].
#[derive(Clone, Debug)]
pub struct StoreDomandeSql {
    pool: AnyPool,
    backend: Backend,
}

impl StoreDomandeSql {
    /// Connects and brings the schema up to date.
    pub async fn connetti(url: &str) -> Risultato<StoreDomandeSql> {
        StoreDomandeSql::connetti_con(Configurazione::new(url)).await
    }

    pub async fn connetti_con(cfg: Configurazione) -> Risultato<StoreDomandeSql> {
        let (pool, backend, _) = isee_sql::apri(isee_sql::Apertura {
            url: &cfg.url,
            max_connessioni: cfg.max_connessioni,
            schema: cfg.schema.as_deref(),
            pragma_sqlite: &PRAGMA_SQLITE,
        })
        .await?;
        migrazioni(backend).run(&pool).await?;
        Ok(StoreDomandeSql { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for administration.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn chiudi(&self) {
        self.pool.close().await;
    }
}

// ---------------------------------------------------------------------------------
// Conversions between rows and records.

fn testo_data(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn corrotto(cosa: impl Into<String>) -> ErroreRegistroEnte {
    ErroreRegistroEnte::DatoCorrotto(cosa.into())
}

fn leggi_data_opz(s: Option<String>) -> Risultato<Option<NaiveDate>> {
    s.as_deref()
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| corrotto(format!("data «{s}»")))
        })
        .transpose()
}

fn leggi_decimale(s: &str) -> Risultato<Decimal> {
    s.parse().map_err(|_| corrotto(format!("decimale «{s}»")))
}

fn leggi_enum<T: serde::de::DeserializeOwned>(s: &str) -> Risultato<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|_| corrotto(format!("codice «{s}»")))
}

fn nome_enum<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn centesimi_opz(d: Option<Decimal>) -> Risultato<Option<i64>> {
    Ok(d.map(in_centesimi).transpose()?)
}

// ---------------------------------------------------------------------------------
// SQL.

const SQL_SALVA_DOMANDA: &str = "INSERT INTO domanda_ente (ente, id, servizio, codice_fiscale, \
     tipo_richiesto, isee_tipo, isee_centesimi, ise_centesimi, isr_centesimi, isp_centesimi, \
     scala, protocollo_dsu, data_presentazione_dsu, valida_al, fonte, evidenza, hash_evidenza, \
     aggiornata_il) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
     ON CONFLICT (ente, id) DO UPDATE SET servizio = excluded.servizio, \
     codice_fiscale = excluded.codice_fiscale, tipo_richiesto = excluded.tipo_richiesto, \
     isee_tipo = excluded.isee_tipo, isee_centesimi = excluded.isee_centesimi, \
     ise_centesimi = excluded.ise_centesimi, isr_centesimi = excluded.isr_centesimi, \
     isp_centesimi = excluded.isp_centesimi, scala = excluded.scala, \
     protocollo_dsu = excluded.protocollo_dsu, \
     data_presentazione_dsu = excluded.data_presentazione_dsu, valida_al = excluded.valida_al, \
     fonte = excluded.fonte, evidenza = excluded.evidenza, \
     hash_evidenza = excluded.hash_evidenza, aggiornata_il = excluded.aggiornata_il";

macro_rules! seleziona_domande {
    ($dove:literal) => {
        concat!(
            "SELECT ente, id, servizio, codice_fiscale, tipo_richiesto, isee_tipo, \
             isee_centesimi, ise_centesimi, isr_centesimi, isp_centesimi, scala, protocollo_dsu, \
             data_presentazione_dsu, valida_al, fonte, evidenza, hash_evidenza, aggiornata_il \
             FROM domanda_ente ",
            $dove
        )
    };
}

const SQL_DOMANDA: &str = seleziona_domande!("WHERE ente = $1 AND id = $2");

/// NULL sorts first in SQLite and last in PostgreSQL: `COALESCE` gives one order,
/// with the applications without a validity end first.
const SQL_IN_SCADENZA: &str = seleziona_domande!(
    "WHERE valida_al IS NULL OR valida_al < $1 \
     ORDER BY COALESCE(valida_al, ''), ente, id"
);

fn domanda_ente(r: &AnyRow) -> Risultato<DomandaEnte> {
    let s = |c: &str| r.try_get::<String, _>(c);
    let so = |c: &str| r.try_get::<Option<String>, _>(c);
    let io = |c: &str| r.try_get::<Option<i64>, _>(c);
    let isee = match (so("isee_tipo")?, io("isee_centesimi")?) {
        (Some(tipo), Some(isee)) => Some(IseeOttenuto {
            tipo: leggi_enum(&tipo)?,
            isee: da_centesimi(isee),
            ise: io("ise_centesimi")?.map(da_centesimi),
            isr: io("isr_centesimi")?.map(da_centesimi),
            isp: io("isp_centesimi")?.map(da_centesimi),
            scala: so("scala")?.as_deref().map(leggi_decimale).transpose()?,
            protocollo_dsu: so("protocollo_dsu")?,
            data_presentazione_dsu: leggi_data_opz(so("data_presentazione_dsu")?)?,
            valida_al: leggi_data_opz(so("valida_al")?)?,
            fonte: so("fonte")?
                .as_deref()
                .map(|f| FonteIsee::da_nome(f).ok_or_else(|| corrotto("fonte")))
                .transpose()?,
            evidenza: so("evidenza")?,
            hash_evidenza: so("hash_evidenza")?,
        }),
        _ => None,
    };
    Ok(DomandaEnte {
        ente: s("ente")?,
        id: s("id")?,
        servizio: s("servizio")?,
        codice_fiscale: CodiceFiscale::new(&s("codice_fiscale")?),
        tipo_richiesto: leggi_enum(&s("tipo_richiesto")?)?,
        isee,
        aggiornata_il: r.try_get("aggiornata_il")?,
    })
}

impl StoreDomande for StoreDomandeSql {
    async fn salva_domanda(&self, d: &DomandaEnte) -> Risultato<()> {
        let i = d.isee.as_ref();
        sqlx::query(SQL_SALVA_DOMANDA)
            .bind(d.ente.clone())
            .bind(d.id.clone())
            .bind(d.servizio.clone())
            .bind(d.codice_fiscale.as_str().to_string())
            .bind(nome_enum(&d.tipo_richiesto))
            .bind(i.map(|i| nome_enum(&i.tipo)))
            .bind(centesimi_opz(i.map(|i| i.isee))?)
            .bind(centesimi_opz(i.and_then(|i| i.ise))?)
            .bind(centesimi_opz(i.and_then(|i| i.isr))?)
            .bind(centesimi_opz(i.and_then(|i| i.isp))?)
            .bind(i.and_then(|i| i.scala).map(|s| s.to_string()))
            .bind(i.and_then(|i| i.protocollo_dsu.clone()))
            .bind(i.and_then(|i| i.data_presentazione_dsu).map(testo_data))
            .bind(i.and_then(|i| i.valida_al).map(testo_data))
            .bind(i.and_then(|i| i.fonte).map(|f| f.nome().to_string()))
            .bind(i.and_then(|i| i.evidenza.clone()))
            .bind(i.and_then(|i| i.hash_evidenza.clone()))
            .bind(d.aggiornata_il)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn domanda(&self, ente: &str, id: &str) -> Risultato<Option<DomandaEnte>> {
        sqlx::query(SQL_DOMANDA)
            .bind(ente.to_string())
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(domanda_ente)
            .transpose()
    }

    async fn in_scadenza(&self, entro: NaiveDate) -> Risultato<Vec<DomandaEnte>> {
        sqlx::query(SQL_IN_SCADENZA)
            .bind(testo_data(entro))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(domanda_ente)
            .collect()
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn nessun_tipo_decimale_o_in_virgola_mobile() {
        isee_prova::migrazioni::tipi_portabili(env!("CARGO_MANIFEST_DIR"));
    }

    #[test]
    fn tabelle_sqlite_strict() {
        isee_prova::migrazioni::sqlite_strict(env!("CARGO_MANIFEST_DIR"));
    }
}

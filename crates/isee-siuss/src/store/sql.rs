//! [`StoreFlussi`] on SQLite or PostgreSQL through sqlx's `Any` driver, opened with
//! `isee-sql` like every store of the project.
//!
//! The rules of docs/stile-rust.md B.3 apply: only BIGINT and TEXT columns
//! (timestamps as Unix ms, the ente's record as its JSON text), `$n` placeholders
//! written by hand, SQL in `const`s, two migration directories in step, migrations
//! recorded in their own table, [`TABELLA_MIGRAZIONI`].
//!
//! `ts_flusso` is allocated inside the writing transaction as `max(now, last + 1)`,
//! under a write lock (SQLite `BEGIN IMMEDIATE`, PostgreSQL a self-conflicting table
//! lock): two flows never share a `ts_flusso`, so paging by `since` never skips one.

use super::StoreFlussi;
use crate::ente::Ente;
use crate::errore::{ErroreSiuss, Risultato};
use crate::flusso::{
    CodiceEsito, Esito, Flusso, RiepilogoEsiti, RiepilogoImportazione, StatoFlusso, TipoFlusso,
    id_flusso,
};
use crate::prestazione::{PrestazioneErogata, RecordGrezzo};
use chrono::DateTime;
use isee_sql::{Backend, senza_credenziali};
use sqlx::any::AnyRow;
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Row, Transaction};
use std::sync::LazyLock;

/// The table where sqlx records this crate's migrations.
pub const TABELLA_MIGRAZIONI: &str = "_sqlx_migrations_siuss";

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
    /// PostgreSQL only: work in this schema (created if missing).
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

/// SQLite settings applied to every connection (the same as the other stores', so
/// that they may share a file).
const PRAGMA_SQLITE: [&str; 4] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
];

/// The one implementation of [`StoreFlussi`].
#[derive(Clone, Debug)]
pub struct StoreSiussSql {
    pool: AnyPool,
    backend: Backend,
}

impl StoreSiussSql {
    /// Connects and brings the schema up to date.
    pub async fn connetti(url: &str) -> Risultato<StoreSiussSql> {
        StoreSiussSql::connetti_con(Configurazione::new(url)).await
    }

    pub async fn connetti_con(cfg: Configurazione) -> Risultato<StoreSiussSql> {
        let (pool, backend, _) = isee_sql::apri(isee_sql::Apertura {
            url: &cfg.url,
            max_connessioni: cfg.max_connessioni,
            schema: cfg.schema.as_deref(),
            pragma_sqlite: &PRAGMA_SQLITE,
        })
        .await?;
        isee_sql::migra(&pool, backend, migrazioni(backend)).await?;
        Ok(StoreSiussSql { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn chiudi(&self) {
        self.pool.close().await;
    }

    /// A writing transaction holding the write lock (see the module's comment).
    async fn scrittura(&self) -> Risultato<Transaction<'static, Any>> {
        match self.backend {
            Backend::Sqlite => Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query(SQL_BLOCCA_PG).execute(&mut *tx).await?;
                Ok(tx)
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// SQL.

const SQL_BLOCCA_PG: &str = "LOCK TABLE siuss_flusso IN SHARE ROW EXCLUSIVE MODE";

const SQL_ULTIMO_TS: &str = "SELECT COALESCE(MAX(ts_ms), 0) AS m FROM siuss_flusso";

const SQL_PROGRESSIVO: &str = "INSERT INTO siuss_progressivo (codice_ente, sigla, giorno, ultimo) \
     VALUES ($1, $2, $3, 1) ON CONFLICT (codice_ente, sigla, giorno) \
     DO UPDATE SET ultimo = siuss_progressivo.ultimo + 1 RETURNING ultimo";

const SQL_PER_CHIAVE: &str = "SELECT id_flusso, denominazione_ente, record FROM siuss_flusso \
     WHERE codice_ente = $1 AND protocollo_domanda = $2 AND codice_prestazione = $3";

const SQL_INSERISCI: &str = "INSERT INTO siuss_flusso (id_flusso, codice_ente, \
     denominazione_ente, protocollo_domanda, codice_prestazione, tipo, ts_ms, record, stato, \
     id_acquisizione_siuss, creato_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'da_trasmettere', NULL, $9)";

const SQL_RIEMETTI_RECORD: &str = "UPDATE siuss_flusso SET denominazione_ente = $1, record = $2, \
     ts_ms = $3, stato = 'da_trasmettere', id_acquisizione_siuss = NULL WHERE id_flusso = $4";

macro_rules! seleziona_flussi {
    ($dove:literal) => {
        concat!(
            "SELECT id_flusso, codice_ente, denominazione_ente, tipo, ts_ms, record, stato, \
             id_acquisizione_siuss FROM siuss_flusso ",
            $dove
        )
    };
}

const SQL_DOPO: &str = seleziona_flussi!("WHERE ts_ms > $1 ORDER BY ts_ms LIMIT $2");
const SQL_ELENCO: &str = seleziona_flussi!("ORDER BY ts_ms");
const SQL_FLUSSO: &str = seleziona_flussi!("WHERE id_flusso = $1");

const SQL_STATO: &str = "SELECT ts_ms FROM siuss_flusso WHERE id_flusso = $1";

const SQL_INSERISCI_ESITO: &str = "INSERT INTO siuss_esito (id_flusso, ts_flusso_ms, \
     ts_acquisizione_ms, tipo, codice_esito, descrizione_esito, id_acquisizione_siuss, \
     ricevuto_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
     ON CONFLICT (id_flusso, ts_flusso_ms, ts_acquisizione_ms, codice_esito) DO NOTHING";

const SQL_ACQUISITO: &str = "UPDATE siuss_flusso SET stato = 'acquisito', \
     id_acquisizione_siuss = $1 WHERE id_flusso = $2";

const SQL_SCARTATO: &str = "UPDATE siuss_flusso SET stato = 'scartato' WHERE id_flusso = $1";

const SQL_RIEMETTI: &str =
    "UPDATE siuss_flusso SET stato = 'da_trasmettere', ts_ms = $1 WHERE id_flusso = $2";

const SQL_ESITI: &str = "SELECT id_flusso, ts_flusso_ms, ts_acquisizione_ms, tipo, codice_esito, \
     descrizione_esito, id_acquisizione_siuss FROM siuss_esito WHERE id_flusso = $1 \
     ORDER BY ricevuto_ms, ts_acquisizione_ms";

// ---------------------------------------------------------------------------------
// Conversions.

fn corrotto(cosa: impl Into<String>) -> ErroreSiuss {
    ErroreSiuss::DatoCorrotto(cosa.into())
}

fn flusso_da_riga(r: &AnyRow) -> Risultato<Flusso> {
    let s = |c: &str| r.try_get::<String, _>(c);
    let id: String = s("id_flusso")?;
    let ente = Ente::new(&s("codice_ente")?, &s("denominazione_ente")?)
        .map_err(|p| corrotto(format!("ente del flusso {id}: {p}")))?;
    let record: RecordGrezzo = serde_json::from_str(&s("record")?)
        .map_err(|e| corrotto(format!("record del flusso {id}: {e}")))?;
    Ok(Flusso {
        tipo: TipoFlusso::da_nome(&s("tipo")?).ok_or_else(|| corrotto("tipo"))?,
        ts_ms: r.try_get("ts_ms")?,
        ente,
        record,
        stato: StatoFlusso::da_nome(&s("stato")?).ok_or_else(|| corrotto("stato"))?,
        id_acquisizione_siuss: r.try_get("id_acquisizione_siuss")?,
        id_flusso: id,
    })
}

fn esito_da_riga(r: &AnyRow) -> Risultato<Esito> {
    let s = |c: &str| r.try_get::<String, _>(c);
    Ok(Esito {
        id_flusso: s("id_flusso")?,
        tipo: TipoFlusso::da_nome(&s("tipo")?).ok_or_else(|| corrotto("tipo dell'esito"))?,
        ts_flusso_ms: r.try_get("ts_flusso_ms")?,
        ts_acquisizione_ms: r.try_get("ts_acquisizione_ms")?,
        codice: CodiceEsito::da_nome(&s("codice_esito")?)
            .ok_or_else(|| corrotto("codice dell'esito"))?,
        descrizione: r.try_get("descrizione_esito")?,
        id_acquisizione_siuss: r.try_get("id_acquisizione_siuss")?,
    })
}

/// The next `ts_flusso`: now, or one millisecond after the last one if that is later.
async fn prossimo_ts(tx: &mut Transaction<'static, Any>, adesso_ms: i64) -> Risultato<i64> {
    let ultimo: i64 = sqlx::query(SQL_ULTIMO_TS)
        .fetch_one(&mut **tx)
        .await?
        .try_get("m")?;
    Ok(adesso_ms.max(ultimo.saturating_add(1)))
}

impl StoreFlussi for StoreSiussSql {
    async fn importa(
        &self,
        ente: &Ente,
        record: &[RecordGrezzo],
        adesso_ms: i64,
    ) -> Risultato<RiepilogoImportazione> {
        // Every record is read before anything is written.
        let lette: Vec<PrestazioneErogata> = record
            .iter()
            .enumerate()
            .map(|(indice, r)| {
                PrestazioneErogata::leggi(r)
                    .map_err(|problemi| ErroreSiuss::RecordNonValido { indice, problemi })
            })
            .collect::<Result<_, _>>()?;
        let giorno = DateTime::from_timestamp_millis(adesso_ms)
            .unwrap_or_default()
            .date_naive();
        let giorno_testo = giorno.format("%Y%m%d").to_string();
        let tipo = TipoFlusso::PsPsaSina;
        let mut tx = self.scrittura().await?;
        let mut riepilogo = RiepilogoImportazione::default();
        for (r, p) in record.iter().zip(&lette) {
            let json = serde_json::to_string(r).map_err(|e| corrotto(e.to_string()))?;
            let esistente = sqlx::query(SQL_PER_CHIAVE)
                .bind(ente.codice().to_string())
                .bind(p.protocollo_domanda.clone())
                .bind(p.codice_prestazione.clone())
                .fetch_optional(&mut *tx)
                .await?;
            match esistente {
                Some(riga) => {
                    let id: String = riga.try_get("id_flusso")?;
                    let denominazione: String = riga.try_get("denominazione_ente")?;
                    let prima: String = riga.try_get("record")?;
                    if prima == json && denominazione == ente.denominazione() {
                        riepilogo.invariati += 1;
                        continue;
                    }
                    let ts = prossimo_ts(&mut tx, adesso_ms).await?;
                    sqlx::query(SQL_RIEMETTI_RECORD)
                        .bind(ente.denominazione().to_string())
                        .bind(json)
                        .bind(ts)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    riepilogo.aggiornati += 1;
                }
                None => {
                    let n: i64 = sqlx::query(SQL_PROGRESSIVO)
                        .bind(ente.codice().to_string())
                        .bind(tipo.sigla().to_string())
                        .bind(giorno_testo.clone())
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("ultimo")?;
                    if n > 9_999_999 {
                        return Err(ErroreSiuss::ProgressivoEsaurito(giorno.to_string()));
                    }
                    let ts = prossimo_ts(&mut tx, adesso_ms).await?;
                    sqlx::query(SQL_INSERISCI)
                        .bind(id_flusso(ente, tipo, giorno, n))
                        .bind(ente.codice().to_string())
                        .bind(ente.denominazione().to_string())
                        .bind(p.protocollo_domanda.clone())
                        .bind(p.codice_prestazione.clone())
                        .bind(tipo.nome().to_string())
                        .bind(ts)
                        .bind(json)
                        .bind(adesso_ms)
                        .execute(&mut *tx)
                        .await?;
                    riepilogo.nuovi += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(riepilogo)
    }

    async fn flussi_dopo(&self, since_ms: i64, limite: u32) -> Risultato<Vec<Flusso>> {
        sqlx::query(SQL_DOPO)
            .bind(since_ms)
            .bind(i64::from(limite))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(flusso_da_riga)
            .collect()
    }

    async fn elenco(&self) -> Risultato<Vec<Flusso>> {
        sqlx::query(SQL_ELENCO)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(flusso_da_riga)
            .collect()
    }

    async fn flusso(&self, id: &str) -> Risultato<Option<Flusso>> {
        sqlx::query(SQL_FLUSSO)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(flusso_da_riga)
            .transpose()
    }

    async fn registra_esiti(&self, esiti: &[Esito], adesso_ms: i64) -> Risultato<RiepilogoEsiti> {
        let mut tx = self.scrittura().await?;
        let mut riepilogo = RiepilogoEsiti::default();
        for e in esiti {
            let Some(riga) = sqlx::query(SQL_STATO)
                .bind(e.id_flusso.clone())
                .fetch_optional(&mut *tx)
                .await?
            else {
                riepilogo.sconosciuti.push(e.id_flusso.clone());
                continue;
            };
            let ts_attuale: i64 = riga.try_get("ts_ms")?;
            let fatto = sqlx::query(SQL_INSERISCI_ESITO)
                .bind(e.id_flusso.clone())
                .bind(e.ts_flusso_ms)
                .bind(e.ts_acquisizione_ms)
                .bind(e.tipo.nome().to_string())
                .bind(e.codice.nome().to_string())
                .bind(e.descrizione.clone())
                .bind(e.id_acquisizione_siuss.clone())
                .bind(adesso_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if fatto == 0 {
                // The same outcome delivered again: already applied.
                continue;
            }
            riepilogo.registrati += 1;
            if e.ts_flusso_ms != ts_attuale {
                // About an earlier issue of the flow: recorded, the state is the
                // current issue's.
                continue;
            }
            match e.codice {
                CodiceEsito::Ok => {
                    sqlx::query(SQL_ACQUISITO)
                        .bind(e.id_acquisizione_siuss.clone())
                        .bind(e.id_flusso.clone())
                        .execute(&mut *tx)
                        .await?;
                }
                CodiceEsito::RichiestaInvalida | CodiceEsito::DatiNonTrovati => {
                    sqlx::query(SQL_SCARTATO)
                        .bind(e.id_flusso.clone())
                        .execute(&mut *tx)
                        .await?;
                }
                CodiceEsito::ErroreGenerico => {
                    let ts = prossimo_ts(&mut tx, adesso_ms).await?;
                    sqlx::query(SQL_RIEMETTI)
                        .bind(ts)
                        .bind(e.id_flusso.clone())
                        .execute(&mut *tx)
                        .await?;
                    riepilogo.da_ritrasmettere += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(riepilogo)
    }

    async fn esiti(&self, id: &str) -> Risultato<Vec<Esito>> {
        sqlx::query(SQL_ESITI)
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(esito_da_riga)
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

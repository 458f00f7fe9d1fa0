//! The notification stub: the effect of the `notifiche` consumer. For each event that
//! would tell the family something (an attestation issued, a DSU annulled, an
//! omission noted) it records the Italian message it would send, keyed on the event
//! id; nothing is sent (a real channel, e-mail or app, plugs in here). The message
//! names the protocol only: the addressee is found in the register when sending.

use crate::consumatore::Effetto;
use crate::errore::Risultato;
use isee_registro::{Evento, TipoEvento};
use isee_sql::Backend;
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Row};
use std::sync::LazyLock;

/// The table where sqlx records this crate's migrations (its tables may share the
/// register's database).
pub const TABELLA_MIGRAZIONI: &str = "_sqlx_migrations_eventi";

static MIGRAZIONI_SQLITE: LazyLock<Migrator> = LazyLock::new(|| {
    isee_sql::con_tabella(sqlx::migrate!("migrations/sqlite"), TABELLA_MIGRAZIONI)
});
static MIGRAZIONI_POSTGRES: LazyLock<Migrator> = LazyLock::new(|| {
    isee_sql::con_tabella(sqlx::migrate!("migrations/postgres"), TABELLA_MIGRAZIONI)
});

const PRAGMA_SQLITE: [&str; 4] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
];

const SQL_INSERISCI: &str = "INSERT INTO notifica (evento_id, tipo, protocollo, testo, creata_il) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (evento_id) DO NOTHING";
const SQL_AZZERA: &str = "DELETE FROM notifica";
const SQL_ELENCO: &str =
    "SELECT evento_id, tipo, protocollo, testo FROM notifica ORDER BY evento_id LIMIT $1";

/// One recorded notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notifica {
    pub evento_id: i64,
    pub tipo: TipoEvento,
    pub protocollo: String,
    pub testo: String,
}

/// The message an event would send, if any.
pub fn testo(e: &Evento) -> Option<String> {
    let p = &e.protocollo;
    match e.tipo {
        TipoEvento::AttestazioneRilasciata => Some(format!(
            "È disponibile l'attestazione ISEE della dichiarazione {p}."
        )),
        TipoEvento::DsuAnnullata => Some(format!("La dichiarazione {p} è stata annullata.")),
        TipoEvento::OmissioneAnnotata => Some(format!(
            "Sull'attestazione della dichiarazione {p} sono state annotate omissioni o difformità: \
             può presentare una nuova DSU o rettificare."
        )),
        TipoEvento::DsuPresentata
        | TipoEvento::DsuRettificata
        | TipoEvento::DsuSostituita
        | TipoEvento::CorrentePresentata => None,
    }
}

/// The notification stub on SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub struct Notifiche {
    pool: AnyPool,
}

impl Notifiche {
    /// Opens (and migrates) the stub's table; `schema` as the register's stores.
    pub async fn connetti(url: &str, schema: Option<&str>) -> Risultato<Notifiche> {
        let (pool, backend, _) = isee_sql::apri(isee_sql::Apertura {
            url,
            max_connessioni: 2,
            schema,
            pragma_sqlite: &PRAGMA_SQLITE,
        })
        .await?;
        // Safe with several nodes starting at once on the same database.
        let migratore = match backend {
            Backend::Sqlite => &*MIGRAZIONI_SQLITE,
            Backend::Postgres => &*MIGRAZIONI_POSTGRES,
        };
        isee_sql::migra(&pool, backend, migratore).await?;
        Ok(Notifiche { pool })
    }

    /// The first `limite` notifications, by event id.
    pub async fn elenco(&self, limite: u32) -> Risultato<Vec<Notifica>> {
        let righe = sqlx::query(SQL_ELENCO)
            .bind(i64::from(limite))
            .fetch_all(&self.pool)
            .await?;
        righe
            .iter()
            .map(|r| {
                let tipo: String = r.try_get("tipo")?;
                Ok(Notifica {
                    evento_id: r.try_get("evento_id")?,
                    tipo: TipoEvento::da_nome(&tipo).ok_or_else(|| {
                        sqlx::Error::Decode(format!("tipo di evento sconosciuto: {tipo}").into())
                    })?,
                    protocollo: r.try_get("protocollo")?,
                    testo: r.try_get("testo")?,
                })
            })
            .collect()
    }

    pub async fn chiudi(&self) {
        self.pool.close().await;
    }
}

impl Effetto for Notifiche {
    fn nome(&self) -> &str {
        "notifiche"
    }

    async fn applica(&self, e: &Evento) -> Risultato<bool> {
        let Some(testo) = testo(e) else {
            return Ok(false);
        };
        let fatto = sqlx::query(SQL_INSERISCI)
            .bind(e.id)
            .bind(e.tipo.nome().to_string())
            .bind(e.protocollo.to_string())
            .bind(testo)
            .bind(crate::adesso())
            .execute(&self.pool)
            .await?;
        let nuova = fatto.rows_affected() == 1;
        if nuova {
            tracing::info!(target: "eventi", evento = e.id, tipo = e.tipo.nome(), protocollo = %e.protocollo, "notifica registrata (non inviata: stub)");
        }
        Ok(nuova)
    }

    async fn azzera(&self) -> Risultato<()> {
        sqlx::query(SQL_AZZERA).execute(&self.pool).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrazioni_in_passo() {
        isee_prova::migrazioni::in_passo(
            env!("CARGO_MANIFEST_DIR"),
            &super::MIGRAZIONI_SQLITE,
            &super::MIGRAZIONI_POSTGRES,
            super::TABELLA_MIGRAZIONI,
        );
    }

    #[test]
    fn tipi_portabili() {
        isee_prova::migrazioni::tipi_portabili(env!("CARGO_MANIFEST_DIR"));
    }

    #[test]
    fn tabelle_sqlite_strict() {
        isee_prova::migrazioni::sqlite_strict(env!("CARGO_MANIFEST_DIR"));
    }
}

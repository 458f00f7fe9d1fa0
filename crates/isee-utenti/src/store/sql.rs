//! [`StoreUtenti`] on SQLite or PostgreSQL through sqlx's `Any` driver.
//!
//! The rules of docs/stile-rust.md B.3 apply: only BIGINT (INTEGER on SQLite) and TEXT
//! columns, instants as unix microseconds, `$n` placeholders written by hand, SQL in
//! `const`s, no `query!` macros, two migration directories in step
//! (`migrations/{sqlite,postgres}`) recorded in a table of their own
//! ([`TABELLA_MIGRAZIONI`]), so the database may be shared with the other stores. The
//! tables carry the `utenti_` prefix.

use super::{Pulizia, SoglieScadenza, StoreBozze, StoreOidc, StoreUtenti};
use crate::blocco::{PoliticaBlocco, StatoBlocco};
use crate::bozza::{self, Bozza, ContenutoBozza, IdBozza};
use crate::errore::{ErroreUtenti, Risultato};
use crate::oidc::CollegamentoOidc;
use crate::sessione::Sessione;
use crate::utente::{IdUtente, NomeUtente, NuovoUtenteValido, Ruolo, Utente};
use chrono::{DateTime, Utc};
use isee_core::codice_fiscale::CodiceFiscale;
use isee_sql::{Backend, senza_credenziali};
use sqlx::any::AnyRow;
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, AssertSqlSafe, Row, Transaction};
use std::sync::{Arc, LazyLock};

/// The table where sqlx records this crate's migrations.
pub const TABELLA_MIGRAZIONI: &str = "_sqlx_migrations_utenti";

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

/// SQLite settings for every connection: WAL lets readers run beside the writer;
/// FULL sync makes a password change or a lock survive a power cut; foreign keys keep
/// sessions and tokens tied to an account; the busy timeout makes a writer from
/// another process wait instead of failing.
const PRAGMA_SQLITE: [&str; 4] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
];

const COLONNE_UTENTE: &str = "id, nome_utente, nome_visualizzato, ruolo, codice_fiscale, \
     codice_caf, creato_il, disabilitato_il, hash_password";

const SQL_CREA_UTENTE: &str = "INSERT INTO utenti_utente (nome_utente, nome_visualizzato, ruolo, \
     codice_fiscale, codice_caf, hash_password, creato_il) VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (nome_utente) DO NOTHING RETURNING id";
const SQL_IMPOSTA_HASH: &str = "UPDATE utenti_utente SET hash_password = $1 WHERE id = $2";
const SQL_DISABILITA: &str = "UPDATE utenti_utente SET disabilitato_il = $1 \
     WHERE id = $2 AND disabilitato_il IS NULL";
const SQL_CAMBIA_RUOLO: &str = "UPDATE utenti_utente SET ruolo = $1 WHERE id = $2";

const SQL_STATO_BLOCCO: &str =
    "SELECT fallimenti, blocchi, bloccato_fino FROM utenti_blocco WHERE chiave = $1";
/// The first statement of a failure writes the row, so that PostgreSQL locks it (a
/// concurrent failure waits for this transaction) and SQLite takes its write lock.
const SQL_TOCCA_BLOCCO: &str = "INSERT INTO utenti_blocco (chiave, fallimenti, blocchi, \
     bloccato_fino, ultimo_fallimento) VALUES ($1, 0, 0, NULL, $2) ON CONFLICT (chiave) \
     DO UPDATE SET ultimo_fallimento = excluded.ultimo_fallimento";
const SQL_SCRIVI_BLOCCO: &str = "UPDATE utenti_blocco SET fallimenti = $1, blocchi = $2, \
     bloccato_fino = $3 WHERE chiave = $4";
const SQL_AZZERA_BLOCCO: &str = "DELETE FROM utenti_blocco WHERE chiave = $1";

const SQL_CREA_SESSIONE: &str = "INSERT INTO utenti_sessione (impronta, utente, ruolo, \
     creata_il, ultimo_uso) VALUES ($1, $2, $3, $4, $5)";
const SQL_SESSIONE: &str = "SELECT impronta, utente, ruolo, creata_il, ultimo_uso \
     FROM utenti_sessione WHERE impronta = $1";
const SQL_TOCCA_SESSIONE: &str =
    "UPDATE utenti_sessione SET ultimo_uso = $1 WHERE impronta = $2 AND ultimo_uso < $1";
const SQL_TERMINA_SESSIONE: &str = "DELETE FROM utenti_sessione WHERE impronta = $1";
const SQL_TERMINA_SESSIONI: &str = "DELETE FROM utenti_sessione WHERE utente = $1";

const SQL_SALVA_RESET: &str = "INSERT INTO utenti_reset (utente, impronta, scade_il) \
     VALUES ($1, $2, $3) ON CONFLICT (utente) DO UPDATE SET impronta = excluded.impronta, \
     scade_il = excluded.scade_il";
const SQL_UTENTE_DEL_RESET: &str =
    "SELECT utente FROM utenti_reset WHERE impronta = $1 AND scade_il > $2";
const SQL_USA_RESET: &str =
    "DELETE FROM utenti_reset WHERE impronta = $1 AND scade_il > $2 RETURNING utente";
const SQL_ELIMINA_RESET_UTENTE: &str = "DELETE FROM utenti_reset WHERE utente = $1";

const SQL_PULISCI_SESSIONI: &str =
    "DELETE FROM utenti_sessione WHERE ultimo_uso < $1 OR creata_il < $2";
const SQL_PULISCI_RESET: &str = "DELETE FROM utenti_reset WHERE scade_il <= $1";
const SQL_PULISCI_BLOCCHI: &str = "DELETE FROM utenti_blocco WHERE ultimo_fallimento < $1 \
     AND (bloccato_fino IS NULL OR bloccato_fino <= $2)";

const SQL_PULISCI_ATTESE_OIDC: &str = "DELETE FROM utenti_oidc_attesa WHERE scade_il <= $1";
const SQL_CONTA_ATTESE_OIDC: &str = "SELECT COUNT(*) FROM utenti_oidc_attesa";
const SQL_SALVA_ATTESA_OIDC: &str = "INSERT INTO utenti_oidc_attesa (stato, browser, creata_il, \
     scade_il) VALUES ($1, $2, $3, $4)";
const SQL_USA_ATTESA_OIDC: &str =
    "DELETE FROM utenti_oidc_attesa WHERE stato = $1 RETURNING browser, scade_il";
const SQL_UTENTE_DEL_LEGAME: &str =
    "SELECT utente FROM utenti_oidc_legame WHERE emittente = $1 AND soggetto = $2";
const SQL_CITTADINO_PER_CF: &str = "SELECT id FROM utenti_utente WHERE codice_fiscale = $1 \
     AND ruolo = 'cittadino' ORDER BY id LIMIT 1";
const SQL_CREA_LEGAME: &str = "INSERT INTO utenti_oidc_legame (emittente, soggetto, utente, \
     creato_il) VALUES ($1, $2, $3, $4)";

const COLONNE_BOZZA: &str = "id, utente, titolo, passo, contenuto, creata_il, aggiornata_il";
const SQL_CONTA_BOZZE: &str = "SELECT COUNT(*) FROM utenti_bozza WHERE utente = $1";
const SQL_CREA_BOZZA: &str = "INSERT INTO utenti_bozza (utente, titolo, passo, contenuto, \
     creata_il, aggiornata_il) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id";
const SQL_AGGIORNA_BOZZA: &str = "UPDATE utenti_bozza SET titolo = $1, passo = $2, \
     contenuto = $3, aggiornata_il = $4 WHERE id = $5 AND utente = $6";
const SQL_ELIMINA_BOZZA: &str = "DELETE FROM utenti_bozza WHERE id = $1 AND utente = $2";

/// How to connect.
#[derive(Clone)]
pub struct Configurazione {
    /// `sqlite://FILE` (created if missing) or `postgres://user@host:port/db`.
    pub url: String,
    pub max_connessioni: u32,
    /// PostgreSQL only: work in this schema (created if missing; `[a-z0-9_]` only).
    pub schema: Option<String>,
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

impl std::fmt::Debug for Configurazione {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Configurazione")
            .field("url", &senza_credenziali(&self.url))
            .field("max_connessioni", &self.max_connessioni)
            .field("schema", &self.schema)
            .finish()
    }
}

/// The one implementation of [`StoreUtenti`].
#[derive(Clone, Debug)]
pub struct StoreSql {
    pool: AnyPool,
    backend: Backend,
    /// SQLite admits one writer: this process's writers queue here instead of meeting
    /// in SQLite's busy handler. PostgreSQL needs no such lock.
    scrittura: Option<Arc<tokio::sync::Mutex<()>>>,
}

fn us(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn corrotto(cosa: impl Into<String>) -> ErroreUtenti {
    ErroreUtenti::DatoCorrotto(cosa.into())
}

fn istante(v: i64) -> Risultato<DateTime<Utc>> {
    DateTime::from_timestamp_micros(v).ok_or_else(|| corrotto(format!("istante {v}")))
}

fn ruolo(s: &str) -> Risultato<Ruolo> {
    Ruolo::da_nome(s).ok_or_else(|| corrotto(format!("ruolo «{s}»")))
}

fn conteggio(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

fn utente_da_riga(r: &AnyRow) -> Risultato<(Utente, String)> {
    let nome: String = r.try_get("nome_utente")?;
    let utente = Utente {
        id: IdUtente(r.try_get("id")?),
        nome_utente: NomeUtente::new(&nome).map_err(|_| corrotto(format!("nome «{nome}»")))?,
        nome_visualizzato: r.try_get("nome_visualizzato")?,
        ruolo: ruolo(&r.try_get::<String, _>("ruolo")?)?,
        codice_fiscale: r
            .try_get::<Option<String>, _>("codice_fiscale")?
            .map(|s| CodiceFiscale::new(&s)),
        codice_caf: r.try_get("codice_caf")?,
        creato_il: istante(r.try_get("creato_il")?)?,
        disabilitato_il: r
            .try_get::<Option<i64>, _>("disabilitato_il")?
            .map(istante)
            .transpose()?,
    };
    Ok((utente, r.try_get("hash_password")?))
}

fn sessione_da_riga(r: &AnyRow) -> Risultato<Sessione> {
    Ok(Sessione {
        impronta: r.try_get("impronta")?,
        utente: IdUtente(r.try_get("utente")?),
        ruolo: ruolo(&r.try_get::<String, _>("ruolo")?)?,
        creata_il: istante(r.try_get("creata_il")?)?,
        ultimo_uso: istante(r.try_get("ultimo_uso")?)?,
    })
}

fn bozza_da_riga(r: &AnyRow) -> Risultato<Bozza> {
    Ok(Bozza {
        id: IdBozza(r.try_get("id")?),
        utente: IdUtente(r.try_get("utente")?),
        titolo: r.try_get("titolo")?,
        passo: r.try_get("passo")?,
        contenuto: r.try_get("contenuto")?,
        creata_il: istante(r.try_get("creata_il")?)?,
        aggiornata_il: istante(r.try_get("aggiornata_il")?)?,
    })
}

fn controlla_bozza(c: &ContenutoBozza) -> Risultato<()> {
    let problemi = c.problemi();
    if problemi.is_empty() {
        Ok(())
    } else {
        Err(ErroreUtenti::BozzaNonValida(problemi))
    }
}

fn blocco_da_riga(r: &AnyRow) -> Risultato<StatoBlocco> {
    Ok(StatoBlocco {
        fallimenti: conteggio(r.try_get("fallimenti")?),
        blocchi: conteggio(r.try_get("blocchi")?),
        bloccato_fino: r
            .try_get::<Option<i64>, _>("bloccato_fino")?
            .map(istante)
            .transpose()?,
    })
}

impl StoreSql {
    /// Connects and brings the schema up to date (embedded migrations).
    pub async fn apri(url: &str) -> Risultato<StoreSql> {
        StoreSql::apri_con(Configurazione::new(url)).await
    }

    pub async fn apri_con(cfg: Configurazione) -> Risultato<StoreSql> {
        let (pool, backend, _) = isee_sql::apri(isee_sql::Apertura {
            url: &cfg.url,
            max_connessioni: cfg.max_connessioni,
            schema: cfg.schema.as_deref(),
            pragma_sqlite: &PRAGMA_SQLITE,
        })
        .await?;
        isee_sql::migra(&pool, backend, migrazioni(backend)).await?;
        let scrittura = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(StoreSql {
            pool,
            backend,
            scrittura,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for administration (tests drop their schema through it).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn chiudi(&self) {
        self.pool.close().await;
    }

    async fn blocco_scrittura(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.scrittura {
            Some(m) => Some(m.lock().await),
            None => None,
        }
    }

    /// A write transaction: on SQLite `BEGIN IMMEDIATE`, so the write lock is taken
    /// up front (a deferred transaction that first reads fails at once with "database
    /// is locked" when another process wrote in between).
    async fn transazione(&self) -> Risultato<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    async fn esegui(
        &self,
        sql: &'static str,
        f: impl FnOnce(SqlQuery) -> SqlQuery,
    ) -> Risultato<u64> {
        let _blocco = self.blocco_scrittura().await;
        Ok(f(sqlx::query(sql))
            .execute(&self.pool)
            .await?
            .rows_affected())
    }
}

type SqlQuery = sqlx::query::Query<'static, Any, sqlx::any::AnyArguments>;

impl StoreUtenti for StoreSql {
    async fn crea_utente(
        &self,
        nuovo: &NuovoUtenteValido,
        hash: &str,
        adesso: DateTime<Utc>,
    ) -> Risultato<Utente> {
        let id: Option<i64> = {
            let _blocco = self.blocco_scrittura().await;
            sqlx::query_scalar(SQL_CREA_UTENTE)
                .bind(nuovo.nome_utente.as_str().to_string())
                .bind(nuovo.nome_visualizzato.clone())
                .bind(nuovo.ruolo.nome())
                .bind(
                    nuovo
                        .codice_fiscale
                        .as_ref()
                        .map(|c| c.as_str().to_string()),
                )
                .bind(nuovo.codice_caf.clone())
                .bind(hash.to_string())
                .bind(us(adesso))
                .fetch_optional(&self.pool)
                .await?
        };
        let Some(id) = id else {
            return Err(ErroreUtenti::NomeGiaInUso(nuovo.nome_utente.to_string()));
        };
        self.utente(IdUtente(id))
            .await?
            .ok_or_else(|| corrotto("utente appena creato non trovato"))
    }

    async fn utente(&self, id: IdUtente) -> Risultato<Option<Utente>> {
        let sql = format!("SELECT {COLONNE_UTENTE} FROM utenti_utente WHERE id = $1");
        let riga = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(riga
            .as_ref()
            .map(utente_da_riga)
            .transpose()?
            .map(|(u, _)| u))
    }

    async fn utente_per_nome(&self, nome: &NomeUtente) -> Risultato<Option<(Utente, String)>> {
        let sql = format!("SELECT {COLONNE_UTENTE} FROM utenti_utente WHERE nome_utente = $1");
        let riga = sqlx::query(AssertSqlSafe(sql))
            .bind(nome.as_str().to_string())
            .fetch_optional(&self.pool)
            .await?;
        riga.as_ref().map(utente_da_riga).transpose()
    }

    async fn imposta_hash(&self, id: IdUtente, hash: &str) -> Risultato<bool> {
        let hash = hash.to_string();
        Ok(self
            .esegui(SQL_IMPOSTA_HASH, |q| q.bind(hash).bind(id.0))
            .await?
            == 1)
    }

    async fn disabilita(&self, id: IdUtente, adesso: DateTime<Utc>) -> Risultato<bool> {
        let _blocco = self.blocco_scrittura().await;
        let mut tx = self.transazione().await?;
        let n = sqlx::query(SQL_DISABILITA)
            .bind(us(adesso))
            .bind(id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(SQL_TERMINA_SESSIONI)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query(SQL_ELIMINA_RESET_UTENTE)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn cambia_ruolo(&self, id: IdUtente, nuovo: Ruolo) -> Risultato<u64> {
        let _blocco = self.blocco_scrittura().await;
        let mut tx = self.transazione().await?;
        let n = sqlx::query(SQL_CAMBIA_RUOLO)
            .bind(nuovo.nome())
            .bind(id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            tx.rollback().await?;
            return Err(ErroreUtenti::UtenteInesistente(id));
        }
        let sessioni = sqlx::query(SQL_TERMINA_SESSIONI)
            .bind(id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(sessioni)
    }

    async fn stato_blocco(&self, chiave: &str) -> Risultato<StatoBlocco> {
        let riga = sqlx::query(SQL_STATO_BLOCCO)
            .bind(chiave.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(riga
            .as_ref()
            .map(blocco_da_riga)
            .transpose()?
            .unwrap_or(StatoBlocco::LIBERO))
    }

    async fn registra_fallimento(
        &self,
        chiave: &str,
        politica: &PoliticaBlocco,
        adesso: DateTime<Utc>,
    ) -> Risultato<StatoBlocco> {
        let _blocco = self.blocco_scrittura().await;
        let mut tx = self.transazione().await?;
        sqlx::query(SQL_TOCCA_BLOCCO)
            .bind(chiave.to_string())
            .bind(us(adesso))
            .execute(&mut *tx)
            .await?;
        let riga = sqlx::query(SQL_STATO_BLOCCO)
            .bind(chiave.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let prima = blocco_da_riga(&riga)?;
        if prima.attesa(adesso).is_some() {
            tx.commit().await?;
            return Ok(prima);
        }
        let dopo = prima.dopo_fallimento(politica, adesso);
        sqlx::query(SQL_SCRIVI_BLOCCO)
            .bind(i64::from(dopo.fallimenti))
            .bind(i64::from(dopo.blocchi))
            .bind(dopo.bloccato_fino.map(us))
            .bind(chiave.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(dopo)
    }

    async fn azzera_blocco(&self, chiave: &str) -> Risultato<()> {
        let chiave = chiave.to_string();
        self.esegui(SQL_AZZERA_BLOCCO, |q| q.bind(chiave)).await?;
        Ok(())
    }

    async fn crea_sessione(&self, s: &Sessione) -> Risultato<()> {
        let s = s.clone();
        self.esegui(SQL_CREA_SESSIONE, |q| {
            q.bind(s.impronta)
                .bind(s.utente.0)
                .bind(s.ruolo.nome())
                .bind(us(s.creata_il))
                .bind(us(s.ultimo_uso))
        })
        .await?;
        Ok(())
    }

    async fn sessione(&self, impronta: &str) -> Risultato<Option<Sessione>> {
        let riga = sqlx::query(SQL_SESSIONE)
            .bind(impronta.to_string())
            .fetch_optional(&self.pool)
            .await?;
        riga.as_ref().map(sessione_da_riga).transpose()
    }

    async fn tocca_sessione(&self, impronta: &str, adesso: DateTime<Utc>) -> Risultato<()> {
        let impronta = impronta.to_string();
        self.esegui(SQL_TOCCA_SESSIONE, |q| q.bind(us(adesso)).bind(impronta))
            .await?;
        Ok(())
    }

    async fn sostituisci_sessione(&self, vecchia: &str, nuova: &Sessione) -> Risultato<bool> {
        let _blocco = self.blocco_scrittura().await;
        let mut tx = self.transazione().await?;
        let n = sqlx::query(SQL_TERMINA_SESSIONE)
            .bind(vecchia.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(SQL_CREA_SESSIONE)
            .bind(nuova.impronta.clone())
            .bind(nuova.utente.0)
            .bind(nuova.ruolo.nome())
            .bind(us(nuova.creata_il))
            .bind(us(nuova.ultimo_uso))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn termina_sessione(&self, impronta: &str) -> Risultato<bool> {
        let impronta = impronta.to_string();
        Ok(self
            .esegui(SQL_TERMINA_SESSIONE, |q| q.bind(impronta))
            .await?
            > 0)
    }

    async fn termina_sessioni(&self, utente: IdUtente) -> Risultato<u64> {
        self.esegui(SQL_TERMINA_SESSIONI, |q| q.bind(utente.0))
            .await
    }

    async fn salva_reset(
        &self,
        utente: IdUtente,
        impronta: &str,
        scade_il: DateTime<Utc>,
    ) -> Risultato<()> {
        let impronta = impronta.to_string();
        self.esegui(SQL_SALVA_RESET, |q| {
            q.bind(utente.0).bind(impronta).bind(us(scade_il))
        })
        .await?;
        Ok(())
    }

    async fn utente_del_reset(
        &self,
        impronta: &str,
        adesso: DateTime<Utc>,
    ) -> Risultato<Option<IdUtente>> {
        let id: Option<i64> = sqlx::query_scalar(SQL_UTENTE_DEL_RESET)
            .bind(impronta.to_string())
            .bind(us(adesso))
            .fetch_optional(&self.pool)
            .await?;
        Ok(id.map(IdUtente))
    }

    async fn usa_reset(
        &self,
        impronta: &str,
        hash: &str,
        adesso: DateTime<Utc>,
    ) -> Risultato<Option<(IdUtente, u64)>> {
        let _blocco = self.blocco_scrittura().await;
        let mut tx = self.transazione().await?;
        let id: Option<i64> = sqlx::query_scalar(SQL_USA_RESET)
            .bind(impronta.to_string())
            .bind(us(adesso))
            .fetch_optional(&mut *tx)
            .await?;
        let Some(id) = id else {
            tx.rollback().await?;
            return Ok(None);
        };
        sqlx::query(SQL_IMPOSTA_HASH)
            .bind(hash.to_string())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let sessioni = sqlx::query(SQL_TERMINA_SESSIONI)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(Some((IdUtente(id), sessioni)))
    }

    async fn pulisci(&self, s: &SoglieScadenza) -> Risultato<Pulizia> {
        let _blocco = self.blocco_scrittura().await;
        let mut tx = self.transazione().await?;
        let sessioni = sqlx::query(SQL_PULISCI_SESSIONI)
            .bind(us(s.ultimo_uso_prima_di))
            .bind(us(s.create_prima_di))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let reset = sqlx::query(SQL_PULISCI_RESET)
            .bind(us(s.reset_prima_di))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let blocchi = sqlx::query(SQL_PULISCI_BLOCCHI)
            .bind(us(s.blocchi_prima_di))
            .bind(us(s.adesso))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let attese_oidc = sqlx::query(SQL_PULISCI_ATTESE_OIDC)
            .bind(us(s.attese_oidc_prima_di))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(Pulizia {
            sessioni,
            reset,
            blocchi,
            attese_oidc,
        })
    }
}

impl StoreOidc for StoreSql {
    async fn salva_attesa_oidc(
        &self,
        stato: &str,
        browser: &str,
        creata_il: DateTime<Utc>,
        scade_il: DateTime<Utc>,
        massimo: u64,
    ) -> Risultato<()> {
        let _blocco = self.blocco_scrittura().await;
        let mut tx = self.transazione().await?;
        sqlx::query(SQL_PULISCI_ATTESE_OIDC)
            .bind(us(creata_il))
            .execute(&mut *tx)
            .await?;
        let vive: i64 = sqlx::query_scalar(SQL_CONTA_ATTESE_OIDC)
            .fetch_one(&mut *tx)
            .await?;
        if u64::try_from(vive).unwrap_or(u64::MAX) >= massimo {
            tx.rollback().await?;
            return Err(ErroreUtenti::TroppeAttese(massimo));
        }
        sqlx::query(SQL_SALVA_ATTESA_OIDC)
            .bind(stato.to_string())
            .bind(browser.to_string())
            .bind(us(creata_il))
            .bind(us(scade_il))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn usa_attesa_oidc(&self, stato: &str) -> Risultato<Option<(String, DateTime<Utc>)>> {
        let riga = {
            let _blocco = self.blocco_scrittura().await;
            sqlx::query(SQL_USA_ATTESA_OIDC)
                .bind(stato.to_string())
                .fetch_optional(&self.pool)
                .await?
        };
        riga.map(|r| Ok((r.try_get("browser")?, istante(r.try_get("scade_il")?)?)))
            .transpose()
    }

    async fn utente_oidc(&self, emittente: &str, soggetto: &str) -> Risultato<Option<Utente>> {
        let id: Option<i64> = sqlx::query_scalar(SQL_UTENTE_DEL_LEGAME)
            .bind(emittente.to_string())
            .bind(soggetto.to_string())
            .fetch_optional(&self.pool)
            .await?;
        match id {
            Some(id) => self.utente(IdUtente(id)).await,
            None => Ok(None),
        }
    }

    async fn collega_oidc(
        &self,
        emittente: &str,
        soggetto: &str,
        nuovo: &NuovoUtenteValido,
        hash: &str,
        adesso: DateTime<Utc>,
    ) -> Risultato<CollegamentoOidc> {
        let (id, creato) = {
            let _blocco = self.blocco_scrittura().await;
            let mut tx = self.transazione().await?;
            let gia: Option<i64> = sqlx::query_scalar(SQL_UTENTE_DEL_LEGAME)
                .bind(emittente.to_string())
                .bind(soggetto.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(id) = gia {
                tx.commit().await?;
                (id, false)
            } else {
                let cf = nuovo
                    .codice_fiscale
                    .as_ref()
                    .map(|c| c.as_str().to_string());
                let esistente: Option<i64> = match &cf {
                    Some(cf) => {
                        sqlx::query_scalar(SQL_CITTADINO_PER_CF)
                            .bind(cf.clone())
                            .fetch_optional(&mut *tx)
                            .await?
                    }
                    None => None,
                };
                let (id, creato) = match esistente {
                    Some(id) => (id, false),
                    None => {
                        let id: Option<i64> = sqlx::query_scalar(SQL_CREA_UTENTE)
                            .bind(nuovo.nome_utente.as_str().to_string())
                            .bind(nuovo.nome_visualizzato.clone())
                            .bind(nuovo.ruolo.nome())
                            .bind(cf)
                            .bind(nuovo.codice_caf.clone())
                            .bind(hash.to_string())
                            .bind(us(adesso))
                            .fetch_optional(&mut *tx)
                            .await?;
                        let Some(id) = id else {
                            tx.rollback().await?;
                            return Err(ErroreUtenti::NomeGiaInUso(nuovo.nome_utente.to_string()));
                        };
                        (id, true)
                    }
                };
                sqlx::query(SQL_CREA_LEGAME)
                    .bind(emittente.to_string())
                    .bind(soggetto.to_string())
                    .bind(id)
                    .bind(us(adesso))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                (id, creato)
            }
        };
        let utente = self
            .utente(IdUtente(id))
            .await?
            .ok_or_else(|| corrotto("utente collegato non trovato"))?;
        Ok(CollegamentoOidc { utente, creato })
    }
}

impl StoreBozze for StoreSql {
    async fn crea_bozza(
        &self,
        utente: IdUtente,
        c: &ContenutoBozza,
        adesso: DateTime<Utc>,
    ) -> Risultato<Bozza> {
        controlla_bozza(c)?;
        let id: i64 = {
            let _blocco = self.blocco_scrittura().await;
            let mut tx = self.transazione().await?;
            let n: i64 = sqlx::query_scalar(SQL_CONTA_BOZZE)
                .bind(utente.0)
                .fetch_one(&mut *tx)
                .await?;
            if usize::try_from(n).unwrap_or(usize::MAX) >= bozza::MAX_PER_UTENTE {
                tx.rollback().await?;
                return Err(ErroreUtenti::TroppeBozze(bozza::MAX_PER_UTENTE));
            }
            let id = sqlx::query_scalar(SQL_CREA_BOZZA)
                .bind(utente.0)
                .bind(c.titolo.clone())
                .bind(c.passo.clone())
                .bind(c.contenuto.clone())
                .bind(us(adesso))
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            id
        };
        self.bozza(utente, IdBozza(id))
            .await?
            .ok_or_else(|| corrotto("bozza appena creata non trovata"))
    }

    async fn aggiorna_bozza(
        &self,
        utente: IdUtente,
        id: IdBozza,
        c: &ContenutoBozza,
        adesso: DateTime<Utc>,
    ) -> Risultato<Option<Bozza>> {
        controlla_bozza(c)?;
        let (titolo, passo, contenuto) = (c.titolo.clone(), c.passo.clone(), c.contenuto.clone());
        let n = self
            .esegui(SQL_AGGIORNA_BOZZA, |q| {
                q.bind(titolo)
                    .bind(passo)
                    .bind(contenuto)
                    .bind(us(adesso))
                    .bind(id.0)
                    .bind(utente.0)
            })
            .await?;
        if n == 0 {
            return Ok(None);
        }
        self.bozza(utente, id).await
    }

    async fn bozza(&self, utente: IdUtente, id: IdBozza) -> Risultato<Option<Bozza>> {
        let sql = format!("SELECT {COLONNE_BOZZA} FROM utenti_bozza WHERE id = $1 AND utente = $2");
        let riga = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .bind(utente.0)
            .fetch_optional(&self.pool)
            .await?;
        riga.as_ref().map(bozza_da_riga).transpose()
    }

    async fn bozze(&self, utente: IdUtente) -> Risultato<Vec<Bozza>> {
        let sql = format!(
            "SELECT {COLONNE_BOZZA} FROM utenti_bozza WHERE utente = $1 \
             ORDER BY aggiornata_il DESC, id DESC"
        );
        let righe = sqlx::query(AssertSqlSafe(sql))
            .bind(utente.0)
            .fetch_all(&self.pool)
            .await?;
        righe.iter().map(bozza_da_riga).collect()
    }

    async fn elimina_bozza(&self, utente: IdUtente, id: IdBozza) -> Risultato<bool> {
        Ok(self
            .esegui(SQL_ELIMINA_BOZZA, |q| q.bind(id.0).bind(utente.0))
            .await?
            == 1)
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

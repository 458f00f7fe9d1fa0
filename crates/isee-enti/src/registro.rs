//! The register on SQLite or PostgreSQL (sqlx `Any`): the current anagrafe of enti
//! and the operator authorisations.
//!
//! The tables carry the `enti_` prefix and are created by sqlx migrations embedded
//! from `migrations/sqlite` and `migrations/postgres`, run at [`StoreEnti::apri`]
//! and recorded in a table of their own ([`TABELLA_MIGRAZIONI`]), so the database may
//! be shared with the DSU register and the access log. The first migration uses
//! `CREATE TABLE IF NOT EXISTS`: a database created by the hand-written DDL of earlier
//! versions opens as it is. As in the DSU register (docs/stile-rust.md B.3), columns are BIGINT or TEXT only (the types the
//! `Any` driver decodes on both backends): dates as `YYYY-MM-DD`, timestamps as
//! unix microseconds, booleans as 0/1.
//!
//! The row `enti_versione('abilitazioni')` is bumped in the same transaction as
//! every change of an authorisation, so [`crate::CacheAbilitazioni`] can tell with
//! one cheap read whether to reload; `enti_versione('anagrafe')` does the same for
//! the anagrafe.

use crate::anagrafe::{AnagrafeEnti, Ente};
use crate::categorie;
use crate::errore::{ErroreEnti, ProblemaAbilitazione};
use chrono::{DateTime, NaiveDate, Utc};
use isee_core::codice_fiscale::{CodiceFiscale, verifica};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, AssertSqlSafe, Row, Transaction};
use std::sync::{Arc, LazyLock};

/// The e-services that need an operator authorisation: the "Operatori" pair of
/// message 3269 (Consultazione Indicatore / Attestazione ISEE Operatori) and
/// Consultazione Dichiarazione ISEE, the DSU content for controls.
pub const ESERVIZI_OPERATORI: [&str; 3] = [
    "indicatore-operatori",
    "attestazione-operatori",
    "dichiarazione",
];

type Risultato<T> = Result<T, ErroreEnti>;

use isee_sql::{Backend, senza_credenziali};

/// How to connect.
#[derive(Clone)]
pub struct ConfigurazioneDb {
    /// `sqlite://FILE` (created if missing) or `postgres://user@host:port/db`.
    pub url: String,
    pub max_connessioni: u32,
    /// PostgreSQL only: work in this schema (created if missing; `[a-z0-9_]` only).
    /// Tests use a fresh one each; production normally leaves it unset.
    pub schema: Option<String>,
}

impl ConfigurazioneDb {
    pub fn new(url: &str) -> ConfigurazioneDb {
        ConfigurazioneDb {
            url: url.to_string(),
            max_connessioni: 4,
            schema: None,
        }
    }
}

impl std::fmt::Debug for ConfigurazioneDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigurazioneDb")
            .field("url", &senza_credenziali(&self.url))
            .field("max_connessioni", &self.max_connessioni)
            .field("schema", &self.schema)
            .finish()
    }
}

/// A request for a new authorisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NuovaAbilitazione {
    pub codice_fiscale_operatore: String,
    /// IPA code of the ente the operator works for.
    pub ente_ipa: String,
    /// Codes from [`ESERVIZI_OPERATORI`]; repeats are ignored.
    pub eservizi: Vec<String>,
    pub dal: NaiveDate,
    pub al: NaiveDate,
    /// The reference of INPS's enablement (e.g. the MV62 protocol).
    pub riferimento: Option<String>,
}

/// An operator's authorisation to call the Operatori e-services for an ente, from
/// `dal` to `al` included, until revoked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Abilitazione {
    pub id: i64,
    pub codice_fiscale_operatore: String,
    /// The IPA code as written in the anagrafe when the authorisation was created.
    pub ente_ipa: String,
    pub eservizi: Vec<String>,
    pub dal: NaiveDate,
    pub al: NaiveDate,
    pub riferimento: Option<String>,
    pub revocata_il: Option<DateTime<Utc>>,
    pub creata_il: DateTime<Utc>,
}

impl Abilitazione {
    pub fn copre(&self, eservizio: &str) -> bool {
        self.eservizi.iter().any(|s| s == eservizio)
    }

    /// Whether the authorisation is revoked on `giorno`: a revocation counts for
    /// the whole of its (UTC) day, the safe side for a check made by day.
    pub fn revocata_nel_giorno(&self, giorno: NaiveDate) -> bool {
        self.revocata_il.is_some_and(|r| r.date_naive() <= giorno)
    }
}

/// What the register holds about the current anagrafe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InfoAnagrafe {
    pub data_ipa: NaiveDate,
    pub data_istat: NaiveDate,
    pub fonte: String,
    pub importata_il: DateTime<Utc>,
    pub enti: i64,
}

/// SQLite settings for every connection: WAL lets readers run beside the writer;
/// the busy timeout makes a writer from another process wait instead of failing.
const PRAGMA_SQLITE: [&str; 3] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA busy_timeout = 5000",
];

/// The schema, one migrator per backend (`migrations/sqlite`, `migrations/postgres`:
/// same versions, same names), each with a migration table of its own so that the
/// enti register can share a database with the DSU register and the access log.
static MIGRAZIONI_SQLITE: LazyLock<Migrator> = LazyLock::new(|| {
    isee_sql::con_tabella(sqlx::migrate!("migrations/sqlite"), TABELLA_MIGRAZIONI)
});
static MIGRAZIONI_POSTGRES: LazyLock<Migrator> = LazyLock::new(|| {
    isee_sql::con_tabella(sqlx::migrate!("migrations/postgres"), TABELLA_MIGRAZIONI)
});

/// The table where sqlx records which of this crate's migrations were applied.
pub const TABELLA_MIGRAZIONI: &str = "_sqlx_migrations_enti";

fn migrazioni(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &MIGRAZIONI_SQLITE,
        Backend::Postgres => &MIGRAZIONI_POSTGRES,
    }
}

const SQL_INCREMENTA_VERSIONE: &str = "INSERT INTO enti_versione (nome, valore) VALUES ($1, 1) \
     ON CONFLICT (nome) DO UPDATE SET valore = enti_versione.valore + 1";

const SQL_VERSIONE: &str = "SELECT valore FROM enti_versione WHERE nome = $1";

const SQL_INFO: &str = "SELECT data_ipa, data_istat, fonte, importata_il, enti \
     FROM enti_anagrafe WHERE id = 1";

const SQL_SALVA_INFO: &str = "INSERT INTO enti_anagrafe (id, data_ipa, data_istat, fonte, \
     importata_il, enti) VALUES (1, $1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET \
     data_ipa = excluded.data_ipa, data_istat = excluded.data_istat, fonte = excluded.fonte, \
     importata_il = excluded.importata_il, enti = excluded.enti";

const COLONNE_ENTE: &str = "codice_ipa, denominazione, codice_fiscale, categoria, tipologia, \
     codice_istat, codice_catastale, comune, capoluogo";

const SQL_ENTI: &str = "SELECT codice_ipa, denominazione, codice_fiscale, categoria, tipologia, \
     codice_istat, codice_catastale, comune, capoluogo FROM enti_ente ORDER BY chiave";

const SQL_ENTE: &str = "SELECT codice_ipa, denominazione, codice_fiscale, categoria, tipologia, \
     codice_istat, codice_catastale, comune, capoluogo FROM enti_ente WHERE chiave = $1";

const SQL_INSERISCI_ABILITAZIONE: &str = "INSERT INTO enti_abilitazione \
     (codice_fiscale_operatore, ente_ipa, eservizi, dal, al, riferimento, creata_il) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";

const SQL_REVOCA: &str = "UPDATE enti_abilitazione SET revocata_il = $1 \
     WHERE id = $2 AND revocata_il IS NULL";

macro_rules! seleziona_abilitazioni {
    ($dove:literal) => {
        concat!(
            "SELECT id, codice_fiscale_operatore, ente_ipa, eservizi, dal, al, riferimento, \
             revocata_il, creata_il FROM enti_abilitazione ",
            $dove
        )
    };
}

const SQL_ABILITAZIONE: &str = seleziona_abilitazioni!("WHERE id = $1");
const SQL_ABILITAZIONI: &str = seleziona_abilitazioni!("ORDER BY id");
const SQL_ABILITAZIONI_ENTE: &str =
    seleziona_abilitazioni!("WHERE lower(ente_ipa) = $1 ORDER BY id");

/// Rows per INSERT when replacing the anagrafe: 10 parameters each stays far below
/// SQLite's and PostgreSQL's limits, and IPA's ~23,000 enti take ~100 statements
/// instead of 23,000 round trips.
const ENTI_PER_INSERT: usize = 250;

pub(crate) const VERSIONE_ABILITAZIONI: &str = "abilitazioni";
const VERSIONE_ANAGRAFE: &str = "anagrafe";

/// The register of enti and operator authorisations.
#[derive(Clone, Debug)]
pub struct StoreEnti {
    pool: AnyPool,
    backend: Backend,
    /// SQLite admits one writer: writers of this process queue here instead of
    /// meeting in SQLite's busy handler. PostgreSQL needs no such lock.
    scrittura: Option<Arc<tokio::sync::Mutex<()>>>,
}

fn testo_data(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn corrotto(cosa: impl Into<String>) -> ErroreEnti {
    ErroreEnti::DatoCorrotto(cosa.into())
}

fn leggi_data(s: &str) -> Risultato<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| corrotto(format!("data «{s}»")))
}

fn leggi_istante(us: i64) -> Risultato<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us).ok_or_else(|| corrotto(format!("istante {us}")))
}

/// Now, to the microsecond: what is stored is what is returned.
fn adesso() -> DateTime<Utc> {
    let us = Utc::now().timestamp_micros();
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

fn ente_da_riga(r: &AnyRow) -> Risultato<Ente> {
    let s = |c: &str| r.try_get::<String, _>(c);
    let so = |c: &str| r.try_get::<Option<String>, _>(c);
    Ok(Ente {
        codice_ipa: s("codice_ipa")?,
        denominazione: s("denominazione")?,
        codice_fiscale: s("codice_fiscale")?,
        categoria: s("categoria")?,
        tipologia: s("tipologia")?,
        codice_istat: so("codice_istat")?,
        codice_catastale: so("codice_catastale")?,
        comune: so("comune")?,
        capoluogo: r.try_get::<i64, _>("capoluogo")? != 0,
    })
}

fn abilitazione_da_riga(r: &AnyRow) -> Risultato<Abilitazione> {
    let s = |c: &str| r.try_get::<String, _>(c);
    Ok(Abilitazione {
        id: r.try_get("id")?,
        codice_fiscale_operatore: s("codice_fiscale_operatore")?,
        ente_ipa: s("ente_ipa")?,
        eservizi: s("eservizi")?
            .split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect(),
        dal: leggi_data(&s("dal")?)?,
        al: leggi_data(&s("al")?)?,
        riferimento: r.try_get("riferimento")?,
        revocata_il: r
            .try_get::<Option<i64>, _>("revocata_il")?
            .map(leggi_istante)
            .transpose()?,
        creata_il: leggi_istante(r.try_get("creata_il")?)?,
    })
}

impl StoreEnti {
    /// Connects and brings the schema up to date (embedded migrations).
    pub async fn apri(url: &str) -> Risultato<StoreEnti> {
        StoreEnti::apri_con(ConfigurazioneDb::new(url)).await
    }

    pub async fn apri_con(cfg: ConfigurazioneDb) -> Risultato<StoreEnti> {
        let (pool, backend, _) = isee_sql::apri(isee_sql::Apertura {
            url: &cfg.url,
            max_connessioni: cfg.max_connessioni,
            schema: cfg.schema.as_deref(),
            pragma_sqlite: &PRAGMA_SQLITE,
        })
        .await?;
        // Safe with other processes opening or writing the same database: see
        // `isee_sql::migra` (the write lock up front on SQLite).
        isee_sql::migra(&pool, backend, migrazioni(backend)).await?;
        let scrittura = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(StoreEnti {
            pool,
            backend,
            scrittura,
        })
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

    // -----------------------------------------------------------------------------
    // The anagrafe.

    /// Replaces the whole anagrafe in one transaction: if anything fails, the
    /// previous anagrafe stays as it was. An empty anagrafe is refused (it would be
    /// an import gone wrong, and it would lock every ente out).
    pub async fn sostituisci_anagrafe(&self, a: &AnagrafeEnti, fonte: &str) -> Risultato<()> {
        if a.is_empty() {
            return Err(ErroreEnti::AnagrafeVuota);
        }
        let _blocco = self.blocco_scrittura().await;
        let mut tx = self.pool.begin().await?;
        // The first statement writes, so SQLite takes the write lock at once.
        sqlx::query("DELETE FROM enti_ente")
            .execute(&mut *tx)
            .await?;
        let enti: Vec<&Ente> = a.iter().collect();
        for blocco in enti.chunks(ENTI_PER_INSERT) {
            inserisci_enti(&mut tx, blocco).await?;
        }
        sqlx::query(SQL_SALVA_INFO)
            .bind(testo_data(a.data_ipa))
            .bind(testo_data(a.data_istat))
            .bind(fonte.to_string())
            .bind(adesso().timestamp_micros())
            .bind(i64::try_from(a.len()).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        sqlx::query(SQL_INCREMENTA_VERSIONE)
            .bind(VERSIONE_ANAGRAFE.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(enti = a.len(), fonte, "anagrafe degli enti sostituita");
        Ok(())
    }

    /// The current anagrafe, read from one consistent snapshot.
    pub async fn anagrafe(&self) -> Risultato<AnagrafeEnti> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            // READ COMMITTED would let a replacement commit between the two reads.
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .execute(&mut *tx)
                .await?;
        }
        let info = sqlx::query(SQL_INFO).fetch_optional(&mut *tx).await?;
        let Some(info) = info else {
            return Err(ErroreEnti::AnagrafeAssente);
        };
        let info = info_da_riga(&info)?;
        let righe = sqlx::query(SQL_ENTI).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let enti = righe
            .iter()
            .map(ente_da_riga)
            .collect::<Risultato<Vec<_>>>()?;
        Ok(AnagrafeEnti::da_enti(enti, info.data_ipa, info.data_istat))
    }

    /// Dates, source and size of the current anagrafe; `None` before the first import.
    pub async fn info_anagrafe(&self) -> Risultato<Option<InfoAnagrafe>> {
        let riga = sqlx::query(SQL_INFO).fetch_optional(&self.pool).await?;
        riga.as_ref().map(info_da_riga).transpose()
    }

    /// One ente of the current anagrafe (IPA code, case-insensitive).
    pub async fn ente(&self, codice_ipa: &str) -> Risultato<Option<Ente>> {
        let riga = sqlx::query(SQL_ENTE)
            .bind(codice_ipa.trim().to_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        riga.as_ref().map(ente_da_riga).transpose()
    }

    /// The counter bumped by every replacement of the anagrafe.
    pub async fn versione_anagrafe(&self) -> Risultato<i64> {
        self.versione(VERSIONE_ANAGRAFE).await
    }

    // -----------------------------------------------------------------------------
    // Operator authorisations.

    /// The counter bumped by every change of an authorisation.
    pub async fn versione_abilitazioni(&self) -> Risultato<i64> {
        self.versione(VERSIONE_ABILITAZIONI).await
    }

    async fn versione(&self, nome: &str) -> Risultato<i64> {
        let v: Option<i64> = sqlx::query_scalar(SQL_VERSIONE)
            .bind(nome.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(v.unwrap_or(0))
    }

    /// Records a new authorisation after checking it (every problem at once): the
    /// fiscal code, the ente (in the current anagrafe, of an admitted category),
    /// the period and the e-services.
    pub async fn abilita(&self, nuova: NuovaAbilitazione) -> Risultato<Abilitazione> {
        let mut problemi = Vec::new();
        let mut problema = |campo, codice, messaggio: String| {
            problemi.push(ProblemaAbilitazione {
                campo,
                codice,
                messaggio,
            })
        };
        let cf = CodiceFiscale::new(&nuova.codice_fiscale_operatore);
        if let Err(d) = verifica(&cf) {
            problema(
                "codice_fiscale_operatore",
                "CF_NON_VALIDO",
                format!("operatore: {}", d.messaggio()),
            );
        }
        let ente_ipa = nuova.ente_ipa.trim();
        let mut ente_canonico = None;
        if self.info_anagrafe().await?.is_none() {
            problema(
                "ente_ipa",
                "ANAGRAFE_ASSENTE",
                "nessuna anagrafe degli enti importata: impossibile verificare l'ente (eseguire «isee enti importa»)".into(),
            );
        } else {
            match self.ente(ente_ipa).await? {
                None => problema(
                    "ente_ipa",
                    "ENTE_SCONOSCIUTO",
                    format!("l'ente «{ente_ipa}» non è nell'anagrafe IPA importata"),
                ),
                Some(e) => {
                    if !categorie::ammessa(&e.categoria) {
                        let nome = categorie::nome(&e.categoria)
                            .map(|n| format!(" ({n})"))
                            .unwrap_or_default();
                        problema(
                            "ente_ipa",
                            "CATEGORIA_NON_AMMESSA",
                            format!(
                                "l'ente «{}» è della categoria IPA {}{nome}, non ammessa ai servizi Operatori (messaggio INPS 3269/2025)",
                                e.codice_ipa, e.categoria
                            ),
                        );
                    }
                    ente_canonico = Some(e.codice_ipa);
                }
            }
        }
        if nuova.dal > nuova.al {
            problema(
                "al",
                "PERIODO_NON_VALIDO",
                format!(
                    "il periodo termina ({}) prima di iniziare ({})",
                    nuova.al, nuova.dal
                ),
            );
        }
        let mut eservizi: Vec<String> = Vec::new();
        for s in &nuova.eservizi {
            let s = s.trim();
            if !ESERVIZI_OPERATORI.contains(&s) {
                problema(
                    "eservizi",
                    "SERVIZIO_SCONOSCIUTO",
                    format!(
                        "e-service «{s}» sconosciuto: ammessi {}",
                        ESERVIZI_OPERATORI.join(", ")
                    ),
                );
            } else if !eservizi.iter().any(|x| x == s) {
                eservizi.push(s.to_string());
            }
        }
        if nuova.eservizi.is_empty() {
            problema(
                "eservizi",
                "SERVIZI_MANCANTI",
                format!(
                    "indicare almeno un e-service tra {}",
                    ESERVIZI_OPERATORI.join(", ")
                ),
            );
        }
        let (false, Some(ente_ipa)) = (!problemi.is_empty(), ente_canonico) else {
            return Err(ErroreEnti::AbilitazioneNonValida(problemi));
        };
        let riferimento = nuova
            .riferimento
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        let creata_il = adesso();
        let _blocco = self.blocco_scrittura().await;
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(SQL_INSERISCI_ABILITAZIONE)
            .bind(cf.as_str().to_string())
            .bind(ente_ipa.clone())
            .bind(eservizi.join(","))
            .bind(testo_data(nuova.dal))
            .bind(testo_data(nuova.al))
            .bind(riferimento.clone())
            .bind(creata_il.timestamp_micros())
            .fetch_one(&mut *tx)
            .await?;
        incrementa(&mut tx, VERSIONE_ABILITAZIONI).await?;
        tx.commit().await?;
        tracing::info!(
            id,
            operatore = %cf.mascherato(),
            ente = %ente_ipa,
            "abilitazione registrata"
        );
        Ok(Abilitazione {
            id,
            codice_fiscale_operatore: cf.as_str().to_string(),
            ente_ipa,
            eservizi,
            dal: nuova.dal,
            al: nuova.al,
            riferimento,
            revocata_il: None,
            creata_il,
        })
    }

    /// Revokes an authorisation from `quando` on.
    pub async fn revoca(&self, id: i64, quando: DateTime<Utc>) -> Risultato<Abilitazione> {
        let _blocco = self.blocco_scrittura().await;
        let mut tx = self.pool.begin().await?;
        let toccate = sqlx::query(SQL_REVOCA)
            .bind(quando.timestamp_micros())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let riga = sqlx::query(SQL_ABILITAZIONE)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(riga) = riga else {
            return Err(ErroreEnti::AbilitazioneInesistente(id));
        };
        let a = abilitazione_da_riga(&riga)?;
        if toccate == 0 {
            return Err(ErroreEnti::GiaRevocata {
                id,
                il: a.revocata_il.unwrap_or(quando),
            });
        }
        incrementa(&mut tx, VERSIONE_ABILITAZIONI).await?;
        tx.commit().await?;
        tracing::info!(id, "abilitazione revocata");
        Ok(a)
    }

    /// One authorisation.
    pub async fn abilitazione(&self, id: i64) -> Risultato<Option<Abilitazione>> {
        let riga = sqlx::query(SQL_ABILITAZIONE)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        riga.as_ref().map(abilitazione_da_riga).transpose()
    }

    /// Every authorisation, revoked and expired ones included, of one ente (IPA
    /// code, case-insensitive) or of all; in creation order.
    pub async fn elenco(&self, ente: Option<&str>) -> Risultato<Vec<Abilitazione>> {
        let righe = match ente {
            Some(e) => {
                sqlx::query(SQL_ABILITAZIONI_ENTE)
                    .bind(e.trim().to_lowercase())
                    .fetch_all(&self.pool)
                    .await?
            }
            None => sqlx::query(SQL_ABILITAZIONI).fetch_all(&self.pool).await?,
        };
        righe.iter().map(abilitazione_da_riga).collect()
    }

    /// The version and the authorisations it describes, for the cache. The version
    /// is read first: a change committed between the two reads leaves newer rows
    /// under an older version, which only costs one more reload, never a missed one.
    pub(crate) async fn istantanea_abilitazioni(&self) -> Risultato<(i64, Vec<Abilitazione>)> {
        let versione = self.versione_abilitazioni().await?;
        Ok((versione, self.elenco(None).await?))
    }
}

fn info_da_riga(r: &AnyRow) -> Risultato<InfoAnagrafe> {
    Ok(InfoAnagrafe {
        data_ipa: leggi_data(&r.try_get::<String, _>("data_ipa")?)?,
        data_istat: leggi_data(&r.try_get::<String, _>("data_istat")?)?,
        fonte: r.try_get("fonte")?,
        importata_il: leggi_istante(r.try_get("importata_il")?)?,
        enti: r.try_get("enti")?,
    })
}

async fn incrementa(tx: &mut Transaction<'static, Any>, nome: &str) -> Risultato<()> {
    sqlx::query(SQL_INCREMENTA_VERSIONE)
        .bind(nome.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn inserisci_enti(tx: &mut Transaction<'static, Any>, enti: &[&Ente]) -> Risultato<()> {
    const COLONNE: usize = 10;
    let mut sql = format!("INSERT INTO enti_ente (chiave, {COLONNE_ENTE}) VALUES ");
    for i in 0..enti.len() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for j in 0..COLONNE {
            if j > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", i * COLONNE + j + 1));
        }
        sql.push(')');
    }
    // Only `$n` placeholders are interpolated; every value is bound.
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for e in enti {
        q = q
            .bind(e.codice_ipa.to_lowercase())
            .bind(e.codice_ipa.clone())
            .bind(e.denominazione.clone())
            .bind(e.codice_fiscale.clone())
            .bind(e.categoria.clone())
            .bind(e.tipologia.clone())
            .bind(e.codice_istat.clone())
            .bind(e.codice_catastale.clone())
            .bind(e.comune.clone())
            .bind(i64::from(e.capoluogo));
    }
    q.execute(&mut **tx).await?;
    Ok(())
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

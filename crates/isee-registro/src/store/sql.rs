//! [`StoreDsu`] and [`StoreOmissioni`] on SQLite or PostgreSQL through sqlx's `Any`
//! driver: one pool, one set of migrations (recorded in `_sqlx_migrations_registro`,
//! docs/REGISTRO.md "Migrazioni").
//!
//! The rules of docs/stile-rust.md B.3 apply: only BIGINT and TEXT columns (money in
//! cents, dates as `YYYY-MM-DD` text, timestamps as unix µs), `$n` placeholders
//! written by hand, SQL in `const`s, no `query!` macros, two migration directories in
//! step. SQLite gets its PRAGMAs on every new connection (`after_connect`).

use super::{StoreAccesso, StoreDsu, StoreEventi, StoreOmissioni};
use crate::accesso::{Ambito, LetturaBackOffice, Mandato, Visibilita};
use crate::errore::ErroreRegistro;
use crate::errore::Risultato;
use crate::evento::{Arretrato, Evento, TipoEvento};
use crate::importo::{da_centesimi, in_centesimi};
use crate::omissioni::Annotazione;
use crate::omissioni::TipoOmissione;
use crate::protocollo::Protocollo;
use crate::registrazione::{
    Documenti, NuovaRegistrazione, OperazioneRegistrata, Registrazione, StatoDsu,
    TipoRegistrazione, ValoreIndicatore, Valori,
};
use chrono::NaiveDate;
use isee_core::calcolo::Validita;
use isee_core::codice_fiscale::CodiceFiscale;
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Row, Transaction};
use std::sync::LazyLock;

/// The table where sqlx records the register's migrations. Not sqlx's default
/// `_sqlx_migrations`: that one, in a database created before the ente's register
/// moved to `isee-erogatore`, holds the old numbering (docs/REGISTRO.md).
pub const TABELLA_MIGRAZIONI: &str = "_sqlx_migrations_registro";

static MIGRAZIONI_SQLITE: LazyLock<Migrator> = LazyLock::new(|| {
    isee_sql::con_tabella(sqlx::migrate!("migrations/sqlite"), TABELLA_MIGRAZIONI)
});
static MIGRAZIONI_POSTGRES: LazyLock<Migrator> = LazyLock::new(|| {
    isee_sql::con_tabella(sqlx::migrate!("migrations/postgres"), TABELLA_MIGRAZIONI)
});

pub use isee_sql::Backend;
use isee_sql::senza_credenziali;

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

/// SQLite settings applied to every connection: WAL lets readers run beside the one
/// writer; FULL sync makes every commit reach the disk (the WAL is fsynced) before it
/// returns, so a filing acknowledged to its sender survives a power cut or a kernel
/// crash, not only a process kill (NORMAL syncs only at checkpoints: docs/API.md
/// "Durability", the cost in docs/PERFORMANCE.md); the busy timeout makes a second
/// writer wait instead of failing.
const PRAGMA_SQLITE: [&str; 4] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
];

/// The one implementation of [`StoreDsu`] and [`StoreOmissioni`].
#[derive(Clone, Debug)]
pub struct StoreSql {
    pool: AnyPool,
    backend: Backend,
    /// SQLite admits one writer at a time. Without this, concurrent filings collide
    /// in SQLite's busy handler, which sleeps up to 100 ms between retries (the p99
    /// of the load test); with it, writers queue here and wait only for each other.
    /// PostgreSQL needs no such lock.
    scrittura: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
    /// PostgreSQL only: the years whose number sequence this process knows to exist
    /// (see [`StoreSql::sequenza_pg`]).
    sequenze: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<i32>>>,
}

impl StoreSql {
    /// Connects and brings the schema up to date.
    pub async fn connetti(url: &str) -> Risultato<StoreSql> {
        StoreSql::connetti_con(Configurazione::new(url)).await
    }

    pub async fn connetti_con(cfg: Configurazione) -> Risultato<StoreSql> {
        let (pool, backend, _) = isee_sql::apri(isee_sql::Apertura {
            url: &cfg.url,
            max_connessioni: cfg.max_connessioni,
            schema: cfg.schema.as_deref(),
            pragma_sqlite: &PRAGMA_SQLITE,
        })
        .await?;
        migrazioni(backend).run(&pool).await?;
        let scrittura =
            (backend == Backend::Sqlite).then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())));
        Ok(StoreSql {
            pool,
            backend,
            scrittura,
            sequenze: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Readiness (`/pronto`): the database reachable and writable, this build's
    /// migrations applied.
    pub async fn pronto(&self) -> Result<(), isee_sql::NonPronto> {
        isee_sql::pronto(&self.pool, self.backend, migrazioni(self.backend)).await
    }

    /// The pool, for administration (tests drop their schema through it).
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

fn corrotto(cosa: impl Into<String>) -> ErroreRegistro {
    ErroreRegistro::DatoCorrotto(cosa.into())
}

fn leggi_data(s: &str) -> Risultato<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| corrotto(format!("data «{s}»")))
}

fn leggi_data_opz(s: Option<String>) -> Risultato<Option<NaiveDate>> {
    s.as_deref().map(leggi_data).transpose()
}

fn leggi_protocollo(s: &str) -> Risultato<Protocollo> {
    s.parse().map_err(|_| corrotto(format!("protocollo «{s}»")))
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

/// A register row without its indicators.
fn registrazione(r: &AnyRow) -> Risultato<Registrazione> {
    let s = |c: &str| r.try_get::<String, _>(c);
    let so = |c: &str| r.try_get::<Option<String>, _>(c);
    Ok(Registrazione {
        protocollo: leggi_protocollo(&s("protocollo")?)?,
        tipo: TipoRegistrazione::da_nome(&s("tipo")?).ok_or_else(|| corrotto("tipo"))?,
        operazione: OperazioneRegistrata::da_nome(&s("operazione")?)
            .ok_or_else(|| corrotto("operazione"))?,
        riferimento: so("riferimento")?
            .as_deref()
            .map(leggi_protocollo)
            .transpose()?,
        mittente: s("mittente")?,
        cf_dichiarante: CodiceFiscale::new(&s("cf_dichiarante")?),
        protocollo_mittente: so("protocollo_mittente")?,
        data_presentazione: leggi_data(&s("data_presentazione")?)?,
        validita: Validita {
            dal: leggi_data(&s("valida_dal")?)?,
            al: leggi_data(&s("valida_al")?)?,
        },
        stato: StatoDsu::da_nome(&s("stato")?).ok_or_else(|| corrotto("stato"))?,
        sostituita_da: so("sostituita_da")?
            .as_deref()
            .map(leggi_protocollo)
            .transpose()?,
        versione_motore: s("versione_motore")?,
        versione_parametri: s("versione_parametri")?,
        regole_dal: leggi_data(&s("regole_dal")?)?,
        registrata_il: r.try_get("registrata_il")?,
        annullata_il: r.try_get("annullata_il")?,
        indicatori: Vec::new(),
    })
}

fn valore_indicatore(r: &AnyRow) -> Risultato<ValoreIndicatore> {
    valore_indicatore_con(r, "")
}

/// Reads an indicator from columns named with `prefisso` (`i_` in a join with `dsu`,
/// whose columns have the same names).
fn valore_indicatore_con(r: &AnyRow, prefisso: &str) -> Risultato<ValoreIndicatore> {
    let nome = |c: &str| format!("{prefisso}{c}");
    let so = |c: &str| r.try_get::<Option<String>, _>(nome(c).as_str());
    let io = |c: &str| r.try_get::<Option<i64>, _>(nome(c).as_str());
    let valori = match (
        io("isee_centesimi")?,
        io("ise_centesimi")?,
        io("isr_centesimi")?,
        io("isp_centesimi")?,
        so("scala")?,
        leggi_data_opz(so("valida_dal")?)?,
        leggi_data_opz(so("valida_al")?)?,
    ) {
        (Some(isee), Some(ise), Some(isr), Some(isp), Some(scala), Some(dal), Some(al)) => {
            Some(Valori {
                isee: da_centesimi(isee),
                ise: da_centesimi(ise),
                isr: da_centesimi(isr),
                isp: da_centesimi(isp),
                scala: leggi_decimale(&scala)?,
                validita: Validita { dal, al },
            })
        }
        _ => None,
    };
    Ok(ValoreIndicatore {
        tipo: leggi_enum(&r.try_get::<String, _>(nome("tipo").as_str())?)?,
        prestazione: so("prestazione")?.as_deref().map(leggi_enum).transpose()?,
        beneficiario: so("beneficiario")?.as_deref().map(CodiceFiscale::new),
        valori,
        motivo_non_calcolabile: so("motivo_non_calcolabile")?,
    })
}

// ---------------------------------------------------------------------------------
// SQL. `$n` placeholders by hand (QueryBuilder<Any> would emit `?`, refused by
// PostgreSQL); no placeholder is used twice in one statement.

/// SQLite: takes the next number of the year's counter row. It is the first statement
/// of the filing transaction on purpose: the transaction takes the write lock at once,
/// instead of failing with SQLITE_BUSY when a read would have to be upgraded; with one
/// writer, numbers have no gaps (a rolled-back filing gives its number back).
/// PostgreSQL takes its numbers from a `SEQUENCE` per year instead (docs/SCELTE.md
/// §25).
const SQL_SEQUENZA: &str = "INSERT INTO sequenza_protocollo (anno, ultimo) VALUES ($1, 1) \
     ON CONFLICT (anno) DO UPDATE SET ultimo = sequenza_protocollo.ultimo + 1 RETURNING ultimo";

const SQL_SUFFISSO: &str = "UPDATE dsu SET ultimo_suffisso = ultimo_suffisso + 1 \
     WHERE protocollo = $1 AND tipo = 'dsu' AND stato = 'attiva' RETURNING ultimo_suffisso";

const SQL_STATO_TIPO: &str = "SELECT stato, tipo FROM dsu WHERE protocollo = $1";

/// PostgreSQL: locks the DSU a rectification or substitution replaces, if it can be
/// replaced, before a number is taken, so that refusing it costs no number.
const SQL_BLOCCA_VECCHIA: &str = "SELECT protocollo FROM dsu \
     WHERE protocollo = $1 AND tipo = 'dsu' AND stato = 'attiva' FOR UPDATE";

/// PostgreSQL: the first number a year's sequence hands out, above any number the
/// year already has (from the counter row of earlier versions, or from the DSUs).
const SQL_PRIMO_NUMERO_PG: &str = "SELECT GREATEST( \
     (SELECT COALESCE(MAX(ultimo), 0) FROM sequenza_protocollo WHERE anno = $1), \
     (SELECT COALESCE(MAX(numero), 0) FROM dsu WHERE anno = $1)) + 1";

/// PostgreSQL: one advisory-lock key for creating the yearly sequences, so two nodes
/// creating the same year's at once queue instead of colliding in the catalogue.
const CHIAVE_CREA_SEQUENZA: i64 = 0x6973_6565_7365_7131; // "iseeseq1"

const SQL_MARCA_VECCHIA: &str = "UPDATE dsu SET stato = $1, sostituita_da = $2 \
     WHERE protocollo = $3 AND tipo = 'dsu' AND stato = 'attiva'";

const SQL_MARCA_CORRENTI: &str = "UPDATE dsu SET stato = $1, sostituita_da = $2 \
     WHERE riferimento = $3 AND tipo = 'corrente' AND stato = 'attiva'";

const SQL_INSERISCI_DSU: &str = "INSERT INTO dsu (protocollo, prefisso, anno, numero, suffisso, \
     tipo, operazione, riferimento, mittente, chiave_idempotenza, hash_richiesta, \
     protocollo_mittente, data_presentazione, valida_dal, valida_al, stato, cf_dichiarante, \
     dsu_json, attestazione_json, versione_motore, versione_parametri, regole_dal, registrata_il) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'attiva', $16, \
     $17, $18, $19, $20, $21, $22)";

const SQL_INSERISCI_COMPONENTE: &str = "INSERT INTO componente_dsu (protocollo, codice_fiscale) VALUES ($1, $2) ON CONFLICT DO NOTHING";

const SQL_INSERISCI_INDICATORE: &str = "INSERT INTO indicatore (protocollo, posizione, tipo, \
     prestazione, beneficiario, motivo_non_calcolabile, isee_centesimi, ise_centesimi, \
     isr_centesimi, isp_centesimi, scala, valida_dal, valida_al) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

const SQL_INDICATORI: &str = "SELECT tipo, prestazione, beneficiario, motivo_non_calcolabile, \
     isee_centesimi, ise_centesimi, isr_centesimi, isp_centesimi, scala, valida_dal, valida_al \
     FROM indicatore WHERE protocollo = $1 ORDER BY posizione";

const SQL_PER_CHIAVE: &str = "SELECT d.protocollo, d.hash_richiesta FROM dsu d \
     WHERE d.mittente = $1 AND d.chiave_idempotenza = $2";

/// The one SELECT shape; the `WHERE` differs.
macro_rules! seleziona {
    ($dove:literal) => {
        concat!(
            "SELECT d.protocollo, d.tipo, d.operazione, d.riferimento, d.mittente, \
             d.cf_dichiarante, d.protocollo_mittente, d.data_presentazione, d.valida_dal, d.valida_al, d.stato, \
             d.sostituita_da, d.versione_motore, d.versione_parametri, d.regole_dal, \
             d.registrata_il, d.annullata_il FROM dsu d ",
            $dove
        )
    };
}

const SQL_PER_PROTOCOLLO: &str = seleziona!("WHERE d.protocollo = $1");

const SQL_PER_PROTOCOLLO_MITTENTE: &str = seleziona!(
    "WHERE d.mittente = $1 AND d.protocollo_mittente = $2 \
     ORDER BY d.registrata_il, d.protocollo"
);

/// The lookup at a date with the indicators in one round trip: every statement is a
/// hand-off to the SQLite connection's worker thread, and this is the register's hot
/// read. `$filtro` narrows the candidates (the access model's visibility).
macro_rules! valida_alla_data {
    ($filtro:literal) => {
        concat!(
            "SELECT d.protocollo, d.tipo, d.operazione, \
             d.riferimento, d.mittente, d.cf_dichiarante, d.protocollo_mittente, \
             d.data_presentazione, d.valida_dal, \
             d.valida_al, d.stato, d.sostituita_da, d.versione_motore, d.versione_parametri, \
             d.regole_dal, d.registrata_il, d.annullata_il, i.tipo AS i_tipo, \
             i.prestazione AS i_prestazione, \
             i.beneficiario AS i_beneficiario, i.motivo_non_calcolabile AS i_motivo_non_calcolabile, \
             i.isee_centesimi AS i_isee_centesimi, i.ise_centesimi AS i_ise_centesimi, \
             i.isr_centesimi AS i_isr_centesimi, i.isp_centesimi AS i_isp_centesimi, \
             i.scala AS i_scala, i.valida_dal AS i_valida_dal, i.valida_al AS i_valida_al \
             FROM dsu d LEFT JOIN indicatore i ON i.protocollo = d.protocollo \
             WHERE d.protocollo = (SELECT d2.protocollo FROM dsu d2 WHERE d2.protocollo IN \
             (SELECT c.protocollo FROM componente_dsu c WHERE c.codice_fiscale = $4) \
             AND d2.tipo = $1 AND d2.stato = 'attiva' AND d2.valida_dal <= $2 \
             AND d2.valida_al >= $3 ",
            $filtro,
            " ORDER BY d2.data_presentazione DESC, d2.registrata_il DESC, d2.protocollo DESC \
             LIMIT 1) ORDER BY i.posizione"
        )
    };
}

const SQL_VALIDA_ALLA_DATA_CON_INDICATORI: &str = valida_alla_data!("");

/// The same, among the rows a sender may read: its own, and those of declarants whose
/// mandate to it is in force (`scadenza` is the last valid day; dates compare as text).
const SQL_VALIDA_ALLA_DATA_VISIBILE: &str = valida_alla_data!(
    "AND (d2.mittente = $5 OR EXISTS (SELECT 1 FROM mandato m WHERE m.mittente = $6 \
     AND m.cf_dichiarante = d2.cf_dichiarante AND m.revocato_il IS NULL AND m.scadenza >= $7))"
);

const SQL_STORICO: &str = seleziona!(
    "WHERE d.protocollo IN (SELECT c.protocollo FROM componente_dsu c WHERE c.codice_fiscale = $1) \
     ORDER BY d.data_presentazione, d.registrata_il, d.protocollo"
);

const SQL_STORICO_VISIBILE: &str = seleziona!(
    "WHERE d.protocollo IN (SELECT c.protocollo FROM componente_dsu c WHERE c.codice_fiscale = $1) \
     AND (d.mittente = $2 OR EXISTS (SELECT 1 FROM mandato m WHERE m.mittente = $3 \
     AND m.cf_dichiarante = d.cf_dichiarante AND m.revocato_il IS NULL AND m.scadenza >= $4)) \
     ORDER BY d.data_presentazione, d.registrata_il, d.protocollo"
);

const SQL_DEL_MITTENTE: &str = seleziona!(
    "WHERE d.mittente = $1 AND d.registrata_il >= $2 AND d.registrata_il < $3 \
     ORDER BY d.registrata_il DESC, d.protocollo DESC LIMIT $4"
);

const SQL_CONTEGGIO_PER_NUCLEO: &str = "SELECT n, COUNT(*) AS dsu FROM (SELECT d.protocollo, \
     COUNT(c.codice_fiscale) AS n FROM dsu d JOIN componente_dsu c ON c.protocollo = d.protocollo \
     WHERE d.mittente = $1 AND d.tipo = 'dsu' AND d.registrata_il >= $2 AND d.registrata_il < $3 \
     GROUP BY d.protocollo) t GROUP BY n ORDER BY n";

const SQL_COMPONENTI: &str =
    "SELECT codice_fiscale FROM componente_dsu WHERE protocollo = $1 ORDER BY codice_fiscale";

const SQL_REGISTRA_MANDATO: &str = "INSERT INTO mandato (mittente, cf_dichiarante, ambito, \
     scadenza, registrato_da, registrato_il, revocato_il) VALUES ($1, $2, $3, $4, $5, $6, NULL) \
     ON CONFLICT (mittente, cf_dichiarante) DO UPDATE SET ambito = excluded.ambito, \
     scadenza = excluded.scadenza, registrato_da = excluded.registrato_da, \
     registrato_il = excluded.registrato_il, revocato_il = NULL";

const SQL_REVOCA_MANDATO: &str = "UPDATE mandato SET revocato_il = $1 \
     WHERE mittente = $2 AND cf_dichiarante = $3 AND revocato_il IS NULL";

const SQL_MANDATO: &str = "SELECT mittente, cf_dichiarante, ambito, scadenza, registrato_da, \
     registrato_il, revocato_il FROM mandato WHERE mittente = $1 AND cf_dichiarante = $2";

const SQL_MANDATI: &str = "SELECT mittente, cf_dichiarante, ambito, scadenza, registrato_da, \
     registrato_il, revocato_il FROM mandato WHERE cf_dichiarante = $1 ORDER BY mittente";

const SQL_REGISTRA_LETTURA: &str = "INSERT INTO lettura_back_office (cliente, operazione, \
     oggetto, protocolli, letta_il) VALUES ($1, $2, $3, $4, $5)";

const SQL_LETTURE: &str = "SELECT cliente, operazione, oggetto, protocolli, letta_il \
     FROM lettura_back_office WHERE cliente = $1 ORDER BY id";

const SQL_ANNULLA: &str = "UPDATE dsu SET stato = 'annullata', annullata_il = $1 \
     WHERE protocollo = $2 AND stato = 'attiva'";

const SQL_ANNULLA_CORRENTI: &str = "UPDATE dsu SET stato = 'annullata', annullata_il = $1 \
     WHERE riferimento = $2 AND tipo = 'corrente' AND stato = 'attiva' RETURNING protocollo";

const SQL_INSERISCI_EVENTO: &str =
    "INSERT INTO evento (tipo, protocollo, riferimento, creato_il) VALUES ($1, $2, $3, $4)";

/// Takes the oldest rows nobody holds (or whose holder's time ran out). On PostgreSQL
/// `SKIP LOCKED` lets publishers on several nodes take disjoint rows at once; SQLite
/// has one writer (the store's turn).
const SQL_PRENDI_PG: &str = "UPDATE evento SET preso_da = $1, presa_scade = $2 WHERE id IN \
     (SELECT id FROM evento WHERE pubblicato_il IS NULL AND (presa_scade IS NULL OR presa_scade < $3) \
     ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED) \
     RETURNING id, tipo, protocollo, riferimento, creato_il";
const SQL_PRENDI_SQLITE: &str = "UPDATE evento SET preso_da = $1, presa_scade = $2 WHERE id IN \
     (SELECT id FROM evento WHERE pubblicato_il IS NULL AND (presa_scade IS NULL OR presa_scade < $3) \
     ORDER BY id LIMIT $4) \
     RETURNING id, tipo, protocollo, riferimento, creato_il";

const SQL_PUBBLICATI: &str =
    "UPDATE evento SET pubblicato_il = $1 WHERE preso_da = $2 AND pubblicato_il IS NULL";

const SQL_ARRETRATO: &str =
    "SELECT COUNT(*) AS n, MIN(creato_il) AS primo FROM evento WHERE pubblicato_il IS NULL";

const SQL_ELIMINA_PUBBLICATI: &str =
    "DELETE FROM evento WHERE pubblicato_il IS NOT NULL AND pubblicato_il < $1";

const SQL_EVENTI: &str = "SELECT id, tipo, protocollo, riferimento, creato_il FROM evento \
     WHERE id > $1 ORDER BY id LIMIT $2";

const SQL_DOCUMENTI: &str = "SELECT dsu_json, attestazione_json FROM dsu WHERE protocollo = $1";

const SQL_ANNOTA: &str = "INSERT INTO omissione (protocollo, codice_fiscale, tipo, riferimento, \
     tipo_rapporto, dichiarato_centesimi, agenzia_entrate_centesimi, data_controllo) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
     ON CONFLICT (protocollo, codice_fiscale, tipo, riferimento, data_controllo) DO UPDATE SET \
     tipo_rapporto = excluded.tipo_rapporto, dichiarato_centesimi = excluded.dichiarato_centesimi, \
     agenzia_entrate_centesimi = excluded.agenzia_entrate_centesimi";

const SQL_ANNOTAZIONI: &str = "SELECT protocollo, codice_fiscale, tipo, riferimento, \
     tipo_rapporto, dichiarato_centesimi, agenzia_entrate_centesimi, data_controllo \
     FROM omissione WHERE protocollo = $1 \
     ORDER BY codice_fiscale, tipo, riferimento, data_controllo";

fn e_violazione_unicita(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

fn evento(r: &AnyRow) -> Risultato<Evento> {
    let tipo: String = r.try_get("tipo")?;
    Ok(Evento {
        id: r.try_get("id")?,
        tipo: TipoEvento::da_nome(&tipo)
            .ok_or_else(|| corrotto(format!("tipo di evento sconosciuto: {tipo}")))?,
        protocollo: leggi_protocollo(&r.try_get::<String, _>("protocollo")?)?,
        riferimento: r
            .try_get::<Option<String>, _>("riferimento")?
            .as_deref()
            .map(leggi_protocollo)
            .transpose()?,
        creato_il: r.try_get("creato_il")?,
    })
}

/// Writes one outbox row in the change's transaction (docs/EVENTI.md).
async fn scrivi_evento(
    tx: &mut Transaction<'static, Any>,
    tipo: TipoEvento,
    protocollo: &str,
    riferimento: Option<String>,
    quando: i64,
) -> Risultato<()> {
    sqlx::query(SQL_INSERISCI_EVENTO)
        .bind(tipo.nome().to_string())
        .bind(protocollo.to_string())
        .bind(riferimento)
        .bind(quando)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl StoreSql {
    /// SQLite's one writer: the turn to write (see `scrittura`); none on PostgreSQL.
    async fn turno(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.scrittura {
            Some(m) => Some(m.lock().await),
            None => None,
        }
    }

    async fn con_indicatori(&self, mut r: Registrazione) -> Risultato<Registrazione> {
        let righe = sqlx::query(SQL_INDICATORI)
            .bind(r.protocollo.to_string())
            .fetch_all(&self.pool)
            .await?;
        r.indicatori = righe
            .iter()
            .map(valore_indicatore)
            .collect::<Risultato<_>>()?;
        Ok(r)
    }

    async fn molte(&self, righe: Vec<AnyRow>) -> Risultato<Vec<Registrazione>> {
        let mut out = Vec::with_capacity(righe.len());
        for r in &righe {
            out.push(self.con_indicatori(registrazione(r)?).await?);
        }
        Ok(out)
    }

    /// Why an UPDATE guarded by `stato = 'attiva'` touched no row.
    async fn perche_non_attiva(
        tx: &mut Transaction<'static, Any>,
        protocollo: &Protocollo,
    ) -> ErroreRegistro {
        let riga = sqlx::query(SQL_STATO_TIPO)
            .bind(protocollo.to_string())
            .fetch_optional(&mut **tx)
            .await;
        match riga {
            Err(e) => e.into(),
            Ok(None) => ErroreRegistro::ProtocolloSconosciuto(protocollo.to_string()),
            Ok(Some(r)) => {
                let stato: String = r.try_get("stato").unwrap_or_default();
                let tipo: String = r.try_get("tipo").unwrap_or_default();
                if stato == StatoDsu::Attiva.nome() && tipo == TipoRegistrazione::Corrente.nome() {
                    ErroreRegistro::NonUnaDsu(protocollo.to_string())
                } else {
                    ErroreRegistro::ProtocolloNonAttivo {
                        protocollo: protocollo.to_string(),
                        stato,
                    }
                }
            }
        }
    }

    /// The name of a year's number sequence on PostgreSQL, created (once per process
    /// and year, under an advisory lock) if missing. `anno` has four digits
    /// ([`Protocollo::new`]), so the name is safe to splice into SQL.
    async fn sequenza_pg(&self, anno: i32) -> Risultato<String> {
        let nome = format!("sequenza_protocollo_{anno}");
        let nota = self
            .sequenze
            .lock()
            .map_err(|_| corrotto("elenco delle sequenze"))?
            .contains(&anno);
        if !nota {
            let mut tx = self.pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(CHIAVE_CREA_SEQUENZA)
                .execute(&mut *tx)
                .await?;
            let esiste: Option<String> = sqlx::query_scalar("SELECT CAST(to_regclass($1) AS TEXT)")
                .bind(nome.clone())
                .fetch_one(&mut *tx)
                .await?;
            if esiste.is_none() {
                let primo: i64 = sqlx::query_scalar(SQL_PRIMO_NUMERO_PG)
                    .bind(i64::from(anno))
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "CREATE SEQUENCE {nome} START WITH {primo} MAXVALUE 99999999 NO CYCLE"
                )))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            self.sequenze
                .lock()
                .map_err(|_| corrotto("elenco delle sequenze"))?
                .insert(anno);
        }
        Ok(nome)
    }

    /// The next number of `anno`: the counter row on SQLite, the year's sequence on
    /// PostgreSQL (`sequenza`, from [`StoreSql::sequenza_pg`]).
    async fn prossimo_numero(
        tx: &mut Transaction<'static, Any>,
        anno: i32,
        sequenza: Option<&str>,
    ) -> Risultato<i64> {
        let numero = match sequenza {
            None => {
                sqlx::query_scalar(SQL_SEQUENZA)
                    .bind(i64::from(anno))
                    .fetch_one(&mut **tx)
                    .await
            }
            Some(nome) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT nextval('{nome}')")))
                    .fetch_one(&mut **tx)
                    .await
            }
        };
        match numero {
            // PostgreSQL's "sequence reached its maximum value".
            Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("2200H") => {
                Err(ErroreRegistro::NumerazioneEsaurita(anno))
            }
            r => Ok(r?),
        }
    }

    async fn registra_in(
        tx: &mut Transaction<'static, Any>,
        n: &NuovaRegistrazione,
        sequenza: Option<&str>,
    ) -> Risultato<Protocollo> {
        // On PostgreSQL, refuse an impossible rectification before a number is taken.
        if let (Some(_), Some(vecchia), TipoRegistrazione::Dsu) = (sequenza, &n.riferimento, n.tipo)
        {
            let bloccata: Option<String> = sqlx::query_scalar(SQL_BLOCCA_VECCHIA)
                .bind(vecchia.to_string())
                .fetch_optional(&mut **tx)
                .await?;
            if bloccata.is_none() {
                return Err(StoreSql::perche_non_attiva(tx, vecchia).await);
            }
        }
        let protocollo = match n.tipo {
            TipoRegistrazione::Dsu => {
                let ultimo = StoreSql::prossimo_numero(tx, n.anno, sequenza).await?;
                u32::try_from(ultimo)
                    .ok()
                    .and_then(|numero| Protocollo::new(&n.prefisso, n.anno, numero, 0))
                    .ok_or(ErroreRegistro::NumerazioneEsaurita(n.anno))?
            }
            TipoRegistrazione::Corrente => {
                let base = n
                    .riferimento
                    .as_ref()
                    .ok_or_else(|| corrotto("modulo corrente senza DSU di riferimento"))?;
                let suffisso: Option<i64> = sqlx::query_scalar(SQL_SUFFISSO)
                    .bind(base.to_string())
                    .fetch_optional(&mut **tx)
                    .await?;
                let Some(suffisso) = suffisso else {
                    return Err(StoreSql::perche_non_attiva(tx, base).await);
                };
                u8::try_from(suffisso)
                    .ok()
                    .and_then(|s| base.con_suffisso(s))
                    .ok_or(ErroreRegistro::NumerazioneEsaurita(base.anno()))?
            }
        };
        let testo = protocollo.to_string();
        // Mark the old DSU first: the new row references it, and the guarded UPDATE
        // is what makes "rectify an unknown or non-active DSU" an error even when two
        // rectifications race.
        let marca = match n.operazione {
            OperazioneRegistrata::Rettifica => Some(StatoDsu::Rettificata),
            OperazioneRegistrata::Sostituzione => Some(StatoDsu::Sostituita),
            _ => None,
        };
        if let (Some(stato), Some(vecchia)) = (marca, &n.riferimento) {
            let fatto = sqlx::query(SQL_MARCA_VECCHIA)
                .bind(stato.nome().to_string())
                .bind(testo.clone())
                .bind(vecchia.to_string())
                .execute(&mut **tx)
                .await?;
            if fatto.rows_affected() == 0 {
                return Err(StoreSql::perche_non_attiva(tx, vecchia).await);
            }
            // An ISEE corrente stands on its DSU: it goes with it.
            sqlx::query(SQL_MARCA_CORRENTI)
                .bind(StatoDsu::Sostituita.nome().to_string())
                .bind(testo.clone())
                .bind(vecchia.to_string())
                .execute(&mut **tx)
                .await?;
        }
        let inserita = sqlx::query(SQL_INSERISCI_DSU)
            .bind(testo.clone())
            .bind(protocollo.prefisso().to_string())
            .bind(i64::from(protocollo.anno()))
            .bind(i64::from(protocollo.numero()))
            .bind(i64::from(protocollo.suffisso()))
            .bind(n.tipo.nome().to_string())
            .bind(n.operazione.nome().to_string())
            .bind(n.riferimento.as_ref().map(|p| p.to_string()))
            .bind(n.mittente.clone())
            .bind(n.chiave_idempotenza.clone())
            .bind(n.hash_richiesta.clone())
            .bind(n.protocollo_mittente.clone())
            .bind(testo_data(n.data_presentazione))
            .bind(testo_data(n.validita.dal))
            .bind(testo_data(n.validita.al))
            .bind(n.cf_dichiarante.as_str().to_string())
            .bind(n.dsu_json.clone())
            .bind(n.attestazione_json.clone())
            .bind(n.versione_motore.clone())
            .bind(n.versione_parametri.clone())
            .bind(testo_data(n.regole_dal))
            .bind(n.registrata_il)
            .execute(&mut **tx)
            .await;
        match inserita {
            Err(e) if e_violazione_unicita(&e) => {
                return Err(ErroreRegistro::ChiaveRiusata(n.chiave_idempotenza.clone()));
            }
            r => {
                r?;
            }
        }
        for cf in &n.componenti {
            sqlx::query(SQL_INSERISCI_COMPONENTE)
                .bind(testo.clone())
                .bind(cf.as_str().to_string())
                .execute(&mut **tx)
                .await?;
        }
        for (i, ind) in n.indicatori.iter().enumerate() {
            let v = ind.valori.as_ref();
            sqlx::query(SQL_INSERISCI_INDICATORE)
                .bind(testo.clone())
                .bind(i64::try_from(i).unwrap_or(i64::MAX))
                .bind(nome_enum(&ind.tipo))
                .bind(ind.prestazione.as_ref().map(nome_enum))
                .bind(ind.beneficiario.map(|c| c.as_str().to_string()))
                .bind(ind.motivo_non_calcolabile.clone())
                .bind(centesimi_opz(v.map(|v| v.isee))?)
                .bind(centesimi_opz(v.map(|v| v.ise))?)
                .bind(centesimi_opz(v.map(|v| v.isr))?)
                .bind(centesimi_opz(v.map(|v| v.isp))?)
                .bind(v.map(|v| v.scala.to_string()))
                .bind(v.map(|v| testo_data(v.validita.dal)))
                .bind(v.map(|v| testo_data(v.validita.al)))
                .execute(&mut **tx)
                .await?;
        }
        let tipo = match n.operazione {
            OperazioneRegistrata::Nuova => TipoEvento::DsuPresentata,
            OperazioneRegistrata::Rettifica => TipoEvento::DsuRettificata,
            OperazioneRegistrata::Sostituzione => TipoEvento::DsuSostituita,
            OperazioneRegistrata::Corrente => TipoEvento::CorrentePresentata,
        };
        let riferimento = n.riferimento.as_ref().map(|p| p.to_string());
        scrivi_evento(tx, tipo, &testo, riferimento, n.registrata_il).await?;
        scrivi_evento(
            tx,
            TipoEvento::AttestazioneRilasciata,
            &testo,
            None,
            n.registrata_il,
        )
        .await?;
        Ok(protocollo)
    }
}

impl StoreDsu for StoreSql {
    async fn registra(&self, nuova: NuovaRegistrazione) -> Risultato<Registrazione> {
        let protocollo = {
            let sequenza = match (self.backend, nuova.tipo) {
                (Backend::Postgres, TipoRegistrazione::Dsu) => {
                    Some(self.sequenza_pg(nuova.anno).await?)
                }
                _ => None,
            };
            let _turno = self.turno().await;
            let mut tx = self.pool.begin().await?;
            // Any error drops `tx`, which rolls back: nothing of a failed filing remains.
            let protocollo = StoreSql::registra_in(&mut tx, &nuova, sequenza.as_deref()).await?;
            tx.commit().await?;
            protocollo
        };
        // Read back, so that the receipt of a retry is identical to this one.
        self.per_protocollo(&protocollo)
            .await?
            .ok_or_else(|| corrotto("registrazione appena scritta non trovata"))
    }

    async fn per_chiave(
        &self,
        mittente: &str,
        chiave: &str,
    ) -> Risultato<Option<(Registrazione, String)>> {
        let Some(r) = sqlx::query(SQL_PER_CHIAVE)
            .bind(mittente.to_string())
            .bind(chiave.to_string())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let protocollo = leggi_protocollo(&r.try_get::<String, _>("protocollo")?)?;
        let hash: String = r.try_get("hash_richiesta")?;
        Ok(self
            .per_protocollo(&protocollo)
            .await?
            .map(|reg| (reg, hash)))
    }

    async fn per_protocollo(&self, protocollo: &Protocollo) -> Risultato<Option<Registrazione>> {
        match sqlx::query(SQL_PER_PROTOCOLLO)
            .bind(protocollo.to_string())
            .fetch_optional(&self.pool)
            .await?
        {
            None => Ok(None),
            Some(r) => Ok(Some(self.con_indicatori(registrazione(&r)?).await?)),
        }
    }

    async fn per_protocollo_mittente(
        &self,
        mittente: &str,
        protocollo_mittente: &str,
    ) -> Risultato<Vec<Registrazione>> {
        let righe = sqlx::query(SQL_PER_PROTOCOLLO_MITTENTE)
            .bind(mittente.to_string())
            .bind(protocollo_mittente.to_string())
            .fetch_all(&self.pool)
            .await?;
        self.molte(righe).await
    }

    async fn valida_alla_data(
        &self,
        cf: &CodiceFiscale,
        data: NaiveDate,
        tipo: TipoRegistrazione,
        visibilita: &Visibilita,
    ) -> Risultato<Option<Registrazione>> {
        let sql = match visibilita {
            Visibilita::Tutte => SQL_VALIDA_ALLA_DATA_CON_INDICATORI,
            Visibilita::Di { .. } => SQL_VALIDA_ALLA_DATA_VISIBILE,
        };
        let mut q = sqlx::query(sql)
            .bind(tipo.nome().to_string())
            .bind(testo_data(data))
            .bind(testo_data(data))
            .bind(cf.as_str().to_string());
        if let Visibilita::Di { mittente, oggi } = visibilita {
            q = q
                .bind(mittente.clone())
                .bind(mittente.clone())
                .bind(testo_data(*oggi));
        }
        let righe = q.fetch_all(&self.pool).await?;
        let Some(prima) = righe.first() else {
            return Ok(None);
        };
        let mut r = registrazione(prima)?;
        r.indicatori = righe
            .iter()
            // A DSU without indicators comes back as one row with NULL indicator columns.
            .filter(|x| {
                x.try_get::<Option<String>, _>("i_tipo")
                    .ok()
                    .flatten()
                    .is_some()
            })
            .map(|x| valore_indicatore_con(x, "i_"))
            .collect::<Risultato<_>>()?;
        Ok(Some(r))
    }

    async fn storico(
        &self,
        cf: &CodiceFiscale,
        visibilita: &Visibilita,
    ) -> Risultato<Vec<Registrazione>> {
        let righe = match visibilita {
            Visibilita::Tutte => {
                sqlx::query(SQL_STORICO)
                    .bind(cf.as_str().to_string())
                    .fetch_all(&self.pool)
                    .await?
            }
            Visibilita::Di { mittente, oggi } => {
                sqlx::query(SQL_STORICO_VISIBILE)
                    .bind(cf.as_str().to_string())
                    .bind(mittente.clone())
                    .bind(mittente.clone())
                    .bind(testo_data(*oggi))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        self.molte(righe).await
    }

    async fn del_mittente(
        &self,
        mittente: &str,
        dal: i64,
        al: i64,
        limite: u32,
    ) -> Risultato<Vec<Registrazione>> {
        let righe = sqlx::query(SQL_DEL_MITTENTE)
            .bind(mittente.to_string())
            .bind(dal)
            .bind(al)
            .bind(i64::from(limite))
            .fetch_all(&self.pool)
            .await?;
        self.molte(righe).await
    }

    async fn conteggio_per_nucleo(
        &self,
        mittente: &str,
        dal: i64,
        al: i64,
    ) -> Risultato<Vec<(u32, u64)>> {
        let righe = sqlx::query(SQL_CONTEGGIO_PER_NUCLEO)
            .bind(mittente.to_string())
            .bind(dal)
            .bind(al)
            .fetch_all(&self.pool)
            .await?;
        righe
            .iter()
            .map(|r| {
                let n: i64 = r.try_get("n")?;
                let dsu: i64 = r.try_get("dsu")?;
                Ok((
                    u32::try_from(n).unwrap_or(u32::MAX),
                    u64::try_from(dsu).unwrap_or(0),
                ))
            })
            .collect()
    }

    async fn componenti(&self, protocollo: &Protocollo) -> Risultato<Vec<CodiceFiscale>> {
        let righe: Vec<String> = sqlx::query_scalar(SQL_COMPONENTI)
            .bind(protocollo.to_string())
            .fetch_all(&self.pool)
            .await?;
        Ok(righe.iter().map(|c| CodiceFiscale::new(c)).collect())
    }

    async fn annulla(&self, protocollo: &Protocollo, quando: i64) -> Risultato<Registrazione> {
        let _turno = self.turno().await;
        let mut tx = self.pool.begin().await?;
        let fatto = sqlx::query(SQL_ANNULLA)
            .bind(quando)
            .bind(protocollo.to_string())
            .execute(&mut *tx)
            .await?;
        if fatto.rows_affected() == 0 {
            return Err(StoreSql::perche_non_attiva(&mut tx, protocollo).await);
        }
        let correnti: Vec<String> = sqlx::query_scalar(SQL_ANNULLA_CORRENTI)
            .bind(quando)
            .bind(protocollo.to_string())
            .fetch_all(&mut *tx)
            .await?;
        let testo = protocollo.to_string();
        scrivi_evento(&mut tx, TipoEvento::DsuAnnullata, &testo, None, quando).await?;
        for c in correnti {
            scrivi_evento(
                &mut tx,
                TipoEvento::DsuAnnullata,
                &c,
                Some(testo.clone()),
                quando,
            )
            .await?;
        }
        tx.commit().await?;
        self.per_protocollo(protocollo)
            .await?
            .ok_or_else(|| corrotto("registrazione annullata non trovata"))
    }

    async fn documenti(&self, protocollo: &Protocollo) -> Risultato<Option<Documenti>> {
        let r = sqlx::query(SQL_DOCUMENTI)
            .bind(protocollo.to_string())
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| {
            Ok(Documenti {
                dsu_json: r.try_get("dsu_json")?,
                attestazione_json: r.try_get("attestazione_json")?,
            })
        })
        .transpose()
    }
}

impl StoreOmissioni for StoreSql {
    async fn annota(&self, a: &Annotazione) -> Risultato<()> {
        let _turno = self.turno().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(SQL_ANNOTA)
            .bind(a.protocollo.to_string())
            .bind(a.codice_fiscale.as_str().to_string())
            .bind(a.tipo.nome().to_string())
            .bind(a.riferimento.clone())
            .bind(a.tipo_rapporto.clone())
            .bind(centesimi_opz(a.dichiarato)?)
            .bind(in_centesimi(a.agenzia_entrate)?)
            .bind(testo_data(a.data_controllo))
            .execute(&mut *tx)
            .await?;
        let quando = chrono::Utc::now().timestamp_micros();
        let testo = a.protocollo.to_string();
        scrivi_evento(&mut tx, TipoEvento::OmissioneAnnotata, &testo, None, quando).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn annotazioni(&self, protocollo: &Protocollo) -> Risultato<Vec<Annotazione>> {
        let righe = sqlx::query(SQL_ANNOTAZIONI)
            .bind(protocollo.to_string())
            .fetch_all(&self.pool)
            .await?;
        righe
            .iter()
            .map(|r| {
                let tipo: String = r.try_get("tipo")?;
                Ok(Annotazione {
                    protocollo: leggi_protocollo(&r.try_get::<String, _>("protocollo")?)?,
                    codice_fiscale: CodiceFiscale::new(&r.try_get::<String, _>("codice_fiscale")?),
                    tipo: TipoOmissione::da_nome(&tipo)
                        .ok_or_else(|| corrotto("tipo omissione"))?,
                    riferimento: r.try_get("riferimento")?,
                    tipo_rapporto: r.try_get("tipo_rapporto")?,
                    dichiarato: r
                        .try_get::<Option<i64>, _>("dichiarato_centesimi")?
                        .map(da_centesimi),
                    agenzia_entrate: da_centesimi(r.try_get("agenzia_entrate_centesimi")?),
                    data_controllo: leggi_data(&r.try_get::<String, _>("data_controllo")?)?,
                })
            })
            .collect()
    }
}

impl StoreEventi for StoreSql {
    async fn prendi(
        &self,
        presa: &str,
        limite: u32,
        adesso: i64,
        scade: i64,
    ) -> Risultato<Vec<Evento>> {
        let sql = match self.backend {
            Backend::Postgres => SQL_PRENDI_PG,
            Backend::Sqlite => SQL_PRENDI_SQLITE,
        };
        let _turno = self.turno().await;
        let righe = sqlx::query(sql)
            .bind(presa.to_string())
            .bind(scade)
            .bind(adesso)
            .bind(i64::from(limite))
            .fetch_all(&self.pool)
            .await?;
        let mut eventi = righe.iter().map(evento).collect::<Risultato<Vec<_>>>()?;
        // RETURNING follows no order.
        eventi.sort_by_key(|e| e.id);
        Ok(eventi)
    }

    async fn pubblicati(&self, presa: &str, adesso: i64) -> Risultato<u64> {
        let _turno = self.turno().await;
        let fatto = sqlx::query(SQL_PUBBLICATI)
            .bind(adesso)
            .bind(presa.to_string())
            .execute(&self.pool)
            .await?;
        Ok(fatto.rows_affected())
    }

    async fn arretrato(&self) -> Risultato<Arretrato> {
        let r = sqlx::query(SQL_ARRETRATO).fetch_one(&self.pool).await?;
        let n: i64 = r.try_get("n")?;
        Ok(Arretrato {
            eventi: u64::try_from(n).unwrap_or_default(),
            piu_vecchio: r.try_get("primo")?,
        })
    }

    async fn elimina_pubblicati(&self, prima_di: i64) -> Risultato<u64> {
        let _turno = self.turno().await;
        let fatto = sqlx::query(SQL_ELIMINA_PUBBLICATI)
            .bind(prima_di)
            .execute(&self.pool)
            .await?;
        Ok(fatto.rows_affected())
    }

    async fn eventi(&self, dopo: i64, limite: u32) -> Risultato<Vec<Evento>> {
        let righe = sqlx::query(SQL_EVENTI)
            .bind(dopo)
            .bind(i64::from(limite))
            .fetch_all(&self.pool)
            .await?;
        righe.iter().map(evento).collect()
    }
}

fn mandato(r: &AnyRow) -> Risultato<Mandato> {
    let ambito: String = r.try_get("ambito")?;
    Ok(Mandato {
        mittente: r.try_get("mittente")?,
        cf_dichiarante: CodiceFiscale::new(&r.try_get::<String, _>("cf_dichiarante")?),
        ambito: Ambito::da_nome(&ambito).ok_or_else(|| corrotto(format!("ambito «{ambito}»")))?,
        scadenza: leggi_data(&r.try_get::<String, _>("scadenza")?)?,
        registrato_da: r.try_get("registrato_da")?,
        registrato_il: r.try_get("registrato_il")?,
        revocato_il: r.try_get("revocato_il")?,
    })
}

impl StoreAccesso for StoreSql {
    async fn registra_mandato(&self, m: &Mandato) -> Risultato<()> {
        let _turno = self.turno().await;
        sqlx::query(SQL_REGISTRA_MANDATO)
            .bind(m.mittente.clone())
            .bind(m.cf_dichiarante.as_str().to_string())
            .bind(m.ambito.nome().to_string())
            .bind(testo_data(m.scadenza))
            .bind(m.registrato_da.clone())
            .bind(m.registrato_il)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn revoca_mandato(
        &self,
        mittente: &str,
        cf: &CodiceFiscale,
        quando: i64,
    ) -> Risultato<bool> {
        let _turno = self.turno().await;
        let fatto = sqlx::query(SQL_REVOCA_MANDATO)
            .bind(quando)
            .bind(mittente.to_string())
            .bind(cf.as_str().to_string())
            .execute(&self.pool)
            .await?;
        Ok(fatto.rows_affected() > 0)
    }

    async fn mandato(&self, mittente: &str, cf: &CodiceFiscale) -> Risultato<Option<Mandato>> {
        sqlx::query(SQL_MANDATO)
            .bind(mittente.to_string())
            .bind(cf.as_str().to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(mandato)
            .transpose()
    }

    async fn mandati(&self, cf: &CodiceFiscale) -> Risultato<Vec<Mandato>> {
        sqlx::query(SQL_MANDATI)
            .bind(cf.as_str().to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(mandato)
            .collect()
    }

    async fn registra_lettura(&self, l: &LetturaBackOffice) -> Risultato<()> {
        let protocolli = l
            .protocolli
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let _turno = self.turno().await;
        sqlx::query(SQL_REGISTRA_LETTURA)
            .bind(l.cliente.clone())
            .bind(l.operazione.clone())
            .bind(l.oggetto.clone())
            .bind(protocolli)
            .bind(l.letta_il)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn letture_back_office(&self, cliente: &str) -> Risultato<Vec<LetturaBackOffice>> {
        let righe = sqlx::query(SQL_LETTURE)
            .bind(cliente.to_string())
            .fetch_all(&self.pool)
            .await?;
        righe
            .iter()
            .map(|r| {
                let protocolli: String = r.try_get("protocolli")?;
                Ok(LetturaBackOffice {
                    cliente: r.try_get("cliente")?,
                    operazione: r.try_get("operazione")?,
                    oggetto: r.try_get("oggetto")?,
                    protocolli: protocolli
                        .split_whitespace()
                        .map(leggi_protocollo)
                        .collect::<Risultato<_>>()?,
                    letta_il: r.try_get("letta_il")?,
                })
            })
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

    #[test]
    fn url_e_credenziali() {
        assert_eq!(Backend::da_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::da_url("postgres://a@b/c").unwrap(),
            Backend::Postgres
        );
        let e = Backend::da_url("mysql://u:segreto@h/db")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("segreto"), "{e}");
        assert!(isee_sql::schema_ammesso("t_ab12"));
        assert!(!isee_sql::schema_ammesso("a; DROP"));
    }
}

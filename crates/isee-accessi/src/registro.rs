//! [`RegistroAccessi`]: the handle the server and the CLI use. Writing goes through the
//! writer task ([`crate::scrittore`]); reading, verification and retention use a small
//! pool of other connections.

use crate::chiavi::{ChiaviAudit, hmac};
use crate::errore::{ErroreAccessi, Risultato};
use crate::limite::{Limitatore, OpzioniLimite};
use crate::record::{
    NuovoAccesso, RecordAccesso, Ricevuta, mac_da_hex, testo_giorno, testo_istante,
};
use crate::schema::{self, Backend, colonne_select};
use crate::scrittore::{ETICHETTA_ATTESA, Messaggio, OpzioniScrittura, Scrittore, leggi_testa};
use crate::spazio::{SogliaSpazio, SpazioDisco, misura};
use crate::verifica::{EsitoVerifica, leggi_ancora, mac_ancora, verifica_catena};
use chrono::{DateTime, Duration as Durata, NaiveDate, Utc};
use isee_sql::file_sqlite;
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, AssertSqlSafe, Row};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// The access log. Cheap to clone; every clone talks to the same writer.
#[derive(Clone)]
pub struct RegistroAccessi {
    interno: Arc<Interno>,
}

struct Interno {
    pool: AnyPool,
    backend: Backend,
    chiavi: ChiaviAudit,
    /// `None` when opened read-only ([`RegistroAccessi::apri_lettore`]).
    coda: Option<mpsc::Sender<Messaggio>>,
    limitatore: Limitatore,
    /// Held while summaries are taken and written, so that a caller asking for all
    /// of them (a flush, the close) returns only after the background task's
    /// summaries in flight are committed too.
    riepilogo: tokio::sync::Mutex<()>,
    /// The SQLite file, whose filesystem is watched; `None` on PostgreSQL.
    file: Option<PathBuf>,
    soglia_spazio: SogliaSpazio,
    spazio: Mutex<Option<SpazioDisco>>,
}

/// What protects the log from being filled: the limits on unauthenticated refusals
/// ([`RegistroAccessi::registra_non_autenticato`]) and the free-space threshold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Protezioni {
    pub limite: OpzioniLimite,
    pub spazio: SogliaSpazio,
}

/// The log's figures for a metrics page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Metriche {
    /// The last measure of the SQLite log's filesystem; `None` on PostgreSQL or
    /// before the first measure.
    pub spazio: Option<SpazioDisco>,
    /// Refusals of unauthenticated callers summarised instead of stored one by one,
    /// since start.
    pub rifiuti_soppressi: u64,
}

/// How often the writer's handle measures the disk.
const INTERVALLO_SPAZIO: Duration = Duration::from_secs(30);

/// The SQLite URL opened read-only and never created: `mode=ro` replaces any mode.
fn url_sola_lettura(url: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut parti: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("mode="))
        .collect();
    parti.push("mode=ro");
    format!("{base}?{}", parti.join("&"))
}

/// Whether a database error says "this table does not exist".
fn tabella_mancante(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.code().as_deref() == Some("42P01") || d.message().contains("no such table")
        }
        _ => false,
    }
}

impl std::fmt::Debug for RegistroAccessi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistroAccessi")
            .field("chiavi", &self.interno.chiavi)
            .field("scrittore", &self.interno.coda.is_some())
            .finish()
    }
}

/// What [`RegistroAccessi::elenca`] selects. Every condition is optional; `dal` is
/// included, `al` excluded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filtro {
    pub dal: Option<DateTime<Utc>>,
    pub al: Option<DateTime<Utc>>,
    pub purpose_id: Option<String>,
    pub ente_ipa: Option<String>,
    /// Keyed hash of the searched fiscal code ([`RegistroAccessi::hash_cf`]).
    pub cf_hash: Option<String>,
    /// Keyed hash of the operator's fiscal code.
    pub operatore_cf_hash: Option<String>,
    /// Only records after this `seq` (to page through a long listing).
    pub dopo_seq: Option<i64>,
    /// At most this many records (default 1,000).
    pub limite: Option<u32>,
}

const LIMITE_PREDEFINITO: u32 = 1_000;

impl RegistroAccessi {
    /// Opens the log as its writer: creates the tables if missing, takes the writer's
    /// lock, checks the key against the one the log was written with, reads the head
    /// and starts the writer task. Refuses ([`ErroreAccessi::ScrittoreAttivo`]) if
    /// another process writes the same database. Must be called inside a Tokio runtime.
    pub async fn apri(
        url: &str,
        chiavi: ChiaviAudit,
        opzioni: OpzioniScrittura,
    ) -> Risultato<RegistroAccessi> {
        Self::apri_con(url, chiavi, opzioni, Protezioni::default()).await
    }

    /// [`RegistroAccessi::apri`] with explicit limits and free-space threshold. Also
    /// measures the disk now, and starts the task that every interval writes the
    /// summaries of suppressed refusals and measures the disk again.
    pub async fn apri_con(
        url: &str,
        chiavi: ChiaviAudit,
        opzioni: OpzioniScrittura,
        protezioni: Protezioni,
    ) -> Risultato<RegistroAccessi> {
        // One connection goes to the writer; the rest serve reads and retention.
        let (pool, backend) = schema::connetti(url, 5).await?;
        schema::crea_tabelle(&pool, backend).await?;
        let scrittore = Scrittore::prepara(&pool, backend, chiavi.clone(), opzioni).await?;
        let (tx, rx) = mpsc::channel(scrittore.opzioni().capacita_coda);
        tokio::spawn(scrittore.esegui(rx));
        let r = RegistroAccessi::costruisci(pool, backend, chiavi, Some(tx), url, protezioni);
        r.controlla_spazio();
        tokio::spawn(sorveglia(Arc::downgrade(&r.interno)));
        Ok(r)
    }

    fn costruisci(
        pool: AnyPool,
        backend: Backend,
        chiavi: ChiaviAudit,
        coda: Option<mpsc::Sender<Messaggio>>,
        url: &str,
        protezioni: Protezioni,
    ) -> RegistroAccessi {
        RegistroAccessi {
            interno: Arc::new(Interno {
                pool,
                backend,
                chiavi,
                coda,
                limitatore: Limitatore::new(protezioni.limite),
                riepilogo: tokio::sync::Mutex::new(()),
                file: file_sqlite(url),
                soglia_spazio: protezioni.spazio,
                spazio: Mutex::new(None),
            }),
        }
    }

    /// Opens an existing log for verification only: never creates a file or a table
    /// and never writes (SQLite `mode=ro`, no migrations). A missing SQLite file, or
    /// a database without the log's tables, is [`ErroreAccessi::RegistroAssente`].
    pub async fn apri_verifica(url: &str, chiavi: ChiaviAudit) -> Risultato<RegistroAccessi> {
        let backend = isee_sql::Backend::da_url(url)?;
        let url_aperto = match backend {
            Backend::Sqlite => url_sola_lettura(url),
            Backend::Postgres => url.to_string(),
        };
        let assente = || ErroreAccessi::RegistroAssente(isee_sql::senza_credenziali(url));
        let (pool, backend) = match schema::connetti_lettura(&url_aperto).await {
            Ok(p) => p,
            // SQLITE_CANTOPEN: the file is not there (or not readable).
            Err(ErroreAccessi::Database(sqlx::Error::Database(d)))
                if d.code().as_deref() == Some("14")
                    || d.message().contains("unable to open database file") =>
            {
                return Err(assente());
            }
            Err(e) => return Err(e),
        };
        match sqlx::query("SELECT COUNT(*) FROM accessi_record WHERE seq < 0")
            .fetch_one(&pool)
            .await
        {
            Ok(_) => {}
            Err(e) if tabella_mancante(&e) => {
                pool.close().await;
                return Err(assente());
            }
            Err(e) => return Err(e.into()),
        }
        Ok(RegistroAccessi::costruisci(
            pool,
            backend,
            chiavi,
            None,
            url,
            Protezioni::default(),
        ))
    }

    /// Records a refusal of a caller that is not authenticated (no valid voucher),
    /// within the limits of [`crate::limite`]: `Some` once the full record is
    /// committed, `None` when the source is over its limit and the refusal was only
    /// counted (it reaches the log in the source's next summary record, which the
    /// writer's background task writes every interval, and [`RegistroAccessi::chiudi`]
    /// at the end).
    pub async fn registra_non_autenticato(
        &self,
        fonte: &str,
        a: NuovoAccesso,
    ) -> Risultato<Option<Ricevuta>> {
        if self.interno.limitatore.ammetti(fonte, &a, Instant::now()) {
            self.registra(a).await.map(Some)
        } else {
            Ok(None)
        }
    }

    /// Writes the summary records of suppressed refusals: those whose interval is
    /// over, or all of them with `tutti`. Returns how many were written; on return,
    /// the summaries the background task had taken before are committed too.
    pub async fn riepiloga_rifiuti(&self, tutti: bool) -> Risultato<usize> {
        let _turno = self.interno.riepilogo.lock().await;
        let riepiloghi = self.interno.limitatore.riepiloghi(Instant::now(), tutti);
        let n = riepiloghi.len();
        for r in riepiloghi {
            if let Some(t) = &r.request_id {
                tracing::warn!(riepilogo = %t, "registro degli accessi: rifiuti non autenticati oltre il limite");
            }
            self.registra(r).await?;
        }
        Ok(n)
    }

    /// Measures the free space of the SQLite log's filesystem, remembers it for
    /// [`RegistroAccessi::metriche`], and warns (tracing `warn`) when it is below the
    /// threshold. `None` on PostgreSQL or when the filesystem cannot be measured.
    pub fn controlla_spazio(&self) -> Option<SpazioDisco> {
        let file = self.interno.file.as_ref()?;
        let misurato = match misura(file) {
            Ok((libero, totale)) => SpazioDisco {
                libero,
                totale,
                in_esaurimento: self.interno.soglia_spazio.superata(libero, totale),
            },
            Err(e) => {
                tracing::warn!(errore = %e, file = %file.display(), "registro degli accessi: spazio libero non misurabile");
                return None;
            }
        };
        let prima = self
            .interno
            .spazio
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(misurato);
        if misurato.in_esaurimento {
            tracing::warn!(
                libero_byte = misurato.libero,
                totale_byte = misurato.totale,
                soglia_byte = self.interno.soglia_spazio.byte_minimi,
                soglia_percento = self.interno.soglia_spazio.percento_minimo,
                file = %file.display(),
                "registro degli accessi: spazio su disco in esaurimento; a disco pieno ogni consultazione risponderà DATABASE_OFFLINE"
            );
        } else if prima.is_some_and(|p| p.in_esaurimento) {
            tracing::info!(
                libero_byte = misurato.libero,
                "registro degli accessi: spazio su disco di nuovo sopra la soglia"
            );
        }
        Some(misurato)
    }

    /// The figures of the metrics page.
    pub fn metriche(&self) -> Metriche {
        Metriche {
            spazio: *self
                .interno
                .spazio
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
            rifiuti_soppressi: self.interno.limitatore.soppressi_totali(),
        }
    }

    /// Opens the log without writing to the chain: verification, listings, retention,
    /// and [`RegistroAccessi::deposita`] for a process (the CLI) that runs while the
    /// server is the writer.
    pub async fn apri_lettore(url: &str, chiavi: ChiaviAudit) -> Risultato<RegistroAccessi> {
        let (pool, backend) = schema::connetti(url, 2).await?;
        schema::crea_tabelle(&pool, backend).await?;
        Ok(RegistroAccessi::costruisci(
            pool,
            backend,
            chiavi,
            None,
            url,
            Protezioni::default(),
        ))
    }

    /// Readiness of the log's database (`/pronto` of the consultation listener):
    /// reachable, writable, its migrations current ([`isee_sql::pronto`]).
    pub async fn pronto(&self) -> Result<(), isee_sql::NonPronto> {
        isee_sql::pronto(
            &self.interno.pool,
            self.interno.backend,
            schema::migrazioni(self.interno.backend),
        )
        .await
    }

    /// Whether this handle is the writer.
    pub fn scrittore(&self) -> bool {
        self.interno.coda.is_some()
    }

    /// Keyed hash (HMAC-SHA256, hex) of a fiscal code: what is stored and searched.
    pub fn hash_cf(&self, cf: &str) -> String {
        self.interno.chiavi.hash_cf(cf)
    }

    /// Records an access and returns once it is committed (durable). The caller must
    /// not send its answer before this returns `Ok`.
    pub async fn registra(&self, a: NuovoAccesso) -> Risultato<Ricevuta> {
        let coda = self
            .interno
            .coda
            .as_ref()
            .ok_or(ErroreAccessi::SolaLettura)?;
        let (tx, rx) = oneshot::channel();
        coda.send(Messaggio::Registra(a, tx))
            .await
            .map_err(|_| ErroreAccessi::Chiuso)?;
        rx.await.map_err(|_| ErroreAccessi::Chiuso)?
    }

    /// Leaves a record for the writer (of this or another process) to chain within
    /// about a second: for processes that cannot be the writer. The record carries a
    /// MAC with the chain key, so that whoever can write the table but has no key
    /// cannot get records chained.
    pub async fn deposita(&self, a: &NuovoAccesso) -> Risultato<()> {
        let dati =
            serde_json::to_string(a).map_err(|e| ErroreAccessi::ScritturaFallita(e.to_string()))?;
        let mac = hex::encode(hmac(
            self.interno.chiavi.catena(),
            &[ETICHETTA_ATTESA, dati.as_bytes()],
        ));
        sqlx::query("INSERT INTO accessi_in_attesa (dati, mac) VALUES ($1, $2)")
            .bind(dati)
            .bind(mac)
            .execute(&self.interno.pool)
            .await?;
        Ok(())
    }

    /// Records deposited and not yet chained.
    pub async fn in_attesa(&self) -> Risultato<u64> {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM accessi_in_attesa")
            .fetch_one(&self.interno.pool)
            .await?
            .try_get(0)?;
        Ok(n as u64)
    }

    /// Writes what is queued, releases the writer's lock and stops the writer. Later
    /// `registra` calls fail with [`ErroreAccessi::Chiuso`]. Also closes the pool.
    pub async fn chiudi(&self) {
        if self.interno.coda.is_some()
            && let Err(e) = self.riepiloga_rifiuti(true).await
        {
            tracing::warn!(errore = %e, "registro degli accessi: riepiloghi dei rifiuti non scritti alla chiusura");
        }
        if let Some(coda) = &self.interno.coda {
            let (tx, rx) = oneshot::channel();
            if coda.send(Messaggio::Chiudi(tx)).await.is_ok() {
                let _ = rx.await;
            }
        }
        self.interno.pool.close().await;
    }

    /// The last committed record (seq, MAC hex), or the anchor if retention removed
    /// every record; `None` for an empty log. Export it regularly (`isee audit testa`):
    /// it is what detects a truncated tail.
    pub async fn testa(&self) -> Risultato<Option<(i64, String)>> {
        let mut conn = self.interno.pool.acquire().await?;
        leggi_testa(&mut conn).await
    }

    /// Verifies the whole chain. See [`crate::verifica`] for what it detects.
    pub async fn verifica(&self) -> Risultato<EsitoVerifica> {
        verifica_catena(
            &self.interno.pool,
            &self.interno.chiavi,
            None,
            None,
            &mut |_| {},
        )
        .await
    }

    /// Verifies the chain and checks that it still reaches an exported head: detects
    /// the removal of the last records, which [`RegistroAccessi::verifica`] cannot.
    pub async fn verifica_con_testa(&self, seq: i64, mac: &str) -> Risultato<EsitoVerifica> {
        verifica_catena(
            &self.interno.pool,
            &self.interno.chiavi,
            Some((seq, mac.to_string())),
            None,
            &mut |_| {},
        )
        .await
    }

    /// [`RegistroAccessi::verifica`] with an optional exported head and a callback
    /// told how many records were read so far (after every page).
    pub async fn verifica_con_avanzamento(
        &self,
        testa: Option<(i64, String)>,
        avanzamento: &mut (dyn FnMut(u64) + Send),
    ) -> Risultato<EsitoVerifica> {
        verifica_catena(
            &self.interno.pool,
            &self.interno.chiavi,
            testa,
            None,
            avanzamento,
        )
        .await
    }

    /// Deletes the records older than `giorni` days before `adesso` and leaves an
    /// anchor (the `seq` and MAC of the last deleted record, itself MACed) from which
    /// verification starts. Returns the number of records deleted.
    ///
    /// Only a prefix of the chain is deleted: up to the record before the first one
    /// newer than the cutoff, so a late record never leaves a hole. The part to delete
    /// is verified first, and retention is refused if it is not intact: deleting it
    /// would erase the evidence, and the anchor would vouch for it.
    pub async fn conserva(&self, giorni: u32, adesso: DateTime<Utc>) -> Risultato<u64> {
        let taglio = testo_istante(&(adesso - Durata::days(i64::from(giorni))));
        let pool = &self.interno.pool;
        let Some(fino_a) = ultimo_da_eliminare(pool, &taglio).await? else {
            return Ok(0);
        };
        let ancora = leggi_ancora(pool).await?;
        if ancora.as_ref().is_some_and(|a| a.seq >= fino_a) {
            return Ok(0);
        }
        let esito =
            verifica_catena(pool, &self.interno.chiavi, None, Some(fino_a), &mut |_| {}).await?;
        if !esito.integro() {
            return Err(ErroreAccessi::CatenaNonIntegra(esito.problemi_totali));
        }
        let Some((seq, mac)) = esito.testa.filter(|(s, _)| *s == fino_a) else {
            return Err(ErroreAccessi::DatoCorrotto(format!(
                "record {fino_a} non trovato durante la conservazione"
            )));
        };
        // SQLite: take the write lock at BEGIN. A deferred transaction that reads and
        // then writes fails at once (SQLITE_BUSY, no waiting) if the writer committed
        // in between.
        let mut tx = match self.interno.backend {
            Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => pool.begin().await?,
        };
        // Re-read inside the transaction: another retention run may have gone first.
        let ancora_ora = leggi_ancora(&mut *tx).await?;
        if ancora_ora.as_ref().map(|a| (a.seq, &a.mac)) != ancora.as_ref().map(|a| (a.seq, &a.mac))
        {
            return Err(ErroreAccessi::ScritturaFallita(
                "un'altra conservazione è in corso: riprovare".into(),
            ));
        }
        let eliminati = sqlx::query("DELETE FROM accessi_record WHERE seq <= $1")
            .bind(fino_a)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let creata_il = testo_istante(&adesso);
        let totali = ancora.map_or(0, |a| a.eliminati_totali) + eliminati as i64;
        let mac_a = mac_ancora(&self.interno.chiavi, seq, &mac, &creata_il, totali);
        sqlx::query(
            "INSERT INTO accessi_ancora (id, seq, mac, creata_il, eliminati_totali, mac_ancora) \
             VALUES (1, $1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, \
             mac = excluded.mac, creata_il = excluded.creata_il, \
             eliminati_totali = excluded.eliminati_totali, mac_ancora = excluded.mac_ancora",
        )
        .bind(seq)
        .bind(&mac)
        .bind(&creata_il)
        .bind(totali)
        .bind(&mac_a)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        debug_assert!(mac_da_hex(&mac).is_some());
        tracing::info!(
            "registro degli accessi: conservazione di {giorni} giorni, eliminati {eliminati} record fino al {seq}"
        );
        Ok(eliminati)
    }

    /// Records per purpose on a UTC day: every record that carried a `purpose_id`,
    /// whatever its outcome, except those refused for an exhausted quota (they did
    /// not consume it). The server restores its daily quota counters from this.
    pub async fn conteggi_giorno(&self, giorno_utc: NaiveDate) -> Risultato<HashMap<String, u64>> {
        let dopo = giorno_utc.succ_opt().unwrap_or(giorno_utc);
        let righe = sqlx::query(
            "SELECT purpose_id, COUNT(*) FROM accessi_record WHERE ts >= $1 AND ts < $2 \
             AND purpose_id IS NOT NULL AND esito <> 'QUOTA_ESAURITA' GROUP BY purpose_id",
        )
        .bind(testo_giorno(giorno_utc))
        .bind(testo_giorno(dopo))
        .fetch_all(&self.interno.pool)
        .await?;
        let mut conteggi = HashMap::with_capacity(righe.len());
        for r in righe {
            let p: String = r.try_get(0)?;
            let n: i64 = r.try_get(1)?;
            conteggi.insert(p, n as u64);
        }
        Ok(conteggi)
    }

    /// Records matching `filtro`, in `seq` order.
    pub async fn elenca(&self, filtro: &Filtro) -> Risultato<Vec<RecordAccesso>> {
        let mut condizioni: Vec<String> = Vec::new();
        let mut testi: Vec<String> = Vec::new();
        let mut prossimo = 1;
        let mut condizione = |colonna: &str, op: &str, valore: String| {
            condizioni.push(format!("{colonna} {op} ${prossimo}"));
            testi.push(valore);
            prossimo += 1;
        };
        if let Some(d) = &filtro.dal {
            condizione("ts", ">=", testo_istante(d));
        }
        if let Some(a) = &filtro.al {
            condizione("ts", "<", testo_istante(a));
        }
        if let Some(p) = &filtro.purpose_id {
            condizione("purpose_id", "=", p.clone());
        }
        if let Some(e) = &filtro.ente_ipa {
            condizione("ente_ipa", "=", e.clone());
        }
        if let Some(h) = &filtro.cf_hash {
            condizione("cf_ricercato_hash", "=", h.clone());
        }
        if let Some(h) = &filtro.operatore_cf_hash {
            condizione("operatore_cf_hash", "=", h.clone());
        }
        condizioni.push(format!("seq > ${prossimo}"));
        let sql = format!(
            "SELECT {} FROM accessi_record WHERE {} ORDER BY seq LIMIT ${}",
            colonne_select(),
            condizioni.join(" AND "),
            prossimo + 1
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for t in testi {
            q = q.bind(t);
        }
        let righe = q
            .bind(filtro.dopo_seq.unwrap_or(i64::MIN))
            .bind(i64::from(filtro.limite.unwrap_or(LIMITE_PREDEFINITO)))
            .fetch_all(&self.interno.pool)
            .await?;
        righe
            .iter()
            .map(|r| {
                schema::riga(r)?
                    .in_record()
                    .map_err(ErroreAccessi::DatoCorrotto)
            })
            .collect()
    }
}

/// The writer's handle's background task: summaries of suppressed refusals every
/// interval, the disk every [`INTERVALLO_SPAZIO`]. Ends when the log is closed or
/// every handle is gone.
async fn sorveglia(interno: Weak<Interno>) {
    let passo = match interno.upgrade() {
        Some(i) => i.limitatore.opzioni().intervallo.min(INTERVALLO_SPAZIO),
        None => return,
    };
    let mut orologio = tokio::time::interval(passo);
    orologio.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    orologio.tick().await;
    let mut ultima_misura = Instant::now();
    loop {
        orologio.tick().await;
        let Some(interno) = interno.upgrade() else {
            return;
        };
        let r = RegistroAccessi { interno };
        match r.riepiloga_rifiuti(false).await {
            Ok(_) => {}
            Err(ErroreAccessi::Chiuso) => return,
            Err(e) => {
                tracing::warn!(errore = %e, "registro degli accessi: riepiloghi dei rifiuti non scritti")
            }
        }
        if ultima_misura.elapsed() >= INTERVALLO_SPAZIO {
            ultima_misura = Instant::now();
            r.controlla_spazio();
        }
    }
}

/// The last `seq` retention may delete: the one before the first record at or after
/// the cutoff, or the last record if all are older.
async fn ultimo_da_eliminare(pool: &AnyPool, taglio: &str) -> Risultato<Option<i64>> {
    let primo_recente: Option<i64> =
        sqlx::query("SELECT MIN(seq) FROM accessi_record WHERE ts >= $1")
            .bind(taglio)
            .fetch_one(pool)
            .await?
            .try_get(0)?;
    let fino_a = match primo_recente {
        Some(s) => Some(s - 1),
        None => sqlx::query("SELECT MAX(seq) FROM accessi_record")
            .fetch_one(pool)
            .await?
            .try_get::<Option<i64>, _>(0)?,
    };
    Ok(fino_a.filter(|s| *s >= 1))
}

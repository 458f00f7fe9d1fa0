//! The single writer: one task owns the chain head and a dedicated connection, and
//! writes records by group commit.
//!
//! `registra` sends its record over a bounded channel with a oneshot for the answer.
//! The task takes everything queued (up to `max_lotto`), gives each record its `seq`
//! and MAC in order, inserts them with multi-row INSERTs in one transaction, commits
//! (one fsync for the whole batch), and only then answers every waiter. While a batch
//! commits, the next one queues: the busier the server, the larger the batches, so
//! the cost of the fsync is shared instead of multiplied.
//!
//! The head in memory moves only after a commit; when a batch fails, every waiter of
//! the batch gets the error and the next batch starts again from the last committed
//! record. One writer per database: on SQLite a lease row (`accessi_processo`), on
//! PostgreSQL a session advisory lock on the writer's connection.
//!
//! The lease is released when the log is closed ([`crate::RegistroAccessi::chiudi`]).
//! A writer that dies without closing leaves it behind until it expires, unless the
//! next writer proves it dead: the lease records the holder's host, boot, PID
//! namespace, user, pid and the pid's start time (`Processo`), and a new writer on
//! the same machine takes over at once when that pid is gone (or is another process).
//! A live holder, or one on another machine, is never displaced.

use crate::chiavi::{ChiaviAudit, hmac};
use crate::errore::{ErroreAccessi, Risultato};
use crate::record::{
    MAC_INIZIALE, NUMERO_COLONNE, NuovoAccesso, Ricevuta, Riga, Valore, mac_da_hex,
};
use crate::schema::{Backend, SQL_LEGGI_META};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, Connection, Row};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// How the writer batches and holds its lock.
#[derive(Clone, Debug)]
pub struct OpzioniScrittura {
    /// Most records in one transaction (clamped to 1..=1024).
    pub max_lotto: usize,
    /// Records that may wait for the writer; beyond this `registra` waits for room,
    /// which slows the callers instead of letting memory grow.
    pub capacita_coda: usize,
    /// SQLite: how long the writer's lease lasts without renewal. A writer that dies
    /// without closing blocks a new one for at most this long.
    pub durata_lease: Duration,
    /// How often the idle writer renews its lease and takes in the records deposited
    /// by other processes (`accessi_in_attesa`).
    pub intervallo_manutenzione: Duration,
}

impl Default for OpzioniScrittura {
    fn default() -> Self {
        OpzioniScrittura {
            max_lotto: 512,
            capacita_coda: 16_384,
            durata_lease: Duration::from_secs(30),
            intervallo_manutenzione: Duration::from_secs(1),
        }
    }
}

// Nearly every message is a `Registra`: boxing it to shrink the rare `Chiudi` would
// cost an allocation per record.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Messaggio {
    Registra(NuovoAccesso, oneshot::Sender<Risultato<Ricevuta>>),
    /// Finish what was queued before, release the lock, answer.
    Chiudi(oneshot::Sender<()>),
}

/// Label of the MAC of a record deposited by a process that is not the writer.
pub(crate) const ETICHETTA_ATTESA: &[u8] = b"isee-accessi/attesa";

/// Records deposited by others taken in at each maintenance round.
const ATTESA_PER_GIRO: i64 = 256;

#[derive(Clone, Copy, Debug)]
struct Testa {
    seq: i64,
    mac: [u8; 32],
}

pub(crate) struct Scrittore {
    conn: AnyConnection,
    backend: Backend,
    chiavi: ChiaviAudit,
    opzioni: OpzioniScrittura,
    testa: Testa,
    titolare: String,
    sql_insert: HashMap<usize, Arc<str>>,
    /// Set after a failed batch: the commit may have failed after reaching the disk
    /// (connection lost while committing), so the head is read again before writing.
    rileggi_testa: bool,
    /// Set when the lease was taken by another process: no more writes.
    perso: Option<String>,
    ultima_manutenzione: Instant,
}

fn adesso_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

fn nome_host() -> Option<String> {
    std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
}

fn descrizione_processo() -> String {
    format!(
        "pid {} su {}",
        std::process::id(),
        nome_host().unwrap_or_else(|| "?".into())
    )
}

/// Who holds the SQLite lease, precisely enough to prove on the same machine that it
/// no longer runs: host name, boot, PID namespace and user, pid, and the pid's start
/// time (so that a reused pid is not taken for the holder).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Processo {
    host: String,
    /// `/proc/sys/kernel/random/boot_id`: a pid of another boot means nothing.
    boot: String,
    /// `/proc/self/ns/pid`: containers on one kernel number their processes apart.
    ns_pid: String,
    /// The owner of `/proc/<pid>`: a process of the same user is visible even where
    /// `/proc` hides other users' processes (`hidepid`).
    uid: u32,
    pid: u32,
    /// Start time in clock ticks after boot (`/proc/<pid>/stat`, field 22).
    avvio: u64,
}

/// The lease holder as written in `titolare`: a random token (what renewals and the
/// release compare) and, where the system tells it, the process.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Titolare {
    token: String,
    processo: Option<Processo>,
}

/// Start time and state of `/proc/<pid>/stat`, or the I/O error reading it.
fn stat_processo(pid: u32) -> std::io::Result<(u64, char)> {
    let testo = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // `pid (comm) state …`: comm may hold spaces and parentheses, so split after the
    // last `)`. Field 3 (state) is the first after it, field 22 (starttime) the 20th.
    let dopo = testo
        .rfind(')')
        .map(|i| &testo[i + 1..])
        .ok_or_else(|| std::io::Error::other("stat illeggibile"))?;
    let campi: Vec<&str> = dopo.split_whitespace().collect();
    let stato = campi.first().and_then(|s| s.chars().next());
    let avvio = campi.get(19).and_then(|s| s.parse().ok());
    match (avvio, stato) {
        (Some(a), Some(s)) => Ok((a, s)),
        _ => Err(std::io::Error::other("stat illeggibile")),
    }
}

impl Processo {
    /// This process, or `None` where `/proc` does not tell all of it.
    pub(crate) fn attuale() -> Option<Processo> {
        use std::os::unix::fs::MetadataExt as _;
        let pid = std::process::id();
        let (avvio, _) = stat_processo(pid).ok()?;
        Some(Processo {
            host: nome_host()?,
            boot: std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
                .ok()?
                .trim()
                .to_string(),
            ns_pid: std::fs::read_link("/proc/self/ns/pid")
                .ok()?
                .display()
                .to_string(),
            uid: std::fs::metadata(format!("/proc/{pid}")).ok()?.uid(),
            pid,
            avvio,
        })
    }

    /// Whether `self` (a lease holder) provably no longer runs, as seen from `io`:
    /// same host, boot, PID namespace and user, and its pid is gone, a zombie, or
    /// another process started since. Anything else (another machine, unreadable
    /// `/proc`) is not a proof: the lease then waits for its expiry.
    pub(crate) fn terminato(&self, io: &Processo) -> bool {
        if (&self.host, &self.boot, &self.ns_pid, self.uid)
            != (&io.host, &io.boot, &io.ns_pid, io.uid)
        {
            return false;
        }
        match stat_processo(self.pid) {
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
            Ok((avvio, stato)) => avvio != self.avvio || matches!(stato, 'Z' | 'X'),
        }
    }
}

const SQL_PRENDI_LEASE: &str = "INSERT INTO accessi_processo (id, titolare, descrizione, scadenza) \
     VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET titolare = excluded.titolare, \
     descrizione = excluded.descrizione, scadenza = excluded.scadenza \
     WHERE accessi_processo.scadenza < $4";
const SQL_RINNOVA_LEASE: &str =
    "UPDATE accessi_processo SET scadenza = $1 WHERE id = 1 AND titolare = $2";
const SQL_LASCIA_LEASE: &str = "DELETE FROM accessi_processo WHERE id = 1 AND titolare = $1";
const SQL_TITOLARE_LEASE: &str =
    "SELECT descrizione, scadenza, titolare FROM accessi_processo WHERE id = 1";
/// Takes over the lease of a holder proved dead: only if it is still that holder's.
const SQL_SUBENTRA_LEASE: &str = "UPDATE accessi_processo SET titolare = $1, descrizione = $2, \
     scadenza = $3 WHERE id = 1 AND titolare = $4";
const SQL_LOCK_PG: &str = "SELECT pg_try_advisory_lock(hashtext('isee-accessi/scrittore'), \
     hashtext(current_schema()))";
const SQL_IMPRONTA: &str = "INSERT INTO accessi_meta (chiave, valore) VALUES ('impronta_chiave', $1) \
     ON CONFLICT (chiave) DO NOTHING";
const SQL_TESTA: &str = "SELECT seq, mac FROM accessi_record ORDER BY seq DESC LIMIT 1";
const SQL_TESTA_ANCORA: &str = "SELECT seq, mac FROM accessi_ancora WHERE id = 1";
const SQL_ATTESA: &str = "SELECT id, dati, mac FROM accessi_in_attesa ORDER BY id LIMIT $1";

/// The last committed record (or the anchor, or the start), from the database.
pub(crate) async fn leggi_testa(conn: &mut AnyConnection) -> Risultato<Option<(i64, String)>> {
    if let Some(r) = sqlx::query(SQL_TESTA).fetch_optional(&mut *conn).await? {
        return Ok(Some((r.try_get(0)?, r.try_get(1)?)));
    }
    if let Some(r) = sqlx::query(SQL_TESTA_ANCORA)
        .fetch_optional(&mut *conn)
        .await?
    {
        return Ok(Some((r.try_get(0)?, r.try_get(1)?)));
    }
    Ok(None)
}

fn testa_da(t: Option<(i64, String)>) -> Risultato<Testa> {
    match t {
        None => Ok(Testa {
            seq: 0,
            mac: MAC_INIZIALE,
        }),
        Some((seq, mac)) => Ok(Testa {
            seq,
            mac: mac_da_hex(&mac)
                .ok_or_else(|| ErroreAccessi::DatoCorrotto(format!("MAC del record {seq}")))?,
        }),
    }
}

impl Scrittore {
    /// Takes the writer's lock, checks the key and reads the head.
    pub(crate) async fn prepara(
        pool: &AnyPool,
        backend: Backend,
        chiavi: ChiaviAudit,
        mut opzioni: OpzioniScrittura,
    ) -> Risultato<Scrittore> {
        opzioni.max_lotto = opzioni.max_lotto.clamp(1, 1024);
        opzioni.capacita_coda = opzioni.capacita_coda.max(1);
        // A connection of its own, out of the pool: the PostgreSQL advisory lock
        // belongs to the session, and the writer must never wait for a pooled one.
        let mut conn = pool.acquire().await?.detach();
        let io = Processo::attuale();
        let titolare = serde_json::to_string(&Titolare {
            token: format!("{:032x}", u128::from_le_bytes(casuali())),
            processo: io.clone(),
        })
        .map_err(|e| ErroreAccessi::ScritturaFallita(e.to_string()))?;
        match backend {
            Backend::Sqlite => {
                let adesso = adesso_unix();
                let scadenza = adesso + opzioni.durata_lease.as_secs() as i64;
                let fatto = sqlx::query(SQL_PRENDI_LEASE)
                    .bind(&titolare)
                    .bind(descrizione_processo())
                    .bind(scadenza)
                    .bind(adesso)
                    .execute(&mut conn)
                    .await?
                    .rows_affected();
                if fatto == 0 {
                    let riga = sqlx::query(SQL_TITOLARE_LEASE)
                        .fetch_optional(&mut conn)
                        .await?;
                    let (descrizione, scad, vecchio): (String, i64, String) = match &riga {
                        Some(r) => (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?),
                        None => Default::default(),
                    };
                    // A holder that crashed on this machine (its pid is gone) need
                    // not be waited for.
                    let morto = match (&io, serde_json::from_str::<Titolare>(&vecchio)) {
                        (
                            Some(io),
                            Ok(Titolare {
                                processo: Some(p), ..
                            }),
                        ) => p.terminato(io),
                        _ => false,
                    };
                    let subentrato = morto
                        && sqlx::query(SQL_SUBENTRA_LEASE)
                            .bind(&titolare)
                            .bind(descrizione_processo())
                            .bind(scadenza)
                            .bind(&vecchio)
                            .execute(&mut conn)
                            .await?
                            .rows_affected()
                            == 1;
                    if subentrato {
                        tracing::warn!(
                            "registro degli accessi: il titolare del lease ({descrizione}) non è più in esecuzione; questo processo subentra come scrittore"
                        );
                    } else {
                        let resta = (scad - adesso).max(0);
                        return Err(ErroreAccessi::ScrittoreAttivo(format!(
                            "{descrizione}, lease valido ancora {resta} s"
                        )));
                    }
                }
            }
            Backend::Postgres => {
                let preso: bool = sqlx::query(SQL_LOCK_PG)
                    .fetch_one(&mut conn)
                    .await?
                    .try_get(0)?;
                if !preso {
                    return Err(ErroreAccessi::ScrittoreAttivo(
                        "lock consultivo PostgreSQL detenuto da un'altra sessione".into(),
                    ));
                }
            }
        }
        let mut s = Scrittore {
            conn,
            backend,
            chiavi,
            opzioni,
            testa: Testa {
                seq: 0,
                mac: MAC_INIZIALE,
            },
            titolare,
            sql_insert: HashMap::new(),
            rileggi_testa: false,
            perso: None,
            ultima_manutenzione: Instant::now(),
        };
        // From here on a failure must give the lock back.
        match s.controlla_e_leggi().await {
            Ok(()) => Ok(s),
            Err(e) => {
                s.rilascia().await;
                Err(e)
            }
        }
    }

    async fn controlla_e_leggi(&mut self) -> Risultato<()> {
        sqlx::query(SQL_IMPRONTA)
            .bind(self.chiavi.impronta())
            .execute(&mut self.conn)
            .await?;
        let registrata: String = sqlx::query(SQL_LEGGI_META)
            .bind("impronta_chiave")
            .fetch_one(&mut self.conn)
            .await?
            .try_get(0)?;
        if registrata != self.chiavi.impronta() {
            let fornita = self.chiavi.impronta().to_string();
            // Which is wrong, the key or the stored fingerprint? The last record
            // decides: if the key given verifies its MAC, the key is the log's and the
            // fingerprint (accessi_meta) was altered.
            return Err(match self.verifica_ultimo_record().await? {
                Some(seq) => ErroreAccessi::ImprontaAlterata {
                    registrata,
                    fornita,
                    seq,
                },
                None => ErroreAccessi::ChiaveDiversa {
                    registrata,
                    fornita,
                },
            });
        }
        self.testa = testa_da(leggi_testa(&mut self.conn).await?)?;
        Ok(())
    }

    /// The `seq` of the last record if the writer's key verifies its MAC; `None` if
    /// it does not, or if there is no record to tell.
    async fn verifica_ultimo_record(&mut self) -> Risultato<Option<i64>> {
        let sql = format!(
            "SELECT {} FROM accessi_record ORDER BY seq DESC LIMIT 1",
            crate::schema::colonne_select()
        );
        // The column list is the crate's constant list, no input.
        let Some(r) = sqlx::query(AssertSqlSafe(sql))
            .fetch_optional(&mut self.conn)
            .await?
        else {
            return Ok(None);
        };
        let riga = crate::schema::riga(&r)?;
        let (Some(precedente), Some(mac)) =
            (mac_da_hex(&riga.mac_precedente), mac_da_hex(&riga.mac))
        else {
            return Ok(None);
        };
        let valido =
            crate::record::mac_record(self.chiavi.catena(), &precedente, &riga.canonica()) == mac;
        Ok(valido.then_some(riga.seq))
    }

    pub(crate) fn opzioni(&self) -> &OpzioniScrittura {
        &self.opzioni
    }

    /// The writer's loop, until `Chiudi` or until every sender is gone.
    pub(crate) async fn esegui(mut self, mut coda: mpsc::Receiver<Messaggio>) {
        let mut messaggi = Vec::with_capacity(self.opzioni.max_lotto);
        let mut orologio = tokio::time::interval(self.opzioni.intervallo_manutenzione);
        orologio.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Records deposited while no writer ran go in first.
        self.manutenzione().await;
        loop {
            tokio::select! {
                n = coda.recv_many(&mut messaggi, self.opzioni.max_lotto) => {
                    if n == 0 {
                        break;
                    }
                    let mut lotto = Vec::with_capacity(messaggi.len());
                    let mut chiusura = None;
                    for m in messaggi.drain(..) {
                        match m {
                            Messaggio::Registra(a, r) if chiusura.is_none() => lotto.push((a, Some(r))),
                            // Anything after `Chiudi` is dropped: its sender sees `Chiuso`.
                            Messaggio::Registra(..) => {}
                            Messaggio::Chiudi(r) => chiusura = chiusura.or(Some(r)),
                        }
                    }
                    if !lotto.is_empty() {
                        self.elabora(lotto, &[]).await;
                    }
                    if let Some(r) = chiusura {
                        self.termina().await;
                        let _ = r.send(());
                        return;
                    }
                    // Under constant load the timer branch may never win the select.
                    if self.ultima_manutenzione.elapsed() >= self.opzioni.intervallo_manutenzione {
                        self.manutenzione().await;
                    }
                }
                _ = orologio.tick() => self.manutenzione().await,
            }
        }
        self.termina().await;
    }

    /// Renews the lease (SQLite) and takes in records deposited by other processes.
    async fn manutenzione(&mut self) {
        self.ultima_manutenzione = Instant::now();
        if self.perso.is_some() {
            return;
        }
        if self.backend == Backend::Sqlite {
            let r = sqlx::query(SQL_RINNOVA_LEASE)
                .bind(adesso_unix() + self.opzioni.durata_lease.as_secs() as i64)
                .bind(&self.titolare)
                .execute(&mut self.conn)
                .await;
            match r {
                Ok(r) if r.rows_affected() == 0 => {
                    tracing::error!(
                        "registro degli accessi: il lease di scrittura è passato a un altro processo; questo processo smette di scrivere"
                    );
                    self.perso = Some("lease di scrittura perso".into());
                    return;
                }
                Ok(_) => {}
                // Transient (the database busy with a retention run): try next round.
                Err(e) => {
                    tracing::warn!("registro degli accessi: rinnovo del lease non riuscito: {e}")
                }
            }
        }
        if let Err(e) = self.assorbi_attesa().await {
            tracing::warn!("registro degli accessi: record in attesa non acquisiti: {e}");
        }
    }

    async fn assorbi_attesa(&mut self) -> Risultato<()> {
        let righe = sqlx::query(SQL_ATTESA)
            .bind(ATTESA_PER_GIRO)
            .fetch_all(&mut self.conn)
            .await?;
        if righe.is_empty() {
            return Ok(());
        }
        let mut ids = Vec::with_capacity(righe.len());
        let mut lotto = Vec::new();
        for r in &righe {
            let id: i64 = r.try_get(0)?;
            let dati: String = r.try_get(1)?;
            let mac: String = r.try_get(2)?;
            ids.push(id);
            let atteso = hex::encode(hmac(
                self.chiavi.catena(),
                &[ETICHETTA_ATTESA, dati.as_bytes()],
            ));
            match serde_json::from_str::<NuovoAccesso>(&dati) {
                Ok(a) if atteso == mac => lotto.push((a, None)),
                // Whoever can write the table but has no key cannot get a record
                // chained through here.
                _ => tracing::error!(
                    "registro degli accessi: record in attesa {id} scartato: MAC non valido o dati illeggibili"
                ),
            }
        }
        self.elabora(lotto, &ids).await;
        Ok(())
    }

    /// Chains and writes one batch, then answers its waiters.
    async fn elabora(
        &mut self,
        lotto: Vec<(NuovoAccesso, Option<oneshot::Sender<Risultato<Ricevuta>>>)>,
        attesa: &[i64],
    ) {
        if let Some(motivo) = &self.perso {
            for (_, r) in lotto {
                if let Some(r) = r {
                    let _ = r.send(Err(ErroreAccessi::ScritturaFallita(motivo.clone())));
                }
            }
            return;
        }
        if self.rileggi_testa {
            match leggi_testa(&mut self.conn).await.and_then(testa_da) {
                Ok(t) if t.seq > self.testa.seq => {
                    tracing::warn!(
                        "registro degli accessi: il lotto fallito era stato scritto (testa {} invece di {})",
                        t.seq,
                        self.testa.seq
                    );
                    self.testa = t;
                    self.rileggi_testa = false;
                }
                Ok(t) if t.seq < self.testa.seq => {
                    // Fewer records than committed: the tail was removed behind our
                    // back. Keep the committed head, so the hole shows in verification.
                    tracing::error!(
                        "registro degli accessi: l'ultimo record nel database è {} ma ne erano stati scritti {}: coda rimossa?",
                        t.seq,
                        self.testa.seq
                    );
                    self.rileggi_testa = false;
                }
                Ok(_) => self.rileggi_testa = false,
                Err(_) => {} // still unreadable; the write below will tell
            }
        }
        let mut righe = Vec::with_capacity(lotto.len());
        let mut risposte = Vec::with_capacity(lotto.len());
        let mut testa = self.testa;
        for (a, r) in lotto {
            let mut riga = Riga::da_accesso(a, testa.seq + 1);
            let mac = riga.incatena(self.chiavi.catena(), &testa.mac);
            testa = Testa { seq: riga.seq, mac };
            risposte.push(r.map(|r| (r, riga.seq, riga.mac.clone())));
            righe.push(riga);
        }
        match self.scrivi(&righe, attesa).await {
            Ok(()) => {
                self.testa = testa;
                for (r, seq, mac) in risposte.into_iter().flatten() {
                    let _ = r.send(Ok(Ricevuta { seq, mac }));
                }
            }
            Err(e) => {
                tracing::error!(
                    "registro degli accessi: lotto di {} record non scritto: {e}",
                    righe.len()
                );
                self.rileggi_testa = true;
                let testo = e.to_string();
                for (r, _, _) in risposte.into_iter().flatten() {
                    let _ = r.send(Err(ErroreAccessi::ScritturaFallita(testo.clone())));
                }
            }
        }
    }

    /// The INSERT of `n` rows, built once per size.
    fn sql_per(&mut self, n: usize) -> Arc<str> {
        let backend = self.backend;
        self.sql_insert
            .entry(n)
            .or_insert_with(|| {
                let mut s = format!(
                    "INSERT INTO accessi_record ({}, mac_precedente, mac) VALUES ",
                    crate::record::COLONNE_DATI.join(", ")
                );
                let mut p = 1;
                for i in 0..n {
                    s.push_str(if i == 0 { "(" } else { ", (" });
                    for c in 0..NUMERO_COLONNE {
                        if c > 0 {
                            s.push_str(", ");
                        }
                        // SQLite looks up a named parameter (`$n`) by walking the list
                        // of names, and sqlx asks for every parameter's name: 15,000
                        // `$n` cost O(n²), 70% of the writer's time in a batch of 256.
                        // Anonymous `?` have no name, so binding is linear.
                        match backend {
                            Backend::Sqlite => s.push('?'),
                            Backend::Postgres => {
                                s.push('$');
                                s.push_str(&p.to_string());
                            }
                        }
                        p += 1;
                    }
                    s.push(')');
                }
                Arc::from(s)
            })
            .clone()
    }

    /// One transaction: the batch's rows, the removal of the deposited records taken in.
    async fn scrivi(&mut self, righe: &[Riga], attesa: &[i64]) -> Result<(), sqlx::Error> {
        // Statements are cached per SQL text, so sizes are powers of two: a batch of
        // 300 is 256 + 32 + 8 + 4, and the cache holds at most 11 INSERTs.
        let per_istruzione = self.backend.massimo_parametri() / NUMERO_COLONNE;
        let mut pezzi = Vec::new();
        let mut resto = righe.len();
        while resto > 0 {
            let n = 1usize << (usize::BITS - 1 - resto.min(per_istruzione).leading_zeros());
            pezzi.push(n);
            resto -= n;
        }
        let sql: Vec<Arc<str>> = pezzi.iter().map(|&n| self.sql_per(n)).collect();
        let mut tx = self.conn.begin().await?;
        let mut inizio = 0;
        for (n, sql) in pezzi.iter().zip(sql) {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in &righe[inizio..inizio + n] {
                q = lega(q, r);
            }
            q.execute(&mut *tx).await?;
            inizio += n;
        }
        if !attesa.is_empty() {
            let segnaposti: Vec<String> = (1..=attesa.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "DELETE FROM accessi_in_attesa WHERE id IN ({})",
                segnaposti.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql)).persistent(false);
            for id in attesa {
                q = q.bind(*id);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    /// Gives the lock back (SQLite lease row; the PostgreSQL lock goes with the session).
    async fn rilascia(&mut self) {
        if self.backend == Backend::Sqlite
            && self.perso.is_none()
            && let Err(e) = sqlx::query(SQL_LASCIA_LEASE)
                .bind(&self.titolare)
                .execute(&mut self.conn)
                .await
        {
            tracing::warn!("registro degli accessi: lease non rilasciato: {e}");
        }
        self.perso = Some("registro chiuso".into());
    }

    /// Releases the lock and closes the session (which releases the PostgreSQL
    /// advisory lock at once, instead of when the server notices the socket is gone).
    async fn termina(mut self) {
        self.rilascia().await;
        let _ = self.conn.close().await;
    }
}

fn lega<'q>(mut q: Query<'q, Any, AnyArguments>, r: &Riga) -> Query<'q, Any, AnyArguments> {
    for v in r.valori() {
        q = match v {
            Valore::Testo(s) => q.bind(s),
            Valore::TestoOpz(s) => q.bind(s),
            Valore::Intero(i) => q.bind(i),
            Valore::InteroOpz(i) => q.bind(i),
        };
    }
    q.bind(r.mac_precedente.as_str()).bind(r.mac.as_str())
}

/// 16 random bytes for the lease owner token.
fn casuali() -> [u8; 16] {
    let mut b = [0u8; 16];
    // Uniqueness, not secrecy: fall back to time and pid if the OS refuses.
    if getrandom::fill(&mut b).is_err() {
        let t = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default() as u128;
        b = (t ^ (u128::from(std::process::id()) << 64)).to_le_bytes();
    }
    b
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::RegistroAccessi;

    fn chiavi() -> ChiaviAudit {
        ChiaviAudit::da_segreto(b"chiave di prova del lease, 32 byte almeno")
    }

    /// A process that has exited: its pid is gone.
    fn pid_terminato() -> u32 {
        let mut c = std::process::Command::new("true").spawn().unwrap();
        let pid = c.id();
        c.wait().unwrap();
        pid
    }

    #[test]
    fn terminato_solo_con_la_prova() {
        let io = Processo::attuale().expect("/proc leggibile");
        assert!(!io.terminato(&io), "un processo vivo");
        let morto = Processo {
            pid: pid_terminato(),
            ..io.clone()
        };
        assert!(morto.terminato(&io), "pid scomparso");
        let riusato = Processo {
            avvio: io.avvio + 1,
            ..io.clone()
        };
        assert!(riusato.terminato(&io), "pid riusato da un altro processo");
        // Elsewhere nothing is proved: another host, boot, namespace or user.
        for altrove in [
            Processo {
                host: format!("{}-altro", io.host),
                ..morto.clone()
            },
            Processo {
                boot: "un-altro-avvio".into(),
                ..morto.clone()
            },
            Processo {
                ns_pid: "pid:[1]".into(),
                ..morto.clone()
            },
            Processo {
                uid: io.uid.wrapping_add(1),
                ..morto.clone()
            },
        ] {
            assert!(!altrove.terminato(&io), "{altrove:?}");
        }
    }

    /// Leaves the lease of `processo` in the log at `url`, valid for an hour.
    async fn lascia_lease(url: &str, processo: Processo) {
        let (pool, backend) = crate::schema::connetti(url, 1).await.unwrap();
        crate::schema::crea_tabelle(&pool, backend).await.unwrap();
        let titolare = serde_json::to_string(&Titolare {
            token: "vecchio".into(),
            processo: Some(processo),
        })
        .unwrap();
        sqlx::query(SQL_PRENDI_LEASE)
            .bind(titolare)
            .bind("pid 1 su prova")
            .bind(adesso_unix() + 3600)
            .bind(adesso_unix())
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }

    #[tokio::test]
    async fn subentra_a_un_titolare_morto_non_a_uno_vivo() {
        let dir = tempfile::tempdir().unwrap();
        let io = Processo::attuale().unwrap();

        // The holder crashed (its pid is gone): taken over at once.
        let url = isee_sql::url_da_percorso(&dir.path().join("morto.db").display().to_string());
        let morto = Processo {
            pid: pid_terminato(),
            ..io.clone()
        };
        lascia_lease(&url, morto).await;
        let r = RegistroAccessi::apri(&url, chiavi(), OpzioniScrittura::default())
            .await
            .expect("subentro al titolare morto");
        // …and the lease is ours now: a second writer is refused.
        let secondo = RegistroAccessi::apri(&url, chiavi(), OpzioniScrittura::default()).await;
        assert!(
            matches!(secondo, Err(ErroreAccessi::ScrittoreAttivo(_))),
            "{secondo:?}"
        );
        r.chiudi().await;
        // Closed: released, so the next writer opens without waiting.
        RegistroAccessi::apri(&url, chiavi(), OpzioniScrittura::default())
            .await
            .expect("lease rilasciato alla chiusura")
            .chiudi()
            .await;

        // A live holder (this very process) is never displaced.
        let url = isee_sql::url_da_percorso(&dir.path().join("vivo.db").display().to_string());
        lascia_lease(&url, io.clone()).await;
        let e = RegistroAccessi::apri(&url, chiavi(), OpzioniScrittura::default()).await;
        assert!(matches!(e, Err(ErroreAccessi::ScrittoreAttivo(_))), "{e:?}");

        // Nor is one on another machine, dead or not.
        let url = isee_sql::url_da_percorso(&dir.path().join("altrove.db").display().to_string());
        let altrove = Processo {
            host: format!("{}-altro", io.host),
            pid: pid_terminato(),
            ..io
        };
        lascia_lease(&url, altrove).await;
        let e = RegistroAccessi::apri(&url, chiavi(), OpzioniScrittura::default()).await;
        assert!(matches!(e, Err(ErroreAccessi::ScrittoreAttivo(_))), "{e:?}");
    }
}

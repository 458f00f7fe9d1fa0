//! The outbox publisher: takes the unpublished events of the register in batches,
//! publishes them to the JetStream stream, and marks them published once every ack
//! is back. Any number of nodes may run one over the same database: each takes
//! disjoint rows ([`StoreEventi::prendi`]).
//!
//! Order: within a batch the events are published in id order; batches of two nodes
//! may interleave, so the stream's order is the outbox's only per node. Consumers do
//! not depend on it: each event names its protocol and a consumer reads the
//! register's state (docs/EVENTI.md).

use crate::errore::{ErroreEventi, Risultato};
use async_nats::jetstream::{self, message::PublishMessage, stream};
use isee_registro::StoreEventi;
use isee_registro::evento::PREFISSO_SOGGETTO;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// How a publisher and the stream it writes are set up.
#[derive(Clone, Debug)]
pub struct Impostazioni {
    /// The JetStream stream's name.
    pub flusso: String,
    /// This node's name, the prefix of its claims on outbox rows.
    pub nodo: String,
    /// At most this many events per round.
    pub lotto: u32,
    /// The pause after a round that found fewer than [`Impostazioni::lotto`] events.
    pub intervallo: Duration,
    /// How long a claim holds rows: a publisher that dies holding them delays them
    /// this long. Shorter than [`Impostazioni::finestra_duplicati`], so that the rows
    /// another node publishes again are dropped as duplicates by the stream.
    pub durata_presa: Duration,
    /// The stream drops a message whose id it saw within this window.
    pub finestra_duplicati: Duration,
    /// The stream keeps messages this long (the replay horizon).
    pub conservazione_flusso: Duration,
    /// Published rows are deleted from the outbox after this long.
    pub conservazione_outbox: Duration,
}

impl Default for Impostazioni {
    fn default() -> Impostazioni {
        Impostazioni {
            flusso: "ISEE_EVENTI".to_string(),
            nodo: nodo_casuale(),
            lotto: 256,
            intervallo: Duration::from_millis(200),
            durata_presa: Duration::from_secs(30),
            finestra_duplicati: Duration::from_secs(600),
            conservazione_flusso: Duration::from_secs(400 * 86_400),
            conservazione_outbox: Duration::from_secs(7 * 86_400),
        }
    }
}

fn nodo_casuale() -> String {
    let mut b = [0u8; 6];
    // A failure of the OS generator leaves zeros: the name is a label, not a secret.
    let _ = getrandom::fill(&mut b);
    format!("nodo-{}", hex::encode(b))
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// Creates the stream if missing (subjects `isee.>`, file storage, the windows of
/// `imp`); an existing stream is left as it is.
pub async fn assicura_flusso(
    js: &jetstream::Context,
    imp: &Impostazioni,
) -> Risultato<stream::Stream> {
    js.get_or_create_stream(stream::Config {
        name: imp.flusso.clone(),
        subjects: vec![format!("{PREFISSO_SOGGETTO}.>")],
        storage: stream::StorageType::File,
        duplicate_window: imp.finestra_duplicati,
        max_age: imp.conservazione_flusso,
        ..Default::default()
    })
    .await
    .map_err(|e| ErroreEventi::nats("creazione del flusso", e))
}

/// What `/metrics` shows of a publisher (the outbox lag).
#[derive(Debug, Default)]
pub struct StatoPubblicatore {
    /// Unpublished events at the end of the last round.
    pub in_attesa: AtomicU64,
    /// The oldest unpublished event's age at the end of the last round, µs (0: none).
    pub ritardo_micros: AtomicI64,
    /// Events this process published (acks received).
    pub pubblicati: AtomicU64,
    /// Rounds that failed (NATS down, database error).
    pub giri_falliti: AtomicU64,
}

/// The publisher of one node.
pub struct Pubblicatore<S> {
    store: S,
    js: jetstream::Context,
    imp: Impostazioni,
    prese: AtomicU64,
    /// Whether the stream is known to exist (checked again after a failed round).
    flusso_pronto: AtomicBool,
    stato: Arc<StatoPubblicatore>,
}

impl<S: StoreEventi> Pubblicatore<S> {
    pub fn new(store: S, js: jetstream::Context, imp: Impostazioni) -> Pubblicatore<S> {
        Pubblicatore {
            store,
            js,
            imp,
            prese: AtomicU64::new(0),
            flusso_pronto: AtomicBool::new(false),
            stato: Arc::default(),
        }
    }

    pub fn stato(&self) -> Arc<StatoPubblicatore> {
        self.stato.clone()
    }

    /// One round: take a batch, publish it (every message in flight at once), wait
    /// for every ack, mark the batch. On an error the batch stays claimed until its
    /// claim runs out, then it is taken again. Returns how many were published.
    pub async fn giro(&self) -> Risultato<usize> {
        if !self.flusso_pronto.load(Ordering::Relaxed) {
            assicura_flusso(&self.js, &self.imp).await?;
            self.flusso_pronto.store(true, Ordering::Relaxed);
        }
        let esito = self.pubblica_lotto().await;
        if esito.is_err() {
            self.flusso_pronto.store(false, Ordering::Relaxed);
        }
        esito
    }

    async fn pubblica_lotto(&self) -> Risultato<usize> {
        let adesso = crate::adesso();
        let n = self.prese.fetch_add(1, Ordering::Relaxed);
        let presa = format!("{}-{n}", self.imp.nodo);
        let eventi = self
            .store
            .prendi(
                &presa,
                self.imp.lotto,
                adesso,
                adesso.saturating_add(micros(self.imp.durata_presa)),
            )
            .await?;
        if !eventi.is_empty() {
            let mut attese = Vec::with_capacity(eventi.len());
            for e in &eventi {
                let corpo = serde_json::to_vec(e).map_err(|e| ErroreEventi::nats("evento", e))?;
                let messaggio = PublishMessage::build()
                    .payload(corpo.into())
                    .message_id(e.id_messaggio());
                attese.push(
                    self.js
                        .send_publish(e.soggetto(), messaggio)
                        .await
                        .map_err(|e| ErroreEventi::nats("pubblicazione", e))?,
                );
            }
            for a in attese {
                a.await
                    .map_err(|e| ErroreEventi::nats("conferma della pubblicazione", e))?;
            }
            self.store.pubblicati(&presa, crate::adesso()).await?;
            self.stato
                .pubblicati
                .fetch_add(eventi.len() as u64, Ordering::Relaxed);
        }
        self.aggiorna_arretrato().await?;
        Ok(eventi.len())
    }

    async fn aggiorna_arretrato(&self) -> Risultato<()> {
        let a = self.store.arretrato().await?;
        self.stato.in_attesa.store(a.eventi, Ordering::Relaxed);
        let ritardo = a
            .piu_vecchio
            .map(|t| crate::adesso().saturating_sub(t).max(0))
            .unwrap_or(0);
        self.stato.ritardo_micros.store(ritardo, Ordering::Relaxed);
        Ok(())
    }

    /// Rounds until `fermo` resolves (a round under way is finished first): at once
    /// after a full batch, after [`Impostazioni::intervallo`] otherwise, backing off
    /// up to 5 s while rounds fail. Once an hour, published rows older than
    /// [`Impostazioni::conservazione_outbox`] are deleted.
    pub async fn esegui(self, fermo: impl Future<Output = ()>) {
        tokio::pin!(fermo);
        let mut attesa_errore = Duration::from_millis(200);
        let mut prossima_pulizia = tokio::time::Instant::now();
        loop {
            if tokio::time::Instant::now() >= prossima_pulizia {
                let prima_di =
                    crate::adesso().saturating_sub(micros(self.imp.conservazione_outbox));
                match self.store.elimina_pubblicati(prima_di).await {
                    Ok(n) if n > 0 => {
                        tracing::info!(target: "eventi", eliminati = n, "outbox ripulita")
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(target: "eventi", errore = %e, "pulizia dell'outbox fallita")
                    }
                }
                prossima_pulizia += Duration::from_secs(3600);
            }
            let pausa = match self.giro().await {
                Ok(n) => {
                    attesa_errore = Duration::from_millis(200);
                    if n == self.imp.lotto as usize {
                        Duration::ZERO
                    } else {
                        self.imp.intervallo
                    }
                }
                Err(e) => {
                    self.stato.giri_falliti.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(target: "eventi", errore = %e, "pubblicazione degli eventi fallita; si riprova");
                    let _ = self.aggiorna_arretrato().await;
                    let p = attesa_errore;
                    attesa_errore = (attesa_errore * 2).min(Duration::from_secs(5));
                    p
                }
            };
            tokio::select! {
                _ = &mut fermo => break,
                _ = tokio::time::sleep(pausa) => {}
            }
        }
    }
}

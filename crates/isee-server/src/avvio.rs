//! Starting the register's service: the store opened from a path or URL, the router
//! with its limits bound to an address on `isee_http`'s bounded listener (connection
//! cap, header and body timeouts), a runtime of its own and a graceful stop on SIGINT
//! or SIGTERM. `isee serve` maps its arguments to a [`Configurazione`] and calls
//! [`avvia`]; `isee demo` fills a store first, then uses [`connetti`] and [`ascolta`].

use crate::api::{Limiti, Servizio, app_con};
use crate::chiavi::Clienti;
pub use isee_http::server::Limits;
use isee_registro::store::sql::Configurazione as ConfigurazioneStore;
use isee_registro::{RegistroDsu, StoreSql};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// What the service needs to start.
#[derive(Clone, Debug)]
pub struct Configurazione {
    /// The database: a SQLite file (created if missing), `sqlite://…` or `postgres://…`.
    pub db: String,
    /// Where to listen (port 0: a free port, see [`InServizio::indirizzo`]).
    pub indirizzo: SocketAddr,
    /// The API keys; with none, every request to `/api/v1` is refused (401).
    pub clienti: Clienti,
    pub limiti: Limiti,
    /// The listener's limits: connection cap, header, body and lifetime timeouts.
    pub ascolto: Limits,
    /// Database connections.
    pub connessioni: u32,
    /// PostgreSQL: the working schema (created if missing).
    pub schema_pg: Option<String>,
    /// Worker threads (default: one per core).
    pub thread: Option<usize>,
    /// Another router (the web portal) answering every path outside `/api/` the API
    /// does not know, on the same listener (see [`crate::api::app_con`]), built once
    /// the register's store is open, on the service's runtime.
    pub portale: Option<FabbricaPortale>,
    /// The register's events on NATS JetStream: this node runs an outbox publisher
    /// and the notification stub's consumer (crate `isee-eventi`, docs/EVENTI.md).
    /// Without it the outbox is still written; another node, or `isee eventi
    /// pubblica`, publishes it.
    pub eventi: Option<ConfigEventi>,
}

/// Where the events go.
#[derive(Clone, Debug)]
pub struct ConfigEventi {
    /// `nats://host:port` (several, comma-separated, for a cluster).
    pub nats: String,
    pub impostazioni: isee_eventi::Impostazioni,
}

/// An error of the portal's construction.
pub type ErrorePortale = Box<dyn std::error::Error + Send + Sync>;

/// What a portal construction returns.
pub type PortaleInCostruzione = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<axum::Router, ErrorePortale>> + Send>,
>;

/// Builds the portal's router from the register's open store (so that the portal reads
/// the same register, through the same pool), on the service's runtime: the portal opens
/// its own stores there (accounts). `isee-server` does not know the portal's crate.
#[derive(Clone)]
pub struct FabbricaPortale(pub Arc<dyn Fn(StoreSql) -> PortaleInCostruzione + Send + Sync>);

impl std::fmt::Debug for FabbricaPortale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FabbricaPortale")
    }
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ErroreAvvio {
    #[error("avvio del runtime")]
    Runtime(#[source] std::io::Error),
    /// `db` is printed without its password.
    #[error("apertura della base dati {db}")]
    BaseDati {
        db: String,
        #[source]
        causa: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("avvio del portale")]
    Portale(#[source] ErrorePortale),
    #[error("ascolto su {indirizzo}")]
    Ascolto {
        indirizzo: SocketAddr,
        #[source]
        causa: std::io::Error,
    },
    #[error("connessione a NATS")]
    Eventi(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The bound listener's own address could not be read.
    #[error(transparent)]
    IndirizzoLocale(std::io::Error),
}

/// The service, listening; it runs until [`InServizio::attendi`] returns.
#[derive(Debug)]
pub struct InServizio {
    runtime: tokio::runtime::Runtime,
    indirizzo: SocketAddr,
    servizio: JoinHandle<()>,
    /// The event publisher and consumer, stopped with the listener.
    eventi: Vec<JoinHandle<()>>,
}

impl InServizio {
    /// The address the service listens on (the chosen port when it was 0).
    pub fn indirizzo(&self) -> SocketAddr {
        self.indirizzo
    }

    /// Blocks until the service stops: on SIGINT (Ctrl-C) or SIGTERM, once the requests
    /// in flight are answered, and then (at most 5 s) for the event publisher's round
    /// under way. Nothing else is waited for: what is committed is in the database.
    pub fn attendi(self) {
        let _ = self.runtime.block_on(self.servizio);
        // The publisher finishes its round (its claim would otherwise delay those
        // events by the claim's duration on another node); a bounded wait.
        let eventi = self.eventi;
        let _ = self.runtime.block_on(async move {
            tokio::time::timeout(std::time::Duration::from_secs(5), async {
                for e in eventi {
                    let _ = e.await;
                }
            })
            .await
        });
        self.runtime.shutdown_background();
    }
}

/// Opens the store, binds the address and serves, on a runtime of its own (so the
/// caller stays synchronous). Returns once the service listens.
pub fn avvia(c: Configurazione) -> Result<InServizio, ErroreAvvio> {
    if c.clienti.is_empty() {
        tracing::warn!(
            "nessuna chiave API configurata (--chiavi): ogni richiesta a /api/v1 avrà risposta 401"
        );
    }
    let runtime = runtime(c.thread)?;
    let db = c.db.clone();
    let (indirizzo, servizio, eventi) = runtime.block_on(async move {
        let store = connetti(&c.db, c.connessioni, c.schema_pg.clone()).await?;
        let portale = match c.portale {
            Some(fabbrica) => Some(
                (fabbrica.0)(store.clone())
                    .await
                    .map_err(ErroreAvvio::Portale)?,
            ),
            None => None,
        };
        let (ferma, fermo) = tokio::sync::watch::channel(false);
        let (stato_eventi, eventi) = match &c.eventi {
            Some(ce) => {
                let (stato, compiti) =
                    avvia_eventi(ce, &store, &c.db, c.schema_pg.as_deref(), fermo).await?;
                (Some(stato), compiti)
            }
            None => (None, Vec::new()),
        };
        let servizio = Arc::new(Servizio::con_eventi(
            RegistroDsu::new(store),
            c.clienti,
            stato_eventi,
        ));
        let arresto = async move {
            isee_http::server::shutdown_signal().await;
            let _ = ferma.send(true);
        };
        let (indirizzo, servizio) = ascolta(
            servizio,
            &c.limiti,
            c.ascolto,
            c.indirizzo,
            portale,
            arresto,
        )
        .await?;
        Ok::<_, ErroreAvvio>((indirizzo, servizio, eventi))
    })?;
    tracing::info!(indirizzo = %indirizzo, db = %isee_sql::senza_credenziali(&db), "servizio avviato");
    Ok(InServizio {
        runtime,
        indirizzo,
        servizio,
        eventi,
    })
}

/// Starts this node's outbox publisher and the notification stub's consumer, both
/// stopping when `fermo` turns true. The NATS connection is made in the background:
/// a node starts (and its filings fill the outbox) while NATS is down.
async fn avvia_eventi(
    ce: &ConfigEventi,
    store: &StoreSql,
    db: &str,
    schema_pg: Option<&str>,
    fermo: tokio::sync::watch::Receiver<bool>,
) -> Result<(Arc<isee_eventi::StatoPubblicatore>, Vec<JoinHandle<()>>), ErroreAvvio> {
    let js = isee_eventi::connetti(&ce.nats)
        .await
        .map_err(|e| ErroreAvvio::Eventi(Box::new(e)))?;
    let notifiche =
        isee_eventi::notifiche::Notifiche::connetti(&isee_sql::url_da_percorso(db), schema_pg)
            .await
            .map_err(|e| ErroreAvvio::BaseDati {
                db: isee_sql::senza_credenziali(db),
                causa: e.into(),
            })?;
    let pubblicatore =
        isee_eventi::Pubblicatore::new(store.clone(), js.clone(), ce.impostazioni.clone());
    let stato = pubblicatore.stato();
    let attendi = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|f| *f).await;
    };
    let p = tokio::spawn(pubblicatore.esegui(attendi(fermo.clone())));
    let imp = ce.impostazioni.clone();
    let n = tokio::spawn(async move {
        isee_eventi::consumatore::consuma(&js, &imp, &notifiche, attendi(fermo)).await;
    });
    tracing::info!(nats = %isee_sql::senza_credenziali(&ce.nats), flusso = %ce.impostazioni.flusso, nodo = %ce.impostazioni.nodo, "eventi: pubblicazione e notifiche avviate");
    Ok((stato, vec![p, n]))
}

/// A multi-threaded runtime with `thread` workers (default: one per core).
pub fn runtime(thread: Option<usize>) -> Result<tokio::runtime::Runtime, ErroreAvvio> {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = thread {
        b.worker_threads(n.max(1));
    }
    b.enable_all().build().map_err(ErroreAvvio::Runtime)
}

/// Opens (and migrates) the register's store: a path becomes a `sqlite://` URL, URLs
/// pass through.
pub async fn connetti(
    db: &str,
    connessioni: u32,
    schema_pg: Option<String>,
) -> Result<StoreSql, ErroreAvvio> {
    let mut cfg = ConfigurazioneStore::new(&isee_sql::url_da_percorso(db));
    cfg.max_connessioni = connessioni;
    cfg.schema = schema_pg;
    StoreSql::connetti_con(cfg)
        .await
        .map_err(|e| ErroreAvvio::BaseDati {
            db: isee_sql::senza_credenziali(db),
            causa: e.into(),
        })
}

/// Binds `indirizzo` and serves `servizio` with `limiti` (and `portale` beside the
/// API, if given) on a listener bounded by `ascolto` until `arresto` completes
/// (requests in flight are answered first).
/// Returns the bound address and the serving task, which ends when the service stops.
pub async fn ascolta(
    servizio: Arc<Servizio>,
    limiti: &Limiti,
    ascolto: Limits,
    indirizzo: SocketAddr,
    portale: Option<axum::Router>,
    arresto: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(SocketAddr, JoinHandle<()>), ErroreAvvio> {
    let listener = tokio::net::TcpListener::bind(indirizzo)
        .await
        .map_err(|causa| ErroreAvvio::Ascolto { indirizzo, causa })?;
    let locale = listener
        .local_addr()
        .map_err(ErroreAvvio::IndirizzoLocale)?;
    let router = app_con(servizio, limiti, portale);
    let servizio = tokio::spawn(async move {
        if let Err(e) = isee_http::server::serve(listener, router, arresto, ascolto).await {
            tracing::error!(errore = %e, "servizio interrotto");
        }
    });
    Ok((locale, servizio))
}

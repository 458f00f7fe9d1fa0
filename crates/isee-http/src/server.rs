//! The one bounded listener every service serves its axum router on (feature `server`):
//! the register's REST API, the local PDND and, through `isee-tls` with a TLS
//! [`Handshake`], the consultation e-services.
//!
//! Every connection is bounded ([`Limits`]):
//!
//! * **a cap** on open connections (a semaphore taken at `accept`): past it a new
//!   connection is answered at once (plain HTTP: a 503 problem document, TLS: closed) and
//!   never queued, so a flood of idle sockets cannot exhaust the file descriptors the
//!   service needs for its database and for the clients it already serves. The default
//!   cap keeps a reserve below `RLIMIT_NOFILE`;
//! * **the handshake** ([`Handshake`], TLS) within [`Limits::handshake`];
//! * **the headers** of each request within [`Limits::header_read`] (hyper's header
//!   timer). The timer starts as soon as the connection waits for a request, so it is
//!   also the limit of an idle keep-alive connection and of a socket that never says
//!   anything: a slowloris sending a header byte by byte is closed at the same moment;
//! * **the body** of each request within [`Limits::body`] from the end of its headers,
//!   however it trickles in: a request whose body is late is answered 408 with a problem
//!   document and the connection closed, whatever the handler made of the truncated body;
//! * optionally **the connection's lifetime** ([`Limits::max_lifetime`]): past it the
//!   request in flight is answered and the connection closed.
//!
//! On shutdown (the future passed to [`serve`], usually [`shutdown_signal`]) the
//! listener closes its socket first (new clients get a refusal, not a hang), lets
//! requests in flight finish (idle connections close at once) for at most
//! [`Limits::shutdown`], and returns: the caller then flushes what it must (the access
//! log) and exits.

use crate::problema::Problema;
use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderValue, Request, Response, header};
use axum::response::IntoResponse as _;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt as _;

/// The most connections the default cap allows, however many descriptors there are.
pub const MAX_CONNECTIONS: usize = 1024;

/// The limits of a listener. [`Limits::default`] is what the services use unless
/// configured otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The headers of a request, counted from when the connection waits for it: also
    /// the longest an idle keep-alive connection (or a silent socket) stays open.
    pub header_read: Duration,
    /// The body of a request, from the end of its headers to its last byte.
    pub body: Duration,
    /// The TLS handshake (ignored by plain listeners).
    pub handshake: Duration,
    /// Open connections at most; past it new ones are refused at once.
    pub max_connections: usize,
    /// A connection is closed (after the request in flight) once this old.
    pub max_lifetime: Option<Duration>,
    /// After shutdown is asked: how long requests in flight may take before the
    /// listener returns anyway.
    pub shutdown: Duration,
}

impl Default for Limits {
    /// Headers 10 s, body 30 s, handshake 10 s, shutdown 30 s, no lifetime limit, and
    /// [`default_max_connections`].
    fn default() -> Limits {
        Limits {
            header_read: Duration::from_secs(10),
            body: Duration::from_secs(30),
            handshake: Duration::from_secs(10),
            max_connections: default_max_connections(),
            max_lifetime: None,
            shutdown: Duration::from_secs(30),
        }
    }
}

/// The default connection cap: [`MAX_CONNECTIONS`], or less when the process may open
/// fewer files (`RLIMIT_NOFILE`, read from `/proc/self/limits`), keeping a quarter of
/// them (at least 64) for the database, the log and the `accept` that refuses.
pub fn default_max_connections() -> usize {
    match open_files_limit() {
        Some(n) => cap_for(n),
        None => MAX_CONNECTIONS,
    }
}

/// The cap for a descriptor limit `n`.
fn cap_for(n: u64) -> usize {
    let reserve = (n / 4).max(64);
    let cap = usize::try_from(n.saturating_sub(reserve)).unwrap_or(MAX_CONNECTIONS);
    cap.clamp(1, MAX_CONNECTIONS)
}

/// The soft limit on open files, where the system tells it (Linux).
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// How a connection becomes a stream hyper can serve, and what its requests carry.
pub trait Handshake: Send + Sync + 'static {
    /// The stream after the handshake.
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// The handshake of an accepted connection (bounded by [`Limits::handshake`] by the
    /// listener): the stream and the extensions every request of the connection gets
    /// (cloned per request). `None` closes the connection.
    fn handshake(
        &self,
        stream: TcpStream,
        peer: SocketAddr,
    ) -> impl Future<Output = Option<(Self::Io, Extensions)>> + Send;

    /// What to write, best effort, to a connection refused because the cap is reached
    /// (`None`: close it without a word, as a TLS listener must).
    fn refusal(&self) -> Option<&'static [u8]> {
        None
    }
}

/// Plain HTTP: no handshake; each request gets axum's `ConnectInfo<SocketAddr>`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Plain;

/// The answer to a connection over the cap: a 503 problem document.
pub const REFUSAL_503: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: application/problem+json\r\nconnection: close\r\nretry-after: 1\r\ncontent-length: 168\r\n\r\n\
{\"type\":\"urn:isee:problema:servizio.sovraccarico\",\"title\":\"Servizio non disponibile\",\
\"status\":503,\"detail\":\"troppe connessioni aperte\",\"codice\":\"servizio.sovraccarico\"}";

impl Handshake for Plain {
    type Io = TcpStream;

    async fn handshake(
        &self,
        stream: TcpStream,
        peer: SocketAddr,
    ) -> Option<(TcpStream, Extensions)> {
        let mut e = Extensions::new();
        e.insert(ConnectInfo(peer));
        Some((stream, e))
    }

    fn refusal(&self) -> Option<&'static [u8]> {
        Some(REFUSAL_503)
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (`systemctl stop`, `docker stop`): the
/// shutdown future of every service the binary starts.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!(errore = %e, "SIGTERM non gestibile: solo Ctrl-C arresta il servizio");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("arresto richiesto");
}

/// Serves `app` on plain HTTP with `limits` until `shutdown` completes, then drains.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> std::io::Result<()> {
    serve_with(listener, Plain, app, shutdown, limits).await
}

/// [`serve`] with a [`Handshake`] (TLS in `isee-tls`). Each connection runs in its own
/// task from the first byte, so a slow handshake never holds up the next `accept`.
pub async fn serve_with<H: Handshake>(
    listener: TcpListener,
    handshake: H,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> std::io::Result<()> {
    let handshake = Arc::new(handshake);
    let posti = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Every connection task holds a receiver; `Sender::closed` resolves when the last
    // one is gone, i.e. when every connection has finished.
    let (segnale, ricevitore) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut ultimo_avviso: Option<Instant> = None;
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accettata = listener.accept() => match accettata {
                Ok((flusso, indirizzo)) => {
                    let Ok(posto) = posti.clone().try_acquire_owned() else {
                        rifiuta(flusso, handshake.refusal());
                        if ultimo_avviso.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
                            ultimo_avviso = Some(Instant::now());
                            tracing::warn!(
                                massimo = limits.max_connections,
                                "limite di connessioni raggiunto: nuove connessioni rifiutate"
                            );
                        }
                        continue;
                    };
                    let connessione = Connessione {
                        indirizzo,
                        app: app.clone(),
                        arresto: ricevitore.clone(),
                        limits,
                        _posto: posto,
                    };
                    tokio::spawn(connessione.servi(flusso, handshake.clone()));
                }
                Err(e) => {
                    // EMFILE and friends: the loop must survive them, but without
                    // spinning while the condition lasts.
                    tracing::warn!(errore = %e, "accept non riuscita");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    drop(listener);
    drop(ricevitore);
    let _ = segnale.send(true);
    tracing::info!("arresto: attendo le richieste in corso");
    if tokio::time::timeout(limits.shutdown, segnale.closed())
        .await
        .is_err()
    {
        tracing::warn!(
            secondi = limits.shutdown.as_secs(),
            "arresto: richieste ancora in corso allo scadere del tempo, le abbandono"
        );
    }
    Ok(())
}

/// A connection over the cap: the refusal written if the socket takes it at once
/// (never waited for), then closed.
fn rifiuta(flusso: TcpStream, risposta: Option<&[u8]>) {
    if let Some(r) = risposta {
        let _ = flusso.try_write(r);
    }
    drop(flusso);
}

/// Resolves once shutdown is asked (or the listener is gone). The guard `wait_for`
/// returns is not `Send`, so it is dropped here rather than held across an await.
async fn fermato(arresto: &mut watch::Receiver<bool>) {
    let _ = arresto.wait_for(|fermo| *fermo).await;
}

struct Connessione {
    indirizzo: SocketAddr,
    app: Router,
    arresto: watch::Receiver<bool>,
    limits: Limits,
    /// Given back to the cap when the connection ends.
    _posto: OwnedSemaphorePermit,
}

impl Connessione {
    async fn servi<H: Handshake>(mut self, flusso: TcpStream, handshake: Arc<H>) {
        // Small request/response exchanges: Nagle would add up to 40 ms to each.
        if let Err(e) = flusso.set_nodelay(true) {
            tracing::debug!(errore = %e, "TCP_NODELAY non impostato");
        }
        let stretta = tokio::time::timeout(
            self.limits.handshake,
            handshake.handshake(flusso, self.indirizzo),
        );
        let (io, estensioni) = tokio::select! {
            esito = stretta => match esito {
                Ok(Some(pronto)) => pronto,
                Ok(None) => return,
                Err(_) => {
                    tracing::debug!(indirizzo = %self.indirizzo, "handshake scaduto");
                    return;
                }
            },
            () = fermato(&mut self.arresto) => return,
        };
        self.http1(TokioIo::new(io), estensioni).await;
    }

    async fn http1<I>(mut self, io: TokioIo<I>, estensioni: Extensions)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let indirizzo = self.indirizzo;
        let (app, limite_corpo) = (self.app.clone(), self.limits.body);
        let servizio = hyper::service::service_fn(move |richiesta: Request<Incoming>| {
            let app = app.clone();
            let estensioni = estensioni.clone();
            async move {
                let scaduto = Arc::new(AtomicBool::new(false));
                let (mut parti, incoming) = richiesta.into_parts();
                parti.extensions.extend(estensioni);
                let corpo = CorpoAScadenza {
                    corpo: incoming,
                    scadenza: Box::pin(tokio::time::sleep(limite_corpo)),
                    scaduto: scaduto.clone(),
                };
                let richiesta = Request::from_parts(parti, axum::body::Body::new(corpo));
                let risposta = match app.oneshot(richiesta).await {
                    Ok(r) => r,
                    Err(e) => match e {},
                };
                Ok::<_, Infallible>(if scaduto.load(Ordering::Relaxed) {
                    tracing::info!(indirizzo = %indirizzo, "corpo della richiesta non ricevuto in tempo: 408");
                    risposta_408(limite_corpo)
                } else {
                    risposta
                })
            }
        });
        let connessione = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_read)
            .keep_alive(true)
            .serve_connection(io, servizio);
        let mut connessione = std::pin::pin!(connessione);
        let vita = async {
            match self.limits.max_lifetime {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        let esito = tokio::select! {
            esito = connessione.as_mut() => esito,
            () = fermato(&mut self.arresto) => {
                // Finishes the request in flight, if any, then closes; an idle
                // connection closes at once.
                connessione.as_mut().graceful_shutdown();
                connessione.await
            }
            () = vita => {
                connessione.as_mut().graceful_shutdown();
                connessione.await
            }
        };
        if let Err(e) = esito {
            tracing::debug!(indirizzo = %indirizzo, errore = %e, "connessione HTTP chiusa con errore");
        }
    }
}

/// The 408 of a late body; the connection closes after it (the rest of the body would
/// be read as the next request).
fn risposta_408(limite: Duration) -> Response<axum::body::Body> {
    let mut r = Problema::new(
        408,
        "richiesta.corpo_scaduto",
        format!(
            "il corpo della richiesta non è arrivato entro {} ms",
            limite.as_millis()
        ),
    )
    .into_response();
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// The error of a body that did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("corpo della richiesta non ricevuto in tempo")]
pub struct BodyTimeout;

/// A request body with a deadline for its last byte.
struct CorpoAScadenza {
    corpo: Incoming,
    scadenza: Pin<Box<tokio::time::Sleep>>,
    scaduto: Arc<AtomicBool>,
}

impl Body for CorpoAScadenza {
    type Data = <Incoming as Body>::Data;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(r) = Pin::new(&mut self.corpo).poll_frame(cx) {
            return Poll::Ready(r.map(|r| r.map_err(Into::into)));
        }
        if self.scadenza.as_mut().poll(cx).is_ready() {
            self.scaduto.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(Box::new(BodyTimeout))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.corpo.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.corpo.size_hint()
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn il_limite_predefinito_lascia_una_riserva_di_descrittori() {
        assert_eq!(cap_for(256), 192);
        assert_eq!(cap_for(100), 36);
        assert_eq!(cap_for(64), 1);
        assert_eq!(cap_for(1024), 768);
        assert_eq!(cap_for(1 << 20), MAX_CONNECTIONS);
    }

    #[test]
    fn il_503_dichiara_la_lunghezza_giusta() {
        let testo = std::str::from_utf8(REFUSAL_503).unwrap();
        let (testa, corpo) = testo.split_once("\r\n\r\n").unwrap();
        assert!(
            testa.contains(&format!("content-length: {}", corpo.len())),
            "{testa}"
        );
        let p: Problema = serde_json::from_str(corpo).unwrap();
        assert_eq!(
            (p.status, p.codice.as_str()),
            (503, "servizio.sovraccarico")
        );
    }
}

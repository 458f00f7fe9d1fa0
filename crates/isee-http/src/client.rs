//! A bounded HTTP/1.1 client on hyper's connection API: plain `http://`, `https://`
//! verified against Mozilla's root store (webpki-roots) or against a private CA, with
//! an optional client certificate (mutual TLS). It never trusts "any certificate".
//!
//! Two ways to use it:
//! * [`Client::request`]: one request to an absolute URL on a connection of its own
//!   (the PDND key set, a token request);
//! * [`Client::connect`]: one keep-alive [`Connection`] to an address, for tests and
//!   load generators that call a service the way an integrator's software does.
//!
//! Every call is bounded by [`Limits`]: the time to connect (TCP, TLS and HTTP
//! handshakes), the time for a whole answer, and the size of a response body.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HOST, HeaderValue};
use hyper::{Request, Response, Uri};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, HandshakeKind, RootCertStore, SupportedProtocolVersion};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;

/// What a client may wait for and read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// TCP connection plus the TLS and HTTP handshakes.
    pub connect_timeout: Duration,
    /// A whole answer: sending the request and reading the body (for
    /// [`Client::request`], the connection too).
    pub timeout: Duration,
    /// Largest response body read; a larger one is [`Error::BodyTooLarge`].
    pub max_body: usize,
}

impl Default for Limits {
    /// 5 s to connect, 10 s for an answer, 1 MiB of body: a key set, a token or an
    /// API answer is a few kilobytes.
    fn default() -> Limits {
        Limits {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            max_body: 1 << 20,
        }
    }
}

/// Why a call failed. Display gives the step that failed; [`Error::full_message`]
/// adds the causes (an untrusted certificate, a refused connection).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("URL non valido «{url}»: {reason}")]
    Url { url: String, reason: String },
    #[error("«{url}»: sono supportati solo URL http:// e https://")]
    Scheme { url: String },
    #[error("«{url}»: https richiesto, ma il client non ha una configurazione TLS")]
    NoTls { url: String },
    #[error("configurazione TLS: {what}")]
    TlsConfig {
        what: &'static str,
        #[source]
        source: Option<rustls::Error>,
    },
    #[error("configurazione TLS: {what} illeggibile")]
    Pem {
        what: &'static str,
        #[source]
        source: rustls::pki_types::pem::Error,
    },
    #[error("connessione a {address} non riuscita")]
    Connect {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("connessione a {address}: tempo scaduto dopo {timeout:?}")]
    ConnectTimeout { address: String, timeout: Duration },
    #[error("handshake TLS con {address} non riuscito")]
    Handshake {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("richiesta HTTP non valida")]
    Request(#[source] hyper::http::Error),
    #[error("errore del protocollo HTTP")]
    Http(#[source] hyper::Error),
    #[error("risposta oltre il limite di {limit} byte")]
    BodyTooLarge { limit: usize },
    #[error("nessuna risposta completa entro {0:?}")]
    Timeout(Duration),
    #[error("connessione interrotta")]
    Aborted,
}

impl Error {
    /// The message followed by each cause, `": "`-separated.
    pub fn full_message(&self) -> String {
        let mut testo = self.to_string();
        let mut causa = std::error::Error::source(self);
        while let Some(c) = causa {
            testo.push_str(": ");
            testo.push_str(&c.to_string());
            causa = c.source();
        }
        testo
    }
}

/// A TLS client configuration: which servers to trust, which certificate to present.
/// Cloning shares it, and with it the session cache (resumption).
#[derive(Clone, Debug)]
pub struct Tls {
    config: Arc<ClientConfig>,
}

impl Tls {
    /// Servers whose certificate a public root (Mozilla's, webpki-roots) signed.
    pub fn public_roots() -> Result<Tls, Error> {
        Tls::builder().public_roots().build()
    }

    /// A configuration to put together.
    pub fn builder() -> TlsBuilder {
        TlsBuilder {
            roots: RootCertStore::empty(),
            client_auth: None,
            versions: None,
            resumption: true,
        }
    }
}

/// Builds a [`Tls`]: at least one trusted root is required.
pub struct TlsBuilder {
    roots: RootCertStore,
    client_auth: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    versions: Option<Vec<&'static SupportedProtocolVersion>>,
    resumption: bool,
}

impl TlsBuilder {
    /// Trusts Mozilla's root store.
    pub fn public_roots(mut self) -> TlsBuilder {
        self.roots
            .extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        self
    }

    /// Trusts the CA certificates of `ca_pem` (a private CA).
    pub fn trust_pem(mut self, ca_pem: &str) -> Result<TlsBuilder, Error> {
        for c in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
            let c = c.map_err(|source| Error::Pem {
                what: "certificato della CA",
                source,
            })?;
            self.roots.add(c).map_err(|e| Error::TlsConfig {
                what: "certificato della CA non valido",
                source: Some(e),
            })?;
        }
        Ok(self)
    }

    /// Presents this certificate chain and key (PEM) when the server asks for one.
    pub fn client_certificate(
        mut self,
        cert_pem: &str,
        key_pem: &str,
    ) -> Result<TlsBuilder, Error> {
        let chain = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| Error::Pem {
                what: "certificato client",
                source,
            })?;
        let key =
            PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|source| Error::Pem {
                what: "chiave del certificato client",
                source,
            })?;
        self.client_auth = Some((chain, key));
        Ok(self)
    }

    /// Only these protocol versions (default: rustls' safe defaults, TLS 1.3 and 1.2).
    pub fn protocol_versions(
        mut self,
        versions: &[&'static SupportedProtocolVersion],
    ) -> TlsBuilder {
        self.versions = Some(versions.to_vec());
        self
    }

    /// Whether to resume sessions (default: yes).
    pub fn resumption(mut self, resume: bool) -> TlsBuilder {
        self.resumption = resume;
        self
    }

    pub fn build(self) -> Result<Tls, Error> {
        if self.roots.is_empty() {
            return Err(Error::TlsConfig {
                what: "nessuna autorità di certificazione fidata",
                source: None,
            });
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = ClientConfig::builder_with_provider(provider);
        let builder = match &self.versions {
            Some(v) => builder.with_protocol_versions(v),
            None => builder.with_safe_default_protocol_versions(),
        }
        .map_err(|e| Error::TlsConfig {
            what: "versioni del protocollo",
            source: Some(e),
        })?
        .with_root_certificates(self.roots);
        let mut config = match self.client_auth {
            Some((chain, key)) => {
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| Error::TlsConfig {
                        what: "certificato client non utilizzabile",
                        source: Some(e),
                    })?
            }
            None => builder.with_no_client_auth(),
        };
        // The client speaks HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        if !self.resumption {
            config.resumption = rustls::client::Resumption::disabled();
        }
        Ok(Tls {
            config: Arc::new(config),
        })
    }
}

/// A client: an optional TLS configuration and its limits. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    tls: Option<Tls>,
    limits: Limits,
}

impl Client {
    /// Plain HTTP only (`https://` URLs are [`Error::NoTls`]).
    pub fn http() -> Client {
        Client {
            tls: None,
            limits: Limits::default(),
        }
    }

    /// HTTPS with `tls`; `http://` URLs stay plain.
    pub fn https(tls: Tls) -> Client {
        Client {
            tls: Some(tls),
            limits: Limits::default(),
        }
    }

    pub fn with_limits(mut self, limits: Limits) -> Client {
        self.limits = limits;
        self
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// A keep-alive connection to `address`: TLS when the client has a TLS
    /// configuration (the server's certificate must name the address's IP), plain
    /// otherwise. Requests carry `Host: <address>` unless they set their own.
    pub async fn connect(&self, address: SocketAddr) -> Result<Connection, Error> {
        let tls = self
            .tls
            .as_ref()
            .map(|t| (t, ServerName::IpAddress(address.ip().into())));
        let nome = address.to_string();
        let host = HeaderValue::from_str(&nome).map_err(|e| Error::Request(e.into()))?;
        self.bounded_connect(&nome, Destinazione::Indirizzo(address), tls, host)
            .await
    }

    /// One request to an absolute `http://` or `https://` URL, on a connection of
    /// its own; the whole call, connection included, within [`Limits::timeout`].
    pub async fn request(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        let url = request.uri().to_string();
        let (tls, host, port) = self.destination(request.uri(), &url)?;
        let authority = match request.uri().authority() {
            Some(a) => HeaderValue::from_str(a.as_str()).map_err(|e| Error::Request(e.into()))?,
            None => return Err(url_error(&url, "manca l'host")),
        };
        let (mut parts, body) = request.into_parts();
        parts.uri = origin_form(&parts.uri);
        let request = Request::from_parts(parts, body);
        let limits = self.limits;
        let lavoro = async {
            let address = format!("{host}:{port}");
            let mut c = self
                .bounded_connect(&address, Destinazione::Nome(&host, port), tls, authority)
                .await?;
            c.send_unbounded(request).await
        };
        tokio::time::timeout(limits.timeout, lavoro)
            .await
            .map_err(|_| Error::Timeout(limits.timeout))?
    }

    /// `GET url` (see [`Client::request`]).
    pub async fn get(&self, url: &str) -> Result<Response<Bytes>, Error> {
        let uri: Uri = url.parse().map_err(|e| url_error(url, e))?;
        let request = Request::get(uri)
            .body(Bytes::new())
            .map_err(Error::Request)?;
        self.request(request).await
    }

    /// TLS (with the server name) or not, host and port of an absolute URL.
    fn destination<'a>(
        &'a self,
        uri: &Uri,
        url: &str,
    ) -> Result<(TlsVerso<'a>, String, u16), Error> {
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| url_error(url, "manca l'host"))?;
        // An IPv6 literal comes with its brackets.
        let nudo = host.trim_start_matches('[').trim_end_matches(']');
        match uri.scheme_str() {
            Some("http") => Ok((None, nudo.to_owned(), uri.port_u16().unwrap_or(80))),
            Some("https") => {
                let tls = self.tls.as_ref().ok_or_else(|| Error::NoTls {
                    url: url.to_owned(),
                })?;
                let nome = ServerName::try_from(nudo.to_owned()).map_err(|e| url_error(url, e))?;
                Ok((
                    Some((tls, nome)),
                    nudo.to_owned(),
                    uri.port_u16().unwrap_or(443),
                ))
            }
            _ => Err(Error::Scheme {
                url: url.to_owned(),
            }),
        }
    }

    async fn bounded_connect(
        &self,
        address: &str,
        destinazione: Destinazione<'_>,
        tls: TlsVerso<'_>,
        host: HeaderValue,
    ) -> Result<Connection, Error> {
        let timeout = self.limits.connect_timeout;
        tokio::time::timeout(timeout, open(address, destinazione, tls, host, self.limits))
            .await
            .map_err(|_| Error::ConnectTimeout {
                address: address.to_owned(),
                timeout,
            })?
    }
}

/// The TLS configuration and the name the server's certificate must carry; `None`:
/// plain HTTP.
type TlsVerso<'a> = Option<(&'a Tls, ServerName<'static>)>;

enum Destinazione<'a> {
    Indirizzo(SocketAddr),
    Nome(&'a str, u16),
}

fn url_error(url: &str, reason: impl std::fmt::Display) -> Error {
    Error::Url {
        url: url.to_owned(),
        reason: reason.to_string(),
    }
}

/// `/path?query` of a URI (HTTP/1.1 origin form, RFC 9112 §3.2.1).
fn origin_form(uri: &Uri) -> Uri {
    uri.path_and_query().map_or_else(
        || Uri::from_static("/"),
        |p| Uri::try_from(p.as_str()).unwrap_or_else(|_| Uri::from_static("/")),
    )
}

async fn open(
    address: &str,
    destinazione: Destinazione<'_>,
    tls: TlsVerso<'_>,
    host: HeaderValue,
    limits: Limits,
) -> Result<Connection, Error> {
    let connect_error = |source| Error::Connect {
        address: address.to_owned(),
        source,
    };
    let tcp = match destinazione {
        Destinazione::Indirizzo(a) => TcpStream::connect(a).await,
        Destinazione::Nome(h, p) => TcpStream::connect((h, p)).await,
    }
    .map_err(connect_error)?;
    tcp.set_nodelay(true).map_err(connect_error)?;
    let local_addr = tcp.local_addr().map_err(connect_error)?;
    let (sender, driver, resumed) = match tls {
        None => {
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
                .await
                .map_err(Error::Http)?;
            (sender, tokio::spawn(conn), false)
        }
        Some((tls, nome)) => {
            let flusso = TlsConnector::from(tls.config.clone())
                .connect(nome, tcp)
                .await
                .map_err(|source| Error::Handshake {
                    address: address.to_owned(),
                    source,
                })?;
            let resumed = flusso.get_ref().1.handshake_kind() == Some(HandshakeKind::Resumed);
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(flusso))
                .await
                .map_err(Error::Http)?;
            (sender, tokio::spawn(conn), resumed)
        }
    };
    Ok(Connection {
        sender,
        driver,
        local_addr,
        resumed,
        host,
        limits,
    })
}

/// One keep-alive HTTP/1.1 connection: requests go one after the other.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    driver: JoinHandle<Result<(), hyper::Error>>,
    local_addr: SocketAddr,
    resumed: bool,
    host: HeaderValue,
    limits: Limits,
}

impl Connection {
    /// Sends `request` (origin-form URI, `/path`) and reads the whole answer, within
    /// the client's [`Limits`].
    pub async fn send(&mut self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        let timeout = self.limits.timeout;
        tokio::time::timeout(timeout, self.send_unbounded(request))
            .await
            .map_err(|_| Error::Timeout(timeout))?
    }

    async fn send_unbounded(&mut self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        let (mut parts, body) = request.into_parts();
        parts
            .headers
            .entry(HOST)
            .or_insert_with(|| self.host.clone());
        let request = Request::from_parts(parts, Full::new(body));
        self.sender.ready().await.map_err(Error::Http)?;
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(Error::Http)?;
        let (parts, body) = response.into_parts();
        let limit = self.limits.max_body;
        let body = Limited::new(body, limit)
            .collect()
            .await
            .map_err(|e| match e.downcast::<hyper::Error>() {
                Ok(e) => Error::Http(*e),
                Err(_) => Error::BodyTooLarge { limit },
            })?
            .to_bytes();
        Ok(Response::from_parts(parts, body))
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> Result<Response<Bytes>, Error> {
        let request = Request::get(path)
            .body(Bytes::new())
            .map_err(Error::Request)?;
        self.send(request).await
    }

    /// The connection's local address (the client's side).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Whether the TLS handshake resumed an earlier session (false on plain HTTP).
    pub fn is_resumed(&self) -> bool {
        self.resumed
    }

    /// Whether the connection has ended (closed by the server, or failed).
    pub fn is_closed(&self) -> bool {
        self.driver.is_finished()
    }

    /// Waits until the server closes the connection (`Ok`) or it fails (the error,
    /// e.g. a TLS alert along its causes). The client keeps its side open meanwhile.
    pub async fn closed(self) -> Result<(), Error> {
        let Connection { sender, driver, .. } = self;
        let esito = driver.await;
        drop(sender);
        match esito {
            Ok(r) => r.map_err(Error::Http),
            Err(_) => Err(Error::Aborted),
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use axum::Router;
    use axum::routing::get;

    async fn servizio(corpo: &'static str) -> SocketAddr {
        let app = Router::new()
            .route("/", get(move || async move { corpo }))
            .route(
                "/lento",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "tardi"
                }),
            );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let a = l.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(l, app).await });
        a
    }

    #[tokio::test]
    async fn richiesta_e_connessione_keep_alive() {
        let a = servizio("ciao").await;
        let r = Client::http().get(&format!("http://{a}/")).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.body().as_ref(), b"ciao");
        let mut c = Client::http().connect(a).await.unwrap();
        for _ in 0..2 {
            assert_eq!(c.get("/").await.unwrap().body().as_ref(), b"ciao");
        }
        assert!(!c.is_closed());
        assert!(!c.is_resumed());
    }

    #[tokio::test]
    async fn limiti_di_corpo_e_di_tempo() {
        let a = servizio("un corpo di trenta byte circa.").await;
        let piccolo = Client::http().with_limits(Limits {
            max_body: 10,
            ..Limits::default()
        });
        let e = piccolo.get(&format!("http://{a}/")).await.unwrap_err();
        assert!(matches!(e, Error::BodyTooLarge { limit: 10 }), "{e:?}");
        let breve = Client::http().with_limits(Limits {
            timeout: Duration::from_millis(100),
            ..Limits::default()
        });
        let e = breve.get(&format!("http://{a}/lento")).await.unwrap_err();
        assert!(matches!(e, Error::Timeout(_)), "{e:?}");
        let mut c = breve.connect(a).await.unwrap();
        assert!(matches!(c.get("/lento").await, Err(Error::Timeout(_))));
    }

    #[tokio::test]
    async fn url_e_schemi() {
        let c = Client::http();
        assert!(matches!(
            c.get("ftp://127.0.0.1/").await,
            Err(Error::Scheme { .. })
        ));
        assert!(matches!(
            c.get("https://127.0.0.1/").await,
            Err(Error::NoTls { .. })
        ));
        assert!(matches!(
            c.get("/solo-percorso").await,
            Err(Error::Url { .. })
        ));
        // Nobody listens on port 1.
        let e = c.get("http://127.0.0.1:1/").await.unwrap_err();
        assert!(matches!(e, Error::Connect { .. }), "{e:?}");
        assert!(e.full_message().len() > e.to_string().len());
    }

    #[test]
    fn tls_senza_radici_rifiutato_con_radici_pubbliche_accettato() {
        assert!(matches!(
            Tls::builder().build(),
            Err(Error::TlsConfig { .. })
        ));
        assert!(Tls::public_roots().is_ok());
        let guasto = "-----BEGIN CERTIFICATE-----\nzz\n-----END CERTIFICATE-----\n";
        assert!(
            Tls::builder()
                .trust_pem(guasto)
                .and_then(|b| b.build())
                .is_err()
        );
    }
}

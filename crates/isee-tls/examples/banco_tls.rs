//! Requests per second over N keep-alive connections on loopback: plain HTTP
//! (`servi_http`) against mutual TLS (`servi_tls`, client certificate from the test CA),
//! plus the rate of new mTLS connections with a full and with a resumed handshake.
//!
//! `cargo run --release -p isee-tls --example banco_tls -- [connessioni] [secondi]`
//!
//! Server and clients share one tokio runtime and the same cores, so the figures are a
//! lower bound for the server alone; the ratio is what matters.

use axum::Router;
use axum::extract::Extension;
use axum::routing::get;
use http_body_util::{BodyExt as _, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use isee_tls::{Autorita, EnteCertificato, InfoConnessione, config_server, servi_http, servi_tls};
use rustls::client::Resumption;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsConnector;

type Errore = Box<dyn std::error::Error + Send + Sync>;

async fn chi(Extension(info): Extension<InfoConnessione>) -> String {
    match info.client {
        Some(c) => format!("{} {}", c.codice_ipa.as_deref().unwrap_or("-"), c.seriale),
        None => "anonimo".to_owned(),
    }
}

#[derive(Clone, Copy)]
enum Modo {
    Http,
    /// Keep-alive over mTLS.
    Tls,
    /// One request per connection, new full handshake each time.
    TlsNuove,
    /// One request per connection, resumed handshake.
    TlsRiprese,
}

async fn una_richiesta(
    invio: &mut hyper::client::conn::http1::SendRequest<Empty<Bytes>>,
) -> Result<(), Errore> {
    invio.ready().await?;
    let r = hyper::Request::get("/chi")
        .header(hyper::header::HOST, "127.0.0.1")
        .body(Empty::new())?;
    let risposta = invio.send_request(r).await?;
    assert!(risposta.status().is_success());
    risposta.into_body().collect().await?;
    Ok(())
}

async fn apri(
    indirizzo: SocketAddr,
    tls: Option<Arc<ClientConfig>>,
) -> Result<hyper::client::conn::http1::SendRequest<Empty<Bytes>>, Errore> {
    let tcp = TcpStream::connect(indirizzo).await?;
    tcp.set_nodelay(true)?;
    Ok(match tls {
        None => {
            let (invio, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
            tokio::spawn(conn);
            invio
        }
        Some(config) => {
            let nome = ServerName::IpAddress(Ipv4Addr::LOCALHOST.into());
            let flusso = TlsConnector::from(config).connect(nome, tcp).await?;
            let (invio, conn) = hyper::client::conn::http1::handshake(TokioIo::new(flusso)).await?;
            tokio::spawn(conn);
            invio
        }
    })
}

async fn misura(
    indirizzo: SocketAddr,
    tls: Option<Arc<ClientConfig>>,
    modo: Modo,
    connessioni: usize,
    durata: Duration,
) -> f64 {
    let contate = Arc::new(AtomicU64::new(0));
    let fine = Instant::now() + durata;
    let mut compiti = Vec::new();
    for _ in 0..connessioni {
        let contate = contate.clone();
        let tls = tls.clone();
        compiti.push(tokio::spawn(async move {
            match modo {
                Modo::Http | Modo::Tls => {
                    let mut invio = apri(indirizzo, tls).await.expect("connessione");
                    while Instant::now() < fine {
                        una_richiesta(&mut invio).await.expect("richiesta");
                        contate.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Modo::TlsNuove | Modo::TlsRiprese => {
                    while Instant::now() < fine {
                        let mut invio = apri(indirizzo, tls.clone()).await.expect("connessione");
                        una_richiesta(&mut invio).await.expect("richiesta");
                        contate.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    let inizio = Instant::now();
    for c in compiti {
        c.await.unwrap();
    }
    contate.load(Ordering::Relaxed) as f64 / inizio.elapsed().as_secs_f64()
}

fn config_client(
    ca_pem: &str,
    cert_pem: &str,
    chiave_pem: &str,
    riprendi: bool,
) -> Arc<ClientConfig> {
    let mut radici = RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        radici.add(c.unwrap()).unwrap();
    }
    let catena = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let chiave = PrivateKeyDer::from_pem_slice(chiave_pem.as_bytes()).unwrap();
    let mut config = ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(radici)
    .with_client_auth_cert(catena, chiave)
    .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    if !riprendi {
        config.resumption = Resumption::disabled();
    }
    Arc::new(config)
}

#[tokio::main]
async fn main() -> Result<(), Errore> {
    let mut args = std::env::args().skip(1);
    let connessioni: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(32);
    let secondi: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5);
    let durata = Duration::from_secs(secondi);

    let dir = tempfile::tempdir()?;
    let ca = Autorita::crea(dir.path(), "CA del banco di prova")?;
    let server = ca.rilascia_server(&["127.0.0.1".into()], 1)?;
    let ente = EnteCertificato {
        codice_ipa: "c_h199".into(),
        codice_fiscale: "00354730392".into(),
        denominazione: "Comune di Ravenna".into(),
    };
    let client = ca.rilascia_client(&ente, 1)?;
    let crl = ca.crl_pem()?;
    let tls = config_server(
        &server.cert_pem,
        &server.chiave_pem,
        ca.cert_pem(),
        Some(&crl),
    )?;
    let app = Router::new().route("/chi", get(chi));

    let l_http = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let a_http = l_http.local_addr()?;
    tokio::spawn(servi_http(l_http, app.clone(), std::future::pending()));
    let l_tls = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let a_tls = l_tls.local_addr()?;
    tokio::spawn(servi_tls(l_tls, tls, app, std::future::pending()));

    let con_ripresa = config_client(ca.cert_pem(), &client.cert_pem, &client.chiave_pem, true);
    let senza_ripresa = config_client(ca.cert_pem(), &client.cert_pem, &client.chiave_pem, false);

    // Warm-up, so the first figure does not pay for page faults and lazy statics.
    misura(
        a_tls,
        Some(con_ripresa.clone()),
        Modo::Tls,
        connessioni,
        Duration::from_millis(300),
    )
    .await;

    println!(
        "banco_tls: {connessioni} connessioni, {secondi} s per misura, {} core",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let http = misura(a_http, None, Modo::Http, connessioni, durata).await;
    println!("  HTTP in chiaro, keep-alive       {http:>10.0} richieste/s");
    let mtls = misura(
        a_tls,
        Some(con_ripresa.clone()),
        Modo::Tls,
        connessioni,
        durata,
    )
    .await;
    println!("  mTLS, keep-alive                 {mtls:>10.0} richieste/s");
    println!("  rapporto mTLS / HTTP             {:>10.2}", mtls / http);
    let nuove = misura(
        a_tls,
        Some(senza_ripresa),
        Modo::TlsNuove,
        connessioni,
        durata,
    )
    .await;
    println!(
        "  mTLS, handshake completo         {nuove:>10.0} connessioni/s (una richiesta ciascuna)"
    );
    let riprese = misura(
        a_tls,
        Some(con_ripresa),
        Modo::TlsRiprese,
        connessioni,
        durata,
    )
    .await;
    println!(
        "  mTLS, sessione ripresa           {riprese:>10.0} connessioni/s (una richiesta ciascuna)"
    );
    Ok(())
}

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
use isee_http::{Client, Connection, Tls};
use isee_tls::{Autorita, EnteCertificato, InfoConnessione, config_server, servi_http, servi_tls};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

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

async fn una_richiesta(c: &mut Connection) -> Result<(), Errore> {
    let risposta = c.get("/chi").await?;
    assert!(risposta.status().is_success());
    Ok(())
}

async fn misura(
    indirizzo: SocketAddr,
    client: Client,
    modo: Modo,
    connessioni: usize,
    durata: Duration,
) -> f64 {
    let contate = Arc::new(AtomicU64::new(0));
    let fine = Instant::now() + durata;
    let mut compiti = Vec::new();
    for _ in 0..connessioni {
        let contate = contate.clone();
        let client = client.clone();
        compiti.push(tokio::spawn(async move {
            match modo {
                Modo::Http | Modo::Tls => {
                    let mut c = client.connect(indirizzo).await.expect("connessione");
                    while Instant::now() < fine {
                        una_richiesta(&mut c).await.expect("richiesta");
                        contate.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Modo::TlsNuove | Modo::TlsRiprese => {
                    while Instant::now() < fine {
                        let mut c = client.connect(indirizzo).await.expect("connessione");
                        una_richiesta(&mut c).await.expect("richiesta");
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
) -> Result<Client, Errore> {
    let tls = Tls::builder()
        .trust_pem(ca_pem)?
        .client_certificate(cert_pem, chiave_pem)?
        .resumption(riprendi)
        .build()?;
    Ok(Client::https(tls))
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

    let con_ripresa = config_client(ca.cert_pem(), &client.cert_pem, &client.chiave_pem, true)?;
    let senza_ripresa = config_client(ca.cert_pem(), &client.cert_pem, &client.chiave_pem, false)?;

    // Warm-up, so the first figure does not pay for page faults and lazy statics.
    misura(
        a_tls,
        con_ripresa.clone(),
        Modo::Tls,
        connessioni,
        Duration::from_millis(300),
    )
    .await;

    println!(
        "banco_tls: {connessioni} connessioni, {secondi} s per misura, {} core",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let http = misura(a_http, Client::http(), Modo::Http, connessioni, durata).await;
    println!("  HTTP in chiaro, keep-alive       {http:>10.0} richieste/s");
    let mtls = misura(a_tls, con_ripresa.clone(), Modo::Tls, connessioni, durata).await;
    println!("  mTLS, keep-alive                 {mtls:>10.0} richieste/s");
    println!("  rapporto mTLS / HTTP             {:>10.2}", mtls / http);
    let nuove = misura(a_tls, senza_ripresa, Modo::TlsNuove, connessioni, durata).await;
    println!(
        "  mTLS, handshake completo         {nuove:>10.0} connessioni/s (una richiesta ciascuna)"
    );
    let riprese = misura(a_tls, con_ripresa, Modo::TlsRiprese, connessioni, durata).await;
    println!(
        "  mTLS, sessione ripresa           {riprese:>10.0} connessioni/s (una richiesta ciascuna)"
    );
    Ok(())
}

//! A minimal HTTP/1.1 client (hyper-util) for the JWKS, the Interop-like key lookup and
//! the token request: `http://` for the local PDND on loopback, `https://` for the
//! real PDND, verified against Mozilla's root store (webpki-roots), never "trust all".

use std::time::Duration;

use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::errore::{ErrorePdnd, Result};

/// Responses larger than this are refused: a JWKS or a token is a few kilobytes.
const LIMITE_RISPOSTA: usize = 1 << 20;
const TEMPO_MASSIMO: Duration = Duration::from_secs(10);

pub(crate) struct Risposta {
    pub status: u16,
    pub corpo: Bytes,
}

fn errore(url: &str, motivo: impl std::fmt::Display) -> ErrorePdnd {
    ErrorePdnd::Http {
        url: url.to_owned(),
        motivo: motivo.to_string(),
    }
}

/// The error with its causes: hyper's own text ("client error (Connect)") hides the
/// one an operator needs (an untrusted certificate, a refused connection).
fn con_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut testo = e.to_string();
    let mut causa = e.source();
    while let Some(c) = causa {
        testo.push_str(": ");
        testo.push_str(&c.to_string());
        causa = c.source();
    }
    testo
}

pub(crate) async fn richiesta(
    metodo: hyper::Method,
    url: &str,
    content_type: Option<&str>,
    corpo: Vec<u8>,
) -> Result<Risposta> {
    if !url.starts_with("http://") && !url.starts_with("https://") {
        return Err(errore(url, "sono supportati solo URL http:// e https://"));
    }
    let uri: hyper::Uri = url.parse().map_err(|e| errore(url, e))?;
    let mut req = hyper::Request::builder().method(metodo).uri(uri);
    if let Some(ct) = content_type {
        req = req.header(hyper::header::CONTENT_TYPE, ct);
    }
    let req = req
        .body(Full::new(Bytes::from(corpo)))
        .map_err(|e| errore(url, e))?;
    let connettore = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .build();
    let client = Client::builder(TokioExecutor::new()).build::<_, Full<Bytes>>(connettore);
    let lavoro = async {
        let risp = client
            .request(req)
            .await
            .map_err(|e| errore(url, con_cause(&e)))?;
        let status = risp.status().as_u16();
        let corpo = Limited::new(risp.into_body(), LIMITE_RISPOSTA)
            .collect()
            .await
            .map_err(|e| errore(url, e))?
            .to_bytes();
        Ok(Risposta { status, corpo })
    };
    tokio::time::timeout(TEMPO_MASSIMO, lavoro)
        .await
        .map_err(|_| errore(url, "tempo scaduto"))?
}

pub(crate) async fn get(url: &str) -> Result<Risposta> {
    richiesta(hyper::Method::GET, url, None, Vec::new()).await
}

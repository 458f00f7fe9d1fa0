//! A minimal HTTP/1.1 client (hyper-util) for the JWKS, the Interop-like key lookup and
//! the token request. Plain `http://` only: the local PDND listens on loopback, and a
//! deployment that reaches the real PDND over TLS puts its own client in front.

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

pub(crate) async fn richiesta(
    metodo: hyper::Method,
    url: &str,
    content_type: Option<&str>,
    corpo: Vec<u8>,
) -> Result<Risposta> {
    if !url.starts_with("http://") {
        return Err(errore(
            url,
            "sono supportati solo URL http:// (per https usare un proxy o un file JWKS)",
        ));
    }
    let uri: hyper::Uri = url.parse().map_err(|e| errore(url, e))?;
    let mut req = hyper::Request::builder().method(metodo).uri(uri);
    if let Some(ct) = content_type {
        req = req.header(hyper::header::CONTENT_TYPE, ct);
    }
    let req = req
        .body(Full::new(Bytes::from(corpo)))
        .map_err(|e| errore(url, e))?;
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let lavoro = async {
        let risp = client.request(req).await.map_err(|e| errore(url, e))?;
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

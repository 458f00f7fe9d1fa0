//! The PDND's HTTP calls (the JWKS, the Interop-like key lookup, the token request)
//! on isee-http's client: `http://` for the local PDND on loopback, `https://` for the
//! real PDND, verified against Mozilla's root store (webpki-roots), never "trust all".
//! Bounded: 5 s to connect, 10 s for the whole call, 1 MiB of answer (a JWKS or a
//! token is a few kilobytes).

use std::time::Duration;

use hyper::body::Bytes;
use isee_http::{Client, Limits, Tls};

use crate::errore::{ErrorePdnd, Result};

const LIMITI: Limits = Limits {
    connect_timeout: Duration::from_secs(5),
    timeout: Duration::from_secs(10),
    max_body: 1 << 20,
};

pub(crate) struct Risposta {
    pub status: u16,
    pub corpo: Bytes,
}

/// The error with its causes: the step alone ("handshake TLS non riuscito") hides the
/// one an operator needs (an untrusted certificate, a refused connection).
fn errore(url: &str, e: &isee_http::client::Error) -> ErrorePdnd {
    ErrorePdnd::Http {
        url: url.to_owned(),
        motivo: e.full_message(),
    }
}

pub(crate) async fn richiesta(
    metodo: hyper::Method,
    url: &str,
    content_type: Option<&str>,
    corpo: Vec<u8>,
) -> Result<Risposta> {
    let client =
        Client::https(Tls::public_roots().map_err(|e| errore(url, &e))?).with_limits(LIMITI);
    let mut req = hyper::Request::builder().method(metodo).uri(url);
    if let Some(ct) = content_type {
        req = req.header(hyper::header::CONTENT_TYPE, ct);
    }
    let req = req.body(Bytes::from(corpo)).map_err(|e| ErrorePdnd::Http {
        url: url.to_owned(),
        motivo: e.to_string(),
    })?;
    let risp = client.request(req).await.map_err(|e| errore(url, &e))?;
    Ok(Risposta {
        status: risp.status().as_u16(),
        corpo: risp.into_body(),
    })
}

pub(crate) async fn get(url: &str) -> Result<Risposta> {
    richiesta(hyper::Method::GET, url, None, Vec::new()).await
}

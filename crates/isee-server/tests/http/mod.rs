//! One keep-alive HTTP/1.1 connection to the server (isee-http's client), shared by
//! the durability test and the load generator (`examples/carico.rs`).

#![allow(dead_code)]

use axum::body::Bytes;
use axum::http::{Method, Request, StatusCode};
use std::net::SocketAddr;

pub(crate) struct Connessione(isee_http::Connection);

pub(crate) type Errore = Box<dyn std::error::Error + Send + Sync>;

impl Connessione {
    pub(crate) async fn apri(addr: SocketAddr) -> Result<Connessione, Errore> {
        Ok(Connessione(isee_http::Client::http().connect(addr).await?))
    }

    /// Sends one request; `corpo` is JSON when present.
    pub(crate) async fn invia(
        &mut self,
        metodo: Method,
        percorso: &str,
        intestazioni: &[(&str, &str)],
        corpo: Option<Bytes>,
    ) -> Result<(StatusCode, Bytes), Errore> {
        let mut b = Request::builder().method(metodo).uri(percorso);
        if corpo.is_some() {
            b = b.header("content-type", "application/json");
        }
        for (k, v) in intestazioni {
            b = b.header(*k, *v);
        }
        let r = self.0.send(b.body(corpo.unwrap_or_default())?).await?;
        Ok((r.status(), r.into_body()))
    }
}

//! One keep-alive HTTP/1.1 connection to the register's REST service (isee-http's
//! client), shared by the durability test of `isee serve` and the load generator
//! (`examples/carico.rs`).

use bytes::Bytes;
use hyper::{Method, Request, StatusCode};
use std::net::SocketAddr;

pub struct Connessione(isee_http::Connection);

pub type Errore = Box<dyn std::error::Error + Send + Sync>;

impl Connessione {
    pub async fn apri(addr: SocketAddr) -> Result<Connessione, Errore> {
        Ok(Connessione(isee_http::Client::http().connect(addr).await?))
    }

    /// Sends one request; `corpo` is JSON when present.
    pub async fn invia(
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

//! A minimal HTTP/1.1 client on one keep-alive connection (hyper's connection API),
//! shared by the durability test and the load generator (`examples/carico.rs`).

#![allow(dead_code)]

use axum::body::Bytes;
use axum::http::{Method, Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;

pub struct Connessione {
    tx: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    host: String,
}

pub type Errore = Box<dyn std::error::Error + Send + Sync>;

impl Connessione {
    pub async fn apri(addr: SocketAddr) -> Result<Connessione, Errore> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (tx, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Connessione {
            tx,
            host: addr.to_string(),
        })
    }

    /// Sends one request; `corpo` is JSON when present.
    pub async fn invia(
        &mut self,
        metodo: Method,
        percorso: &str,
        intestazioni: &[(&str, &str)],
        corpo: Option<Bytes>,
    ) -> Result<(StatusCode, Bytes), Errore> {
        let mut b = Request::builder()
            .method(metodo)
            .uri(percorso)
            .header("host", &self.host);
        if corpo.is_some() {
            b = b.header("content-type", "application/json");
        }
        for (k, v) in intestazioni {
            b = b.header(*k, *v);
        }
        let req = b.body(Full::new(corpo.unwrap_or_default()))?;
        self.tx.ready().await?;
        let r = self.tx.send_request(req).await?;
        let status = r.status();
        let corpo = r.into_body().collect().await?.to_bytes();
        Ok((status, corpo))
    }
}

//! A minimal HTTP/1.1 client for the e-services, with mutual TLS: what the tests,
//! the demo's self-check and the load generator use to call the service the way an
//! ente's software does (keep-alive connections, client certificate, headers).
//! It trusts only the CA it is given: there is no "accept any certificate" mode.
//! The connection itself is isee-http's client, the project's one HTTP client.

use anyhow::{Context, Result};
use bytes::Bytes;
use isee_http::client::{Client, Connection, Limits, Tls};
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Clone)]
pub struct Cliente {
    indirizzo: SocketAddr,
    client: Client,
}

/// One keep-alive connection.
pub struct Connessione {
    connessione: Connection,
}

/// A load test keeps many requests in flight on a busy machine: more patience than
/// isee-http's defaults, the same bound on what is read.
fn limiti() -> Limits {
    Limits {
        connect_timeout: Duration::from_secs(10),
        timeout: Duration::from_secs(30),
        ..Limits::default()
    }
}

impl Cliente {
    /// Plain HTTP.
    pub fn http(indirizzo: SocketAddr) -> Cliente {
        Cliente {
            indirizzo,
            client: Client::http().with_limits(limiti()),
        }
    }

    /// HTTPS trusting only `ca_pem`, presenting `certificato` (cert PEM, key PEM) if given.
    pub fn tls(
        indirizzo: SocketAddr,
        ca_pem: &str,
        certificato: Option<(&str, &str)>,
    ) -> Result<Cliente> {
        let mut b = Tls::builder()
            .trust_pem(ca_pem)
            .context("certificato della CA")?;
        if let Some((cert, chiave)) = certificato {
            b = b
                .client_certificate(cert, chiave)
                .context("certificato client")?;
        }
        let tls = b.build().context("configurazione TLS")?;
        Ok(Cliente {
            indirizzo,
            client: Client::https(tls).with_limits(limiti()),
        })
    }

    pub async fn connetti(&self) -> Result<Connessione> {
        let connessione = self
            .client
            .connect(self.indirizzo)
            .await
            .with_context(|| format!("connessione a {}", self.indirizzo))?;
        Ok(Connessione { connessione })
    }
}

impl Connessione {
    /// POSTs `corpo` to `percorso` and returns the status and the body.
    pub async fn post(
        &mut self,
        percorso: &str,
        intestazioni: &[(&str, &str)],
        corpo: Vec<u8>,
    ) -> Result<(u16, Vec<u8>)> {
        let mut r = hyper::Request::post(percorso).header("host", "localhost");
        for (k, v) in intestazioni {
            r = r.header(*k, *v);
        }
        let r = r.body(Bytes::from(corpo))?;
        let risposta = self.connessione.send(r).await?;
        Ok((risposta.status().as_u16(), risposta.into_body().to_vec()))
    }
}

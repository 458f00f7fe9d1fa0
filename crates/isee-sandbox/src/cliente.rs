//! A minimal HTTP/1.1 client for the e-services, with mutual TLS: what the tests,
//! the demo's self-check and the load generator use to call the service the way an
//! ente's software does (keep-alive connections, client certificate, headers).
//! It trusts only the CA it is given: there is no "accept any certificate" mode.

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

#[derive(Clone)]
pub struct Cliente {
    indirizzo: SocketAddr,
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

/// One keep-alive connection.
pub struct Connessione {
    invio: SendRequest<Full<Bytes>>,
}

impl Cliente {
    /// Plain HTTP.
    pub fn http(indirizzo: SocketAddr) -> Cliente {
        Cliente {
            indirizzo,
            tls: None,
        }
    }

    /// HTTPS trusting only `ca_pem`, presenting `certificato` (cert PEM, key PEM) if given.
    pub fn tls(
        indirizzo: SocketAddr,
        ca_pem: &str,
        certificato: Option<(&str, &str)>,
    ) -> Result<Cliente> {
        let mut radici = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
            radici.add(c.context("certificato della CA")?)?;
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let b = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(radici);
        let config = match certificato {
            Some((cert, chiave)) => {
                let catena = CertificateDer::pem_slice_iter(cert.as_bytes())
                    .collect::<Result<Vec<_>, _>>()
                    .context("certificato client")?;
                let chiave = PrivateKeyDer::from_pem_slice(chiave.as_bytes())
                    .context("chiave del certificato client")?;
                b.with_client_auth_cert(catena, chiave)?
            }
            None => b.with_no_client_auth(),
        };
        let nome = ServerName::IpAddress(indirizzo.ip().into());
        Ok(Cliente {
            indirizzo,
            tls: Some((TlsConnector::from(Arc::new(config)), nome)),
        })
    }

    pub async fn connetti(&self) -> Result<Connessione> {
        let tcp = TcpStream::connect(self.indirizzo)
            .await
            .with_context(|| format!("connessione a {}", self.indirizzo))?;
        tcp.set_nodelay(true)?;
        let invio = match &self.tls {
            Some((connettore, nome)) => {
                let flusso = connettore.connect(nome.clone(), tcp).await?;
                let (invio, conn) =
                    hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(flusso))
                        .await?;
                tokio::spawn(conn);
                invio
            }
            None => {
                let (invio, conn) =
                    hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
                        .await?;
                tokio::spawn(conn);
                invio
            }
        };
        Ok(Connessione { invio })
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
        let r = r.body(Full::new(Bytes::from(corpo)))?;
        self.invio.ready().await?;
        let risposta = self.invio.send_request(r).await?;
        let stato = risposta.status().as_u16();
        let corpo = risposta.into_body().collect().await?.to_bytes().to_vec();
        Ok((stato, corpo))
    }
}

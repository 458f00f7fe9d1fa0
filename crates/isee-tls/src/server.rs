//! The HTTPS listener: rustls with optional client authentication on `isee_http`'s
//! bounded listener (the same connection cap and header, body and handshake timeouts as
//! every service), an axum router behind it, and the verified client identity handed to
//! every request as an [`InfoConnessione`] extension.
//!
//! Why optional at the TLS layer: the certificate e-services share the listener with the
//! e-services that need no certificate, and a client that offers none must still reach
//! those. For the certificate e-services, a handler that finds `client: None` answers with
//! a readable error, which is kinder to an integrator than an opaque handshake failure.
//! A certificate that *is* offered must be valid (chain, `clientAuth`, dates, CRL) or the
//! handshake fails: a bad certificate is never silently downgraded to "no certificate".

use crate::autorita::{OID_ORGANIZATION_IDENTIFIER, PREFISSO_URN_IPA, PREFISSO_VAT};
use crate::{ErroreTls, Result};
use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Extensions;
use isee_http::server::Handshake;
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use x509_parser::extensions::GeneralName;

/// Who is on the other end of a verified client certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentitaClient {
    /// From the SAN URI `urn:ipa:<codice>`.
    pub codice_ipa: Option<String>,
    /// From `organizationIdentifier` = `VATIT-<codice>`, without the prefix.
    pub codice_fiscale: Option<String>,
    /// The subject DN as text (RFC 4514 style), for logs and audit.
    pub soggetto: String,
    /// Serial number, lowercase hex (as in the authority's register).
    pub seriale: String,
    /// SHA-256 of the certificate's DER, lowercase hex.
    pub impronta_sha256: String,
    /// notAfter.
    pub scadenza: OffsetDateTime,
}

/// Reads the identity out of a certificate. It does **not** verify anything: call it on
/// a certificate rustls has already verified (the listener does).
pub fn identita_da_der(der: &[u8]) -> Result<IdentitaClient> {
    let (resto, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| ErroreTls::CertificatoIllegibile(e.to_string()))?;
    if !resto.is_empty() {
        return Err(ErroreTls::CertificatoIllegibile(format!(
            "{} byte dopo la fine del certificato",
            resto.len()
        )));
    }
    let codice_ipa = cert
        .subject_alternative_name()
        .map_err(|e| ErroreTls::CertificatoIllegibile(e.to_string()))?
        .into_iter()
        .flat_map(|san| san.value.general_names.iter())
        .find_map(|nome| match nome {
            GeneralName::URI(uri) => uri.strip_prefix(PREFISSO_URN_IPA).map(str::to_owned),
            _ => None,
        });
    let codice_fiscale = cert.subject().iter_attributes().find_map(|a| {
        let oid: Vec<u64> = a.attr_type().iter()?.collect();
        if oid != OID_ORGANIZATION_IDENTIFIER {
            return None;
        }
        a.as_str()
            .ok()?
            .strip_prefix(PREFISSO_VAT)
            .map(str::to_owned)
    });
    Ok(IdentitaClient {
        codice_ipa,
        codice_fiscale,
        soggetto: cert.subject().to_string(),
        seriale: hex::encode(cert.raw_serial()),
        impronta_sha256: isee_hash::sha256_hex(der),
        scadenza: cert.validity().not_after.to_datetime(),
    })
}

/// What a handler knows about the connection its request came on
/// (`Extension<InfoConnessione>`). The same value for every request of a keep-alive
/// connection.
#[derive(Clone, Debug)]
pub struct InfoConnessione {
    /// The peer's address.
    pub indirizzo: SocketAddr,
    /// The connection is TLS.
    pub tls: bool,
    /// The verified client certificate's identity, if the client presented one.
    pub client: Option<Arc<IdentitaClient>>,
}

/// The limits of the listener: `isee_http`'s, the same for every service
/// (`handshake` bounds the TLS handshake; a client that opens a socket and says nothing
/// costs one task and one file descriptor until then).
pub use isee_http::server::Limits;

/// The rustls configuration of the listener.
///
/// * `cert_pem`: the server certificate, optionally followed by intermediates;
/// * `chiave_pem`: its private key (PKCS#8, SEC1 or PKCS#1);
/// * `ca_client_pem`: the CA(s) whose client certificates are accepted, and only those
///   (not the system roots: a certificate from any public CA must not open the
///   certificate e-services);
/// * `crl_pem`: the CRL(s) of those CAs. With a CRL, a client certificate whose status it
///   cannot establish (a CRL of another issuer) is refused, not let through. The CRL is
///   read once: a new revocation takes effect with a new configuration (restart).
///
/// TLS 1.2 and 1.3, ALPN `http/1.1`, session resumption by server cache and by tickets.
pub fn config_server(
    cert_pem: &str,
    chiave_pem: &str,
    ca_client_pem: &str,
    crl_pem: Option<&str>,
) -> Result<Arc<ServerConfig>> {
    let catena = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| ErroreTls::Pem {
            cosa: "certificato del server",
            dettaglio: e.to_string(),
        })?;
    if catena.is_empty() {
        return Err(ErroreTls::Pem {
            cosa: "certificato del server",
            dettaglio: "nessun certificato".into(),
        });
    }
    let chiave =
        PrivateKeyDer::from_pem_slice(chiave_pem.as_bytes()).map_err(|e| ErroreTls::Pem {
            cosa: "chiave del server",
            dettaglio: e.to_string(),
        })?;

    let mut radici = RootCertStore::empty();
    for ca in CertificateDer::pem_slice_iter(ca_client_pem.as_bytes()) {
        let ca = ca.map_err(|e| ErroreTls::Pem {
            cosa: "CA dei certificati client",
            dettaglio: e.to_string(),
        })?;
        radici.add(ca)?;
    }
    if radici.is_empty() {
        return Err(ErroreTls::Pem {
            cosa: "CA dei certificati client",
            dettaglio: "nessun certificato".into(),
        });
    }

    let fornitore = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut verificatore =
        WebPkiClientVerifier::builder_with_provider(Arc::new(radici), fornitore.clone())
            .allow_unauthenticated();
    if let Some(crl_pem) = crl_pem {
        let crl = CertificateRevocationListDer::pem_slice_iter(crl_pem.as_bytes())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| ErroreTls::Pem {
                cosa: "CRL",
                dettaglio: e.to_string(),
            })?;
        if crl.is_empty() {
            return Err(ErroreTls::Pem {
                cosa: "CRL",
                dettaglio: "nessuna CRL".into(),
            });
        }
        // Only the end entity: the CA is the trust anchor itself, and a chain through an
        // intermediate would need that intermediate's issuer's CRL too, which this
        // service does not publish.
        verificatore = verificatore
            .with_crls(crl)
            .only_check_end_entity_revocation();
    }
    // webpki lets a certificate without the EKU extension through: require clientAuth.
    let verificatore = Arc::new(crate::verifica::ConClientAuth(verificatore.build()?));

    let mut config = ServerConfig::builder_with_provider(fornitore)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(verificatore)
        .with_single_cert(catena, chiave)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    // The stateful cache (rustls default, 256 sessions) serves TLS 1.2 session ids; tickets
    // serve TLS 1.3 and keep the server stateless. Tickets are encrypted with keys that
    // live only in this configuration, so a new configuration (a new CRL) invalidates
    // every ticket issued before.
    config.ticketer = rustls::crypto::aws_lc_rs::Ticketer::new()?;
    Ok(Arc::new(config))
}

/// Serves `app` over TLS on `listener` until `arresto` completes, then stops accepting,
/// lets in-flight requests finish (idle keep-alive connections close at once) and returns.
/// Default [`Limits`].
pub async fn servi_tls(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    app: Router,
    arresto: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    servi_tls_con(listener, tls, app, arresto, Limits::default()).await
}

/// [`servi_tls`] with explicit limits.
pub async fn servi_tls_con(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    app: Router,
    arresto: impl Future<Output = ()> + Send + 'static,
    limiti: Limits,
) -> std::io::Result<()> {
    let stretta = StrettaTls(TlsAcceptor::from(tls));
    isee_http::server::serve_with(listener, stretta, app, arresto, limiti).await
}

/// Plain HTTP with the same extension (`tls: false, client: None`): development and the
/// baseline of the load test.
pub async fn servi_http(
    listener: TcpListener,
    app: Router,
    arresto: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    servi_http_con(listener, app, arresto, Limits::default()).await
}

/// [`servi_http`] with explicit limits.
pub async fn servi_http_con(
    listener: TcpListener,
    app: Router,
    arresto: impl Future<Output = ()> + Send + 'static,
    limiti: Limits,
) -> std::io::Result<()> {
    isee_http::server::serve_with(listener, Chiaro, app, arresto, limiti).await
}

/// The extensions of every request of a connection: ours, and axum's `ConnectInfo`
/// so that handlers written for `axum::serve` keep working.
fn estensioni(info: InfoConnessione) -> Extensions {
    let mut e = Extensions::new();
    e.insert(ConnectInfo(info.indirizzo));
    e.insert(info);
    e
}

/// Plain HTTP, with `InfoConnessione { tls: false, client: None }`.
struct Chiaro;

impl Handshake for Chiaro {
    type Io = TcpStream;

    async fn handshake(
        &self,
        flusso: TcpStream,
        indirizzo: SocketAddr,
    ) -> Option<(TcpStream, Extensions)> {
        let info = InfoConnessione {
            indirizzo,
            tls: false,
            client: None,
        };
        Some((flusso, estensioni(info)))
    }

    fn refusal(&self) -> Option<&'static [u8]> {
        Some(isee_http::server::REFUSAL_503)
    }
}

/// The TLS handshake, and the verified client identity out of it.
struct StrettaTls(TlsAcceptor);

impl Handshake for StrettaTls {
    type Io = TlsStream<TcpStream>;

    async fn handshake(
        &self,
        flusso: TcpStream,
        indirizzo: SocketAddr,
    ) -> Option<(TlsStream<TcpStream>, Extensions)> {
        let flusso_tls = match self.0.accept(flusso).await {
            Ok(f) => f,
            Err(e) => {
                // A refused client certificate ends up here: worth an info line with
                // the peer, since the integrator will ask why.
                tracing::info!(indirizzo = %indirizzo, errore = %e, "handshake TLS non riuscito");
                return None;
            }
        };
        let (_, sessione) = flusso_tls.get_ref();
        let client = match sessione.peer_certificates().and_then(|c| c.first()) {
            None => None,
            Some(der) => match identita_da_der(der) {
                Ok(identita) => Some(Arc::new(identita)),
                Err(e) => {
                    // rustls accepted it, so this cannot happen short of a parser
                    // disagreement; refusing is the safe side.
                    tracing::warn!(indirizzo = %indirizzo, errore = %e, "certificato client illeggibile");
                    return None;
                }
            },
        };
        if let Some(identita) = &client
            && identita.scadenza < OffsetDateTime::now_utc()
        {
            // A resumed session skips certificate verification: without this check a
            // ticket issued yesterday would carry a certificate that expired today.
            tracing::info!(
                indirizzo = %indirizzo,
                seriale = %identita.seriale,
                "sessione ripresa con un certificato client scaduto: connessione chiusa"
            );
            return None;
        }
        if let Some(identita) = &client {
            tracing::debug!(
                indirizzo = %indirizzo,
                seriale = %identita.seriale,
                ipa = identita.codice_ipa.as_deref().unwrap_or("-"),
                ripresa = matches!(sessione.handshake_kind(), Some(rustls::HandshakeKind::Resumed)),
                "client autenticato con certificato"
            );
        }
        let info = InfoConnessione {
            indirizzo,
            tls: true,
            client,
        };
        Some((flusso_tls, estensioni(info)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autorita::pem_certificato;
    use crate::{Autorita, EnteCertificato};

    #[test]
    fn identita_di_un_certificato_client() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Autorita::crea(dir.path(), "CA di prova").unwrap();
        let ente = EnteCertificato {
            codice_ipa: "c_h199".into(),
            codice_fiscale: "00354730392".into(),
            denominazione: "Comune di Ravenna".into(),
        };
        let c = ca.rilascia_client(&ente, 365).unwrap();
        let der = pem_certificato(&c.cert_pem, "client").unwrap();
        let id = identita_da_der(&der).unwrap();
        assert_eq!(id.codice_ipa.as_deref(), Some("c_h199"));
        assert_eq!(id.codice_fiscale.as_deref(), Some("00354730392"));
        assert_eq!(id.seriale, c.seriale);
        assert_eq!(id.impronta_sha256, c.impronta_sha256);
        assert_eq!(id.impronta_sha256, isee_hash::sha256_hex(&der));
        assert_eq!(id.scadenza, c.scadenza);
        assert!(
            id.soggetto.contains("CN=Comune di Ravenna"),
            "{}",
            id.soggetto
        );
        assert!(
            id.soggetto.contains("O=Comune di Ravenna"),
            "{}",
            id.soggetto
        );
    }

    #[test]
    fn identita_di_un_certificato_senza_ipa_ne_codice_fiscale() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Autorita::crea(dir.path(), "CA di prova").unwrap();
        let s = ca.rilascia_server(&["localhost".into()], 30).unwrap();
        let id = identita_da_der(&pem_certificato(&s.cert_pem, "server").unwrap()).unwrap();
        assert_eq!(id.codice_ipa, None);
        assert_eq!(id.codice_fiscale, None);
        assert_eq!(id.seriale, s.seriale);
        assert_eq!(id.soggetto, "CN=localhost");
    }

    #[test]
    fn organization_identifier_di_altro_paese_non_e_un_codice_fiscale() {
        // A certificate from elsewhere with organizationIdentifier VATDE-…: neither the
        // identifier nor a URI other than urn:ipa: must be read as Italian codes.
        let chiave = rcgen::KeyPair::generate().unwrap();
        let mut p = rcgen::CertificateParams::default();
        p.distinguished_name = rcgen::DistinguishedName::new();
        p.distinguished_name.push(
            rcgen::DnType::CustomDnType(OID_ORGANIZATION_IDENTIFIER.to_vec()),
            "VATDE-123456789",
        );
        p.subject_alt_names = vec![rcgen::SanType::URI(
            "https://esempio.invalid/".try_into().unwrap(),
        )];
        let cert = p.self_signed(&chiave).unwrap();
        let id = identita_da_der(cert.der()).unwrap();
        assert_eq!(id.codice_fiscale, None);
        assert_eq!(id.codice_ipa, None);
    }

    #[test]
    fn der_non_valido() {
        assert!(matches!(
            identita_da_der(b"non un certificato"),
            Err(ErroreTls::CertificatoIllegibile(_))
        ));
        let dir = tempfile::tempdir().unwrap();
        let ca = Autorita::crea(dir.path(), "CA di prova").unwrap();
        let mut der = pem_certificato(ca.cert_pem(), "ca").unwrap();
        der.push(0);
        assert!(matches!(
            identita_da_der(&der),
            Err(ErroreTls::CertificatoIllegibile(_))
        ));
        der.truncate(der.len() / 2);
        assert!(identita_da_der(&der).is_err());
    }

    #[test]
    fn config_server_rifiuta_pem_vuoti_e_chiavi_sbagliate() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Autorita::crea(dir.path(), "CA di prova").unwrap();
        let s = ca.rilascia_server(&["localhost".into()], 30).unwrap();
        let altro = ca.rilascia_server(&["localhost".into()], 30).unwrap();
        let crl = ca.crl_pem().unwrap();
        assert!(config_server(&s.cert_pem, &s.chiave_pem, ca.cert_pem(), Some(&crl)).is_ok());
        assert!(config_server(&s.cert_pem, &s.chiave_pem, ca.cert_pem(), None).is_ok());
        assert!(config_server("", &s.chiave_pem, ca.cert_pem(), None).is_err());
        assert!(config_server(&s.cert_pem, "", ca.cert_pem(), None).is_err());
        assert!(config_server(&s.cert_pem, &s.chiave_pem, "", None).is_err());
        assert!(config_server(&s.cert_pem, &s.chiave_pem, ca.cert_pem(), Some("")).is_err());
        // A key that is not the certificate's.
        let errore =
            config_server(&s.cert_pem, &altro.chiave_pem, ca.cert_pem(), None).unwrap_err();
        assert!(matches!(errore, ErroreTls::Rustls(_)), "{errore}");
    }
}

//! The client-certificate verifier: webpki's, plus the one rule it does not make.
//!
//! webpki checks the extended key usage only when the extension is present: RFC 5280
//! reads a certificate *without* EKU as good for any purpose, so a CA's certificate
//! issued without the extension (or one of its other end-entity certificates) would
//! pass as a client certificate. The certificate e-services require `clientAuth`
//! explicitly (README): the extension must be there and list it.

use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, Error, SignatureScheme};
use std::sync::Arc;

/// `interno` (webpki's verifier, chain, dates, CRL), then an explicit EKU `clientAuth`.
#[derive(Debug)]
pub(crate) struct ConClientAuth(pub(crate) Arc<dyn ClientCertVerifier>);

/// Whether the certificate carries the EKU extension with `clientAuth`.
pub(crate) fn ha_client_auth(der: &[u8]) -> bool {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return false;
    };
    matches!(cert.extended_key_usage(), Ok(Some(eku)) if eku.value.client_auth)
}

impl ClientCertVerifier for ConClientAuth {
    fn offer_client_auth(&self) -> bool {
        self.0.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.0.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.0.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        let verificato = self.0.verify_client_cert(end_entity, intermediates, now)?;
        if !ha_client_auth(end_entity) {
            tracing::info!(
                "certificato client senza estensione extendedKeyUsage clientAuth: rifiutato"
            );
            return Err(Error::InvalidCertificate(CertificateError::InvalidPurpose));
        }
        Ok(verificato)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

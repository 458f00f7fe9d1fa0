//! isee-tls: mutual TLS for the certificate e-services (ModI ID_AUTH_CHANNEL_02).
//!
//! INPS serves "Consultazione Indicatore/Attestazione ISEE" only to enti that present a
//! client certificate INPS itself issued; the other e-services (Residenti, Riscontro,
//! Operatori) run on the same listener without one. This crate is both halves of that:
//!
//! * [`autorita`]: the service's own small certification authority, the stand-in for
//!   INPS's issuance of client certificates. It keeps a register of what it issued and a
//!   CRL of what it revoked;
//! * [`server`]: the HTTPS listener. Client authentication is *optional* at the TLS layer
//!   (a client without a certificate still connects); a certificate, when offered, must
//!   chain to the authority, carry `clientAuth`, be in date and not be revoked, or the
//!   handshake fails. Every request carries an [`InfoConnessione`] extension with the
//!   verified identity, so a handler decides at the application level.
//!
//! The `isee certificati …` commands live in the `isee` binary (isee-cli).
//!
//! See README.md for the trust model and what is out of scope.

#![forbid(unsafe_code)]

pub mod autorita;
mod errore;
pub mod server;
mod verifica;

pub use autorita::{
    AlgoritmoChiave, Autorita, CertificatoFirmato, CertificatoRilasciato, EnteCertificato,
    RichiestaCertificato, Rilascio, TipoCertificato, crea_richiesta,
};
pub use errore::ErroreTls;
pub use server::{
    IdentitaClient, InfoConnessione, Limits, config_server, identita_da_der, servi_http,
    servi_http_con, servi_tls, servi_tls_con,
};

/// The result type of the library.
pub type Result<T, E = ErroreTls> = std::result::Result<T, E>;

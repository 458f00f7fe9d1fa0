//! Infrastructure errors of the crate: keys, files, HTTP fetches.
//!
//! Validation outcomes have their own types with stable codes
//! ([`crate::voucher::ErroreVoucher`], [`crate::evidenza::ErroreEvidenza`],
//! [`crate::asserzione::ErroreAsserzione`]); this one is for what goes wrong around them.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ErrorePdnd {
    #[error("chiave non valida: {0}")]
    Chiave(String),
    #[error("firma non riuscita: {0}")]
    Firma(String),
    #[error("errore di lettura o scrittura di {percorso}: {errore}")]
    File {
        percorso: PathBuf,
        #[source]
        errore: std::io::Error,
    },
    #[error("JSON non valido in {origine}: {errore}")]
    Json {
        origine: String,
        #[source]
        errore: serde_json::Error,
    },
    #[error("richiesta HTTP a {url} non riuscita: {motivo}")]
    Http { url: String, motivo: String },
    #[error("{0}")]
    Stato(String),
    /// The local PDND could not listen on its address, or its listener failed.
    #[error("PDND locale su {indirizzo}: {errore}")]
    Ascolto {
        indirizzo: std::net::SocketAddr,
        #[source]
        errore: std::io::Error,
    },
}

pub type Result<T, E = ErrorePdnd> = std::result::Result<T, E>;

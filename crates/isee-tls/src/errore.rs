//! The errors of the library, with Italian messages for the operator who runs the CLI or
//! reads the service's log.

use std::path::PathBuf;

/// Everything that can go wrong issuing, loading or serving certificates.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErroreTls {
    /// A file could not be read or written.
    #[error("{percorso}: {fonte}")]
    File {
        /// The file concerned.
        percorso: PathBuf,
        /// The underlying error.
        #[source]
        fonte: std::io::Error,
    },
    /// The authority would overwrite an existing key or certificate.
    #[error("{0} esiste già: non lo sovrascrivo (una chiave sostituita non si recupera)")]
    EsisteGia(PathBuf),
    /// A PEM text holds nothing usable.
    #[error("{cosa}: PEM non valido o vuoto ({dettaglio})")]
    Pem {
        /// What was being read ("certificato del server", "CRL", …).
        cosa: &'static str,
        /// Why it was refused.
        dettaglio: String,
    },
    /// A certificate could not be parsed.
    #[error("certificato illeggibile: {0}")]
    CertificatoIllegibile(String),
    /// The data of an ente to certify are not acceptable.
    #[error("dati dell'ente non validi: {0}")]
    EnteNonValido(String),
    /// A validity period that ends before it starts, or a zero-day one.
    #[error("periodo di validità non valido: {0}")]
    ValiditaNonValida(String),
    /// `revoca` of a serial number the authority never issued.
    #[error("nessun certificato rilasciato con seriale {0} (vedere `isee certificati elenco`)")]
    SerialeIgnoto(String),
    /// A line of the issuance register that is not a valid record.
    #[error("{percorso}, riga {riga}: registro dei rilasci non valido: {dettaglio}")]
    Registro {
        /// The register file.
        percorso: PathBuf,
        /// 1-based line number.
        riga: usize,
        /// The parse error.
        dettaglio: String,
    },
    /// A certificate signing request that cannot be signed (unreadable, bad signature,
    /// weak or unknown key), or an unknown key algorithm.
    #[error("richiesta di certificato (CSR) non valida: {0}")]
    RichiestaNonValida(String),
    /// rcgen refused to build or sign.
    #[error("generazione del certificato non riuscita: {0}")]
    Generazione(#[from] rcgen::Error),
    /// rustls refused the configuration (key not matching the certificate, …).
    #[error("configurazione TLS non valida: {0}")]
    Rustls(#[from] rustls::Error),
    /// The client-certificate verifier could not be built (no CA, unreadable CRL).
    #[error("verifica dei certificati client non configurabile: {0}")]
    Verificatore(#[from] rustls::server::VerifierBuilderError),
    /// The system random generator failed.
    #[error("generatore casuale di sistema non disponibile")]
    Casuale,
}

impl ErroreTls {
    pub(crate) fn file(percorso: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let percorso = percorso.into();
        move |fonte| ErroreTls::File { percorso, fonte }
    }
}

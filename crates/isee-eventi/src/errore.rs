//! The one error type of the crate.

use isee_registro::ErroreRegistro;

#[derive(Debug, thiserror::Error)]
pub enum ErroreEventi {
    /// NATS or JetStream refused or did not answer (the message says which step).
    #[error("{0}")]
    Nats(String),
    #[error(transparent)]
    Registro(#[from] ErroreRegistro),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Apertura(#[from] isee_sql::ErroreApertura),
    #[error("migrazioni: {0}")]
    Migrazioni(#[from] sqlx::migrate::MigrateError),
}

impl ErroreEventi {
    pub(crate) fn nats(passo: &str, e: impl std::fmt::Display) -> ErroreEventi {
        ErroreEventi::Nats(format!("{passo}: {e}"))
    }
}

pub type Risultato<T> = Result<T, ErroreEventi>;

//! The crate's errors: an Italian message for the user and a stable code.

/// One problem of a record: the field (its CSV column / JSON member) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProblemaCampo {
    /// The field, as the CSV header names it (`importo_mensile`).
    pub campo: &'static str,
    /// What is wrong, in Italian; fiscal codes masked.
    pub messaggio: String,
}

impl std::fmt::Display for ProblemaCampo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.campo, self.messaggio)
    }
}

/// Every problem of a record at once (never only the first).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct Problemi(pub Vec<ProblemaCampo>);

#[derive(Debug, thiserror::Error)]
pub enum ErroreSiuss {
    #[error("indirizzo della base dati non supportato: «{0}» (ammessi sqlite:// e postgres://)")]
    UrlNonSupportato(String),
    #[error("dato memorizzato non leggibile ({0}): la base dati è stata modificata a mano?")]
    DatoCorrotto(String),
    #[error("errore della base dati: {0}")]
    Database(#[from] sqlx::Error),
    #[error("aggiornamento dello schema della base dati non riuscito: {0}")]
    Migrazione(#[from] sqlx::migrate::MigrateError),
    #[error("record {indice} non valido: {problemi}")]
    RecordNonValido { indice: usize, problemi: Problemi },
    #[error("progressivo giornaliero dei flussi esaurito per il {0} (massimo 9999999)")]
    ProgressivoEsaurito(String),
}

impl ErroreSiuss {
    /// The stable code of the error, for programs.
    pub fn codice(&self) -> &'static str {
        match self {
            ErroreSiuss::UrlNonSupportato(_) => "siuss.url_non_supportato",
            ErroreSiuss::DatoCorrotto(_) => "siuss.dato_corrotto",
            ErroreSiuss::Database(_) => "siuss.database",
            ErroreSiuss::Migrazione(_) => "siuss.migrazione",
            ErroreSiuss::ProgressivoEsaurito(_) => "siuss.progressivo_esaurito",
            ErroreSiuss::RecordNonValido { .. } => "siuss.record_non_valido",
        }
    }
}

pub type Risultato<T> = Result<T, ErroreSiuss>;

/// The shared opener's errors (`isee-sql`) as this crate's variants.
impl From<isee_sql::ErroreApertura> for ErroreSiuss {
    fn from(e: isee_sql::ErroreApertura) -> ErroreSiuss {
        match e {
            isee_sql::ErroreApertura::UrlNonSupportato(url) => ErroreSiuss::UrlNonSupportato(url),
            isee_sql::ErroreApertura::SchemaNonAmmesso(s) => {
                ErroreSiuss::UrlNonSupportato(format!("schema «{s}»"))
            }
            isee_sql::ErroreApertura::Database(e) => ErroreSiuss::Database(e),
        }
    }
}

//! The ente's register's errors: an Italian message for the user (the same wording as
//! the DSU register's, which this register was part of) and a stable code.

use isee_registro::importo::ErroreImporto;

#[derive(Debug, thiserror::Error)]
pub enum ErroreRegistroEnte {
    #[error("importo non memorizzabile: {0}")]
    Importo(#[from] ErroreImporto),
    #[error("indirizzo della base dati non supportato: «{0}» (ammessi sqlite:// e postgres://)")]
    UrlNonSupportato(String),
    #[error("dato memorizzato non leggibile ({0}): la base dati è stata modificata a mano?")]
    DatoCorrotto(String),
    #[error("errore della base dati: {0}")]
    Database(#[from] sqlx::Error),
    #[error("aggiornamento dello schema della base dati non riuscito: {0}")]
    Migrazione(#[from] sqlx::migrate::MigrateError),
}

impl ErroreRegistroEnte {
    /// The stable code of the error, for programs: the codes this register had when it
    /// was part of isee-registro, unchanged.
    pub fn codice(&self) -> &'static str {
        match self {
            ErroreRegistroEnte::Importo(_) => "registro.importo",
            ErroreRegistroEnte::UrlNonSupportato(_) => "registro.url_non_supportato",
            ErroreRegistroEnte::DatoCorrotto(_) => "registro.dato_corrotto",
            ErroreRegistroEnte::Database(_) => "registro.database",
            ErroreRegistroEnte::Migrazione(_) => "registro.migrazione",
        }
    }
}

pub type Risultato<T> = Result<T, ErroreRegistroEnte>;

/// The shared opener's errors (`isee-sql`) as this crate's variants.
impl From<isee_sql::ErroreApertura> for ErroreRegistroEnte {
    fn from(e: isee_sql::ErroreApertura) -> ErroreRegistroEnte {
        match e {
            isee_sql::ErroreApertura::UrlNonSupportato(url) => {
                ErroreRegistroEnte::UrlNonSupportato(url)
            }
            isee_sql::ErroreApertura::SchemaNonAmmesso(s) => {
                ErroreRegistroEnte::UrlNonSupportato(format!("schema «{s}»"))
            }
            isee_sql::ErroreApertura::Database(e) => ErroreRegistroEnte::Database(e),
        }
    }
}

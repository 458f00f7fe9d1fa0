//! Errors and warnings. Import problems that concern one record are [`Avviso`]s (the
//! record is skipped or a field dropped, and the import goes on); only a file that
//! cannot be read at all is an [`ErroreImport`]. Messages are in Italian: operators
//! read them.

use serde::Serialize;
use std::fmt;

/// Which file a warning is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fonte {
    Ipa,
    Istat,
}

impl fmt::Display for Fonte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fonte::Ipa => "IPA",
            Fonte::Istat => "ISTAT",
        })
    }
}

/// A problem with one record. The import goes on without the record (or without
/// the field), and the warning says which.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Avviso {
    pub fonte: Fonte,
    /// CSV: the line of the file where the record starts (the header is line 1).
    /// CKAN JSON: the position of the record in `records` (1 = first).
    pub riga: usize,
    /// The column (as named in the file) the problem is about.
    pub campo: String,
    pub messaggio: String,
}

impl fmt::Display for Avviso {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} riga {}, campo «{}»: {}",
            self.fonte, self.riga, self.campo, self.messaggio
        )
    }
}

/// A file that cannot be imported at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ErroreImport {
    #[error("file {fonte} non leggibile: {motivo}")]
    NonLeggibile { fonte: Fonte, motivo: String },
    #[error("file {fonte}: mancano le colonne {}", elenco(.colonne))]
    ColonneMancanti { fonte: Fonte, colonne: Vec<String> },
}

fn elenco(colonne: &[String]) -> String {
    colonne
        .iter()
        .map(|c| format!("«{c}»"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One reason a new authorisation is refused; [`ErroreEnti::AbilitazioneNonValida`]
/// carries all of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProblemaAbilitazione {
    /// The field of [`crate::NuovaAbilitazione`] at fault.
    pub campo: &'static str,
    /// A stable code for programs: `CF_NON_VALIDO`, `ENTE_SCONOSCIUTO`,
    /// `CATEGORIA_NON_AMMESSA`, `ANAGRAFE_ASSENTE`, `PERIODO_NON_VALIDO`,
    /// `SERVIZIO_SCONOSCIUTO`, `SERVIZI_MANCANTI`.
    pub codice: &'static str,
    pub messaggio: String,
}

/// Errors of the register.
#[derive(Debug, thiserror::Error)]
pub enum ErroreEnti {
    #[error("indirizzo del database non supportato: {0} (usare sqlite://FILE o postgres://…)")]
    UrlNonSupportato(String),
    #[error("errore del database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("aggiornamento dello schema del database degli enti non riuscito: {0}")]
    Migrazione(#[from] sqlx::migrate::MigrateError),
    #[error("dato non valido nel database: {0}")]
    DatoCorrotto(String),
    #[error("nessuna anagrafe degli enti importata: eseguire «isee enti importa»")]
    AnagrafeAssente,
    #[error("un'anagrafe senza enti non sostituisce quella presente")]
    AnagrafeVuota,
    #[error("abilitazione rifiutata: {}", .0.iter().map(|p| p.messaggio.as_str()).collect::<Vec<_>>().join("; "))]
    AbilitazioneNonValida(Vec<ProblemaAbilitazione>),
    #[error("abilitazione {0} inesistente")]
    AbilitazioneInesistente(i64),
    #[error("abilitazione {id} già revocata il {il}")]
    GiaRevocata {
        id: i64,
        il: chrono::DateTime<chrono::Utc>,
    },
}

/// The shared opener's errors (`isee-sql`) as this crate's variants, messages unchanged.
impl From<isee_sql::ErroreApertura> for ErroreEnti {
    fn from(e: isee_sql::ErroreApertura) -> ErroreEnti {
        match e {
            isee_sql::ErroreApertura::UrlNonSupportato(url) => ErroreEnti::UrlNonSupportato(url),
            isee_sql::ErroreApertura::SchemaNonAmmesso(s) => {
                ErroreEnti::UrlNonSupportato(format!("schema «{s}»"))
            }
            isee_sql::ErroreApertura::Database(e) => ErroreEnti::Database(e),
        }
    }
}

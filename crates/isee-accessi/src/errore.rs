//! The access log's errors: one enum, Italian messages for the operator.
//!
//! No message carries a secret or a fiscal code: keys are shown only by their
//! fingerprint, database URLs without their password.

/// Every failure of the access log.
#[derive(Debug, thiserror::Error)]
pub enum ErroreAccessi {
    #[error("URL del database non supportato: {0} (usare sqlite://… o postgres://…)")]
    UrlNonSupportato(String),
    #[error("errore del database del registro degli accessi: {0}")]
    Database(#[from] sqlx::Error),
    #[error("aggiornamento dello schema del registro degli accessi non riuscito: {0}")]
    Migrazione(sqlx::migrate::MigrateError),
    #[error("chiave di audit: {0}")]
    Chiave(String),
    #[error("file di chiave {percorso}: {errore}")]
    FileChiave {
        percorso: String,
        errore: std::io::Error,
    },
    #[error(
        "un altro processo scrive già questo registro degli accessi ({0}); \
         un solo scrittore per database è ammesso"
    )]
    ScrittoreAttivo(String),
    #[error(
        "la chiave fornita non è quella con cui è stato scritto il registro degli accessi \
         (impronta registrata {registrata}, impronta della chiave fornita {fornita})"
    )]
    ChiaveDiversa { registrata: String, fornita: String },
    #[error(
        "l'impronta della chiave registrata nel registro degli accessi ({registrata}) non è \
         quella della chiave fornita ({fornita}), ma la chiave fornita verifica l'ultimo record \
         (seq {seq}): la chiave è giusta ed è l'impronta registrata (tabella accessi_meta) a \
         essere stata alterata; verificare il registro (isee audit verifica) e ripristinarne \
         l'impronta prima di riavviare lo scrittore"
    )]
    ImprontaAlterata {
        registrata: String,
        fornita: String,
        seq: i64,
    },
    #[error(
        "lo schema del registro degli accessi è alla versione {trovata}; questa versione del \
         programma gestisce fino alla {gestita}"
    )]
    SchemaPiuRecente { trovata: i64, gestita: i64 },
    #[error("scrittura del registro degli accessi non riuscita: {0}")]
    ScritturaFallita(String),
    #[error("il registro degli accessi è chiuso")]
    Chiuso,
    #[error(
        "il registro degli accessi è aperto in sola lettura: nessuno scrittore in questo processo"
    )]
    SolaLettura,
    #[error(
        "il registro degli accessi {0} non esiste (o il database non contiene un registro degli \
         accessi): la verifica non crea nulla; controllare l'URL"
    )]
    RegistroAssente(String),
    #[error("dato corrotto nel registro degli accessi: {0}")]
    DatoCorrotto(String),
    #[error(
        "conservazione rifiutata: la parte di catena da eliminare non è integra ({0} problemi); \
         eseguire «isee audit verifica» e indagare prima di eliminare"
    )]
    CatenaNonIntegra(u64),
}

pub type Risultato<T> = Result<T, ErroreAccessi>;

/// The shared opener's errors (`isee-sql`) as this crate's variants, messages unchanged.
impl From<isee_sql::ErroreApertura> for ErroreAccessi {
    fn from(e: isee_sql::ErroreApertura) -> ErroreAccessi {
        match e {
            isee_sql::ErroreApertura::UrlNonSupportato(url) => ErroreAccessi::UrlNonSupportato(url),
            isee_sql::ErroreApertura::SchemaNonAmmesso(s) => {
                ErroreAccessi::UrlNonSupportato(format!("schema «{s}»"))
            }
            isee_sql::ErroreApertura::Database(e) => ErroreAccessi::Database(e),
        }
    }
}

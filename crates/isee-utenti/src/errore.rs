//! Errors. Messages are in Italian: the portal shows them, or logs them.

use crate::password::ErroreHash;
use crate::sessione::ErroreCasuale;
use crate::utente::IdUtente;
use std::time::Duration;

/// Errors of the store and of the account operations.
#[derive(Debug, thiserror::Error)]
pub enum ErroreUtenti {
    #[error("indirizzo del database non supportato: {0} (usare sqlite://FILE o postgres://…)")]
    UrlNonSupportato(String),
    #[error("errore del database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("aggiornamento dello schema del database degli utenti non riuscito: {0}")]
    Migrazione(#[from] sqlx::migrate::MigrateError),
    #[error("dato non valido nel database: {0}")]
    DatoCorrotto(String),
    #[error(transparent)]
    Hash(#[from] ErroreHash),
    #[error(transparent)]
    Casuale(#[from] ErroreCasuale),
    /// The new account's fields, every problem at once.
    #[error("dati dell'utente non validi: {}", .0.join("; "))]
    UtenteNonValido(Vec<String>),
    /// The new password breaks the policy: every rule it breaks.
    #[error("password non valida: {}", .0.join("; "))]
    PasswordNonValida(Vec<String>),
    #[error("il nome utente «{0}» è già in uso")]
    NomeGiaInUso(String),
    #[error("utente {0} inesistente")]
    UtenteInesistente(IdUtente),
    /// A draft the store refuses, every problem at once.
    #[error("bozza non salvabile: {}", .0.join("; "))]
    BozzaNonValida(Vec<String>),
    #[error("si possono tenere al massimo {0} bozze: eliminarne una o presentarla")]
    TroppeBozze(usize),
    /// Too many OpenID Connect logins under way at once (a flood of starts): new ones
    /// wait until the oldest expire.
    #[error("troppi accessi in corso ({0}): riprovare tra qualche minuto")]
    TroppeAttese(u64),
    #[error("calcolo interrotto: {0}")]
    Interrotto(String),
}

/// Why a login did not open a session.
#[derive(Debug, thiserror::Error)]
pub enum ErroreAccesso {
    /// The same answer for an unknown name, a wrong password, a disabled account and a
    /// locked name, so that it does not tell which names exist. `attendi` is set
    /// while the name is locked, for unknown names as for real ones.
    #[error("{}", messaggio_rifiuto(.attendi))]
    Rifiutato { attendi: Option<Duration> },
    #[error(transparent)]
    Interno(#[from] ErroreUtenti),
}

fn messaggio_rifiuto(attendi: &Option<Duration>) -> String {
    match attendi {
        None => "nome utente o password non corretti".into(),
        Some(d) => match d.as_secs().div_ceil(60).max(1) {
            1 => "troppi tentativi non riusciti: riprovare tra un minuto".into(),
            m => format!("troppi tentativi non riusciti: riprovare tra {m} minuti"),
        },
    }
}

/// Why a password reset did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ErroreReset {
    /// Unknown, expired or already used (one answer for all three).
    #[error(
        "il collegamento per reimpostare la password non è valido o è scaduto: chiederne uno nuovo"
    )]
    TokenNonValido,
    /// The new password breaks the policy (the token is still valid).
    #[error("password non valida: {}", .0.join("; "))]
    PasswordNonValida(Vec<String>),
    #[error(transparent)]
    Interno(#[from] ErroreUtenti),
}

/// The opener's errors (`isee-sql`) as this crate's.
impl From<isee_sql::ErroreApertura> for ErroreUtenti {
    fn from(e: isee_sql::ErroreApertura) -> ErroreUtenti {
        match e {
            isee_sql::ErroreApertura::UrlNonSupportato(url) => ErroreUtenti::UrlNonSupportato(url),
            isee_sql::ErroreApertura::SchemaNonAmmesso(s) => {
                ErroreUtenti::UrlNonSupportato(format!("schema «{s}»"))
            }
            isee_sql::ErroreApertura::Database(e) => ErroreUtenti::Database(e),
        }
    }
}

pub(crate) type Risultato<T> = Result<T, ErroreUtenti>;

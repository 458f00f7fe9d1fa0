//! What happened, for the caller's audit log.
//!
//! Every operation of [`crate::Utenti`] that signs someone in, refuses them, locks a
//! name, rotates or ends a session or touches a password reset returns its
//! [`EventoUtente`]s; the portal writes them to its log. An event never holds a
//! password, a session id or reset token in clear, a fiscal code or a username: the
//! account is its number, the name a keyed hash ([`crate::Segreto::impronta_nome`]),
//! a session the first 16 hex digits of the SHA-256 the store holds (enough to
//! follow one session through the log, useless to take it over).

use crate::utente::IdUtente;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Why a login was refused. The user is told none of this (`ErroreAccesso::Rifiutato`
/// is the same for all); the audit log is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MotivoRifiuto {
    UtenteSconosciuto,
    PasswordErrata,
    /// The name was locked when the attempt came (the password was not looked at).
    Bloccato,
    Disabilitato,
}

/// The kind of event, with its details.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "tipo", rename_all = "snake_case")]
pub enum TipoEvento {
    AccessoRiuscito,
    AccessoRifiutato {
        motivo: MotivoRifiuto,
    },
    /// This failure locked the name for `durata`.
    Blocco {
        #[serde(with = "secondi")]
        durata: Duration,
        /// Locks in a row, this one included.
        blocchi: u32,
    },
    /// A new session id replaced the old one (`sessione` is the new one).
    SessioneRuotata {
        precedente: String,
    },
    SessioneTerminata,
    ResetRichiesto,
    /// A reset for a name without an account (nothing was sent).
    ResetRichiestoSconosciuto,
    ResetEseguito {
        /// Sessions of the account ended with it.
        sessioni_terminate: u64,
    },
    /// A reset token that is unknown, expired or already used.
    ResetRifiutato,
    PasswordAggiornata,
    /// A sign-in through OpenID Connect (`soggetto_impronta` names the identity).
    AccessoOidcRiuscito {
        /// The account was created by this sign-in.
        account_creato: bool,
    },
    /// A verified identity that opened no session, with the stable code of why
    /// ([`crate::oidc::ErroreAccessoOidc::codice`]).
    AccessoOidcRifiutato {
        codice: String,
    },
}

mod secondi {
    use std::time::Duration;

    pub(super) fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }
}

/// One event.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct EventoUtente {
    pub quando: DateTime<Utc>,
    #[serde(flatten)]
    pub tipo: TipoEvento,
    /// The account, when there is one.
    pub utente: Option<IdUtente>,
    /// Keyed hash of the username the request named (logins and reset requests).
    pub nome_impronta: Option<String>,
    /// Keyed hash of the identity at an OpenID Connect provider (issuer and `sub`,
    /// [`crate::Segreto::impronta_soggetto`]): OIDC sign-ins.
    pub soggetto_impronta: Option<String>,
    /// The session: the first 16 hex digits of its stored SHA-256.
    pub sessione: Option<String>,
}

/// The short form of a session's stored SHA-256 that events carry.
pub fn sessione_breve(impronta: &str) -> String {
    impronta.chars().take(16).collect()
}

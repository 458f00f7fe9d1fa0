//! Drafts: a DSU being filled in the portal's wizard ("Compila la DSU"), saved at
//! every step under the account that fills it, so that a lost session or a closed
//! browser loses nothing (issue 12). The content is the wizard's form as typed,
//! serialised by the portal (this crate does not read it): a draft is not a DSU and
//! the register never sees one until it is signed and filed.
//!
//! A draft is the account's: every read, write and deletion names the account, and a
//! draft of another account is, to the caller, a draft that does not exist.

use crate::utente::IdUtente;
use chrono::{DateTime, Utc};

/// The longest content a draft may hold, in bytes (a ten-member DSU mini typed in
/// full is about 6 KiB).
pub const LUNGHEZZA_MASSIMA: usize = 64 * 1024;

/// The most drafts one account may keep (a CAF operator keeps one per family being
/// served; older ones are deleted by hand or filed).
pub const MAX_PER_UTENTE: usize = 50;

/// The longest title, in characters.
pub const LUNGHEZZA_MASSIMA_TITOLO: usize = 120;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdBozza(pub i64);

impl std::fmt::Display for IdBozza {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A stored draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bozza {
    pub id: IdBozza,
    pub utente: IdUtente,
    pub titolo: String,
    /// The wizard's step it was left at (the portal's name for it).
    pub passo: String,
    pub contenuto: String,
    pub creata_il: DateTime<Utc>,
    pub aggiornata_il: DateTime<Utc>,
}

/// What a save writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContenutoBozza {
    pub titolo: String,
    pub passo: String,
    pub contenuto: String,
}

impl ContenutoBozza {
    /// Every reason the store would refuse it (empty when it may be saved).
    pub fn problemi(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.contenuto.len() > LUNGHEZZA_MASSIMA {
            p.push(format!(
                "la bozza supera la dimensione massima di {} KiB",
                LUNGHEZZA_MASSIMA / 1024
            ));
        }
        if self.titolo.chars().count() > LUNGHEZZA_MASSIMA_TITOLO {
            p.push(format!(
                "il titolo della bozza supera {LUNGHEZZA_MASSIMA_TITOLO} caratteri"
            ));
        }
        if self.passo.is_empty() || self.passo.len() > 32 {
            p.push("passo della bozza non valido".into());
        }
        p
    }
}

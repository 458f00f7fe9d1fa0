//! The storage of accounts, one trait for the aggregate (an account with its lock-out
//! counter, sessions and reset token): [`StoreUtenti`]. The trait speaks the domain
//! (count a failure, rotate a session, use a reset token) rather than SQL, and every
//! method that must be atomic is one statement or one transaction in the
//! implementation, so that the rules hold with several portal processes on one
//! database. Today one implementation, [`sql::StoreSql`], on SQLite and PostgreSQL
//! through sqlx `Any`; the contract suite (`tests/contratto.rs`) runs on both.

pub mod sql;

use crate::blocco::{PoliticaBlocco, StatoBlocco};
use crate::bozza::{Bozza, ContenutoBozza, IdBozza};
use crate::errore::Risultato;
use crate::oidc::CollegamentoOidc;
use crate::sessione::Sessione;
use crate::utente::{IdUtente, NomeUtente, NuovoUtenteValido, Ruolo, Utente};
use chrono::{DateTime, Utc};
use std::future::Future;

pub use sql::{Configurazione, StoreSql};

/// What [`StoreUtenti::pulisci`] removes: everything older than these instants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SoglieScadenza {
    /// Sessions last used before this.
    pub ultimo_uso_prima_di: DateTime<Utc>,
    /// Sessions created before this (the absolute limit).
    pub create_prima_di: DateTime<Utc>,
    /// Reset tokens expiring at or before this.
    pub reset_prima_di: DateTime<Utc>,
    /// Pending OpenID Connect logins expiring at or before this.
    pub attese_oidc_prima_di: DateTime<Utc>,
    /// Lock-out counters not locked now whose last failure came before this.
    pub blocchi_prima_di: DateTime<Utc>,
    /// Now: a counter locked until later stays.
    pub adesso: DateTime<Utc>,
}

/// How many rows [`StoreUtenti::pulisci`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pulizia {
    pub sessioni: u64,
    pub reset: u64,
    pub blocchi: u64,
    /// Expired pending OpenID Connect logins.
    pub attese_oidc: u64,
}

/// The accounts' storage.
pub trait StoreUtenti: Send + Sync {
    /// Creates an account with the Argon2id PHC string `hash`. `NomeGiaInUso` when
    /// the name is taken (checked atomically: two concurrent creations of one name
    /// give one account).
    fn crea_utente(
        &self,
        nuovo: &NuovoUtenteValido,
        hash: &str,
        adesso: DateTime<Utc>,
    ) -> impl Future<Output = Risultato<Utente>> + Send;

    fn utente(&self, id: IdUtente) -> impl Future<Output = Risultato<Option<Utente>>> + Send;

    /// The account and its password hash.
    fn utente_per_nome(
        &self,
        nome: &NomeUtente,
    ) -> impl Future<Output = Risultato<Option<(Utente, String)>>> + Send;

    /// Replaces the password hash (a rehash after login); `false` for an unknown id.
    fn imposta_hash(
        &self,
        id: IdUtente,
        hash: &str,
    ) -> impl Future<Output = Risultato<bool>> + Send;

    /// Disables the account and, in the same transaction, ends its sessions and drops
    /// its reset token; `false` when unknown or already disabled.
    fn disabilita(
        &self,
        id: IdUtente,
        adesso: DateTime<Utc>,
    ) -> impl Future<Output = Risultato<bool>> + Send;

    /// Changes the role and, in the same transaction, ends the account's sessions (a
    /// privilege change needs a new login); the number of sessions ended, or
    /// `UtenteInesistente`.
    fn cambia_ruolo(
        &self,
        id: IdUtente,
        ruolo: Ruolo,
    ) -> impl Future<Output = Risultato<u64>> + Send;

    /// The lock-out counter of a name key ([`StatoBlocco::LIBERO`] when none).
    fn stato_blocco(&self, chiave: &str) -> impl Future<Output = Risultato<StatoBlocco>> + Send;

    /// Counts one failed login of `chiave` at `adesso`, atomically (two concurrent
    /// failures count two), and locks it per `politica` when the count is reached;
    /// a failure while locked is not counted. Returns the new state.
    fn registra_fallimento(
        &self,
        chiave: &str,
        politica: &PoliticaBlocco,
        adesso: DateTime<Utc>,
    ) -> impl Future<Output = Risultato<StatoBlocco>> + Send;

    /// Forgets the failures and locks of `chiave` (a successful login).
    fn azzera_blocco(&self, chiave: &str) -> impl Future<Output = Risultato<()>> + Send;

    fn crea_sessione(&self, sessione: &Sessione) -> impl Future<Output = Risultato<()>> + Send;

    /// The session stored under this SHA-256, valid or not.
    fn sessione(&self, impronta: &str) -> impl Future<Output = Risultato<Option<Sessione>>> + Send;

    /// Writes the last use (only forward: an older `adesso` changes nothing).
    fn tocca_sessione(
        &self,
        impronta: &str,
        adesso: DateTime<Utc>,
    ) -> impl Future<Output = Risultato<()>> + Send;

    /// Replaces session `vecchia` with `nuova` in one transaction; `false` (and
    /// nothing written) when `vecchia` is not there any more, so that two concurrent
    /// rotations of one session give one new session.
    fn sostituisci_sessione(
        &self,
        vecchia: &str,
        nuova: &Sessione,
    ) -> impl Future<Output = Risultato<bool>> + Send;

    /// Ends one session; `false` when it was not there.
    fn termina_sessione(&self, impronta: &str) -> impl Future<Output = Risultato<bool>> + Send;

    /// Ends every session of an account; how many.
    fn termina_sessioni(&self, utente: IdUtente) -> impl Future<Output = Risultato<u64>> + Send;

    /// Stores the account's reset token (its SHA-256), replacing any earlier one.
    fn salva_reset(
        &self,
        utente: IdUtente,
        impronta: &str,
        scade_il: DateTime<Utc>,
    ) -> impl Future<Output = Risultato<()>> + Send;

    /// The account of a reset token not expired at `adesso`.
    fn utente_del_reset(
        &self,
        impronta: &str,
        adesso: DateTime<Utc>,
    ) -> impl Future<Output = Risultato<Option<IdUtente>>> + Send;

    /// Uses a reset token, in one transaction: deletes it if it is there and not
    /// expired at `adesso`, sets the password hash, ends every session of the account.
    /// Returns the account and the sessions ended; `None` (nothing changed) when the
    /// token is unknown, expired or already used, so a token works once even when
    /// two requests race.
    fn usa_reset(
        &self,
        impronta: &str,
        hash: &str,
        adesso: DateTime<Utc>,
    ) -> impl Future<Output = Risultato<Option<(IdUtente, u64)>>> + Send;

    /// Removes expired sessions and reset tokens and stale lock-out counters.
    fn pulisci(&self, soglie: &SoglieScadenza) -> impl Future<Output = Risultato<Pulizia>> + Send;
}

/// The drafts' storage: a draft is read, written and deleted only with its account's
/// id, so that another account's draft does not exist for the caller.
pub trait StoreBozze: Send + Sync {
    /// A new draft of `utente`. `BozzaNonValida` when [`ContenutoBozza::problemi`]
    /// finds any, `TroppeBozze` when the account already keeps
    /// [`crate::bozza::MAX_PER_UTENTE`] (counted in the same transaction).
    fn crea_bozza(
        &self,
        utente: IdUtente,
        contenuto: &ContenutoBozza,
        adesso: DateTime<Utc>,
    ) -> impl Future<Output = Risultato<Bozza>> + Send;

    /// Overwrites draft `id` of `utente`; `None` (nothing written) when `utente` has
    /// no such draft.
    fn aggiorna_bozza(
        &self,
        utente: IdUtente,
        id: IdBozza,
        contenuto: &ContenutoBozza,
        adesso: DateTime<Utc>,
    ) -> impl Future<Output = Risultato<Option<Bozza>>> + Send;

    fn bozza(
        &self,
        utente: IdUtente,
        id: IdBozza,
    ) -> impl Future<Output = Risultato<Option<Bozza>>> + Send;

    /// The account's drafts, the most recently saved first.
    fn bozze(&self, utente: IdUtente) -> impl Future<Output = Risultato<Vec<Bozza>>> + Send;

    /// `false` when `utente` has no such draft.
    fn elimina_bozza(
        &self,
        utente: IdUtente,
        id: IdBozza,
    ) -> impl Future<Output = Risultato<bool>> + Send;
}

/// The OpenID Connect side of the accounts ([`crate::oidc`]): pending logins and the
/// links from an identity (issuer and `sub`) to an account.
pub trait StoreOidc: Send + Sync {
    /// Stores a pending login under the SHA-256 of its `state` with the SHA-256 of its
    /// browser value, in one transaction with the deletion of those expired at
    /// `creata_il`; `TroppeAttese` (nothing stored) when `massimo` are alive.
    fn salva_attesa_oidc(
        &self,
        stato: &str,
        browser: &str,
        creata_il: DateTime<Utc>,
        scade_il: DateTime<Utc>,
        massimo: u64,
    ) -> impl Future<Output = Risultato<()>> + Send;

    /// Deletes the pending login of this `state` digest and returns its browser digest
    /// and expiry, in one statement: of two concurrent callbacks with one `state`, one
    /// gets it. `None` when unknown or already used.
    fn usa_attesa_oidc(
        &self,
        stato: &str,
    ) -> impl Future<Output = Risultato<Option<(String, DateTime<Utc>)>>> + Send;

    /// The account linked to this identity.
    fn utente_oidc(
        &self,
        emittente: &str,
        soggetto: &str,
    ) -> impl Future<Output = Risultato<Option<Utente>>> + Send;

    /// Links an identity, in one transaction: to the account already linked (a
    /// concurrent first sign-in won), else to the oldest citizen account with
    /// `nuovo`'s fiscal code, else to a new account made of `nuovo` and `hash`.
    fn collega_oidc(
        &self,
        emittente: &str,
        soggetto: &str,
        nuovo: &NuovoUtenteValido,
        hash: &str,
        adesso: DateTime<Utc>,
    ) -> impl Future<Output = Risultato<CollegamentoOidc>> + Send;
}

//! The storage interfaces of INPS's side, one trait per aggregate:
//!
//! * [`StoreDsu`]: the DSU register (filing, lookups, annulment, stored documents);
//!   its records are in [`crate::registrazione`];
//! * [`StoreOmissioni`]: the omissioni/difformità notes on stored attestations; its
//!   records are in [`crate::omissioni`];
//! * [`StoreAccesso`]: the access model's mandates and back-office read log; its
//!   records are in [`crate::accesso`];
//! * [`StoreEventi`]: the transactional outbox, one row per change written in the
//!   change's transaction by the other stores; its records are in [`crate::evento`].
//!
//! The traits speak the domain (register a DSU, mark the old one, find the DSU valid
//! on a date) rather than SQL, so that a backend with its own typed driver can be
//! added later behind the same contract tests (docs/REGISTRO.md). Today one
//! implementation, [`sql::StoreSql`], serves both traits on SQLite and PostgreSQL
//! through sqlx `Any`. The ente's register of applications is not here: it is the
//! ente's side (crate `isee-erogatore`).

pub mod sql;

use crate::accesso::{LetturaBackOffice, Mandato, Visibilita};
use crate::errore::Risultato;
use crate::evento::{Arretrato, Evento};
use crate::omissioni::Annotazione;
use crate::protocollo::Protocollo;
use crate::registrazione::{Documenti, NuovaRegistrazione, Registrazione, TipoRegistrazione};
use chrono::NaiveDate;
use isee_core::codice_fiscale::CodiceFiscale;
use std::future::Future;

pub use sql::{Backend, Configurazione, StoreSql};

/// The DSU register's storage. Every method is one statement or one transaction.
pub trait StoreDsu: Send + Sync {
    /// Writes a new DSU or corrente row with its members and indicators, and marks
    /// the DSU it rectifies or substitutes, in one transaction. Errors:
    /// `ProtocolloSconosciuto`, `ProtocolloNonAttivo`, `NonUnaDsu` for the reference;
    /// `ChiaveRiusata` when the sender's idempotency key is already taken.
    fn registra(
        &self,
        nuova: NuovaRegistrazione,
    ) -> impl Future<Output = Risultato<Registrazione>> + Send;

    /// The row created with this sender's idempotency key, with its request hash.
    fn per_chiave(
        &self,
        mittente: &str,
        chiave: &str,
    ) -> impl Future<Output = Risultato<Option<(Registrazione, String)>>> + Send;

    fn per_protocollo(
        &self,
        protocollo: &Protocollo,
    ) -> impl Future<Output = Risultato<Option<Registrazione>>> + Send;

    fn per_protocollo_mittente(
        &self,
        mittente: &str,
        protocollo_mittente: &str,
    ) -> impl Future<Output = Risultato<Vec<Registrazione>>> + Send;

    /// The active row of this kind, with `cf` among its members, whose validity covers
    /// `data`, among those `visibilita` admits; the latest filed wins.
    fn valida_alla_data(
        &self,
        cf: &CodiceFiscale,
        data: NaiveDate,
        tipo: TipoRegistrazione,
        visibilita: &Visibilita,
    ) -> impl Future<Output = Risultato<Option<Registrazione>>> + Send;

    /// Every row with `cf` among its members that `visibilita` admits, in filing
    /// order, whatever its state.
    fn storico(
        &self,
        cf: &CodiceFiscale,
        visibilita: &Visibilita,
    ) -> impl Future<Output = Risultato<Vec<Registrazione>>> + Send;

    /// The rows `mittente` filed with `registrata_il` in `[dal, al)` (unix
    /// microseconds), the latest first, at most `limite`.
    fn del_mittente(
        &self,
        mittente: &str,
        dal: i64,
        al: i64,
        limite: u32,
    ) -> impl Future<Output = Risultato<Vec<Registrazione>>> + Send;

    /// How many DSUs (not ISEE corrente modules) `mittente` filed with
    /// `registrata_il` in `[dal, al)`, by number of members: `(members, DSUs)`,
    /// fewest members first. Rectifications and substitutions count: each is a filing.
    fn conteggio_per_nucleo(
        &self,
        mittente: &str,
        dal: i64,
        al: i64,
    ) -> impl Future<Output = Risultato<Vec<(u32, u64)>>> + Send;

    /// The members' fiscal codes of a row, sorted (empty for an unknown protocol).
    fn componenti(
        &self,
        protocollo: &Protocollo,
    ) -> impl Future<Output = Risultato<Vec<CodiceFiscale>>> + Send;

    /// Annuls an active row (and the active corrente modules on top of it).
    fn annulla(
        &self,
        protocollo: &Protocollo,
        quando: i64,
    ) -> impl Future<Output = Risultato<Registrazione>> + Send;

    fn documenti(
        &self,
        protocollo: &Protocollo,
    ) -> impl Future<Output = Risultato<Option<Documenti>>> + Send;
}

/// The omissioni/difformità notes' storage. The notes reference a registered
/// protocol, so an implementation lives beside a [`StoreDsu`] on the same database.
pub trait StoreOmissioni: Send + Sync {
    /// Adds an omission/discrepancy note to a stored attestation (the same note
    /// written again replaces its amounts).
    fn annota(&self, annotazione: &Annotazione) -> impl Future<Output = Risultato<()>> + Send;

    /// The notes of one protocol, by fiscal code, kind, reference and date.
    fn annotazioni(
        &self,
        protocollo: &Protocollo,
    ) -> impl Future<Output = Risultato<Vec<Annotazione>>> + Send;
}

/// The access model's storage: mandates and the back-office read log. It lives beside
/// a [`StoreDsu`] on the same database (the searches of [`StoreDsu`] read the
/// mandates to apply a [`Visibilita`]).
pub trait StoreAccesso: Send + Sync {
    /// Records a mandate; one already recorded for the same sender and declarant is
    /// replaced (scope, expiry, who and when), revoked or not.
    fn registra_mandato(&self, mandato: &Mandato) -> impl Future<Output = Risultato<()>> + Send;

    /// Revokes the mandate in force of `mittente` from `cf`; `false` if there is none.
    fn revoca_mandato(
        &self,
        mittente: &str,
        cf: &CodiceFiscale,
        quando: i64,
    ) -> impl Future<Output = Risultato<bool>> + Send;

    /// The mandate (in force or not) of `mittente` from `cf`.
    fn mandato(
        &self,
        mittente: &str,
        cf: &CodiceFiscale,
    ) -> impl Future<Output = Risultato<Option<Mandato>>> + Send;

    /// Every mandate given by `cf`, by sender.
    fn mandati(&self, cf: &CodiceFiscale) -> impl Future<Output = Risultato<Vec<Mandato>>> + Send;

    /// Records one back-office read.
    fn registra_lettura(
        &self,
        lettura: &LetturaBackOffice,
    ) -> impl Future<Output = Risultato<()>> + Send;

    /// The reads recorded for a back-office client, oldest first.
    fn letture_back_office(
        &self,
        cliente: &str,
    ) -> impl Future<Output = Risultato<Vec<LetturaBackOffice>>> + Send;
}

/// The transactional outbox. Its rows are written by [`StoreDsu::registra`],
/// [`StoreDsu::annulla`] and [`StoreOmissioni::annota`] in their own transactions (a
/// change committed has its event, a change rolled back has none); a publisher takes
/// them, publishes them and marks them (crate `isee-eventi`, docs/EVENTI.md).
pub trait StoreEventi: Send + Sync {
    /// Takes for the claim `presa` (unique per call) at most `limite` unpublished
    /// events that no one holds, or whose holder's claim ran out before `adesso`,
    /// holding them until `scade` (unix µs); oldest id first. Concurrent callers take
    /// disjoint rows.
    fn prendi(
        &self,
        presa: &str,
        limite: u32,
        adesso: i64,
        scade: i64,
    ) -> impl Future<Output = Risultato<Vec<Evento>>> + Send;

    /// Marks published every event the claim `presa` still holds; how many.
    fn pubblicati(&self, presa: &str, adesso: i64) -> impl Future<Output = Risultato<u64>> + Send;

    /// How many events are unpublished, and since when.
    fn arretrato(&self) -> impl Future<Output = Risultato<Arretrato>> + Send;

    /// Deletes the events published before `prima_di` (unix µs); how many.
    fn elimina_pubblicati(&self, prima_di: i64) -> impl Future<Output = Risultato<u64>> + Send;

    /// The events with id above `dopo`, by id, at most `limite`, published or not.
    fn eventi(&self, dopo: i64, limite: u32)
    -> impl Future<Output = Risultato<Vec<Evento>>> + Send;
}

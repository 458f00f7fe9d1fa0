//! The storage interfaces of INPS's side, one trait per aggregate:
//!
//! * [`StoreDsu`]: the DSU register (filing, lookups, annulment, stored documents);
//!   its records are in [`crate::registrazione`];
//! * [`StoreOmissioni`]: the omissioni/difformità notes on stored attestations; its
//!   records are in [`crate::omissioni`].
//!
//! The traits speak the domain (register a DSU, mark the old one, find the DSU valid
//! on a date) rather than SQL, so that a backend with its own typed driver can be
//! added later behind the same contract tests (docs/REGISTRO.md). Today one
//! implementation, [`sql::StoreSql`], serves both traits on SQLite and PostgreSQL
//! through sqlx `Any`. The ente's register of applications is not here: it is the
//! ente's side (crate `isee-erogatore`).

pub mod sql;

use crate::errore::Risultato;
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
    /// `data`; the latest filed wins.
    fn valida_alla_data(
        &self,
        cf: &CodiceFiscale,
        data: NaiveDate,
        tipo: TipoRegistrazione,
    ) -> impl Future<Output = Risultato<Option<Registrazione>>> + Send;

    /// Every row with `cf` among its members, in filing order, whatever its state.
    fn storico(
        &self,
        cf: &CodiceFiscale,
    ) -> impl Future<Output = Risultato<Vec<Registrazione>>> + Send;

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

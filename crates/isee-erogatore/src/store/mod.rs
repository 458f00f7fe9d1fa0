//! The storage interface of the ente's register: one async trait, [`StoreDomande`],
//! speaking the domain (save an application, find one, list those expiring), and its
//! one implementation [`sql::StoreDomandeSql`] on SQLite and PostgreSQL through sqlx
//! `Any`.

pub mod sql;

use crate::domanda::DomandaEnte;
use crate::errore::Risultato;
use chrono::NaiveDate;
use std::future::Future;

pub use sql::{Configurazione, StoreDomandeSql};

/// The ente's applications' storage. Every method is one statement.
pub trait StoreDomande: Send + Sync {
    /// Inserts or replaces an application (key: ente and id).
    fn salva_domanda(&self, domanda: &DomandaEnte) -> impl Future<Output = Risultato<()>> + Send;

    fn domanda(
        &self,
        ente: &str,
        id: &str,
    ) -> impl Future<Output = Risultato<Option<DomandaEnte>>> + Send;

    /// Applications whose ISEE validity ends before `entro`, or that have none: those
    /// without a validity end first, then by validity end, ente and id.
    fn in_scadenza(
        &self,
        entro: NaiveDate,
    ) -> impl Future<Output = Risultato<Vec<DomandaEnte>>> + Send;
}

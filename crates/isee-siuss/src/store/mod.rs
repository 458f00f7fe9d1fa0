//! The storage of the feed: one async trait per aggregate speaking the domain,
//! [`StoreFlussi`] (flows and the outcomes INPS posts about them, one aggregate: an
//! outcome changes its flow's state), and its one implementation [`sql::StoreSiussSql`]
//! on SQLite and PostgreSQL through sqlx `Any`.

pub mod sql;

use crate::ente::Ente;
use crate::errore::Risultato;
use crate::flusso::{Esito, Flusso, RiepilogoEsiti, RiepilogoImportazione};
use crate::prestazione::RecordGrezzo;
use std::future::Future;

pub use sql::{Configurazione, StoreSiussSql};

/// Flows and outcomes.
pub trait StoreFlussi: Send + Sync {
    /// Imports the ente's records in one transaction (all or nothing). A record is
    /// keyed by ente, application protocol and benefit code: a new key is a new flow,
    /// a changed record is reissued (new `ts_flusso`, state back to to-be-sent), an
    /// identical one is left alone. `adesso_ms`: now, Unix milliseconds.
    fn importa(
        &self,
        ente: &Ente,
        record: &[RecordGrezzo],
        adesso_ms: i64,
    ) -> impl Future<Output = Risultato<RiepilogoImportazione>> + Send;

    /// The flows to be sent with `ts_flusso` after `since_ms`, oldest first, at most
    /// `limite`.
    fn flussi_dopo(
        &self,
        since_ms: i64,
        limite: u32,
    ) -> impl Future<Output = Risultato<Vec<Flusso>>> + Send;

    /// Every flow, oldest first.
    fn elenco(&self) -> impl Future<Output = Risultato<Vec<Flusso>>> + Send;

    fn flusso(&self, id_flusso: &str) -> impl Future<Output = Risultato<Option<Flusso>>> + Send;

    /// Records INPS's outcomes in one transaction. An outcome about the flow's current
    /// issue (same `ts_flusso`) moves it: `OK` to acquired, `RICHIESTA_INVALIDA` and
    /// `DATI_NON_TROVATI` to refused, `ERRORE_GENERICO` reissued (a new `ts_flusso`, so
    /// that it is served again).
    fn registra_esiti(
        &self,
        esiti: &[Esito],
        adesso_ms: i64,
    ) -> impl Future<Output = Risultato<RiepilogoEsiti>> + Send;

    /// The outcomes of a flow, in the order received.
    fn esiti(&self, id_flusso: &str) -> impl Future<Output = Risultato<Vec<Esito>>> + Send;
}

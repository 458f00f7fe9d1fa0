//! isee-siuss: the Comune's feed of social-benefit records to INPS's SIUSS (Sistema
//! Informativo Unitario dei Servizi Sociali), the "Welfare as a Service" API INPS pulls
//! through PDND (`api-comuni.yaml` v2.0.1; docs/SIUSS.md).
//!
//! * [`prestazione`]: [`PrestazioneErogata`], one benefit of one beneficiary, read from
//!   the ente's raw record ([`RecordGrezzo`], a CSV row: [`leggi_csv`]) with every
//!   problem at once ([`Problemi`]);
//! * [`ente`]: the ente feeding SIUSS ([`Ente`]);
//! * [`xml`]: the PS-PSA document of a flow (`PS_PSA_SINA201812.xsd`);
//! * [`flusso`]: flows, their ids and `ts_flusso`, INPS's outcomes;
//! * [`store`]: the storage trait [`StoreFlussi`] and its SQLite/PostgreSQL
//!   implementation [`StoreSiussSql`], with its own migrations;
//! * [`api`]: the axum [`router`] of `/flussi`, `/esiti`, `/status`, behind a PDND
//!   voucher.
//!
//! The command line (`isee siuss …`) is in `isee-cli`.

#![forbid(unsafe_code)]

pub mod api;
pub mod ente;
pub mod errore;
pub mod flusso;
pub mod prestazione;
pub mod store;
pub mod xml;

pub use api::{Api, ConfigurazioneApi, router, router_sotto};
pub use ente::Ente;
pub use errore::{ErroreSiuss, ProblemaCampo, Problemi, Risultato};
pub use flusso::{CodiceEsito, Esito, Flusso, StatoFlusso, TipoFlusso};
pub use prestazione::{PrestazioneErogata, RecordGrezzo, leggi_csv};
pub use store::{StoreFlussi, StoreSiussSql};

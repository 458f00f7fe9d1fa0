//! The access log of the ISEE consultation e-services: every consultation by an ente
//! through PDND, successful or refused, recorded before the answer leaves.
//!
//! * Append-only and tamper-evident: an HMAC-SHA256 hash chain under a key the
//!   database never sees ([`ChiaviAudit`]); see `README.md` for the exact bytes.
//! * Searched fiscal codes are stored only as keyed hashes ([`RegistroAccessi::hash_cf`]).
//! * Group commit: one writer task, one transaction and one fsync per batch
//!   ([`scrittore`]).
//! * Verification ([`verifica`]), retention with a MACed anchor
//!   ([`RegistroAccessi::conserva`]), per-purpose daily counts for quotas, listings.
//! * Every stored text bounded and stripped of control and bidi characters
//!   ([`record::pulisci_campo`]); refusals of unauthenticated callers rate-limited per
//!   source and summarised beyond the limit ([`limite`]); a warning when the SQLite
//!   log's disk is nearly full ([`spazio`]).
//! * The command line (`isee audit …`) is in the `isee` binary (`isee-cli`).
//!
//! SQLite (`sqlite://path`) or PostgreSQL (`postgres://…`) through sqlx's `Any` driver.

pub mod chiavi;
pub mod errore;
pub mod limite;
pub mod record;
mod registro;
mod schema;
pub mod scrittore;
pub mod spazio;
pub mod verifica;

pub use chiavi::ChiaviAudit;
pub use errore::{ErroreAccessi, Risultato};
pub use limite::OpzioniLimite;
pub use record::{NuovoAccesso, RecordAccesso, Ricevuta, pulisci_campo, testo_istante};
pub use registro::{Filtro, Metriche, Protezioni, RegistroAccessi};
pub use schema::TABELLA_MIGRAZIONI;
pub use scrittore::OpzioniScrittura;
pub use spazio::{SogliaSpazio, SpazioDisco};
pub use verifica::{EsitoVerifica, Problema, TipoProblema};

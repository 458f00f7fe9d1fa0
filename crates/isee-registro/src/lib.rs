//! isee-registro: INPS's side, where DSUs and their attestations are kept.
//!
//! * [`registrazione`]: the DSU register's records (rows, states, indicator values);
//! * [`omissioni`]: the tax agency's data compared with declared data (records and the
//!   pure comparison); [`annotazioni`] writes the notes on the stored attestations;
//! * [`store`]: one async trait per aggregate ([`store::StoreDsu`],
//!   [`store::StoreOmissioni`]) and their SQLite/PostgreSQL implementation on sqlx
//!   `Any` ([`store::StoreSql`]: embedded migrations, money in cents);
//! * [`registro`]: the DSU register: INPS-style protocols ([`protocollo`]),
//!   idempotent filing, rectification, substitution, annulment, ISEE corrente, queries
//!   by protocol, sender protocol and fiscal code, recomputation.
//!
//! The ente's local register of applications is the ente's side: crate
//! `isee-erogatore`. The command line (`isee registro …`) is in `isee-cli`.
//! See docs/REGISTRO.md for the schema, the protocol format and the test harness.

#![forbid(unsafe_code)]

pub mod annotazioni;
pub mod errore;
pub mod importo;
pub mod omissioni;
pub mod protocollo;
pub mod registrazione;
pub mod registro;
pub mod store;

pub use errore::{ErroreRegistro, Risultato};
pub use protocollo::Protocollo;
pub use registro::{Operazione, PresentazioneDsu, RegistroDsu};
pub use store::{StoreDsu, StoreOmissioni, StoreSql};

//! isee-registro: INPS's side, where DSUs and their attestations are kept.
//!
//! * [`registrazione`]: the DSU register's records (rows, states, indicator values);
//! * [`omissioni`]: the tax agency's data compared with declared data (records and the
//!   pure comparison); [`annotazioni`] writes the notes on the stored attestations;
//! * [`store`]: one async trait per aggregate ([`store::StoreDsu`],
//!   [`store::StoreOmissioni`]) and their SQLite/PostgreSQL implementation on sqlx
//!   `Any` ([`store::StoreSql`]: embedded migrations, money in cents);
//! * [`accesso`]: who may read and change a DSU (senders, mandates, back office);
//!   [`store::StoreAccesso`] keeps the mandates and the back-office read log;
//! * [`evento`]: the register's events, written in each change's transaction
//!   ([`store::StoreEventi`], the transactional outbox) and published by `isee-eventi`;
//! * [`registro`]: the DSU register: INPS-style protocols ([`protocollo`]),
//!   idempotent filing, rectification, substitution, annulment, ISEE corrente, queries
//!   by protocol, sender protocol and fiscal code, recomputation.
//!
//! The ente's local register of applications is the ente's side: crate
//! `isee-erogatore`. The command line (`isee registro …`) is in `isee-cli`.
//! See docs/REGISTRO.md for the schema, the protocol format and the test harness.

#![forbid(unsafe_code)]

pub mod accesso;
pub mod annotazioni;
pub mod errore;
pub mod evento;
pub mod importo;
pub mod omissioni;
pub mod protocollo;
pub mod registrazione;
pub mod registro;
pub mod store;

pub use accesso::{Ambito, Chiamante, Mandato, Ruolo, Vista};
pub use errore::{ErroreRegistro, Risultato};
pub use evento::{Evento, TipoEvento};
pub use protocollo::Protocollo;
pub use registro::{Fascicolo, Operazione, PresentazioneDsu, RegistroDsu};
pub use store::{StoreAccesso, StoreDsu, StoreEventi, StoreOmissioni, StoreSql};

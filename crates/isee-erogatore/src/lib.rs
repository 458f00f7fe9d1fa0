//! isee-erogatore: the ente erogatore's side (a Comune, an ASL, a university: whoever
//! grants a benefit on the basis of an ISEE).
//!
//! * [`domanda`]: the ente's local ISEE register's records: an application, the
//!   ISEE obtained for it, where the value came from;
//! * [`store`]: its storage trait [`store::StoreDomande`] and the SQLite/PostgreSQL
//!   implementation on sqlx `Any` ([`store::StoreDomandeSql`]), with its own
//!   migrations and migration table (docs/REGISTRO.md);
//! * [`importa`]: the CSV import of applications ([`leggi_csv`]);
//! * [`registro`]: [`RegistroDomande`], the register over a store: saving an
//!   application (with the evidence hash) and the expiry monitoring.
//!
//! The command line (`isee registro-ente …`) is in `isee-cli`.

#![forbid(unsafe_code)]

pub mod domanda;
pub mod errore;
pub mod importa;
pub mod registro;
pub mod store;

pub use domanda::{DomandaEnte, FonteIsee, IseeOttenuto, sha256_hex};
pub use errore::{ErroreRegistroEnte, Risultato};
pub use importa::{RigaRifiutata, leggi_csv};
pub use registro::RegistroDomande;
pub use store::{StoreDomande, StoreDomandeSql};

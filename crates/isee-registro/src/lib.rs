//! isee-registro: where DSUs and ISEE values are kept.
//!
//! * [`store`]: one async [`store::Store`] trait and its SQLite/PostgreSQL
//!   implementation on sqlx `Any` (embedded migrations, money in cents);
//! * [`registro`]: the DSU register: INPS-style protocols ([`protocollo`]),
//!   idempotent filing, rectification, substitution, annulment, ISEE corrente, queries
//!   by protocol, sender protocol and fiscal code, recomputation;
//! * [`ente`]: an ente's local register of applications and the ISEE obtained for
//!   them, with expiry monitoring; [`cli`] is its command line;
//! * [`omissioni`]: tax-agency data compared with declared data, noted on attestations.
//!
//! See docs/REGISTRO.md for the schema, the protocol format and the test harness.

#![forbid(unsafe_code)]

pub mod cli;
pub mod ente;
pub mod errore;
pub mod importo;
pub mod omissioni;
pub mod protocollo;
pub mod registro;
pub mod store;

pub use errore::{ErroreRegistro, Risultato};
pub use protocollo::Protocollo;
pub use registro::{Operazione, PresentazioneDsu, Registro};
pub use store::{Store, StoreSql};

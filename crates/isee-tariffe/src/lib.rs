//! Tariff and co-payment engine for enti erogatori (Comuni, ASL, universities).
//!
//! An ente describes how the ISEE sets what a household pays for a benefit in a TOML rule file
//! (one file per benefit; the language is documented in `docs/TARIFFE.md`). [`carica`] checks the
//! file and compiles it into a [`Tariffa`]; [`Tariffa::valuta`] evaluates one application without
//! allocating, and [`Tariffa::valuta_spiegata`] also returns every step, renderable as Italian text.
//!
//! Architecture invariants:
//! - the evaluation library does no I/O and reads no clock or environment: the rule file text is
//!   passed in as a string; the `isee tariffa` command (crate `isee-cli`) reads files and prints;
//! - money is never a float: every amount is a `rust_decimal::Decimal`, rule files refuse TOML
//!   floats, and every rounding names its `RoundingStrategy`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod compila;
mod diagnostica;
mod modello;
mod numero;
mod sorgente;
mod spiegazione;
mod tipo_isee;
mod valuta;

pub use compila::{ARROTONDAMENTO, Caricata, carica};
pub use diagnostica::{Diagnostica, ErroreCaricamento, Gravita};
pub use modello::{MAX_COMPONENTI, Tariffa};
pub use numero::{Metodo, analizza_decimale, euro, formato_it};
pub use sorgente::{EsitoPredefinito, Livello, Per, Scala};
pub use spiegazione::{Passo, Riga, Spiegazione};
pub use tipo_isee::TipoIsee;
pub use valuta::{Condizioni, Domanda, ErroreValutazione, Esito, Mese, Percorso, Stato};

//! isee-core: the ISEE calculation (DPCM 5-12-2013 n. 159 and every later change up to
//! 2026), exact to the cent and explained step by step.
//!
//! Invariants (see ARCHITECTURE.md):
//! * no I/O: no files, no clock, no environment; parameters are passed in (the
//!   official set is compiled in from `parametri/isee.toml`);
//! * money is `rust_decimal::Decimal`, never a float; each attestation line is rounded
//!   half-up to the cent by [`importo::arrotonda_al_centesimo`], nowhere else;
//! * every rule cites its legal reference in the trace, every parameter its source.
//!
//! The flow: [`dsu::Dsu::da_json`] reads a DSU, [`validazione::valida`] checks it and
//! returns a [`validazione::DsuValidata`], [`calcolo::Motore::calcola`] computes one
//! ISEE type, [`attestazione::attestazione`] every type the DSU allows, and
//! [`report::rapporto`] renders the result as Italian text.

#![forbid(unsafe_code)]

pub mod attestazione;
pub mod calcolo;
pub mod codice_fiscale;
pub mod data;
pub mod dati_inps;
pub mod dsu;
pub mod importo;
pub mod opzioni;
pub mod parametri;
pub mod report;
pub mod schema;
pub mod testo_corto;
pub mod traccia;
pub mod validazione;

pub use calcolo::{
    ErroreCalcolo, Esito, Motore, Prestazione, Richiesta, Righe, TipoIsee, Variante,
};
pub use dsu::Dsu;
pub use opzioni::Opzioni;
pub use parametri::Normativa;
pub use validazione::{DsuValidata, Problema, valida};

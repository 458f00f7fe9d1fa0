//! The eight INPS ISEE consultation e-services on PDND (message 3269/2025), over the
//! DSU register: SOAP wire-compatible with INPS's `ConsultazioneISEE`, and REST/JSON.
//!
//! * [`catalogo`]: the e-services, their audiences, operations and policies;
//! * [`servizio`]: the pipeline every call goes through (voucher, purpose, quota,
//!   ente, channel, operator, request, lookup, log);
//! * [`soap`] and [`rest`]: the two front ends; [`app`] mounts them;
//! * [`configurazione`] and [`avvio`]: the TOML configuration and the wiring;
//! * [`sandbox`]: a complete local environment (PDND, certificates, enti, register)
//!   for `isee demo` and for integrators' tests;
//! * [`cli`]: `isee consultazione …`.
//!
//! The collaborators live in their own crates: `isee-pdnd` (vouchers, evidence,
//! local PDND), `isee-tls` (client certificates), `isee-enti` (IPA/ISTAT, operator
//! authorisations), `isee-accessi` (the access log), `isee-soap` (the wire format).

pub mod app;
pub mod avvio;
pub mod catalogo;
pub mod cli;
pub mod cliente;
pub mod configurazione;
pub mod dati;
pub mod quote;
pub mod rest;
pub mod rifiuto;
pub mod sandbox;
pub mod servizio;
pub mod soap;

pub use servizio::Servizio;

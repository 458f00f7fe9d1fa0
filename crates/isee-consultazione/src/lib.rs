//! The eight INPS ISEE consultation e-services on PDND (message 3269/2025) and a
//! ninth, REST only, for controls (the DSU content), over the DSU register: SOAP
//! wire-compatible with INPS's `ConsultazioneISEE`, and REST/JSON.
//!
//! * [`catalogo`]: the e-services, their audiences, operations and policies;
//! * [`servizio`]: the pipeline every call goes through (voucher, purpose, quota,
//!   ente, channel, operator, request, lookup, log);
//! * [`soap`] and [`rest`]: the two front ends; [`app`] mounts them;
//! * [`configurazione`] and [`avvio`]: the TOML configuration and the wiring.
//!
//! The command line (`isee consultazione …`) is in the `isee` binary; the sandbox
//! (a complete local environment for the demo and integrators' tests), the mTLS test
//! client and the load generator are in `isee-sandbox`.
//!
//! The collaborators live in their own crates: `isee-pdnd` (vouchers, evidence,
//! local PDND), `isee-tls` (client certificates), `isee-enti` (IPA/ISTAT, operator
//! authorisations), `isee-accessi` (the access log), `isee-soap` (the wire format).

pub mod app;
pub mod avvio;
pub mod catalogo;
pub mod configurazione;
pub mod dati;
pub mod quote;
pub mod rest;
pub mod rifiuto;
pub mod servizio;
pub mod soap;

pub use servizio::Servizio;

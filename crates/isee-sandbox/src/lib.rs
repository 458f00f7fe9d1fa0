//! isee-sandbox: a complete local environment for the demo, integrators' tests and
//! load tests. None of it runs in production: the service an ente calls is built by
//! `isee-consultazione` from a configuration; this crate only prepares one, with
//! everything around it, on one machine.
//!
//! * [`prepara`] (module `sandbox`): one directory with a local PDND (signing key,
//!   the nine e-services, enti as tenants, clients, purposes with quotas), a CA with
//!   the server's and the enti's client certificates, the IPA/ISTAT sample, an
//!   authorised operator, the access-log key and the service configuration; used by
//!   `isee demo`, `isee consultazione sandbox` and the e-services' tests;
//! * [`cliente`]: a minimal HTTP/1.1 client with mutual TLS, to call the service the
//!   way an ente's software does; [`registro_http`]: a keep-alive connection to the
//!   register's REST service;
//! * `examples/carico_consultazione.rs` and `examples/carico.rs`: the load generators
//!   of the consultation e-services and of the register's REST service
//!   (`bench/consultazione.sh`, `bench/carico.sh`).

#![forbid(unsafe_code)]

pub mod cliente;
pub mod registro_http;
mod sandbox;

pub use sandbox::{
    BASE_AUDIENCE_LOCALE, Fruitore, IPA_CAMPIONE, ISSUER_LOCALE, ISTAT_CAMPIONE, OPERATORE_DEMO,
    OpzioniSandbox, Sandbox, enti_campione, prepara, producer_inps,
};

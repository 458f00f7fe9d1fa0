//! isee-server: the REST service of the DSU register (`/api/v1`).
//!
//! * [`api`]: the router, its handlers, the OpenAPI document and the layers (request
//!   id, trace, timeout, body limit);
//! * [`problema`]: every error as an `application/problem+json` document;
//! * [`chiavi`]: authentication by static API key (SHA-256 in the configuration);
//! * [`modelli`]: the JSON bodies and their schemas;
//! * [`avvio`]: opening the store, binding, serving until Ctrl-C ([`avvia`]).
//!
//! The command line (`isee serve`, `isee demo`) is in the `isee` binary.
//!
//! See docs/API.md for the endpoints, the problem codes and curl examples.

#![forbid(unsafe_code)]
// Handlers return `Result<_, Problema>`; the error is a response body built once per
// refused request, so its size on the stack does not matter.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod avvio;
pub mod chiavi;
pub mod modelli;
pub mod problema;

pub use api::{Limiti, Servizio, app, app_con, documento_openapi};
pub use avvio::{ConfigEventi, Configurazione, ErroreAvvio, FabbricaPortale, InServizio, avvia};
pub use chiavi::Clienti;

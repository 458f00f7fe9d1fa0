//! HTTP infrastructure shared by the services.
//!
//! * [`problema`]: every refusal as one RFC 9457 `application/problem+json`
//!   document type, [`Problema`], for the register's REST API and the consultation
//!   e-services alike;
//! * `client` (feature `client`): one bounded HTTP/1.1 client, plain, https on the
//!   public roots, or mutual TLS with a private CA;
//! * `server` (feature `server`): the one bounded listener under the services' axum
//!   routers (header, body and handshake timeouts, a connection cap, graceful drain on
//!   SIGINT/SIGTERM) and [`metriche`], its Prometheus metrics on `/metrics`.

#![forbid(unsafe_code)]

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "server")]
pub mod metriche;
pub mod problema;
#[cfg(feature = "server")]
pub mod server;

#[cfg(feature = "client")]
pub use client::{Client, Connection, Limits, Tls, TlsBuilder};
pub use problema::{PROBLEM_JSON, Problema, ProblemaCampo};

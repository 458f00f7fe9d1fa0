//! PDND vouchers and ModI for the ISEE e-services.
//!
//! * [`jwk`]: RSA keys, JWKs and their RFC 7638 thumbprints; compact RS256 signing.
//! * [`jwks`]: the provider's cache of PDND's signing keys, refreshed at a bounded rate.
//! * [`voucher`]: provider-side validation of a PDND voucher, one error code per check.
//! * [`evidenza`]: AUDIT_REST_02 `Agid-JWT-TrackingEvidence` of an operator, bound to the voucher.
//! * [`stato`]: the state of a local PDND (tenants, e-services, clients, purposes) as a JSON file.
//! * [`asserzione`] and [`server`]: a local stand-in for the PDND authorisation server
//!   (`isee pdnd serve`; the `isee pdnd …` argument parsing lives in isee-cli).
//!
//! The wire names (claims, endpoints, JSON fields of PDND) are kept as PDND spells them;
//! see `docs/consultazione-pdnd.md` §2 in the shared notes and this crate's README.

pub mod asserzione;
pub mod errore;
pub mod evidenza;
mod http;
mod jose;
pub mod jwk;
pub mod jwks;
pub mod server;
pub mod stato;
pub mod voucher;

pub use errore::{ErrorePdnd, Result};

/// Seconds since the Unix epoch, from the system clock.
///
/// Validation functions never call it: they take the time as an argument so tests
/// control it; only the server and the CLI read the clock, through this function.
pub fn adesso_unix() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// Lowercase hex of `sha256(bytes)`: the form of `digest.value` in AUDIT_REST_02.
pub use isee_hash::sha256_hex;

//! isee-prova: the test harness every storage crate shares (a dev-dependency only,
//! never shipped).
//!
//! * [`su_entrambi!`] turns one async test body into two tests, `nome::sqlite` and
//!   `nome::postgres`; [`esegui`] is what each of them runs: a fresh database
//!   ([`Ambiente`]: an SQLite file in a temporary directory, or a fresh PostgreSQL
//!   schema with a random name), the body, then the cleanup (the directory removed,
//!   the schema dropped), also when the body panics (the panic is re-raised).
//! * PostgreSQL is found at `ISEE_TEST_PG_URL` (default [`PG_PREDEFINITO`]). When it
//!   does not answer: with `CI` set, the local cluster is started with `pg_ctlcluster`
//!   and the test fails if it stays down for 20 s; without `CI`, the harness says so
//!   and the PostgreSQL test passes without running.
//! * [`file_generato`] is the drift check of a committed generated file (JSON Schema,
//!   OpenAPI): it fails with the way to regenerate it, or rewrites it under
//!   `ISEE_AGGIORNA=1`.
//!
//! * [`xsd`] validates documents against INPS's published XSDs with libxml2's
//!   `xmllint` (the SOAP contract tests); [`pdf`] extracts the text of PDF files with
//!   poppler's `pdftotext` (the printed attestation's tests).
//!
//! * `nats` (feature `nats`) starts a NATS JetStream server of the test's own, which
//!   the test may kill and start again (the event stream's tests).
//!
//! * `oidc` (feature `oidc`) is a small real OpenID Connect provider on
//!   `127.0.0.1:0` (discovery, JWKS, authorize, token with PKCE and client secret),
//!   whose ID tokens can be made wrong one way at a time.
//!
//! Each crate keeps its own small fixture (how to open its store on an [`Ambiente`])
//! in its `tests/`.

#![forbid(unsafe_code)]
// A test harness reads the environment and the disk by design.
#![allow(clippy::disallowed_methods)]

use std::path::Path;

#[cfg(feature = "assedio")]
pub mod assedio;
#[cfg(feature = "sql")]
mod banco;
#[cfg(feature = "sql")]
pub mod migrazioni;
#[cfg(feature = "nats")]
pub mod nats;
#[cfg(feature = "oidc")]
pub mod oidc;
pub mod pdf;
pub mod xsd;

#[cfg(feature = "sql")]
pub use banco::{Ambiente, Backend, PG_PREDEFINITO, esegui, pg_disponibile, pg_url};

/// The variable that makes [`file_generato`] rewrite a stale file instead of failing.
pub const VARIABILE_AGGIORNA: &str = "ISEE_AGGIORNA";

/// Checks that the committed file at `percorso` is exactly `contenuto` (what the code
/// generates now). When it differs: with `ISEE_AGGIORNA=1` the file is rewritten and
/// the check passes (review and commit the diff); otherwise it panics with a message
/// that names the file and `rigenera`, the command that regenerates it.
pub fn file_generato(percorso: &Path, contenuto: &str, rigenera: &str) {
    let committato = std::fs::read_to_string(percorso).unwrap_or_default();
    if committato == contenuto {
        return;
    }
    if std::env::var(VARIABILE_AGGIORNA).is_ok_and(|v| v == "1") {
        std::fs::write(percorso, contenuto)
            .unwrap_or_else(|e| panic!("scrittura di {}: {e}", percorso.display()));
        eprintln!(
            "{} riscritto: rivedere e committare il diff",
            percorso.display()
        );
        return;
    }
    panic!(
        "{} non corrisponde a ciò che il codice genera: rigenerarlo con `{rigenera}` \
         (oppure rilanciare il test con {VARIABILE_AGGIORNA}=1), rivedere e committare il diff",
        percorso.display()
    );
}

/// One async test body on both backends.
///
/// `su_entrambi!(a, b)` makes `a::sqlite`, `a::postgres`, `b::sqlite`, `b::postgres`
/// out of `async fn a(amb: isee_prova::Ambiente)` and `async fn b(…)`.
///
/// `su_entrambi!(apri = crate::comune::apri; a, b)` first passes the [`Ambiente`]
/// through the crate's fixture `async fn apri(amb: Ambiente) -> T` (which opens the
/// crate's store), and the bodies take a `T`.
///
/// The calling crate needs `tokio` (with `macros` and `rt-multi-thread`) among its
/// dev-dependencies.
#[cfg(feature = "sql")]
#[macro_export]
macro_rules! su_entrambi {
    (apri = $apri:path; $($nome:ident),* $(,)?) => {$(
        mod $nome {
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::esegui($crate::Backend::Sqlite, |amb| async move {
                    super::$nome($apri(amb).await).await
                })
                .await;
            }

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::esegui($crate::Backend::Postgres, |amb| async move {
                    super::$nome($apri(amb).await).await
                })
                .await;
            }
        }
    )*};
    ($($nome:ident),* $(,)?) => {$(
        mod $nome {
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::esegui($crate::Backend::Sqlite, super::$nome).await;
            }

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::esegui($crate::Backend::Postgres, super::$nome).await;
            }
        }
    )*};
}

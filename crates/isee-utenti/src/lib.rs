//! isee-utenti: the web portal's local accounts, login protection and server-side
//! sessions (issue 12). A library: the portal (`isee-portale`) calls it; it knows no
//! HTTP beyond the text of a cookie and of an `Origin` header.
//!
//! # The model
//!
//! * **Accounts** ([`Utente`]): a username ([`NomeUtente`], a lower-case login or
//!   e-mail address), a display name, a [`Ruolo`] (citizen, CAF operator,
//!   administrator), a citizen's verified fiscal code or an operator's CAF code, and
//!   an Argon2id password hash ([`password`]: OWASP's parameters, PHC strings, a
//!   policy of at least 12 characters whose every breach is reported at once).
//! * **Login** ([`Utenti::accedi`]): always exactly one Argon2id verification (against
//!   a dummy hash when the name is unknown), so the time does not tell whether a name
//!   exists; the answer to every refusal is the one [`ErroreAccesso::Rifiutato`]. The
//!   caller pads the answer to [`TentativoAccesso::ritardo_minimo`].
//! * **Lock-out** ([`PoliticaBlocco`]): 5 failures in a row lock the typed name for 1
//!   minute, each further lock twice as long up to 1 hour; a success resets it. The
//!   counter is per typed name, existing or not, under a keyed hash of it, so an unknown
//!   name locks like a real one; two concurrent failures count two.
//! * **Sessions** ([`Sessione`], [`Utenti::sessione`]): kept in the store under the
//!   SHA-256 of a 256-bit random id; 30 minutes idle, 12 hours in all; the last use
//!   written at most once a minute. A login always makes a new id and ends the one the
//!   browser had ([`Utenti::ruota`] does the same for a privilege change); a change of
//!   role or a disabled account ends the account's sessions; a password reset ends them
//!   all. [`ConfigCookie`] writes the `__Host-isee_sessione` cookie (`HttpOnly`,
//!   `Secure`, `SameSite=Lax`, `Path=/`).
//! * **CSRF** ([`Segreto`]): a per-session synchronizer token, HMAC-SHA256 of the
//!   session under the server's key, checked in constant time, plus
//!   [`verifica_origine`] on the `Origin` (or `Referer`) of every state-changing request.
//! * **Password reset** ([`Utenti::richiedi_reset`], [`Utenti::reimposta_password`]):
//!   a random token stored as its SHA-256, valid 30 minutes, once; a new request
//!   replaces it.
//! * **Events** ([`EventoUtente`]): every operation that matters to an audit returns
//!   its events, with no password, session id, token, fiscal code or username in
//!   clear; the caller logs them.
//!
//! * **OpenID Connect** ([`oidc`]): the pending login between the redirect to the
//!   identity provider and the return (single use, 10 minutes, bound to the browser),
//!   and the link from a verified identity to a citizen's account, created at the
//!   first sign-in; never an operator or an administrator.
//!
//! * **Drafts** ([`Bozza`], [`StoreBozze`]): the portal's DSU wizard saves the form
//!   as typed at every step under the account; another account's draft does not exist.
//!
//! Time is never read here: every operation takes `adesso`, so tests need no sleeps
//! and all processes of a deployment agree with the caller's clock. The storage is
//! the [`StoreUtenti`] trait; [`StoreSql`] implements it on SQLite and PostgreSQL
//! (sqlx `Any`, migrations in `migrations/`, docs/SICUREZZA.md "Account e sessioni
//! del portale").

pub mod blocco;
pub mod bozza;
pub mod csrf;
pub mod errore;
pub mod evento;
pub mod oidc;
pub mod password;
pub mod servizio;
pub mod sessione;
pub mod store;
pub mod utente;

pub use blocco::{PoliticaBlocco, StatoBlocco};
pub use bozza::{Bozza, ContenutoBozza, IdBozza};
pub use csrf::{Segreto, verifica_origine};
pub use errore::{ErroreAccesso, ErroreReset, ErroreUtenti};
pub use evento::{EventoUtente, MotivoRifiuto, TipoEvento};
pub use oidc::{
    AvvioOidc, CollegamentoOidc, ErroreAccessoOidc, ErroreAttesaOidc, ErroreRipresaOidc,
    IdentitaOidc, RipresaOidc, TentativoOidc,
};
pub use password::{ParametriArgon2, PoliticaPassword};
pub use servizio::{
    Accesso, EsitoReset, Regole, RichiestaReset, SessioneAttiva, TentativoAccesso, Utenti,
};
pub use sessione::{
    ConfigCookie, NOME_COOKIE, NOME_COOKIE_HTTP, PoliticaSessione, Sessione, Token,
};
pub use store::{Configurazione, Pulizia, StoreBozze, StoreOidc, StoreSql, StoreUtenti};
pub use utente::{IdUtente, NomeUtente, NuovoUtente, NuovoUtenteValido, Ruolo, Utente};

//! The server's secret, and what it protects: CSRF tokens, and the keyed hashes of
//! usernames (lock-out keys, events).
//!
//! CSRF defence is the synchronizer token: each form carries
//! [`Segreto::token_csrf`], an HMAC-SHA256 under the server's key of the session it
//! belongs to, and a POST is accepted only when [`Segreto::verifica_csrf`] finds it
//! right (compared in constant time) and [`verifica_origine`] finds its `Origin` (or,
//! without one, its `Referer`) to be the portal's own. The token needs no storage and
//! changes when the session id changes (login, rotation).

use crate::sessione::{ErroreCasuale, Sessione};
use std::fmt;
use subtle::ConstantTimeEq as _;

/// The server's 256-bit key. Its `Debug` does not show it.
#[derive(Clone)]
pub struct Segreto([u8; 32]);

/// Domain separation between the uses of the one key.
const USO_CSRF: &[u8] = b"isee-utenti/csrf/v1\0";
const USO_NOME: &[u8] = b"isee-utenti/nome/v1\0";
const USO_PRESESSIONE: &[u8] = b"isee-utenti/csrf-presessione/v1\0";
const USO_NONCE_OIDC: &[u8] = b"isee-utenti/oidc-nonce/v1\0";
const USO_PKCE_OIDC: &[u8] = b"isee-utenti/oidc-pkce/v1\0";
const USO_SOGGETTO_OIDC: &[u8] = b"isee-utenti/oidc-soggetto/v1\0";

impl Segreto {
    /// From 32 bytes the deployment keeps (the portal's key file).
    pub fn da_byte(b: [u8; 32]) -> Segreto {
        Segreto(b)
    }

    /// A fresh random key (tests, demo: tokens then do not survive a restart).
    pub fn genera() -> Result<Segreto, ErroreCasuale> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|e| ErroreCasuale(e.to_string()))?;
        Ok(Segreto(b))
    }

    /// The CSRF token of `sessione`: 64 hex digits, HMAC-SHA256 of the session's id
    /// (through its SHA-256, the form the server holds) under this key.
    pub fn token_csrf(&self, sessione: &Sessione) -> String {
        hex::encode(isee_hash::hmac_sha256(
            &self.0,
            &[USO_CSRF, sessione.impronta.as_bytes()],
        ))
    }

    /// Whether `token` is `sessione`'s CSRF token, in constant time.
    pub fn verifica_csrf(&self, sessione: &Sessione, token: &str) -> bool {
        let atteso = self.token_csrf(sessione);
        bool::from(atteso.as_bytes().ct_eq(token.trim().as_bytes()))
    }

    /// The CSRF token of a pre-session (the forms of a browser with no session: login,
    /// password reset, simulatore): HMAC-SHA256 under this key of `valore`, the random
    /// text of the browser's pre-session cookie (signed double submit). Separate from
    /// [`Segreto::token_csrf`] by its own domain tag.
    pub fn token_csrf_presessione(&self, valore: &str) -> String {
        hex::encode(isee_hash::hmac_sha256(
            &self.0,
            &[USO_PRESESSIONE, valore.as_bytes()],
        ))
    }

    /// Whether `token` is the pre-session `valore`'s CSRF token, in constant time.
    pub fn verifica_csrf_presessione(&self, valore: &str, token: &str) -> bool {
        let atteso = self.token_csrf_presessione(valore);
        bool::from(atteso.as_bytes().ct_eq(token.trim().as_bytes()))
    }

    /// A keyed hash of a username (hex): the lock-out key and the name in events, so
    /// that neither the store's lock-out table nor the audit log holds e-mail
    /// addresses, and neither can be matched against a list of addresses without the
    /// key.
    pub fn impronta_nome(&self, nome_normalizzato: &str) -> String {
        hex::encode(isee_hash::hmac_sha256(
            &self.0,
            &[USO_NOME, nome_normalizzato.as_bytes()],
        ))
    }
}

impl Segreto {
    /// The OpenID Connect `nonce` of a pending login (64 hex digits): HMAC-SHA256 under
    /// this key of the browser's pending-login value and of the `state`, so the store
    /// need not keep it and only this browser's callback can reproduce it.
    pub fn nonce_oidc(&self, browser: &str, stato: &str) -> String {
        hex::encode(isee_hash::hmac_sha256(
            &self.0,
            &[USO_NONCE_OIDC, browser.as_bytes(), b"\0", stato.as_bytes()],
        ))
    }

    /// The PKCE `code_verifier` of a pending login (RFC 7636: 64 hex digits, all
    /// unreserved characters), derived like [`Segreto::nonce_oidc`] under its own tag.
    pub fn verificatore_pkce(&self, browser: &str, stato: &str) -> String {
        hex::encode(isee_hash::hmac_sha256(
            &self.0,
            &[USO_PKCE_OIDC, browser.as_bytes(), b"\0", stato.as_bytes()],
        ))
    }

    /// A keyed hash of an identity at a provider (issuer and `sub`), what events and
    /// logs carry instead of the `sub`.
    pub fn impronta_soggetto(&self, emittente: &str, soggetto: &str) -> String {
        hex::encode(isee_hash::hmac_sha256(
            &self.0,
            &[
                USO_SOGGETTO_OIDC,
                emittente.as_bytes(),
                b"\0",
                soggetto.as_bytes(),
            ],
        ))
    }
}

impl fmt::Debug for Segreto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Segreto(***)")
    }
}

/// Whether a request's `Origin` header, or without one its `Referer`, names the
/// portal's origin `atteso` (`https://isee.example.it`, with the port if not the
/// scheme's default). Scheme and host compare case-insensitively; `null`, an empty
/// value, another scheme, host or port, and a host that only starts like the expected
/// one (`https://isee.example.it.evil.com`) are refused.
pub fn verifica_origine(origine_o_referer: &str, atteso: &str) -> bool {
    let v = origine_o_referer.trim();
    let atteso = atteso.trim().trim_end_matches('/');
    if atteso.is_empty() || v.is_empty() || v.eq_ignore_ascii_case("null") {
        return false;
    }
    // The origin part of a URL: up to the first '/', '?' or '#' after "scheme://".
    let Some(inizio_host) = v.find("://").map(|i| i + 3) else {
        return false;
    };
    let fine = v[inizio_host..]
        .find(['/', '?', '#'])
        .map_or(v.len(), |i| inizio_host + i);
    let origine = &v[..fine];
    // Userinfo (`https://isee.example.it@evil.com`) is never a same-origin form.
    if origine[inizio_host..].contains('@') {
        return false;
    }
    origine.eq_ignore_ascii_case(atteso)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sessione::Token;
    use crate::utente::{IdUtente, Ruolo};
    use chrono::{TimeZone, Utc};

    fn sessione(impronta: &str) -> Sessione {
        let t = Utc.with_ymd_and_hms(2026, 5, 1, 8, 0, 0).unwrap();
        Sessione {
            impronta: impronta.into(),
            utente: IdUtente(7),
            ruolo: Ruolo::Cittadino,
            creata_il: t,
            ultimo_uso: t,
        }
    }

    #[test]
    fn token_csrf_legato_a_sessione_e_chiave() {
        let k = Segreto::da_byte([1; 32]);
        let s = sessione(&Token::genera().unwrap().impronta());
        let t = k.token_csrf(&s);
        assert_eq!(t.len(), 64);
        assert!(k.verifica_csrf(&s, &t));
        assert!(!k.verifica_csrf(&s, &t[..63]));
        assert!(!k.verifica_csrf(&s, ""));
        let altra = sessione(&Token::genera().unwrap().impronta());
        assert!(!k.verifica_csrf(&altra, &t));
        assert!(!Segreto::da_byte([2; 32]).verifica_csrf(&s, &t));
        // Deterministic: the same session gets the same token on every page.
        assert_eq!(k.token_csrf(&s), t);
        assert_eq!(format!("{k:?}"), "Segreto(***)");
    }

    #[test]
    fn impronta_del_nome_con_chiave() {
        let a = Segreto::da_byte([1; 32]);
        let b = Segreto::da_byte([2; 32]);
        assert_eq!(a.impronta_nome("mario"), a.impronta_nome("mario"));
        assert_ne!(a.impronta_nome("mario"), b.impronta_nome("mario"));
        assert_ne!(a.impronta_nome("mario"), isee_hash::sha256_hex(b"mario"));
    }

    #[test]
    fn origine_uguale_o_rifiutata() {
        let p = "https://isee.example.it";
        assert!(verifica_origine("https://isee.example.it", p));
        assert!(verifica_origine(
            "HTTPS://ISEE.example.it",
            "https://isee.example.it/"
        ));
        assert!(verifica_origine("https://isee.example.it/accesso?x=1", p));
        assert!(verifica_origine("https://isee.example.it#f", p));
        for cattiva in [
            "",
            "null",
            "http://isee.example.it",
            "https://isee.example.it:8443",
            "https://isee.example.it.evil.com",
            "https://evil.com/https://isee.example.it",
            "https://isee.example.it@evil.com/",
            "isee.example.it",
        ] {
            assert!(!verifica_origine(cattiva, p), "{cattiva}");
        }
        assert!(verifica_origine(
            "http://localhost:8080/x",
            "http://localhost:8080"
        ));
        assert!(!verifica_origine("https://isee.example.it", ""));
    }
}

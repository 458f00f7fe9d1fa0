//! Server-side sessions: random ids, what the store keeps of them, their timeouts and
//! the cookie that carries them.
//!
//! The id is 256 random bits from the operating system, sent to the browser as 64 hex
//! digits and stored only as its SHA-256: a copy of the database does not let anyone
//! sign in. The same holds for password-reset tokens ([`Token`] is the type of both).

use crate::utente::{IdUtente, Ruolo};
use chrono::{DateTime, TimeDelta, Utc};
use std::fmt;
use std::time::Duration;

/// A random 256-bit secret: a session id or a password-reset token. Its `Debug` does
/// not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token([u8; 32]);

/// The operating system gave no randomness.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("generatore casuale del sistema operativo non disponibile: {0}")]
pub struct ErroreCasuale(pub(crate) String);

impl Token {
    /// 32 bytes from the OS generator (`getrandom`).
    pub fn genera() -> Result<Token, ErroreCasuale> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|e| ErroreCasuale(e.to_string()))?;
        Ok(Token(b))
    }

    /// Reads the 64 lowercase hex digits [`Token::testo`] writes; anything else
    /// (another length, upper case, other characters) is `None`.
    pub fn da_testo(s: &str) -> Option<Token> {
        if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let mut b = [0u8; 32];
        hex::decode_to_slice(s, &mut b).ok()?;
        Some(Token(b))
    }

    /// The secret as the browser (or the e-mail with the reset link) carries it.
    pub fn testo(&self) -> String {
        hex::encode(self.0)
    }

    /// What the store keeps: the SHA-256 of the bytes, as hex.
    pub fn impronta(&self) -> String {
        isee_hash::sha256_hex(&self.0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// Session timeouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoliticaSessione {
    /// A session unused this long ends.
    pub inattivita: Duration,
    /// A session ends this long after the login, however much it is used.
    pub durata_massima: Duration,
    /// The last use is written at most this often (a page view that finds it more
    /// recent writes nothing).
    pub intervallo_aggiornamento: Duration,
}

impl Default for PoliticaSessione {
    /// 30 minutes idle, 12 hours in all, one write a minute (docs/SCELTE.md).
    fn default() -> PoliticaSessione {
        PoliticaSessione {
            inattivita: Duration::from_secs(30 * 60),
            durata_massima: Duration::from_secs(12 * 3600),
            intervallo_aggiornamento: Duration::from_secs(60),
        }
    }
}

pub(crate) fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// A session as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sessione {
    /// SHA-256 (hex) of the session id; the id itself is never stored.
    pub impronta: String,
    pub utente: IdUtente,
    /// The role when the session was made: a change of role ends the sessions.
    pub ruolo: Ruolo,
    /// The login. A rotation keeps it: the 12-hour limit counts from here.
    pub creata_il: DateTime<Utc>,
    pub ultimo_uso: DateTime<Utc>,
}

impl Sessione {
    /// When the session ends if it is not used again.
    pub fn scade_il(&self, politica: &PoliticaSessione) -> DateTime<Utc> {
        let inattiva = self
            .ultimo_uso
            .checked_add_signed(delta(politica.inattivita))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let assoluta = self
            .creata_il
            .checked_add_signed(delta(politica.durata_massima))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        inattiva.min(assoluta)
    }

    pub fn valida(&self, politica: &PoliticaSessione, adesso: DateTime<Utc>) -> bool {
        adesso < self.scade_il(politica)
    }

    /// Whether a use at `adesso` should write the new last use.
    pub fn da_aggiornare(&self, politica: &PoliticaSessione, adesso: DateTime<Utc>) -> bool {
        adesso - self.ultimo_uso >= delta(politica.intervallo_aggiornamento)
    }
}

/// The session cookie's name, with the `__Host-` prefix: the browser accepts it only
/// when `Secure`, with `Path=/` and no `Domain`, so a sibling subdomain or a plain-HTTP
/// page cannot plant or overwrite it.
pub const NOME_COOKIE: &str = "__Host-isee_sessione";

/// The name without the prefix, for the plain-HTTP local demo only (browsers refuse a
/// `__Host-` cookie without `Secure`).
pub const NOME_COOKIE_HTTP: &str = "isee_sessione";

/// How the session cookie is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigCookie {
    /// `Secure` and the `__Host-` prefix. Turn off only for the demo on
    /// `http://localhost`.
    pub sicuro: bool,
}

impl Default for ConfigCookie {
    fn default() -> ConfigCookie {
        ConfigCookie { sicuro: true }
    }
}

impl ConfigCookie {
    /// The cookie's name: [`NOME_COOKIE`], or [`NOME_COOKIE_HTTP`] when not secure.
    pub fn nome(&self) -> &'static str {
        if self.sicuro {
            NOME_COOKIE
        } else {
            NOME_COOKIE_HTTP
        }
    }

    /// The `Set-Cookie` value that gives the browser session `id`: `HttpOnly`
    /// (no script reads it), `SameSite=Lax`, `Path=/`, `Secure` unless turned off, and
    /// `Max-Age` the session's maximum duration (the server ends it earlier when idle).
    pub fn imposta(&self, id: &Token, politica: &PoliticaSessione) -> String {
        self.intestazione(&id.testo(), politica.durata_massima.as_secs())
    }

    /// The `Set-Cookie` value that removes the cookie (logout).
    pub fn cancella(&self) -> String {
        self.intestazione("", 0)
    }

    fn intestazione(&self, valore: &str, max_age: u64) -> String {
        let mut s = format!(
            "{}={valore}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax",
            self.nome()
        );
        if self.sicuro {
            s.push_str("; Secure");
        }
        s
    }

    /// The session id in a request's `Cookie` header, if there is one well formed.
    pub fn leggi(&self, intestazione_cookie: &str) -> Option<Token> {
        intestazione_cookie
            .split(';')
            .filter_map(|c| c.trim().split_once('='))
            .find(|(n, _)| *n == self.nome())
            .and_then(|(_, v)| Token::da_testo(v.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn token_casuali_distinti_e_impronta_sha256() {
        let a = Token::genera().unwrap();
        let b = Token::genera().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.testo().len(), 64);
        assert_eq!(
            a.impronta(),
            isee_hash::sha256_hex(&hex::decode(a.testo()).unwrap())
        );
        assert_ne!(a.impronta(), a.testo());
        assert_eq!(format!("{a:?}"), "Token(***)");
    }

    #[test]
    fn token_malformati_rifiutati() {
        let t = Token::genera().unwrap().testo();
        assert!(Token::da_testo(&t).is_some());
        assert!(Token::da_testo(&"AB".repeat(32)).is_none());
        assert!(Token::da_testo(&t[1..]).is_none());
        assert!(Token::da_testo(&format!("{}g", &t[1..])).is_none());
        assert!(Token::da_testo("").is_none());
    }

    proptest! {
        #[test]
        fn token_andata_e_ritorno(b in proptest::array::uniform32(any::<u8>())) {
            let t = Token(b);
            let letto = Token::da_testo(&t.testo()).unwrap();
            prop_assert_eq!(letto.impronta(), t.impronta());
            prop_assert!(letto == t);
        }

        #[test]
        fn testo_arbitrario_mai_un_panico(s in ".{0,80}") {
            if let Some(t) = Token::da_testo(&s) {
                prop_assert_eq!(t.testo(), s);
            }
        }
    }

    #[test]
    fn cookie_sicuro_con_prefisso_host() {
        let id = Token::da_testo(&"ab".repeat(32)).unwrap();
        let c = ConfigCookie::default();
        let v = c.imposta(&id, &PoliticaSessione::default());
        assert_eq!(
            v,
            format!(
                "__Host-isee_sessione={}; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax; Secure",
                "ab".repeat(32)
            )
        );
        assert!(!v.contains("Domain"));
        assert_eq!(
            c.cancella(),
            "__Host-isee_sessione=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure"
        );
        let letto = c
            .leggi(&format!(
                "altro=1; __Host-isee_sessione={} ; x=y",
                "ab".repeat(32)
            ))
            .unwrap();
        assert_eq!(letto, id);
        assert!(
            c.leggi(&format!("isee_sessione={}", "ab".repeat(32)))
                .is_none()
        );
        assert!(c.leggi("__Host-isee_sessione=corto").is_none());
    }

    #[test]
    fn cookie_in_chiaro_senza_prefisso_e_senza_secure() {
        let id = Token::genera().unwrap();
        let c = ConfigCookie { sicuro: false };
        let v = c.imposta(&id, &PoliticaSessione::default());
        assert!(v.starts_with("isee_sessione="), "{v}");
        assert!(!v.contains("Secure") && !v.contains("__Host-"), "{v}");
        assert!(v.contains("HttpOnly") && v.contains("SameSite=Lax") && v.contains("Path=/"));
        assert_eq!(c.leggi(&format!("isee_sessione={}", id.testo())), Some(id));
    }

    #[test]
    fn scadenza_per_inattivita_e_assoluta() {
        let p = PoliticaSessione::default();
        let t0 = Utc.with_ymd_and_hms(2026, 5, 1, 8, 0, 0).unwrap();
        let mut s = Sessione {
            impronta: String::new(),
            utente: IdUtente(1),
            ruolo: Ruolo::Cittadino,
            creata_il: t0,
            ultimo_uso: t0,
        };
        assert!(s.valida(&p, t0 + TimeDelta::minutes(29)));
        assert!(!s.valida(&p, t0 + TimeDelta::minutes(30)));
        assert!(!s.da_aggiornare(&p, t0 + TimeDelta::seconds(59)));
        assert!(s.da_aggiornare(&p, t0 + TimeDelta::seconds(60)));
        s.ultimo_uso = t0 + TimeDelta::hours(11) + TimeDelta::minutes(50);
        assert_eq!(s.scade_il(&p), t0 + TimeDelta::hours(12));
        assert!(!s.valida(&p, t0 + TimeDelta::hours(12)));
    }
}

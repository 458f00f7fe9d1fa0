//! Passwords: the policy a new password must meet, and Argon2id hashes as PHC strings.
//!
//! The parameters are OWASP's first recommendation for Argon2id (Password Storage
//! Cheat Sheet): 19 MiB of memory, 2 passes, 1 lane (docs/SCELTE.md). They are written
//! into every PHC string, so a hash made with older parameters still verifies after a
//! change, and [`richiede_aggiornamento`] tells when to rehash it at the next login.

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};

/// Argon2id parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParametriArgon2 {
    /// Memory in KiB.
    pub memoria_kib: u32,
    /// Passes over the memory.
    pub passaggi: u32,
    /// Lanes.
    pub parallelismo: u32,
}

impl ParametriArgon2 {
    /// OWASP's recommendation: m = 19456 KiB, t = 2, p = 1.
    pub const OWASP: ParametriArgon2 = ParametriArgon2 {
        memoria_kib: 19_456,
        passaggi: 2,
        parallelismo: 1,
    };

    fn argon2(self) -> Result<Argon2<'static>, ErroreHash> {
        let params = Params::new(self.memoria_kib, self.passaggi, self.parallelismo, None)
            .map_err(|e| ErroreHash(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

impl Default for ParametriArgon2 {
    fn default() -> ParametriArgon2 {
        ParametriArgon2::OWASP
    }
}

/// A hash could not be computed (invalid parameters, no randomness from the OS).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("calcolo dell'impronta della password non riuscito: {0}")]
pub struct ErroreHash(String);

/// The rules a new password must meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoliticaPassword {
    /// Minimum length, in characters (Unicode scalar values).
    pub minimo: usize,
    /// Maximum length, in characters: bounds the work of a hash.
    pub massimo: usize,
}

impl Default for PoliticaPassword {
    /// At least 12 characters, at most 128 (docs/SCELTE.md).
    fn default() -> PoliticaPassword {
        PoliticaPassword {
            minimo: 12,
            massimo: 128,
        }
    }
}

impl PoliticaPassword {
    /// Every rule `password` breaks, as Italian messages for the user; empty when it
    /// is acceptable. `nome_utente` is the account's username (login or e-mail): a
    /// password equal to it, ignoring case and surrounding spaces, is refused, and so
    /// is one equal to the local part of an e-mail address.
    pub fn problemi(&self, password: &str, nome_utente: &str) -> Vec<String> {
        let mut problemi = Vec::new();
        let n = password.chars().count();
        if n < self.minimo {
            problemi.push(format!(
                "la password deve avere almeno {} caratteri",
                self.minimo
            ));
        }
        if n > self.massimo {
            problemi.push(format!(
                "la password può avere al massimo {} caratteri",
                self.massimo
            ));
        }
        let mut caratteri = password.chars();
        if let Some(primo) = caratteri.next()
            && caratteri.all(|c| c == primo)
        {
            problemi.push("la password non può essere un solo carattere ripetuto".into());
        }
        let p = password.trim().to_lowercase();
        let u = nome_utente.trim().to_lowercase();
        let locale = u.split('@').next().unwrap_or("");
        if !u.is_empty() && (p == u || p == locale) {
            problemi.push("la password non può coincidere con il nome utente".into());
        }
        problemi
    }

    /// `Ok` when `password` meets every rule, else every message of [`Self::problemi`].
    pub fn verifica(&self, password: &str, nome_utente: &str) -> Result<(), Vec<String>> {
        let p = self.problemi(password, nome_utente);
        if p.is_empty() { Ok(()) } else { Err(p) }
    }
}

/// The Argon2id hash of `password` with a fresh 16-byte random salt, as a PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$…`). CPU-bound for tens of milliseconds: async
/// callers run it on a blocking thread (the service does).
pub fn calcola_hash(password: &str, parametri: ParametriArgon2) -> Result<String, ErroreHash> {
    let h = parametri
        .argon2()?
        .hash_password(password.as_bytes())
        .map_err(|e| ErroreHash(e.to_string()))?;
    Ok(h.to_string())
}

/// Whether `password` matches the PHC string `hash`. The comparison of the outputs
/// is constant-time (password-hash's `Output`); a malformed hash is a mismatch.
pub fn verifica_password(password: &str, hash: &str) -> bool {
    let Ok(h) = PasswordHash::new(hash) else {
        return false;
    };
    // The parameters are read from the PHC string, not from this instance.
    Argon2::default()
        .verify_password(password.as_bytes(), &h)
        .is_ok()
}

/// Whether `hash` was made with other parameters (or another algorithm) than
/// `parametri`: rehash it after the next successful login.
pub fn richiede_aggiornamento(hash: &str, parametri: ParametriArgon2) -> bool {
    let Ok(h) = PasswordHash::new(hash) else {
        return true;
    };
    let Ok(p) = Params::try_from(&h) else {
        return true;
    };
    h.algorithm.as_str() != "argon2id"
        || h.version != Some(0x13)
        || p.m_cost() != parametri.memoria_kib
        || p.t_cost() != parametri.passaggi
        || p.p_cost() != parametri.parallelismo
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Fast parameters for the round trips; the OWASP ones are checked once below.
    const VELOCI: ParametriArgon2 = ParametriArgon2 {
        memoria_kib: 64,
        passaggi: 1,
        parallelismo: 1,
    };

    #[test]
    fn hash_con_i_parametri_owasp_in_formato_phc() {
        let h = calcola_hash("una password lunga", ParametriArgon2::OWASP).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verifica_password("una password lunga", &h));
        assert!(!verifica_password("una password lungA", &h));
        assert!(!richiede_aggiornamento(&h, ParametriArgon2::OWASP));
        assert!(richiede_aggiornamento(&h, VELOCI));
    }

    #[test]
    fn sale_diverso_a_ogni_hash() {
        let a = calcola_hash("stessa password!", VELOCI).unwrap();
        let b = calcola_hash("stessa password!", VELOCI).unwrap();
        assert_ne!(a, b);
        assert!(verifica_password("stessa password!", &a));
        assert!(verifica_password("stessa password!", &b));
    }

    #[test]
    fn hash_malformato_non_verifica_mai() {
        assert!(!verifica_password("qualsiasi", ""));
        assert!(!verifica_password("qualsiasi", "$argon2id$v=19$garbage"));
        assert!(richiede_aggiornamento("non un hash", VELOCI));
    }

    #[test]
    fn politica_dice_ogni_problema() {
        let p = PoliticaPassword::default();
        assert_eq!(
            p.problemi("correct horse battery", "mario"),
            Vec::<String>::new()
        );
        let corta = p.problemi("aaaa", "mario");
        assert_eq!(corta.len(), 2, "{corta:?}");
        assert!(corta[0].contains("almeno 12"));
        assert!(corta[1].contains("ripetuto"));
        assert_eq!(
            p.problemi("Mario.Rossi@Example.it", "mario.rossi@example.it"),
            vec!["la password non può coincidere con il nome utente".to_string()]
        );
        assert_eq!(
            p.problemi("mario.rossi1", "mario.rossi1@example.it").len(),
            1
        );
        assert!(p.problemi(&"ab".repeat(65), "x")[0].contains("al massimo 128"));
        // Characters, not bytes: 12 accented letters are enough.
        assert!(p.problemi("àèìòùàèìòùàé", "x").is_empty());
        assert!(p.verifica("", "x").is_err());
    }

    proptest! {
        /// The policy accepts exactly the passwords of 12 to 128 characters that are
        /// not one repeated character and not the username, and names each breach.
        #[test]
        fn politica_accetta_esattamente_le_password_ammesse(
            password in "\\PC{0,140}",
            nome in "[a-z]{3,12}",
        ) {
            let p = PoliticaPassword::default();
            let n = password.chars().count();
            let ripetuta = password.chars().all(|c| password.starts_with(c));
            let uguale = password.trim().to_lowercase() == nome;
            let problemi = p.problemi(&password, &nome);
            let attesi = usize::from(n < 12) + usize::from(n > 128)
                + usize::from(ripetuta && n > 0) + usize::from(uguale);
            prop_assert_eq!(problemi.len(), attesi, "{:?}", problemi);
            prop_assert_eq!(p.verifica(&password, &nome).is_ok(), attesi == 0);
        }

        #[test]
        fn password_ripetuta_sempre_rifiutata(c in any::<char>(), n in 12usize..129) {
            let password: String = std::iter::repeat_n(c, n).collect();
            let problemi = PoliticaPassword::default().problemi(&password, "mario");
            prop_assert!(problemi.iter().any(|m| m.contains("ripetuto")), "{:?}", problemi);
        }
    }
}

//! Accounts: who may sign in to the portal, with which role.

use chrono::{DateTime, Utc};
use isee_core::codice_fiscale::{CodiceFiscale, verifica};
use std::fmt;

/// What an account may do on the portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ruolo {
    /// A citizen: sees their own DSUs and attestations.
    Cittadino,
    /// An operator of a CAF: files DSUs for the citizens who come to it.
    OperatoreCaf,
    /// Manages accounts.
    Amministratore,
}

impl Ruolo {
    /// The name stored in the database.
    pub fn nome(self) -> &'static str {
        match self {
            Ruolo::Cittadino => "cittadino",
            Ruolo::OperatoreCaf => "operatore_caf",
            Ruolo::Amministratore => "amministratore",
        }
    }

    pub fn da_nome(s: &str) -> Option<Ruolo> {
        [Ruolo::Cittadino, Ruolo::OperatoreCaf, Ruolo::Amministratore]
            .into_iter()
            .find(|r| r.nome() == s)
    }
}

/// An account's number, given by the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct IdUtente(pub i64);

impl fmt::Display for IdUtente {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A username: a login (`[a-z0-9._-]`, 3 to 64 characters, starting with a letter or
/// digit) or an e-mail address (at most 254 characters), always lower-case, so that
/// `Mario.Rossi@Example.it` and `mario.rossi@example.it` are the same account.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NomeUtente(String);

impl NomeUtente {
    /// Trims, lower-cases and checks `s`; the error is the Italian message.
    pub fn new(s: &str) -> Result<NomeUtente, String> {
        let s = s.trim().to_lowercase();
        if s.is_empty() {
            return Err("il nome utente è obbligatorio".into());
        }
        if s.contains('@') {
            let (locale, dominio) = s.split_once('@').unwrap_or(("", ""));
            let ok_locale = !locale.is_empty()
                && locale.len() <= 64
                && locale
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b));
            let ok_dominio = dominio.contains('.')
                && !dominio.starts_with('.')
                && !dominio.ends_with('.')
                && !dominio.contains("..")
                && dominio
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
            if s.len() > 254 || !ok_locale || !ok_dominio {
                return Err(format!("«{s}» non è un indirizzo e-mail valido"));
            }
        } else {
            let ok = (3..=64).contains(&s.len())
                && s.as_bytes()[0].is_ascii_alphanumeric()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !ok {
                return Err(
                    "il nome utente deve avere da 3 a 64 caratteri tra lettere, cifre, «.», «_» e «-», e iniziare con una lettera o una cifra"
                        .into(),
                );
            }
        }
        Ok(NomeUtente(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NomeUtente {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for NomeUtente {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NomeUtente({:?})", self.0)
    }
}

/// A stored account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Utente {
    pub id: IdUtente,
    pub nome_utente: NomeUtente,
    /// The name the portal shows ("Mario Rossi").
    pub nome_visualizzato: String,
    pub ruolo: Ruolo,
    /// The citizen's fiscal code (citizens only), checksum verified.
    pub codice_fiscale: Option<CodiceFiscale>,
    /// The CAF an operator works for (operators only).
    pub codice_caf: Option<String>,
    pub creato_il: DateTime<Utc>,
    /// Set when the account was disabled: it can no longer sign in.
    pub disabilitato_il: Option<DateTime<Utc>>,
}

impl Utente {
    pub fn attivo(&self) -> bool {
        self.disabilitato_il.is_none()
    }
}

/// What an administrator (or the citizen's sign-up) gives to create an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NuovoUtente {
    pub nome_utente: String,
    pub nome_visualizzato: String,
    pub ruolo: Ruolo,
    pub codice_fiscale: Option<String>,
    pub codice_caf: Option<String>,
}

/// A [`NuovoUtente`] that passed its checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NuovoUtenteValido {
    pub nome_utente: NomeUtente,
    pub nome_visualizzato: String,
    pub ruolo: Ruolo,
    pub codice_fiscale: Option<CodiceFiscale>,
    pub codice_caf: Option<String>,
}

/// Longest display name kept.
const MASSIMO_NOME: usize = 200;

impl NuovoUtente {
    /// Checks every field; the error lists every problem, in Italian.
    pub fn valida(&self) -> Result<NuovoUtenteValido, Vec<String>> {
        let mut problemi = Vec::new();
        let nome_utente = NomeUtente::new(&self.nome_utente)
            .map_err(|e| problemi.push(e))
            .ok();
        let nome_visualizzato = self.nome_visualizzato.trim().to_string();
        if nome_visualizzato.is_empty() {
            problemi.push("il nome da mostrare è obbligatorio".into());
        } else if nome_visualizzato.chars().count() > MASSIMO_NOME
            || nome_visualizzato.chars().any(char::is_control)
        {
            problemi.push(format!(
                "il nome da mostrare può avere al massimo {MASSIMO_NOME} caratteri, senza caratteri di controllo"
            ));
        }
        let codice_fiscale = match self.codice_fiscale.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(_) if self.ruolo != Ruolo::Cittadino => {
                problemi.push("solo un cittadino ha un codice fiscale associato".into());
                None
            }
            Some(s) => {
                let cf = CodiceFiscale::new(s);
                match verifica(&cf) {
                    Ok(()) => Some(cf),
                    Err(d) => {
                        problemi.push(d.messaggio());
                        None
                    }
                }
            }
        };
        let codice_caf = match self.codice_caf.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(_) if self.ruolo != Ruolo::OperatoreCaf => {
                problemi.push("solo un operatore CAF ha un codice CAF".into());
                None
            }
            Some(s) => {
                if s.len() <= 32 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    Some(s.to_ascii_uppercase())
                } else {
                    problemi.push(
                        "il codice CAF può avere al massimo 32 caratteri tra lettere, cifre e «-»"
                            .into(),
                    );
                    None
                }
            }
        };
        match nome_utente {
            Some(nome_utente) if problemi.is_empty() => Ok(NuovoUtenteValido {
                nome_utente,
                nome_visualizzato,
                ruolo: self.ruolo,
                codice_fiscale,
                codice_caf,
            }),
            _ => Err(problemi),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nomi_utente_minuscoli_e_controllati() {
        assert_eq!(
            NomeUtente::new("  Mario.Rossi@Example.IT ")
                .unwrap()
                .as_str(),
            "mario.rossi@example.it"
        );
        assert_eq!(NomeUtente::new("Op_CAF-01").unwrap().as_str(), "op_caf-01");
        for cattivo in [
            "", "ab", "-abc", "a b c", "mario@", "@x.it", "m@x", "m@.x.it", "m@x..it", "m r@x.it",
        ] {
            assert!(NomeUtente::new(cattivo).is_err(), "{cattivo:?}");
        }
        assert!(NomeUtente::new(&"a".repeat(65)).is_err());
    }

    #[test]
    fn ruoli_dal_nome() {
        for r in [Ruolo::Cittadino, Ruolo::OperatoreCaf, Ruolo::Amministratore] {
            assert_eq!(Ruolo::da_nome(r.nome()), Some(r));
        }
        assert_eq!(Ruolo::da_nome("root"), None);
    }

    fn nuovo(ruolo: Ruolo, cf: Option<&str>, caf: Option<&str>) -> NuovoUtente {
        NuovoUtente {
            nome_utente: "mario.rossi@example.it".into(),
            nome_visualizzato: "Mario Rossi".into(),
            ruolo,
            codice_fiscale: cf.map(str::to_string),
            codice_caf: caf.map(str::to_string),
        }
    }

    #[test]
    fn nuovo_utente_con_codice_fiscale_verificato() {
        let v = nuovo(Ruolo::Cittadino, Some("rssmra80a01h501u"), None)
            .valida()
            .unwrap();
        assert_eq!(v.codice_fiscale.unwrap().as_str(), "RSSMRA80A01H501U");
        let e = nuovo(Ruolo::Cittadino, Some("RSSMRA80A01H501X"), None)
            .valida()
            .unwrap_err();
        assert!(e[0].contains("carattere di controllo"), "{e:?}");
    }

    #[test]
    fn campi_del_ruolo_sbagliato_rifiutati_tutti_insieme() {
        let mut n = nuovo(
            Ruolo::Amministratore,
            Some("RSSMRA80A01H501U"),
            Some("CAF1"),
        );
        n.nome_utente = "x".into();
        let e = n.valida().unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        let v = nuovo(Ruolo::OperatoreCaf, None, Some("caf-001"))
            .valida()
            .unwrap();
        assert_eq!(v.codice_caf.as_deref(), Some("CAF-001"));
    }
}

//! The ente that feeds SIUSS: its code and name, as `codice_ente` /
//! `denominazione_ente` of the flows and `Ente` of the XML.

use crate::errore::{ProblemaCampo, Problemi};

/// A Comune (or another ente) by its Belfiore code (`^[A-Z][0-9]{3}$`, the OpenAPI's
/// `codice_ente`) and its name (at most 100 characters: the XSD's `Denominazione`,
/// stricter than the OpenAPI's 256).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ente {
    codice: String,
    denominazione: String,
}

impl Ente {
    /// Checks both fields, reporting both problems at once.
    pub fn new(codice: &str, denominazione: &str) -> Result<Ente, Problemi> {
        let mut p = Vec::new();
        let c = codice.trim();
        let b = c.as_bytes();
        if !(b.len() == 4 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit)) {
            p.push(ProblemaCampo {
                campo: "codice_ente",
                messaggio: format!(
                    "«{}»: serve il codice Belfiore dell'ente (una lettera maiuscola e tre cifre: H501)",
                    c.chars().take(20).collect::<String>()
                ),
            });
        }
        let d = denominazione.trim();
        let n = d.chars().count();
        if n == 0 || n > 100 || d.chars().any(char::is_control) {
            p.push(ProblemaCampo {
                campo: "denominazione_ente",
                messaggio: format!(
                    "lunghezza {n}: servono da 1 a 100 caratteri, senza caratteri di controllo"
                ),
            });
        }
        if p.is_empty() {
            Ok(Ente {
                codice: c.to_string(),
                denominazione: d.to_string(),
            })
        } else {
            Err(Problemi(p))
        }
    }

    pub fn codice(&self) -> &str {
        &self.codice
    }

    pub fn denominazione(&self) -> &str {
        &self.denominazione
    }
}

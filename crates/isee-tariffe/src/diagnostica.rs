//! Load-time diagnostics: errors refuse the file, warnings let it load; both point at a line.

use std::fmt;
use std::ops::Range;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gravita {
    /// The file is refused.
    Errore,
    /// The file loads, but the office should look at this.
    Avviso,
}

/// One message about a rule file, for the ente's office (in Italian).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostica {
    /// Error or warning.
    pub gravita: Gravita,
    /// 1-based line of the offending text.
    pub riga: usize,
    /// 1-based column (in characters) of the offending text.
    pub colonna: usize,
    /// The message, in Italian.
    pub messaggio: String,
}

impl fmt::Display for Diagnostica {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = match self.gravita {
            Gravita::Errore => "errore",
            Gravita::Avviso => "avviso",
        };
        write!(
            f,
            "riga {}, colonna {}: {g}: {}",
            self.riga, self.colonna, self.messaggio
        )
    }
}

/// A rule file that could not be loaded: every error found, plus the warnings.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", elenco(.diagnostiche))]
pub struct ErroreCaricamento {
    /// Errors first, then warnings, each in file order.
    pub diagnostiche: Vec<Diagnostica>,
}

impl ErroreCaricamento {
    /// Only the errors (what made the file be refused).
    pub fn errori(&self) -> impl Iterator<Item = &Diagnostica> {
        self.diagnostiche
            .iter()
            .filter(|d| d.gravita == Gravita::Errore)
    }
}

fn elenco(diagnostiche: &[Diagnostica]) -> String {
    let errori = diagnostiche
        .iter()
        .filter(|d| d.gravita == Gravita::Errore)
        .count();
    let mut s = format!("file delle regole rifiutato: {errori} errori");
    for d in diagnostiche {
        s.push('\n');
        s.push_str(&d.to_string());
    }
    s
}

/// Collects diagnostics while a file is compiled.
pub(crate) struct Raccolta<'t> {
    testo: &'t str,
    pub(crate) voci: Vec<Diagnostica>,
}

impl<'t> Raccolta<'t> {
    pub(crate) fn nuova(testo: &'t str) -> Self {
        Raccolta {
            testo,
            voci: Vec::new(),
        }
    }

    pub(crate) fn errore(&mut self, span: Range<usize>, messaggio: impl Into<String>) {
        self.aggiungi(Gravita::Errore, span, messaggio.into());
    }

    pub(crate) fn avviso(&mut self, span: Range<usize>, messaggio: impl Into<String>) {
        self.aggiungi(Gravita::Avviso, span, messaggio.into());
    }

    pub(crate) fn ha_errori(&self) -> bool {
        self.voci.iter().any(|d| d.gravita == Gravita::Errore)
    }

    fn aggiungi(&mut self, gravita: Gravita, span: Range<usize>, messaggio: String) {
        let (riga, colonna) = posizione(self.testo, span.start);
        self.voci.push(Diagnostica {
            gravita,
            riga,
            colonna,
            messaggio,
        });
    }

    /// Sorts errors before warnings, each by position, and drops exact duplicates.
    pub(crate) fn ordinate(mut self) -> Vec<Diagnostica> {
        self.voci
            .sort_by_key(|d| (d.gravita == Gravita::Avviso, d.riga, d.colonna));
        self.voci.dedup();
        self.voci
    }
}

/// 1-based line and column of a byte offset.
pub(crate) fn posizione(testo: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(testo.len());
    let prima = &testo[..floor_char_boundary(testo, offset)];
    let riga = prima.matches('\n').count() + 1;
    let inizio_riga = prima.rfind('\n').map_or(0, |i| i + 1);
    let colonna = prima[inizio_riga..].chars().count() + 1;
    (riga, colonna)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Translates the English messages of serde and the TOML parser into Italian for the office.
pub(crate) fn traduci(messaggio: &str) -> String {
    let m = messaggio.trim();
    if let Some(resto) = m.strip_prefix("unknown field ") {
        let (campo, attesi) = resto.split_once(", expected ").unwrap_or((resto, ""));
        let attesi = attesi.trim_start_matches("one of ").replace(" or ", ", ");
        return format!("chiave sconosciuta {campo}; chiavi ammesse qui: {attesi}");
    }
    if let Some(resto) = m.strip_prefix("unknown variant ") {
        let (valore, attesi) = resto.split_once(", expected ").unwrap_or((resto, ""));
        let attesi = attesi.trim_start_matches("one of ").replace(" or ", ", ");
        return format!("valore sconosciuto {valore}; valori ammessi: {attesi}");
    }
    if let Some(campo) = m.strip_prefix("missing field ") {
        return format!("manca la chiave obbligatoria {campo}");
    }
    if let Some(campo) = m.strip_prefix("duplicate field ") {
        return format!("chiave ripetuta {campo}");
    }
    if let Some(resto) = m.strip_prefix("invalid type: ") {
        let (trovato, atteso) = resto.split_once(", expected ").unwrap_or((resto, ""));
        if trovato.starts_with("floating point") {
            return format!(
                "numero in virgola mobile {} non ammesso qui (atteso: {})",
                trovato.trim_start_matches("floating point "),
                traduci_atteso(atteso)
            );
        }
        return format!(
            "tipo di valore non valido: trovato {}, atteso {}",
            traduci_trovato(trovato),
            traduci_atteso(atteso)
        );
    }
    if let Some(resto) = m.strip_prefix("invalid value: ") {
        let (trovato, atteso) = resto.split_once(", expected ").unwrap_or((resto, ""));
        return format!(
            "valore non valido: {}, atteso {}",
            traduci_trovato(trovato),
            traduci_atteso(atteso)
        );
    }
    // Our own messages are already Italian; the rest are TOML syntax errors.
    if m.is_ascii() && !m.contains("è") && starts_english(m) {
        return format!("errore di sintassi TOML: {m}");
    }
    m.to_string()
}

fn starts_english(m: &str) -> bool {
    [
        "invalid",
        "expected",
        "unexpected",
        "duplicate",
        "unclosed",
        "missing",
        "extra",
        "key",
    ]
    .iter()
    .any(|p| m.starts_with(p))
}

fn traduci_trovato(t: &str) -> String {
    t.replace("integer", "intero")
        .replace("string", "testo")
        .replace("boolean", "booleano")
        .replace("sequence", "elenco")
        .replace("map", "tabella")
}

fn traduci_atteso(a: &str) -> String {
    match a {
        "u16" | "u32" | "u8" => "un intero non negativo".to_string(),
        "a boolean" => "true o false".to_string(),
        "a string" => "un testo tra virgolette".to_string(),
        "a sequence" => "un elenco tra parentesi quadre".to_string(),
        s if s.starts_with("struct ") || s == "a map" => "una tabella".to_string(),
        s => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posizione_righe() {
        assert_eq!(posizione("a\nbc\nd", 0), (1, 1));
        assert_eq!(posizione("a\nbc\nd", 3), (2, 2));
        assert_eq!(posizione("a\nbc\nd", 5), (3, 1));
    }

    #[test]
    fn traduzioni() {
        assert_eq!(
            traduci("unknown field `z`, expected `x` or `y`"),
            "chiave sconosciuta `z`; chiavi ammesse qui: `x`, `y`"
        );
        assert_eq!(
            traduci("missing field `id`"),
            "manca la chiave obbligatoria `id`"
        );
    }
}

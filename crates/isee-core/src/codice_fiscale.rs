//! The codice fiscale of a natural person (DM 23-12-1976; DPR 605/1973).
//!
//! Reading never fails on a malformed code: the text is kept, and [`verifica`] says
//! what is wrong, so the validation can report it with every other problem.

use crate::testo_corto::TestoCorto;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CodiceFiscale(TestoCorto);

impl CodiceFiscale {
    /// Takes the text as given, trimmed and upper-cased; use [`verifica`] to check it.
    /// `CodiceFiscale::new(x.as_str()) == x`: what is written reads back the same.
    pub fn new(s: &str) -> CodiceFiscale {
        let s = s.trim();
        if s.bytes().any(|b| b.is_ascii_lowercase()) {
            CodiceFiscale(TestoCorto::senza_spazi(&s.to_ascii_uppercase()))
        } else {
            CodiceFiscale(TestoCorto::senza_spazi(s))
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The code with the middle masked (`RSSMRA*******A`-like), for messages and logs
    /// where the full code is not needed.
    pub fn mascherato(&self) -> String {
        let s = self.as_str();
        if s.len() < 8 || !s.is_ascii() {
            return "*".repeat(s.chars().count());
        }
        format!(
            "{}{}{}",
            &s[..6],
            "*".repeat(s.len() - 7),
            &s[s.len() - 1..]
        )
    }
}

impl fmt::Display for CodiceFiscale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CodiceFiscale {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(CodiceFiscale::new(&s))
    }
}

impl schemars::JsonSchema for CodiceFiscale {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CodiceFiscale".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Codice fiscale di persona fisica (16 caratteri, con carattere di controllo; omocodia ammessa).",
            "type": "string",
            "pattern": "^[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z]$"
        })
    }
}

/// What is wrong with a codice fiscale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DifettoCf {
    Lunghezza,
    Forma,
    Mese,
    Giorno,
    Controllo { atteso: char },
}

impl DifettoCf {
    pub fn messaggio(self) -> String {
        match self {
            DifettoCf::Lunghezza => "il codice fiscale deve avere 16 caratteri".into(),
            DifettoCf::Forma => "il codice fiscale non ha la forma prevista (6 lettere, 2 cifre, 1 lettera, 2 cifre, 1 lettera, 3 cifre, 1 lettera)".into(),
            DifettoCf::Mese => "il codice fiscale contiene una lettera del mese di nascita inesistente".into(),
            DifettoCf::Giorno => "il codice fiscale contiene un giorno di nascita inesistente".into(),
            DifettoCf::Controllo { atteso } => format!(
                "il carattere di controllo del codice fiscale è errato (atteso «{atteso}»): probabile errore di battitura"
            ),
        }
    }
}

/// Positions that hold digits, which omocodia may replace with the letters LMNPQRSTUV.
const POSIZIONI_NUMERICHE: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];
const OMOCODIA: &[u8; 10] = b"LMNPQRSTUV";
const MESI: &[u8; 12] = b"ABCDEHLMPRST";
/// Values of the characters in odd positions (1st, 3rd, …) for the check character,
/// indexed by digit or by letter (DM 23-12-1976, allegato).
const DISPARI: [u32; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

fn cifra(c: u8) -> Option<u32> {
    if c.is_ascii_digit() {
        Some(u32::from(c - b'0'))
    } else {
        OMOCODIA.iter().position(|&o| o == c).map(|p| p as u32)
    }
}

/// Checks form, month, day and check character.
pub fn verifica(cf: &CodiceFiscale) -> Result<(), DifettoCf> {
    let b = cf.as_bytes();
    if b.len() != 16 {
        return Err(DifettoCf::Lunghezza);
    }
    for (i, &c) in b.iter().enumerate() {
        let ok = if POSIZIONI_NUMERICHE.contains(&i) {
            cifra(c).is_some()
        } else {
            c.is_ascii_uppercase()
        };
        if !ok {
            return Err(DifettoCf::Forma);
        }
    }
    if !MESI.contains(&b[8]) {
        return Err(DifettoCf::Mese);
    }
    let giorno = cifra(b[9]).unwrap_or(0) * 10 + cifra(b[10]).unwrap_or(0);
    if !(1..=31).contains(&giorno) && !(41..=71).contains(&giorno) {
        return Err(DifettoCf::Giorno);
    }
    let atteso = carattere_di_controllo(&b[..15]);
    if b[15] != atteso {
        return Err(DifettoCf::Controllo {
            atteso: atteso as char,
        });
    }
    Ok(())
}

/// The check character for the first 15 characters.
pub fn carattere_di_controllo(primi15: &[u8]) -> u8 {
    let valore = |c: u8| -> usize {
        if c.is_ascii_digit() {
            (c - b'0') as usize
        } else {
            (c.wrapping_sub(b'A')) as usize % 26
        }
    };
    let somma: u32 = primi15
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i % 2 == 0 {
                DISPARI[valore(c)]
            } else {
                valore(c) as u32
            }
        })
        .sum();
    b'A' + (somma % 26) as u8
}

/// Whether the birth date encoded in a well-formed code matches `nascita`
/// (year modulo 100, month letter, day, or day + 40 for women).
pub fn coerente_con_nascita(cf: &CodiceFiscale, nascita: NaiveDate) -> bool {
    let b = cf.as_bytes();
    if b.len() != 16 {
        return true;
    }
    let n = |i: usize| cifra(b[i]).unwrap_or(99);
    let anno = n(6) * 10 + n(7);
    let mese = MESI.iter().position(|&m| m == b[8]).map(|p| p as u32 + 1);
    let giorno = (n(9) * 10 + n(10)) % 40;
    anno == (nascita.year().rem_euclid(100)) as u32
        && mese == Some(nascita.month())
        && giorno == nascita.day()
}

/// Builds a valid code from its parts (used by the synthetic-population generator).
pub fn componi(
    cognome3: &str,
    nome3: &str,
    nascita: NaiveDate,
    femmina: bool,
    comune: &str,
) -> CodiceFiscale {
    let mut s = String::with_capacity(16);
    s.push_str(cognome3);
    s.push_str(nome3);
    s.push_str(&format!("{:02}", nascita.year().rem_euclid(100)));
    s.push(MESI[nascita.month0() as usize] as char);
    s.push_str(&format!(
        "{:02}",
        nascita.day() + if femmina { 40 } else { 0 }
    ));
    s.push_str(comune);
    let controllo = carattere_di_controllo(s.as_bytes());
    s.push(controllo as char);
    CodiceFiscale::new(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `dsu_json` fuzz target (fuzz/): a code over 31 bytes cut right
    /// after a space kept it, the next read trimmed it, and a DSU written and read back
    /// was not the DSU read.
    #[test]
    fn lungo_scritto_e_riletto_uguale() {
        let cf = CodiceFiscale::new("PLMLEI11Cdi_cui_lavoro_dipend: 03G478K");
        assert_eq!(cf.as_str(), "PLMLEI11CDI_CUI_LAVORO_DIPEND:");
        let json = serde_json::to_string(&cf).unwrap();
        let riletto: CodiceFiscale = serde_json::from_str(&json).unwrap();
        assert_eq!(riletto, cf);
        assert!(verifica(&cf).is_err());
    }

    #[test]
    fn codice_valido_passa() {
        // A well-known specimen code (Mario Rossi, Roma, 1-1-1980... built here).
        let cf = componi(
            "RSS",
            "MRA",
            NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
            false,
            "H501",
        );
        assert_eq!(cf.as_str(), "RSSMRA80A01H501U");
        assert_eq!(verifica(&cf), Ok(()));
    }

    #[test]
    fn carattere_di_controllo_errato_e_segnalato() {
        let cf = CodiceFiscale::new("RSSMRA80A01H501A");
        assert_eq!(verifica(&cf), Err(DifettoCf::Controllo { atteso: 'U' }));
    }

    #[test]
    fn omocodia_ammessa() {
        // H501 -> H50M: the last digit replaced by its omocodia letter; recompute check.
        let mut primi: Vec<u8> = b"RSSMRA80A01H50M".to_vec();
        let c = carattere_di_controllo(&primi);
        primi.push(c);
        let cf = CodiceFiscale::new(std::str::from_utf8(&primi).unwrap());
        assert_eq!(verifica(&cf), Ok(()));
    }

    #[test]
    fn forma_mese_giorno_lunghezza() {
        assert_eq!(
            verifica(&CodiceFiscale::new("RSSMRA80A01H501")),
            Err(DifettoCf::Lunghezza)
        );
        assert_eq!(
            verifica(&CodiceFiscale::new("RSSMRA8XA01H501U")),
            Err(DifettoCf::Forma)
        );
        assert_eq!(
            verifica(&CodiceFiscale::new("RSSMRA80Z01H501U")),
            Err(DifettoCf::Mese)
        );
        assert_eq!(
            verifica(&CodiceFiscale::new("RSSMRA80A35H501U")),
            Err(DifettoCf::Giorno)
        );
    }

    #[test]
    fn coerenza_con_la_data_di_nascita_anche_per_le_donne() {
        let d = NaiveDate::from_ymd_opt(1985, 7, 9).unwrap();
        let cf = componi("BNC", "LRA", d, true, "F205");
        assert!(coerente_con_nascita(&cf, d));
        assert!(!coerente_con_nascita(
            &cf,
            NaiveDate::from_ymd_opt(1985, 7, 10).unwrap()
        ));
    }

    #[test]
    fn mascheramento() {
        assert_eq!(
            CodiceFiscale::new("RSSMRA80A01H501U").mascherato(),
            "RSSMRA*********U"
        );
    }
}

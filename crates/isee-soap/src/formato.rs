//! Lexical rules of the schema (patterns, `xs:date`) and the small writers
//! shared by every document: escaping, dates and two-decimal amounts.
//!
//! The patterns are checked by hand rather than with a regex engine: they are
//! fixed, short, and this keeps a request's parse in the microseconds.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

/// `([A-Z]{6}\d{2}[A-Z]\d{2}[A-Z][A-Z0-9]{3}[A-Z])|(\d{11})`: the XSD pattern of
/// a fiscal code (a person's 16 characters, or an entity's 11 digits).
///
/// Only the pattern: the check character is not verified, as the schema does
/// not. `\d` is taken as ASCII digits.
pub fn codice_fiscale_valido(cf: &str) -> bool {
    let b = cf.as_bytes();
    match b.len() {
        11 => b.iter().all(u8::is_ascii_digit),
        16 => {
            let lettere = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_uppercase);
            let cifre = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
            lettere(0..6)
                && cifre(6..8)
                && lettere(8..9)
                && cifre(9..11)
                && lettere(11..12)
                && b[12..15]
                    .iter()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && lettere(15..16)
        }
        _ => false,
    }
}

/// `([A-Z]{6}\d{2}[A-Z]\d{2}[A-Z][A-Z0-9]{3}[A-Z])|(\d{11} {0,5})`: the fiscal
/// code of INPS's threshold service, where an entity's 11 digits may be padded
/// with up to five spaces (a 16-character fixed-width field). Returns the code
/// without the padding, or `None` when the value does not match.
pub fn codice_fiscale_soglia(cf: &str) -> Option<&str> {
    let senza_spazi = cf.trim_end_matches(' ');
    let spazi = cf.len() - senza_spazi.len();
    if codice_fiscale_valido(senza_spazi) && (spazi == 0 || (senza_spazi.len() == 11 && spazi <= 5))
    {
        Some(senza_spazi)
    } else {
        None
    }
}

/// `INPS-ISEE-[0-9]{4}-[0-9]{8}[A-Z]-[0-9]{2}`: `TypeProtocollo`, the DSU protocol.
pub fn protocollo_dsu_valido(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() == 27
        && b.starts_with(b"INPS-ISEE-")
        && b[10..14].iter().all(u8::is_ascii_digit)
        && b[14] == b'-'
        && b[15..23].iter().all(u8::is_ascii_digit)
        && b[23].is_ascii_uppercase()
        && b[24] == b'-'
        && b[25..27].iter().all(u8::is_ascii_digit)
}

/// `[A-Za-z]{4}[0-9]{2}`: the threshold code of the old SII service.
pub fn codice_soglia_valido(c: &str) -> bool {
    let b = c.as_bytes();
    b.len() == 6
        && b[..4].iter().all(u8::is_ascii_alphabetic)
        && b[4..].iter().all(u8::is_ascii_digit)
}

/// Reads an `xs:date`: `YYYY-MM-DD`, optionally followed by a time zone (`Z`
/// or `±hh:mm`) that WCF and JAXB clients may add and that a calendar date
/// does not need. Years before 1000 or with more than four digits are refused:
/// no ISEE date can have them.
pub fn leggi_data_xsd(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() < 10 {
        return None;
    }
    let (data, zona) = b.split_at(10);
    let zona_valida = match zona {
        [] | [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            let cifre = [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit());
            cifre && {
                let ore = (h1 - b'0') * 10 + (h2 - b'0');
                let minuti = (m1 - b'0') * 10 + (m2 - b'0');
                (ore < 14 && minuti < 60) || (ore == 14 && minuti == 0)
            }
        }
        _ => false,
    };
    if !zona_valida || data[4] != b'-' || data[7] != b'-' {
        return None;
    }
    let numero = |r: std::ops::Range<usize>| -> Option<u32> {
        data[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let anno = numero(0..4)?;
    if anno < 1000 {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(anno).ok()?, numero(5..7)?, numero(8..10)?)
}

/// Appends a date as `YYYY-MM-DD`.
pub(crate) fn scrivi_data(out: &mut String, d: NaiveDate) {
    // Dates here are always four-digit years (see `leggi_data_xsd`); a year
    // outside that range would still be written, just not padded the same way.
    let _ = write!(out, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
}

/// Appends an amount as `TypeDecimal`: exactly two fraction digits.
///
/// Amounts reach this crate already rounded to the cent by the calculation
/// core. Should one carry more digits, it is rounded half away from zero (the
/// rounding of the attestation), never with banker's rounding.
pub(crate) fn scrivi_importo(out: &mut String, importo: Decimal) {
    let mut x = importo.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    x.rescale(2);
    if x.is_zero() {
        // "-0.00" is a valid decimal but would look like an error on an attestation.
        x.set_sign_positive(true);
    }
    let _ = write!(out, "{x}");
}

/// Appends text content, escaping `&`, `<` and `>`.
pub(crate) fn scrivi_testo(out: &mut String, s: &str) {
    let mut inizio = 0;
    for (i, c) in s.char_indices() {
        let sostituto = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '\r' => "&#13;",
            _ => continue,
        };
        out.push_str(&s[inizio..i]);
        out.push_str(sostituto);
        inizio = i + c.len_utf8();
    }
    out.push_str(&s[inizio..]);
}

/// Appends an attribute value for a double-quoted attribute.
///
/// Apostrophes (`D'ANGELO`) need no escaping inside double quotes and are
/// written as they are; tabs and line breaks become character references so
/// that attribute-value normalisation does not turn them into spaces.
pub(crate) fn scrivi_valore_attributo(out: &mut String, s: &str) {
    let mut inizio = 0;
    for (i, c) in s.char_indices() {
        let sostituto = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\t' => "&#9;",
            '\n' => "&#10;",
            '\r' => "&#13;",
            _ => continue,
        };
        out.push_str(&s[inizio..i]);
        out.push_str(sostituto);
        inizio = i + c.len_utf8();
    }
    out.push_str(&s[inizio..]);
}

/// Appends ` nome="valore"` with the value escaped.
pub(crate) fn attributo(out: &mut String, nome: &str, valore: &str) {
    out.push(' ');
    out.push_str(nome);
    out.push_str("=\"");
    scrivi_valore_attributo(out, valore);
    out.push('"');
}

/// Appends ` nome="YYYY-MM-DD"`.
pub(crate) fn attributo_data(out: &mut String, nome: &str, d: NaiveDate) {
    out.push(' ');
    out.push_str(nome);
    out.push_str("=\"");
    scrivi_data(out, d);
    out.push('"');
}

/// Appends ` nome="1234.50"`.
pub(crate) fn attributo_importo(out: &mut String, nome: &str, importo: Decimal) {
    out.push(' ');
    out.push_str(nome);
    out.push_str("=\"");
    scrivi_importo(out, importo);
    out.push('"');
}

/// Appends `<nome>testo</nome>` with the text escaped.
pub(crate) fn elemento_testo(out: &mut String, nome: &str, testo: &str) {
    out.push('<');
    out.push_str(nome);
    out.push('>');
    scrivi_testo(out, testo);
    out.push_str("</");
    out.push_str(nome);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn codici_fiscali() {
        assert!(codice_fiscale_valido("RSSMRA80A01H501U"));
        // Omocodia letters are accepted only where the XSD pattern has [A-Z0-9].
        assert!(codice_fiscale_valido("RSSMRA80A01H5L1U"));
        assert!(!codice_fiscale_valido("RSSMRA8LA01H501U"));
        assert!(codice_fiscale_valido("RSSMRA80A01HL01U"));
        assert!(codice_fiscale_valido("80078750587"));
        assert!(!codice_fiscale_valido("8007875058"));
        assert!(!codice_fiscale_valido("rssmra80a01h501u"));
        assert!(!codice_fiscale_valido("RSSMRA80A01H501"));
        assert!(!codice_fiscale_valido(""));
        assert!(!codice_fiscale_valido("RSSMRA80A01H501U "));
    }

    #[test]
    fn codici_fiscali_della_soglia() {
        assert_eq!(codice_fiscale_soglia("80078750587"), Some("80078750587"));
        assert_eq!(
            codice_fiscale_soglia("80078750587     "),
            Some("80078750587")
        );
        assert_eq!(codice_fiscale_soglia("80078750587      "), None);
        assert_eq!(
            codice_fiscale_soglia("RSSMRA80A01H501U"),
            Some("RSSMRA80A01H501U")
        );
        assert_eq!(codice_fiscale_soglia("RSSMRA80A01H501U "), None);
        assert_eq!(codice_fiscale_soglia(" 80078750587"), None);
    }

    #[test]
    fn protocolli() {
        assert!(protocollo_dsu_valido("INPS-ISEE-2026-00012345A-00"));
        assert!(!protocollo_dsu_valido("INPS-ISEE-2026-00012345a-00"));
        assert!(!protocollo_dsu_valido("INPS-ISEE-2026-0001234A-00"));
        assert!(!protocollo_dsu_valido("INPS-ISEE-26-00012345A-00"));
        assert!(!protocollo_dsu_valido("INPS-ISED-2026-00012345A-00"));
    }

    #[test]
    fn codici_soglia() {
        assert!(codice_soglia_valido("BVAC01"));
        assert!(codice_soglia_valido("aBcD99"));
        assert!(!codice_soglia_valido("BVA001"));
        assert!(!codice_soglia_valido("BVAC1"));
        assert!(!codice_soglia_valido("BVAC011"));
    }

    #[test]
    fn date() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        assert_eq!(leggi_data_xsd("2026-01-15"), Some(d));
        assert_eq!(leggi_data_xsd("2026-01-15Z"), Some(d));
        assert_eq!(leggi_data_xsd("2026-01-15+01:00"), Some(d));
        assert_eq!(leggi_data_xsd("2026-01-15-14:00"), Some(d));
        assert_eq!(leggi_data_xsd("2026-01-15+14:30"), None);
        assert_eq!(leggi_data_xsd("2026-02-30"), None);
        assert_eq!(leggi_data_xsd("2026-1-15"), None);
        assert_eq!(leggi_data_xsd("15/01/2026"), None);
        assert_eq!(leggi_data_xsd("2026-01-15T00:00:00"), None);
        assert_eq!(leggi_data_xsd("0999-01-15"), None);
        assert_eq!(leggi_data_xsd(""), None);
    }

    #[test]
    fn importi_con_due_decimali() {
        let scrivi = |d: Decimal| {
            let mut s = String::new();
            scrivi_importo(&mut s, d);
            s
        };
        assert_eq!(scrivi(dec!(10000)), "10000.00");
        assert_eq!(scrivi(dec!(1.5)), "1.50");
        assert_eq!(scrivi(dec!(2.46)), "2.46");
        assert_eq!(scrivi(dec!(0.005)), "0.01");
        assert_eq!(scrivi(dec!(0.015)), "0.02");
        assert_eq!(scrivi(dec!(-0.001)), "0.00");
        assert_eq!(scrivi(dec!(-12.345)), "-12.35");
    }

    #[test]
    fn escape() {
        let mut s = String::new();
        scrivi_valore_attributo(&mut s, "D'ANGELO & \"C\" <x>\n");
        assert_eq!(s, "D'ANGELO &amp; &quot;C&quot; &lt;x&gt;&#10;");
        let mut s = String::new();
        scrivi_testo(&mut s, "a<b & c>d \"e\" 'f'");
        assert_eq!(s, "a&lt;b &amp; c&gt;d \"e\" 'f'");
    }
}

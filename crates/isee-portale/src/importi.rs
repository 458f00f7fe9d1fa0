//! Amounts typed by people: `1.234,56`, `1234,56`, `1234.56`, `1234`, `€ 1.234`.
//!
//! A comma is the decimal separator and dots group thousands in threes; without a
//! comma a single dot followed by one or two digits is a decimal point, otherwise dots
//! group thousands. At most two decimals (cents), no sign, at most 20 characters.

use rust_decimal::Decimal;

/// The longest amount accepted (a DSU amount has at most 15 digits).
pub const LUNGHEZZA_MASSIMA: usize = 20;

/// Why a typed amount is not one (the message names no field: the page puts it next
/// to the field).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportoNonValido(pub &'static str);

impl std::fmt::Display for ImportoNonValido {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

const FORMATO: &str =
    "importo non valido: scrivere ad esempio 1.234,56 oppure 1234,56 (in euro, senza segno)";

fn cifre(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Thousands in groups of three after the first group of one to three digits.
fn migliaia(s: &str) -> Option<String> {
    let mut gruppi = s.split('.');
    let primo = gruppi.next()?;
    if !cifre(primo) || primo.len() > 3 {
        return None;
    }
    let mut intero = primo.to_owned();
    for g in gruppi {
        if g.len() != 3 || !cifre(g) {
            return None;
        }
        intero.push_str(g);
    }
    Some(intero)
}

/// An amount in euros, empty meaning zero.
pub fn leggi_importo(testo: &str) -> Result<Decimal, ImportoNonValido> {
    if testo.len() > LUNGHEZZA_MASSIMA {
        return Err(ImportoNonValido("importo troppo lungo"));
    }
    let s = testo.trim().trim_start_matches('€').trim();
    if s.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let (intero, decimali) = match s.split_once(',') {
        Some((i, d)) => {
            let i = if i.contains('.') {
                migliaia(i)
            } else {
                cifre(i).then(|| i.to_owned())
            };
            (i, Some(d))
        }
        None => match s.rsplit_once('.') {
            Some((i, d)) if !i.contains('.') && (1..=2).contains(&d.len()) => {
                (cifre(i).then(|| i.to_owned()), Some(d))
            }
            Some(_) => (migliaia(s), None),
            None => (cifre(s).then(|| s.to_owned()), None),
        },
    };
    let intero = intero.ok_or(ImportoNonValido(FORMATO))?;
    let mut testo = intero;
    if let Some(d) = decimali {
        if !cifre(d) {
            return Err(ImportoNonValido(FORMATO));
        }
        if d.len() > 2 {
            return Err(ImportoNonValido(
                "al massimo due cifre decimali (i centesimi)",
            ));
        }
        testo.push('.');
        testo.push_str(d);
    }
    testo
        .parse::<Decimal>()
        .map_err(|_| ImportoNonValido("importo troppo grande"))
}

/// An amount the Italian way: `1.234,56` (two decimals when there are cents, none otherwise).
pub fn formatta_importo(x: Decimal) -> String {
    let x = x.normalize();
    let testo = format!("{x}");
    let (intero, decimali) = testo.split_once('.').unwrap_or((&testo, ""));
    let mut out = String::new();
    for (i, c) in intero.chars().enumerate() {
        if i > 0 && (intero.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    if !decimali.is_empty() {
        out.push(',');
        out.push_str(decimali);
        if decimali.len() == 1 {
            out.push('0');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    #[test]
    fn formati_accettati() {
        for (t, atteso) in [
            ("1.234,56", dec!(1234.56)),
            ("1234,56", dec!(1234.56)),
            ("1234.56", dec!(1234.56)),
            ("1.234", dec!(1234)),
            ("1.234.567", dec!(1234567)),
            ("€ 12,5", dec!(12.5)),
            ("  ", dec!(0)),
            ("0,05", dec!(0.05)),
        ] {
            assert_eq!(leggi_importo(t), Ok(atteso), "{t}");
        }
    }

    #[test]
    fn formati_rifiutati() {
        for t in [
            "-5", "1,234,56", "12.34.5", "1.23,4", "abc", "1,234567", "1e5", "12 34", "1..2", ",5",
            "5,",
        ] {
            assert!(leggi_importo(t).is_err(), "{t} accettato");
        }
        assert!(leggi_importo(&"9".repeat(21)).is_err());
    }

    proptest! {
        /// Written the Italian way, or with a decimal point, an amount reads back the same.
        #[test]
        fn andata_e_ritorno(centesimi in 0u64..1_000_000_000_000u64) {
            let x = Decimal::from(centesimi) / Decimal::from(100);
            let it = formatta_importo(x);
            prop_assert_eq!(leggi_importo(&it), Ok(x), "{}", it);
            let punto = format!("{:.2}", x);
            prop_assert_eq!(leggi_importo(&punto), Ok(x), "{}", punto);
            let virgola = punto.replace('.', ",");
            prop_assert_eq!(leggi_importo(&virgola), Ok(x), "{}", virgola);
        }
    }
}

//! Exact decimal numbers in rule files, rounding to a step, and Italian number formatting.
//!
//! Rule files must never carry money through `f64`: a TOML float is rejected with a message that
//! points at the line, and amounts are written as strings (`"1234.50"`) or integers (`59`).

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// The largest magnitude accepted for any amount or ISEE value.
///
/// Bounding inputs keeps every product and quotient far from `Decimal`'s 28-digit limit, so the
/// arithmetic operators cannot overflow and panic.
pub(crate) const LIMITE: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0); // 1e12

/// A decimal number read from a rule file: a string like `"1234.50"` or a TOML integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Numero(pub(crate) Decimal);

impl<'de> Deserialize<'de> for Numero {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(VisitorNumero)
    }
}

struct VisitorNumero;

impl Visitor<'_> for VisitorNumero {
    type Value = Numero;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("un numero scritto tra virgolette (es. \"1234.50\") o un intero")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Numero, E> {
        analizza_decimale(v).map(Numero).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Numero, E> {
        let d = Decimal::from(v);
        if d.abs() > LIMITE {
            return Err(E::custom(format!("il numero {v} è fuori scala")));
        }
        Ok(Numero(d))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Numero, E> {
        let d = Decimal::from(v);
        if d > LIMITE {
            return Err(E::custom(format!("il numero {v} è fuori scala")));
        }
        Ok(Numero(d))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Numero, E> {
        // The float has already lost its exact decimal digits by the time it reaches us.
        Err(E::custom(format!(
            "il numero {v} è scritto senza virgolette: i numeri con la parte decimale vanno \
             scritti tra virgolette (es. \"{v}\") perché un numero in virgola mobile perde precisione"
        )))
    }
}

/// Parses a decimal written with a dot, as in rule files and CSV inputs (`1234.50`).
///
/// Italian-style input (`1.234,50`) is refused with a hint rather than guessed at, since
/// `1.234` would otherwise silently mean one euro and change.
pub fn analizza_decimale(testo: &str) -> Result<Decimal, String> {
    let t = testo.trim();
    if t.is_empty() {
        return Err("numero vuoto".to_string());
    }
    if t.contains(',') {
        return Err(format!(
            "`{t}`: usare il punto come separatore decimale e nessun separatore delle migliaia \
             (es. \"1234.50\")"
        ));
    }
    let d: Decimal = t
        .parse()
        .map_err(|_| format!("`{t}` non è un numero decimale valido"))?;
    if d.abs() > LIMITE {
        return Err(format!("il numero `{t}` è fuori scala"));
    }
    Ok(d)
}

/// How to round to a step, as written in rule files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metodo {
    /// Half away from zero: 0.005 → 0.01 (the usual administrative rounding).
    MezzoPerEccesso,
    /// Half towards zero: 0.005 → 0.00.
    MezzoPerDifetto,
    /// Half to even (banker's rounding); only if an act says so.
    MezzoPari,
    /// Always up (towards the next step).
    PerEccesso,
    /// Always down (truncate).
    PerDifetto,
}

impl Metodo {
    fn strategia(self) -> RoundingStrategy {
        match self {
            Metodo::MezzoPerEccesso => RoundingStrategy::MidpointAwayFromZero,
            Metodo::MezzoPerDifetto => RoundingStrategy::MidpointTowardZero,
            Metodo::MezzoPari => RoundingStrategy::MidpointNearestEven,
            Metodo::PerEccesso => RoundingStrategy::AwayFromZero,
            Metodo::PerDifetto => RoundingStrategy::ToZero,
        }
    }

    /// Italian description for explanations.
    pub fn descrizione(self) -> &'static str {
        match self {
            Metodo::MezzoPerEccesso => "per eccesso dalla metà",
            Metodo::MezzoPerDifetto => "per difetto dalla metà",
            Metodo::MezzoPari => "alla cifra pari dalla metà",
            Metodo::PerEccesso => "per eccesso",
            Metodo::PerDifetto => "per difetto",
        }
    }
}

/// Rounds `valore` to a multiple of `passo` (which must be positive) with an explicit method.
#[inline]
pub(crate) fn arrotonda(valore: Decimal, passo: Decimal, metodo: Metodo) -> Decimal {
    if passo == Decimal::new(1, 2) {
        // Fast path for the common cent step: no division needed.
        return valore.round_dp_with_strategy(2, metodo.strategia());
    }
    let quoziente = valore / passo;
    quoziente.round_dp_with_strategy(0, metodo.strategia()) * passo
}

/// Formats a number the Italian way (`1.234,5`), with at least `min_decimali` decimals and at most
/// four; longer values are cut and marked with `…` (display only, never used in arithmetic).
pub fn formato_it(valore: Decimal, min_decimali: u32) -> String {
    let n = valore.normalize();
    let mut mostrato = n.round_dp_with_strategy(4, RoundingStrategy::ToZero);
    let troncato = mostrato != n;
    if mostrato.scale() < min_decimali {
        mostrato.rescale(min_decimali);
    }
    let testo = mostrato.abs().to_string();
    let (intera, decimali) = match testo.split_once('.') {
        Some((i, d)) => (i.to_string(), d.to_string()),
        None => (testo.clone(), String::new()),
    };
    let mut gruppi = String::new();
    for (i, c) in intera.chars().enumerate() {
        if i > 0 && (intera.len() - i) % 3 == 0 {
            gruppi.push('.');
        }
        gruppi.push(c);
    }
    let mut out = String::new();
    if valore.is_sign_negative() && !valore.is_zero() {
        out.push('-');
    }
    out.push_str(&gruppi);
    if !decimali.is_empty() {
        out.push(',');
        out.push_str(&decimali);
    }
    if troncato {
        out.push('…');
    }
    out
}

/// Formats an amount in euro for the family's letter: `1.234,50 €`.
pub fn euro(valore: Decimal) -> String {
    format!("{} €", formato_it(valore, 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn formato_italiano() {
        assert_eq!(formato_it(dec!(1234.5), 2), "1.234,50");
        assert_eq!(formato_it(dec!(20000), 2), "20.000,00");
        assert_eq!(formato_it(dec!(181.960784313), 2), "181,9607…");
        assert_eq!(formato_it(dec!(10), 0), "10");
        assert_eq!(formato_it(dec!(-3.5), 2), "-3,50");
    }

    #[test]
    fn arrotondamento_a_passo() {
        assert_eq!(
            arrotonda(dec!(2.345), dec!(0.01), Metodo::MezzoPerEccesso),
            dec!(2.35)
        );
        assert_eq!(
            arrotonda(dec!(2.345), dec!(0.01), Metodo::MezzoPari),
            dec!(2.34)
        );
        assert_eq!(
            arrotonda(dec!(2.375), dec!(0.05), Metodo::MezzoPerEccesso),
            dec!(2.40)
        );
        assert_eq!(
            arrotonda(dec!(2.36), dec!(0.05), Metodo::PerDifetto),
            dec!(2.35)
        );
        assert_eq!(
            arrotonda(dec!(12.5), dec!(1), Metodo::MezzoPerEccesso),
            dec!(13)
        );
        assert_eq!(
            arrotonda(dec!(12.01), dec!(1), Metodo::PerEccesso),
            dec!(13)
        );
    }

    #[test]
    fn decimali_italiani_rifiutati() {
        assert!(analizza_decimale("1.234,50").is_err());
        assert_eq!(analizza_decimale(" 1234.50 ").unwrap(), dec!(1234.50));
    }
}

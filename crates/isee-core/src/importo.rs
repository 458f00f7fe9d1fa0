//! Money and percentages: exact decimals with the rounding named at each use.
//!
//! The DSU carries amounts as JSON integers or decimal strings. A JSON number with a
//! fraction is refused on purpose: it has already passed through a binary float in
//! every JSON producer, so it may not be the amount the declarant meant.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Rounds to the cent, half away from zero, as INPS rounds each attestation line
/// (`isee-regole.md` §1: "every amount line is shown in euro with 2 decimals",
/// derived values "rounded half-up to the cent").
#[inline]
pub fn arrotonda_al_centesimo(x: Decimal) -> Decimal {
    // Most lines are sums of whole-euro amounts: nothing to round.
    if x.scale() <= 2 {
        let mut r = x;
        r.rescale(2);
        return r;
    }
    let mut r = x.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    // Always two decimals, as on the attestation ("50000.00", not "50000").
    r.rescale(2);
    r
}

/// `max(x, 0)` from the sign bit, without a general decimal comparison.
#[inline]
pub fn non_negativo(x: Decimal) -> Decimal {
    if x.is_sign_negative() {
        Decimal::ZERO
    } else {
        x
    }
}

/// A euro amount as declared in the DSU. It may be negative only where the model says
/// so; the validation reports the others.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Importo(Decimal);

impl Importo {
    pub const ZERO: Importo = Importo(Decimal::ZERO);

    /// The largest amount accepted in a DSU (one hundred billion euros): far above any
    /// real household, far below where `Decimal` arithmetic could overflow.
    pub const MASSIMO: Decimal = Decimal::from_parts(1_215_752_192, 23, 0, false, 0);

    pub fn new(valore: Decimal) -> Importo {
        Importo(valore)
    }

    pub fn euro(euro: i64) -> Importo {
        Importo(Decimal::from(euro))
    }

    #[inline]
    pub fn valore(self) -> Decimal {
        self.0
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
}

impl From<Decimal> for Importo {
    fn from(d: Decimal) -> Self {
        Importo(d)
    }
}

impl fmt::Display for Importo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Parses the text form of an amount: an optional sign, digits, and at most two
/// decimals after a dot. Exponents, commas and more decimals are refused.
pub fn parse_importo(s: &str) -> Result<Decimal, String> {
    let t = s.trim();
    let corpo = t.strip_prefix('-').unwrap_or(t);
    let (intera, frazione) = match corpo.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (corpo, None),
    };
    let cifre = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !cifre(intera) || frazione.is_some_and(|f| !cifre(f)) {
        return Err(format!(
            "«{s}» non è un importo: servono cifre con al più due decimali dopo il punto (es. \"1234.50\")"
        ));
    }
    if frazione.is_some_and(|f| f.len() > 2) {
        return Err(format!(
            "«{s}» ha più di due decimali: gli importi sono in euro e centesimi"
        ));
    }
    if intera.len() > 12 {
        return Err(format!(
            "«{s}» è fuori dall'intervallo ammesso per un importo"
        ));
    }
    Decimal::from_str(t).map_err(|e| format!("«{s}» non è un importo: {e}"))
}

impl Serialize for Importo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serializza_decimale(&self.0, s)
    }
}

/// Serialises a decimal as a JSON string in its canonical form (no trailing zeros
/// beyond the cents), so equal values always print the same.
pub fn serializza_decimale<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; 48];
    let testo = formatta_decimale(*d, &mut buf);
    s.serialize_str(testo)
}

/// Formats a decimal without a heap allocation. The common case (scale ≤ 2, as every
/// amount and attestation line) is written digit by digit; anything else goes
/// through `Display`.
fn formatta_decimale(d: Decimal, buf: &mut [u8; 48]) -> &str {
    let scala = d.scale();
    let m = d.mantissa();
    if scala <= 4 && m.unsigned_abs() <= u128::from(u64::MAX) {
        // u64 division is several times cheaper than u128's.
        let mut n = m.unsigned_abs() as u64;
        let mut i = buf.len();
        let mut cifre = 0;
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            cifre += 1;
            if cifre == scala {
                i -= 1;
                buf[i] = b'.';
            }
            if n == 0 && cifre > scala {
                break;
            }
        }
        if m < 0 {
            i -= 1;
            buf[i] = b'-';
        }
        return std::str::from_utf8(&buf[i..]).unwrap_or("0");
    }
    use std::io::Write;
    let mut cur = std::io::Cursor::new(&mut buf[..]);
    let _ = write!(cur, "{d}");
    let n = cur.position() as usize;
    std::str::from_utf8(&buf[..n]).unwrap_or("0")
}

/// Parses the well-formed common case (`-?digits(.d{1,2})?`, at most 16 characters)
/// straight into a mantissa; `None` sends the text to the checked path.
#[inline]
fn parse_veloce(s: &str) -> Option<Decimal> {
    let b = s.as_bytes();
    let (negativo, b) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    if b.is_empty() || b.len() > 15 || b[0] == b'.' {
        return None;
    }
    let mut m: i64 = 0;
    let mut scala: u32 = 0;
    let mut punto = false;
    for &c in b {
        if c == b'.' {
            if punto {
                return None;
            }
            punto = true;
        } else if c.is_ascii_digit() {
            m = m * 10 + i64::from(c - b'0');
            if punto {
                scala += 1;
            }
        } else {
            return None;
        }
    }
    if (punto && scala == 0) || scala > 2 {
        return None;
    }
    Some(Decimal::new(if negativo { -m } else { m }, scala))
}

struct ImportoVisitor;

impl Visitor<'_> for ImportoVisitor {
    type Value = Importo;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("un importo: un intero JSON o una stringa decimale come \"1234.50\"")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Importo, E> {
        Ok(Importo(Decimal::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Importo, E> {
        if v > 999_999_999_999 {
            return Err(E::custom(format!(
                "{v} è fuori dall'intervallo ammesso per un importo"
            )));
        }
        Ok(Importo(Decimal::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Importo, E> {
        Err(E::custom(format!(
            "{v} è un numero JSON con decimali: scrivere l'importo come stringa (\"{v}\") o come intero, perché un numero decimale passa per la virgola mobile e può non essere esatto"
        )))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Importo, E> {
        if let Some(d) = parse_veloce(v) {
            return Ok(Importo(d));
        }
        parse_importo(v).map(Importo).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Importo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ImportoVisitor)
    }
}

impl schemars::JsonSchema for Importo {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Importo".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Importo in euro: intero JSON, oppure stringa decimale con al più due decimali. Un numero JSON con decimali è rifiutato.",
            "oneOf": [
                { "type": "integer" },
                { "type": "string", "pattern": "^-?[0-9]{1,12}(\\.[0-9]{1,2})?$" }
            ]
        })
    }
}

/// A share or percentage from 0 to 100 (`QuotaPosseduta`), as integer or decimal string.
/// The range is checked by the validation, so every problem is reported at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percentuale(Decimal);

impl Percentuale {
    pub const CENTO: Percentuale = Percentuale(Decimal::ONE_HUNDRED);

    pub fn new(valore: Decimal) -> Percentuale {
        Percentuale(valore)
    }

    #[inline]
    pub fn valore(self) -> Decimal {
        self.0
    }

    /// The share as a fraction of one (50 → 0.5).
    #[inline]
    pub fn frazione(self) -> Decimal {
        if self.0 == Decimal::ONE_HUNDRED {
            Decimal::ONE
        } else {
            self.0 / Decimal::ONE_HUNDRED
        }
    }

    /// Applies the share to an amount; the full share is the common case and is free.
    #[inline]
    pub fn applica(self, importo: Decimal) -> Decimal {
        if self.0 == Decimal::ONE_HUNDRED {
            importo
        } else {
            importo * self.0 / Decimal::ONE_HUNDRED
        }
    }
}

impl Default for Percentuale {
    fn default() -> Self {
        Percentuale::CENTO
    }
}

impl Serialize for Percentuale {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serializza_decimale(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Percentuale {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Percentuale;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("una percentuale: un intero JSON o una stringa decimale come \"33.33\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Percentuale, E> {
                Ok(Percentuale(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Percentuale, E> {
                Ok(Percentuale(Decimal::from(v.min(1_000_000))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Percentuale, E> {
                Err(E::custom(format!(
                    "{v} è un numero JSON con decimali: scrivere la percentuale come stringa (\"{v}\")"
                )))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Percentuale, E> {
                let t = v.trim();
                let ok = !t.is_empty()
                    && t.len() <= 12
                    && t.bytes()
                        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
                let d = if ok { Decimal::from_str(t).ok() } else { None };
                d.map(Percentuale)
                    .ok_or_else(|| E::custom(format!("«{v}» non è una percentuale")))
            }
        }
        d.deserialize_any(V)
    }
}

impl schemars::JsonSchema for Percentuale {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Percentuale".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Percentuale da 0 a 100: intero JSON o stringa decimale.",
            "oneOf": [
                { "type": "integer", "minimum": 0, "maximum": 100 },
                { "type": "string", "pattern": "^[0-9]{1,3}(\\.[0-9]+)?$" }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn arrotondamento_al_centesimo_e_half_up_non_bancario() {
        assert_eq!(arrotonda_al_centesimo(dec!(0.125)), dec!(0.13));
        assert_eq!(arrotonda_al_centesimo(dec!(0.135)), dec!(0.14));
        assert_eq!(arrotonda_al_centesimo(dec!(2.005)), dec!(2.01));
        assert_eq!(arrotonda_al_centesimo(dec!(-2.005)), dec!(-2.01));
        assert_eq!(arrotonda_al_centesimo(dec!(2.0049)), dec!(2.00));
    }

    #[test]
    fn importo_accetta_interi_e_stringhe_decimali() {
        let a: Importo = serde_json::from_str("1200").unwrap();
        assert_eq!(a.valore(), dec!(1200));
        let b: Importo = serde_json::from_str("\"1200.5\"").unwrap();
        assert_eq!(b.valore(), dec!(1200.5));
        let c: Importo = serde_json::from_str("\"-3.25\"").unwrap();
        assert_eq!(c.valore(), dec!(-3.25));
    }

    #[test]
    fn importo_rifiuta_numeri_json_con_decimali() {
        let e = serde_json::from_str::<Importo>("1200.5")
            .unwrap_err()
            .to_string();
        assert!(e.contains("virgola mobile"), "{e}");
    }

    #[test]
    fn importo_rifiuta_testo_non_decimale_e_troppi_decimali() {
        for s in [
            "\"12,50\"",
            "\"1e3\"",
            "\"\"",
            "\"abc\"",
            "\"1.234\"",
            "\"1.\"",
            "\".5\"",
        ] {
            assert!(serde_json::from_str::<Importo>(s).is_err(), "{s} accepted");
        }
    }

    #[test]
    fn formattazione_senza_allocazioni_uguale_a_display() {
        for d in [
            dec!(0),
            dec!(0.00),
            dec!(1.5),
            dec!(-1.50),
            dec!(12345678.90),
            dec!(0.05),
            dec!(-0.05),
            dec!(100),
            dec!(0.0304),
            dec!(123.4567),
        ] {
            let mut buf = [0u8; 48];
            assert_eq!(formatta_decimale(d, &mut buf), d.to_string(), "{d:?}");
        }
    }

    #[test]
    fn lettura_veloce_uguale_a_quella_controllata() {
        for t in [
            "0",
            "12",
            "-12",
            "12.5",
            "12.50",
            "999999999999.99",
            "-0.01",
            "007",
        ] {
            assert_eq!(parse_veloce(t), Some(parse_importo(t).unwrap()), "{t}");
        }
        for t in [
            "",
            "-",
            ".5",
            "1.",
            "1.234",
            "1e3",
            "1,5",
            "--1",
            "1.2.3",
            "1234567890123456",
        ] {
            assert_eq!(parse_veloce(t), None, "{t}");
        }
    }

    #[test]
    fn importo_si_serializza_come_stringa() {
        assert_eq!(
            serde_json::to_string(&Importo::new(dec!(10.50))).unwrap(),
            "\"10.50\""
        );
    }

    #[test]
    fn percentuale_applica_la_quota() {
        assert_eq!(Percentuale::new(dec!(50)).applica(dec!(1001)), dec!(500.5));
        assert_eq!(Percentuale::CENTO.applica(dec!(7)), dec!(7));
    }
}

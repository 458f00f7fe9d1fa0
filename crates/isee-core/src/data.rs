//! Calendar dates as they arrive in a DSU.
//!
//! A date that does not exist (31 February) is kept as text and reported by the
//! validation together with every other problem, instead of aborting the reading of
//! the whole document at the first one.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Data {
    Valida(NaiveDate),
    NonValida(Box<str>),
}

impl Data {
    pub fn new(d: NaiveDate) -> Data {
        Data::Valida(d)
    }

    /// The date, if it exists. After validation every date of a DSU is valid.
    #[inline]
    pub fn get(&self) -> Option<NaiveDate> {
        match self {
            Data::Valida(d) => Some(*d),
            Data::NonValida(_) => None,
        }
    }

    /// The date of a validated DSU. The fallback is never reached after validation; it
    /// exists so that the calculation cannot panic on a document that skipped it.
    #[inline]
    pub fn o_minima(&self) -> NaiveDate {
        self.get().unwrap_or(NaiveDate::MIN)
    }
}

impl From<NaiveDate> for Data {
    fn from(d: NaiveDate) -> Self {
        Data::Valida(d)
    }
}

impl fmt::Display for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Data::Valida(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Data::NonValida(s) => f.write_str(s),
        }
    }
}

impl Serialize for Data {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Data {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(parse_data(&s))
    }
}

/// Parses `YYYY-MM-DD` strictly; anything else is kept as text for the validation.
pub fn parse_data(s: &str) -> Data {
    let b = s.as_bytes();
    let ok_forma = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if ok_forma {
        let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
        if let Some(d) = NaiveDate::from_ymd_opt(n(0..4) as i32, n(5..7), n(8..10)) {
            return Data::Valida(d);
        }
    }
    Data::NonValida(s.into())
}

impl schemars::JsonSchema for Data {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Data".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Data di calendario nel formato AAAA-MM-GG.",
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
        })
    }
}

/// Age in whole years on `al` (the birthday counts as completed on the day itself).
pub fn eta_compiuta(nascita: NaiveDate, al: NaiveDate) -> i32 {
    let mut anni = al.year() - nascita.year();
    if (al.month(), al.day()) < (nascita.month(), nascita.day()) {
        anni -= 1;
    }
    anni
}

/// The latest birth date of someone who has turned `anni` on `al`: a person is at
/// least `anni` old on `al` exactly when born on or before it. Agrees with
/// [`eta_compiuta`] on every day, 29 February included (a test checks five years of
/// days).
pub fn nato_entro(al: NaiveDate, anni: i32) -> NaiveDate {
    let anno = al.year() - anni;
    NaiveDate::from_ymd_opt(anno, al.month(), al.day())
        .or_else(|| NaiveDate::from_ymd_opt(anno, 2, 28))
        .unwrap_or(NaiveDate::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_impossibili_restano_testo() {
        assert_eq!(
            parse_data("2025-02-30"),
            Data::NonValida("2025-02-30".into())
        );
        assert_eq!(parse_data("2025-2-3"), Data::NonValida("2025-2-3".into()));
        assert!(parse_data("2024-02-29").get().is_some());
    }

    #[test]
    fn nato_entro_concorda_con_eta_compiuta() {
        let mut al = NaiveDate::from_ymd_opt(2023, 12, 25).unwrap();
        let fine = NaiveDate::from_ymd_opt(2028, 3, 5).unwrap();
        while al <= fine {
            for anni in [3, 18] {
                let soglia = nato_entro(al, anni);
                let mut n = soglia - chrono::Duration::days(3);
                for _ in 0..7 {
                    assert_eq!(
                        eta_compiuta(n, al) >= anni,
                        n <= soglia,
                        "al {al} nato {n} anni {anni}"
                    );
                    n += chrono::Duration::days(1);
                }
            }
            al += chrono::Duration::days(1);
        }
    }

    #[test]
    fn eta_compiuta_conta_il_compleanno() {
        let n = NaiveDate::from_ymd_opt(2008, 3, 15).unwrap();
        assert_eq!(
            eta_compiuta(n, NaiveDate::from_ymd_opt(2026, 3, 14).unwrap()),
            17
        );
        assert_eq!(
            eta_compiuta(n, NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()),
            18
        );
    }
}

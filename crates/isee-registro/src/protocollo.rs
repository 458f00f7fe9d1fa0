//! DSU protocol numbers in INPS's pattern `INPS-ISEE-YYYY-NNNNNNNNX-NN`.
//!
//! * `INPS-ISEE` is the prefix (configurable: a test or a local register uses its own);
//! * `YYYY` the filing year; `NNNNNNNN` eight digits of a per-year sequence;
//! * `X` a check letter computed from the eight digits (below);
//! * `NN` a two-digit suffix: `00` for the DSU, `01`, `02`… for each ISEE corrente
//!   module filed on top of it.
//!
//! **Check letter.** With the digits d₁…d₈ (left to right) and the weights 9, 8, …, 2,
//! `s = Σ dᵢ·wᵢ mod 23` indexes the 23-letter alphabet `ABCDEFGHJKLMNPRSTUVWXYZ` (the
//! Latin alphabet without I, O and Q, which are read as 1, 0 and O). Because 23 is
//! prime and the weights are distinct, non-zero and below 23, every single wrong digit
//! and every swap of two different digits changes the letter. INPS does not publish
//! its own algorithm; this one is the project's and is documented in docs/REGISTRO.md.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The prefix INPS uses.
pub const PREFISSO_INPS: &str = "INPS-ISEE";

const ALFABETO: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

/// The check letter of an eight-digit sequence number.
pub fn lettera_di_controllo(numero: u32) -> char {
    let cifre = format!("{numero:08}");
    let s: u32 = cifre
        .bytes()
        .zip((2..=9).rev())
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    char::from(ALFABETO[(s % 23) as usize])
}

/// A protocol number, parsed and checked.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Protocollo {
    prefisso: String,
    anno: i32,
    numero: u32,
    suffisso: u8,
}

/// Why a text is not a protocol number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ErroreProtocollo {
    #[error("«{0}» non ha la forma PREFISSO-AAAA-NNNNNNNNX-NN")]
    Forma(String),
    #[error("«{0}»: la lettera di controllo non corrisponde al numero")]
    Controllo(String),
}

impl Protocollo {
    /// Builds a protocol. `numero` must have at most 8 digits, `suffisso` at most 2.
    pub fn new(prefisso: &str, anno: i32, numero: u32, suffisso: u8) -> Option<Protocollo> {
        let prefisso_ok = !prefisso.is_empty()
            && prefisso
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        (prefisso_ok && (1000..=9999).contains(&anno) && numero <= 99_999_999 && suffisso <= 99)
            .then(|| Protocollo {
                prefisso: prefisso.to_string(),
                anno,
                numero,
                suffisso,
            })
    }

    pub fn prefisso(&self) -> &str {
        &self.prefisso
    }

    pub fn anno(&self) -> i32 {
        self.anno
    }

    pub fn numero(&self) -> u32 {
        self.numero
    }

    pub fn suffisso(&self) -> u8 {
        self.suffisso
    }

    /// The same DSU with another suffix (an ISEE corrente module).
    pub fn con_suffisso(&self, suffisso: u8) -> Option<Protocollo> {
        Protocollo::new(&self.prefisso, self.anno, self.numero, suffisso)
    }
}

impl fmt::Display for Protocollo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}-{:08}{}-{:02}",
            self.prefisso,
            self.anno,
            self.numero,
            lettera_di_controllo(self.numero),
            self.suffisso
        )
    }
}

impl FromStr for Protocollo {
    type Err = ErroreProtocollo;

    fn from_str(s: &str) -> Result<Protocollo, ErroreProtocollo> {
        let forma = || ErroreProtocollo::Forma(s.to_string());
        // The prefix may contain dashes itself (`INPS-ISEE`): split from the right.
        let mut parti = s.rsplitn(4, '-');
        let (Some(suff), Some(num), Some(anno), Some(prefisso)) =
            (parti.next(), parti.next(), parti.next(), parti.next())
        else {
            return Err(forma());
        };
        let tutte_cifre = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
        if !tutte_cifre(suff, 2) || !tutte_cifre(anno, 4) || num.len() != 9 || !num.is_ascii() {
            return Err(forma());
        }
        let (cifre, lettera) = num.split_at(8);
        if !tutte_cifre(cifre, 8) {
            return Err(forma());
        }
        let numero: u32 = cifre.parse().map_err(|_| forma())?;
        if !lettera.starts_with(lettera_di_controllo(numero)) {
            return Err(ErroreProtocollo::Controllo(s.to_string()));
        }
        Protocollo::new(
            prefisso,
            anno.parse().map_err(|_| forma())?,
            numero,
            suff.parse().map_err(|_| forma())?,
        )
        .ok_or_else(forma)
    }
}

impl Serialize for Protocollo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Protocollo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forma_e_andata_e_ritorno() {
        let p = Protocollo::new(PREFISSO_INPS, 2026, 123, 0).unwrap();
        let s = p.to_string();
        assert!(s.starts_with("INPS-ISEE-2026-00000123"), "{s}");
        assert!(s.ends_with("-00"));
        assert_eq!(s.len(), "INPS-ISEE-2026-00000123X-00".len());
        assert_eq!(s.parse::<Protocollo>().unwrap(), p);
        assert_eq!(
            p.con_suffisso(1).unwrap().to_string().get(..24),
            s.get(..24)
        );
    }

    #[test]
    fn lettera_calcolata_a_mano() {
        // 00000001: 1·2 = 2 → C.  12345678: 9+16+21+24+25+24+21+16 = 156; 156 mod 23 = 18 → V.
        assert_eq!(lettera_di_controllo(1), 'C');
        assert_eq!(lettera_di_controllo(12_345_678), 'V');
        assert_eq!(lettera_di_controllo(0), 'A');
    }

    #[test]
    fn ogni_cifra_sbagliata_e_ogni_scambio_cambiano_la_lettera() {
        for n in [0u32, 7, 12_345_678, 98_765_432, 40_000_001] {
            let base = format!("{n:08}").into_bytes();
            let l = lettera_di_controllo(n);
            for i in 0..8 {
                for c in b'0'..=b'9' {
                    if c == base[i] {
                        continue;
                    }
                    let mut v = base.clone();
                    v[i] = c;
                    let m: u32 = String::from_utf8(v).unwrap().parse().unwrap();
                    assert_ne!(lettera_di_controllo(m), l, "{n} cifra {i}");
                }
                for j in i + 1..8 {
                    if base[i] == base[j] {
                        continue;
                    }
                    let mut v = base.clone();
                    v.swap(i, j);
                    let m: u32 = String::from_utf8(v).unwrap().parse().unwrap();
                    assert_ne!(lettera_di_controllo(m), l, "{n} scambio {i},{j}");
                }
            }
        }
    }

    #[test]
    fn rifiuta_forme_sbagliate_e_lettera_errata() {
        for s in [
            "INPS-ISEE-2026-1234567é-00",
            "",
            "INPS-ISEE-2026-00000001C",
            "INPS-ISEE-26-00000001C-00",
            "2026-00000001C-00",
        ] {
            assert!(
                matches!(s.parse::<Protocollo>(), Err(ErroreProtocollo::Forma(_))),
                "{s}"
            );
        }
        assert!(matches!(
            "INPS-ISEE-2026-00000001D-00".parse::<Protocollo>(),
            Err(ErroreProtocollo::Controllo(_))
        ));
    }
}

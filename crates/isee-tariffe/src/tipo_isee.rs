//! The ISEE types a benefit can require (DPCM 159/2013 artt. 6–9 and the INPS `TipoIndicatore`).
//!
//! The crate defines its own small enum instead of depending on `isee-core`: the tariff engine only
//! needs to know which indicator a household presented, never how it was computed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kind of ISEE indicator, serialised lowercase as in the rule files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TipoIsee {
    /// ISEE ordinario (art. 2–5).
    Ordinario,
    /// ISEE for benefits to minors (art. 7): nidi, school services.
    Minorenni,
    /// ISEE for university benefits (art. 8).
    Universitario,
    /// ISEE for socio-sanitary benefits (art. 6), e.g. home care.
    Sociosanitario,
    /// ISEE socio-sanitario for residential care (art. 6 c. 3).
    Residenziale,
    /// ISEE for doctoral grants (INPS `Dottorato`).
    Dottorato,
    /// ISEE corrente (art. 9), which updates one of the others.
    Corrente,
}

impl TipoIsee {
    /// Every variant, in declaration order.
    pub const TUTTI: [TipoIsee; 7] = [
        TipoIsee::Ordinario,
        TipoIsee::Minorenni,
        TipoIsee::Universitario,
        TipoIsee::Sociosanitario,
        TipoIsee::Residenziale,
        TipoIsee::Dottorato,
        TipoIsee::Corrente,
    ];

    /// The lowercase name used in rule files and CSV columns.
    pub fn nome(self) -> &'static str {
        match self {
            TipoIsee::Ordinario => "ordinario",
            TipoIsee::Minorenni => "minorenni",
            TipoIsee::Universitario => "universitario",
            TipoIsee::Sociosanitario => "sociosanitario",
            TipoIsee::Residenziale => "residenziale",
            TipoIsee::Dottorato => "dottorato",
            TipoIsee::Corrente => "corrente",
        }
    }

    pub(crate) fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for TipoIsee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.nome())
    }
}

impl FromStr for TipoIsee {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_lowercase();
        TipoIsee::TUTTI
            .into_iter()
            .find(|t| t.nome() == s)
            .ok_or_else(|| {
                format!(
                    "tipo di ISEE sconosciuto `{s}`; ammessi: ordinario, minorenni, universitario, \
                     sociosanitario, residenziale, dottorato, corrente"
                )
            })
    }
}

//! The trace: every step of a calculation as data, with its legal reference.
//!
//! The calculation is generic over [`Traccia`]. With [`SenzaTraccia`] the closures
//! that build the steps are never called and compile away, so the fast path pays
//! nothing for the explanation.

use crate::parametri::{Fonte, Regole};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One named input of a step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Voce {
    pub nome: Cow<'static, str>,
    pub valore: Decimal,
}

/// One step: which rule, on whom, from which inputs, with which result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Passo {
    /// Stable identifier of the rule (`isr.franchigia_lavoro_dipendente`…).
    pub regola: Cow<'static, str>,
    /// What the step does, in Italian.
    pub descrizione: String,
    /// The member it concerns (fiscal code), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub componente: Option<String>,
    pub voci: Vec<Voce>,
    pub risultato: Decimal,
    /// The legal reference of the rule.
    pub riferimento: Cow<'static, str>,
    /// The parameters used, with their version and source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parametri: Vec<Fonte>,
}

pub trait Traccia {
    /// Records a step; the closure runs only if the trace is kept.
    fn passo(&mut self, f: impl FnOnce() -> Passo);
}

/// No trace: the fast path.
pub struct SenzaTraccia;

impl Traccia for SenzaTraccia {
    #[inline(always)]
    fn passo(&mut self, _f: impl FnOnce() -> Passo) {}
}

/// Keeps every step.
#[derive(Default)]
pub struct ConTraccia(pub Vec<Passo>);

impl Traccia for ConTraccia {
    fn passo(&mut self, f: impl FnOnce() -> Passo) {
        self.0.push(f());
    }
}

/// Builds a step; `voci` are normalised so the trace prints `1200.5`, not
/// `1200.5000000000`.
pub fn passo(
    regola: &'static str,
    descrizione: impl Into<String>,
    componente: Option<&str>,
    voci: &[(&'static str, Decimal)],
    risultato: Decimal,
    riferimento: &'static str,
) -> Passo {
    Passo {
        regola: Cow::Borrowed(regola),
        descrizione: descrizione.into(),
        componente: componente.map(str::to_string),
        voci: voci
            .iter()
            .map(|(n, v)| Voce {
                nome: Cow::Borrowed(n),
                valore: v.normalize(),
            })
            .collect(),
        risultato: risultato.normalize(),
        riferimento: Cow::Borrowed(riferimento),
        parametri: Vec::new(),
    }
}

impl Passo {
    /// Attaches the sources of the named parameters, as resolved in `regole`.
    pub fn con_parametri(mut self, regole: &Regole, nomi: &[&str]) -> Passo {
        self.parametri = nomi
            .iter()
            .filter_map(|n| regole.fonte(n).cloned())
            .collect();
        self
    }
}

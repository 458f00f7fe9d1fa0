//! The compiled form of a rule file: plain data laid out for fast evaluation.
//!
//! Everything a string lookup or a check would cost at evaluation time has been resolved here:
//! names are indices, flags are bits, tratti are sorted, and the order of application is a vector.

use rust_decimal::Decimal;

use crate::numero::Metodo;
use crate::sorgente::{EsitoPredefinito, Livello, Per, Scala};
use crate::tipo_isee::TipoIsee;

/// At most this many components per tariff; keeps `Esito` a fixed-size value.
pub const MAX_COMPONENTI: usize = 8;

/// One end of an interval on the ISEE (or on presences).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Estremo {
    pub valore: Decimal,
    pub incluso: bool,
}

/// An interval with explicit open or closed ends; `None` means unbounded on that side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Intervallo {
    pub basso: Option<Estremo>,
    pub alto: Option<Estremo>,
}

impl Intervallo {
    #[inline]
    pub(crate) fn contiene(&self, x: Decimal) -> bool {
        self.sopra_basso(x) && self.sotto_alto(x)
    }

    #[inline]
    pub(crate) fn sopra_basso(&self, x: Decimal) -> bool {
        match self.basso {
            None => true,
            Some(e) => x > e.valore || (e.incluso && x == e.valore),
        }
    }

    #[inline]
    pub(crate) fn sotto_alto(&self, x: Decimal) -> bool {
        match self.alto {
            None => true,
            Some(e) => x < e.valore || (e.incluso && x == e.valore),
        }
    }

    /// The intersection of two intervals.
    pub(crate) fn interseca(&self, altro: &Intervallo) -> Intervallo {
        let basso = match (self.basso, altro.basso) {
            (None, b) | (b, None) => b,
            (Some(a), Some(b)) => Some(if a.valore > b.valore {
                a
            } else if b.valore > a.valore {
                b
            } else {
                Estremo {
                    valore: a.valore,
                    incluso: a.incluso && b.incluso,
                }
            }),
        };
        let alto = match (self.alto, altro.alto) {
            (None, b) | (b, None) => b,
            (Some(a), Some(b)) => Some(if a.valore < b.valore {
                a
            } else if b.valore < a.valore {
                b
            } else {
                Estremo {
                    valore: a.valore,
                    incluso: a.incluso && b.incluso,
                }
            }),
        };
        Intervallo { basso, alto }
    }

    /// Whether the interval holds no value at all; with a quantisation step, whether it holds no
    /// multiple of the step (the only values the ISEE can take after quantisation).
    pub(crate) fn vuoto(&self, passo: Option<Decimal>) -> bool {
        if let (Some(b), Some(a)) = (self.basso, self.alto)
            && (b.valore > a.valore || (b.valore == a.valore && !(b.incluso && a.incluso)))
        {
            return true;
        }
        let Some(passo) = passo else { return false };
        let (Some(b), Some(a)) = (self.basso, self.alto) else {
            return false;
        };
        // The first multiple of the step inside the lower end.
        let mut k = (b.valore / passo).ceil() * passo;
        if k == b.valore && !b.incluso {
            k += passo;
        }
        !(k < a.valore || (k == a.valore && a.incluso))
    }
}

/// A threshold: the set of ISEE values it covers, and the act that sets it.
#[derive(Debug, Clone)]
pub(crate) struct Soglia {
    pub intervallo: Intervallo,
    pub riferimento: String,
}

/// How a tratto turns the ISEE into a unit amount.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Forma {
    /// A fixed amount (a fascia).
    Importo(Decimal),
    /// Linear interpolation between (x0, y0) and (x1, y1).
    Lineare {
        x0: Decimal,
        x1: Decimal,
        y0: Decimal,
        y1: Decimal,
        dy: Decimal,
        dx: Decimal,
    },
    /// `ISEE × tariffa / isee`: a line through the origin.
    Proporzionale { tariffa: Decimal, isee: Decimal },
    /// A fixed percentage of the component's cost.
    PercentualeCosto {
        percentuale: Decimal,
        costo: Decimal,
        valore: Decimal,
    },
    /// A percentage of the cost growing by `incremento` every `ogni` euro above `x0`.
    Passi {
        x0: Decimal,
        iniziale: Decimal,
        incremento: Decimal,
        ogni: Decimal,
        massima: Decimal,
        costo: Decimal,
    },
}

impl Forma {
    /// The unit amount at `x`; exact, never rounded.
    #[inline]
    pub(crate) fn valore(&self, x: Decimal) -> Decimal {
        match *self {
            Forma::Importo(v) => v,
            Forma::Lineare { x0, y0, dy, dx, .. } => y0 + (x - x0) * dy / dx,
            Forma::Proporzionale { tariffa, isee } => x * tariffa / isee,
            Forma::PercentualeCosto { valore, .. } => valore,
            Forma::Passi { .. } => {
                let percentuale = self.percentuale_passi(x);
                percentuale_di(self.costo_passi(), percentuale)
            }
        }
    }

    pub(crate) fn percentuale_passi(&self, x: Decimal) -> Decimal {
        match *self {
            Forma::Passi {
                x0,
                iniziale,
                incremento,
                ogni,
                massima,
                ..
            } => {
                let passi = ((x - x0) / ogni).floor().max(Decimal::ZERO);
                (iniziale + passi * incremento).min(massima)
            }
            _ => Decimal::ZERO,
        }
    }

    fn costo_passi(&self) -> Decimal {
        match *self {
            Forma::Passi { costo, .. } => costo,
            _ => Decimal::ZERO,
        }
    }

    /// Whether the amount is a formula of the ISEE (as opposed to a step of a table).
    pub(crate) fn continua(&self) -> bool {
        matches!(
            self,
            Forma::Lineare { .. } | Forma::Proporzionale { .. } | Forma::Passi { .. }
        )
    }
}

#[inline]
pub(crate) fn percentuale_di(base: Decimal, percentuale: Decimal) -> Decimal {
    base * percentuale / Decimal::ONE_HUNDRED
}

/// A band or segment of a component.
#[derive(Debug, Clone)]
pub(crate) struct Tratto {
    pub nome: String,
    pub intervallo: Intervallo,
    pub forma: Forma,
    pub riferimento: Option<String>,
}

/// One part of the tariff (a fixed monthly part, a daily rate, a meal price).
#[derive(Debug, Clone)]
pub(crate) struct Componente {
    pub id: String,
    pub descrizione: String,
    pub per: Per,
    pub unita_presenza: String,
    pub massimo: Option<Decimal>,
    pub riferimento: Option<String>,
    /// Sorted by lower bound, non-overlapping.
    pub tratti: Vec<Tratto>,
}

impl Componente {
    /// The tratto holding `x`, if any.
    #[inline]
    pub(crate) fn cerca(&self, x: Decimal) -> Option<usize> {
        let n = self.tratti.partition_point(|t| t.intervallo.sopra_basso(x));
        if n == 0 {
            return None;
        }
        let i = n - 1;
        self.tratti[i].intervallo.sotto_alto(x).then_some(i)
    }
}

/// A conjunction of conditions on the application.
#[derive(Debug, Clone, Default)]
pub(crate) struct Condizione {
    pub isee: Option<Intervallo>,
    pub ordine_figlio: Option<u16>,
    pub ordine_figlio_da: Option<u16>,
    pub figli_minori_min: Option<u16>,
    pub disabilita: Option<bool>,
    pub residente: Option<bool>,
    pub flag: u64,
    pub presenze: Option<Intervallo>,
    pub mese_da: Option<u32>,
    pub mese_a: Option<u32>,
}

/// When a transformation or reduction applies: all of `tutte` and, if present, one of `una_di`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Guardia {
    pub tutte: Condizione,
    pub una_di: Vec<Condizione>,
}

#[derive(Debug, Clone)]
pub(crate) struct Trasformazione {
    pub id: String,
    pub descrizione: String,
    pub percentuale: Decimal,
    pub guardia: Guardia,
    pub riferimento: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Effetto {
    /// Pay `100 − p` percent.
    Sconto(Decimal),
    /// Pay `p` percent.
    Quota(Decimal),
    /// Subtract a fixed amount (never below zero).
    Sottrai(Decimal),
    /// Use the fascia `n` steps lower.
    FasciaInferiore(u16),
}

#[derive(Debug, Clone)]
pub(crate) struct Riduzione {
    pub id: String,
    pub descrizione: String,
    pub effetto: Effetto,
    /// Bit `c` set: applies to component `c`.
    pub componenti: u32,
    pub guardia: Guardia,
    /// Bit `i` set: not applied if reduction `i` (an earlier one) was applied.
    pub non_cumulabile: u64,
    pub anche_a_tariffa_massima: bool,
    pub riferimento: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Arrotondamento {
    pub livello: Livello,
    pub passo: Decimal,
    pub metodo: Metodo,
    pub riferimento: String,
    /// Rounding happens just before `riduzioni[posizione]` (or at the end if equal to the length).
    pub posizione: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Quantizzazione {
    pub passo: Decimal,
    pub metodo: Metodo,
    pub riferimento: Option<String>,
}

/// A compiled tariff, ready to evaluate applications.
#[derive(Debug, Clone)]
pub struct Tariffa {
    pub(crate) nome: String,
    pub(crate) ente: String,
    pub(crate) riferimento: String,
    pub(crate) importo_per: Option<String>,
    pub(crate) note: Option<String>,
    pub(crate) isee_richiesto: TipoIsee,
    pub(crate) isee_ammessi: u8,
    pub(crate) scala: Scala,
    pub(crate) rif_isee: Option<String>,
    pub(crate) quantizzazione: Option<Quantizzazione>,
    pub(crate) condizioni: Vec<(String, String)>,
    pub(crate) trasformazioni: Vec<Trasformazione>,
    pub(crate) esenzione: Option<Soglia>,
    pub(crate) costo_pieno: Option<Soglia>,
    pub(crate) accesso: Option<Soglia>,
    pub(crate) senza_isee: EsitoPredefinito,
    pub(crate) non_residente: EsitoPredefinito,
    pub(crate) rif_predefiniti: String,
    pub(crate) componenti: Vec<Componente>,
    /// In order of application.
    pub(crate) riduzioni: Vec<Riduzione>,
    pub(crate) arrotondamento: Arrotondamento,
    pub(crate) serve_presenze: bool,
}

impl Tariffa {
    /// The benefit's name, as in `[tariffa] nome`.
    pub fn nome(&self) -> &str {
        &self.nome
    }

    /// The ente that sets the tariff.
    pub fn ente(&self) -> &str {
        &self.ente
    }

    /// The act that sets the tariff as a whole.
    pub fn riferimento(&self) -> &str {
        &self.riferimento
    }

    /// Free notes of the rule file (ambiguities resolved, sources).
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// The ISEE type the benefit requires.
    pub fn isee_richiesto(&self) -> TipoIsee {
        self.isee_richiesto
    }

    /// Whether some component is billed per presence (so applications need `presenze`).
    pub fn serve_presenze(&self) -> bool {
        self.serve_presenze
    }

    /// The components' ids, in file order (the index used by [`crate::Esito::unitario`]).
    pub fn componenti(&self) -> impl ExactSizeIterator<Item = &str> {
        self.componenti.iter().map(|c| c.id.as_str())
    }

    /// The name of tratto `t` of component `c` (a fascia's number, a segment's name).
    pub fn nome_tratto(&self, c: usize, t: usize) -> Option<&str> {
        self.componenti
            .get(c)?
            .tratti
            .get(t)
            .map(|t| t.nome.as_str())
    }

    /// The ids of the reductions, in order of application.
    pub fn riduzioni(&self) -> impl ExactSizeIterator<Item = &str> {
        self.riduzioni.iter().map(|r| r.id.as_str())
    }

    /// The ids of the ISEE transformations, in order of application.
    pub fn trasformazioni(&self) -> impl ExactSizeIterator<Item = &str> {
        self.trasformazioni.iter().map(|t| t.id.as_str())
    }

    /// The declared application conditions (name, description).
    pub fn condizioni_dichiarate(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.condizioni
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_str()))
    }
}

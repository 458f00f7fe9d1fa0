//! Evaluation of one application against a compiled tariff.
//!
//! The same code path serves the fast evaluation (no explanation, no allocation) and the explained
//! one: it is generic over a [`Traccia`] sink, and the no-op sink compiles away.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::modello::{Condizione, Effetto, Guardia, MAX_COMPONENTI, Tariffa, percentuale_di};
use crate::numero::{LIMITE, arrotonda};
use crate::sorgente::{EsitoPredefinito, Livello, Per, Scala};
use crate::spiegazione::{Passo, Spiegazione, Traccia};
use crate::tipo_isee::TipoIsee;

/// A billing month, `YYYY-MM`, stored as `year × 12 + month − 1` so months compare as integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mese(pub(crate) u32);

impl FromStr for Mese {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let errore = || format!("mese non valido `{s}`: scrivere AAAA-MM (es. \"2020-09\")");
        let (a, m) = s.trim().split_once('-').ok_or_else(errore)?;
        if a.len() != 4 || m.len() != 2 {
            return Err(errore());
        }
        let a: u32 = a.parse().map_err(|_| errore())?;
        let m: u32 = m.parse().map_err(|_| errore())?;
        if !(1..=12).contains(&m) {
            return Err(errore());
        }
        Ok(Mese(a * 12 + m - 1))
    }
}

impl fmt::Display for Mese {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.0 / 12, self.0 % 12 + 1)
    }
}

/// The application flags declared in a rule file's `[condizioni]`, as a bit set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Condizioni(pub(crate) u64);

/// One household's application for one billing period.
#[derive(Debug, Clone, PartialEq)]
pub struct Domanda {
    /// The ISEE value presented; `None` when there is no valid attestation.
    pub isee: Option<Decimal>,
    /// The kind of ISEE presented.
    pub tipo_isee: TipoIsee,
    /// Whether the household is resident in the ente's territory.
    pub residente: bool,
    /// Days, meals or hours in the period; needed by components billed per presence.
    pub presenze: Option<Decimal>,
    /// Number of minor children in the household.
    pub figli_minori: u16,
    /// Which child this is among those enrolled in the service (1 = first).
    pub ordine_figlio: u16,
    /// Whether the user of the service has a certified disability.
    pub disabilita: bool,
    /// Other declared conditions (first-home mortgage, part time…).
    pub condizioni: Condizioni,
    /// The billing month, for reductions valid only in some months.
    pub mese: Option<Mese>,
}

impl Domanda {
    /// A resident household with this ISEE, first child, no other condition.
    pub fn nuova(isee: Option<Decimal>, tipo_isee: TipoIsee) -> Self {
        Domanda {
            isee,
            tipo_isee,
            residente: true,
            presenze: None,
            figli_minori: 1,
            ordine_figlio: 1,
            disabilita: false,
            condizioni: Condizioni::default(),
            mese: None,
        }
    }
}

/// What the household owes, in short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stato {
    /// An amount above zero is due.
    Dovuto,
    /// Nothing is due (exemption threshold, or reductions down to zero).
    Esente,
    /// The household cannot have the benefit.
    Escluso,
}

/// Which route the evaluation took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Percorso {
    /// Amounts from the tratti of each component.
    Tratti,
    /// Below the exemption threshold.
    Esenzione,
    /// Above the full-cost threshold: every component at its maximum.
    CostoPieno,
    /// No valid ISEE: the `senza_isee` default.
    SenzaIsee,
    /// An ISEE of a type the benefit does not accept: the `senza_isee` default.
    TipoIseeNonAmmesso,
    /// Non-resident: the `non_residente` default.
    NonResidente,
    /// Above the access threshold.
    FuoriAccesso,
}

/// The result of an evaluation: fixed size, no heap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Esito {
    /// Due, exempt or excluded.
    pub stato: Stato,
    /// The route taken.
    pub percorso: Percorso,
    /// The total due for the period, rounded as the rule file says.
    pub importo: Decimal,
    /// The ISEE value the tariff used (after transformations), if any.
    pub isee_considerato: Option<Decimal>,
    n: u8,
    unitari: [Decimal; MAX_COMPONENTI],
    tratti: [u8; MAX_COMPONENTI],
}

const NESSUN_TRATTO: u8 = u8::MAX;

impl Esito {
    /// The unit amount of component `c` (per period or per presence), after reductions.
    pub fn unitario(&self, c: usize) -> Option<Decimal> {
        (c < self.n as usize).then(|| self.unitari[c])
    }

    /// The tratto (fascia or segment) of component `c`, if the amount came from the tratti.
    pub fn tratto(&self, c: usize) -> Option<usize> {
        (c < self.n as usize && self.tratti[c] != NESSUN_TRATTO).then(|| self.tratti[c] as usize)
    }

    fn vuoto(stato: Stato, percorso: Percorso, n: usize, isee: Option<Decimal>) -> Esito {
        Esito {
            stato,
            percorso,
            importo: Decimal::ZERO,
            isee_considerato: isee,
            n: n as u8,
            unitari: [Decimal::ZERO; MAX_COMPONENTI],
            tratti: [NESSUN_TRATTO; MAX_COMPONENTI],
        }
    }
}

/// Why an application could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErroreValutazione {
    /// The ISEE is negative.
    #[error("ISEE negativo: {0}")]
    IseeNegativo(Decimal),
    /// A value is too large to be real.
    #[error("valore fuori scala: {0}")]
    FuoriScala(Decimal),
    /// A component is billed per presence but the application has none (the index of the
    /// component; errors carry no strings so that the fast path never allocates).
    #[error("mancano le presenze (giorni, pasti, ore): la componente n. {} è fatturata a presenza", .0 + 1)]
    PresenzeMancanti(usize),
    /// Negative presences.
    #[error("presenze negative: {0}")]
    PresenzeNegative(Decimal),
    /// No tratto covers the ISEE (cannot happen for a file that passed the checks unless the
    /// ISEE has more decimals than the declared quantisation step assumes).
    #[error("nessun tratto della componente n. {} copre l'ISEE {isee}", .componente + 1)]
    NessunTratto {
        /// The component's index.
        componente: usize,
        /// The ISEE considered.
        isee: Decimal,
    },
}

impl Tariffa {
    /// Evaluates one application: the amount due, without explanation and without allocating.
    #[inline]
    pub fn valuta(&self, domanda: &Domanda) -> Result<Esito, ErroreValutazione> {
        self.valuta_con(domanda, &mut ())
    }

    /// Evaluates one application and records every step that led to the amount.
    pub fn valuta_spiegata(
        &self,
        domanda: &Domanda,
    ) -> Result<(Esito, Spiegazione), ErroreValutazione> {
        let mut passi = Vec::with_capacity(16);
        let esito = self.valuta_con(domanda, &mut passi)?;
        Ok((esito, Spiegazione { passi }))
    }

    /// The bit for a declared condition, to build [`Domanda::condizioni`].
    pub fn condizione(&self, nome: &str) -> Option<Condizioni> {
        self.condizioni
            .iter()
            .position(|(n, _)| n == nome)
            .map(|i| Condizioni(1 << i))
    }

    /// Builds the condition set from names; unknown names are an error (a typo would silently
    /// drop a reduction otherwise).
    pub fn condizioni<'a>(
        &self,
        nomi: impl IntoIterator<Item = &'a str>,
    ) -> Result<Condizioni, String> {
        let mut bits = 0u64;
        for nome in nomi {
            let nome = nome.trim();
            if nome.is_empty() {
                continue;
            }
            match self.condizione(nome) {
                Some(c) => bits |= c.0,
                None => {
                    let note: Vec<&str> = self.condizioni.iter().map(|(n, _)| n.as_str()).collect();
                    return Err(format!(
                        "condizione sconosciuta `{nome}` per questa tariffa; dichiarate: {}",
                        if note.is_empty() {
                            "nessuna".to_string()
                        } else {
                            note.join(", ")
                        }
                    ));
                }
            }
        }
        Ok(Condizioni(bits))
    }

    pub(crate) fn valuta_con<T: Traccia>(
        &self,
        d: &Domanda,
        t: &mut T,
    ) -> Result<Esito, ErroreValutazione> {
        let n = self.componenti.len();
        if !d.residente {
            match self.non_residente {
                EsitoPredefinito::ComeResidenti => t.passo(Passo::NonResidente {
                    esito: self.non_residente,
                }),
                esito => {
                    t.passo(Passo::NonResidente { esito });
                    return self.predefinito(d, esito, Percorso::NonResidente, t);
                }
            }
        }
        let isee = match d.isee {
            None => {
                t.passo(Passo::SenzaIsee {
                    esito: self.senza_isee,
                });
                return self.predefinito(d, self.senza_isee, Percorso::SenzaIsee, t);
            }
            Some(_) if self.isee_ammessi & d.tipo_isee.bit() == 0 => {
                t.passo(Passo::TipoNonAmmesso {
                    tipo: d.tipo_isee,
                    esito: self.senza_isee,
                });
                return self.predefinito(d, self.senza_isee, Percorso::TipoIseeNonAmmesso, t);
            }
            Some(x) => x,
        };
        if isee < Decimal::ZERO {
            return Err(ErroreValutazione::IseeNegativo(isee));
        }
        if isee > LIMITE {
            return Err(ErroreValutazione::FuoriScala(isee));
        }
        t.passo(Passo::IseeDichiarato {
            valore: isee,
            tipo: d.tipo_isee,
        });

        let mut x = isee;
        for (i, tr) in self.trasformazioni.iter().enumerate() {
            if tr.guardia.verifica(d, Some(x)) {
                let nuovo = x - percentuale_di(x, tr.percentuale);
                t.passo(Passo::Trasformazione {
                    indice: i as u8,
                    prima: x,
                    dopo: nuovo,
                });
                x = nuovo;
            }
        }
        if self.scala == Scala::Mensile {
            let nuovo = x / Decimal::from(12);
            t.passo(Passo::ScalaMensile {
                prima: x,
                dopo: nuovo,
            });
            x = nuovo;
        }
        if let Some(q) = &self.quantizzazione {
            let nuovo = arrotonda(x, q.passo, q.metodo);
            if nuovo != x {
                t.passo(Passo::Quantizzazione {
                    prima: x,
                    dopo: nuovo,
                });
                x = nuovo;
            }
        }
        if let Some(acc) = &self.accesso
            && !acc.intervallo.contiene(x)
        {
            t.passo(Passo::FuoriAccesso { isee: x });
            return Ok(Esito::vuoto(
                Stato::Escluso,
                Percorso::FuoriAccesso,
                n,
                Some(x),
            ));
        }
        if let Some(es) = &self.esenzione
            && es.intervallo.contiene(x)
        {
            t.passo(Passo::Esenzione { isee: x });
            t.passo(Passo::Totale {
                importo: Decimal::ZERO,
            });
            return Ok(Esito::vuoto(Stato::Esente, Percorso::Esenzione, n, Some(x)));
        }
        let mut esito = Esito::vuoto(Stato::Dovuto, Percorso::Tratti, n, Some(x));
        if self
            .costo_pieno
            .as_ref()
            .is_some_and(|cp| cp.intervallo.contiene(x))
        {
            t.passo(Passo::CostoPieno { isee: x });
            esito.percorso = Percorso::CostoPieno;
            for (c, comp) in self.componenti.iter().enumerate() {
                let m = comp.massimo.unwrap_or_default();
                esito.unitari[c] = m;
                t.passo(Passo::Massimo {
                    componente: c as u8,
                    importo: m,
                });
            }
        } else {
            for (c, comp) in self.componenti.iter().enumerate() {
                let i = comp.cerca(x).ok_or(ErroreValutazione::NessunTratto {
                    componente: c,
                    isee: x,
                })?;
                let v = comp.tratti[i].forma.valore(x);
                esito.unitari[c] = v;
                esito.tratti[c] = i as u8;
                t.passo(Passo::Tratto {
                    componente: c as u8,
                    tratto: i as u8,
                    isee: x,
                    valore: v,
                });
            }
        }
        self.completa(d, Some(x), esito, t)
    }

    fn predefinito<T: Traccia>(
        &self,
        d: &Domanda,
        esito_predefinito: EsitoPredefinito,
        percorso: Percorso,
        t: &mut T,
    ) -> Result<Esito, ErroreValutazione> {
        let n = self.componenti.len();
        if esito_predefinito == EsitoPredefinito::Escluso {
            return Ok(Esito::vuoto(Stato::Escluso, percorso, n, None));
        }
        let mut esito = Esito::vuoto(Stato::Dovuto, percorso, n, None);
        for (c, comp) in self.componenti.iter().enumerate() {
            let m = comp.massimo.unwrap_or_default();
            esito.unitari[c] = m;
            t.passo(Passo::Massimo {
                componente: c as u8,
                importo: m,
            });
        }
        self.completa(d, None, esito, t)
    }

    /// Reductions and rounding in the declared order, then the total.
    fn completa<T: Traccia>(
        &self,
        d: &Domanda,
        x: Option<Decimal>,
        mut esito: Esito,
        t: &mut T,
    ) -> Result<Esito, ErroreValutazione> {
        let arr = &self.arrotondamento;
        let per_componente = arr.livello == Livello::Componente;
        let da_tratti = esito.percorso == Percorso::Tratti;
        let predefinito = matches!(
            esito.percorso,
            Percorso::SenzaIsee | Percorso::TipoIseeNonAmmesso | Percorso::NonResidente
        );
        let mut applicate = 0u64;
        let mut arrotondato = false;
        let n_rid = self.riduzioni.len();
        for i in 0..=n_rid {
            if i == arr.posizione && per_componente {
                for c in 0..self.componenti.len() {
                    let prima = esito.unitari[c];
                    let dopo = arrotonda(prima, arr.passo, arr.metodo);
                    esito.unitari[c] = dopo;
                    if dopo != prima {
                        t.passo(Passo::Arrotondamento {
                            componente: c as u8,
                            prima,
                            dopo,
                        });
                    }
                }
                arrotondato = true;
            }
            if i == n_rid {
                break;
            }
            let r = &self.riduzioni[i];
            if predefinito && !r.anche_a_tariffa_massima {
                continue;
            }
            if !r.guardia.verifica(d, x) {
                continue;
            }
            if r.non_cumulabile & applicate != 0 {
                let con = (r.non_cumulabile & applicate).trailing_zeros() as u8;
                t.passo(Passo::NonCumulata {
                    riduzione: i as u8,
                    con,
                });
                continue;
            }
            match r.effetto {
                Effetto::FasciaInferiore(salto) => {
                    if !da_tratti {
                        continue;
                    }
                    let x = x.unwrap_or_default();
                    for (c, comp) in self.componenti.iter().enumerate() {
                        if r.componenti & (1 << c) == 0 {
                            continue;
                        }
                        let da = esito.tratti[c];
                        let a = da.saturating_sub(salto.min(255) as u8);
                        if a == da {
                            t.passo(Passo::SpostamentoImpossibile {
                                riduzione: i as u8,
                                componente: c as u8,
                            });
                            continue;
                        }
                        let v = comp.tratti[a as usize].forma.valore(x);
                        esito.tratti[c] = a;
                        esito.unitari[c] = v;
                        t.passo(Passo::Spostamento {
                            riduzione: i as u8,
                            componente: c as u8,
                            da,
                            a,
                            valore: v,
                        });
                    }
                }
                effetto => {
                    for c in 0..self.componenti.len() {
                        if r.componenti & (1 << c) == 0 {
                            continue;
                        }
                        let prima = esito.unitari[c];
                        let dopo = match effetto {
                            Effetto::Sconto(p) => prima - percentuale_di(prima, p),
                            Effetto::Quota(p) => percentuale_di(prima, p),
                            Effetto::Sottrai(v) => (prima - v).max(Decimal::ZERO),
                            Effetto::FasciaInferiore(_) => prima,
                        };
                        esito.unitari[c] = dopo;
                        t.passo(Passo::Riduzione {
                            riduzione: i as u8,
                            componente: c as u8,
                            prima,
                            dopo,
                        });
                        if arrotondato && per_componente {
                            // Amounts already rounded stay on the step: re-round right away.
                            let r2 = arrotonda(dopo, arr.passo, arr.metodo);
                            if r2 != dopo {
                                esito.unitari[c] = r2;
                                t.passo(Passo::Arrotondamento {
                                    componente: c as u8,
                                    prima: dopo,
                                    dopo: r2,
                                });
                            }
                        }
                    }
                }
            }
            applicate |= 1 << i;
        }

        let mut totale = Decimal::ZERO;
        for (c, comp) in self.componenti.iter().enumerate() {
            let u = esito.unitari[c];
            match comp.per {
                Per::Periodo => totale += u,
                Per::Presenza => {
                    let q = presenze(d, c)?;
                    let importo = u * q;
                    t.passo(Passo::Quantita {
                        componente: c as u8,
                        unitario: u,
                        quantita: q,
                        importo,
                    });
                    totale += importo;
                }
            }
        }
        let arrotondato_tot = arrotonda(totale, arr.passo, arr.metodo);
        if arrotondato_tot != totale {
            t.passo(Passo::ArrotondamentoTotale {
                prima: totale,
                dopo: arrotondato_tot,
            });
        }
        esito.importo = arrotondato_tot;
        if esito.importo.is_zero() {
            esito.stato = Stato::Esente;
        }
        t.passo(Passo::Totale {
            importo: esito.importo,
        });
        Ok(esito)
    }
}

fn presenze(d: &Domanda, c: usize) -> Result<Decimal, ErroreValutazione> {
    let q = d.presenze.ok_or(ErroreValutazione::PresenzeMancanti(c))?;
    if q < Decimal::ZERO {
        return Err(ErroreValutazione::PresenzeNegative(q));
    }
    if q > LIMITE {
        return Err(ErroreValutazione::FuoriScala(q));
    }
    Ok(q)
}

impl Guardia {
    #[inline]
    pub(crate) fn verifica(&self, d: &Domanda, x: Option<Decimal>) -> bool {
        self.tutte.verifica(d, x)
            && (self.una_di.is_empty() || self.una_di.iter().any(|c| c.verifica(d, x)))
    }
}

impl Condizione {
    #[inline]
    fn verifica(&self, d: &Domanda, x: Option<Decimal>) -> bool {
        if let Some(iv) = &self.isee {
            match x {
                Some(x) if iv.contiene(x) => {}
                _ => return false,
            }
        }
        if self.ordine_figlio.is_some_and(|o| d.ordine_figlio != o)
            || self.ordine_figlio_da.is_some_and(|o| d.ordine_figlio < o)
            || self.figli_minori_min.is_some_and(|m| d.figli_minori < m)
            || self.disabilita.is_some_and(|v| d.disabilita != v)
            || self.residente.is_some_and(|v| d.residente != v)
            || d.condizioni.0 & self.flag != self.flag
        {
            return false;
        }
        if let Some(iv) = &self.presenze
            && !d.presenze.is_some_and(|p| iv.contiene(p))
        {
            return false;
        }
        if self.mese_da.is_some() || self.mese_a.is_some() {
            let Some(m) = d.mese else { return false };
            if self.mese_da.is_some_and(|a| m.0 < a) || self.mese_a.is_some_and(|b| m.0 > b) {
                return false;
            }
        }
        true
    }
}

//! The explanation of an evaluation: every step, renderable as a short Italian text.
//!
//! Steps are small `Copy` values holding numbers and indices into the tariff, never strings, so
//! recording them is cheap and the no-op sink used by the fast path costs nothing. Names, formulas
//! and legal references are looked up from the `Tariffa` only when the text is rendered.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::compila::descrivi;
use crate::modello::{Forma, Tariffa};
use crate::numero::{euro, formato_it};
use crate::sorgente::{EsitoPredefinito, Livello, Scala};
use crate::tipo_isee::TipoIsee;

/// One step of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(missing_docs)]
pub enum Passo {
    NonResidente {
        esito: EsitoPredefinito,
    },
    SenzaIsee {
        esito: EsitoPredefinito,
    },
    TipoNonAmmesso {
        tipo: TipoIsee,
        esito: EsitoPredefinito,
    },
    IseeDichiarato {
        valore: Decimal,
        tipo: TipoIsee,
    },
    Trasformazione {
        indice: u8,
        prima: Decimal,
        dopo: Decimal,
    },
    ScalaMensile {
        prima: Decimal,
        dopo: Decimal,
    },
    Quantizzazione {
        prima: Decimal,
        dopo: Decimal,
    },
    FuoriAccesso {
        isee: Decimal,
    },
    Esenzione {
        isee: Decimal,
    },
    CostoPieno {
        isee: Decimal,
    },
    Massimo {
        componente: u8,
        importo: Decimal,
    },
    Tratto {
        componente: u8,
        tratto: u8,
        isee: Decimal,
        valore: Decimal,
    },
    Spostamento {
        riduzione: u8,
        componente: u8,
        da: u8,
        a: u8,
        valore: Decimal,
    },
    SpostamentoImpossibile {
        riduzione: u8,
        componente: u8,
    },
    Riduzione {
        riduzione: u8,
        componente: u8,
        prima: Decimal,
        dopo: Decimal,
    },
    NonCumulata {
        riduzione: u8,
        con: u8,
    },
    Arrotondamento {
        componente: u8,
        prima: Decimal,
        dopo: Decimal,
    },
    Quantita {
        componente: u8,
        unitario: Decimal,
        quantita: Decimal,
        importo: Decimal,
    },
    ArrotondamentoTotale {
        prima: Decimal,
        dopo: Decimal,
    },
    Totale {
        importo: Decimal,
    },
}

/// Where evaluation steps go.
pub(crate) trait Traccia {
    fn passo(&mut self, p: Passo);
}

impl Traccia for () {
    #[inline(always)]
    fn passo(&mut self, _: Passo) {}
}

impl Traccia for Vec<Passo> {
    #[inline]
    fn passo(&mut self, p: Passo) {
        self.push(p);
    }
}

/// Every step of one evaluation, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Spiegazione {
    /// The steps.
    pub passi: Vec<Passo>,
}

/// One rendered line: the text and the act that justifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Riga {
    /// A short sentence in Italian.
    pub testo: String,
    /// The delibera, regolamento or article; absent for pure arithmetic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub riferimento: Option<String>,
}

fn n(x: Decimal) -> String {
    formato_it(x, 2)
}

fn esito_predefinito(e: EsitoPredefinito) -> &'static str {
    match e {
        EsitoPredefinito::Massimo => "si applica la tariffa massima",
        EsitoPredefinito::Escluso => "la domanda non può essere accolta",
        EsitoPredefinito::ComeResidenti => "si applicano le stesse regole dei residenti",
    }
}

impl Spiegazione {
    /// The steps rendered as sentences, each with its legal reference.
    pub fn righe(&self, t: &Tariffa) -> Vec<Riga> {
        let mut out = Vec::with_capacity(self.passi.len());
        let mut riga = |testo: String, rif: Option<&str>| {
            out.push(Riga {
                testo,
                riferimento: rif.map(str::to_string),
            });
        };
        let comp = |c: u8| &t.componenti[c as usize];
        for p in &self.passi {
            match *p {
                Passo::NonResidente { esito } => riga(
                    format!("Nucleo non residente: {}.", esito_predefinito(esito)),
                    Some(&t.rif_predefiniti),
                ),
                Passo::SenzaIsee { esito } => riga(
                    format!(
                        "Nessuna attestazione ISEE valida: {}.",
                        esito_predefinito(esito)
                    ),
                    Some(&t.rif_predefiniti),
                ),
                Passo::TipoNonAmmesso { tipo, esito } => riga(
                    format!(
                        "È stato presentato l'ISEE {tipo}, ma il servizio richiede l'ISEE {}: {}.",
                        t.isee_richiesto,
                        esito_predefinito(esito)
                    ),
                    Some(&t.rif_predefiniti),
                ),
                Passo::IseeDichiarato { valore, tipo } => {
                    riga(format!("ISEE {tipo} presentato: {}.", euro(valore)), None);
                }
                Passo::Trasformazione {
                    indice,
                    prima,
                    dopo,
                } => {
                    let tr = &t.trasformazioni[indice as usize];
                    riga(
                        format!(
                            "{}: ISEE ridotto del {}%, da {} a {}.",
                            tr.descrizione,
                            formato_it(tr.percentuale, 0),
                            euro(prima),
                            euro(dopo)
                        ),
                        Some(&tr.riferimento),
                    );
                }
                Passo::ScalaMensile { prima, dopo } => riga(
                    format!("ISEE mensile: {} / 12 = {}.", euro(prima), euro(dopo)),
                    t.rif_isee.as_deref(),
                ),
                Passo::Quantizzazione { prima, dopo } => {
                    let q = t
                        .quantizzazione
                        .as_ref()
                        .expect("step only with quantisation");
                    riga(
                        format!(
                            "ISEE arrotondato a {} ({}): da {} a {}.",
                            formato_it(q.passo, 2),
                            q.metodo.descrizione(),
                            euro(prima),
                            euro(dopo)
                        ),
                        q.riferimento.as_deref().or(t.rif_isee.as_deref()),
                    );
                }
                Passo::FuoriAccesso { isee } => {
                    let s = t.accesso.as_ref().expect("step only with threshold");
                    riga(
                        format!(
                            "ISEE {} oltre la soglia di accesso ({}): la domanda non può essere accolta.",
                            euro(isee),
                            descrivi(&s.intervallo)
                        ),
                        Some(&s.riferimento),
                    );
                }
                Passo::Esenzione { isee } => {
                    let s = t.esenzione.as_ref().expect("step only with threshold");
                    riga(
                        format!(
                            "ISEE {} entro la soglia di esenzione ({}): nessun importo dovuto.",
                            euro(isee),
                            descrivi(&s.intervallo)
                        ),
                        Some(&s.riferimento),
                    );
                }
                Passo::CostoPieno { isee } => {
                    let s = t.costo_pieno.as_ref().expect("step only with threshold");
                    riga(
                        format!(
                            "ISEE {} nella fascia di costo pieno ({}): si applica la tariffa massima.",
                            euro(isee),
                            descrivi(&s.intervallo)
                        ),
                        Some(&s.riferimento),
                    );
                }
                Passo::Massimo {
                    componente,
                    importo,
                } => {
                    let c = comp(componente);
                    riga(
                        format!("{}: tariffa massima {}.", c.descrizione, euro(importo)),
                        c.riferimento.as_deref(),
                    );
                }
                Passo::Tratto {
                    componente,
                    tratto,
                    isee,
                    valore,
                } => {
                    let c = comp(componente);
                    let tr = &c.tratti[tratto as usize];
                    let dove = format!(
                        "ISEE {} nel tratto {} ({})",
                        n(isee),
                        tr.nome,
                        descrivi(&tr.intervallo)
                    );
                    let calcolo = match tr.forma {
                        Forma::Importo(v) => format!("importo della fascia {}", euro(v)),
                        Forma::Lineare { x0, x1, y0, y1, .. } => format!(
                            "interpolazione lineare {} + ({} − {}) × ({} − {}) / ({} − {}) = {}",
                            n(y0),
                            n(isee),
                            n(x0),
                            n(y1),
                            n(y0),
                            n(x1),
                            n(x0),
                            euro(valore)
                        ),
                        Forma::Proporzionale { tariffa, isee: xr } => format!(
                            "proporzione {} × {} / {} = {}",
                            n(isee),
                            n(tariffa),
                            n(xr),
                            euro(valore)
                        ),
                        Forma::PercentualeCosto {
                            percentuale, costo, ..
                        } => format!(
                            "{}% del costo di {} = {}",
                            formato_it(percentuale, 0),
                            euro(costo),
                            euro(valore)
                        ),
                        Forma::Passi { costo, .. } => format!(
                            "{}% del costo di {} = {}",
                            formato_it(tr.forma.percentuale_passi(isee), 0),
                            euro(costo),
                            euro(valore)
                        ),
                    };
                    riga(
                        format!("{}: {dove}, {calcolo}.", c.descrizione),
                        tr.riferimento
                            .as_deref()
                            .or(c.riferimento.as_deref())
                            .or(Some(&t.riferimento)),
                    );
                }
                Passo::Spostamento {
                    riduzione,
                    componente,
                    da,
                    a,
                    valore,
                } => {
                    let r = &t.riduzioni[riduzione as usize];
                    let c = comp(componente);
                    riga(
                        format!(
                            "{}: {} passa dalla fascia {} alla fascia {}, importo {}.",
                            r.descrizione,
                            c.descrizione,
                            c.tratti[da as usize].nome,
                            c.tratti[a as usize].nome,
                            euro(valore)
                        ),
                        Some(&r.riferimento),
                    );
                }
                Passo::SpostamentoImpossibile {
                    riduzione,
                    componente,
                } => {
                    let r = &t.riduzioni[riduzione as usize];
                    riga(
                        format!(
                            "{}: {} è già nella prima fascia, nessuno spostamento.",
                            r.descrizione,
                            comp(componente).descrizione
                        ),
                        Some(&r.riferimento),
                    );
                }
                Passo::Riduzione {
                    riduzione,
                    componente,
                    prima,
                    dopo,
                } => {
                    let r = &t.riduzioni[riduzione as usize];
                    let come = match r.effetto {
                        crate::modello::Effetto::Sconto(p) => {
                            format!("riduzione del {}%", formato_it(p, 0))
                        }
                        crate::modello::Effetto::Quota(p) => {
                            format!("si paga il {}%", formato_it(p, 0))
                        }
                        crate::modello::Effetto::Sottrai(v) => format!("meno {}", euro(v)),
                        crate::modello::Effetto::FasciaInferiore(_) => String::new(),
                    };
                    riga(
                        format!(
                            "{}: {} ({come}), da {} a {}.",
                            r.descrizione,
                            comp(componente).descrizione,
                            euro(prima),
                            euro(dopo)
                        ),
                        Some(&r.riferimento),
                    );
                }
                Passo::NonCumulata { riduzione, con } => {
                    let r = &t.riduzioni[riduzione as usize];
                    riga(
                        format!(
                            "{}: non si applica perché non è cumulabile con «{}», già applicata.",
                            r.descrizione, t.riduzioni[con as usize].descrizione
                        ),
                        Some(&r.riferimento),
                    );
                }
                Passo::Arrotondamento {
                    componente,
                    prima,
                    dopo,
                } => {
                    let a = &t.arrotondamento;
                    riga(
                        format!(
                            "{}: arrotondamento a {} ({}) da {} a {}.",
                            comp(componente).descrizione,
                            formato_it(a.passo, 2),
                            a.metodo.descrizione(),
                            euro(prima),
                            euro(dopo)
                        ),
                        Some(&a.riferimento),
                    );
                }
                Passo::Quantita {
                    componente,
                    unitario,
                    quantita,
                    importo,
                } => {
                    let c = comp(componente);
                    riga(
                        format!(
                            "{}: {} × {} {} = {}.",
                            c.descrizione,
                            euro(unitario),
                            formato_it(quantita, 0),
                            c.unita_presenza,
                            euro(importo)
                        ),
                        None,
                    );
                }
                Passo::ArrotondamentoTotale { prima, dopo } => {
                    let a = &t.arrotondamento;
                    let dove = match a.livello {
                        Livello::Totale => "",
                        Livello::Componente => {
                            " (le presenze non intere lasciano frazioni di passo)"
                        }
                    };
                    riga(
                        format!(
                            "Arrotondamento del totale a {} ({}){dove}: da {} a {}.",
                            formato_it(a.passo, 2),
                            a.metodo.descrizione(),
                            euro(prima),
                            euro(dopo)
                        ),
                        Some(&a.riferimento),
                    );
                }
                Passo::Totale { importo } => {
                    let per = t
                        .importo_per
                        .as_deref()
                        .map(|p| format!(" per {p}"))
                        .unwrap_or_default();
                    riga(format!("Importo dovuto{per}: {}.", euro(importo)), None);
                }
            }
        }
        out
    }

    /// The explanation as a short text for the family's letter: a heading, then one line per step
    /// with its reference in brackets.
    pub fn testo(&self, t: &Tariffa) -> String {
        let mut s = format!("{} — {}\n", t.nome, t.ente);
        if t.scala == Scala::Mensile
            && !self
                .passi
                .iter()
                .any(|p| matches!(p, Passo::ScalaMensile { .. }))
        {
            s.push_str("(le soglie sono espresse sull'ISEE mensile)\n");
        }
        for r in self.righe(t) {
            s.push_str("- ");
            s.push_str(&r.testo);
            if let Some(rif) = &r.riferimento {
                s.push_str(" [");
                s.push_str(rif);
                s.push(']');
            }
            s.push('\n');
        }
        s
    }

    /// The explanation on one line (for a CSV cell): the sentences joined by ` | `, without
    /// references.
    pub fn in_linea(&self, t: &Tariffa) -> String {
        self.righe(t)
            .into_iter()
            .map(|r| r.testo)
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

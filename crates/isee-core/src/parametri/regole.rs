//! The rules of one period, resolved from the parameter file into plain values.

use super::{ErroreParametri, Fonte, Parametro, Valore};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// An exact fraction such as the 2/3 of the casa excess, which no decimal can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Frazione {
    pub numeratore: Decimal,
    pub denominatore: Decimal,
}

impl Frazione {
    /// `x × n / d`, multiplying first so that a whole result stays whole.
    #[inline]
    pub fn di(self, x: Decimal) -> Decimal {
        x * self.numeratore / self.denominatore
    }
}

/// How long a DSU is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ScadenzaDsu {
    /// To 15 January of the next year (DSUs 2015-2018).
    QuindiciGennaioSuccessivo,
    /// To 31 December of the filing year (from 2019).
    TrentunoDicembre,
}

/// Every value the calculation needs, for one period. Field names follow the
/// parameter names of `parametri/isee.toml`.
#[derive(Clone, Debug)]
pub struct Regole {
    /// First day of the period.
    pub dal: NaiveDate,
    pub scala_base: [Decimal; 5],
    pub scala_incremento_oltre_cinque: Decimal,
    pub maggiorazione_figli: [Decimal; 6],
    pub maggiorazione_figli_famiglia_2026: [Decimal; 6],
    pub maggiorazione_minorenni: Decimal,
    pub maggiorazione_minori_tre_anni: Decimal,
    pub mesi_lavoro_minimi: u8,
    pub maggiorazione_disabilita: Decimal,
    pub incremento_convivenza_anagrafica: Decimal,

    pub franchigia_dipendente_quota: Decimal,
    pub franchigia_dipendente_massimo: Decimal,
    pub franchigia_pensione_quota: Decimal,
    pub franchigia_pensione_massimo: Decimal,
    pub spese_sanitarie_massimo: Decimal,
    pub trattamenti_disabilita_esclusi: bool,
    /// `[adult, minor]` for media, grave, non autosufficienza.
    pub franchigia_disabilita_media: [Decimal; 2],
    pub franchigia_disabilita_grave: [Decimal; 2],
    pub franchigia_non_autosufficienza: [Decimal; 2],
    pub spese_assistenza_e_rette_detraibili: bool,
    pub locazione_massimo: Decimal,
    pub locazione_incremento_per_figlio: Decimal,
    pub tasso_btp: Decimal,
    pub tasso_legale: Decimal,
    pub maggiorazione_tasso_legale: Decimal,

    pub peso_isp: Decimal,
    pub casa_soglia: Decimal,
    pub casa_incremento_per_figlio: Decimal,
    pub casa_quota_eccedenza: Frazione,
    pub casa_soglia_famiglia_2026: Decimal,
    pub casa_soglia_famiglia_2026_capoluogo: Decimal,
    pub casa_incremento_per_figlio_famiglia_2026: Decimal,
    pub capoluoghi_citta_metropolitane: Vec<String>,
    pub mobiliare_franchigia_base: Decimal,
    pub mobiliare_franchigia_per_componente: Decimal,
    pub mobiliare_franchigia_massimo: Decimal,
    pub mobiliare_franchigia_per_figlio: Decimal,
    pub titoli_di_stato_limite: Decimal,

    pub aggiuntiva_abbattimento: Decimal,
    pub aggiuntiva_quota: Decimal,
    pub universita_capacita_reddito_soglia: Decimal,

    pub corrente_riduzione_isr: Decimal,
    pub corrente_condizioni_alternative: bool,
    pub corrente_mesi_validita: u32,
    pub corrente_mesi_finestra_variazione: u32,
    pub corrente_moltiplicatore_due_mesi: Decimal,
    pub corrente_percorso_patrimoniale: bool,
    pub corrente_riduzione_isp: Decimal,
    pub corrente_mese_inizio_patrimoniale: u32,

    pub scadenza_dsu: ScadenzaDsu,
    pub anni_prima_redditi: i32,
    pub anni_prima_patrimonio: i32,

    pub variante_famiglia_2026: bool,
    pub neutralizzazione_auu_bonus_nido: bool,
    pub neutralizzazione_adi: bool,

    fonti: BTreeMap<String, Fonte>,
}

struct Risolutore<'a> {
    data: NaiveDate,
    indice: &'a BTreeMap<&'a str, &'a Parametro>,
    fonti: BTreeMap<String, Fonte>,
}

impl Risolutore<'_> {
    fn valore(&mut self, nome: &str) -> Result<Option<&Valore>, ErroreParametri> {
        let Some(p) = self.indice.get(nome) else {
            return Err(ErroreParametri::Mancante(nome.to_string()));
        };
        let Some(v) = p.in_vigore(self.data) else {
            return Ok(None);
        };
        self.fonti.insert(
            nome.to_string(),
            Fonte {
                nome: nome.to_string(),
                valore: v.valore.to_string(),
                dal: v.dal,
                fonte: v.fonte.clone(),
                affidabilita: v.affidabilita.clone(),
            },
        );
        Ok(Some(&v.valore))
    }

    /// A decimal; before the parameter's first version it is zero (the rule did not
    /// exist yet, as for the 2026 thresholds in 2015).
    fn dec(&mut self, nome: &str) -> Result<Decimal, ErroreParametri> {
        match self.valore(nome)? {
            None => Ok(Decimal::ZERO),
            Some(Valore::Decimale(d)) => Ok(*d),
            Some(_) => Err(super::errore(nome, "atteso un numero decimale")),
        }
    }

    fn intero(&mut self, nome: &str) -> Result<i64, ErroreParametri> {
        let d = self.dec(nome)?;
        if d.fract() != Decimal::ZERO {
            return Err(super::errore(nome, "atteso un numero intero"));
        }
        i64::try_from(d).map_err(|_| super::errore(nome, "intero fuori intervallo"))
    }

    fn booleano(&mut self, nome: &str) -> Result<bool, ErroreParametri> {
        match self.valore(nome)? {
            None => Ok(false),
            Some(Valore::Booleano(b)) => Ok(*b),
            Some(_) => Err(super::errore(nome, "atteso true o false")),
        }
    }

    fn elenco<const N: usize>(&mut self, nome: &str) -> Result<[Decimal; N], ErroreParametri> {
        let mut out = [Decimal::ZERO; N];
        match self.valore(nome)? {
            None => Ok(out),
            Some(Valore::Elenco(v)) if v.len() == N => {
                for (o, x) in out.iter_mut().zip(v) {
                    let Valore::Decimale(d) = x else {
                        return Err(super::errore(nome, "attesi numeri decimali"));
                    };
                    *o = *d;
                }
                Ok(out)
            }
            Some(_) => Err(super::errore(
                nome,
                format!("atteso un elenco di {N} numeri"),
            )),
        }
    }

    fn testi(&mut self, nome: &str) -> Result<Vec<String>, ErroreParametri> {
        match self.valore(nome)? {
            None => Ok(Vec::new()),
            Some(Valore::Elenco(v)) => v
                .iter()
                .map(|x| match x {
                    Valore::Testo(t) => Ok(t.clone()),
                    _ => Err(super::errore(nome, "attesi testi")),
                })
                .collect(),
            Some(_) => Err(super::errore(nome, "atteso un elenco di testi")),
        }
    }

    fn frazione(&mut self, nome: &str) -> Result<Frazione, ErroreParametri> {
        match self.valore(nome)? {
            Some(Valore::Frazione(f)) => Ok(*f),
            Some(Valore::Decimale(d)) => Ok(Frazione {
                numeratore: *d,
                denominatore: Decimal::ONE,
            }),
            _ => Err(super::errore(nome, "attesa una frazione come \"2/3\"")),
        }
    }
}

impl Regole {
    pub(super) fn risolvi(
        data: NaiveDate,
        indice: &BTreeMap<&str, &Parametro>,
    ) -> Result<Regole, ErroreParametri> {
        let mut r = Risolutore {
            data,
            indice,
            fonti: BTreeMap::new(),
        };
        let scadenza = match r.valore("validita.scadenza_dsu")? {
            Some(Valore::Testo(t)) if t == "31_dicembre" => ScadenzaDsu::TrentunoDicembre,
            Some(Valore::Testo(t)) if t == "15_gennaio_anno_successivo" => {
                ScadenzaDsu::QuindiciGennaioSuccessivo
            }
            _ => {
                return Err(super::errore(
                    "validita.scadenza_dsu",
                    "atteso \"31_dicembre\" o \"15_gennaio_anno_successivo\"",
                ));
            }
        };
        let mesi = |r: &mut Risolutore, n: &str| -> Result<u32, ErroreParametri> {
            u32::try_from(r.intero(n)?).map_err(|_| super::errore(n, "atteso un intero positivo"))
        };
        Ok(Regole {
            dal: data,
            scala_base: r.elenco("scala.parametri_base")?,
            scala_incremento_oltre_cinque: r.dec("scala.incremento_oltre_cinque")?,
            maggiorazione_figli: r.elenco("scala.maggiorazione_figli")?,
            maggiorazione_figli_famiglia_2026: r
                .elenco("scala.maggiorazione_figli_famiglia_2026")?,
            maggiorazione_minorenni: r.dec("scala.maggiorazione_minorenni")?,
            maggiorazione_minori_tre_anni: r.dec("scala.maggiorazione_minori_tre_anni")?,
            mesi_lavoro_minimi: u8::try_from(r.intero("scala.mesi_lavoro_minimi")?).map_err(
                |_| super::errore("scala.mesi_lavoro_minimi", "atteso un intero da 0 a 12"),
            )?,
            maggiorazione_disabilita: r.dec("scala.maggiorazione_disabilita")?,
            incremento_convivenza_anagrafica: r.dec("scala.incremento_convivenza_anagrafica")?,
            franchigia_dipendente_quota: r.dec("isr.franchigia_lavoro_dipendente_quota")?,
            franchigia_dipendente_massimo: r.dec("isr.franchigia_lavoro_dipendente_massimo")?,
            franchigia_pensione_quota: r.dec("isr.franchigia_pensione_quota")?,
            franchigia_pensione_massimo: r.dec("isr.franchigia_pensione_massimo")?,
            spese_sanitarie_massimo: r.dec("isr.spese_sanitarie_disabili_massimo")?,
            trattamenti_disabilita_esclusi: r.booleano("isr.trattamenti_disabilita_esclusi")?,
            franchigia_disabilita_media: r.elenco("isr.franchigia_disabilita_media")?,
            franchigia_disabilita_grave: r.elenco("isr.franchigia_disabilita_grave")?,
            franchigia_non_autosufficienza: r.elenco("isr.franchigia_non_autosufficienza")?,
            spese_assistenza_e_rette_detraibili: r
                .booleano("isr.spese_assistenza_e_rette_detraibili")?,
            locazione_massimo: r.dec("isr.locazione_massimo")?,
            locazione_incremento_per_figlio: r.dec("isr.locazione_incremento_per_figlio")?,
            tasso_btp: r.dec("isr.tasso_btp_decennale_medio")?,
            tasso_legale: r.dec("isr.tasso_interesse_legale")?,
            maggiorazione_tasso_legale: r.dec("isr.maggiorazione_tasso_legale")?,
            peso_isp: r.dec("ise.peso_isp")?,
            casa_soglia: r.dec("isp.casa_soglia")?,
            casa_incremento_per_figlio: r.dec("isp.casa_incremento_per_figlio")?,
            casa_quota_eccedenza: r.frazione("isp.casa_quota_eccedenza")?,
            casa_soglia_famiglia_2026: r.dec("isp.casa_soglia_famiglia_2026")?,
            casa_soglia_famiglia_2026_capoluogo: r
                .dec("isp.casa_soglia_famiglia_2026_capoluogo")?,
            casa_incremento_per_figlio_famiglia_2026: r
                .dec("isp.casa_incremento_per_figlio_famiglia_2026")?,
            capoluoghi_citta_metropolitane: r.testi("isp.capoluoghi_citta_metropolitane")?,
            mobiliare_franchigia_base: r.dec("isp.mobiliare_franchigia_base")?,
            mobiliare_franchigia_per_componente: r
                .dec("isp.mobiliare_franchigia_per_componente")?,
            mobiliare_franchigia_massimo: r.dec("isp.mobiliare_franchigia_massimo")?,
            mobiliare_franchigia_per_figlio: r.dec("isp.mobiliare_franchigia_per_figlio")?,
            titoli_di_stato_limite: r.dec("isp.titoli_di_stato_limite_esclusione")?,
            aggiuntiva_abbattimento: r.dec("aggiuntiva.abbattimento")?,
            aggiuntiva_quota: r.dec("aggiuntiva.quota")?,
            universita_capacita_reddito_soglia: r.dec("universita.capacita_reddito_soglia")?,
            corrente_riduzione_isr: r.dec("corrente.riduzione_isr")?,
            corrente_condizioni_alternative: r.booleano("corrente.condizioni_alternative")?,
            corrente_mesi_validita: mesi(&mut r, "corrente.mesi_validita")?,
            corrente_mesi_finestra_variazione: mesi(&mut r, "corrente.mesi_finestra_variazione")?,
            corrente_moltiplicatore_due_mesi: r.dec("corrente.moltiplicatore_due_mesi")?,
            corrente_percorso_patrimoniale: r.booleano("corrente.percorso_patrimoniale")?,
            corrente_riduzione_isp: r.dec("corrente.riduzione_isp")?,
            corrente_mese_inizio_patrimoniale: mesi(
                &mut r,
                "corrente.mese_inizio_percorso_patrimoniale",
            )?,
            scadenza_dsu: scadenza,
            anni_prima_redditi: r.intero("validita.anni_prima_redditi")? as i32,
            anni_prima_patrimonio: r.intero("validita.anni_prima_patrimonio")? as i32,
            variante_famiglia_2026: r.booleano("prestazioni.variante_famiglia_2026")?,
            neutralizzazione_auu_bonus_nido: r
                .booleano("prestazioni.neutralizzazione_auu_bonus_nido")?,
            neutralizzazione_adi: r.booleano("prestazioni.neutralizzazione_adi")?,
            fonti: r.fonti,
        })
    }

    /// The source of a parameter as resolved for this period, for the trace.
    pub fn fonte(&self, nome: &str) -> Option<&Fonte> {
        self.fonti.get(nome)
    }

    /// Every parameter in force in this period.
    pub fn fonti(&self) -> impl Iterator<Item = &Fonte> {
        self.fonti.values()
    }

    /// The reddito figurativo rate: the average 10-year BTP yield of the previous year
    /// or, if lower, the legal rate at 1 January plus one point (art. 4 c.2).
    pub fn tasso_reddito_figurativo(&self) -> Decimal {
        self.tasso_btp
            .min(self.tasso_legale + self.maggiorazione_tasso_legale)
    }

    /// The base scala parameter for `n` members (Allegato 1).
    pub fn parametro_base(&self, n: u32) -> Decimal {
        match n {
            0 => Decimal::ZERO,
            1..=5 => self.scala_base[n as usize - 1],
            _ => self.scala_base[4] + self.scala_incremento_oltre_cinque * Decimal::from(n - 5),
        }
    }

    pub fn e_capoluogo_citta_metropolitana(&self, codice_comune: &str) -> bool {
        self.capoluoghi_citta_metropolitane
            .iter()
            .any(|c| c.eq_ignore_ascii_case(codice_comune))
    }
}

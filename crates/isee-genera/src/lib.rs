//! Reproducible synthetic populations of DSUs, for demos, tests and benchmarks.
//!
//! The shapes follow the Italian population in broad strokes (ISTAT household sizes:
//! about a third single-person, few with five or more; home ownership around 70%;
//! a few percent of people with a disability). The numbers are plausible, not
//! statistics: the point is to exercise every rule with realistic mixes. The same
//! `(seed, index)` always gives the same household, so a population can be generated
//! in parallel and in any order.

#![forbid(unsafe_code)]

use chrono::{Datelike, NaiveDate};
use isee_core::codice_fiscale::componi;
use isee_core::data::Data;
use isee_core::dsu::*;
use isee_core::importo::{Importo, Percentuale};
use rust_decimal::Decimal;

/// A few real comuni (Belfiore code): capoluoghi of città metropolitane and others,
/// including the Comuni whose tariffs the project ships.
pub const COMUNI: &[(&str, &str)] = &[
    ("H501", "Roma"),
    ("F205", "Milano"),
    ("F839", "Napoli"),
    ("L219", "Torino"),
    ("A944", "Bologna"),
    ("D612", "Firenze"),
    ("A662", "Bari"),
    ("H199", "Ravenna"),
    ("H183", "Rapallo"),
    ("E885", "Manfredonia"),
    ("G388", "Pavia"),
];

/// What to generate.
#[derive(Clone, Debug)]
pub struct Impostazioni {
    pub seed: u64,
    /// Filing dates fall in this year.
    pub anno: i32,
    /// Limit the population to these comuni (Belfiore codes); empty = all of [`COMUNI`].
    pub comuni: Vec<String>,
}

impl Impostazioni {
    pub fn new(seed: u64, anno: i32) -> Impostazioni {
        Impostazioni {
            seed,
            anno,
            comuni: Vec::new(),
        }
    }
}

/// Fills the DSU with made-up, well-formed data for every datum INPS's DSU document
/// requires and the calculation does not use, so that it can be written as a valid
/// `ISEE_Dichiarazione`: in `dati_inps` the signature, the home's address, the lease
/// of a rented home, each person's citizenship and province of birth, the name of a
/// person whose sheet has none, the certificate of each person with a disability, an
/// excluded parent's name; elsewhere the recipient of each donation and the sender's
/// protocol. Data already present is kept. For tests and benchmarks only: none of it is anybody's real data.
pub fn completa_per_inps(dsu: &mut Dsu) {
    use isee_core::codice_fiscale::CodiceFiscale;
    use isee_core::dati_inps::*;
    let dichiarante = dsu
        .dichiarante()
        .map(|d| d.codice_fiscale)
        .unwrap_or_else(|| CodiceFiscale::new("RSSMRA80A01H501U"));
    let comune = dsu
        .abitazione
        .codice_comune
        .unwrap_or(CodiceComune::new("H501"));
    dsu.protocollo_mittente
        .get_or_insert_with(|| "CAF-PROVA-0001".into());
    let mut d = std::mem::take(&mut dsu.dati_inps);
    d.sottoscrizione.get_or_insert_with(|| Sottoscrizione {
        codice_fiscale: dichiarante,
        luogo: "ROMA".into(),
        data: None,
        note: None,
        impedimento_temporaneo: false,
        rappresentanza_legale: false,
        pec: None,
        autorizzazione_ritiro: true,
        numero_ricevuta: None,
    });
    d.indirizzo_abitazione.get_or_insert_with(|| Indirizzo {
        indirizzo: "VIA GARIBALDI".into(),
        civico: "1".into(),
        codice_comune: comune,
        provincia: "RM".into(),
        cap: "00100".into(),
    });
    if dsu.abitazione.canone_annuo.is_some() {
        d.locazione.get_or_insert_with(|| ContrattoLocazione {
            data: Data::new(NaiveDate::from_ymd_opt(2022, 1, 10).expect("data valida")),
            serie: "3T".into(),
            numero: "001234".into(),
            codice_ufficio: "TJN".into(),
            intestatari: vec![dichiarante],
        });
    }
    let esclusi: Vec<_> = dsu
        .genitori_non_conviventi
        .iter()
        .filter(|g| matches!(g.situazione, SituazioneGenitore::Escluso { .. }))
        .map(|g| g.codice_fiscale)
        .collect();
    for c in dsu.fogli() {
        let p = d
            .persone
            .entry(c.codice_fiscale.as_str().into())
            .or_default();
        if c.cognome.is_none() {
            p.cognome.get_or_insert_with(|| "ROSSI".into());
        }
        if c.nome.is_none() {
            p.nome.get_or_insert_with(|| "MARIA".into());
        }
        p.cittadinanza.get_or_insert_with(|| "ITALIANA".into());
        p.provincia_nascita.get_or_insert_with(|| "RM".into());
        if c.disabilita.is_some() {
            p.certificazione.get_or_insert_with(|| Certificazione {
                ente: "ASL ROMA 1".into(),
                documento: "VERBALE 123/2020".into(),
                data: Data::new(NaiveDate::from_ymd_opt(2020, 5, 4).expect("data valida")),
                prestazioni_residenziali: false,
            });
        }
    }
    for cf in esclusi {
        let p = d.persone.entry(cf.as_str().into()).or_default();
        p.cognome.get_or_insert_with(|| "BIANCHI".into());
        p.nome.get_or_insert_with(|| "LUCA".into());
    }
    dsu.dati_inps = d;
    if let Some(r) = &mut dsu.residenziale {
        for don in &mut r.donazioni {
            don.donatario
                .get_or_insert_with(|| CodiceFiscale::new("VRDGPP70A01H501Y"));
        }
    }
}

/// The household number `indice` of the population.
pub fn nucleo(imp: &Impostazioni, indice: u64) -> Dsu {
    let mut g = Generatore {
        rng: fastrand::Rng::with_seed(mescola(imp.seed, indice)),
        anno: imp.anno,
    };
    g.dsu(imp, indice)
}

/// SplitMix64 step: independent streams for each household from one seed.
fn mescola(seed: u64, indice: u64) -> u64 {
    let mut z = seed ^ indice.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Generatore {
    rng: fastrand::Rng,
    anno: i32,
}

const CONSONANTI: &[u8] = b"BCDFGLMNPRSTVZ";

impl Generatore {
    fn tra(&mut self, a: i64, b: i64) -> i64 {
        self.rng.i64(a..=b)
    }

    fn prob(&mut self, p: f64) -> bool {
        // A probability, not money: floats are fine here.
        self.rng.f64() < p
    }

    fn euro(&mut self, a: i64, b: i64) -> Importo {
        Importo::new(Decimal::from(self.tra(a, b)))
    }

    fn sigla(&mut self) -> String {
        (0..3)
            .map(|_| CONSONANTI[self.rng.usize(..CONSONANTI.len())] as char)
            .collect()
    }

    fn nascita(&mut self, eta_min: i64, eta_max: i64, presentazione: NaiveDate) -> NaiveDate {
        let eta = self.tra(eta_min, eta_max);
        let giorni = self.tra(0, 364);
        let anno = presentazione.year() - eta as i32 - 1;
        NaiveDate::from_ymd_opt(anno, 1, 1).unwrap_or(presentazione)
            + chrono::Duration::days(giorni + 1)
    }

    fn persona(
        &mut self,
        rapporto: Rapporto,
        eta: (i64, i64),
        presentazione: NaiveDate,
        comune: &str,
    ) -> Componente {
        let nascita = self.nascita(eta.0, eta.1, presentazione);
        let femmina = self.prob(0.5);
        let cognome = self.sigla();
        let nome = self.sigla();
        let anni = isee_core::data::eta_compiuta(nascita, presentazione);
        Componente {
            codice_fiscale: componi(&cognome, &nome, nascita, femmina, comune),
            cognome: None,
            nome: None,
            data_nascita: Data::new(nascita),
            rapporto,
            disabilita: if self.prob(0.04) {
                Some(match self.tra(0, 2) {
                    0 => GradoDisabilita::DIM,
                    1 => GradoDisabilita::DIG,
                    _ => GradoDisabilita::NAS,
                })
            } else {
                None
            },
            convivenza_anagrafica: false,
            attivita: None,
            mesi_lavoro: 0,
            redditi: Redditi::default(),
            assegni_pagati: AssegniPagati::default(),
            spese_sanitarie_disabili: Importo::ZERO,
            spese_assistenza_personale: Importo::ZERO,
            retta_ricovero: Importo::ZERO,
            patrimonio_mobiliare: if anni >= 18 || self.prob(0.2) {
                vec![self.conto(anni)]
            } else {
                Vec::new()
            },
            patrimonio_immobiliare: Vec::new(),
        }
    }

    fn conto(&mut self, eta: i32) -> RapportoFinanziario {
        let saldo = if eta < 18 {
            self.tra(0, 3_000)
        } else {
            self.tra(0, 25_000)
        };
        let giacenza = (saldo + self.tra(-2_000, 4_000)).max(0);
        RapportoFinanziario {
            tipo: TipoRapporto::ContoCorrente,
            identificativo: None,
            codice_intermediario: None,
            saldo_31_12: Importo::euro(saldo),
            giacenza_media: Importo::euro(giacenza),
            valore: Importo::ZERO,
            quota: Percentuale::CENTO,
            di_cui_titoli_di_stato: Importo::ZERO,
            incremento_patrimoniale: false,
        }
    }

    /// Income of an adult by age: employees, self-employed, pensioners, nobody.
    fn redditi(&mut self, c: &mut Componente, eta: i32) {
        if eta < 18 {
            return;
        }
        let r = &mut c.redditi;
        if eta >= 67 {
            let pensione = self.euro(7_000, 32_000);
            r.reddito_complessivo = pensione;
            r.di_cui_pensione = pensione;
            return;
        }
        let x = self.rng.f64();
        if x < 0.62 {
            let dip = self.euro(6_000, 55_000);
            r.reddito_complessivo = dip;
            r.di_cui_lavoro_dipendente = dip;
            c.mesi_lavoro = if self.prob(0.85) {
                12
            } else {
                self.tra(1, 11) as u8
            };
        } else if x < 0.74 {
            let aut = self.euro(5_000, 70_000);
            r.reddito_complessivo = aut;
            r.di_cui_lavoro_autonomo = aut;
            c.mesi_lavoro = 12;
            if self.prob(0.5) {
                r.imposta_sostitutiva = self.euro(0, 20_000);
            }
        } else if self.prob(0.3) {
            r.trattamenti_assistenziali = self.euro(1_000, 6_000);
        }
        if c.disabilita.is_some() {
            r.trattamenti_disabilita = self.euro(3_000, 7_000);
            c.spese_sanitarie_disabili = self.euro(0, 8_000);
        }
    }

    fn dsu(&mut self, imp: &Impostazioni, indice: u64) -> Dsu {
        let presentazione = NaiveDate::from_ymd_opt(self.anno, 1, 1).unwrap_or(NaiveDate::MIN)
            + chrono::Duration::days(self.tra(0, 330));
        let comune: String = if imp.comuni.is_empty() {
            COMUNI[self.rng.usize(..COMUNI.len())].0.to_string()
        } else {
            imp.comuni[self.rng.usize(..imp.comuni.len())].clone()
        };
        // Household size: ISTAT-like weights for 1..=6.
        let dimensione = match self.rng.u32(0..100) {
            0..=32 => 1,
            33..=59 => 2,
            60..=78 => 3,
            79..=93 => 4,
            94..=98 => 5,
            _ => 6,
        };
        let mut componenti = Vec::with_capacity(dimensione);
        let coppia = dimensione >= 2 && self.prob(if dimensione == 2 { 0.6 } else { 0.82 });
        let eta_d = if dimensione == 1 { (20, 90) } else { (26, 58) };
        componenti.push(self.persona(Rapporto::D, eta_d, presentazione, &comune));
        if coppia {
            componenti.push(self.persona(Rapporto::C, (24, 60), presentazione, &comune));
        }
        let eta_dichiarante = componenti[0]
            .data_nascita
            .get()
            .map(|n| isee_core::data::eta_compiuta(n, presentazione))
            .unwrap_or(40);
        while componenti.len() < dimensione {
            let max = (eta_dichiarante - 18).clamp(0, 26) as i64;
            componenti.push(self.persona(Rapporto::F, (0, max), presentazione, &comune));
        }
        for c in &mut componenti {
            let eta = c
                .data_nascita
                .get()
                .map(|n| isee_core::data::eta_compiuta(n, presentazione))
                .unwrap_or(40);
            self.redditi(c, eta);
            if eta >= 25 && self.prob(0.12) {
                let valore = self.tra(15_000, 150_000);
                c.patrimonio_mobiliare.push(RapportoFinanziario {
                    tipo: TipoRapporto::DepositoTitoli,
                    identificativo: None,
                    codice_intermediario: None,
                    saldo_31_12: Importo::ZERO,
                    giacenza_media: Importo::ZERO,
                    valore: Importo::euro(valore),
                    quota: Percentuale::CENTO,
                    di_cui_titoli_di_stato: if self.prob(0.5) {
                        Importo::euro(valore / 2)
                    } else {
                        Importo::ZERO
                    },
                    incremento_patrimoniale: false,
                });
            }
        }
        // Home: owned by the dichiarante (shared with the spouse half and half), rented, or other.
        let x = self.rng.f64();
        let abitazione = if x < 0.70 {
            let valore = self.tra(35_000, 260_000);
            let mutuo = if self.prob(0.3) {
                self.tra(10_000, valore)
            } else {
                0
            };
            let quota = if coppia {
                Decimal::from(50)
            } else {
                Decimal::ONE_HUNDRED
            };
            let casa = |_: ()| Immobile {
                tipo: TipoPatrimonio::F,
                codice_comune: CodiceComune::new(&comune),
                quota: Percentuale::new(quota),
                valore_imu: Importo::euro(valore),
                mutuo_residuo: Importo::euro(mutuo),
                casa_abitazione: true,
                inagibile_calamita: false,
                ricevuto_in_donazione: false,
            };
            componenti[0].patrimonio_immobiliare.push(casa(()));
            if coppia {
                componenti[1].patrimonio_immobiliare.push(casa(()));
            }
            Abitazione {
                titolo: TitoloAbitazione::Proprieta,
                codice_comune: Some(CodiceComune::new(&comune)),
                canone_annuo: None,
            }
        } else if x < 0.90 {
            Abitazione {
                titolo: TitoloAbitazione::Locazione,
                codice_comune: Some(CodiceComune::new(&comune)),
                canone_annuo: Some(self.euro(3_600, 14_000)),
            }
        } else {
            Abitazione {
                titolo: TitoloAbitazione::Altro,
                codice_comune: Some(CodiceComune::new(&comune)),
                canone_annuo: None,
            }
        };
        if self.prob(0.15) {
            let altro = COMUNI[self.rng.usize(..COMUNI.len())].0.to_string();
            let v = self.tra(20_000, 180_000);
            componenti[0].patrimonio_immobiliare.push(Immobile {
                tipo: if self.prob(0.8) {
                    TipoPatrimonio::F
                } else {
                    TipoPatrimonio::TA
                },
                codice_comune: CodiceComune::new(&altro),
                quota: Percentuale::CENTO,
                valore_imu: Importo::euro(v),
                mutuo_residuo: Importo::ZERO,
                casa_abitazione: false,
                inagibile_calamita: false,
                ricevuto_in_donazione: false,
            });
        }
        Dsu {
            versione_formato: 1,
            data_presentazione: Data::new(presentazione),
            protocollo_mittente: Some(format!("GEN-{:08X}-{indice:09}", imp.seed as u32)),
            componenti,
            abitazione,
            condizioni_nucleo: None,
            genitori_non_conviventi: Vec::new(),
            universitari: Vec::new(),
            dottorato: None,
            nucleo_ristretto: None,
            residenziale: None,
            corrente: None,
            dati_inps: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stesso_seme_stessa_popolazione() {
        let imp = Impostazioni::new(42, 2026);
        assert_eq!(nucleo(&imp, 7), nucleo(&imp, 7));
        assert_ne!(nucleo(&imp, 7), nucleo(&imp, 8));
        assert_ne!(nucleo(&imp, 7), nucleo(&Impostazioni::new(43, 2026), 7));
    }

    #[test]
    fn ogni_nucleo_generato_e_valido() {
        let imp = Impostazioni::new(1, 2026);
        for i in 0..2_000 {
            let d = nucleo(&imp, i);
            if let Err(p) = isee_core::valida(d.clone()) {
                panic!("household {i} invalid: {p:#?}\n{d:#?}");
            }
        }
    }

    #[test]
    fn le_forme_sono_varie() {
        let imp = Impostazioni::new(3, 2026);
        let mut dimensioni = [0u32; 7];
        let mut disabili = 0;
        let mut affitto = 0;
        for i in 0..5_000 {
            let d = nucleo(&imp, i);
            dimensioni[d.componenti.len().min(6)] += 1;
            disabili += d
                .componenti
                .iter()
                .filter(|c| c.disabilita.is_some())
                .count();
            affitto += usize::from(d.abitazione.titolo == TitoloAbitazione::Locazione);
        }
        assert!(
            dimensioni[1] > 1_200 && dimensioni[1] < 2_100,
            "{dimensioni:?}"
        );
        assert!(dimensioni[5] + dimensioni[6] > 100, "{dimensioni:?}");
        assert!(disabili > 200, "{disabili}");
        assert!(affitto > 700 && affitto < 1_300, "{affitto}");
    }
}

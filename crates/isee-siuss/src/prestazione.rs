//! A social benefit granted by the ente to one beneficiary ([`PrestazioneErogata`]):
//! what one PS-PSA record of SIUSS says (`PS_PSA_SINA201812.xsd`, `BeneficiarioType`
//! with one `PrestazioniSociali`), read from the ente's raw record ([`RecordGrezzo`],
//! a CSV row) with every problem reported at once.
//!
//! The checks are the XSD's (patterns, lengths, enumerations) and the cross-field rules
//! of INPS's technical specification v2.0.1, Allegato B, table 9: the DSU fields all or
//! none; `DataInizioPrestazione` and `ImportoMensile` (> 0) required for a periodic
//! benefit, `DataErogazionePrestazione` and `ImportoPrestazione` (> 0) for a one-off;
//! `DataFinePrestazione` in the same year as the start; the shares, when given, adding
//! up to the monthly/one-off amount; `AreaUtenza` required when `PresaCarico` is 1;
//! region and comune required for residence in Italy (380).

use crate::errore::{ProblemaCampo, Problemi};
use chrono::{Datelike, NaiveDate};
use isee_core::codice_fiscale::{CodiceFiscale, verifica};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The ente's record as it comes (a CSV row, by column name): every field text, empty =
/// absent. Kept as-is in the store, read again into a [`PrestazioneErogata`] on output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecordGrezzo {
    pub codice_fiscale: Option<String>,
    pub cognome: Option<String>,
    pub nome: Option<String>,
    pub anno_nascita: Option<String>,
    pub luogo_nascita: Option<String>,
    pub genere: Option<String>,
    pub cittadinanza: Option<String>,
    pub seconda_cittadinanza: Option<String>,
    pub nazione_residenza: Option<String>,
    pub regione_residenza: Option<String>,
    pub comune_residenza: Option<String>,
    pub tipo_operazione: Option<String>,
    pub presenza_prova_mezzi: Option<String>,
    pub carattere_prestazione: Option<String>,
    pub protocollo_dsu: Option<String>,
    pub anno_protocollo_dsu: Option<String>,
    pub data_dsu: Option<String>,
    pub codice_prestazione: Option<String>,
    pub denominazione_prestazione: Option<String>,
    pub protocollo_domanda: Option<String>,
    pub data_evento: Option<String>,
    pub data_inizio: Option<String>,
    pub data_fine: Option<String>,
    pub data_erogazione: Option<String>,
    pub importo_prestazione: Option<String>,
    pub periodo_erogazione: Option<String>,
    pub importo_mensile: Option<String>,
    pub quota_ente: Option<String>,
    pub quota_utente: Option<String>,
    pub quota_ssn: Option<String>,
    pub quota_richiesta: Option<String>,
    pub soglia_isee: Option<String>,
    pub ore_servizio_mensile: Option<String>,
    pub presa_carico: Option<String>,
    pub area_utenza: Option<String>,
    pub cf_operatore: Option<String>,
}

/// The columns of the CSV, in [`RecordGrezzo`]'s order (the header of a template file).
pub const COLONNE: [&str; 36] = [
    "codice_fiscale",
    "cognome",
    "nome",
    "anno_nascita",
    "luogo_nascita",
    "genere",
    "cittadinanza",
    "seconda_cittadinanza",
    "nazione_residenza",
    "regione_residenza",
    "comune_residenza",
    "tipo_operazione",
    "presenza_prova_mezzi",
    "carattere_prestazione",
    "protocollo_dsu",
    "anno_protocollo_dsu",
    "data_dsu",
    "codice_prestazione",
    "denominazione_prestazione",
    "protocollo_domanda",
    "data_evento",
    "data_inizio",
    "data_fine",
    "data_erogazione",
    "importo_prestazione",
    "periodo_erogazione",
    "importo_mensile",
    "quota_ente",
    "quota_utente",
    "quota_ssn",
    "quota_richiesta",
    "soglia_isee",
    "ore_servizio_mensile",
    "presa_carico",
    "area_utenza",
    "cf_operatore",
];

/// Italy's code in the ISO 3166 numeric list the XSD uses for nations.
pub const ITALIA: &str = "380";

/// `GenereType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Genere {
    Maschio,
    Femmina,
}

/// `PresenzaProvaMezziType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProvaMezzi {
    /// 1: the benefit depends on the ISEE.
    Isee,
    /// 2: a means test other than the ISEE.
    AltraProva,
    /// 3: normally ISEE-based, waived for this beneficiary.
    IseeEsentato,
    /// 4: no means test.
    Nessuna,
}

/// `AreaUtenzaType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AreaUtenza {
    FamigliaMinori,
    DisabilitaNonAutosufficienza,
    PovertaEsclusione,
}

/// `TipoOperazioneType`: insertion (the default) or cancellation of a record INPS has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TipoOperazione {
    Inserimento,
    Cancellazione,
}

/// `Anagrafica` and `Indirizzo` of the beneficiary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beneficiario {
    pub codice_fiscale: CodiceFiscale,
    pub cognome: String,
    pub nome: String,
    pub anno_nascita: u16,
    /// Belfiore code of the comune (or foreign state) of birth: 4 characters.
    pub luogo_nascita: String,
    pub genere: Genere,
    /// ISO 3166 numeric, 3 digits (990: not available).
    pub cittadinanza: String,
    pub seconda_cittadinanza: Option<String>,
    pub residenza: Residenza,
}

/// `IndirizzoType`: the nation, and for Italy the region (DM 1986 code) and the comune
/// (ISTAT code, 6 digits).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Residenza {
    pub nazione: String,
    pub regione: Option<String>,
    pub comune: Option<String>,
}

/// The DSU the benefit was granted on (all three or none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiferimentoDsu {
    pub numero_protocollo: String,
    pub anno_protocollo: u16,
    pub data: NaiveDate,
}

/// `CaratterePrestazione` with the fields each kind requires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Carattere {
    /// 1: a periodic benefit, with its monthly amount.
    Periodico {
        data_inizio: NaiveDate,
        data_fine: Option<NaiveDate>,
        importo_mensile: Decimal,
        /// Months of payment in the year (1–12).
        periodo_erogazione: Option<u8>,
    },
    /// 2: a one-off benefit, with its amount.
    Occasionale {
        data_erogazione: NaiveDate,
        importo: Decimal,
    },
}

/// Who pays what of the amount (each optional; when any is given they add up to the
/// amount).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Quote {
    pub ente: Option<Decimal>,
    pub utente: Option<Decimal>,
    pub ssn: Option<Decimal>,
}

/// One benefit of one beneficiary: what a single PS-PSA flow carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrestazioneErogata {
    pub beneficiario: Beneficiario,
    pub tipo_operazione: TipoOperazione,
    pub prova_mezzi: ProvaMezzi,
    pub carattere: Carattere,
    pub dsu: Option<RiferimentoDsu>,
    /// The benefit's code in the nomenclature of social services (`A1.01`…).
    pub codice_prestazione: String,
    pub denominazione_prestazione: String,
    /// The ente's protocol of the application: with the benefit code, the record's key.
    pub protocollo_domanda: String,
    pub data_evento: Option<NaiveDate>,
    pub quote: Quote,
    /// The most asked of a generic user (statistical).
    pub quota_richiesta: Option<Decimal>,
    /// The (maximum) ISEE threshold of the benefit (statistical).
    pub soglia_isee: Option<Decimal>,
    pub ore_servizio_mensile: Option<Decimal>,
    /// `PresaCarico` 1 with its area, or `None` for 2 (not taken in charge).
    pub presa_carico: Option<AreaUtenza>,
    /// The fiscal code of the ente's operator who recorded the benefit (`CFOperatore`).
    pub cf_operatore: CodiceFiscale,
}

impl PrestazioneErogata {
    /// The amount the shares must add up to: monthly for a periodic benefit, the
    /// one-off amount otherwise.
    pub fn importo(&self) -> Decimal {
        match &self.carattere {
            Carattere::Periodico {
                importo_mensile, ..
            } => *importo_mensile,
            Carattere::Occasionale { importo, .. } => *importo,
        }
    }

    /// Reads a raw record, reporting every problem at once.
    pub fn leggi(r: &RecordGrezzo) -> Result<PrestazioneErogata, Problemi> {
        let mut l = Lettore::default();

        // Beneficiary.
        let codice_fiscale = l.cf("codice_fiscale", &r.codice_fiscale);
        let cognome = l.testo("cognome", &r.cognome, 1, 36);
        let nome = l.testo("nome", &r.nome, 1, 36);
        let anno_nascita = l.anno("anno_nascita", &r.anno_nascita);
        let luogo_nascita = l.belfiore("luogo_nascita", &r.luogo_nascita);
        let genere = l.codice(
            "genere",
            &r.genere,
            |s| match s {
                "1" | "M" | "m" => Some(Genere::Maschio),
                "2" | "F" | "f" => Some(Genere::Femmina),
                _ => None,
            },
            "1 (M) o 2 (F)",
        );
        let cittadinanza = l.cifre("cittadinanza", &r.cittadinanza, 3);
        let seconda_cittadinanza = l.cifre_opz("seconda_cittadinanza", &r.seconda_cittadinanza, 3);
        let nazione = l.cifre("nazione_residenza", &r.nazione_residenza, 3);
        let regione = l.cifre_opz("regione_residenza", &r.regione_residenza, 2);
        let comune = l.cifre_opz("comune_residenza", &r.comune_residenza, 6);
        if nazione.as_deref() == Some(ITALIA) {
            if r.regione_residenza.as_deref().is_none_or(str::is_empty) {
                l.problema(
                    "regione_residenza",
                    "obbligatoria per la residenza in Italia (nazione 380)",
                );
            }
            if r.comune_residenza.as_deref().is_none_or(str::is_empty) {
                l.problema("comune_residenza", "obbligatorio per la residenza in Italia (nazione 380): codice ISTAT di 6 cifre");
            }
        }

        // The benefit.
        let tipo_operazione = match presente(&r.tipo_operazione) {
            None => Some(TipoOperazione::Inserimento),
            Some(_) => l.codice(
                "tipo_operazione",
                &r.tipo_operazione,
                |s| match s {
                    "I" => Some(TipoOperazione::Inserimento),
                    "C" => Some(TipoOperazione::Cancellazione),
                    _ => None,
                },
                "I (inserimento) o C (cancellazione)",
            ),
        };
        let prova_mezzi = l.codice(
            "presenza_prova_mezzi",
            &r.presenza_prova_mezzi,
            |s| match s {
                "1" => Some(ProvaMezzi::Isee),
                "2" => Some(ProvaMezzi::AltraProva),
                "3" => Some(ProvaMezzi::IseeEsentato),
                "4" => Some(ProvaMezzi::Nessuna),
                _ => None,
            },
            "1, 2, 3 o 4",
        );
        let codice_prestazione = l.codice_prestazione("codice_prestazione", &r.codice_prestazione);
        let denominazione_prestazione = l.testo(
            "denominazione_prestazione",
            &r.denominazione_prestazione,
            10,
            200,
        );
        let protocollo_domanda = l.testo("protocollo_domanda", &r.protocollo_domanda, 1, 32);
        let data_evento = l.data_opz("data_evento", &r.data_evento);

        // The DSU: all or none.
        let dsu_campi = [&r.protocollo_dsu, &r.anno_protocollo_dsu, &r.data_dsu];
        let dsu = if dsu_campi.iter().all(|c| presente(c).is_none()) {
            None
        } else {
            let numero = l.testo("protocollo_dsu", &r.protocollo_dsu, 1, 30);
            let anno = l.anno("anno_protocollo_dsu", &r.anno_protocollo_dsu);
            let data = l.data("data_dsu", &r.data_dsu);
            match (numero, anno, data) {
                (Some(numero_protocollo), Some(anno_protocollo), Some(data)) => {
                    Some(RiferimentoDsu {
                        numero_protocollo,
                        anno_protocollo,
                        data,
                    })
                }
                _ => None,
            }
        };
        // Periodic or one-off, with what each requires.
        let carattere_codice = l.codice(
            "carattere_prestazione",
            &r.carattere_prestazione,
            |s| match s {
                "1" => Some(true),
                "2" => Some(false),
                _ => None,
            },
            "1 (periodica) o 2 (occasionale)",
        );
        let carattere = match carattere_codice {
            Some(true) => {
                let data_inizio = l.data("data_inizio", &r.data_inizio);
                let data_fine = l.data_opz("data_fine", &r.data_fine);
                let importo_mensile = l.importo_positivo("importo_mensile", &r.importo_mensile);
                let periodo_erogazione =
                    l.intero_opz("periodo_erogazione", &r.periodo_erogazione, 1, 12);
                if let (Some(i), Some(f)) = (data_inizio, data_fine) {
                    if f.year() != i.year() {
                        l.problema("data_fine", "deve cadere nello stesso anno di data_inizio");
                    } else if f < i {
                        l.problema("data_fine", "precede data_inizio");
                    }
                }
                l.assente(
                    "data_erogazione",
                    &r.data_erogazione,
                    "solo per le prestazioni occasionali (carattere 2)",
                );
                l.assente(
                    "importo_prestazione",
                    &r.importo_prestazione,
                    "solo per le prestazioni occasionali (carattere 2)",
                );
                match (data_inizio, importo_mensile) {
                    (Some(data_inizio), Some(importo_mensile)) => Some(Carattere::Periodico {
                        data_inizio,
                        data_fine,
                        importo_mensile,
                        periodo_erogazione,
                    }),
                    _ => None,
                }
            }
            Some(false) => {
                let data_erogazione = l.data("data_erogazione", &r.data_erogazione);
                let importo = l.importo_positivo("importo_prestazione", &r.importo_prestazione);
                for (campo, v) in [
                    ("data_inizio", &r.data_inizio),
                    ("data_fine", &r.data_fine),
                    ("importo_mensile", &r.importo_mensile),
                    ("periodo_erogazione", &r.periodo_erogazione),
                ] {
                    l.assente(campo, v, "solo per le prestazioni periodiche (carattere 1)");
                }
                match (data_erogazione, importo) {
                    (Some(data_erogazione), Some(importo)) => Some(Carattere::Occasionale {
                        data_erogazione,
                        importo,
                    }),
                    _ => None,
                }
            }
            None => None,
        };

        // The shares.
        let quota_ente = l.importo_opz("quota_ente", &r.quota_ente, false);
        let quota_utente = l.importo_opz("quota_utente", &r.quota_utente, true);
        let quota_ssn = l.importo_opz("quota_ssn", &r.quota_ssn, false);
        let quota_richiesta = l.importo_opz("quota_richiesta", &r.quota_richiesta, true);
        let soglia_isee = l.importo_opz("soglia_isee", &r.soglia_isee, true);
        let ore_servizio_mensile = l.ore_opz("ore_servizio_mensile", &r.ore_servizio_mensile);
        let quote = Quote {
            ente: quota_ente,
            utente: quota_utente,
            ssn: quota_ssn,
        };
        if let Some(c) = &carattere {
            let importo = match c {
                Carattere::Periodico {
                    importo_mensile, ..
                } => *importo_mensile,
                Carattere::Occasionale { importo, .. } => *importo,
            };
            let date = [quote.ente, quote.utente, quote.ssn];
            if date.iter().any(Option::is_some) {
                let somma: Decimal = date.iter().flatten().sum();
                if somma != importo {
                    l.problema(
                        "quota_ente",
                        format!("la somma delle quote (ente, utente, SSN) è {somma}, non l'importo {importo} della prestazione"),
                    );
                }
            }
        }

        let presa = l.codice(
            "presa_carico",
            &r.presa_carico,
            |s| match s {
                "1" => Some(true),
                "2" => Some(false),
                _ => None,
            },
            "1 (sì) o 2 (no)",
        );
        let area = match presente(&r.area_utenza) {
            None => None,
            Some(_) => l.codice(
                "area_utenza",
                &r.area_utenza,
                |s| match s {
                    "1" => Some(AreaUtenza::FamigliaMinori),
                    "2" => Some(AreaUtenza::DisabilitaNonAutosufficienza),
                    "3" => Some(AreaUtenza::PovertaEsclusione),
                    _ => None,
                },
                "1, 2 o 3",
            ),
        };
        let presa_carico = match presa {
            Some(true) => {
                if area.is_none() && presente(&r.area_utenza).is_none() {
                    l.problema(
                        "area_utenza",
                        "obbligatoria con la presa in carico (presa_carico 1): 1, 2 o 3",
                    );
                }
                area
            }
            Some(false) => {
                l.assente(
                    "area_utenza",
                    &r.area_utenza,
                    "solo con la presa in carico (presa_carico 1)",
                );
                None
            }
            None => None,
        };
        let cf_operatore = l.cf("cf_operatore", &r.cf_operatore);

        if !l.problemi.is_empty() {
            return Err(Problemi(l.problemi));
        }
        // Every `None` above was reported; a missing value here is a bug of this function.
        let (
            Some(codice_fiscale),
            Some(cognome),
            Some(nome),
            Some(anno_nascita),
            Some(luogo_nascita),
            Some(genere),
            Some(cittadinanza),
            Some(nazione),
            Some(tipo_operazione),
            Some(prova_mezzi),
            Some(carattere),
            Some(codice_prestazione),
            Some(denominazione_prestazione),
            Some(protocollo_domanda),
            Some(_),
            Some(cf_operatore),
        ) = (
            codice_fiscale,
            cognome,
            nome,
            anno_nascita,
            luogo_nascita,
            genere,
            cittadinanza,
            nazione,
            tipo_operazione,
            prova_mezzi,
            carattere,
            codice_prestazione,
            denominazione_prestazione,
            protocollo_domanda,
            presa,
            cf_operatore,
        )
        else {
            return Err(Problemi(vec![ProblemaCampo {
                campo: "record",
                messaggio: "record incompleto".into(),
            }]));
        };
        Ok(PrestazioneErogata {
            beneficiario: Beneficiario {
                codice_fiscale,
                cognome,
                nome,
                anno_nascita,
                luogo_nascita,
                genere,
                cittadinanza,
                seconda_cittadinanza,
                residenza: Residenza {
                    nazione,
                    regione,
                    comune,
                },
            },
            tipo_operazione,
            prova_mezzi,
            carattere,
            dsu,
            codice_prestazione,
            denominazione_prestazione,
            protocollo_domanda,
            data_evento,
            quote,
            quota_richiesta,
            soglia_isee,
            ore_servizio_mensile,
            presa_carico,
            cf_operatore,
        })
    }
}

fn presente(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Collects the problems while reading the fields.
#[derive(Default)]
struct Lettore {
    problemi: Vec<ProblemaCampo>,
}

impl Lettore {
    fn problema(&mut self, campo: &'static str, messaggio: impl Into<String>) {
        self.problemi.push(ProblemaCampo {
            campo,
            messaggio: messaggio.into(),
        });
    }

    fn obbligatorio<'a>(&mut self, campo: &'static str, v: &'a Option<String>) -> Option<&'a str> {
        let p = presente(v);
        if p.is_none() {
            self.problema(campo, "campo obbligatorio mancante");
        }
        p
    }

    fn assente(&mut self, campo: &'static str, v: &Option<String>, perche: &str) {
        if presente(v).is_some() {
            self.problema(campo, format!("da non indicare: {perche}"));
        }
    }

    fn testo(
        &mut self,
        campo: &'static str,
        v: &Option<String>,
        min: usize,
        max: usize,
    ) -> Option<String> {
        let s = self.obbligatorio(campo, v)?;
        let n = s.chars().count();
        if n < min || n > max {
            self.problema(
                campo,
                format!("lunghezza {n} caratteri: ammessi da {min} a {max}"),
            );
            return None;
        }
        if s.chars().any(char::is_control) {
            self.problema(campo, "contiene caratteri di controllo");
            return None;
        }
        Some(s.to_string())
    }

    fn cf(&mut self, campo: &'static str, v: &Option<String>) -> Option<CodiceFiscale> {
        let s = self.obbligatorio(campo, v)?;
        let cf = CodiceFiscale::new(s);
        match verifica(&cf) {
            Ok(()) => Some(cf),
            Err(d) => {
                self.problema(campo, format!("{} ({})", d.messaggio(), cf.mascherato()));
                None
            }
        }
    }

    fn cifre_in(&mut self, campo: &'static str, s: &str, n: usize) -> Option<String> {
        if s.len() == n && s.bytes().all(|b| b.is_ascii_digit()) {
            Some(s.to_string())
        } else {
            self.problema(campo, format!("«{}»: servono {n} cifre", troncato(s)));
            None
        }
    }

    fn cifre(&mut self, campo: &'static str, v: &Option<String>, n: usize) -> Option<String> {
        let s = self.obbligatorio(campo, v)?;
        self.cifre_in(campo, s, n)
    }

    fn cifre_opz(&mut self, campo: &'static str, v: &Option<String>, n: usize) -> Option<String> {
        let s = presente(v)?;
        self.cifre_in(campo, s, n)
    }

    fn anno(&mut self, campo: &'static str, v: &Option<String>) -> Option<u16> {
        let s = self.cifre(campo, v, 4)?;
        let a: u16 = s.parse().ok()?;
        if !(1900..=2100).contains(&a) {
            self.problema(campo, format!("anno {a} fuori dall'intervallo 1900–2100"));
            return None;
        }
        Some(a)
    }

    fn belfiore(&mut self, campo: &'static str, v: &Option<String>) -> Option<String> {
        let s = self.obbligatorio(campo, v)?;
        let b = s.as_bytes();
        if b.len() == 4 && b[0].is_ascii_alphabetic() && b[1..].iter().all(u8::is_ascii_digit) {
            Some(s.to_ascii_uppercase())
        } else {
            self.problema(
                campo,
                format!(
                    "«{}»: serve un codice catastale (Belfiore) di una lettera e tre cifre",
                    troncato(s)
                ),
            );
            None
        }
    }

    fn codice<T>(
        &mut self,
        campo: &'static str,
        v: &Option<String>,
        f: impl Fn(&str) -> Option<T>,
        ammessi: &str,
    ) -> Option<T> {
        let s = self.obbligatorio(campo, v)?;
        let r = f(s);
        if r.is_none() {
            self.problema(
                campo,
                format!("«{}» non ammesso: valori ammessi {ammessi}", troncato(s)),
            );
        }
        r
    }

    fn codice_prestazione(&mut self, campo: &'static str, v: &Option<String>) -> Option<String> {
        let s = self.obbligatorio(campo, v)?;
        // The nomenclature's form (`A1.01`, `B2.03`…): a letter, a digit, a dot, two digits.
        let b = s.as_bytes();
        let ok = b.len() == 5
            && b[0].is_ascii_uppercase()
            && b[1].is_ascii_digit()
            && b[2] == b'.'
            && b[3].is_ascii_digit()
            && b[4].is_ascii_digit();
        if ok {
            Some(s.to_string())
        } else {
            self.problema(campo, format!("«{}»: serve un codice del nomenclatore degli interventi e servizi sociali (una lettera, una cifra, un punto, due cifre: A1.01)", troncato(s)));
            None
        }
    }

    fn data_in(&mut self, campo: &'static str, s: &str) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if (1900..=2100).contains(&d.year()) => Some(d),
            _ => {
                self.problema(
                    campo,
                    format!("«{}»: serve una data AAAA-MM-GG", troncato(s)),
                );
                None
            }
        }
    }

    fn data(&mut self, campo: &'static str, v: &Option<String>) -> Option<NaiveDate> {
        let s = self.obbligatorio(campo, v)?;
        self.data_in(campo, s)
    }

    fn data_opz(&mut self, campo: &'static str, v: &Option<String>) -> Option<NaiveDate> {
        let s = presente(v)?;
        self.data_in(campo, s)
    }

    fn decimale(&mut self, campo: &'static str, s: &str) -> Option<Decimal> {
        // Euros with a dot and at most two decimals, no exponent, no sign but for
        // what the caller allows.
        let forma = !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
            && s.len() <= 16;
        match s.parse::<Decimal>() {
            Ok(d) if forma && d.scale() <= 2 => Some(d),
            _ => {
                self.problema(campo, format!("«{}»: serve un importo in euro con il punto e al più due decimali (1234.56)", troncato(s)));
                None
            }
        }
    }

    fn importo_positivo(&mut self, campo: &'static str, v: &Option<String>) -> Option<Decimal> {
        let s = self.obbligatorio(campo, v)?;
        let d = self.decimale(campo, s)?;
        if d <= Decimal::ZERO {
            self.problema(campo, "deve essere maggiore di zero");
            return None;
        }
        Some(d)
    }

    fn importo_opz(
        &mut self,
        campo: &'static str,
        v: &Option<String>,
        zero_ammesso: bool,
    ) -> Option<Decimal> {
        let s = presente(v)?;
        let d = self.decimale(campo, s)?;
        if d < Decimal::ZERO || (!zero_ammesso && d.is_zero()) {
            self.problema(
                campo,
                if zero_ammesso {
                    "non può essere negativo"
                } else {
                    "deve essere maggiore di zero"
                },
            );
            return None;
        }
        Some(d)
    }

    fn intero_opz(
        &mut self,
        campo: &'static str,
        v: &Option<String>,
        min: u8,
        max: u8,
    ) -> Option<u8> {
        let s = presente(v)?;
        match s.parse::<u8>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.problema(
                    campo,
                    format!("«{}»: serve un intero da {min} a {max}", troncato(s)),
                );
                None
            }
        }
    }

    /// Monthly hours as `HH.MM` (the specification's «HH,MM»: hours and minutes).
    fn ore_opz(&mut self, campo: &'static str, v: &Option<String>) -> Option<Decimal> {
        let s = presente(v)?;
        let s2 = s.replace(',', ".");
        let d = self.decimale(campo, &s2)?;
        let minuti = (d.fract() * Decimal::from(100)).trunc();
        if d < Decimal::ZERO || minuti >= Decimal::from(60) {
            self.problema(
                campo,
                format!(
                    "«{}»: servono ore e minuti HH.MM (minuti da 00 a 59)",
                    troncato(s)
                ),
            );
            return None;
        }
        Some(d)
    }
}

/// At most 40 characters of a value, for messages (a pasted document stays short).
fn troncato(s: &str) -> String {
    let mut t: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        t.push('…');
    }
    t
}

/// A CSV line read: its number and the record.
pub type RigaLetta = (u64, RecordGrezzo);
/// A refused CSV line: its number and every problem of it.
pub type RigaRifiutata = (u64, Problemi);

/// The CSV import (`isee siuss importa`): the records with their line numbers, or
/// every problem of every line (line number, problems). Header required, column order
/// free, unknown columns refused (a misspelt column would silently drop a field).
pub fn leggi_csv(testo: &str) -> Result<Vec<RigaLetta>, Vec<RigaRifiutata>> {
    let mut lettore = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(testo.as_bytes());
    let mut errori = Vec::new();
    let intestazione: Vec<String> = match lettore.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => {
            return Err(vec![(
                1,
                problema_unico("intestazione", format!("non leggibile: {e}")),
            )]);
        }
    };
    let mut indici: Vec<Option<usize>> = Vec::with_capacity(intestazione.len());
    let mut viste = std::collections::HashSet::new();
    for nome in &intestazione {
        match COLONNE.iter().position(|c| c == nome) {
            Some(i) if viste.insert(i) => indici.push(Some(i)),
            Some(_) => {
                errori.push((
                    1,
                    problema_unico(
                        "intestazione",
                        format!("colonna «{}» ripetuta", troncato(nome)),
                    ),
                ));
                indici.push(None);
            }
            None => {
                errori.push((
                    1,
                    problema_unico(
                        "intestazione",
                        format!(
                            "colonna «{}» sconosciuta (ammesse: {})",
                            troncato(nome),
                            COLONNE.join(", ")
                        ),
                    ),
                ));
                indici.push(None);
            }
        }
    }
    let mut righe = Vec::new();
    for record in lettore.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let riga = e.position().map(|p| p.line()).unwrap_or(0);
                errori.push((riga, problema_unico("riga", format!("non leggibile: {e}"))));
                continue;
            }
        };
        let riga = record.position().map(|p| p.line()).unwrap_or(0);
        let mut valori = serde_json::Map::new();
        for (valore, indice) in record.iter().zip(&indici) {
            if let Some(i) = indice
                && !valore.is_empty()
            {
                valori.insert(
                    COLONNE[*i].to_string(),
                    serde_json::Value::String(valore.to_string()),
                );
            }
        }
        let grezzo: RecordGrezzo = match serde_json::from_value(serde_json::Value::Object(valori)) {
            Ok(g) => g,
            Err(e) => {
                errori.push((riga, problema_unico("riga", format!("non leggibile: {e}"))));
                continue;
            }
        };
        match PrestazioneErogata::leggi(&grezzo) {
            Ok(_) => righe.push((riga, grezzo)),
            Err(p) => errori.push((riga, p)),
        }
    }
    if errori.is_empty() {
        Ok(righe)
    } else {
        Err(errori)
    }
}

fn problema_unico(campo: &'static str, messaggio: String) -> Problemi {
    Problemi(vec![ProblemaCampo { campo, messaggio }])
}

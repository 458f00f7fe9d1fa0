//! The calculation of every ISEE type (DPCM 159/2013 and later changes).
//!
//! [`Motore::calcola`] takes a validated DSU and a [`Richiesta`] (type, benefit,
//! beneficiary) and returns an [`Esito`]: the attestation lines INPS prints, rounded
//! as INPS rounds them, the final value, the validity, and (on request) the trace.
//!
//! Layout: `nucleo` builds the set of people a type counts; `indicatore` computes
//! ISR, ISP, scala, ISE and ISEE on such a set; `tipi` composes the specific types
//! (minorenni, università, …); `corrente` the ISEE corrente; `aggiuntiva` the
//! componente aggiuntiva of Allegato 2; `validita` the dates.

mod aggiuntiva;
mod corrente;
mod indicatore;
mod nucleo;
mod tipi;
mod validita;

pub use validita::{Validita, scadenza_dsu};

use crate::codice_fiscale::CodiceFiscale;
use crate::importo::arrotonda_al_centesimo;
use crate::importo::non_negativo;
use crate::opzioni::Opzioni;
use crate::parametri::{Normativa, Regole};
use crate::traccia::{ConTraccia, Passo, SenzaTraccia, Traccia};
use crate::validazione::DsuValidata;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The ISEE types (INPS `TipoIndicatore`, plus the corrente).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TipoIsee {
    Ordinario,
    /// Benefits for minors (art. 7).
    Minorenni,
    /// Diritto allo studio universitario (art. 8 c.1-3).
    Universitario,
    /// Dottorato di ricerca (art. 8 c.4).
    Dottorato,
    /// Socio-sanitary benefits (art. 6 c.1-2).
    Sociosanitario,
    /// Residential care (art. 6 c.3, Allegato 2 c.1).
    Residenziale,
    /// The ISEE corrente of the ordinary nucleus (art. 9).
    Corrente,
}

impl TipoIsee {
    pub const TUTTI: [TipoIsee; 7] = [
        TipoIsee::Ordinario,
        TipoIsee::Minorenni,
        TipoIsee::Universitario,
        TipoIsee::Dottorato,
        TipoIsee::Sociosanitario,
        TipoIsee::Residenziale,
        TipoIsee::Corrente,
    ];

    pub fn etichetta(self) -> &'static str {
        match self {
            TipoIsee::Ordinario => "ISEE ordinario",
            TipoIsee::Minorenni => "ISEE per prestazioni rivolte a minorenni",
            TipoIsee::Universitario => "ISEE per il diritto allo studio universitario",
            TipoIsee::Dottorato => "ISEE per il dottorato di ricerca",
            TipoIsee::Sociosanitario => "ISEE per prestazioni socio-sanitarie",
            TipoIsee::Residenziale => "ISEE per prestazioni socio-sanitarie residenziali",
            TipoIsee::Corrente => "ISEE corrente",
        }
    }
}

impl TipoIsee {
    /// The name used in JSON and on the command line (`ordinario`, `minorenni`…).
    pub fn nome(self) -> &'static str {
        match self {
            TipoIsee::Ordinario => "ordinario",
            TipoIsee::Minorenni => "minorenni",
            TipoIsee::Universitario => "universitario",
            TipoIsee::Dottorato => "dottorato",
            TipoIsee::Sociosanitario => "sociosanitario",
            TipoIsee::Residenziale => "residenziale",
            TipoIsee::Corrente => "corrente",
        }
    }
}

impl std::str::FromStr for TipoIsee {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        TipoIsee::TUTTI
            .into_iter()
            .find(|t| t.nome() == s)
            .ok_or_else(|| {
                let nomi: Vec<_> = TipoIsee::TUTTI.iter().map(|t| t.nome()).collect();
                format!(
                    "tipo di ISEE sconosciuto «{s}»; ammessi: {}",
                    nomi.join(", ")
                )
            })
    }
}

/// The benefit requested, where the law differs by benefit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Prestazione {
    AssegnoUnico,
    /// Assegno di Inclusione.
    Adi,
    /// Supporto per la Formazione e il Lavoro.
    Sfl,
    /// Bonus asilo nido e forme di supporto domiciliare.
    BonusNido,
    BonusNuoviNati,
    /// Any other benefit, national or local.
    Altra,
}

impl Prestazione {
    /// The benefits of the 2026 "ISEE per specifiche prestazioni familiari e per
    /// l'inclusione" (L. 199/2025 art. 1 c.208).
    pub fn familiare_2026(self) -> bool {
        !matches!(self, Prestazione::Altra)
    }
}

impl Prestazione {
    pub const TUTTE: [Prestazione; 6] = [
        Prestazione::AssegnoUnico,
        Prestazione::Adi,
        Prestazione::Sfl,
        Prestazione::BonusNido,
        Prestazione::BonusNuoviNati,
        Prestazione::Altra,
    ];

    /// The name used in JSON (`assegno_unico`…); the command line also accepts
    /// hyphens (`assegno-unico`).
    pub fn nome(self) -> &'static str {
        match self {
            Prestazione::AssegnoUnico => "assegno_unico",
            Prestazione::Adi => "adi",
            Prestazione::Sfl => "sfl",
            Prestazione::BonusNido => "bonus_nido",
            Prestazione::BonusNuoviNati => "bonus_nuovi_nati",
            Prestazione::Altra => "altra",
        }
    }
}

impl std::str::FromStr for Prestazione {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.replace('-', "_");
        Prestazione::TUTTE
            .into_iter()
            .find(|p| p.nome() == s)
            .ok_or_else(|| {
                let nomi: Vec<_> = Prestazione::TUTTE.iter().map(|p| p.nome()).collect();
                format!(
                    "prestazione sconosciuta «{s}»; ammesse: {}",
                    nomi.join(", ")
                )
            })
    }
}

/// Which rules of the scala and casa a calculation used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Variante {
    Ordinaria,
    /// ISEE per specifiche prestazioni familiari e per l'inclusione (from 2026).
    #[serde(rename = "familiare_inclusione_2026")]
    FamiliareInclusione2026,
}

/// What to compute.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Richiesta {
    pub tipo: TipoIsee,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prestazione: Option<Prestazione>,
    /// The person the benefit is for: needed where the type depends on it (the minor,
    /// the student, the beneficiary of care). Defaults to the one the DSU names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beneficiario: Option<CodiceFiscale>,
}

impl Richiesta {
    pub fn ordinario() -> Richiesta {
        Richiesta {
            tipo: TipoIsee::Ordinario,
            prestazione: None,
            beneficiario: None,
        }
    }
}

/// The calculation lines of the attestation (`ModalitaCalcolo`), each rounded to the
/// cent half-up, in INPS's order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Righe {
    #[schemars(with = "String")]
    #[serde(serialize_with = "crate::importo::serializza_decimale")]
    pub somma_redditi_componenti: Decimal,
    #[schemars(with = "String")]
    #[serde(serialize_with = "crate::importo::serializza_decimale")]
    pub reddito_figurativo_patrimonio_mobiliare: Decimal,
    #[schemars(with = "String")]
    #[serde(serialize_with = "crate::importo::serializza_decimale")]
    pub detrazioni: Decimal,
    #[schemars(with = "String")]
    #[serde(serialize_with = "crate::importo::serializza_decimale")]
    pub isr: Decimal,
    #[schemars(with = "String")]
    #[serde(serialize_with = "crate::importo::serializza_decimale")]
    pub patrimonio_mobiliare: Decimal,
    #[schemars(with = "String")]
    #[serde(serialize_with = "crate::importo::serializza_decimale")]
    pub detrazione_patrimonio_mobiliare: Decimal,
    #[schemars(with = "String")]
    #[serde(serialize_with = "crate::importo::serializza_decimale")]
    pub patrimonio_immobiliare: Decimal,
    #[schemars(with = "String")]
    #[serde(serialize_with = "crate::importo::serializza_decimale")]
    pub detrazione_patrimonio_immobiliare: Decimal,
    #[schemars(with = "String")]
    #[serde(serialize_with = "crate::importo::serializza_decimale")]
    pub isp: Decimal,
    #[schemars(with = "String")]
    #[serde(serialize_with = "crate::importo::serializza_decimale")]
    pub ise: Decimal,
    #[schemars(with = "String")]
    #[serde(serialize_with = "crate::importo::serializza_decimale")]
    pub parametro_nucleo: Decimal,
    #[schemars(with = "String")]
    #[serde(serialize_with = "crate::importo::serializza_decimale")]
    pub maggiorazioni: Decimal,
    #[schemars(with = "String")]
    #[serde(serialize_with = "crate::importo::serializza_decimale")]
    pub scala_equivalenza: Decimal,
    #[schemars(with = "String")]
    #[serde(serialize_with = "crate::importo::serializza_decimale")]
    pub isee: Decimal,
}

/// A componente aggiuntiva added to the ISEE.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RigaAggiuntiva {
    pub codice_fiscale: String,
    #[schemars(with = "String")]
    pub ise_persona: Decimal,
    #[schemars(with = "String")]
    pub scala_nucleo_persona: Decimal,
    #[schemars(with = "String")]
    pub importo: Decimal,
}

/// A benefit's own amount taken out of the ISEE (bonus nido, ADI).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Neutralizzazione {
    pub descrizione: String,
    #[schemars(with = "String")]
    pub importo_annuo: Decimal,
    /// `importo_annuo / scala`, subtracted from the ISEE.
    #[schemars(with = "String")]
    pub riduzione_isee: Decimal,
}

/// What the ISEE corrente compared and why it applies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InfoCorrente {
    pub data_modulo: NaiveDate,
    pub percorso_reddituale: bool,
    pub percorso_patrimoniale: bool,
    #[schemars(with = "String")]
    pub isr_ordinario: Decimal,
    #[schemars(with = "String")]
    pub isp_ordinario: Decimal,
    /// The conditions found true (Italian, one line each).
    pub condizioni: Vec<String>,
}

/// The result of one calculation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Esito {
    pub tipo: TipoIsee,
    pub variante: Variante,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prestazione: Option<Prestazione>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beneficiario: Option<CodiceFiscale>,
    /// Fiscal codes of the people counted, in the order of the DSU.
    pub nucleo: Vec<CodiceFiscale>,
    pub righe: Righe,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub componenti_aggiuntive: Vec<RigaAggiuntiva>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub neutralizzazioni: Vec<Neutralizzazione>,
    /// The value of this ISEE: the ISEE line plus the componenti aggiuntive, less the
    /// neutralisations.
    #[schemars(with = "String")]
    #[serde(serialize_with = "crate::importo::serializza_decimale")]
    pub isee: Decimal,
    pub validita: Validita,
    pub anno_redditi: i32,
    pub anno_patrimonio: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrente: Option<InfoCorrente>,
    /// First day of the rules period used, and the parameter set.
    pub regole_dal: NaiveDate,
    #[schemars(with = "String")]
    pub versione_parametri: std::sync::Arc<str>,
    #[schemars(with = "String")]
    pub versione_motore: std::borrow::Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(skip)]
    pub traccia: Vec<Passo>,
}

/// Why a value cannot be computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum ErroreCalcolo {
    #[error(
        "nessuna regola ISEE in vigore alla data di presentazione {0} (le regole del DPCM 159/2013 si applicano dal 1-1-2015)"
    )]
    RegoleNonInVigore(NaiveDate),
    #[error("{tipo} non calcolabile: {motivo}")]
    NonCalcolabile { tipo: &'static str, motivo: String },
}

pub(crate) fn non_calcolabile(tipo: TipoIsee, motivo: impl Into<String>) -> ErroreCalcolo {
    ErroreCalcolo::NonCalcolabile {
        tipo: tipo.etichetta(),
        motivo: motivo.into(),
    }
}

/// The engine version recorded with each result.
pub const VERSIONE_MOTORE: &str = env!("CARGO_PKG_VERSION");

/// Parameters and options, ready to compute.
#[derive(Clone, Debug)]
pub struct Motore {
    normativa: Normativa,
    opzioni: Opzioni,
}

/// What every rule function receives.
pub(crate) struct Contesto<'a> {
    pub regole: &'a Regole,
    pub opzioni: &'a Opzioni,
    pub variante: Variante,
    /// Upper bound of the titoli di Stato exclusion for this benefit (0 = none).
    pub limite_titoli: Decimal,
    pub data: NaiveDate,
}

impl Motore {
    pub fn new(normativa: Normativa, opzioni: Opzioni) -> Motore {
        Motore { normativa, opzioni }
    }

    /// The official parameters and the project's default choices.
    pub fn predefinito() -> Motore {
        Motore::new(Normativa::ufficiale(), Opzioni::predefinite())
    }

    pub fn normativa(&self) -> &Normativa {
        &self.normativa
    }

    pub fn opzioni(&self) -> &Opzioni {
        &self.opzioni
    }

    /// Computes one ISEE, without the trace (the fast path).
    pub fn calcola(
        &self,
        dsu: &DsuValidata,
        richiesta: &Richiesta,
    ) -> Result<Esito, ErroreCalcolo> {
        self.calcola_con(dsu, richiesta, &mut SenzaTraccia)
    }

    /// Computes one ISEE and keeps every step in `Esito::traccia`.
    pub fn calcola_con_traccia(
        &self,
        dsu: &DsuValidata,
        richiesta: &Richiesta,
    ) -> Result<Esito, ErroreCalcolo> {
        let mut t = ConTraccia::default();
        let mut esito = self.calcola_con(dsu, richiesta, &mut t)?;
        esito.traccia = t.0;
        Ok(esito)
    }

    fn calcola_con<T: Traccia>(
        &self,
        dsu: &DsuValidata,
        richiesta: &Richiesta,
        t: &mut T,
    ) -> Result<Esito, ErroreCalcolo> {
        let d = dsu.dsu();
        let data = d.data_presentazione.o_minima();
        let regole = self
            .normativa
            .regole(data)
            .ok_or(ErroreCalcolo::RegoleNonInVigore(data))?;
        let variante = match richiesta.prestazione {
            Some(p) if p.familiare_2026() && regole.variante_famiglia_2026 => {
                Variante::FamiliareInclusione2026
            }
            _ => Variante::Ordinaria,
        };
        let limite_titoli = match richiesta.prestazione {
            Some(Prestazione::Adi | Prestazione::Sfl)
                if !self.opzioni.esclusione_titoli_adi_sfl =>
            {
                Decimal::ZERO
            }
            _ => regole.titoli_di_stato_limite,
        };
        let ctx = Contesto {
            regole,
            opzioni: &self.opzioni,
            variante,
            limite_titoli,
            data,
        };
        // The ISEE corrente follows the rules in force when its module is filed.
        let regole_modulo = d
            .corrente
            .as_ref()
            .and_then(|m| m.data_presentazione.get())
            .and_then(|dm| self.normativa.regole(dm))
            .map(|r| r.as_ref());
        let calcolo = tipi::calcola(&ctx, d, richiesta, regole_modulo, t)?;
        let mut isee = calcolo.righe.isee;
        for a in &calcolo.aggiuntive {
            isee += a.importo;
        }
        let neutralizzazioni = neutralizzazioni(&ctx, &calcolo, richiesta.prestazione);
        for n in &neutralizzazioni {
            isee -= n.riduzione_isee;
        }
        let isee = arrotonda_al_centesimo(non_negativo(isee));
        t.passo(|| {
            crate::traccia::passo(
                "isee.valore_finale",
                format!(
                    "{}: ISEE, più le componenti aggiuntive, meno le neutralizzazioni",
                    richiesta.tipo.etichetta()
                ),
                None,
                &[
                    ("isee_nucleo", calcolo.righe.isee),
                    (
                        "componenti_aggiuntive",
                        calcolo.aggiuntive.iter().map(|a| a.importo).sum(),
                    ),
                    (
                        "neutralizzazioni",
                        neutralizzazioni.iter().map(|n| n.riduzione_isee).sum(),
                    ),
                ],
                isee,
                "DPCM 159/2013, art. 2, c. 2; Allegato 2",
            )
        });
        let anno = chrono::Datelike::year(&data);
        Ok(Esito {
            tipo: richiesta.tipo,
            variante,
            prestazione: richiesta.prestazione,
            beneficiario: calcolo.beneficiario,
            nucleo: calcolo.nucleo,
            righe: calcolo.righe,
            componenti_aggiuntive: calcolo.aggiuntive,
            neutralizzazioni,
            isee,
            validita: calcolo
                .validita
                .unwrap_or_else(|| scadenza_dsu(regole, data)),
            anno_redditi: anno - regole.anni_prima_redditi,
            anno_patrimonio: anno - regole.anni_prima_patrimonio,
            corrente: calcolo.corrente,
            regole_dal: regole.dal,
            versione_parametri: self.normativa.versione_condivisa(),
            versione_motore: std::borrow::Cow::Borrowed(VERSIONE_MOTORE),
            traccia: Vec::new(),
        })
    }
}

/// The bonus nido neutralises the Assegno Unico (L. 207/2024; circ. INPS 60/2025:
/// ISEE − AUU / scala), and the ADI is looked at net of itself.
fn neutralizzazioni(
    ctx: &Contesto,
    c: &tipi::Calcolo,
    prestazione: Option<Prestazione>,
) -> Vec<Neutralizzazione> {
    let (importo, descrizione) = match prestazione {
        Some(Prestazione::BonusNido) if ctx.regole.neutralizzazione_auu_bonus_nido => (
            c.assegno_unico,
            "Assegno Unico Universale neutralizzato per il bonus asilo nido (L. 207/2024; circ. INPS 60/2025)",
        ),
        Some(Prestazione::Adi) if ctx.regole.neutralizzazione_adi => (
            c.adi,
            "Assegno di Inclusione neutralizzato per la verifica dell'ADI stesso (D.L. 48/2023, art. 2)",
        ),
        _ => return Vec::new(),
    };
    if importo.is_zero() || c.righe.scala_equivalenza.is_zero() {
        return Vec::new();
    }
    vec![Neutralizzazione {
        descrizione: descrizione.to_string(),
        importo_annuo: importo,
        riduzione_isee: arrotonda_al_centesimo(importo / c.righe.scala_equivalenza),
    }]
}

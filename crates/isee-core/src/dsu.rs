//! The DSU (Dichiarazione Sostitutiva Unica) as data: everything the rules need.
//!
//! Names follow INPS's DSU vocabulary (`modello-dsu-inps.md`); where our name differs,
//! the doc comment gives INPS's term. The JSON form of these types is the public DSU
//! format of the project, published as `schema/dsu.schema.json`.
//!
//! Reading a DSU never fails on a value that the validation can report instead (a
//! malformed fiscal code, an impossible date), so that every problem is reported at
//! once. It does fail on a document whose shape is wrong (a missing required field,
//! an unknown field, an unknown code, a JSON number with decimals).

use crate::codice_fiscale::CodiceFiscale;
use crate::data::Data;
pub use crate::dati_inps::DatiInps;
use crate::importo::{Importo, Percentuale};
pub use crate::testo_corto::CodiceComune;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A DSU, with the modules that the specific ISEE types need.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dsu {
    /// Version of this format; today always 1.
    #[serde(default = "versione_formato")]
    pub versione_formato: u32,
    /// Filing date (`DataPresentazione`): it chooses the rules in force.
    pub data_presentazione: Data,
    /// The sender's protocol (`ProtocolloMittente`, max 29 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocollo_mittente: Option<String>,
    /// The members (`NucleoFamiliare/ComponenteNucleo`), the dichiarante included. A
    /// non-cohabiting parent attracted under art. 7 is listed here with relation `GNC`
    /// and counts only for the ISEE minorenni / università of his or her children.
    pub componenti: Vec<Componente>,
    /// The home of the nucleus (`Abitazione`).
    pub abitazione: Abitazione,
    /// Facts about the nucleus that the relations to the dichiarante cannot tell
    /// (`CondizioniNucleo`). When absent they are derived from the relations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condizioni_nucleo: Option<CondizioniNucleo>,
    /// Non-cohabiting parents of minors or students (art. 7; DSU quadro D).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub genitori_non_conviventi: Vec<GenitoreNonConvivente>,
    /// University students (art. 8; DSU quadro C, `Universitario`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub universitari: Vec<Universitario>,
    /// Doctoral applicant (art. 8 c.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dottorato: Option<Dottorato>,
    /// Restricted nucleus for socio-sanitary benefits (art. 6 c.2; `NucleoRistretto`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nucleo_ristretto: Option<NucleoRistretto>,
    /// Residential care (art. 6 c.3; DSU quadro E, `Residenziale`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residenziale: Option<Residenziale>,
    /// The ISEE corrente module (art. 9; modulo sostitutivo, `ISEECorrente`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrente: Option<ModuloCorrente>,
    /// What INPS's DSU document asks beyond what the calculation uses (signature, the
    /// home's address and lease, each person's registry data, disability certificate
    /// and vehicles). No rule reads it.
    #[serde(default, skip_serializing_if = "DatiInps::is_vuoto")]
    pub dati_inps: DatiInps,
}

fn versione_formato() -> u32 {
    1
}

/// Relation to the dichiarante (`@RapportoConDichiarante`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Rapporto {
    /// Dichiarante.
    D,
    /// Coniuge (or partner in a civil union).
    C,
    /// Figlio.
    F,
    /// Minore in affidamento.
    MA,
    /// Figlio del coniuge.
    FC,
    /// Figlio non convivente attratto (art. 3 c.5).
    FNC,
    /// Altra persona.
    P,
    /// Genitore non convivente attratto nel nucleo del minore (art. 7).
    GNC,
}

impl Rapporto {
    /// Counts as a child of the nucleus for the scala and the franchigie.
    pub fn e_figlio(self) -> bool {
        matches!(
            self,
            Rapporto::F | Rapporto::MA | Rapporto::FC | Rapporto::FNC
        )
    }

    /// Lives in the family home (the FNC is attracted but lives elsewhere).
    pub fn e_figlio_convivente(self) -> bool {
        matches!(self, Rapporto::F | Rapporto::MA | Rapporto::FC)
    }
}

/// Disability level (`@GradoDisabilita`, DPCM 159/2013 Allegato 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum GradoDisabilita {
    /// Disabilità media.
    DIM,
    /// Disabilità grave.
    DIG,
    /// Non autosufficienza.
    NAS,
}

/// What the member does (`@AttivitaSoggetto`). Recorded; the calculation uses
/// `mesi_lavoro` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AttivitaSoggetto {
    LAVIND,
    LAVDET,
    LAVINT,
    LAVCIG,
    LAVPAR,
    LAVOCC,
    LAVAUT,
    DISOCC,
    PENSIO,
    CASLNG,
    STUDNT,
    ALTRO,
}

/// One member's sheet (`ComponenteNucleo` + `FoglioComponenteNucleo`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Componente {
    pub codice_fiscale: CodiceFiscale,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cognome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nome: Option<String>,
    pub data_nascita: Data,
    /// Relation to the dichiarante.
    pub rapporto: Rapporto,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabilita: Option<GradoDisabilita>,
    /// Lives in a convivenza anagrafica (RSA, institute…) but stays in this nucleus as
    /// spouse or dependent child (art. 3 c.6; `@FlagConvivenzaAnagrafica`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub convivenza_anagrafica: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attivita: Option<AttivitaSoggetto>,
    /// Months of work (employed or self-employed) in the income reference year: the
    /// test of Allegato 1 lett. b) is "at least 6".
    #[serde(default)]
    pub mesi_lavoro: u8,
    #[serde(default)]
    pub redditi: Redditi,
    /// Periodic allowances paid (`AssegniPeriodici`), deducted under art. 4 c.3.
    #[serde(default, skip_serializing_if = "AssegniPagati::vuoti")]
    pub assegni_pagati: AssegniPagati,
    /// Health and assistance expenses for disabled people, as in the tax return
    /// (art. 4 c.3; deducted up to 5,000 per member).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub spese_sanitarie_disabili: Importo,
    /// Expenses for domestic helpers and personal assistance of a non-self-sufficient
    /// member (original art. 4 c.4 lett. c; only under the rules before 29-5-2016).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub spese_assistenza_personale: Importo,
    /// Residential care fees paid (original art. 4 c.4 lett. d; only before 29-5-2016;
    /// `@RettaVersata`).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub retta_ricovero: Importo,
    /// Financial relationships (`PatrimonioMobiliare/Rapporto`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patrimonio_mobiliare: Vec<RapportoFinanziario>,
    /// Real estate (`PatrimonioImmobiliare/Patrimonio`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patrimonio_immobiliare: Vec<Immobile>,
}

/// A member's incomes in the reference year (art. 4 c.2), in euros.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Redditi {
    /// Reddito complessivo IRPEF (TUIR), lett. a).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub reddito_complessivo: Importo,
    /// Of which employee and assimilated income (`@LavoroDipendente`): base of the 20%
    /// franchigia, max 3,000.
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub di_cui_lavoro_dipendente: Importo,
    /// Of which pension income (`@Pensione`): base of the 20% franchigia, max 1,000.
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub di_cui_pensione: Importo,
    /// Of which self-employment income: no franchigia; replaced in the ISEE corrente.
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub di_cui_lavoro_autonomo: Importo,
    /// Incomes under substitute tax or withholding at source (`@RedditoImpSost`).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub imposta_sostitutiva: Importo,
    /// Other exempt incomes (`@RedditiEsentiImposta`).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub esenti: Importo,
    /// Agrarian incomes of activities subject to IRAP only (`@RedditiIRAP`).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub agrari_irap: Importo,
    /// Redditi fondiari not in IRPEF because of the IMU substitutive effect
    /// (`@RedditiFondiari`).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub fondiari: Importo,
    /// Incomes taxed only abroad (`@RedditiTassatiEstero`).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub esteri: Importo,
    /// Incomes of a member registered in AIRE, as declared abroad (`@RedditiAIRE`).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub aire: Importo,
    /// Welfare, pension and compensation treatments from public administrations not
    /// in IRPEF, received for reasons other than disability (lett. f;
    /// `@TrattamentiAssistenziali`). AUU, ADI, maternity allowances…
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub trattamenti_assistenziali: Importo,
    /// Of which Assegno Unico Universale: neutralised for the bonus asilo nido.
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub di_cui_assegno_unico: Importo,
    /// Of which Assegno di Inclusione: netted out for the ADI itself.
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub di_cui_adi: Importo,
    /// Treatments not in IRPEF received because of a disability (indennità di
    /// accompagnamento, pensione di invalidità civile…). Recorded always; counted only
    /// under the rules before 29-5-2016 (D.L. 42/2016 art. 2-sexies).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub trattamenti_disabilita: Importo,
    /// Maintenance allowances for children actually received (lett. e).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub assegni_mantenimento_figli: Importo,
}

/// Periodic allowances paid to people outside the nucleus (`AssegniPeriodici`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssegniPagati {
    /// To the separated or divorced spouse (`@AssegniConiuge`).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub coniuge: Importo,
    /// For children not in the nucleus (`@AssegniFigli`).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub figli: Importo,
}

impl AssegniPagati {
    fn vuoti(&self) -> bool {
        self.coniuge.is_zero() && self.figli.is_zero()
    }
}

/// Kind of financial relationship (`@TipoRapporto`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum TipoRapporto {
    /// Conto corrente.
    #[serde(rename = "01")]
    ContoCorrente,
    /// Conto deposito titoli e/o obbligazioni.
    #[serde(rename = "02")]
    DepositoTitoli,
    /// Conto deposito a risparmio libero/vincolato (libretti).
    #[serde(rename = "03")]
    DepositoRisparmio,
    /// Rapporto fiduciario.
    #[serde(rename = "04")]
    Fiduciario,
    /// Gestione collettiva del risparmio.
    #[serde(rename = "05")]
    GestioneCollettiva,
    /// Gestione patrimoniale.
    #[serde(rename = "06")]
    GestionePatrimoniale,
    /// Certificati di deposito e buoni fruttiferi.
    #[serde(rename = "07")]
    CertificatiBuoni,
    /// Conto terzi individuale/globale.
    #[serde(rename = "09")]
    ContoTerzi,
    /// Contratti di assicurazione.
    #[serde(rename = "23")]
    Assicurazione,
    /// Altro.
    #[serde(rename = "99")]
    Altro,
}

impl TipoRapporto {
    /// Deposits and current accounts (art. 5 c.4 lett. a): valued at the higher of
    /// balance and average balance, and excluded from the reddito figurativo base.
    pub fn e_deposito(self) -> bool {
        matches!(
            self,
            TipoRapporto::ContoCorrente | TipoRapporto::DepositoRisparmio
        )
    }

    /// Kinds that can hold titoli di Stato, buoni fruttiferi or libretti postali, the
    /// instruments excluded up to 50,000 (msg INPS 1895/2025: types 2, 3, 6, 7).
    pub fn puo_contenere_titoli_di_stato(self) -> bool {
        matches!(
            self,
            TipoRapporto::DepositoTitoli
                | TipoRapporto::DepositoRisparmio
                | TipoRapporto::GestionePatrimoniale
                | TipoRapporto::CertificatiBuoni
        )
    }
}

/// One financial relationship, declared for the whole relationship; the member's
/// share (`quota`) is applied by the calculation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RapportoFinanziario {
    pub tipo: TipoRapporto,
    /// IBAN or other identifier (`@Identificativo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identificativo: Option<String>,
    /// Fiscal code of the intermediary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codice_intermediario: Option<String>,
    /// Balance at 31 December (`@Saldo3112`), for deposits and current accounts.
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub saldo_31_12: Importo,
    /// Average annual balance (`@ConsistenzaMedia`), for deposits and current accounts.
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub giacenza_media: Importo,
    /// Value (`@Valore`), for every other kind.
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub valore: Importo,
    /// Share held, percent (default 100).
    #[serde(default)]
    pub quota: Percentuale,
    /// Of the value, titoli di Stato, buoni fruttiferi postali and libretti postali:
    /// excluded up to 50,000 per nucleus for DSUs from 3-4-2025 (DPCM 13/2025).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub di_cui_titoli_di_stato: Importo,
    /// The average balance exceeds the balance because the funds bought declared
    /// assets (`Incremento`): the balance is used for this relationship.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incremento_patrimoniale: bool,
}

/// Kind of property (`@TipoPatrimonio`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TipoPatrimonio {
    /// Fabbricato.
    F,
    /// Terreno edificabile.
    TE,
    /// Terreno agricolo.
    TA,
}

/// One property (`PatrimonioImmobiliare/Patrimonio`). Value and mortgage are for the
/// whole property; the share is applied to both.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Immobile {
    pub tipo: TipoPatrimonio,
    /// Belfiore code of the comune, or the foreign state's code (Z…) for property
    /// abroad (`@CodiceComuneStato`).
    pub codice_comune: CodiceComune,
    /// Share owned, percent (`@QuotaPosseduta`).
    #[serde(default)]
    pub quota: Percentuale,
    /// IMU taxable value at 31 December, even if exempt; IVIE base abroad
    /// (`@ValoreImu`).
    pub valore_imu: Importo,
    /// Residual principal of the mortgage taken for this property (`@MutuoResiduo`).
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub mutuo_residuo: Importo,
    /// This is the nucleus's casa di abitazione (`@FlagAbitazione`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub casa_abitazione: bool,
    /// Destroyed or unfit after a natural disaster: excluded from the ISP.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inagibile_calamita: bool,
    /// Received as a donation from the beneficiary of residential care: left out of
    /// this person's ISE for the componente aggiuntiva (Allegato 2 c.1 lett. b).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ricevuto_in_donazione: bool,
}

impl Immobile {
    pub fn estero(&self) -> bool {
        self.codice_comune.estero()
    }
}

/// Title of the home (`@TipoAbitazione`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TitoloAbitazione {
    Proprieta,
    Locazione,
    Altro,
}

/// The home of the nucleus (`Abitazione`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Abitazione {
    pub titolo: TitoloAbitazione,
    /// Belfiore code of the comune where the nucleus lives (`CodiceComune`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codice_comune: Option<CodiceComune>,
    /// Annual rent in the registered contract (`Locazione/@Canone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canone_annuo: Option<Importo>,
}

/// Facts about the nucleus, when the relations cannot tell them (`CondizioniNucleo`).
/// Each field given replaces the value derived from the members.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CondizioniNucleo {
    /// Children in the nucleus (`@NumeroFigli`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numero_figli: Option<u8>,
    /// Cohabiting children (`@NumeroFigliConviventi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numero_figli_conviventi: Option<u8>,
    /// At least one child under 18.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presenza_minorenni: Option<bool>,
    /// At least one child under 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presenza_minori_3_anni: Option<bool>,
    /// Both parents, or the only one, worked at least 6 months (`@FlagLavoroGenitori`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lavoro_genitori: Option<bool>,
    /// The nucleus is one parent and minor children only (`@FlagUnicoGenitore`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unico_genitore: Option<bool>,
}

/// A non-cohabiting parent (art. 7; quadro D, `GenitoreNonConvivente`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenitoreNonConvivente {
    pub codice_fiscale: CodiceFiscale,
    /// The children in this nucleus (minors or students) whose ISEE it concerns.
    pub figli: Vec<CodiceFiscale>,
    pub situazione: SituazioneGenitore,
}

/// How the non-cohabiting parent counts (art. 7 c.1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "tipo", rename_all = "snake_case", deny_unknown_fields)]
pub enum SituazioneGenitore {
    /// None of the cases a)-e): the parent is part of the child's nucleus and is listed
    /// among `componenti` with relation `GNC`.
    Attratto,
    /// Case a) (married to another person) or b) (children with another person): a
    /// componente aggiuntiva (Allegato 2 c.2).
    ComponenteAggiuntiva {
        caso: CasoAggiuntiva,
        dati: Box<ComponenteAggiuntiva>,
    },
    /// Cases c) maintenance ordered by a court, d) excluded from parental
    /// responsibility, e) estrangement established: the parent is left out.
    Escluso { caso: CasoEsclusione },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CasoAggiuntiva {
    A,
    B,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CasoEsclusione {
    C,
    D,
    E,
}

/// The data of a person outside the nucleus that adds a componente aggiuntiva: the
/// person's own sheet (incomes and assets of that person alone) and the summary of
/// the person's own nucleus, from which its scala is computed (INPS's
/// `ComponenteAggiuntiva` block).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComponenteAggiuntiva {
    pub foglio: Componente,
    pub nucleo: RiepilogoNucleo,
}

/// Summary of another nucleus (`ComponenteAggiuntiva`): what its scala needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RiepilogoNucleo {
    /// `@NumeroComponenti`, the person included.
    pub numero_componenti: u8,
    /// `@NumeroFigli`.
    #[serde(default)]
    pub numero_figli: u8,
    /// `@NumeroFigliConviventi` (for the casa threshold of the person's own home).
    #[serde(default)]
    pub numero_figli_conviventi: u8,
    /// `@FlagPresenzaMinorenne`.
    #[serde(default)]
    pub presenza_minorenni: bool,
    /// A child under 3 is present.
    #[serde(default)]
    pub presenza_minori_3_anni: bool,
    /// `@FlagAttivitaLavorativa`: both parents, or the only one, worked ≥ 6 months.
    #[serde(default)]
    pub attivita_lavorativa: bool,
    /// `@FlagGenitoreSolo`: one parent and minor children only.
    #[serde(default)]
    pub genitore_solo: bool,
    /// `@NumeroConviventi`: members in convivenza anagrafica.
    #[serde(default)]
    pub numero_conviventi: u8,
    /// Members with disabilità media, grave, non autosufficienza.
    #[serde(default)]
    pub disabili_media: u8,
    #[serde(default)]
    pub disabili_grave: u8,
    #[serde(default)]
    pub disabili_non_autosufficienti: u8,
    /// Belfiore code of that nucleus's home (for the 2026 capoluogo threshold).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codice_comune: Option<CodiceComune>,
}

/// Where the student's parents are (`@PresenzaGenitori`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PresenzaGenitori {
    TuttiPresenti,
    SoloUno,
    ConiugatiNonPresenti,
    NonConiugatiNonPresenti,
}

/// A university student (art. 8; `Universitario`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Universitario {
    pub studente: CodiceFiscale,
    pub presenza_genitori: PresenzaGenitori,
    /// Art. 8 c.1 lett. a): residence outside the family home for at least two years
    /// before the first enrolment, in a dwelling not owned by the family
    /// (`@FlagResidenzaStudente`).
    #[serde(default)]
    pub residenza_autonoma_2_anni: bool,
    /// Art. 8 c.1 lett. b): the student's own employment income of the last two years
    /// (compared with the threshold of the D.M. in force), if declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reddito_lavoro_studente: Option<Importo>,
    /// Art. 8 c.1 lett. b) as a declared flag (`@FlagCapacitaRedditoStudente`), used
    /// when the income is not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacita_reddito: Option<bool>,
    /// When the parents are not in this nucleus and the student is not independent:
    /// the members of the parents' nucleus, which the student's ISEE attracts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nucleo_genitori: Vec<Componente>,
}

/// The doctoral applicant (art. 8 c.4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dottorato {
    pub dottorando: CodiceFiscale,
    /// The applicant opts for the ordinary nucleus.
    #[serde(default)]
    pub opzione_nucleo_ordinario: bool,
    /// The applicant's spouse and children in the DSU, when the relations to the
    /// dichiarante cannot tell them (the applicant is not the dichiarante or spouse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub componenti: Option<Vec<CodiceFiscale>>,
}

/// Relation to the beneficiary in the restricted nucleus (`@RelazioneConBeneficiario`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RelazioneBeneficiario {
    C,
    F,
    FC,
    FNC,
    MA,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MembroRistretto {
    pub codice_fiscale: CodiceFiscale,
    pub relazione: RelazioneBeneficiario,
}

/// The restricted nucleus of art. 6 c.2 (`NucleoRistretto`): beneficiary, spouse,
/// minor children and dependent adult children.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NucleoRistretto {
    pub beneficiario: CodiceFiscale,
    #[serde(default)]
    pub componenti: Vec<MembroRistretto>,
}

/// Which nucleus the residential ISEE starts from (`Residenziale/@Tipo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TipoNucleoResidenziale {
    /// Ordinary nucleus.
    ORD,
    /// Restricted nucleus (art. 6 c.2).
    RID,
}

/// Residential care (art. 6 c.3; quadro E).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Residenziale {
    pub beneficiario: CodiceFiscale,
    pub nucleo: TipoNucleoResidenziale,
    /// Date of the first request for residential care (`@DataRichiestaRicovero`):
    /// donations on or after it count, and those of the three years before it when
    /// made to a person bound to maintenance (art. 6 c.3 lett. c). When absent, the
    /// DSU's filing date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_prima_richiesta: Option<Data>,
    /// Children of the beneficiary not in the nucleus.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub figli_esterni: Vec<FiglioEsterno>,
    /// Donations of property by the beneficiary (`Donazione`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub donazioni: Vec<Donazione>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FiglioEsterno {
    pub codice_fiscale: CodiceFiscale,
    pub situazione: SituazioneFiglioEsterno,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "tipo", rename_all = "snake_case", deny_unknown_fields)]
pub enum SituazioneFiglioEsterno {
    /// The child adds a componente aggiuntiva (Allegato 2 c.1).
    ComponenteAggiuntiva { dati: Box<ComponenteAggiuntiva> },
    /// `@CondizioneEsclusione`: A, the child or a member of the child's nucleus is
    /// disabled or not self-sufficient; B, estrangement established.
    Escluso {
        condizione: CondizioneEsclusioneFiglio,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CondizioneEsclusioneFiglio {
    A,
    B,
}

/// A donation of property by the beneficiary (`Donazione`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Donazione {
    pub tipo: TipoPatrimonio,
    pub codice_comune: CodiceComune,
    pub data: Data,
    /// Share of the property that was donated, percent.
    pub quota_donata: Percentuale,
    /// IMU value of the whole property.
    pub valore_imu: Importo,
    /// Fiscal code of the recipient (`@CodiceFiscaleRicevente`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub donatario: Option<CodiceFiscale>,
    /// The recipient's relation to the beneficiary, which says whether he or she is
    /// bound to maintenance under art. 433 c.c. (INPS asks it as
    /// `@FlagDonazioniPrecedentiAlimenti` / `NoAlimenti`): a donation in the three years
    /// before the first request counts only if so (art. 6 c.3 lett. c). When absent,
    /// the recipient is taken as bound to maintenance, so the donation counts
    /// (`docs/SCELTE.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relazione_donatario: Option<RelazioneDonatario>,
}

impl Donazione {
    /// The recipient is among the persons bound to maintenance of art. 433 c.c.; a
    /// donation that does not say is taken as made to one of them.
    pub fn a_persona_tenuta_agli_alimenti(&self) -> bool {
        self.relazione_donatario
            .is_none_or(RelazioneDonatario::tenuto_agli_alimenti)
    }
}

/// Who received a donation, seen from the beneficiary (the donor): the persons of art.
/// 433 c.c., bound to provide maintenance (alimenti), and everyone else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelazioneDonatario {
    /// Spouse (art. 433 n. 1), or civil-union partner (L. 76/2016 art. 1 c.19 applies
    /// the title on alimenti to civil unions).
    Coniuge,
    /// Child, adopted children included (n. 2).
    Figlio,
    /// Nearest descendant, in the children's absence: a grandchild (n. 2).
    Discendente,
    /// Parent or adopter (n. 3).
    Genitore,
    /// Nearest ascendant, in the parents' absence (n. 3).
    Ascendente,
    /// Son- or daughter-in-law (n. 4).
    GeneroNuora,
    /// Father- or mother-in-law (n. 5).
    SuoceroSuocera,
    /// Brother or sister, full or half (n. 6).
    FratelloSorella,
    /// Anyone else: not bound to maintenance (a nephew or niece through a sibling, a
    /// cousin, a friend, a body).
    Altro,
}

impl RelazioneDonatario {
    /// Bound to maintenance under art. 433 c.c.
    pub fn tenuto_agli_alimenti(self) -> bool {
        !matches!(self, RelazioneDonatario::Altro)
    }
}

/// The event that opens the ISEE corrente (`@TipoVariazione`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TipoVariazione {
    /// Permanent employee: job ended, suspended or reduced.
    A,
    /// Fixed-term or flexible worker without a job at the filing date.
    B,
    /// Self-employed activity ceased.
    C,
    /// Interruption of welfare treatments not in IRPEF.
    D,
    AD,
    BD,
    CD,
}

impl TipoVariazione {
    pub fn lavorativa(self) -> bool {
        !matches!(self, TipoVariazione::D)
    }

    pub fn interruzione_trattamenti(self) -> bool {
        matches!(
            self,
            TipoVariazione::D | TipoVariazione::AD | TipoVariazione::BD | TipoVariazione::CD
        )
    }

    /// The last-two-months × 6 period is allowed for permanent employees and for the
    /// interruption of treatments (art. 9).
    pub fn ammette_due_mesi(self) -> bool {
        matches!(
            self,
            TipoVariazione::A
                | TipoVariazione::AD
                | TipoVariazione::D
                | TipoVariazione::BD
                | TipoVariazione::CD
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodoCorrente {
    /// The 12 months before the filing of the module.
    DodiciMesi,
    /// The last 2 months, annualised × 6.
    DueMesi,
}

/// One member's change and current incomes (`ISEECorrente/Variazione`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Variazione {
    pub codice_fiscale: CodiceFiscale,
    /// The event; absent when only the income fell (condition of the ISR −25%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tipo: Option<TipoVariazione>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_variazione: Option<Data>,
    pub periodo: PeriodoCorrente,
    /// Employee income of the period.
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub lavoro_dipendente: Importo,
    /// Self-employment income of the period.
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub lavoro_autonomo: Importo,
    /// Pensions and welfare treatments of the period.
    #[serde(default, skip_serializing_if = "Importo::is_zero")]
    pub trattamenti: Importo,
}

/// Updated assets of one member, at 31 December of the previous year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatrimonioAggiornato {
    pub codice_fiscale: CodiceFiscale,
    #[serde(default)]
    pub patrimonio_mobiliare: Vec<RapportoFinanziario>,
    #[serde(default)]
    pub patrimonio_immobiliare: Vec<Immobile>,
}

/// The ISEE corrente module (modulo sostitutivo).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuloCorrente {
    pub data_presentazione: Data,
    /// Income route: members whose incomes are updated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variazioni: Vec<Variazione>,
    /// Patrimonio route (from 1 April): every member's assets at 31 December of the
    /// previous year. A member not listed is taken with no assets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patrimonio_aggiornato: Option<Vec<PatrimonioAggiornato>>,
}

impl Dsu {
    /// Reads a DSU from JSON, naming the path of the first structural error.
    /// Only one document: anything but whitespace after it (`{…}GARBAGE`, two DSUs
    /// one after the other) is an error at the first character past its end.
    pub fn da_json(testo: &str) -> Result<Dsu, ErroreLettura> {
        let mut de = serde_json::Deserializer::from_str(testo);
        let r: Result<Dsu, _> = serde_path_to_error::deserialize(&mut de);
        let dsu = r.map_err(|e| {
            let percorso = e.path().to_string();
            let inner = e.into_inner();
            ErroreLettura {
                percorso: if percorso == "." {
                    "$".into()
                } else {
                    format!("$.{percorso}")
                },
                riga: inner.line(),
                colonna: inner.column(),
                messaggio: traduci_errore_serde(&inner),
            }
        })?;
        de.end().map_err(|e| ErroreLettura {
            percorso: "$".into(),
            riga: e.line(),
            colonna: e.column(),
            messaggio: "testo dopo la fine del documento JSON: una richiesta contiene una sola DSU"
                .into(),
        })?;
        Ok(dsu)
    }

    /// The dichiarante, if there is exactly one.
    pub fn dichiarante(&self) -> Option<&Componente> {
        let mut it = self.componenti.iter().filter(|c| c.rapporto == Rapporto::D);
        match (it.next(), it.next()) {
            (Some(d), None) => Some(d),
            _ => None,
        }
    }

    pub fn componente(&self, cf: &CodiceFiscale) -> Option<&Componente> {
        self.componenti.iter().find(|c| &c.codice_fiscale == cf)
    }

    /// Every person's sheet (FC) the DSU carries: the members, then the componenti
    /// aggiuntive of non-cohabiting parents (quadro D) and of children outside the
    /// nucleus (quadro E).
    pub fn fogli(&self) -> impl Iterator<Item = &Componente> {
        let genitori = self
            .genitori_non_conviventi
            .iter()
            .filter_map(|g| match &g.situazione {
                SituazioneGenitore::ComponenteAggiuntiva { dati, .. } => Some(&dati.foglio),
                _ => None,
            });
        let figli = self
            .residenziale
            .iter()
            .flat_map(|r| &r.figli_esterni)
            .filter_map(|f| match &f.situazione {
                SituazioneFiglioEsterno::ComponenteAggiuntiva { dati } => Some(&dati.foglio),
                _ => None,
            });
        self.componenti.iter().chain(genitori).chain(figli)
    }
}

/// A DSU whose JSON cannot be read as a DSU at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{percorso} (riga {riga}, colonna {colonna}): {messaggio}")]
pub struct ErroreLettura {
    pub percorso: String,
    pub riga: usize,
    pub colonna: usize,
    pub messaggio: String,
}

/// Serde's messages are English; the operator reads Italian. The common shapes are
/// translated, the rest keep serde's text after an Italian lead.
fn traduci_errore_serde(e: &serde_json::Error) -> String {
    let m = e.to_string();
    let m = m.split(" at line ").next().unwrap_or(&m).to_string();
    if let Some(campo) = m.strip_prefix("missing field ") {
        return format!("manca il campo obbligatorio {campo}");
    }
    if let Some(resto) = m.strip_prefix("unknown field ") {
        let (campo, attesi) = resto.split_once(", expected ").unwrap_or((resto, ""));
        return format!(
            "campo sconosciuto {campo}; campi ammessi: {}",
            attesi.trim_start_matches("one of ")
        );
    }
    if let Some(resto) = m.strip_prefix("unknown variant ") {
        let (valore, attesi) = resto.split_once(", expected ").unwrap_or((resto, ""));
        return format!(
            "codice non ammesso {valore}; valori ammessi: {}",
            attesi.trim_start_matches("one of ")
        );
    }
    if let Some(resto) = m.strip_prefix("invalid type: ") {
        let (trovato, atteso) = resto.split_once(", expected ").unwrap_or((resto, ""));
        return format!("tipo di valore errato ({trovato}); atteso: {atteso}");
    }
    if m.starts_with("EOF while parsing")
        || m.starts_with("expected")
        || m.starts_with("trailing")
        || m.starts_with("key must")
    {
        return format!("JSON non leggibile: {m}");
    }
    m
}

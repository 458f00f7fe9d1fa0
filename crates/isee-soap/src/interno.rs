//! The inner documents of namespace `http://inps.it/ISEERiforma`, which the
//! answers carry base64-encoded: `Indicatore` (INPS's
//! `TypeEsitoConsultazioneIndicatore`) and `EsitoAttestazione` (with
//! `TypeAttestazione`).
//!
//! Attribute and element names are INPS's. Amounts are `TypeDecimal`, always
//! written with two fraction digits; dates are `xs:date`.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::NS_ISEE_RIFORMA;
use crate::formato::{attributo, attributo_data, attributo_importo};
use crate::tipi::{DatiDomanda, Ricerca, TipoIndicatore};

/// The XML declaration of every inner document, as INPS writes it.
const DICHIARAZIONE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

/// A member of the household (`ComponenteNucleo` of `TypeAttestazione`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponenteNucleo {
    /// `RapportoConDichiarante`: `D|C|F|MA|FC|FNC|P|GNC`.
    pub rapporto: String,
    pub cognome: String,
    pub nome: String,
    pub codice_fiscale: String,
}

/// The content of an `Indicatore` document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatiIndicatore {
    /// `@TipoIndicatore`.
    pub tipo: TipoIndicatore,
    pub ise: Decimal,
    pub scala_equivalenza: Decimal,
    pub isee: Decimal,
    pub isr: Decimal,
    pub isp: Decimal,
    /// `@ProtocolloDSU`.
    pub protocollo_dsu: String,
    /// `@DataPresentazione` of the DSU.
    pub data_presentazione: NaiveDate,
    /// The search of the request, echoed as the attributes of the
    /// `RicercaCF` (or, for the riscontro operations, `RicercaProtDSU`) child.
    pub ricerca: Ricerca,
    /// `NucleoFamiliare/ComponenteNucleo`: only for
    /// `ConsultazioneIndicatoreNucleoRiscontro` (our extension).
    pub nucleo: Option<Vec<ComponenteNucleo>>,
}

/// `TypeValori`: the five indicators of one calculation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Valori {
    pub ise: Decimal,
    pub scala_equivalenza: Decimal,
    pub isee: Decimal,
    pub isr: Decimal,
    pub isp: Decimal,
}

/// `TypeModalitaCalcolo`: the calculation lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModalitaCalcolo {
    pub somma_redditi_componenti: Decimal,
    /// Only for an ISEE corrente.
    pub somma_redditi_componenti_corrente: Option<Decimal>,
    pub reddito_figurativo_patrimonio_mobiliare: Decimal,
    pub detrazioni: Decimal,
    pub isr: Decimal,
    pub patrimonio_mobiliare: Decimal,
    pub detrazione_patrimonio_mobiliare: Decimal,
    pub patrimonio_immobiliare: Decimal,
    pub detrazione_patrimonio_immobiliare: Decimal,
    pub isp: Decimal,
    pub ise: Decimal,
    pub parametro_nucleo: Decimal,
    pub maggiorazioni: Decimal,
    pub scala_equivalenza: Decimal,
}

/// One calculated ISEE: values, calculation lines and release date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BloccoIsee {
    pub valori: Valori,
    pub modalita: ModalitaCalcolo,
    /// `@DataRilascio`.
    pub data_rilascio: NaiveDate,
}

/// A member outside the nucleus whose share enters a beneficiary's ISEE
/// (`TypeCompAggiuntiva/ComponenteAttrattaAggiuntiva`): a componente aggiuntiva
/// (Allegato 2) or a componente attratta (a non-cohabiting parent brought into
/// the minor's or the student's nucleus).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponenteEsterna {
    pub cognome: String,
    pub nome: String,
    pub codice_fiscale: String,
    /// `@ValoreComponenteAggiuntiva`: the share added to the ISEE.
    pub valore: Option<Decimal>,
}

/// How the ISEE of one minor or student was obtained (`ISEEMin` and `ISEEUni`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EsitoBeneficiario {
    /// `ISEEOrd`: the same as the ordinary ISEE.
    Ord,
    /// `ISEEMinAttr` / `ISEEUniAttr`: with an attracted member.
    Attr(BloccoIsee, ComponenteEsterna),
    /// `ISEEMinAgg` / `ISEEUniAgg`: with a componente aggiuntiva
    /// (INPS's element `ComponenteAgguntiva`, spelt so in its schema).
    Agg(BloccoIsee, ComponenteEsterna),
    /// `ISEENonCalcolabile`, with the reason.
    NonCalcolabile(String),
}

/// The ISEE of one minor or student.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BloccoBeneficiario {
    /// The beneficiary's fiscal code; surname and name are taken from the nucleus.
    pub codice_fiscale: String,
    pub esito: EsitoBeneficiario,
}

/// How the socio-sanitary (residential) ISEE of a beneficiary on the ordinary
/// nucleus was obtained: `Ordinario/ISEESocioSanRes/ComponenteSocioSanitarieRes`,
/// cases 1, 8, 10, 12 and 14 of INPS's schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EsitoSocioSanitario {
    /// `ISEEOrd` (case 1): the same as the ordinary ISEE.
    Ord,
    /// `ISEESocioSanRes` (case 8): the residential ISEE, no componenti aggiuntive.
    SocioSanRes(BloccoIsee),
    /// `ISEEOrdAgg` (case 10): the ordinary ISEE with componenti aggiuntive.
    OrdAgg(BloccoIsee, Vec<ComponenteEsterna>),
    /// `ISEESocioSanResAgg` (case 12): the residential ISEE with componenti aggiuntive.
    SocioSanResAgg(BloccoIsee, Vec<ComponenteEsterna>),
    /// `ISEENonCalcolabile` (case 14), with the reason.
    NonCalcolabile(String),
}

/// One beneficiary of `Ordinario/ISEESocioSanRes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BloccoSocioSanitario {
    pub codice_fiscale: String,
    pub esito: EsitoSocioSanitario,
}

/// The socio-sanitary residential ISEE on the restricted nucleus:
/// `Ridotto/ISEESocioSanResRistretto/ComponenteSocioSanitarieRes`, cases 7, 9,
/// 11, 13 and 14.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EsitoRistretto {
    /// `ISEERistretto` (case 7): the same as the restricted nucleus's ISEE.
    Ristretto,
    /// `ISEESocioSanResRistretto` (case 9).
    SocioSanResRistretto(BloccoIsee),
    /// `ISEERistrettoAgg` (case 11).
    RistrettoAgg(BloccoIsee, Vec<ComponenteEsterna>),
    /// `ISEESocioSanResRistrettoAgg` (case 13).
    SocioSanResRistrettoAgg(BloccoIsee, Vec<ComponenteEsterna>),
    /// `ISEENonCalcolabile` (case 14).
    NonCalcolabile(String),
}

/// A member of a restricted nucleus (`ComponenteNucleoRistretto`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponenteRistretto {
    /// `@RelazioneConBeneficiario`: `B|C|F|FC|FNC|MA`.
    pub relazione: String,
    pub cognome: String,
    pub nome: String,
    pub codice_fiscale: String,
}

/// `Ridotto`: the ISEE of a beneficiary on a restricted nucleus (socio-sanitary
/// benefits, art. 6 c.2; doctorate, art. 8 c.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ridotto {
    /// `@CodiceFiscaleBeneficiario`.
    pub codice_fiscale_beneficiario: String,
    /// `NucleoRistretto/ComponenteNucleoRistretto`, the beneficiary first.
    pub nucleo: Vec<ComponenteRistretto>,
    /// `ISEERistretto`: the ISEE of the restricted nucleus.
    pub isee: Option<BloccoIsee>,
    /// `ISEESocioSanResRistretto/ComponenteSocioSanitarieRes`.
    pub residenziale: Option<EsitoRistretto>,
}

/// `Rapporto` of an `OmissioneDifformita`: a financial relationship omitted
/// or declared differently. INPS's amounts here are whole euros
/// (`xs:unsignedInt`): they are written rounded half away from zero, and a
/// negative amount (an overdraft) as 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RapportoOmesso {
    /// `@TipoRapporto`: `01…07|09|23|99`.
    pub tipo_rapporto: String,
    pub identificativo: String,
    /// `@CodiceFiscaleOperatore`, at most 16 characters.
    pub codice_fiscale_operatore: String,
    pub saldo_3112: Option<Decimal>,
    pub consistenza_media: Option<Decimal>,
    pub valore: Option<Decimal>,
}

/// `OmissioneDifformita`: a difference between the DSU and the tax agency's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OmissioneDifformita {
    /// `@TipoOmissioneDifformita`: `PatrimoniMobiliari|RedditiScostamento|PatrimoniMobiliariSottoSoglia|PatrimoniMobiliariSopraSoglia`.
    pub tipo: String,
    pub codice_fiscale: String,
    /// `@DataControlloAE` (required by INPS's schema).
    pub data_controllo: NaiveDate,
    pub rapporti: Vec<RapportoOmesso>,
}

/// The content of an `Attestazione` (`TypeAttestazione` v1.4), in the subset
/// this project issues: the ordinary nucleus with its ISEE and the
/// per-beneficiary blocks, the restricted nuclei, and the omissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatiAttestazione {
    /// `@CodiceFiscaleDichiarante`.
    pub cf_dichiarante: String,
    /// `@NumeroProtocolloDSU`.
    pub protocollo_dsu: String,
    pub data_presentazione: NaiveDate,
    pub data_validita: NaiveDate,
    /// `@ProtocolloMittente`, at most 29 characters.
    pub protocollo_mittente: Option<String>,
    /// `@DataScadenzaDSUCorrente`.
    pub data_scadenza_corrente: Option<NaiveDate>,
    /// `Ordinario/@Corrente="SI"`.
    pub corrente: bool,
    /// `Ordinario/NucleoFamiliare`.
    pub nucleo: Vec<ComponenteNucleo>,
    /// `Ordinario/ISEEOrdinario`. Without it no `Ordinario` element is written
    /// (and neither the nucleus nor the per-beneficiary blocks, which live inside it).
    pub ordinario: Option<BloccoIsee>,
    /// `Ordinario/ISEEFamiglia`: the 2026 "ISEE per specifiche prestazioni
    /// familiari e per l'inclusione" (L. 199/2025), where 2026 consumers read
    /// it. Not in INPS's v1.4 schema: see `CONTRATTO.md` §3.
    pub famiglia: Option<BloccoIsee>,
    /// `Ordinario/ISEEMin/ComponenteMinorenne`.
    pub minorenni: Vec<BloccoBeneficiario>,
    /// `Ordinario/ISEEUni/StudenteUniversitario`.
    pub universitari: Vec<BloccoBeneficiario>,
    /// `Ordinario/ISEESocioSanRes/ComponenteSocioSanitarieRes`.
    pub sociosanitario: Vec<BloccoSocioSanitario>,
    /// `Ridotto`, one per beneficiary of a restricted nucleus.
    pub ridotti: Vec<Ridotto>,
    pub omissioni: Vec<OmissioneDifformita>,
}

/// Writes an `Indicatore` document (UTF-8, with INPS's XML declaration).
///
/// The search is echoed as INPS's `RicercaCF` for every operation, the
/// riscontro ones included (their DSU protocol is `@ProtocolloDSU` already,
/// and the fiscal code is the beneficiary's): the document is valid against
/// `ISEE_EsitoConsultazioneIndicatore.xsd`. The nucleus of
/// `ConsultazioneIndicatoreNucleoRiscontro` follows as the one extension.
pub fn xml_indicatore(d: &DatiIndicatore) -> Vec<u8> {
    let mut out = String::with_capacity(640);
    out.push_str(DICHIARAZIONE);
    out.push_str("<Indicatore xmlns=\"");
    out.push_str(NS_ISEE_RIFORMA);
    out.push('"');
    attributo(&mut out, "TipoIndicatore", d.tipo.nome());
    attributo_importo(&mut out, "ISE", d.ise);
    attributo_importo(&mut out, "ScalaEquivalenza", d.scala_equivalenza);
    attributo_importo(&mut out, "ISEE", d.isee);
    attributo_importo(&mut out, "ISR", d.isr);
    attributo_importo(&mut out, "ISP", d.isp);
    attributo(&mut out, "ProtocolloDSU", &d.protocollo_dsu);
    attributo_data(&mut out, "DataPresentazione", d.data_presentazione);
    out.push_str("><RicercaCF");
    attributo(&mut out, "CodiceFiscale", d.ricerca.codice_fiscale());
    if let Ricerca::Cf(r) = &d.ricerca
        && let Some(data) = r.data_validita
    {
        attributo_data(&mut out, "DataValidita", data);
    }
    scrivi_domanda(&mut out, d.ricerca.domanda());
    out.push_str("/>");
    if let Some(nucleo) = &d.nucleo {
        scrivi_nucleo(&mut out, nucleo);
    }
    out.push_str("</Indicatore>");
    out.into_bytes()
}

/// Writes an `EsitoAttestazione` document: the attestation when found, and
/// always the search echoed in `Ricerca`. With `None` (the `DATI_NON_TROVATI`
/// answer) the document is `EsitoAttestazione/Ricerca` alone.
pub fn xml_esito_attestazione(att: Option<&DatiAttestazione>, ricerca: &Ricerca) -> Vec<u8> {
    let mut out = String::with_capacity(2048);
    out.push_str(DICHIARAZIONE);
    out.push_str("<EsitoAttestazione xmlns=\"");
    out.push_str(NS_ISEE_RIFORMA);
    out.push_str("\">");
    if let Some(a) = att {
        scrivi_attestazione(&mut out, a);
    }
    out.push_str("<Ricerca>");
    scrivi_ricerca(&mut out, ricerca);
    out.push_str("</Ricerca></EsitoAttestazione>");
    out.into_bytes()
}

fn scrivi_domanda(out: &mut String, d: &DatiDomanda) {
    if let Some(p) = &d.prestazione {
        attributo(out, "PrestazioneDaErogare", p);
    }
    if let Some(p) = &d.protocollo_domanda {
        attributo(out, "ProtocolloDomandaEnteErogatore", p);
    }
    if let Some(s) = d.stato_domanda {
        attributo(out, "StatodomandaPrestazione", s.nome());
    }
}

/// The search as an empty element with one attribute per request field.
fn scrivi_ricerca(out: &mut String, ricerca: &Ricerca) {
    out.push('<');
    out.push_str(ricerca.elemento());
    match ricerca {
        Ricerca::Cf(r) => {
            attributo(out, "CodiceFiscale", &r.codice_fiscale);
            if let Some(d) = r.data_validita {
                attributo_data(out, "DataValidita", d);
            }
        }
        Ricerca::ProtDsu(r) => {
            attributo(out, "ProtocolloDSU", &r.protocollo_dsu);
            attributo(
                out,
                "CodiceFiscaleBeneficiario",
                &r.codice_fiscale_beneficiario,
            );
        }
        Ricerca::ProtMittente(r) => {
            attributo(out, "ProtocolloMittente", &r.protocollo_mittente);
            attributo(
                out,
                "CodiceFiscaleBeneficiario",
                &r.codice_fiscale_beneficiario,
            );
        }
    }
    scrivi_domanda(out, ricerca.domanda());
    out.push_str("/>");
}

fn scrivi_nucleo(out: &mut String, nucleo: &[ComponenteNucleo]) {
    out.push_str("<NucleoFamiliare>");
    for c in nucleo {
        out.push_str("<ComponenteNucleo");
        attributo(out, "RapportoConDichiarante", &c.rapporto);
        attributo(out, "Cognome", &c.cognome);
        attributo(out, "Nome", &c.nome);
        attributo(out, "CodiceFiscale", &c.codice_fiscale);
        out.push_str("/>");
    }
    out.push_str("</NucleoFamiliare>");
}

fn scrivi_valori(out: &mut String, v: &Valori) {
    out.push_str("<Valori");
    attributo_importo(out, "ISE", v.ise);
    attributo_importo(out, "ScalaEquivalenza", v.scala_equivalenza);
    attributo_importo(out, "ISEE", v.isee);
    attributo_importo(out, "ISR", v.isr);
    attributo_importo(out, "ISP", v.isp);
    out.push_str("/>");
}

fn scrivi_modalita(out: &mut String, elemento: &str, m: &ModalitaCalcolo) {
    out.push('<');
    out.push_str(elemento);
    attributo_importo(out, "SommaRedditiComponenti", m.somma_redditi_componenti);
    if let Some(c) = m.somma_redditi_componenti_corrente {
        attributo_importo(out, "SommaRedditiComponentiCorrente", c);
    }
    attributo_importo(
        out,
        "RedditoFigurativoPatrimonioMobiliare",
        m.reddito_figurativo_patrimonio_mobiliare,
    );
    attributo_importo(out, "Detrazioni", m.detrazioni);
    attributo_importo(out, "ISR", m.isr);
    attributo_importo(out, "PatrimonioMobiliare", m.patrimonio_mobiliare);
    attributo_importo(
        out,
        "DetrazionePatrimonioMobiliare",
        m.detrazione_patrimonio_mobiliare,
    );
    attributo_importo(out, "PatrimonioImmobiliare", m.patrimonio_immobiliare);
    attributo_importo(
        out,
        "DetrazionePatrimonioImmobiliare",
        m.detrazione_patrimonio_immobiliare,
    );
    attributo_importo(out, "ISP", m.isp);
    attributo_importo(out, "ISE", m.ise);
    attributo_importo(out, "ParametroNucleo", m.parametro_nucleo);
    attributo_importo(out, "Maggiorazioni", m.maggiorazioni);
    attributo_importo(out, "ScalaEquivalenza", m.scala_equivalenza);
    out.push_str("/>");
}

/// One calculated block as INPS names it: the element, the element of its
/// attracted or additional members (`ComponenteAttratta`, `ComponenteAgguntiva`)
/// and the element of its calculation lines. INPS's names are irregular
/// (`ModalitaCalcoloISEEMinAggr`, `ModalitaCalcoloIISEESocioSanResAgg`), hence
/// one constant per block rather than a rule.
struct NomiBlocco {
    elemento: &'static str,
    componente: &'static str,
    modalita: &'static str,
}

const fn nomi(
    elemento: &'static str,
    componente: &'static str,
    modalita: &'static str,
) -> NomiBlocco {
    NomiBlocco {
        elemento,
        componente,
        modalita,
    }
}

const MIN_ATTR: NomiBlocco = nomi(
    "ISEEMinAttr",
    "ComponenteAttratta",
    "ModalitaCalcoloISEEMinAttr",
);
const MIN_AGG: NomiBlocco = nomi(
    "ISEEMinAgg",
    "ComponenteAgguntiva",
    "ModalitaCalcoloISEEMinAggr",
);
const UNI_ATTR: NomiBlocco = nomi(
    "ISEEUniAttr",
    "ComponenteAttratta",
    "ModalitaCalcoloISEEUniAttr",
);
const UNI_AGG: NomiBlocco = nomi(
    "ISEEUniAgg",
    "ComponenteAgguntiva",
    "ModalitaCalcoloISEEUniAgg",
);
const SSR: NomiBlocco = nomi("ISEESocioSanRes", "", "ModalitaCalcoloISEESocioSanResRes");
const SSR_ORD_AGG: NomiBlocco = nomi(
    "ISEEOrdAgg",
    "ComponenteAgguntiva",
    "ModalitaCalcoloISEEOrdAgg",
);
const SSR_AGG: NomiBlocco = nomi(
    "ISEESocioSanResAgg",
    "ComponenteAgguntiva",
    "ModalitaCalcoloIISEESocioSanResAgg",
);
const RISTRETTO: NomiBlocco = nomi("ISEERistretto", "", "ModalitaCalcoloISEERistretto");
const SSR_RISTRETTO: NomiBlocco = nomi(
    "ISEESocioSanResRistretto",
    "",
    "ModalitaCalcoloISEESocioSanResRistretto",
);
const RISTRETTO_AGG: NomiBlocco = nomi(
    "ISEERistrettoAgg",
    "ComponenteAgguntiva",
    "ModalitaCalcoloISEERistrettoAgg",
);
const SSR_RISTRETTO_AGG: NomiBlocco = nomi(
    "ISEESocioSanResRistrettoAgg",
    "ComponenteAgguntiva",
    "ModalitaCalcoloISEESocioSanResRistrettoAgg",
);
const FAMIGLIA: NomiBlocco = nomi("ISEEFamiglia", "", "ModalitaCalcoloISEEFamiglia");

/// `<elemento DataRilascio="…"><componente…/>*<Valori/><ModalitaCalcolo…/></elemento>`.
fn scrivi_blocco(out: &mut String, n: &NomiBlocco, b: &BloccoIsee, esterni: &[ComponenteEsterna]) {
    out.push('<');
    out.push_str(n.elemento);
    attributo_data(out, "DataRilascio", b.data_rilascio);
    out.push('>');
    for c in esterni {
        out.push('<');
        out.push_str(n.componente);
        out.push_str("><ComponenteAttrattaAggiuntiva");
        attributo(out, "Cognome", &c.cognome);
        attributo(out, "Nome", &c.nome);
        attributo(out, "CodiceFiscale", &c.codice_fiscale);
        if let Some(v) = c.valore {
            attributo_importo(out, "ValoreComponenteAggiuntiva", v);
        }
        out.push_str("/></");
        out.push_str(n.componente);
        out.push('>');
    }
    scrivi_valori(out, &b.valori);
    scrivi_modalita(out, n.modalita, &b.modalita);
    out.push_str("</");
    out.push_str(n.elemento);
    out.push('>');
}

/// `<persona Cognome Nome CodiceFiscale ISEE?>`: surname and name as on the
/// nucleus (INPS repeats them here; both are required by the schema).
fn apri_persona(
    out: &mut String,
    elemento: &str,
    codice_fiscale: &str,
    isee: Option<Decimal>,
    a: &DatiAttestazione,
) {
    out.push('<');
    out.push_str(elemento);
    let persona = a.nucleo.iter().find(|c| c.codice_fiscale == codice_fiscale);
    attributo(out, "Cognome", persona.map_or("", |c| c.cognome.as_str()));
    attributo(out, "Nome", persona.map_or("", |c| c.nome.as_str()));
    attributo(out, "CodiceFiscale", codice_fiscale);
    if let Some(isee) = isee {
        attributo_importo(out, "ISEE", isee);
    }
    out.push('>');
}

fn chiudi(out: &mut String, elemento: &str) {
    out.push_str("</");
    out.push_str(elemento);
    out.push('>');
}

fn scrivi_non_calcolabile(out: &mut String, motivo: &str) {
    crate::formato::elemento_testo(out, "ISEENonCalcolabile", motivo);
}

/// `ISEEMin` or `ISEEUni`.
fn scrivi_beneficiari(
    out: &mut String,
    universitari: bool,
    blocchi: &[BloccoBeneficiario],
    a: &DatiAttestazione,
) {
    if blocchi.is_empty() {
        return;
    }
    let (contenitore, persona, attr, agg) = if universitari {
        ("ISEEUni", "StudenteUniversitario", &UNI_ATTR, &UNI_AGG)
    } else {
        ("ISEEMin", "ComponenteMinorenne", &MIN_ATTR, &MIN_AGG)
    };
    out.push('<');
    out.push_str(contenitore);
    out.push('>');
    for b in blocchi {
        let isee = match &b.esito {
            EsitoBeneficiario::Ord => a.ordinario.as_ref().map(|o| o.valori.isee),
            EsitoBeneficiario::Attr(blocco, _) | EsitoBeneficiario::Agg(blocco, _) => {
                Some(blocco.valori.isee)
            }
            EsitoBeneficiario::NonCalcolabile(_) => None,
        };
        apri_persona(out, persona, &b.codice_fiscale, isee, a);
        match &b.esito {
            EsitoBeneficiario::Ord => out.push_str("<ISEEOrd/>"),
            EsitoBeneficiario::Attr(blocco, c) => {
                scrivi_blocco(out, attr, blocco, std::slice::from_ref(c));
            }
            EsitoBeneficiario::Agg(blocco, c) => {
                scrivi_blocco(out, agg, blocco, std::slice::from_ref(c));
            }
            EsitoBeneficiario::NonCalcolabile(motivo) => scrivi_non_calcolabile(out, motivo),
        }
        chiudi(out, persona);
    }
    chiudi(out, contenitore);
}

fn scrivi_sociosanitario(out: &mut String, blocchi: &[BloccoSocioSanitario], a: &DatiAttestazione) {
    if blocchi.is_empty() {
        return;
    }
    const PERSONA: &str = "ComponenteSocioSanitarieRes";
    out.push_str("<ISEESocioSanRes>");
    for b in blocchi {
        let isee = match &b.esito {
            EsitoSocioSanitario::Ord => a.ordinario.as_ref().map(|o| o.valori.isee),
            EsitoSocioSanitario::SocioSanRes(x)
            | EsitoSocioSanitario::OrdAgg(x, _)
            | EsitoSocioSanitario::SocioSanResAgg(x, _) => Some(x.valori.isee),
            EsitoSocioSanitario::NonCalcolabile(_) => None,
        };
        apri_persona(out, PERSONA, &b.codice_fiscale, isee, a);
        match &b.esito {
            EsitoSocioSanitario::Ord => out.push_str("<ISEEOrd/>"),
            EsitoSocioSanitario::SocioSanRes(x) => scrivi_blocco(out, &SSR, x, &[]),
            EsitoSocioSanitario::OrdAgg(x, c) => scrivi_blocco(out, &SSR_ORD_AGG, x, c),
            EsitoSocioSanitario::SocioSanResAgg(x, c) => scrivi_blocco(out, &SSR_AGG, x, c),
            EsitoSocioSanitario::NonCalcolabile(m) => scrivi_non_calcolabile(out, m),
        }
        chiudi(out, PERSONA);
    }
    out.push_str("</ISEESocioSanRes>");
}

fn scrivi_ridotto(out: &mut String, r: &Ridotto, a: &DatiAttestazione) {
    out.push_str("<Ridotto");
    attributo(
        out,
        "CodiceFiscaleBeneficiario",
        &r.codice_fiscale_beneficiario,
    );
    out.push_str("><NucleoRistretto>");
    for c in &r.nucleo {
        out.push_str("<ComponenteNucleoRistretto");
        attributo(out, "RelazioneConBeneficiario", &c.relazione);
        attributo(out, "Cognome", &c.cognome);
        attributo(out, "Nome", &c.nome);
        attributo(out, "CodiceFiscale", &c.codice_fiscale);
        out.push_str("/>");
    }
    out.push_str("</NucleoRistretto>");
    if let Some(b) = &r.isee {
        scrivi_blocco(out, &RISTRETTO, b, &[]);
    }
    if let Some(esito) = &r.residenziale {
        const PERSONA: &str = "ComponenteSocioSanitarieRes";
        let isee = match esito {
            EsitoRistretto::Ristretto => r.isee.as_ref().map(|b| b.valori.isee),
            EsitoRistretto::SocioSanResRistretto(x)
            | EsitoRistretto::RistrettoAgg(x, _)
            | EsitoRistretto::SocioSanResRistrettoAgg(x, _) => Some(x.valori.isee),
            EsitoRistretto::NonCalcolabile(_) => None,
        };
        out.push_str("<ISEESocioSanResRistretto>");
        apri_persona(out, PERSONA, &r.codice_fiscale_beneficiario, isee, a);
        match esito {
            EsitoRistretto::Ristretto => out.push_str("<ISEERistretto/>"),
            EsitoRistretto::SocioSanResRistretto(x) => scrivi_blocco(out, &SSR_RISTRETTO, x, &[]),
            EsitoRistretto::RistrettoAgg(x, c) => scrivi_blocco(out, &RISTRETTO_AGG, x, c),
            EsitoRistretto::SocioSanResRistrettoAgg(x, c) => {
                scrivi_blocco(out, &SSR_RISTRETTO_AGG, x, c);
            }
            EsitoRistretto::NonCalcolabile(m) => scrivi_non_calcolabile(out, m),
        }
        chiudi(out, PERSONA);
        out.push_str("</ISEESocioSanResRistretto>");
    }
    out.push_str("</Ridotto>");
}

/// A `Rapporto` amount as `xs:unsignedInt`: whole euros, half away from zero,
/// never negative.
fn attributo_euro_intero(out: &mut String, nome: &str, importo: Decimal) {
    let mut x = importo.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    if x.is_sign_negative() {
        x = Decimal::ZERO;
    }
    x.rescale(0);
    attributo(out, nome, &x.to_string());
}

fn scrivi_attestazione(out: &mut String, a: &DatiAttestazione) {
    out.push_str("<Attestazione");
    attributo(out, "CodiceFiscaleDichiarante", &a.cf_dichiarante);
    attributo(out, "NumeroProtocolloDSU", &a.protocollo_dsu);
    attributo_data(out, "DataPresentazione", a.data_presentazione);
    attributo_data(out, "DataValidita", a.data_validita);
    if let Some(p) = &a.protocollo_mittente {
        attributo(out, "ProtocolloMittente", p);
    }
    if let Some(d) = a.data_scadenza_corrente {
        attributo_data(out, "DataScadenzaDSUCorrente", d);
    }
    out.push('>');
    if let Some(ordinario) = &a.ordinario {
        out.push_str("<Ordinario");
        if a.corrente {
            attributo(out, "Corrente", "SI");
        }
        out.push('>');
        scrivi_nucleo(out, &a.nucleo);
        out.push_str("<ISEEOrdinario");
        attributo_data(out, "DataRilascio", ordinario.data_rilascio);
        out.push('>');
        scrivi_valori(out, &ordinario.valori);
        scrivi_modalita(out, "ModalitaCalcoloISEEOrdinario", &ordinario.modalita);
        out.push_str("</ISEEOrdinario>");
        if let Some(f) = &a.famiglia {
            scrivi_blocco(out, &FAMIGLIA, f, &[]);
        }
        scrivi_beneficiari(out, false, &a.minorenni, a);
        scrivi_beneficiari(out, true, &a.universitari, a);
        scrivi_sociosanitario(out, &a.sociosanitario, a);
        out.push_str("</Ordinario>");
    }
    for r in &a.ridotti {
        scrivi_ridotto(out, r, a);
    }
    for o in &a.omissioni {
        out.push_str("<OmissioneDifformita");
        attributo(out, "TipoOmissioneDifformita", &o.tipo);
        attributo(out, "CodiceFiscale", &o.codice_fiscale);
        attributo_data(out, "DataControlloAE", o.data_controllo);
        if o.rapporti.is_empty() {
            out.push_str("/>");
            continue;
        }
        out.push('>');
        for r in &o.rapporti {
            out.push_str("<Rapporto");
            attributo(out, "TipoRapporto", &r.tipo_rapporto);
            attributo(out, "Identificativo", &r.identificativo);
            attributo(out, "CodiceFiscaleOperatore", &r.codice_fiscale_operatore);
            if let Some(v) = r.saldo_3112 {
                attributo_euro_intero(out, "Saldo3112", v);
            }
            if let Some(v) = r.consistenza_media {
                attributo_euro_intero(out, "ConsistenzaMedia", v);
            }
            if let Some(v) = r.valore {
                attributo_euro_intero(out, "Valore", v);
            }
            out.push_str("/>");
        }
        out.push_str("</OmissioneDifformita>");
    }
    out.push_str("</Attestazione>");
}

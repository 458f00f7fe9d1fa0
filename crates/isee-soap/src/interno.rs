//! The inner documents of namespace `http://inps.it/ISEERiforma`, which the
//! answers carry base64-encoded: `Indicatore` (INPS's
//! `TypeEsitoConsultazioneIndicatore`) and `EsitoAttestazione` (with
//! `TypeAttestazione`).
//!
//! Attribute and element names are INPS's. Amounts are `TypeDecimal`, always
//! written with two fraction digits; dates are `xs:date`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
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

/// How the ISEE of one beneficiary (minor, student, socio-sanitary
/// beneficiary) was obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EsitoBeneficiario {
    /// `ISEEOrd`: the same as the ordinary ISEE.
    Ord,
    /// `…Attr`: with an attracted member (a non-cohabiting parent or child
    /// brought into the nucleus).
    Attr(BloccoIsee),
    /// `…Agg`: with a componente aggiuntiva.
    Agg(BloccoIsee),
    /// `ISEENonCalcolabile`, with the reason.
    NonCalcolabile(String),
}

/// The ISEE of one beneficiary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BloccoBeneficiario {
    /// The beneficiary's fiscal code; surname and name are taken from the nucleus.
    pub codice_fiscale: String,
    pub esito: EsitoBeneficiario,
}

/// `Rapporto` of an `OmissioneDifformita`: a financial relationship omitted
/// or declared differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RapportoOmesso {
    /// `@TipoRapporto`: `01…07|09|23|99`.
    pub tipo_rapporto: String,
    pub identificativo: String,
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
    /// `@DataControlloAE`.
    pub data_controllo: Option<NaiveDate>,
    pub rapporti: Vec<RapportoOmesso>,
}

/// The content of an `Attestazione` (`TypeAttestazione`), in the subset this
/// project issues: the ordinary nucleus with its ISEE and the per-beneficiary
/// blocks, and the omissions.
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
    /// `Ordinario/ISEEMin/ComponenteMinorenne`.
    pub minorenni: Vec<BloccoBeneficiario>,
    /// `Ordinario/ISEEUni/StudenteUniversitario`.
    pub universitari: Vec<BloccoBeneficiario>,
    /// `Ordinario/ISEESocioSanRes/ComponenteSocioSanRes`.
    pub sociosanitario: Option<BloccoBeneficiario>,
    pub omissioni: Vec<OmissioneDifformita>,
}

/// Writes an `Indicatore` document (UTF-8, with INPS's XML declaration).
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
    out.push('>');
    scrivi_ricerca(&mut out, &d.ricerca);
    if let Some(nucleo) = &d.nucleo {
        scrivi_nucleo(&mut out, nucleo);
    }
    out.push_str("</Indicatore>");
    out.into_bytes()
}

/// Writes an `EsitoAttestazione` document: the attestation when found, and
/// always the search echoed in `Ricerca`.
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

/// `<elemento DataRilascio="…"><Valori/><ModalitaCalcolo…/></elemento>`.
fn scrivi_blocco(out: &mut String, elemento: &str, b: &BloccoIsee) {
    out.push('<');
    out.push_str(elemento);
    attributo_data(out, "DataRilascio", b.data_rilascio);
    out.push('>');
    scrivi_valori(out, &b.valori);
    let mut modalita = String::with_capacity(40);
    modalita.push_str("ModalitaCalcolo");
    modalita.push_str(elemento);
    scrivi_modalita(out, &modalita, &b.modalita);
    out.push_str("</");
    out.push_str(elemento);
    out.push('>');
}

/// The names used for one kind of beneficiary block.
struct NomiBeneficiario {
    contenitore: &'static str,
    persona: &'static str,
    attr: &'static str,
    agg: &'static str,
}

const MINORENNI: NomiBeneficiario = NomiBeneficiario {
    contenitore: "ISEEMin",
    persona: "ComponenteMinorenne",
    attr: "ISEEMinAttr",
    agg: "ISEEMinAgg",
};
const UNIVERSITARI: NomiBeneficiario = NomiBeneficiario {
    contenitore: "ISEEUni",
    persona: "StudenteUniversitario",
    attr: "ISEEUniAttr",
    agg: "ISEEUniAgg",
};
const SOCIOSANITARIO: NomiBeneficiario = NomiBeneficiario {
    contenitore: "ISEESocioSanRes",
    persona: "ComponenteSocioSanRes",
    attr: "ISEESocioSanResAttr",
    agg: "ISEESocioSanResAgg",
};

fn scrivi_beneficiari(
    out: &mut String,
    nomi: &NomiBeneficiario,
    blocchi: &[BloccoBeneficiario],
    a: &DatiAttestazione,
) {
    if blocchi.is_empty() {
        return;
    }
    out.push('<');
    out.push_str(nomi.contenitore);
    out.push('>');
    for b in blocchi {
        out.push('<');
        out.push_str(nomi.persona);
        // Surname and name as on the nucleus, as INPS repeats them here.
        if let Some(c) = a
            .nucleo
            .iter()
            .find(|c| c.codice_fiscale == b.codice_fiscale)
        {
            attributo(out, "Cognome", &c.cognome);
            attributo(out, "Nome", &c.nome);
        }
        attributo(out, "CodiceFiscale", &b.codice_fiscale);
        let isee = match &b.esito {
            EsitoBeneficiario::Ord => a.ordinario.as_ref().map(|o| o.valori.isee),
            EsitoBeneficiario::Attr(blocco) | EsitoBeneficiario::Agg(blocco) => {
                Some(blocco.valori.isee)
            }
            EsitoBeneficiario::NonCalcolabile(_) => None,
        };
        if let Some(isee) = isee {
            attributo_importo(out, "ISEE", isee);
        }
        out.push('>');
        match &b.esito {
            EsitoBeneficiario::Ord => out.push_str("<ISEEOrd/>"),
            EsitoBeneficiario::Attr(blocco) => scrivi_blocco(out, nomi.attr, blocco),
            EsitoBeneficiario::Agg(blocco) => scrivi_blocco(out, nomi.agg, blocco),
            EsitoBeneficiario::NonCalcolabile(motivo) => {
                crate::formato::elemento_testo(out, "ISEENonCalcolabile", motivo);
            }
        }
        out.push_str("</");
        out.push_str(nomi.persona);
        out.push('>');
    }
    out.push_str("</");
    out.push_str(nomi.contenitore);
    out.push('>');
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
        scrivi_beneficiari(out, &MINORENNI, &a.minorenni, a);
        scrivi_beneficiari(out, &UNIVERSITARI, &a.universitari, a);
        if let Some(s) = &a.sociosanitario {
            scrivi_beneficiari(out, &SOCIOSANITARIO, std::slice::from_ref(s), a);
        }
        out.push_str("</Ordinario>");
    }
    for o in &a.omissioni {
        out.push_str("<OmissioneDifformita");
        attributo(out, "TipoOmissioneDifformita", &o.tipo);
        attributo(out, "CodiceFiscale", &o.codice_fiscale);
        if let Some(d) = o.data_controllo {
            attributo_data(out, "DataControlloAE", d);
        }
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
                attributo_importo(out, "Saldo3112", v);
            }
            if let Some(v) = r.consistenza_media {
                attributo_importo(out, "ConsistenzaMedia", v);
            }
            if let Some(v) = r.valore {
                attributo_importo(out, "Valore", v);
            }
            out.push_str("/>");
        }
        out.push_str("</OmissioneDifformita>");
    }
    out.push_str("</Attestazione>");
}

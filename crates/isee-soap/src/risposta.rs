//! Writing the answers: the result of each operation, and SOAP faults with an
//! RFC 7807 `problem` in their `detail`, as GovWay writes them in front of INPS.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::formato::{attributo, attributo_data, elemento_testo, scrivi_testo};
use crate::tipi::{Esito, Operazione, TipoIndicatoreSoglia};
use crate::{NS_CONSULTAZIONE, NS_PROBLEM, NS_SOAP11};

const INIZIO_BUSTA: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#
);
const FINE_BUSTA: &str = "</soap:Body></soap:Envelope>";

/// The inline answer of `ConsultazioneSogliaIndicatore`: whether the ISEE is
/// below the threshold, and which DSU says so, never the ISEE itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatiSoglia {
    /// `@TipoIndicatore`: which variant of the ISEE was compared.
    pub tipo_indicatore: TipoIndicatoreSoglia,
    /// `@SottoSoglia`: `SI` when the ISEE is below the threshold.
    pub sotto_soglia: bool,
    /// `@ProtocolloDSU`.
    pub protocollo_dsu: String,
    /// `@DataPresentazioneDSU`.
    pub data_presentazione_dsu: NaiveDate,
    /// `@PresenzaDifformita`: `SI` when the attestation notes omissions or differences.
    pub presenza_difformita: bool,
    /// `Componente*` (`@CodiceFiscale`, `@Cognome`, `@Nome`): the nucleus, when the
    /// request asked for it (`FornituraNucleo="SI"`); empty otherwise.
    /// `RapportoConDichiarante` is not part of INPS's `NucleoType` and is not written.
    pub componenti: Vec<crate::interno::ComponenteNucleo>,
}

/// What the result carries besides `IdRichiesta`, `Esito` and `DescrizioneErrore`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Contenuto {
    /// Nothing (every answer that is not `OK`).
    Nessuno,
    /// The bytes of an `Indicatore` document ([`crate::xml_indicatore`]),
    /// base64-encoded into `XmlEsitoIndicatore`.
    Indicatore(Vec<u8>),
    /// The bytes of an `EsitoAttestazione` document
    /// ([`crate::xml_esito_attestazione`]), base64-encoded into `XmlEsitoAttestazione`.
    Attestazione(Vec<u8>),
    /// The inline `DatiIndicatore` of the threshold query.
    Soglia(DatiSoglia),
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Risposta {
    pub operazione: Operazione,
    /// `IdRichiesta`. The XSD types it `xs:int`: keep it within `i32` for
    /// strict clients.
    pub id_richiesta: i64,
    pub esito: Esito,
    /// `DescrizioneErrore`, for answers that are not `OK`.
    pub descrizione_errore: Option<String>,
    pub contenuto: Contenuto,
}

/// Writes the SOAP envelope of an answer:
/// `<Op>Response/<Op>Result/{IdRichiesta, Esito, DescrizioneErrore?, XmlEsito…?|DatiIndicatore?}`.
///
/// The content is written as given; pairing it with the operation is the
/// caller's job (an `Indicatore` for an attestation operation is a bug, caught
/// by a debug assertion).
pub fn scrivi_risposta(r: &Risposta) -> Vec<u8> {
    debug_assert!(
        match &r.contenuto {
            Contenuto::Nessuno => true,
            Contenuto::Indicatore(_) => r.operazione.restituisce_indicatore(),
            Contenuto::Attestazione(_) => r.operazione.restituisce_attestazione(),
            Contenuto::Soglia(_) => r.operazione == Operazione::ConsultazioneSogliaIndicatore,
        },
        "contenuto {:?} incompatibile con {}",
        std::mem::discriminant(&r.contenuto),
        r.operazione
    );
    let base64 = match &r.contenuto {
        Contenuto::Indicatore(b) | Contenuto::Attestazione(b) => b.len() * 4 / 3 + 4,
        _ => 0,
    };
    let mut out = String::with_capacity(400 + base64);
    out.push_str(INIZIO_BUSTA);
    out.push('<');
    out.push_str(r.operazione.elemento_risposta());
    out.push_str(" xmlns=\"");
    out.push_str(NS_CONSULTAZIONE);
    out.push_str("\"><");
    out.push_str(r.operazione.elemento_risultato());
    out.push_str("><IdRichiesta>");
    out.push_str(&r.id_richiesta.to_string());
    out.push_str("</IdRichiesta><Esito>");
    out.push_str(r.esito.nome());
    out.push_str("</Esito>");
    if let Some(d) = &r.descrizione_errore {
        elemento_testo(&mut out, "DescrizioneErrore", d);
    }
    match &r.contenuto {
        Contenuto::Nessuno => {}
        Contenuto::Indicatore(xml) => elemento_base64(&mut out, "XmlEsitoIndicatore", xml),
        Contenuto::Attestazione(xml) => elemento_base64(&mut out, "XmlEsitoAttestazione", xml),
        Contenuto::Soglia(s) => {
            out.push_str("<DatiIndicatore");
            attributo(&mut out, "TipoIndicatore", s.tipo_indicatore.etichetta());
            attributo(&mut out, "SottoSoglia", si_no(s.sotto_soglia));
            attributo(&mut out, "ProtocolloDSU", &s.protocollo_dsu);
            attributo_data(&mut out, "DataPresentazioneDSU", s.data_presentazione_dsu);
            attributo(&mut out, "PresenzaDifformita", si_no(s.presenza_difformita));
            if s.componenti.is_empty() {
                out.push_str("/>");
            } else {
                out.push('>');
                for c in &s.componenti {
                    out.push_str("<Componente");
                    attributo(&mut out, "CodiceFiscale", &c.codice_fiscale);
                    attributo(&mut out, "Cognome", &c.cognome);
                    attributo(&mut out, "Nome", &c.nome);
                    out.push_str("/>");
                }
                out.push_str("</DatiIndicatore>");
            }
        }
    }
    out.push_str("</");
    out.push_str(r.operazione.elemento_risultato());
    out.push_str("></");
    out.push_str(r.operazione.elemento_risposta());
    out.push('>');
    out.push_str(FINE_BUSTA);
    out.into_bytes()
}

fn si_no(b: bool) -> &'static str {
    if b { "SI" } else { "NO" }
}

fn elemento_base64(out: &mut String, nome: &str, dati: &[u8]) {
    out.push('<');
    out.push_str(nome);
    out.push('>');
    STANDARD.encode_string(dati, out);
    out.push_str("</");
    out.push_str(nome);
    out.push('>');
}

/// Who is at fault: SOAP 1.1's two generic fault codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FaultCode {
    /// The message was wrong (`soap:Client`).
    Client,
    /// The service failed (`soap:Server`).
    Server,
}

impl FaultCode {
    /// The local part of the fault code.
    pub const fn nome(self) -> &'static str {
        match self {
            FaultCode::Client => "Client",
            FaultCode::Server => "Server",
        }
    }
}

/// An RFC 7807 problem, as GovWay puts it in a fault's `detail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// `type`: a URI naming the kind of problem.
    pub tipo: String,
    /// `title`: a short summary, e.g. `InteroperabilityInvalidRequest`.
    pub titolo: String,
    /// `status`: the HTTP status of the answer.
    pub stato: u16,
    /// `detail`: the explanation for this occurrence, in Italian.
    pub dettaglio: String,
    /// The specific code, appended to the fault code GovWay-style
    /// (`soap:Server.APIUnavailable`); empty for the bare fault code.
    pub codice: String,
    /// `govway_id`: the request's identifier, for support.
    pub govway_id: Option<String>,
}

/// Writes a SOAP 1.1 fault: `faultcode` is `soap:Client` or `soap:Server`,
/// followed by `.codice` when the problem has one, and `detail` holds the
/// `problem` element in namespace `urn:ietf:rfc:7807`.
pub fn scrivi_fault(codice: FaultCode, faultstring: &str, problema: &Problem) -> Vec<u8> {
    let mut out = String::with_capacity(640);
    out.push_str(INIZIO_BUSTA);
    out.push_str("<soap:Fault><faultcode>soap:");
    out.push_str(codice.nome());
    // The subcode becomes part of a QName: anything but name characters is
    // dropped so that a careless code cannot break the envelope.
    let sottocodice: String = problema
        .codice
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    if !sottocodice.is_empty() {
        out.push('.');
        out.push_str(&sottocodice);
    }
    out.push_str("</faultcode>");
    elemento_testo(&mut out, "faultstring", faultstring);
    out.push_str("<detail><problem xmlns=\"");
    out.push_str(NS_PROBLEM);
    out.push_str("\">");
    elemento_testo(&mut out, "type", &problema.tipo);
    elemento_testo(&mut out, "title", &problema.titolo);
    out.push_str("<status>");
    out.push_str(&problema.stato.to_string());
    out.push_str("</status><detail>");
    scrivi_testo(&mut out, &problema.dettaglio);
    out.push_str("</detail>");
    if let Some(id) = &problema.govway_id {
        elemento_testo(&mut out, "govway_id", id);
    }
    out.push_str("</problem></detail></soap:Fault>");
    out.push_str(FINE_BUSTA);
    debug_assert!(INIZIO_BUSTA.contains(NS_SOAP11));
    out.into_bytes()
}

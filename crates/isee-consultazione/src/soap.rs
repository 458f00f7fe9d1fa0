//! The SOAP 1.1 front end: INPS's `ConsultazioneISEE` contract, served twice:
//!
//! * on INPS's single endpoint `/pdnd/soap/ConsultazioneISEE/v1` (the address of
//!   INPS's v2.8 PDND WSDL), where the operation, read from the SOAPAction or the
//!   body, designates the e-service;
//! * one endpoint per e-service under `/pdnd/soap/ConsultazioneISEE/v2/<endpoint>`
//!   (the path INPS uses for the Residenti variant).
//!
//! Both serve the WSDL at `?wsdl` (self-contained, with its `soap:address` from the
//! configuration) and the XSD at `?xsd`. Faults travel with HTTP 500 (WS-I Basic
//! Profile R1126), except an exhausted quota (429), which consumers handle as such.

use crate::catalogo::{self, CATALOGO, EServizio};
use crate::rifiuto::Rifiuto;
use crate::servizio::{Canale, Chiamata, Dati, Servizio};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use isee_soap::{
    Contenuto, ErroreRichiesta, Esito, FaultCode, Operazione, Problem, Risposta as RispostaSoap,
    leggi_richiesta, scrivi_fault, scrivi_risposta, xml_esito_attestazione, xml_indicatore,
};
use isee_tls::InfoConnessione;
use std::sync::Arc;

/// The per-e-service endpoints.
pub const PERCORSO: &str = "/pdnd/soap/ConsultazioneISEE/v2/{endpoint}";
/// INPS's single endpoint ([`isee_soap::PERCORSO_INPS`]).
pub const PERCORSO_UNICO: &str = isee_soap::PERCORSO_INPS;

const XML: &str = "text/xml; charset=utf-8";

pub fn intestazione(h: &HeaderMap, nome: &str) -> Option<String> {
    h.get(nome)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// GET on an e-service's endpoint: the WSDL (`?wsdl`) or the XSD (`?xsd`).
pub async fn descrizione(
    State(s): State<Arc<Servizio>>,
    Path(endpoint): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    if catalogo::per_endpoint(&endpoint).is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let percorso = PERCORSO.replace("{endpoint}", &endpoint);
    documento(&s, &percorso, q.as_deref())
}

/// GET on the single endpoint: the WSDL (`?wsdl`) or the XSD (`?xsd`).
pub async fn descrizione_unica(State(s): State<Arc<Servizio>>, RawQuery(q): RawQuery) -> Response {
    documento(&s, PERCORSO_UNICO, q.as_deref())
}

fn documento(s: &Servizio, percorso: &str, q: Option<&str>) -> Response {
    match q.map(str::to_ascii_lowercase).as_deref() {
        Some("wsdl") => {
            let indirizzo = format!("{}{percorso}", s.impostazioni.indirizzo_pubblico);
            (
                [(header::CONTENT_TYPE, XML)],
                isee_soap::wsdl_con_indirizzo(&indirizzo),
            )
                .into_response()
        }
        Some("xsd") => ([(header::CONTENT_TYPE, XML)], isee_soap::XSD).into_response(),
        _ => (
            StatusCode::BAD_REQUEST,
            "Usare ?wsdl o ?xsd, oppure POST con una busta SOAP 1.1",
        )
            .into_response(),
    }
}

/// POST on an e-service's endpoint: one SOAP call.
pub async fn chiamata(
    State(s): State<Arc<Servizio>>,
    Path(endpoint): Path<String>,
    connessione: Option<axum::Extension<InfoConnessione>>,
    headers: HeaderMap,
    corpo: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(e) = catalogo::per_endpoint(&endpoint) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // A body over the limit is answered with a Fault and logged, like any refusal.
    let (corpo, rifiuto) = match corpo {
        Ok(b) => (b, None),
        Err(e) => (Bytes::new(), Some(Rifiuto::corpo(&e))),
    };
    let azione = intestazione(&headers, "soapaction");
    let richiesta = leggi_richiesta(&corpo, azione.as_deref());
    consulta(
        &s,
        e,
        connessione.map(|c| c.0),
        &headers,
        richiesta,
        rifiuto,
    )
    .await
}

/// POST on the single endpoint: the operation (from the body, checked against the
/// SOAPAction by the reader) designates the e-service.
pub async fn chiamata_unica(
    State(s): State<Arc<Servizio>>,
    connessione: Option<axum::Extension<InfoConnessione>>,
    headers: HeaderMap,
    corpo: Result<Bytes, BytesRejection>,
) -> Response {
    // A body over the limit is answered with a Fault and logged, like any refusal.
    let (corpo, rifiuto) = match corpo {
        Ok(b) => (b, None),
        Err(e) => (Bytes::new(), Some(Rifiuto::corpo(&e))),
    };
    let azione = intestazione(&headers, "soapaction");
    let richiesta = leggi_richiesta(&corpo, azione.as_deref());
    let operazione = match &richiesta {
        Ok(r) => Some(r.operazione),
        Err(ErroreRichiesta::Invalida { operazione, .. }) => Some(*operazione),
        Err(ErroreRichiesta::Envelope { .. }) => {
            azione.as_deref().and_then(Operazione::da_soap_action)
        }
    };
    let e = eservizio_per(
        operazione,
        intestazione(&headers, "authorization").as_deref(),
    );
    consulta(
        &s,
        e,
        connessione.map(|c| c.0),
        &headers,
        richiesta,
        rifiuto,
    )
    .await
}

/// The e-service a call on the single endpoint is for. Every operation belongs to
/// one e-service, except the threshold query, which rides on the three indicator
/// e-services that search by fiscal code: for it, the voucher's `eserviceId` picks
/// among them (read here unverified; the pipeline then validates the voucher
/// against that e-service's expectations, so a forged claim only selects checks it
/// then fails). A message whose operation is unknown is logged under the first
/// e-service of the catalogue.
pub fn eservizio_per(op: Option<Operazione>, authorization: Option<&str>) -> &'static EServizio {
    let Some(op) = op else {
        return &CATALOGO[0];
    };
    let candidati = || CATALOGO.iter().filter(move |e| e.ammette(op));
    let dal_voucher = isee_pdnd::voucher::claim_non_verificato(authorization, "eserviceId")
        .and_then(|id| candidati().find(|e| e.id().to_string() == id));
    dal_voucher
        .or_else(|| candidati().next())
        .unwrap_or(&CATALOGO[0])
}

async fn consulta(
    s: &Servizio,
    e: &'static EServizio,
    connessione: Option<InfoConnessione>,
    headers: &HeaderMap,
    richiesta: Result<isee_soap::RichiestaSoap, ErroreRichiesta>,
    rifiuto: Option<Rifiuto>,
) -> Response {
    let mut r = consulta_senza_metriche(s, e, connessione, headers, richiesta, rifiuto).await;
    r.extensions_mut()
        .insert(isee_http::metriche::Eservizio(e.codice));
    r
}

async fn consulta_senza_metriche(
    s: &Servizio,
    e: &'static EServizio,
    connessione: Option<InfoConnessione>,
    headers: &HeaderMap,
    richiesta: Result<isee_soap::RichiestaSoap, ErroreRichiesta>,
    rifiuto: Option<Rifiuto>,
) -> Response {
    // Kept for the DATI_NON_TROVATI answer of the attestation operations, which
    // echoes the search (CONTRATTO.md §3).
    let ricerca = richiesta.as_ref().ok().map(|r| r.ricerca.clone());
    let risposta = s
        .consulta(
            Chiamata::da_http(e, Canale::Soap, headers, connessione, richiesta)
                .con_rifiuto(rifiuto),
        )
        .await;
    let id = risposta.id_richiesta;
    let op = risposta.operazione;
    match (risposta.esito, op) {
        (Ok(dati), Some(op)) => {
            let contenuto = match dati {
                Dati::Indicatore(i) => Contenuto::Indicatore(xml_indicatore(&i)),
                Dati::Attestazione(a, ricerca) => {
                    Contenuto::Attestazione(xml_esito_attestazione(Some(&a), &ricerca))
                }
                Dati::Soglia(d) => Contenuto::Soglia(d),
                // REST only: no SOAP endpoint leads to it (catalogo::per_endpoint).
                Dati::Dichiarazione(_) => {
                    return fault(
                        &Rifiuto::accesso(
                            "ERRORE_INTERNO",
                            500,
                            "ConsultazioneDichiarazione non è servita in SOAP",
                        ),
                        id,
                    );
                }
            };
            xml(
                StatusCode::OK,
                scrivi_risposta(&RispostaSoap {
                    operazione: op,
                    id_richiesta: id,
                    esito: Esito::Ok,
                    descrizione_errore: None,
                    contenuto,
                }),
                None,
            )
        }
        (Err(r), Some(op)) if r.esito.is_some() => {
            let esito = r.esito.unwrap_or(Esito::ErroreInterno);
            let contenuto = match (&ricerca, esito) {
                (Some(ricerca), Esito::DatiNonTrovati) if op.restituisce_attestazione() => {
                    Contenuto::Attestazione(xml_esito_attestazione(None, ricerca))
                }
                _ => Contenuto::Nessuno,
            };
            xml(
                StatusCode::OK,
                scrivi_risposta(&RispostaSoap {
                    operazione: op,
                    id_richiesta: id,
                    esito,
                    descrizione_errore: Some(format!("{}: {}", r.codice, r.messaggio)),
                    contenuto,
                }),
                None,
            )
        }
        (Err(r), _) => fault(&r, id),
        (Ok(_), None) => fault(
            &Rifiuto::accesso("ERRORE_INTERNO", 500, "Operazione non determinata"),
            id,
        ),
    }
}

/// The HTTP status of a SOAP fault: 500, as SOAP 1.1 §6.2 and WS-I Basic Profile
/// R1126 require (JAX-WS and .NET clients read the fault only from a 500), except
/// 429 for an exhausted quota, which consumers handle as a retry-later. The
/// refusal's own status stays in the fault's `problem/status`.
pub fn stato_fault(r: &Rifiuto) -> StatusCode {
    if r.http == 429 {
        StatusCode::TOO_MANY_REQUESTS
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

/// A refusal as a SOAP Fault with an RFC 7807 problem in `<detail>` (GovWay-style,
/// as INPS answers): `soap:Client.<CODE>` or `soap:Server.<CODE>` by the refusal's
/// status, HTTP 500 ([`stato_fault`]).
fn fault(r: &Rifiuto, id: i64) -> Response {
    let client = r.http < 500;
    let p = r.problema(id);
    let corpo = scrivi_fault(
        if client {
            FaultCode::Client
        } else {
            FaultCode::Server
        },
        &r.messaggio,
        &Problem {
            tipo: p.tipo,
            titolo: p.title,
            stato: p.status,
            dettaglio: p.detail,
            codice: p.codice,
            govway_id: (id > 0).then(|| id.to_string()),
        },
    );
    let auth = p.sfida.and_then(|s| HeaderValue::from_str(&s).ok());
    let mut risposta = xml(stato_fault(r), corpo, auth);
    risposta
        .extensions_mut()
        .insert(isee_http::metriche::CodiceProblema(r.codice.to_owned()));
    risposta
}

fn xml(stato: StatusCode, corpo: Vec<u8>, www: Option<HeaderValue>) -> Response {
    let mut r = (stato, [(header::CONTENT_TYPE, XML)], corpo).into_response();
    if let Some(v) = www {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

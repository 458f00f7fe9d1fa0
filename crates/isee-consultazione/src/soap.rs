//! The SOAP 1.1 front end: INPS's `ConsultazioneISEE` contract, one endpoint per
//! e-service under `/pdnd/soap/ConsultazioneISEE/v2/<endpoint>` (the path INPS uses
//! for the Residenti variant), with the WSDL at `?wsdl` and the XSD at `?xsd`.

use crate::catalogo;
use crate::rifiuto::Rifiuto;
use crate::servizio::{Canale, Chiamata, Dati, Servizio};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use isee_soap::{
    Contenuto, Esito, FaultCode, Problem, Risposta as RispostaSoap, leggi_richiesta, scrivi_fault,
    scrivi_risposta, xml_esito_attestazione, xml_indicatore,
};
use isee_tls::InfoConnessione;
use std::sync::Arc;

pub const PERCORSO: &str = "/pdnd/soap/ConsultazioneISEE/v2/{endpoint}";

const XML: &str = "text/xml; charset=utf-8";

pub fn intestazione(h: &HeaderMap, nome: &str) -> Option<String> {
    h.get(nome)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// GET: the WSDL (`?wsdl`) or the XSD (`?xsd`).
pub async fn descrizione(Path(endpoint): Path<String>, RawQuery(q): RawQuery) -> Response {
    if catalogo::per_endpoint(&endpoint).is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    match q.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("wsdl") => ([(header::CONTENT_TYPE, XML)], isee_soap::WSDL).into_response(),
        Some("xsd") => ([(header::CONTENT_TYPE, XML)], isee_soap::XSD).into_response(),
        _ => (
            StatusCode::BAD_REQUEST,
            "Usare ?wsdl o ?xsd, oppure POST con una busta SOAP 1.1",
        )
            .into_response(),
    }
}

/// POST: one SOAP call.
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
    let risposta = s
        .consulta(
            Chiamata::da_http(
                e,
                Canale::Soap,
                &headers,
                connessione.map(|c| c.0),
                richiesta,
            )
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
        (Err(r), Some(op)) if r.esito.is_some() => xml(
            StatusCode::OK,
            scrivi_risposta(&RispostaSoap {
                operazione: op,
                id_richiesta: id,
                esito: r.esito.unwrap_or(Esito::ErroreInterno),
                descrizione_errore: Some(format!("{}: {}", r.codice, r.messaggio)),
                contenuto: Contenuto::Nessuno,
            }),
            None,
        ),
        (Err(r), _) => fault(&r, id),
        (Ok(_), None) => fault(
            &Rifiuto::accesso("ERRORE_INTERNO", 500, "Operazione non determinata"),
            id,
        ),
    }
}

/// A refusal as a SOAP Fault with an RFC 7807 problem in `<detail>` (GovWay-style,
/// as INPS answers), with the HTTP status of the refusal.
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
    let stato = StatusCode::from_u16(r.http).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let auth = p.sfida.and_then(|s| HeaderValue::from_str(&s).ok());
    xml(stato, corpo, auth)
}

fn xml(stato: StatusCode, corpo: Vec<u8>, www: Option<HeaderValue>) -> Response {
    let mut r = (stato, [(header::CONTENT_TYPE, XML)], corpo).into_response();
    if let Some(v) = www {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

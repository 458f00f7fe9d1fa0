//! The REST/JSON front end for new integrators: the same operations, policies and
//! log as SOAP, as `POST /rest/v1/{eservizio}/{indicatore|attestazione|soglia}`,
//! with amounts as decimal strings and errors as RFC 7807 problem+json that name the
//! failed check (`codice`) and, for invalid requests, every problem with its path.
//!
//! `POST /rest/v1/dichiarazione/dichiarazione` (REST only, no SOAP counterpart)
//! answers the DSU as INPS's `ISEE_Dichiarazione` XML document, with the export's
//! warnings as `Isee-…` headers ([`dichiarazione`]).

use crate::catalogo::{self, Divulgazione, EServizio};
use crate::rifiuto::Rifiuto;
use crate::servizio::{Canale, Chiamata, Dati, Servizio};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use isee_soap::{
    DatiDomanda, ErroreRichiesta, Operazione, Problema, Ricerca, RicercaCf, RicercaProtDsu,
    RicercaProtMittente, RichiestaSoap, StatoDomanda, TipoIndicatore,
};
use isee_tls::InfoConnessione;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{OpenApi, ToSchema};

/// The body of every REST operation.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RichiestaRest {
    /// `Ordinario`, `Minorenne`, `Universitario`, `SocioSanitario`, `Dottorato`,
    /// `Residenziale` (default `Ordinario`; not used by `attestazione`).
    #[serde(default)]
    pub tipo_indicatore: Option<String>,
    /// Threshold code, for `soglia` only (e.g. `ADIN26`).
    #[serde(default)]
    pub codice_soglia: Option<String>,
    pub ricerca: RicercaRest,
    /// INPS benefit code (`A1.07` Rette asili nido …): required.
    #[serde(default)]
    pub prestazione_da_erogare: Option<String>,
    /// The ente's protocol of the citizen's application: required.
    #[serde(default)]
    pub protocollo_domanda_ente_erogatore: Option<String>,
    /// `Da Erogare` or `Erogata`.
    #[serde(default)]
    pub stato_domanda_prestazione: Option<String>,
}

/// Exactly one of: `codice_fiscale` (with optional `data_validita`);
/// `protocollo_dsu` + `codice_fiscale_beneficiario`; `protocollo_mittente` +
/// `codice_fiscale_beneficiario`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RicercaRest {
    #[serde(default)]
    pub codice_fiscale: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub data_validita: Option<NaiveDate>,
    #[serde(default)]
    pub protocollo_dsu: Option<String>,
    #[serde(default)]
    pub protocollo_mittente: Option<String>,
    #[serde(default)]
    pub codice_fiscale_beneficiario: Option<String>,
}

/// A successful answer: exactly one of `soglia`, `indicatore`, `attestazione`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RispostaRest {
    pub id_richiesta: i64,
    /// Always `OK` here; other outcomes are problem+json.
    pub esito: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soglia: Option<SogliaRest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicatore: Option<IndicatoreRest>,
    /// The attestation, with INPS's structure (`isee_soap::DatiAttestazione`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub attestazione: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SogliaRest {
    pub tipo_indicatore: String,
    pub sotto_soglia: bool,
    pub protocollo_dsu: String,
    #[schema(value_type = String, format = Date)]
    pub data_presentazione_dsu: NaiveDate,
    pub presenza_difformita: bool,
}

/// Amounts are decimal strings with two digits (`"12345.67"`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IndicatoreRest {
    pub tipo_indicatore: String,
    pub isee: String,
    pub ise: String,
    pub isr: String,
    pub isp: String,
    pub scala_equivalenza: String,
    pub protocollo_dsu: String,
    #[schema(value_type = String, format = Date)]
    pub data_presentazione: NaiveDate,
    /// Nucleo Riscontro only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nucleo: Option<Vec<ComponenteRest>>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ComponenteRest {
    pub rapporto_con_dichiarante: String,
    pub cognome: String,
    pub nome: String,
    pub codice_fiscale: String,
}

// The OpenAPI description of the e-services' problem documents (isee-http's
// `Problema` as `Rifiuto::problema` fills it: always `id_richiesta`, never
// `problemi`); a test checks that it names the members the documents carry. The doc
// comment below is the schema's description in openapi.json.
/// RFC 7807 problem with the failed check's stable code.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProblemaRest {
    #[serde(rename = "type")]
    pub tipo: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub codice: String,
    /// 0 when the call could not be logged (and no data was returned).
    pub id_richiesta: i64,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "isee — consultazione ISEE (REST)",
        description = "Le otto e-service di consultazione ISEE dell'INPS su PDND, in JSON, e la nona, Consultazione Dichiarazione ISEE (solo REST): il contenuto della DSU per i controlli, come documento ISEE_Dichiarazione dell'INPS. Stesse regole del servizio SOAP ConsultazioneISEE: voucher PDND (Authorization: Bearer), finalità e quota giornaliera, categoria IPA dell'ente, certificato client per Indicatore/Attestazione e Dichiarazione, evidenza dell'operatore (Agid-JWT-TrackingEvidence) e sua abilitazione per Operatori e Dichiarazione. Codici di errore: docs/CONSULTAZIONE.md."
    ),
    paths(indicatore, attestazione, soglia, dichiarazione),
    components(schemas(
        RichiestaRest,
        RicercaRest,
        RispostaRest,
        SogliaRest,
        IndicatoreRest,
        ComponenteRest,
        ProblemaRest
    ))
)]
pub struct Documentazione;

/// The OpenAPI document as pretty JSON (committed as `openapi.json`, drift-tested).
pub fn openapi_json() -> String {
    Documentazione::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"errore\":\"{e}\"}}"))
}

#[utoipa::path(post, path = "/rest/v1/{eservizio}/indicatore", request_body = RichiestaRest,
    params(("eservizio" = String, Path, description = "indicatore | indicatore-residenti | indicatore-operatori | indicatore-riscontro | nucleo-riscontro", pattern = "^(indicatore|indicatore-residenti|indicatore-operatori|indicatore-riscontro|nucleo-riscontro)$")),
    responses((status = 200, body = RispostaRest), (status = 400, body = ProblemaRest), (status = 401, body = ProblemaRest),
        (status = 403, body = ProblemaRest), (status = 404, body = ProblemaRest), (status = 422, body = ProblemaRest),
        (status = 413, body = ProblemaRest), (status = 415, body = ProblemaRest), (status = 429, body = ProblemaRest), (status = 503, body = ProblemaRest)))]
pub async fn indicatore(
    s: State<Arc<Servizio>>,
    p: Path<String>,
    c: Option<axum::Extension<InfoConnessione>>,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    gestisci(s, p, c, h, b, Divulgazione::Indicatore).await
}

#[utoipa::path(post, path = "/rest/v1/{eservizio}/attestazione", request_body = RichiestaRest,
    params(("eservizio" = String, Path, description = "attestazione | attestazione-residenti | attestazione-operatori", pattern = "^(attestazione|attestazione-residenti|attestazione-operatori)$")),
    responses((status = 200, body = RispostaRest), (status = 400, body = ProblemaRest), (status = 401, body = ProblemaRest),
        (status = 403, body = ProblemaRest), (status = 404, body = ProblemaRest), (status = 429, body = ProblemaRest),
        (status = 413, body = ProblemaRest), (status = 415, body = ProblemaRest), (status = 503, body = ProblemaRest)))]
pub async fn attestazione(
    s: State<Arc<Servizio>>,
    p: Path<String>,
    c: Option<axum::Extension<InfoConnessione>>,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    gestisci(s, p, c, h, b, Divulgazione::Attestazione).await
}

#[utoipa::path(post, path = "/rest/v1/{eservizio}/soglia", request_body = RichiestaRest,
    params(("eservizio" = String, Path, description = "indicatore | indicatore-residenti | indicatore-operatori", pattern = "^(indicatore|indicatore-residenti|indicatore-operatori)$")),
    responses((status = 200, body = RispostaRest), (status = 400, body = ProblemaRest), (status = 401, body = ProblemaRest),
        (status = 403, body = ProblemaRest), (status = 404, body = ProblemaRest), (status = 429, body = ProblemaRest),
        (status = 413, body = ProblemaRest), (status = 415, body = ProblemaRest), (status = 503, body = ProblemaRest)))]
pub async fn soglia(
    s: State<Arc<Servizio>>,
    p: Path<String>,
    c: Option<axum::Extension<InfoConnessione>>,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    gestisci(s, p, c, h, b, Divulgazione::Soglia).await
}

/// The longest `Isee-Dati-Assenti-Percorsi` value (bytes): the paths beyond it are
/// cut, with `, ...` at the end; the count is always whole in `Isee-Dati-Assenti`.
pub const PERCORSI_ASSENTI_MASSIMO: usize = 2048;

#[utoipa::path(post, path = "/rest/v1/{eservizio}/dichiarazione", request_body = RichiestaRest,
    description = "Il contenuto della DSU per i controlli: la DSU del protocollo indicato, se il codice fiscale è di un componente del suo nucleo, come documento ISEE_Dichiarazione v1.3 dell'INPS (Operazione N), importi arrotondati all'euro, dati richiesti dall'INPS che la DSU non ha omessi (mai sostituiti). Anche DSU rettificate, sostituite o annullate, con lo stato in Isee-Stato-Dsu. Richiede TLS reciproco, voucher, evidenza dell'operatore e sua abilitazione all'e-service «dichiarazione».",
    params(("eservizio" = String, Path, description = "dichiarazione", pattern = "^dichiarazione$")),
    responses((status = 200, description = "ISEE_Dichiarazione (ISO-8859-1)", content_type = "application/xml", body = String,
            headers(("Isee-Id-Richiesta" = i64, description = "Numero del record nel registro degli accessi"),
                ("Isee-Stato-Dsu" = String, description = "attiva | rettificata | sostituita | annullata"),
                ("Isee-Sostituita-Da" = String, description = "Protocollo della DSU che l'ha sostituita, se c'è"),
                ("Isee-Dati-Assenti" = usize, description = "Quanti dati richiesti dall'INPS mancano nella DSU (omessi dal documento)"),
                ("Isee-Dati-Assenti-Percorsi" = String, description = "I percorsi JSON della DSU di quei dati, separati da virgola (al più 2048 byte)"),
                ("Isee-Importi-Arrotondati" = usize, description = "Quanti importi con centesimi sono stati arrotondati all'euro"))),
        (status = 400, body = ProblemaRest), (status = 401, body = ProblemaRest),
        (status = 403, body = ProblemaRest), (status = 404, body = ProblemaRest), (status = 429, body = ProblemaRest),
        (status = 413, body = ProblemaRest), (status = 415, body = ProblemaRest), (status = 500, body = ProblemaRest), (status = 503, body = ProblemaRest)))]
pub async fn dichiarazione(
    s: State<Arc<Servizio>>,
    p: Path<String>,
    c: Option<axum::Extension<InfoConnessione>>,
    h: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Response {
    gestisci(s, p, c, h, b, Divulgazione::Dichiarazione).await
}

/// The answer of ConsultazioneDichiarazione: the document and its headers.
fn risposta_dichiarazione(d: &crate::dati::DatiDichiarazione, id: i64) -> Response {
    let mut r = (StatusCode::OK, d.xml.clone()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=ISO-8859-1"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let mut metti = |nome: &'static str, valore: String| {
        if let Ok(v) = HeaderValue::from_str(&valore) {
            h.insert(HeaderName::from_static(nome), v);
        }
    };
    metti("isee-id-richiesta", id.to_string());
    metti("isee-stato-dsu", stato_dsu(d.stato).to_string());
    if let Some(p) = &d.sostituita_da {
        metti("isee-sostituita-da", p.clone());
    }
    metti("isee-dati-assenti", d.assenti.len().to_string());
    if !d.assenti.is_empty() {
        metti("isee-dati-assenti-percorsi", percorsi(&d.assenti));
    }
    metti("isee-importi-arrotondati", d.arrotondati.to_string());
    r
}

/// The state's name in `Isee-Stato-Dsu`.
pub fn stato_dsu(s: isee_registro::registrazione::StatoDsu) -> &'static str {
    use isee_registro::registrazione::StatoDsu as S;
    match s {
        S::Attiva => "attiva",
        S::Rettificata => "rettificata",
        S::Sostituita => "sostituita",
        S::Annullata => "annullata",
    }
}

/// The paths, comma-separated, within [`PERCORSI_ASSENTI_MASSIMO`] bytes; only
/// visible ASCII (a header value), anything else as `?`.
pub fn percorsi(p: &[String]) -> String {
    const SEGUE: &str = ", ...";
    let mut out = String::new();
    for (i, x) in p.iter().enumerate() {
        let x: String = x
            .chars()
            .map(|c| if c.is_ascii_graphic() { c } else { '?' })
            .collect();
        let sep = if i == 0 { "" } else { ", " };
        if out.len() + sep.len() + x.len() + SEGUE.len() > PERCORSI_ASSENTI_MASSIMO {
            out.push_str(if i == 0 { "..." } else { SEGUE });
            break;
        }
        out.push_str(sep);
        out.push_str(&x);
    }
    out
}

/// The e-service's operation for a disclosure level.
fn operazione(e: &EServizio, livello: Divulgazione) -> Option<Operazione> {
    e.operazioni
        .iter()
        .copied()
        .find(|o| catalogo::divulgazione(*o) == livello)
}

async fn gestisci(
    s: State<Arc<Servizio>>,
    p: Path<String>,
    connessione: Option<axum::Extension<InfoConnessione>>,
    headers: HeaderMap,
    corpo: Result<Bytes, BytesRejection>,
    livello: Divulgazione,
) -> Response {
    let e = catalogo::per_codice(&p.0);
    let mut r = gestisci_senza_metriche(s, p, connessione, headers, corpo, livello).await;
    if let Some(e) = e {
        r.extensions_mut()
            .insert(isee_http::metriche::Eservizio(e.codice));
    }
    r
}

async fn gestisci_senza_metriche(
    State(s): State<Arc<Servizio>>,
    Path(codice): Path<String>,
    connessione: Option<axum::Extension<InfoConnessione>>,
    headers: HeaderMap,
    corpo: Result<Bytes, BytesRejection>,
    livello: Divulgazione,
) -> Response {
    let Some(e) = catalogo::per_codice(&codice) else {
        return problema(
            &Rifiuto::accesso(
                "ESERVIZIO_SCONOSCIUTO",
                404,
                format!("E-service «{codice}» inesistente"),
            ),
            0,
        );
    };
    // Refused before reading, and logged: a body over the limit, a body that is not
    // JSON by its media type.
    let (corpo, rifiuto) = match corpo {
        Ok(b) if !json(&headers) => (
            b,
            Some(Rifiuto::accesso(
                "TIPO_NON_SUPPORTATO",
                415,
                "Il corpo deve essere JSON: Content-Type: application/json",
            )),
        ),
        Ok(b) => (b, None),
        Err(e) => (Bytes::new(), Some(Rifiuto::corpo(&e))),
    };
    let richiesta = match operazione(e, livello) {
        Some(op) => leggi(op, &corpo),
        None => Err(ErroreRichiesta::Envelope {
            messaggio: format!("L'e-service «{}» non offre questa operazione", e.nome),
        }),
    };
    let r = s
        .consulta(
            Chiamata::da_http(
                e,
                Canale::Rest,
                &headers,
                connessione.map(|c| c.0),
                richiesta,
            )
            .con_rifiuto(rifiuto),
        )
        .await;
    match r.esito {
        Ok(Dati::Dichiarazione(d)) => risposta_dichiarazione(&d, r.id_richiesta),
        Ok(d) => {
            let mut out = RispostaRest {
                id_richiesta: r.id_richiesta,
                esito: "OK".into(),
                soglia: None,
                indicatore: None,
                attestazione: None,
            };
            match d {
                Dati::Soglia(x) => {
                    out.soglia = Some(SogliaRest {
                        tipo_indicatore: x.tipo_indicatore.etichetta().to_string(),
                        sotto_soglia: x.sotto_soglia,
                        protocollo_dsu: x.protocollo_dsu,
                        data_presentazione_dsu: x.data_presentazione_dsu,
                        presenza_difformita: x.presenza_difformita,
                    })
                }
                Dati::Indicatore(i) => {
                    out.indicatore = Some(IndicatoreRest {
                        tipo_indicatore: i.tipo.nome().to_string(),
                        isee: format!("{:.2}", i.isee),
                        ise: format!("{:.2}", i.ise),
                        isr: format!("{:.2}", i.isr),
                        isp: format!("{:.2}", i.isp),
                        scala_equivalenza: format!("{:.2}", i.scala_equivalenza),
                        protocollo_dsu: i.protocollo_dsu,
                        data_presentazione: i.data_presentazione,
                        nucleo: i.nucleo.map(|n| {
                            n.into_iter()
                                .map(|c| ComponenteRest {
                                    rapporto_con_dichiarante: c.rapporto,
                                    cognome: c.cognome,
                                    nome: c.nome,
                                    codice_fiscale: c.codice_fiscale,
                                })
                                .collect()
                        }),
                    })
                }
                Dati::Attestazione(a, _) => {
                    out.attestazione = serde_json::to_value(&*a).ok();
                }
                Dati::Dichiarazione(_) => {}
            }
            (StatusCode::OK, Json(out)).into_response()
        }
        Err(rif) => problema(&rif, r.id_richiesta),
    }
}

/// Whether the request says its body is JSON: `application/json`, or a
/// `application/…+json` type, parameters (`; charset=utf-8`) allowed.
fn json(h: &HeaderMap) -> bool {
    let Some(tipo) = h
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essenza = tipo
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essenza == "application/json"
        || (essenza.starts_with("application/") && essenza.ends_with("+json"))
}

/// The JSON body as the request model shared with SOAP, with every problem at once.
pub fn leggi(op: Operazione, corpo: &[u8]) -> Result<RichiestaSoap, ErroreRichiesta> {
    let invalida = |problemi| ErroreRichiesta::Invalida {
        operazione: op,
        problemi,
    };
    let r: RichiestaRest = serde_json::from_slice(corpo).map_err(|e| {
        invalida(vec![Problema {
            percorso: "$".into(),
            messaggio: format!("JSON non valido: {e}"),
        }])
    })?;
    let mut problemi = Vec::new();
    let mut p = |percorso: &str, messaggio: String| {
        problemi.push(Problema {
            percorso: percorso.to_string(),
            messaggio,
        })
    };
    let tipo_indicatore = match r.tipo_indicatore.as_deref() {
        None => None,
        Some(t) => match TipoIndicatore::da_nome(t) {
            Some(t) => Some(t),
            None => {
                p("$.tipo_indicatore", format!("valore «{t}» non ammesso"));
                None
            }
        },
    };
    if let Some(c) = &r.codice_soglia
        && !isee_soap::codice_soglia_valido(c)
    {
        p(
            "$.codice_soglia",
            "formato atteso: 4 lettere e 2 cifre".into(),
        );
    }
    if op == Operazione::ConsultazioneSogliaIndicatore && r.codice_soglia.is_none() {
        p("$.codice_soglia", "obbligatorio".into());
    }
    let stato_domanda = match r.stato_domanda_prestazione.as_deref() {
        None => None,
        Some("Da Erogare") => Some(StatoDomanda::DaErogare),
        Some("Erogata") => Some(StatoDomanda::Erogata),
        Some(x) => {
            p(
                "$.stato_domanda_prestazione",
                format!("«{x}»: ammessi «Da Erogare» o «Erogata»"),
            );
            None
        }
    };
    if let Some(x) = &r.prestazione_da_erogare
        && !isee_soap::prestazione_valida(x)
    {
        p(
            "$.prestazione_da_erogare",
            format!("«{x}» non è un codice PrestazioneDaErogare INPS"),
        );
    }
    if r.protocollo_domanda_ente_erogatore
        .as_deref()
        .is_some_and(|x| x.chars().count() > 256)
    {
        p(
            "$.protocollo_domanda_ente_erogatore",
            "massimo 256 caratteri".into(),
        );
    }
    let domanda = DatiDomanda {
        prestazione: r.prestazione_da_erogare.clone(),
        protocollo_domanda: r.protocollo_domanda_ente_erogatore.clone(),
        stato_domanda,
    };
    let q = &r.ricerca;
    let scelte = [
        q.codice_fiscale.is_some(),
        q.protocollo_dsu.is_some(),
        q.protocollo_mittente.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if scelte != 1 {
        p(
            "$.ricerca",
            "indicare esattamente uno tra codice_fiscale, protocollo_dsu, protocollo_mittente"
                .into(),
        );
    }
    let cf_ok = isee_soap::codice_fiscale_valido;
    if let Some(cf) = &q.codice_fiscale
        && !cf_ok(cf)
    {
        p(
            "$.ricerca.codice_fiscale",
            "codice fiscale non valido".into(),
        );
    }
    if (q.protocollo_dsu.is_some() || q.protocollo_mittente.is_some())
        && q.codice_fiscale_beneficiario
            .as_deref()
            .is_none_or(|c| !cf_ok(c))
    {
        p(
            "$.ricerca.codice_fiscale_beneficiario",
            "obbligatorio e valido con protocollo_dsu o protocollo_mittente".into(),
        );
    }
    if let Some(pd) = &q.protocollo_dsu
        && !isee_soap::protocollo_dsu_valido(pd)
    {
        p(
            "$.ricerca.protocollo_dsu",
            "formato atteso INPS-ISEE-AAAA-NNNNNNNNX-NN".into(),
        );
    }
    if q.protocollo_mittente
        .as_deref()
        .is_some_and(|x| x.chars().count() > 29)
    {
        p(
            "$.ricerca.protocollo_mittente",
            "massimo 29 caratteri".into(),
        );
    }
    let dichiarazione = op == Operazione::ConsultazioneDichiarazione;
    let riscontro = matches!(
        op,
        Operazione::ConsultazioneIndicatoreRiscontro
            | Operazione::ConsultazioneIndicatoreNucleoRiscontro
    );
    let indicatore = matches!(
        catalogo::divulgazione(op),
        Divulgazione::Soglia | Divulgazione::Indicatore
    );
    if dichiarazione {
        for (campo, c) in [
            ("$.tipo_indicatore", r.tipo_indicatore.is_some()),
            ("$.codice_soglia", r.codice_soglia.is_some()),
            ("$.ricerca.data_validita", q.data_validita.is_some()),
        ] {
            if c {
                p(campo, "non ammesso per la dichiarazione".into());
            }
        }
    }
    if (riscontro || dichiarazione) && q.protocollo_dsu.is_none() {
        p(
            "$.ricerca.protocollo_dsu",
            if dichiarazione {
                "obbligatorio per la dichiarazione (con codice_fiscale_beneficiario, un componente del nucleo)"
            } else {
                "obbligatorio per il riscontro"
            }
            .into(),
        );
    } else if indicatore && !riscontro && q.codice_fiscale.is_none() {
        p(
            "$.ricerca.codice_fiscale",
            "obbligatorio per questa operazione".into(),
        );
    }
    if !problemi.is_empty() {
        return Err(invalida(problemi));
    }
    let bene = q.codice_fiscale_beneficiario.clone().unwrap_or_default();
    let ricerca = if let Some(cf) = &q.codice_fiscale {
        Ricerca::Cf(RicercaCf {
            codice_fiscale: cf.clone(),
            data_validita: q.data_validita,
            domanda,
        })
    } else if let Some(pd) = &q.protocollo_dsu {
        Ricerca::ProtDsu(RicercaProtDsu {
            protocollo_dsu: pd.clone(),
            codice_fiscale_beneficiario: bene,
            domanda,
        })
    } else {
        Ricerca::ProtMittente(RicercaProtMittente {
            protocollo_mittente: q.protocollo_mittente.clone().unwrap_or_default(),
            codice_fiscale_beneficiario: bene,
            domanda,
        })
    };
    Ok(RichiestaSoap {
        operazione: op,
        identity: None,
        tipo_indicatore: if indicatore {
            Some(tipo_indicatore.unwrap_or(TipoIndicatore::Ordinario))
        } else {
            None
        },
        codice_soglia: r.codice_soglia,
        // The nucleus of the threshold answer is a SOAP-only field of INPS's schema.
        fornitura_nucleo: false,
        ricerca,
    })
}

/// A refusal as problem+json (401 with `WWW-Authenticate`, RFC 6750).
pub fn problema(r: &Rifiuto, id: i64) -> Response {
    r.problema(id).into_response()
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn tutti_i_problemi_con_il_percorso_json() {
        let corpo = br#"{"tipo_indicatore":"Boh","ricerca":{"codice_fiscale":"XX","protocollo_dsu":"P"},"prestazione_da_erogare":"Z1.00","stato_domanda_prestazione":"forse"}"#;
        let Err(ErroreRichiesta::Invalida { problemi, .. }) =
            leggi(Operazione::ConsultazioneIndicatore, corpo)
        else {
            panic!("attesa richiesta invalida");
        };
        let percorsi: Vec<&str> = problemi.iter().map(|p| p.percorso.as_str()).collect();
        for atteso in [
            "$.tipo_indicatore",
            "$.stato_domanda_prestazione",
            "$.prestazione_da_erogare",
            "$.ricerca",
            "$.ricerca.codice_fiscale",
            "$.ricerca.codice_fiscale_beneficiario",
            "$.ricerca.protocollo_dsu",
        ] {
            assert!(percorsi.contains(&atteso), "manca {atteso} in {percorsi:?}");
        }
    }

    #[test]
    fn una_richiesta_valida_diventa_il_modello_comune() {
        let corpo = br#"{"ricerca":{"protocollo_dsu":"INPS-ISEE-2026-00000001A-00","codice_fiscale_beneficiario":"RSSMRA85M01H199H"},"prestazione_da_erogare":"A1.07","protocollo_domanda_ente_erogatore":"N-1"}"#;
        let r = leggi(Operazione::ConsultazioneIndicatoreRiscontro, corpo).unwrap();
        assert_eq!(r.tipo_indicatore, Some(TipoIndicatore::Ordinario));
        assert!(matches!(r.ricerca, Ricerca::ProtDsu(_)));
        assert_eq!(r.ricerca.domanda().prestazione.as_deref(), Some("A1.07"));
    }

    #[test]
    fn la_dichiarazione_chiede_protocollo_e_codice_fiscale() {
        let corpo = br#"{"ricerca":{"protocollo_dsu":"INPS-ISEE-2026-00000001A-00","codice_fiscale_beneficiario":"RSSMRA85M01H199H"},"prestazione_da_erogare":"A1.07","protocollo_domanda_ente_erogatore":"N-1"}"#;
        let r = leggi(Operazione::ConsultazioneDichiarazione, corpo).unwrap();
        assert_eq!(r.tipo_indicatore, None);
        assert!(matches!(r.ricerca, Ricerca::ProtDsu(_)));
        let corpo = br#"{"tipo_indicatore":"Ordinario","ricerca":{"codice_fiscale":"RSSMRA85M01H199H","data_validita":"2026-01-01"}}"#;
        let Err(ErroreRichiesta::Invalida { problemi, .. }) =
            leggi(Operazione::ConsultazioneDichiarazione, corpo)
        else {
            panic!("attesa richiesta invalida");
        };
        let percorsi: Vec<&str> = problemi.iter().map(|p| p.percorso.as_str()).collect();
        assert_eq!(
            percorsi,
            [
                "$.tipo_indicatore",
                "$.ricerca.data_validita",
                "$.ricerca.protocollo_dsu"
            ]
        );
    }

    /// `ProblemaRest` documents exactly the members of a refusal's document, all
    /// required.
    #[test]
    fn lo_schema_descrive_i_documenti_dei_rifiuti() {
        let schema =
            serde_json::to_value(<ProblemaRest as utoipa::PartialSchema>::schema()).unwrap();
        let mut documentati: Vec<String> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let mut obbligatori: Vec<String> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let documento = serde_json::to_value(Rifiuto::quota_esaurita(3).problema(0)).unwrap();
        let mut presenti: Vec<String> = documento.as_object().unwrap().keys().cloned().collect();
        documentati.sort();
        obbligatori.sort();
        presenti.sort();
        assert_eq!(documentati, presenti);
        assert_eq!(obbligatori, presenti);
    }
}

//! The Comune's API of INPS's `api-comuni.yaml` (v2.0.1) as an axum [`router`]:
//!
//! * `GET /flussi?since=&limit=`: the flows with `ts_flusso` after `since` (Unix ms;
//!   `0` the first time), oldest first, at most `limit` (0–100, default 10), as
//!   `{"elenco_flussi": [...]}` with each PS-PSA document in base64; an empty list
//!   when there is nothing new;
//! * `POST /esiti`: INPS's outcomes (`{"elenco_esiti": [...]}`, at most 100),
//!   recorded; `204` once they are stored (INPS then stops resending them);
//! * `GET /status`: `200` with a problem document when the store answers, `503`
//!   otherwise.
//!
//! `/flussi` and `/esiti` require a PDND voucher (AUTH_REST_01, the specification's
//! §2.3) validated by `isee-pdnd`'s [`ValidatoreVoucher`], the same validator as the
//! consultation e-services', against this e-service's audience and ids; when
//! [`ConfigurazioneApi::consumatore`] is set, only that consumer (INPS) is served.
//! Errors are problem documents with exactly the members of INPS's `Problem` schema
//! (`type`, `title`, `status`, `detail`). Every flow served is logged (target
//! `isee_siuss::accessi`) with the voucher's ids and the masked fiscal code.

use crate::flusso::{CodiceEsito, Esito, TipoFlusso, ts_da_testo};
use crate::store::StoreFlussi;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use isee_pdnd::voucher::{AttesoVoucher, ValidatoreVoucher, Voucher};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The most entries of one answer and of one outcome batch (the OpenAPI's `maxItems`).
pub const MASSIMO_VOCI: usize = 100;
/// `limit` when INPS sends none.
pub const LIMITE_PREDEFINITO: u32 = 10;
/// The largest `POST /esiti` body accepted: 100 outcomes are a few tens of kB.
pub const CORPO_MASSIMO: usize = 256 * 1024;
/// How long a request may take before it is answered 503.
pub const TEMPO_MASSIMO: Duration = Duration::from_secs(20);

/// The media type of INPS's problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// What the API checks.
#[derive(Clone, Debug)]
pub struct ConfigurazioneApi {
    /// What a voucher for this e-service must carry (issuer, audience, e-service and
    /// descriptor ids, producer, clock tolerance).
    pub atteso: AttesoVoucher,
    /// PDND's tenant id of INPS: when set, a voucher of any other consumer is refused.
    pub consumatore: Option<String>,
    pub corpo_massimo: usize,
    pub tempo_massimo: Duration,
}

/// A clock: `Utc::now` in production, a fixed instant in tests.
pub type Orologio = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The API's state.
pub struct Api<S> {
    pub store: S,
    pub voucher: ValidatoreVoucher,
    pub configurazione: ConfigurazioneApi,
    pub orologio: Orologio,
}

/// The router of the three paths (mount it under the e-service's base path, e.g.
/// `/waas/v1`, with `Router::nest` if needed).
pub fn router<S: StoreFlussi + 'static>(api: Arc<Api<S>>) -> Router {
    let tempo = api.configurazione.tempo_massimo;
    let corpo = api.configurazione.corpo_massimo;
    Router::new()
        .route("/flussi", get(flussi::<S>))
        .route("/esiti", post(esiti::<S>))
        .route("/status", get(status::<S>))
        .fallback(|| async {
            problema(
                StatusCode::NOT_FOUND,
                "Risorsa non trovata: i percorsi sono /flussi, /esiti e /status",
            )
        })
        .method_not_allowed_fallback(|| async {
            problema(
                StatusCode::METHOD_NOT_ALLOWED,
                "Metodo non consentito per questo percorso",
            )
        })
        .layer(DefaultBodyLimit::max(corpo))
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| async move {
                match tokio::time::timeout(tempo, next.run(req)).await {
                    Ok(r) => r,
                    Err(_) => problema(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "Tempo massimo di elaborazione superato: riprovare più tardi",
                    ),
                }
            },
        ))
        .with_state(api)
}

/// [`router`] mounted under `base` (`/waas/v1`, the path of the e-service's server
/// URL); empty or `/`: at the root. `base` must start with `/`.
pub fn router_sotto<S: StoreFlussi + 'static>(base: &str, api: Arc<Api<S>>) -> Router {
    let base = base.trim_end_matches('/');
    if base.is_empty() {
        router(api)
    } else {
        Router::new().nest(base, router(api))
    }
}

/// INPS's `Problem`: exactly its members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problema {
    #[serde(rename = "type")]
    pub tipo: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
}

fn problema(status: StatusCode, detail: impl Into<String>) -> Response {
    let p = Problema {
        tipo: "about:blank".into(),
        title: status.canonical_reason().unwrap_or("Errore").to_string(),
        status: status.as_u16(),
        detail: detail.into(),
    };
    let mut r = (status, serde_json::to_vec(&p).unwrap_or_default()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    r
}

fn interno(causa: &dyn std::fmt::Display) -> Response {
    tracing::error!(causa = %causa, "siuss: errore interno");
    problema(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Errore interno del servizio: riprovare più tardi",
    )
}

impl<S> Api<S> {
    /// The voucher, or the refusal to send.
    async fn autorizza(&self, headers: &HeaderMap, percorso: &str) -> Result<Voucher, Response> {
        let authorization = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let adesso = (self.orologio)().timestamp();
        let v = match self
            .voucher
            .valida(authorization, &self.configurazione.atteso, adesso)
            .await
        {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(
                    target: "isee_siuss::accessi",
                    percorso,
                    codice = e.codice(),
                    "siuss: voucher rifiutato"
                );
                let status =
                    StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
                let mut r = problema(status, e.messaggio());
                if let Some(sfida) = e.www_authenticate()
                    && let Ok(h) = HeaderValue::from_str(&sfida)
                {
                    r.headers_mut().insert(header::WWW_AUTHENTICATE, h);
                }
                return Err(r);
            }
        };
        if let Some(inps) = &self.configurazione.consumatore
            && !v.consumer_id.eq_ignore_ascii_case(inps)
        {
            tracing::warn!(
                target: "isee_siuss::accessi",
                percorso,
                consumer_id = %v.consumer_id,
                client_id = %v.client_id,
                "siuss: fruitore non ammesso"
            );
            return Err(problema(
                StatusCode::FORBIDDEN,
                "Il servizio di alimentazione SIUSS è fruibile dal solo INPS: il voucher è di un altro fruitore",
            ));
        }
        Ok(v)
    }
}

/// `Flusso` of the OpenAPI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlussoJson {
    pub codice_ente: String,
    pub denominazione_ente: String,
    pub id_flusso: String,
    pub ts_flusso: String,
    pub tipo: TipoFlusso,
    /// The XML document in base64.
    pub flusso: String,
}

/// `Entries` of the OpenAPI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElencoFlussi {
    pub elenco_flussi: Vec<FlussoJson>,
}

/// Reads `since` and `limit`, every problem at once.
fn parametri(q: &HashMap<String, String>) -> Result<(i64, u32), Vec<String>> {
    let mut problemi = Vec::new();
    let since = match q.get("since").map(|s| s.trim()) {
        None | Some("") => {
            problemi.push("since: parametro obbligatorio (timestamp in millisecondi dell'ultimo flusso acquisito; 0 la prima volta)".to_string());
            None
        }
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                problemi.push(format!(
                    "since: «{}» non è un timestamp in millisecondi (intero non negativo)",
                    s.chars().take(32).collect::<String>()
                ));
                None
            }
        },
    };
    let limit = match q.get("limit").map(|s| s.trim()) {
        None | Some("") => Some(LIMITE_PREDEFINITO),
        Some(s) => match s.parse::<u32>() {
            Ok(n) if n as usize <= MASSIMO_VOCI => Some(n),
            _ => {
                problemi.push(format!(
                    "limit: «{}» non ammesso: intero da 0 a {MASSIMO_VOCI}",
                    s.chars().take(32).collect::<String>()
                ));
                None
            }
        },
    };
    match (since, limit) {
        (Some(s), Some(l)) if problemi.is_empty() => Ok((s, l)),
        _ => Err(problemi),
    }
}

async fn flussi<S: StoreFlussi>(
    State(api): State<Arc<Api<S>>>,
    headers: HeaderMap,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let voucher = match api.autorizza(&headers, "/flussi").await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => {
            return problema(
                StatusCode::BAD_REQUEST,
                format!("Parametri non leggibili: {e}"),
            );
        }
    };
    let (since, limit) = match parametri(&q) {
        Ok(p) => p,
        Err(problemi) => return problema(StatusCode::BAD_REQUEST, problemi.join("; ")),
    };
    let flussi = match api.store.flussi_dopo(since, limit).await {
        Ok(f) => f,
        Err(e) => return interno(&e),
    };
    let mut elenco = Vec::with_capacity(flussi.len());
    for f in &flussi {
        let (xml, cf) = match f.prestazione() {
            Ok(p) => (
                crate::xml::documento_ps(&f.ente, &f.id_flusso, &p),
                p.beneficiario.codice_fiscale.mascherato(),
            ),
            Err(e) => return interno(&e),
        };
        tracing::info!(
            target: "isee_siuss::accessi",
            percorso = "/flussi",
            jti = %voucher.jti,
            client_id = %voucher.client_id,
            consumer_id = %voucher.consumer_id,
            purpose_id = %voucher.purpose_id,
            id_flusso = %f.id_flusso,
            beneficiario = %cf,
            "siuss: flusso trasmesso"
        );
        elenco.push(FlussoJson {
            codice_ente: f.ente.codice().to_string(),
            denominazione_ente: f.ente.denominazione().to_string(),
            id_flusso: f.id_flusso.clone(),
            ts_flusso: f.ts_flusso(),
            tipo: f.tipo,
            flusso: base64::engine::general_purpose::STANDARD.encode(xml.as_bytes()),
        });
    }
    tracing::info!(
        target: "isee_siuss::accessi",
        percorso = "/flussi",
        jti = %voucher.jti,
        since,
        limit,
        trasmessi = elenco.len(),
        "siuss: interrogazione dei flussi"
    );
    Json(ElencoFlussi {
        elenco_flussi: elenco,
    })
    .into_response()
}

/// `EsitoFlusso` as sent: every member text, checked by [`esiti_letti`] so that every
/// problem is reported at once. Other members (the specification's examples carry
/// `codice_ente`, `denominazione_ente`, `codice_siuss`) are ignored, as the schema
/// allows.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct EsitoJson {
    pub id_flusso: Option<String>,
    pub tipo: Option<String>,
    pub ts_flusso: Option<String>,
    pub ts_acquisizione: Option<String>,
    pub codice_esito: Option<String>,
    pub descrizione_esito: Option<String>,
    pub id_acquisizione_siuss: Option<String>,
}

/// `ElencoEsiti`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ElencoEsiti {
    pub elenco_esiti: Vec<EsitoJson>,
}

/// The outcomes, or every problem with its JSON path.
pub fn esiti_letti(e: &ElencoEsiti) -> Result<Vec<Esito>, Vec<String>> {
    let mut problemi = Vec::new();
    if e.elenco_esiti.len() > MASSIMO_VOCI {
        problemi.push(format!(
            "elenco_esiti: {} esiti, al più {MASSIMO_VOCI}",
            e.elenco_esiti.len()
        ));
    }
    let mut letti = Vec::new();
    for (i, x) in e.elenco_esiti.iter().enumerate() {
        let mut p =
            |campo: &str, m: String| problemi.push(format!("elenco_esiti[{i}].{campo}: {m}"));
        let obblig =
            |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
        let id = obblig(&x.id_flusso).filter(|s| s.chars().count() <= 64);
        if id.is_none() {
            p("id_flusso", "obbligatorio (al più 64 caratteri)".into());
        }
        let tipo = obblig(&x.tipo).and_then(|t| TipoFlusso::da_nome(&t));
        if tipo.is_none() {
            p("tipo", "obbligatorio: PS_PSA_SINA o SINBA".into());
        }
        let ts = obblig(&x.ts_flusso).and_then(|t| ts_da_testo(&t));
        if ts.is_none() {
            p(
                "ts_flusso",
                "obbligatorio: data e ora RFC 3339 (2023-11-27T11:04:56.852Z)".into(),
            );
        }
        let acq = obblig(&x.ts_acquisizione).and_then(|t| ts_da_testo(&t));
        if acq.is_none() {
            p(
                "ts_acquisizione",
                "obbligatorio: data e ora RFC 3339".into(),
            );
        }
        let codice = obblig(&x.codice_esito).and_then(|c| CodiceEsito::da_nome(&c));
        if codice.is_none() {
            p(
                "codice_esito",
                "obbligatorio: OK, DATI_NON_TROVATI, RICHIESTA_INVALIDA o ERRORE_GENERICO".into(),
            );
        }
        if let (
            Some(id_flusso),
            Some(tipo),
            Some(ts_flusso_ms),
            Some(ts_acquisizione_ms),
            Some(codice),
        ) = (id, tipo, ts, acq, codice)
        {
            letti.push(Esito {
                id_flusso,
                tipo,
                ts_flusso_ms,
                ts_acquisizione_ms,
                codice,
                descrizione: x
                    .descrizione_esito
                    .as_deref()
                    .map(|s| s.chars().take(4096).collect()),
                id_acquisizione_siuss: x
                    .id_acquisizione_siuss
                    .as_deref()
                    .map(|s| s.chars().take(64).collect()),
            });
        }
    }
    if problemi.is_empty() {
        Ok(letti)
    } else {
        Err(problemi)
    }
}

async fn esiti<S: StoreFlussi>(
    State(api): State<Arc<Api<S>>>,
    headers: HeaderMap,
    corpo: Result<Json<ElencoEsiti>, JsonRejection>,
) -> Response {
    let voucher = match api.autorizza(&headers, "/esiti").await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Json(corpo) = match corpo {
        Ok(c) => c,
        Err(e) => {
            // 413 for a body past the limit; every other unreadable body is a 400
            // (INPS's responses know no 415/422).
            let status = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            };
            return problema(
                status,
                format!("Corpo della richiesta non valido: {}", e.body_text()),
            );
        }
    };
    let letti = match esiti_letti(&corpo) {
        Ok(l) => l,
        Err(p) => return problema(StatusCode::BAD_REQUEST, p.join("; ")),
    };
    let adesso = (api.orologio)().timestamp_millis();
    match api.store.registra_esiti(&letti, adesso).await {
        Ok(r) => {
            if !r.sconosciuti.is_empty() {
                tracing::warn!(
                    target: "isee_siuss::accessi",
                    sconosciuti = ?r.sconosciuti,
                    "siuss: esiti di flussi sconosciuti ignorati"
                );
            }
            tracing::info!(
                target: "isee_siuss::accessi",
                percorso = "/esiti",
                jti = %voucher.jti,
                client_id = %voucher.client_id,
                ricevuti = letti.len(),
                registrati = r.registrati,
                da_ritrasmettere = r.da_ritrasmettere,
                "siuss: esiti ricevuti"
            );
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => interno(&e),
    }
}

async fn status<S: StoreFlussi>(State(api): State<Arc<Api<S>>>) -> Response {
    match api.store.flussi_dopo(i64::MAX, 1).await {
        Ok(_) => problema(StatusCode::OK, "Il servizio funziona correttamente"),
        Err(e) => {
            tracing::error!(causa = %e, "siuss: base dati non raggiungibile");
            problema(
                StatusCode::SERVICE_UNAVAILABLE,
                "Base dati non raggiungibile",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(coppie: &[(&str, &str)]) -> HashMap<String, String> {
        coppie
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn since_obbligatorio_e_limit_predefinito() {
        assert_eq!(
            parametri(&q(&[("since", "0")])),
            Ok((0, LIMITE_PREDEFINITO))
        );
        let e = parametri(&q(&[])).unwrap_err();
        assert!(e[0].starts_with("since:"), "{e:?}");
    }

    #[test]
    fn tutti_i_problemi_dei_parametri() {
        let e = parametri(&q(&[("since", "-1"), ("limit", "101")])).unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[1].starts_with("limit:"));
        assert_eq!(parametri(&q(&[("since", "5"), ("limit", "0")])), Ok((5, 0)));
    }
}

//! The router: handlers of `/api/v1`, their OpenAPI description, and the layers
//! every request goes through (request id, trace, timeout, body limit, panics).
//!
//! Handlers are thin: check the request (auth, content type, headers), call the
//! register, convert the record into its JSON body. Writes run in their own task, so
//! that a timeout or a client going away never cancels a filing halfway: the register
//! commits or rolls back as a whole, and a retry with the same idempotency key gets
//! the receipt.
//!
//! Every route that names a DSU, by protocol or by fiscal code, goes through the
//! register's access model (`isee_registro::accesso`): the caller reads and changes
//! only what it filed or holds a mandate for (a back-office client reads all, each
//! read recorded); a protocol it may not read answers exactly as an unknown one.

use crate::chiavi::Clienti;
use crate::modelli::*;
use crate::problema::{PROBLEM_JSON, Problema, ProblemaCampo, SchemaProblema, da_registro};
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use chrono::NaiveDate;
use isee_core::codice_fiscale::{CodiceFiscale, verifica};
use isee_http::metriche::{self, Metriche};
use isee_registro::store::{StoreDsu, StoreOmissioni};
use isee_registro::{
    Chiamante, ErroreRegistro, Operazione, PresentazioneDsu, Protocollo, RegistroDsu, Ruolo,
    StoreSql,
};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// What every handler shares.
pub struct Servizio {
    pub registro: RegistroDsu<StoreSql>,
    pub clienti: Clienti,
    /// What `GET /metrics` exposes: every answer of the listener (API and portal) and
    /// the database pool, read at each scrape.
    pub metriche: Arc<Metriche>,
}

impl Servizio {
    pub fn new(registro: RegistroDsu<StoreSql>, clienti: Clienti) -> Servizio {
        Servizio::con_eventi(registro, clienti, None)
    }

    /// With the outbox publisher's state, shown on `/metrics` as the outbox lag
    /// (`eventi_in_attesa`, `eventi_ritardo_ms`) and `eventi_pubblicati`.
    pub fn con_eventi(
        registro: RegistroDsu<StoreSql>,
        clienti: Clienti,
        eventi: Option<Arc<isee_eventi::StatoPubblicatore>>,
    ) -> Servizio {
        // No writer lock here: one was tried on SQLite and it serialized the
        // validation and calculation too, lowering capacity below 1,000 filings/s
        // (docs/PERFORMANCE-server.md).
        let pool = registro.store().pool().clone();
        let metriche = Metriche::new("registro").sonda(move || {
            vec![
                ("db_connessioni", i64::from(pool.size())),
                ("db_connessioni_libere", pool.num_idle() as i64),
            ]
        });
        let metriche = match eventi {
            None => metriche,
            Some(stato) => metriche.sonda(move || {
                use std::sync::atomic::Ordering::Relaxed;
                let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
                vec![
                    ("eventi_in_attesa", n(stato.in_attesa.load(Relaxed))),
                    (
                        "eventi_ritardo_ms",
                        stato.ritardo_micros.load(Relaxed) / 1000,
                    ),
                    ("eventi_pubblicati", n(stato.pubblicati.load(Relaxed))),
                ]
            }),
        };
        Servizio {
            registro,
            clienti,
            metriche: Arc::new(metriche),
        }
    }
}

/// Limits of the service.
#[derive(Clone, Debug)]
pub struct Limiti {
    /// Largest request body accepted (bytes).
    pub corpo_max: usize,
    /// Longest a request may take before a 503 problem.
    pub timeout: Duration,
}

impl Default for Limiti {
    fn default() -> Limiti {
        Limiti {
            corpo_max: 512 * 1024,
            timeout: Duration::from_secs(10),
        }
    }
}

type Stato = Arc<Servizio>;

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const IDEMPOTENCY_KEY: &str = "idempotency-key";
const X_PROTOCOLLO_MITTENTE: &str = "x-protocollo-mittente";

// ---------------------------------------------------------------------------------
// Extractors and request checks.

/// The authenticated client (`Authorization: Bearer <chiave>`): its id is the
/// register's `mittente`, its role the access model's.
pub struct Cliente(pub Chiamante);

impl FromRequestParts<Stato> for Cliente {
    type Rejection = Problema;

    async fn from_request_parts(parts: &mut Parts, s: &Stato) -> Result<Cliente, Problema> {
        let Some(h) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(Problema::new(
                401,
                "auth.mancante",
                "manca l'intestazione Authorization: Bearer <chiave API>",
            ));
        };
        let chiave = h
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                Problema::new(
                    401,
                    "auth.formato",
                    "l'intestazione Authorization deve avere la forma «Bearer <chiave API>»",
                )
            })?;
        s.clienti.verifica(chiave).map(Cliente).ok_or_else(|| {
            Problema::new(401, "auth.chiave_non_valida", "chiave API non riconosciuta")
        })
    }
}

/// The body of a JSON request: right media type, within the size limit.
fn corpo_json(
    headers: &HeaderMap,
    corpo: Result<Bytes, BytesRejection>,
) -> Result<Bytes, Problema> {
    let tipo = tipo_contenuto(headers);
    if !essenza(tipo).eq_ignore_ascii_case("application/json") {
        return Err(Problema::new(
            415,
            "richiesta.tipo_contenuto",
            format!(
                "il corpo deve essere application/json (ricevuto: «{}»)",
                if tipo.is_empty() { "nessun tipo" } else { tipo }
            ),
        ));
    }
    letto(corpo)
}

fn tipo_contenuto(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The media type without its parameters.
fn essenza(tipo: &str) -> &str {
    tipo.split(';').next().unwrap_or("").trim()
}

/// How a DSU body is written: the DSU format's JSON, or INPS's `ISEE_Dichiarazione`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FormatoDsu {
    Json,
    Xml,
}

/// The body of a filing: JSON or XML (`application/xml`, `text/xml`), within the size
/// limit. The XML's `charset` parameter is not read: the document's own declaration
/// says its encoding (ISO-8859-1 as INPS writes it, or UTF-8).
fn corpo_dsu(
    headers: &HeaderMap,
    corpo: Result<Bytes, BytesRejection>,
) -> Result<(FormatoDsu, Bytes), Problema> {
    let tipo = tipo_contenuto(headers);
    let e = essenza(tipo);
    let formato = if e.eq_ignore_ascii_case("application/json") {
        FormatoDsu::Json
    } else if e.eq_ignore_ascii_case("application/xml") || e.eq_ignore_ascii_case("text/xml") {
        FormatoDsu::Xml
    } else {
        return Err(Problema::new(
            415,
            "richiesta.tipo_contenuto",
            format!(
                "il corpo deve essere application/json (DSU) o application/xml (documento ISEE_Dichiarazione dell'INPS) (ricevuto: «{}»)",
                if tipo.is_empty() { "nessun tipo" } else { tipo }
            ),
        ));
    };
    Ok((formato, letto(corpo)?))
}

/// The body, or the problem of a body over the limit or cut short.
fn letto(corpo: Result<Bytes, BytesRejection>) -> Result<Bytes, Problema> {
    corpo.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problema::new(
                413,
                "richiesta.corpo_troppo_grande",
                "il corpo della richiesta supera il limite del servizio",
            )
        } else {
            Problema::new(
                400,
                "richiesta.corpo_illeggibile",
                format!("corpo non leggibile: {e}"),
            )
        }
    })
}

/// An `ISEE_Dichiarazione` document read into the DSU's JSON, which then takes the
/// JSON's path (validation, idempotency on the canonical DSU, receipt). The document's
/// `Operazione` must be the route's: `N` for a new DSU and for a substitution (INPS has
/// no type of its own for it: a new declaration replaces), `R` for a rectification; a
/// reference protocol, when given, must be the one in the path. Every other type (the
/// later integrations, ISEE corrente, annulment) has its own route or none.
fn dsu_da_xml(xml: &[u8], operazione: &Operazione) -> Result<String, Problema> {
    use isee_dichiarazione::TipoOperazione as T;
    let documento = isee_dichiarazione::importa_documento(xml).map_err(|e| {
        let n = e.problemi.len();
        Problema::new(
            422,
            "richiesta.dichiarazione_non_valida",
            format!(
                "il documento ISEE_Dichiarazione non è valido ({n} {}): ogni problema in «problemi», con il percorso dell'elemento",
                if n == 1 { "problema" } else { "problemi" }
            ),
        )
        .con_problemi(
            e.problemi
                .into_iter()
                .map(|p| ProblemaCampo {
                    percorso: p.percorso,
                    codice: "dichiarazione.non_valida".into(),
                    messaggio: p.messaggio,
                    gravita: "errore".into(),
                })
                .collect(),
        )
    })?;
    let op = &documento.operazione;
    let (attesa, riferimento, rotta) = match operazione {
        Operazione::Nuova => (T::N, None, "POST /api/v1/dsu"),
        Operazione::Rettifica { di } => (T::R, Some(di), "la rettifica"),
        Operazione::Sostituzione { di } => (T::N, Some(di), "la sostituzione"),
    };
    let tipo = |t: T| match t {
        T::N => "N (nuova dichiarazione)",
        T::A => "A (integrazione componente aggiuntiva)",
        T::I => "I (integrazione redditi)",
        T::S => "S (integrazione socio-sanitario residenziale)",
        T::C => "C (ISEE corrente: POST /api/v1/dsu/{protocollo}/corrente, in JSON)",
        T::R => "R (rettifica: POST /api/v1/dsu/{protocollo}/rettifica)",
        T::X => "X (annullamento: POST /api/v1/dsu/{protocollo}/annullamento, senza corpo)",
    };
    let operazione_errata = |percorso: &str, codice: &str, messaggio: String| {
        Problema::new(422, codice, messaggio.clone()).con_problemi(vec![ProblemaCampo {
            percorso: percorso.into(),
            codice: codice.into(),
            messaggio,
            gravita: "errore".into(),
        }])
    };
    if op.tipo != attesa {
        return Err(operazione_errata(
            "/Dichiarazione/Operazione/@Tipo",
            "richiesta.operazione_non_ammessa",
            format!(
                "Operazione di tipo {}: {rotta} accetta solo il tipo {}",
                tipo(op.tipo),
                tipo(attesa)
            ),
        ));
    }
    match (
        riferimento,
        op.protocollo_riferimento.as_deref().map(str::trim),
    ) {
        (None, Some(r)) if !r.is_empty() => {
            return Err(operazione_errata(
                "/Dichiarazione/Operazione/@NumeroProtocolloRiferimento",
                "richiesta.riferimento_non_ammesso",
                format!(
                    "una nuova DSU non si riferisce ad un'altra (NumeroProtocolloRiferimento «{r}»): per sostituire o rettificare una DSU usare POST /api/v1/dsu/{{protocollo}}/sostituzione o /rettifica"
                ),
            ));
        }
        (Some(di), Some(r)) if !r.is_empty() && r != di.to_string() => {
            return Err(operazione_errata(
                "/Dichiarazione/Operazione/@NumeroProtocolloRiferimento",
                "richiesta.riferimento_diverso",
                format!(
                    "NumeroProtocolloRiferimento «{r}» diverso dal protocollo del percorso «{di}»"
                ),
            ));
        }
        _ => {}
    }
    serde_json::to_string(&documento.dsu).map_err(|e| Problema::interno(&e))
}

fn testo_utf8(b: &Bytes) -> Result<&str, Problema> {
    std::str::from_utf8(b).map_err(|_| {
        Problema::new(
            400,
            "richiesta.corpo_non_utf8",
            "il corpo non è testo UTF-8",
        )
    })
}

/// The `Idempotency-Key` header: required on every filing.
fn chiave_idempotenza(headers: &HeaderMap) -> Result<String, Problema> {
    let v = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    if v.is_empty() {
        return Err(Problema::new(
            400,
            "richiesta.chiave_idempotenza_mancante",
            "manca l'intestazione Idempotency-Key (una chiave unica per ogni nuova richiesta, ripetuta nei tentativi)",
        ));
    }
    if v.len() > 255 {
        return Err(Problema::new(
            400,
            "richiesta.chiave_idempotenza_lunga",
            "l'intestazione Idempotency-Key supera i 255 caratteri",
        ));
    }
    Ok(v.to_string())
}

fn protocollo_mittente(headers: &HeaderMap) -> Result<Option<String>, Problema> {
    match headers.get(X_PROTOCOLLO_MITTENTE) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.trim().to_string()).filter(|s| !s.is_empty()))
            .map_err(|_| {
                Problema::new(
                    400,
                    "richiesta.protocollo_mittente",
                    "X-Protocollo-Mittente deve essere testo ASCII",
                )
            }),
    }
}

fn protocollo(testo: &str) -> Result<Protocollo, Problema> {
    testo
        .parse::<Protocollo>()
        .map_err(|e| da_registro(ErroreRegistro::from(e)))
}

/// A JSON request body of the API's own (lookups), with the path of the first problem.
fn leggi<T: serde::de::DeserializeOwned>(b: &Bytes) -> Result<T, Problema> {
    serde_json::from_slice(b).map_err(|e| {
        Problema::new(
            400,
            "richiesta.json_non_valido",
            format!("corpo JSON non valido: {e}"),
        )
    })
}

fn codice_fiscale(testo: &str) -> Result<CodiceFiscale, Problema> {
    let cf = CodiceFiscale::new(testo.trim());
    verifica(&cf).map_err(|d| {
        Problema::new(422, "ricerca.codice_fiscale_non_valido", d.messaggio()).con_problemi(vec![
            crate::problema::ProblemaCampo {
                percorso: "$.codice_fiscale".into(),
                codice: "cf.non_valido".into(),
                messaggio: d.messaggio(),
                gravita: "errore".into(),
            },
        ])
    })?;
    Ok(cf)
}

fn creata(r: &isee_registro::registrazione::Registrazione) -> Response {
    let mut risposta = (StatusCode::CREATED, Json(RicevutaDsu::from(r))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/dsu/{}", r.protocollo)) {
        risposta.headers_mut().insert(header::LOCATION, v);
    }
    risposta
}

/// Runs a write in its own task: see the module comment.
async fn in_task<T: Send + 'static>(
    f: impl std::future::Future<Output = Result<T, ErroreRegistro>> + Send + 'static,
) -> Result<T, Problema> {
    use tracing::Instrument as _;
    // The task keeps the request's span: its log lines carry the request id.
    match tokio::spawn(f.instrument(tracing::Span::current())).await {
        Ok(r) => r.map_err(da_registro),
        Err(e) => Err(Problema::interno(&e)),
    }
}

async fn presenta(
    s: Stato,
    cliente: Cliente,
    headers: HeaderMap,
    corpo: Result<Bytes, BytesRejection>,
    operazione: Operazione,
) -> Result<Response, Problema> {
    let chiave = chiave_idempotenza(&headers)?;
    let protocollo_mittente = protocollo_mittente(&headers)?;
    let (formato, corpo) = corpo_dsu(&headers, corpo)?;
    // The XML is read into the DSU here, before anything else: from now on one path.
    let dsu_json = match formato {
        FormatoDsu::Json => testo_utf8(&corpo)?.to_string(),
        FormatoDsu::Xml => dsu_da_xml(&corpo, &operazione)?,
    };
    let r = in_task(async move {
        s.registro
            .presenta_come(
                &cliente.0,
                PresentazioneDsu {
                    dsu_json,
                    chiave_idempotenza: chiave,
                    mittente: cliente.0.id.clone(),
                    protocollo_mittente,
                    operazione,
                },
            )
            .await
    })
    .await?;
    Ok(creata(&r))
}

// ---------------------------------------------------------------------------------
// Handlers.

const TAG_DSU: &str = "dsu";
const TAG_RICERCHE: &str = "ricerche";
const TAG_SERVIZIO: &str = "servizio";
const TAG_MANDATI: &str = "mandati";

/// Files a new DSU.
///
/// The DSU is read, validated (every problem at once), numbered, computed and stored
/// in one transaction. A retry with the same `Idempotency-Key` and the same body
/// returns the same receipt; the same key with another body is refused (422).
#[utoipa::path(
    post, path = "/api/v1/dsu", tag = TAG_DSU,
    params(
        ("Idempotency-Key" = String, Header, description = "Unique per request, repeated on retries"),
        ("X-Protocollo-Mittente" = Option<String>, Header, description = "The sender's own protocol (≤ 29 characters)"),
    ),
    request_body(
        description = "The DSU: its JSON (`schema/dsu.schema.json`), or INPS's `ISEE_Dichiarazione` v1.3 document (encoding from its XML declaration: ISO-8859-1, as INPS writes it, or UTF-8)",
        content((Dsu = "application/json"), (String = "application/xml"), (String = "text/xml"))
    ),
    responses(
        (status = 201, description = "Registered (or the receipt of an earlier identical request)", body = RicevutaDsu,
         headers(("Location" = String, description = "The DSU's URL"))),
        (status = 400, description = "Unreadable DSU, missing header", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 401, description = "Missing or unknown API key", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 413, description = "Body over the limit", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 415, description = "Body neither application/json nor application/xml (text/xml)", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 422, description = "Invalid DSU (every problem with its path), idempotency key reused; XML: a document that is not well-formed, has a DTD or does not follow the schema (`richiesta.dichiarazione_non_valida`, every problem with its element path), an `Operazione` of another type than `N` or with a reference protocol", body = SchemaProblema, content_type = PROBLEM_JSON),
    ),
    security(("chiave_api" = []))
)]
async fn presenta_dsu(
    State(s): State<Stato>,
    cliente: Cliente,
    headers: HeaderMap,
    corpo: Result<Bytes, BytesRejection>,
) -> Result<Response, Problema> {
    presenta(s, cliente, headers, corpo, Operazione::Nuova).await
}

/// The caller's own DSUs with a sender protocol.
#[utoipa::path(
    get, path = "/api/v1/dsu", tag = TAG_DSU,
    params(FiltroMittente),
    responses(
        (status = 200, description = "The caller's DSUs with this sender protocol, in filing order", body = Vec<RicevutaDsu>),
        (status = 400, description = "Missing protocollo_mittente", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 401, description = "Missing or unknown API key", body = SchemaProblema, content_type = PROBLEM_JSON),
    ),
    security(("chiave_api" = []))
)]
async fn elenco_dsu(
    State(s): State<Stato>,
    cliente: Cliente,
    filtro: Result<Query<FiltroMittente>, QueryRejection>,
) -> Result<Json<Vec<RicevutaDsu>>, Problema> {
    let Query(f) = filtro.map_err(|e| {
        Problema::new(
            400,
            "richiesta.parametri",
            format!("parametri non validi: {e}"),
        )
    })?;
    let v = s
        .registro
        .per_protocollo_mittente(&cliente.0.id, &f.protocollo_mittente)
        .await
        .map_err(da_registro)?;
    Ok(Json(v.iter().map(RicevutaDsu::from).collect()))
}

/// Files a rectification of an active DSU (the old one becomes `rettificata`).
#[utoipa::path(
    post, path = "/api/v1/dsu/{protocollo}/rettifica", tag = TAG_DSU,
    params(
        ("protocollo" = String, Path, description = "Protocol of the DSU rectified", pattern = "^[A-Z0-9-]+-[0-9]{4}-[0-9]{8}[A-HJ-NPR-Z]-[0-9]{2}$"),
        ("Idempotency-Key" = String, Header, description = "Unique per request, repeated on retries"),
        ("X-Protocollo-Mittente" = Option<String>, Header, description = "The sender's own protocol"),
    ),
    request_body(
        description = "The DSU: its JSON (`schema/dsu.schema.json`), or INPS's `ISEE_Dichiarazione` v1.3 document (encoding from its XML declaration: ISO-8859-1, as INPS writes it, or UTF-8)",
        content((Dsu = "application/json"), (String = "application/xml"), (String = "text/xml"))
    ),
    responses(
        (status = 201, description = "Registered", body = RicevutaDsu),
        (status = 400, description = "Bad protocol, unreadable DSU, missing header", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 401, description = "Missing or unknown API key", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 403, description = "Readable by the client (a reading mandate, back office) but not changeable", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 404, description = "Unknown protocol, or one the client did not file and holds no mandate for (the same answer)", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 409, description = "The DSU is not active; the new DSU has another declarant or other members (a change of nucleus is a new DSU)", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 413, description = "Body over the limit", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 415, description = "Body neither application/json nor application/xml (text/xml)", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 422, description = "Invalid DSU, idempotency key reused; XML: a document that is not well-formed, has a DTD or does not follow the schema (`richiesta.dichiarazione_non_valida`, every problem with its element path), an `Operazione` other than `R`, a reference protocol other than the path's", body = SchemaProblema, content_type = PROBLEM_JSON),
    ),
    security(("chiave_api" = []))
)]
async fn rettifica(
    State(s): State<Stato>,
    Path(p): Path<String>,
    cliente: Cliente,
    headers: HeaderMap,
    corpo: Result<Bytes, BytesRejection>,
) -> Result<Response, Problema> {
    let di = protocollo(&p)?;
    presenta(s, cliente, headers, corpo, Operazione::Rettifica { di }).await
}

/// Files a substitution of an active DSU (the old one becomes `sostituita`).
#[utoipa::path(
    post, path = "/api/v1/dsu/{protocollo}/sostituzione", tag = TAG_DSU,
    params(
        ("protocollo" = String, Path, description = "Protocol of the DSU substituted", pattern = "^[A-Z0-9-]+-[0-9]{4}-[0-9]{8}[A-HJ-NPR-Z]-[0-9]{2}$"),
        ("Idempotency-Key" = String, Header, description = "Unique per request, repeated on retries"),
        ("X-Protocollo-Mittente" = Option<String>, Header, description = "The sender's own protocol"),
    ),
    request_body(
        description = "The DSU: its JSON (`schema/dsu.schema.json`), or INPS's `ISEE_Dichiarazione` v1.3 document (encoding from its XML declaration: ISO-8859-1, as INPS writes it, or UTF-8)",
        content((Dsu = "application/json"), (String = "application/xml"), (String = "text/xml"))
    ),
    responses(
        (status = 201, description = "Registered", body = RicevutaDsu),
        (status = 400, description = "Bad protocol, unreadable DSU, missing header", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 401, description = "Missing or unknown API key", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 403, description = "Readable by the client (a reading mandate, back office) but not changeable", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 404, description = "Unknown protocol, or one the client did not file and holds no mandate for (the same answer)", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 409, description = "The DSU is not active; the new DSU has another declarant or other members (a change of nucleus is a new DSU)", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 413, description = "Body over the limit", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 415, description = "Body neither application/json nor application/xml (text/xml)", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 422, description = "Invalid DSU, idempotency key reused; XML: a document that is not well-formed, has a DTD or does not follow the schema (`richiesta.dichiarazione_non_valida`, every problem with its element path), an `Operazione` other than `N`, a reference protocol other than the path's", body = SchemaProblema, content_type = PROBLEM_JSON),
    ),
    security(("chiave_api" = []))
)]
async fn sostituzione(
    State(s): State<Stato>,
    Path(p): Path<String>,
    cliente: Cliente,
    headers: HeaderMap,
    corpo: Result<Bytes, BytesRejection>,
) -> Result<Response, Problema> {
    let di = protocollo(&p)?;
    presenta(s, cliente, headers, corpo, Operazione::Sostituzione { di }).await
}

/// Annuls an active DSU (with its ISEE corrente modules): its sender, or a sender with
/// the declarant's mandate to file.
#[utoipa::path(
    post, path = "/api/v1/dsu/{protocollo}/annullamento", tag = TAG_DSU,
    params(("protocollo" = String, Path, description = "Protocol of the DSU or module", pattern = "^[A-Z0-9-]+-[0-9]{4}-[0-9]{8}[A-HJ-NPR-Z]-[0-9]{2}$")),
    responses(
        (status = 200, description = "Annulled", body = RicevutaDsu),
        (status = 400, description = "Bad protocol", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 401, description = "Missing or unknown API key", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 403, description = "Readable by the client (a reading mandate, back office) but not changeable", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 404, description = "Unknown protocol, or one the client did not file and holds no mandate for (the same answer)", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 409, description = "Not active", body = SchemaProblema, content_type = PROBLEM_JSON),
    ),
    security(("chiave_api" = []))
)]
async fn annullamento(
    State(s): State<Stato>,
    Path(p): Path<String>,
    cliente: Cliente,
) -> Result<Json<RicevutaDsu>, Problema> {
    let p = protocollo(&p)?;
    let r = in_task(async move { s.registro.annulla(&p, &cliente.0).await }).await?;
    Ok(Json(RicevutaDsu::from(&r)))
}

/// Files an ISEE corrente module on top of an active DSU.
#[utoipa::path(
    post, path = "/api/v1/dsu/{protocollo}/corrente", tag = TAG_DSU,
    params(
        ("protocollo" = String, Path, description = "Protocol of the DSU", pattern = "^[A-Z0-9-]+-[0-9]{4}-[0-9]{8}[A-HJ-NPR-Z]-[0-9]{2}$"),
        ("Idempotency-Key" = String, Header, description = "Unique per request, repeated on retries"),
    ),
    request_body(content = ModuloCorrente, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered; the protocol is the DSU's with the next suffix", body = RicevutaDsu),
        (status = 400, description = "Bad protocol, unreadable module, missing header", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 401, description = "Missing or unknown API key", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 403, description = "Readable by the client (a reading mandate, back office) but not changeable", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 404, description = "Unknown protocol, or one the client did not file and holds no mandate for (the same answer)", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 409, description = "Not an active DSU", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 413, description = "Body over the limit", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 415, description = "Body not application/json", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 422, description = "Invalid module, ISEE corrente not computable, key reused", body = SchemaProblema, content_type = PROBLEM_JSON),
    ),
    security(("chiave_api" = []))
)]
async fn corrente(
    State(s): State<Stato>,
    Path(p): Path<String>,
    cliente: Cliente,
    headers: HeaderMap,
    corpo: Result<Bytes, BytesRejection>,
) -> Result<Response, Problema> {
    let p = protocollo(&p)?;
    let chiave = chiave_idempotenza(&headers)?;
    let corpo = corpo_json(&headers, corpo)?;
    let modulo = testo_utf8(&corpo)?.to_string();
    let r = in_task(async move {
        s.registro
            .modulo_corrente(&p, &modulo, &cliente.0, &chiave)
            .await
    })
    .await?;
    Ok(creata(&r))
}

/// A registered DSU: receipt, nucleus, full attestation (every calculation line) and
/// annotations.
#[utoipa::path(
    get, path = "/api/v1/dsu/{protocollo}", tag = TAG_DSU,
    params(("protocollo" = String, Path, description = "Protocol of the DSU or module", pattern = "^[A-Z0-9-]+-[0-9]{4}-[0-9]{8}[A-HJ-NPR-Z]-[0-9]{2}$")),
    responses(
        (status = 200, description = "The DSU", body = DettaglioDsu),
        (status = 400, description = "Bad protocol", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 401, description = "Missing or unknown API key", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 404, description = "Unknown protocol, or one the client may not read (the same answer)", body = SchemaProblema, content_type = PROBLEM_JSON),
    ),
    security(("chiave_api" = []))
)]
async fn dettaglio(
    State(s): State<Stato>,
    Path(p): Path<String>,
    cliente: Cliente,
) -> Result<Json<DettaglioDsu>, Problema> {
    let p = protocollo(&p)?;
    let sconosciuto = || da_registro(ErroreRegistro::ProtocolloSconosciuto(p.to_string()));
    let r = s
        .registro
        .consulta(&cliente.0, &p, "dettaglio")
        .await
        .map_err(da_registro)?;
    let doc = s
        .registro
        .store()
        .documenti(&p)
        .await
        .map_err(da_registro)?
        .ok_or_else(sconosciuto)?;
    let annotazioni = s
        .registro
        .store()
        .annotazioni(&p)
        .await
        .map_err(da_registro)?;
    let dsu = isee_core::Dsu::da_json(&doc.dsu_json)
        .map_err(|e| Problema::interno(&format!("DSU memorizzata illeggibile: {e}")))?;
    let attestazione =
        RawValue::from_string(doc.attestazione_json).map_err(|e| Problema::interno(&e))?;
    Ok(Json(DettaglioDsu {
        registrazione: RicevutaDsu::from(&r),
        nucleo: dsu
            .componenti
            .iter()
            .map(|c| MembroNucleo {
                codice_fiscale: c.codice_fiscale.as_str().to_string(),
                cognome: c.cognome.clone(),
                nome: c.nome.clone(),
                rapporto: match serde_json::to_value(c.rapporto) {
                    Ok(serde_json::Value::String(s)) => s,
                    _ => String::new(),
                },
            })
            .collect(),
        attestazione,
        annotazioni: annotazioni.iter().map(AnnotazioneDsu::from).collect(),
    }))
}

use serde_json::value::RawValue;

/// The printable attestation (HTML, self-contained), with the trace behind each line.
#[utoipa::path(
    get, path = "/api/v1/dsu/{protocollo}/attestazione.html", tag = TAG_DSU,
    params(("protocollo" = String, Path, description = "Protocol of the DSU or module", pattern = "^[A-Z0-9-]+-[0-9]{4}-[0-9]{8}[A-HJ-NPR-Z]-[0-9]{2}$")),
    responses(
        (status = 200, description = "The page", content_type = "text/html; charset=utf-8", body = String),
        (status = 400, description = "Bad protocol", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 401, description = "Missing or unknown API key", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 404, description = "Unknown protocol, or one the client may not read (the same answer)", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 409, description = "The stored attestation differs from today's engine: use the JSON", body = SchemaProblema, content_type = PROBLEM_JSON),
    ),
    security(("chiave_api" = []))
)]
async fn attestazione_html(
    State(s): State<Stato>,
    Path(p): Path<String>,
    cliente: Cliente,
) -> Result<Response, Problema> {
    let (f, att) = stampabile(&s, &p, &cliente, "attestazione").await?;
    let (protocollo, note) = (f.registrazione.protocollo.to_string(), note(&f));
    let html = isee_stampa::pagina(f.dsu.dsu(), &att, &intestazione(&f, &protocollo, &note));
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// The attestation as PDF/A-2b (fonts embedded, text extractable), with the same
/// figures as the JSON and the annex "Come è stato calcolato".
#[utoipa::path(
    get, path = "/api/v1/dsu/{protocollo}/attestazione.pdf", tag = TAG_DSU,
    params(("protocollo" = String, Path, description = "Protocol of the DSU or module", pattern = "^[A-Z0-9-]+-[0-9]{4}-[0-9]{8}[A-HJ-NPR-Z]-[0-9]{2}$")),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "Bad protocol", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 401, description = "Missing or unknown API key", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 404, description = "Unknown protocol, or one the client may not read (the same answer)", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 409, description = "The stored attestation differs from today's engine: use the JSON", body = SchemaProblema, content_type = PROBLEM_JSON),
    ),
    security(("chiave_api" = []))
)]
async fn attestazione_pdf(
    State(s): State<Stato>,
    Path(p): Path<String>,
    cliente: Cliente,
) -> Result<Response, Problema> {
    let (f, att) = stampabile(&s, &p, &cliente, "attestazione").await?;
    let (protocollo, note) = (f.registrazione.protocollo.to_string(), note(&f));
    let pdf =
        isee_stampa::pdf::attestazione(f.dsu.dsu(), &att, &intestazione(&f, &protocollo, &note))
            .map_err(|e| Problema::interno(&e))?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
}

/// The filing receipt as PDF/A-2b: the protocol, who filed it and when, its validity,
/// the nucleus. It prints what was filed, whatever today's engine computes.
#[utoipa::path(
    get, path = "/api/v1/dsu/{protocollo}/ricevuta.pdf", tag = TAG_DSU,
    params(("protocollo" = String, Path, description = "Protocol of the DSU or module", pattern = "^[A-Z0-9-]+-[0-9]{4}-[0-9]{8}[A-HJ-NPR-Z]-[0-9]{2}$")),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "Bad protocol", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 401, description = "Missing or unknown API key", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 404, description = "Unknown protocol, or one the client may not read (the same answer)", body = SchemaProblema, content_type = PROBLEM_JSON),
    ),
    security(("chiave_api" = []))
)]
async fn ricevuta_pdf(
    State(s): State<Stato>,
    Path(p): Path<String>,
    cliente: Cliente,
) -> Result<Response, Problema> {
    let p = protocollo(&p)?;
    let r = s
        .registro
        .consulta(&cliente.0, &p, "ricevuta")
        .await
        .map_err(da_registro)?;
    let dsu = s.registro.dsu_registrata(&r).await.map_err(da_registro)?;
    let pdf = isee_stampa::pdf::ricevuta(
        &dsu,
        &isee_stampa::pdf::DatiRicevuta {
            protocollo: &r.protocollo.to_string(),
            protocollo_mittente: r.protocollo_mittente.as_deref(),
            mittente: &r.mittente,
            operazione: &r.descrizione_operazione(),
            valida_dal: r.validita.dal,
            valida_al: r.validita.al,
            registrata_il: r.registrata_il_data(),
        },
    )
    .map_err(|e| Problema::interno(&e))?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
}

/// A readable row's dossier and its attestation with the trace (for the printed forms).
async fn stampabile(
    s: &Stato,
    p: &str,
    cliente: &Cliente,
    operazione: &str,
) -> Result<
    (
        isee_registro::Fascicolo,
        isee_core::attestazione::Attestazione,
    ),
    Problema,
> {
    let p = protocollo(p)?;
    let r = s
        .registro
        .consulta(&cliente.0, &p, operazione)
        .await
        .map_err(da_registro)?;
    let f = s.registro.fascicolo(r).await.map_err(da_registro)?;
    let att = isee_stampa::attestazione_con_traccia(s.registro.motore(), &f.dsu);
    Ok((f, att))
}

fn note(f: &isee_registro::Fascicolo) -> Vec<isee_stampa::Annotazione> {
    f.annotazioni
        .iter()
        .map(|a| isee_stampa::Annotazione {
            codice_fiscale: a.codice_fiscale.as_str().to_string(),
            tipo: a.tipo.nome().to_string(),
            specifiche: a.specifiche(),
        })
        .collect()
}

fn intestazione<'a>(
    f: &'a isee_registro::Fascicolo,
    protocollo: &'a str,
    note: &'a [isee_stampa::Annotazione],
) -> isee_stampa::Intestazione<'a> {
    isee_stampa::Intestazione {
        protocollo: Some(protocollo),
        protocollo_mittente: f.registrazione.protocollo_mittente.as_deref(),
        data_rilascio: f.data_rilascio(),
        annotazioni: note,
    }
}

/// The active DSU valid on a date that lists a fiscal code, among those the client may
/// read (POST, so that fiscal codes never appear in URLs or access logs).
#[utoipa::path(
    post, path = "/api/v1/ricerche/dsu-valida", tag = TAG_RICERCHE,
    request_body(content = RicercaDsuValida, content_type = "application/json"),
    responses(
        (status = 200, description = "The DSU valid on the date (the latest filed)", body = RicevutaDsu),
        (status = 400, description = "Bad JSON or date", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 401, description = "Missing or unknown API key", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 404, description = "No valid DSU among those the client may read", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 415, description = "Body not application/json", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 422, description = "Invalid fiscal code", body = SchemaProblema, content_type = PROBLEM_JSON),
    ),
    security(("chiave_api" = []))
)]
async fn ricerca_dsu_valida(
    State(s): State<Stato>,
    cliente: Cliente,
    headers: HeaderMap,
    corpo: Result<Bytes, BytesRejection>,
) -> Result<Json<RicevutaDsu>, Problema> {
    let corpo = corpo_json(&headers, corpo)?;
    let q: RicercaDsuValida = leggi(&corpo)?;
    let cf = codice_fiscale(&q.codice_fiscale)?;
    let data = match q.data.as_deref() {
        None => chrono::Local::now().date_naive(),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            Problema::new(
                400,
                "richiesta.data",
                format!("data «{d}» non valida (AAAA-MM-GG)"),
            )
        })?,
    };
    match s
        .registro
        .dsu_valida_per(&cliente.0, &cf, data)
        .await
        .map_err(da_registro)?
    {
        Some(r) => Ok(Json(RicevutaDsu::from(&r))),
        None => Err(Problema::new(
            404,
            "ricerca.nessuna_dsu_valida",
            format!(
                "nessuna DSU attiva e valida il {data} per {}",
                cf.mascherato()
            ),
        )),
    }
}

/// Every DSU and corrente module that lists a fiscal code, among those the client may
/// read, in filing order, in any state.
#[utoipa::path(
    post, path = "/api/v1/ricerche/storico", tag = TAG_RICERCHE,
    request_body(content = RicercaStorico, content_type = "application/json"),
    responses(
        (status = 200, description = "Every row the client may read, oldest first", body = Vec<RicevutaDsu>),
        (status = 400, description = "Bad JSON", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 401, description = "Missing or unknown API key", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 415, description = "Body not application/json", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 422, description = "Invalid fiscal code", body = SchemaProblema, content_type = PROBLEM_JSON),
    ),
    security(("chiave_api" = []))
)]
async fn ricerca_storico(
    State(s): State<Stato>,
    cliente: Cliente,
    headers: HeaderMap,
    corpo: Result<Bytes, BytesRejection>,
) -> Result<Json<Vec<RicevutaDsu>>, Problema> {
    let corpo = corpo_json(&headers, corpo)?;
    let q: RicercaStorico = leggi(&corpo)?;
    let cf = codice_fiscale(&q.codice_fiscale)?;
    let v = s
        .registro
        .storico_per(&cliente.0, &cf)
        .await
        .map_err(da_registro)?;
    Ok(Json(v.iter().map(RicevutaDsu::from).collect()))
}

fn solo_back_office(cliente: &Cliente) -> Result<(), Problema> {
    if cliente.0.ruolo == Ruolo::BackOffice {
        return Ok(());
    }
    Err(Problema::new(
        403,
        "auth.solo_back_office",
        "solo un client con ruolo back_office può registrare o revocare i mandati",
    ))
}

/// Records a declarant's mandate to a sender (back-office clients only). A mandate
/// already recorded for the same sender and declarant is replaced.
#[utoipa::path(
    post, path = "/api/v1/mandati", tag = TAG_MANDATI,
    request_body(content = RichiestaMandato, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = MandatoRegistrato),
        (status = 400, description = "Bad JSON or date", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 401, description = "Missing or unknown API key", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 403, description = "The client is not back office", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 415, description = "Body not application/json", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 422, description = "Invalid mandate: empty sender, bad fiscal code, expiry in the past", body = SchemaProblema, content_type = PROBLEM_JSON),
    ),
    security(("chiave_api" = []))
)]
async fn registra_mandato(
    State(s): State<Stato>,
    cliente: Cliente,
    headers: HeaderMap,
    corpo: Result<Bytes, BytesRejection>,
) -> Result<Response, Problema> {
    solo_back_office(&cliente)?;
    let corpo = corpo_json(&headers, corpo)?;
    let q: RichiestaMandato = leggi(&corpo)?;
    let scadenza = NaiveDate::parse_from_str(&q.scadenza, "%Y-%m-%d").map_err(|_| {
        Problema::new(
            400,
            "richiesta.data",
            format!("scadenza «{}» non valida (AAAA-MM-GG)", q.scadenza),
        )
    })?;
    let cf = CodiceFiscale::new(q.codice_fiscale_dichiarante.trim());
    let m = in_task(async move {
        s.registro
            .registra_mandato(&q.mittente, cf, q.ambito.into(), scadenza, &cliente.0.id)
            .await
    })
    .await?;
    Ok((StatusCode::CREATED, Json(MandatoRegistrato::from(&m))).into_response())
}

/// Revokes a mandate (back-office clients only): from now on it gives nothing.
#[utoipa::path(
    post, path = "/api/v1/mandati/revoca", tag = TAG_MANDATI,
    request_body(content = RevocaMandato, content_type = "application/json"),
    responses(
        (status = 200, description = "Revoked", body = MandatoRegistrato),
        (status = 400, description = "Bad JSON", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 401, description = "Missing or unknown API key", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 403, description = "The client is not back office", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 404, description = "No mandate in force for this sender and declarant", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 415, description = "Body not application/json", body = SchemaProblema, content_type = PROBLEM_JSON),
        (status = 422, description = "Invalid fiscal code", body = SchemaProblema, content_type = PROBLEM_JSON),
    ),
    security(("chiave_api" = []))
)]
async fn revoca_mandato(
    State(s): State<Stato>,
    cliente: Cliente,
    headers: HeaderMap,
    corpo: Result<Bytes, BytesRejection>,
) -> Result<Json<MandatoRegistrato>, Problema> {
    solo_back_office(&cliente)?;
    let corpo = corpo_json(&headers, corpo)?;
    let q: RevocaMandato = leggi(&corpo)?;
    let cf = codice_fiscale(&q.codice_fiscale_dichiarante)?;
    let m = in_task(async move { s.registro.revoca_mandato(&q.mittente, &cf).await }).await?;
    Ok(Json(MandatoRegistrato::from(&m)))
}

/// Liveness: the process answers (no authentication, no database).
#[utoipa::path(
    get, path = "/salute", tag = TAG_SERVIZIO,
    responses((status = 200, description = "The service answers", body = Salute))
)]
async fn salute() -> Json<Salute> {
    Json(Salute {
        stato: "ok".into(),
        versione: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Readiness: the register's database reachable and writable, its migrations current
/// (no authentication; the problem's detail names the failed check, never the URL).
#[utoipa::path(
    get, path = "/pronto", tag = TAG_SERVIZIO,
    responses(
        (status = 200, description = "Pronto a servire", body = Salute),
        (status = 503, description = "Base dati irraggiungibile, in sola lettura o con migrazioni mancanti", body = SchemaProblema, content_type = "application/problem+json"),
    )
)]
async fn pronto(State(s): State<Stato>) -> Result<Json<Salute>, Problema> {
    match s.registro.store().pronto().await {
        Ok(()) => Ok(Json(Salute {
            stato: "pronto".into(),
            versione: env!("CARGO_PKG_VERSION").into(),
        })),
        Err(e) => {
            // The caller is not authenticated: the code and a fixed text, the cause in
            // the log only.
            let (codice, dettaglio) = (e.codice(), e.dettaglio("del registro"));
            tracing::warn!(codice, errore = %e, "non pronto");
            Err(Problema::new(503, codice, dettaglio))
        }
    }
}

/// This document.
#[utoipa::path(
    get, path = "/api/v1/openapi.json", tag = TAG_SERVIZIO,
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object))
)]
async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        documento_openapi(),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------
// OpenAPI.

struct Sicurezza;

impl Modify for Sicurezza {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let c = api.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.description = Some(
            "Chiave API statica del client (una per client; il server ne conosce solo lo SHA-256)"
                .into(),
        );
        c.add_security_scheme("chiave_api", SecurityScheme::Http(http));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "isee — registro DSU",
        description = "Presentazione e consultazione delle DSU e delle attestazioni ISEE. Errori come application/problem+json (RFC 9457) con codice stabile e messaggio in italiano. Importi come stringhe decimali esatte.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    tags(
        (name = TAG_DSU, description = "Presentazione, rettifica, sostituzione, annullamento, ISEE corrente, consultazione"),
        (name = TAG_RICERCHE, description = "Ricerche per codice fiscale (nel corpo, mai nell'URL): solo tra le DSU consultabili dal client"),
        (name = TAG_MANDATI, description = "Mandati dei dichiaranti ai mittenti (solo client back office)"),
        (name = TAG_SERVIZIO, description = "Stato del servizio e documento OpenAPI"),
    ),
    components(schemas(SchemaProblema)),
    modifiers(&Sicurezza),
)]
struct Documento;

fn instradamenti() -> OpenApiRouter<Stato> {
    OpenApiRouter::with_openapi(Documento::openapi())
        .routes(routes!(presenta_dsu, elenco_dsu))
        .routes(routes!(dettaglio))
        .routes(routes!(attestazione_html))
        .routes(routes!(attestazione_pdf))
        .routes(routes!(ricevuta_pdf))
        .routes(routes!(rettifica))
        .routes(routes!(sostituzione))
        .routes(routes!(annullamento))
        .routes(routes!(corrente))
        .routes(routes!(ricerca_dsu_valida))
        .routes(routes!(ricerca_storico))
        .routes(routes!(registra_mandato))
        .routes(routes!(revoca_mandato))
        .routes(routes!(salute))
        .routes(routes!(pronto))
        .routes(routes!(openapi_json))
}

/// Replaces every `"$ref": "#/$defs/X"` with `"#/components/schemas/X"`.
fn riscrivi_ref(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::String(r)) = m.get_mut("$ref")
                && let Some(nome) = r.strip_prefix("#/$defs/")
            {
                *r = format!("#/components/schemas/{nome}");
            }
            m.values_mut().for_each(riscrivi_ref);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(riscrivi_ref),
        _ => {}
    }
}

/// Why the OpenAPI document could not be put together. It is built from the code
/// alone, so this is a programming error that the drift test
/// (`tests/openapi.rs`) catches before a release, never something a request causes.
#[derive(Debug, thiserror::Error)]
pub enum ErroreOpenApi {
    #[error("schema DSU «{0}» in conflitto con uno schema dell'API")]
    Conflitto(String),
    #[error("lo schema JSON della DSU non è un oggetto con $defs")]
    SchemaDsuMalformato,
    #[error("documento OpenAPI senza components.schemas")]
    SenzaComponenti,
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The OpenAPI document (`crates/isee-server/openapi.json`), built from the code.
///
/// utoipa describes the routes; the DSU's schema is the project's own JSON Schema
/// (generated from the Rust types by isee-core), spliced into `components.schemas`
/// so that the API and `schema/dsu.schema.json` describe the same format. A DSU
/// schema whose name clashes with one of the API's is an error (it would silently
/// replace it), except `ModuloCorrente`, which the API names only to point at it.
pub fn genera_openapi() -> Result<String, ErroreOpenApi> {
    let (_, mut api) = instradamenti().split_for_parts();
    api.info.version = env!("CARGO_PKG_VERSION").to_string();
    let mut v = serde_json::to_value(&api)?;
    let mut dsu: serde_json::Value = serde_json::from_str(&isee_core::schema::schema_dsu())?;
    let Some(radice) = dsu.as_object_mut() else {
        return Err(ErroreOpenApi::SchemaDsuMalformato);
    };
    radice.remove("$schema");
    radice.remove("$id");
    let Some(serde_json::Value::Object(defs)) = radice.remove("$defs") else {
        return Err(ErroreOpenApi::SchemaDsuMalformato);
    };
    let schemi = v
        .pointer_mut("/components/schemas")
        .and_then(|s| s.as_object_mut())
        .ok_or(ErroreOpenApi::SenzaComponenti)?;
    for (nome, mut schema) in defs {
        if nome != "ModuloCorrente" && schemi.contains_key(&nome) {
            return Err(ErroreOpenApi::Conflitto(nome));
        }
        riscrivi_ref(&mut schema);
        schemi.insert(nome, schema);
    }
    riscrivi_ref(&mut dsu);
    schemi.insert("Dsu".into(), dsu);
    let mut testo = serde_json::to_string_pretty(&v)?;
    testo.push('\n');
    Ok(testo)
}

/// The OpenAPI document as served: [`genera_openapi`], built once. Should it fail
/// (see [`ErroreOpenApi`]), the error is logged and the document is a JSON object
/// naming it, as the consultation service does.
pub fn documento_openapi() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        genera_openapi().unwrap_or_else(|e| {
            tracing::error!(errore = %e, "documento OpenAPI non generato");
            serde_json::json!({ "errore": e.to_string() }).to_string()
        })
    })
}

// ---------------------------------------------------------------------------------
// Layers.

async fn limite_di_tempo(State(durata): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(durata, next.run(req)).await {
        Ok(r) => r,
        Err(_) => Problema::new(
            503,
            "servizio.tempo_scaduto",
            format!(
                "la richiesta non è stata completata entro {} s; una presentazione può essere ripetuta con la stessa Idempotency-Key",
                durata.as_secs_f64()
            ),
        )
        .into_response(),
    }
}

fn panico(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    Problema::interno(&"panico in un handler").into_response()
}

async fn sconosciuto() -> Problema {
    Problema::new(
        404,
        "richiesta.percorso_sconosciuto",
        "percorso sconosciuto: vedere /api/v1/openapi.json",
    )
}

async fn metodo_non_consentito() -> Problema {
    Problema::new(
        405,
        "richiesta.metodo",
        "metodo non consentito su questo percorso",
    )
}

/// The whole service.
pub fn app(servizio: Arc<Servizio>, limiti: &Limiti) -> Router {
    app_con(servizio, limiti, None)
}

/// The whole service, with `altro` (the web portal, built by the caller) answering
/// every path the API does not know outside `/api/`: the API's routes keep their
/// keys, and an unknown `/api/…` path its problem+json 404. The API's layers (body
/// limit, timeout, request id, log) wrap `altro` too.
pub fn app_con(servizio: Arc<Servizio>, limiti: &Limiti, altro: Option<Router>) -> Router {
    let (router, _) = instradamenti().split_for_parts();
    let metriche = servizio.metriche.clone();
    let router = router
        .route_layer(axum::middleware::from_fn(metriche::percorso_abbinato))
        .route(
            "/metrics",
            axum::routing::get(|State(s): State<Stato>| async move {
                metriche::esponi(State(s.metriche.clone())).await
            }),
        );
    let altro =
        altro.map(|a| a.route_layer(axum::middleware::from_fn(metriche::percorso_abbinato)));
    let traccia = TraceLayer::new_for_http()
        .make_span_with(|req: &Request<Body>| {
            let id = req
                .headers()
                .get(X_REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            // The path carries protocols, never fiscal codes (lookups are POST bodies).
            tracing::info_span!("richiesta", id = %id, metodo = %req.method(), percorso = %req.uri().path())
        })
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO));
    let router = match altro {
        None => router.fallback(sconosciuto),
        Some(altro) => router.fallback(move |req: Request| {
            let altro = altro.clone();
            async move {
                let p = req.uri().path();
                if p == "/api" || p.starts_with("/api/") {
                    sconosciuto().await.into_response()
                } else {
                    match tower::ServiceExt::oneshot(altro, req).await {
                        Ok(r) => r,
                        Err(e) => match e {},
                    }
                }
            }
        }),
    };
    router
        .method_not_allowed_fallback(metodo_non_consentito)
        .layer(DefaultBodyLimit::max(limiti.corpo_max))
        .layer(axum::middleware::from_fn_with_state(
            limiti.timeout,
            limite_di_tempo,
        ))
        .layer(CatchPanicLayer::custom(panico))
        // Outside the timeout and the panic handler: their 503 and 500 are counted too.
        .layer(axum::middleware::from_fn_with_state(
            metriche,
            metriche::misura,
        ))
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID))
        .layer(traccia)
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
        ]))
        .layer(SetRequestIdLayer::new(X_REQUEST_ID, MakeRequestUuid))
        .with_state(servizio)
}

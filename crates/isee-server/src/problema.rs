//! Errors as RFC 9457 problem documents (`application/problem+json`).
//!
//! Every refusal of the API is one [`Problema`]: the HTTP status, a stable `codice`
//! for programs (the register's own codes, `registro.*`, or the service's: `auth.*`,
//! `richiesta.*`, `ricerca.*`, `servizio.*`), an Italian `detail` for people and, for
//! a DSU, `problemi`: every validation problem with its JSON path. Server-side
//! failures (5xx) log their cause and return a generic message: database errors can
//! carry SQL text or data that the client must not see.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use isee_registro::ErroreRegistro;
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem document (RFC 9457), with the register's extension members.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problema {
    /// A URI naming the kind of problem: `urn:isee:problema:<codice>`.
    #[serde(rename = "type")]
    pub tipo: String,
    /// A short Italian summary of the status.
    pub title: String,
    pub status: u16,
    /// The Italian explanation of this occurrence.
    pub detail: String,
    /// Stable code, for programs (`registro.dsu_non_valida`, `auth.chiave_non_valida`…).
    pub codice: String,
    /// Every problem found in the DSU, with its JSON path (validation errors only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problemi: Vec<ProblemaCampo>,
}

/// One problem of a DSU or of a request body.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProblemaCampo {
    /// JSON path: `$.componenti[1].codice_fiscale`.
    pub percorso: String,
    pub codice: String,
    pub messaggio: String,
    /// `errore` (the DSU is refused) or `avviso` (a warning, reported alongside).
    pub gravita: String,
}

fn titolo(status: u16) -> &'static str {
    match status {
        400 => "Richiesta non valida",
        401 => "Autenticazione richiesta",
        403 => "Operazione non consentita",
        404 => "Risorsa non trovata",
        405 => "Metodo non consentito",
        409 => "Conflitto con lo stato della risorsa",
        413 => "Corpo della richiesta troppo grande",
        415 => "Tipo di contenuto non supportato",
        422 => "Richiesta non elaborabile",
        503 => "Servizio non disponibile",
        _ => "Errore interno",
    }
}

impl Problema {
    pub fn new(status: u16, codice: &str, dettaglio: impl Into<String>) -> Problema {
        Problema {
            tipo: format!("urn:isee:problema:{codice}"),
            title: titolo(status).to_string(),
            status,
            detail: dettaglio.into(),
            codice: codice.to_string(),
            problemi: Vec::new(),
        }
    }

    pub fn con_problemi(mut self, problemi: Vec<ProblemaCampo>) -> Problema {
        self.problemi = problemi;
        self
    }

    /// A 5xx whose cause goes to the log only.
    pub fn interno(causa: &dyn std::fmt::Display) -> Problema {
        tracing::error!(causa = %causa, "errore interno");
        Problema::new(
            500,
            "servizio.errore_interno",
            "errore interno del servizio; riprovare più tardi citando l'intestazione x-request-id della risposta",
        )
    }
}

impl IntoResponse for Problema {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let corpo = serde_json::to_vec(&self).unwrap_or_default();
        let mut r = (status, corpo).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: tell the client which scheme is expected.
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"isee\""),
            );
        }
        r
    }
}

impl From<ErroreRegistro> for Problema {
    fn from(e: ErroreRegistro) -> Problema {
        use ErroreRegistro as E;
        let status = match &e {
            E::DsuIlleggibile(_)
            | E::ModuloCorrenteIlleggibile(_)
            | E::ChiaveMancante
            | E::MittenteMancante
            | E::ProtocolloMittenteTroppoLungo
            | E::ProtocolloNonValido(_) => 400,
            E::ProtocolloSconosciuto(_) => 404,
            E::ProtocolloNonAttivo { .. } | E::NonUnaDsu(_) => 409,
            // draft-ietf-httpapi-idempotency-key-header §2.7: a key reused with another
            // payload is 422.
            E::ChiaveRiusata(_)
            | E::DsuNonValida(_)
            | E::Calcolo(_)
            | E::CorrenteNonCalcolabile(_)
            | E::Importo(_) => 422,
            E::NumerazioneEsaurita(_) => 503,
            E::UrlNonSupportato(_) | E::DatoCorrotto(_) | E::Database(_) | E::Migrazione(_) => {
                return Problema::interno(&e);
            }
        };
        let problemi = match &e {
            E::DsuNonValida(v) => v
                .iter()
                .map(|p| ProblemaCampo {
                    percorso: p.percorso.clone(),
                    codice: p.codice.to_string(),
                    messaggio: p.messaggio.clone(),
                    gravita: match p.gravita {
                        isee_core::validazione::Gravita::Errore => "errore",
                        isee_core::validazione::Gravita::Avviso => "avviso",
                    }
                    .to_string(),
                })
                .collect(),
            E::DsuIlleggibile(l) => vec![ProblemaCampo {
                percorso: l.percorso.clone(),
                codice: "dsu.illeggibile".into(),
                messaggio: format!("{} (riga {}, colonna {})", l.messaggio, l.riga, l.colonna),
                gravita: "errore".into(),
            }],
            _ => Vec::new(),
        };
        Problema::new(status, e.codice(), e.to_string()).con_problemi(problemi)
    }
}

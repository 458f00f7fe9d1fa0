//! Errors as RFC 9457 problem documents (`application/problem+json`), one type for
//! every service.
//!
//! A [`Problema`] carries the members of RFC 9457 (`type`, `title`, `status`,
//! `detail`), the project's stable `codice` for programs, and two optional extension
//! members, each written only when set:
//! * `problemi`: every validation problem with its JSON path (the DSU register);
//! * `id_richiesta`: the access-log id of the call (the consultation e-services).
//!
//! Each service documents the members it uses in its own OpenAPI schema; the bytes on
//! the wire come from this one type. A 401 always carries a `WWW-Authenticate`
//! challenge (RFC 9110 §15.5.2): the one given with [`Problema::con_sfida`], else
//! `Bearer realm="isee"` (RFC 6750 §3).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The challenge of a 401 that names none of its own.
const SFIDA_PREDEFINITA: &str = "Bearer realm=\"isee\"";

/// A problem document (RFC 9457) with the project's extension members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problema {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub tipo: String,
    /// A short summary.
    pub title: String,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The Italian explanation of this occurrence.
    pub detail: String,
    /// Stable code, for programs.
    pub codice: String,
    /// Every problem found in the request, with its JSON path (validation errors only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problemi: Vec<ProblemaCampo>,
    /// The id under which the call was logged (0: not logged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_richiesta: Option<i64>,
    /// The `WWW-Authenticate` value of a 401 (not part of the document).
    #[serde(skip)]
    pub sfida: Option<String>,
}

/// One problem of a DSU or of a request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProblemaCampo {
    /// JSON path: `$.componenti[1].codice_fiscale`.
    pub percorso: String,
    pub codice: String,
    pub messaggio: String,
    /// `errore` (the DSU is refused) or `avviso` (a warning, reported alongside).
    pub gravita: String,
}

/// The Italian summary of a status, the `title` of [`Problema::new`].
pub fn titolo(status: u16) -> &'static str {
    match status {
        400 => "Richiesta non valida",
        401 => "Autenticazione richiesta",
        403 => "Operazione non consentita",
        404 => "Risorsa non trovata",
        405 => "Metodo non consentito",
        408 => "Tempo scaduto per la richiesta",
        409 => "Conflitto con lo stato della risorsa",
        413 => "Corpo della richiesta troppo grande",
        415 => "Tipo di contenuto non supportato",
        422 => "Richiesta non elaborabile",
        503 => "Servizio non disponibile",
        _ => "Errore interno",
    }
}

impl Problema {
    /// A problem of type `urn:isee:problema:<codice>`, titled after the status.
    pub fn new(status: u16, codice: &str, dettaglio: impl Into<String>) -> Problema {
        Problema {
            tipo: format!("urn:isee:problema:{codice}"),
            title: titolo(status).to_string(),
            status,
            detail: dettaglio.into(),
            codice: codice.to_string(),
            problemi: Vec::new(),
            id_richiesta: None,
            sfida: None,
        }
    }

    /// Another `type` URI.
    pub fn con_tipo(mut self, tipo: impl Into<String>) -> Problema {
        self.tipo = tipo.into();
        self
    }

    /// Another `title`.
    pub fn con_titolo(mut self, titolo: impl Into<String>) -> Problema {
        self.title = titolo.into();
        self
    }

    /// The validation problems (`problemi`).
    pub fn con_problemi(mut self, problemi: Vec<ProblemaCampo>) -> Problema {
        self.problemi = problemi;
        self
    }

    /// The access-log id of the call (`id_richiesta`).
    pub fn con_id_richiesta(mut self, id: i64) -> Problema {
        self.id_richiesta = Some(id);
        self
    }

    /// The `WWW-Authenticate` challenge sent with a 401.
    pub fn con_sfida(mut self, sfida: impl Into<String>) -> Problema {
        self.sfida = Some(sfida.into());
        self
    }

    /// A 500 whose cause goes to the log only: database errors can carry SQL text or
    /// data that the client must not see.
    pub fn interno(causa: &dyn std::fmt::Display) -> Problema {
        tracing::error!(causa = %causa, "errore interno");
        Problema::new(
            500,
            "servizio.errore_interno",
            "errore interno del servizio; riprovare più tardi citando l'intestazione x-request-id della risposta",
        )
    }

    /// The document's bytes.
    pub fn json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl IntoResponse for Problema {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = (status, self.json()).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            let sfida = self
                .sfida
                .as_deref()
                .and_then(|s| HeaderValue::from_str(s).ok())
                .unwrap_or(HeaderValue::from_static(SFIDA_PREDEFINITA));
            r.headers_mut().insert(header::WWW_AUTHENTICATE, sfida);
        }
        #[cfg(feature = "server")]
        r.extensions_mut()
            .insert(crate::metriche::CodiceProblema(self.codice));
        r
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn i_membri_facoltativi_compaiono_solo_se_presenti() {
        let p = Problema::new(404, "x.y", "niente");
        assert_eq!(
            String::from_utf8(p.json()).unwrap(),
            r#"{"type":"urn:isee:problema:x.y","title":"Risorsa non trovata","status":404,"detail":"niente","codice":"x.y"}"#
        );
        let p = p.con_id_richiesta(0).con_problemi(vec![ProblemaCampo {
            percorso: "$".into(),
            codice: "c".into(),
            messaggio: "m".into(),
            gravita: "errore".into(),
        }]);
        assert_eq!(
            String::from_utf8(p.json()).unwrap(),
            r#"{"type":"urn:isee:problema:x.y","title":"Risorsa non trovata","status":404,"detail":"niente","codice":"x.y","problemi":[{"percorso":"$","codice":"c","messaggio":"m","gravita":"errore"}],"id_richiesta":0}"#
        );
        let letto: Problema = serde_json::from_slice(&p.json()).unwrap();
        assert_eq!(letto, p);
    }

    #[test]
    fn un_401_ha_sempre_una_sfida() {
        let r = Problema::new(401, "auth.mancante", "x").into_response();
        assert_eq!(r.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        assert_eq!(r.headers()[header::WWW_AUTHENTICATE], SFIDA_PREDEFINITA);
        let r = Problema::new(401, "V", "x")
            .con_sfida("Bearer error=\"invalid_token\"")
            .into_response();
        assert_eq!(
            r.headers()[header::WWW_AUTHENTICATE],
            "Bearer error=\"invalid_token\""
        );
        let r = Problema::new(403, "V", "x").into_response();
        assert!(r.headers().get(header::WWW_AUTHENTICATE).is_none());
    }
}

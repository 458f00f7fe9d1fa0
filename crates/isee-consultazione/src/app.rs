//! The HTTP routes of the consultation service.

use crate::servizio::Servizio;
use crate::{rest, soap};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::routing::{get, post};
use std::sync::Arc;

/// The largest request accepted: a SOAP consultation is well under 4 KiB.
pub const CORPO_MASSIMO: usize = 64 * 1024;

pub fn app(servizio: Arc<Servizio>) -> Router {
    Router::new()
        .route(soap::PERCORSO, post(soap::chiamata).get(soap::descrizione))
        .route(
            soap::PERCORSO_UNICO,
            post(soap::chiamata_unica).get(soap::descrizione_unica),
        )
        .route("/rest/v1/{eservizio}/indicatore", post(rest::indicatore))
        .route(
            "/rest/v1/{eservizio}/attestazione",
            post(rest::attestazione),
        )
        .route("/rest/v1/{eservizio}/soglia", post(rest::soglia))
        .route(
            "/rest/v1/openapi.json",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    rest::openapi_json(),
                )
            }),
        )
        .route("/salute", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(CORPO_MASSIMO))
        .with_state(servizio)
}

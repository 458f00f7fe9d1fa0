//! The HTTP routes of the consultation service.

use crate::servizio::Servizio;
use crate::{rest, soap};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::routing::{get, post};
use isee_http::metriche::{self, Metriche};
use std::sync::Arc;

/// The largest request accepted: a SOAP consultation is well under 4 KiB.
pub const CORPO_MASSIMO: usize = 64 * 1024;

pub fn app(servizio: Arc<Servizio>) -> Router {
    let m = Arc::new(metriche_del_servizio(servizio.clone()));
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
            "/rest/v1/{eservizio}/dichiarazione",
            post(rest::dichiarazione),
        )
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
        .route("/pronto", get(pronto))
        .route_layer(axum::middleware::from_fn(metriche::percorso_abbinato))
        .route(
            "/metrics",
            get({
                let m = m.clone();
                move || metriche::esponi(axum::extract::State(m))
            }),
        )
        .layer(DefaultBodyLimit::max(CORPO_MASSIMO))
        .layer(axum::middleware::from_fn_with_state(m, metriche::misura))
        .with_state(servizio)
}

/// `GET /pronto`: readiness, both databases the service writes (the DSU register it
/// reads and the access log it must write before answering) reachable, writable and
/// at this build's schema. A 503 problem document with a fixed text otherwise (the
/// caller is not authenticated; the cause goes to the log).
async fn pronto(
    axum::extract::State(s): axum::extract::State<Arc<Servizio>>,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let esito = match s.registro.store().pronto().await {
        Ok(()) => s
            .accessi
            .pronto()
            .await
            .map_err(|e| (e, "del registro degli accessi")),
        Err(e) => Err((e, "del registro")),
    };
    match esito {
        Ok(()) => axum::Json(serde_json::json!({
            "stato": "pronto",
            "versione": env!("CARGO_PKG_VERSION"),
        }))
        .into_response(),
        Err((e, di)) => {
            tracing::warn!(codice = e.codice(), errore = %e, "non pronto");
            isee_http::Problema::new(503, e.codice(), e.dettaglio(di)).into_response()
        }
    }
}

/// `GET /metrics` (isee-http's [`Metriche`]): every answer by route, e-service and
/// code, and the access log's gauges read at each scrape, for the monitoring that must
/// page someone before a full disk turns every consultation into `DATABASE_OFFLINE`.
/// No personal data, no per-ente figures.
fn metriche_del_servizio(s: Arc<Servizio>) -> Metriche {
    Metriche::new("consultazione").sonda(move || {
        let m = s.accessi.metriche();
        let mut v = vec![(
            "accessi_rifiuti_soppressi",
            i64::try_from(m.rifiuti_soppressi).unwrap_or(i64::MAX),
        )];
        if let Some(d) = m.spazio {
            v.extend([
                (
                    "accessi_spazio_libero_byte",
                    i64::try_from(d.libero).unwrap_or(i64::MAX),
                ),
                (
                    "accessi_spazio_totale_byte",
                    i64::try_from(d.totale).unwrap_or(i64::MAX),
                ),
                ("accessi_spazio_in_esaurimento", i64::from(d.in_esaurimento)),
            ]);
        }
        v
    })
}

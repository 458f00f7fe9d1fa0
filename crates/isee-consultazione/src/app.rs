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
        .route("/metriche", get(metriche))
        .layer(DefaultBodyLimit::max(CORPO_MASSIMO))
        .with_state(servizio)
}

/// `GET /metriche`: the access log's gauges in the Prometheus text format, for the
/// monitoring that must page someone before a full disk turns every consultation
/// into `DATABASE_OFFLINE`. No personal data, no per-ente figures.
async fn metriche(
    axum::extract::State(s): axum::extract::State<Arc<Servizio>>,
) -> impl axum::response::IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        testo_metriche(&s.accessi.metriche()),
    )
}

/// The metrics page's text (Prometheus exposition format 0.0.4).
pub fn testo_metriche(m: &isee_accessi::Metriche) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    if let Some(d) = m.spazio {
        let _ = writeln!(
            t,
            "# HELP isee_accessi_spazio_libero_byte Byte liberi sul filesystem del registro degli accessi (SQLite).\n\
             # TYPE isee_accessi_spazio_libero_byte gauge\n\
             isee_accessi_spazio_libero_byte {}\n\
             # HELP isee_accessi_spazio_totale_byte Dimensione del filesystem del registro degli accessi.\n\
             # TYPE isee_accessi_spazio_totale_byte gauge\n\
             isee_accessi_spazio_totale_byte {}\n\
             # HELP isee_accessi_spazio_in_esaurimento 1 se lo spazio libero è sotto la soglia configurata.\n\
             # TYPE isee_accessi_spazio_in_esaurimento gauge\n\
             isee_accessi_spazio_in_esaurimento {}",
            d.libero,
            d.totale,
            u8::from(d.in_esaurimento)
        );
    }
    let _ = writeln!(
        t,
        "# HELP isee_accessi_rifiuti_soppressi_totale Rifiuti senza voucher valido oltre il limite, registrati solo nei riepiloghi.\n\
         # TYPE isee_accessi_rifiuti_soppressi_totale counter\n\
         isee_accessi_rifiuti_soppressi_totale {}",
        m.rifiuti_soppressi
    );
    t
}

//! Prometheus metrics of a listener (feature `server`), served on `GET /metrics` in the
//! OpenMetrics text format (docs/API.md, "Metriche").
//!
//! * `isee_richieste_total{servizio, metodo, percorso, stato}`: requests answered;
//! * `isee_richieste_durata_secondi{servizio, metodo, percorso}`: their latency, a
//!   histogram from 0.25 ms to about 8 s (the listeners' timeouts are 10–30 s);
//! * `isee_errori_total{servizio, codice}`: problem documents by their `codice`
//!   ([`crate::Problema`] marks its response with [`CodiceProblema`]; a SOAP Fault
//!   marks it itself);
//! * `isee_eservizi_total{servizio, eservizio, stato}` and
//!   `isee_eservizi_durata_secondi{servizio, eservizio}`: the calls of each e-service
//!   (the handler marks its response with [`Eservizio`]: the REST path's
//!   `{eservizio}` and SOAP's single endpoint hide it from the route);
//! * gauges read at each scrape from the probes the service registers
//!   ([`Metriche::sonda`]): the database pool's size and idle connections, and whatever
//!   else a service can measure on demand.
//!
//! Labels never carry what a request says: `percorso` is the route's template
//! (`/api/v1/dsu/{protocollo}`, never a protocol), `altro` for paths no route matched,
//! so the series stay few and no personal datum reaches the monitoring system.
//!
//! [`misura`] is the outer middleware (it sees every answer, timeouts and panics
//! included, when layered outside them); [`percorso_abbinato`] is a route layer that
//! hands the matched route's template to it through the response's extensions, since
//! routing happens inside the outer layer.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Instant;

/// The content type of the OpenMetrics text exposition.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The template of the route that answered, carried by the response to [`misura`].
#[derive(Clone, Debug)]
struct PercorsoAbbinato(MatchedPath);

/// The `codice` of the problem document a response carries, set by
/// [`crate::Problema`]'s `IntoResponse`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodiceProblema(pub String);

/// The e-service that answered (a slug of a fixed catalogue), set by its handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Eservizio(pub &'static str);

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EtichetteEservizio {
    servizio: &'static str,
    eservizio: &'static str,
    stato: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EtichetteDurataEservizio {
    servizio: &'static str,
    eservizio: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EtichetteRichiesta {
    servizio: &'static str,
    metodo: String,
    percorso: String,
    stato: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EtichetteDurata {
    servizio: &'static str,
    metodo: String,
    percorso: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EtichetteErrore {
    servizio: &'static str,
    codice: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EtichetteSonda {
    servizio: &'static str,
    misura: &'static str,
}

/// A probe read at each scrape: `(measure, value)` pairs.
type Sonda = Box<dyn Fn() -> Vec<(&'static str, i64)> + Send + Sync>;

fn istogramma() -> Histogram {
    // 0.25 ms × 2^k, k = 0..15: the last finite bucket is about 8.2 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// The metrics of one service (one listener), shared by its middleware and its
/// `/metrics` route.
pub struct Metriche {
    servizio: &'static str,
    registro: Registry,
    richieste: Family<EtichetteRichiesta, Counter>,
    durata: Family<EtichetteDurata, Histogram, fn() -> Histogram>,
    errori: Family<EtichetteErrore, Counter>,
    eservizi: Family<EtichetteEservizio, Counter>,
    eservizi_durata: Family<EtichetteDurataEservizio, Histogram, fn() -> Histogram>,
    sonde_valori: Family<EtichetteSonda, Gauge>,
    sonde: Vec<Sonda>,
}

impl std::fmt::Debug for Metriche {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metriche")
            .field("servizio", &self.servizio)
            .field("sonde", &self.sonde.len())
            .finish_non_exhaustive()
    }
}

impl Metriche {
    /// The metrics of `servizio` (a label on every series: `registro`,
    /// `consultazione`, `pdnd`…), with no probe yet.
    pub fn new(servizio: &'static str) -> Metriche {
        let mut registro = Registry::with_prefix("isee");
        let richieste = Family::<EtichetteRichiesta, Counter>::default();
        let durata = Family::<EtichetteDurata, Histogram, fn() -> Histogram>::new_with_constructor(
            istogramma,
        );
        let errori = Family::<EtichetteErrore, Counter>::default();
        let eservizi = Family::<EtichetteEservizio, Counter>::default();
        let eservizi_durata =
            Family::<EtichetteDurataEservizio, Histogram, fn() -> Histogram>::new_with_constructor(
                istogramma,
            );
        let sonde_valori = Family::<EtichetteSonda, Gauge>::default();
        registro.register("richieste", "Richieste servite", richieste.clone());
        registro.register(
            "richieste_durata_secondi",
            "Durata delle richieste, dall'arrivo delle intestazioni alla risposta",
            durata.clone(),
        );
        registro.register(
            "errori",
            "Risposte di errore (problem+json) per codice",
            errori.clone(),
        );
        registro.register("eservizi", "Chiamate per e-service", eservizi.clone());
        registro.register(
            "eservizi_durata_secondi",
            "Durata delle chiamate per e-service",
            eservizi_durata.clone(),
        );
        registro.register(
            "stato",
            "Misure lette a ogni raccolta (connessioni alla base dati…)",
            sonde_valori.clone(),
        );
        Metriche {
            servizio,
            registro,
            richieste,
            durata,
            errori,
            eservizi,
            eservizi_durata,
            sonde_valori,
            sonde: Vec::new(),
        }
    }

    /// Adds a probe, read at each scrape: each `(measure, value)` it returns becomes
    /// `isee_stato{servizio, misura}`.
    pub fn sonda(
        mut self,
        f: impl Fn() -> Vec<(&'static str, i64)> + Send + Sync + 'static,
    ) -> Metriche {
        self.sonde.push(Box::new(f));
        self
    }

    fn registra(
        &self,
        metodo: &str,
        percorso: &str,
        stato: u16,
        secondi: f64,
        codice: Option<&str>,
        eservizio: Option<Eservizio>,
    ) {
        if let Some(Eservizio(e)) = eservizio {
            self.eservizi
                .get_or_create(&EtichetteEservizio {
                    servizio: self.servizio,
                    eservizio: e,
                    stato,
                })
                .inc();
            self.eservizi_durata
                .get_or_create(&EtichetteDurataEservizio {
                    servizio: self.servizio,
                    eservizio: e,
                })
                .observe(secondi);
        }
        self.richieste
            .get_or_create(&EtichetteRichiesta {
                servizio: self.servizio,
                metodo: metodo.to_owned(),
                percorso: percorso.to_owned(),
                stato,
            })
            .inc();
        self.durata
            .get_or_create(&EtichetteDurata {
                servizio: self.servizio,
                metodo: metodo.to_owned(),
                percorso: percorso.to_owned(),
            })
            .observe(secondi);
        if let Some(c) = codice {
            self.errori
                .get_or_create(&EtichetteErrore {
                    servizio: self.servizio,
                    codice: c.to_owned(),
                })
                .inc();
        }
    }

    /// The exposition in the OpenMetrics text format, probes read now.
    pub fn testo(&self) -> String {
        for sonda in &self.sonde {
            for (misura, valore) in sonda() {
                self.sonde_valori
                    .get_or_create(&EtichetteSonda {
                        servizio: self.servizio,
                        misura,
                    })
                    .set(valore);
            }
        }
        let mut s = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut s, &self.registro);
        s
    }
}

/// Only the methods HTTP defines become a label; anything else is `altro`.
fn metodo(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "altro",
    }
}

/// The outer middleware: counts and times every answer.
/// `axum::middleware::from_fn_with_state(metriche, misura)`.
pub async fn misura(State(m): State<Arc<Metriche>>, req: Request, next: Next) -> Response {
    let inizio = Instant::now();
    let metodo = metodo(req.method());
    let r = next.run(req).await;
    let percorso = r
        .extensions()
        .get::<PercorsoAbbinato>()
        .map_or("altro", |p| p.0.as_str());
    let codice = r.extensions().get::<CodiceProblema>().map(|c| c.0.as_str());
    m.registra(
        metodo,
        percorso,
        r.status().as_u16(),
        inizio.elapsed().as_secs_f64(),
        codice,
        r.extensions().get::<Eservizio>().copied(),
    );
    r
}

/// The route layer: hands the matched route's template to [`misura`].
/// `router.route_layer(axum::middleware::from_fn(percorso_abbinato))`.
pub async fn percorso_abbinato(req: Request, next: Next) -> Response {
    let p = req.extensions().get::<MatchedPath>().cloned();
    let mut r = next.run(req).await;
    if let Some(p) = p {
        r.extensions_mut().insert(PercorsoAbbinato(p));
    }
    r
}

/// `GET /metrics`.
pub async fn esponi(State(m): State<Arc<Metriche>>) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(OPENMETRICS))],
        m.testo(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_sonde_sono_lette_a_ogni_raccolta() {
        let n = Arc::new(std::sync::atomic::AtomicI64::new(3));
        let n2 = n.clone();
        let m = Metriche::new("prova").sonda(move || {
            vec![(
                "pool_connessioni",
                n2.load(std::sync::atomic::Ordering::Relaxed),
            )]
        });
        assert!(
            m.testo()
                .contains(r#"isee_stato{servizio="prova",misura="pool_connessioni"} 3"#)
        );
        n.store(5, std::sync::atomic::Ordering::Relaxed);
        assert!(
            m.testo()
                .contains(r#"isee_stato{servizio="prova",misura="pool_connessioni"} 5"#)
        );
    }

    #[test]
    fn le_risposte_sono_contate_per_percorso_e_codice() {
        let m = Metriche::new("prova");
        m.registra("GET", "/a/{x}", 200, 0.001, None, None);
        m.registra(
            "GET",
            "/a/{x}",
            200,
            0.003,
            None,
            Some(Eservizio("indicatore")),
        );
        m.registra("POST", "/b", 422, 0.002, Some("dsu.non_valida"), None);
        let t = m.testo();
        assert!(t.contains(
            r#"isee_richieste_total{servizio="prova",metodo="GET",percorso="/a/{x}",stato="200"} 2"#
        ), "{t}");
        assert!(
            t.contains(r#"isee_errori_total{servizio="prova",codice="dsu.non_valida"} 1"#),
            "{t}"
        );
        assert!(t.contains(
            r#"isee_richieste_durata_secondi_count{servizio="prova",metodo="GET",percorso="/a/{x}"} 2"#
        ), "{t}");
        assert!(
            t.contains(
                r#"isee_eservizi_total{servizio="prova",eservizio="indicatore",stato="200"} 1"#
            ),
            "{t}"
        );
        assert!(t.ends_with("# EOF\n"), "{t}");
    }
}

//! `isee pdnd serve`: a local stand-in for the PDND authorisation server and the few
//! Interop API reads a provider needs.
//!
//! * `POST /token.oauth2`: client assertion → voucher ([`crate::asserzione`]).
//! * `GET /.well-known/jwks.json`: the voucher signing key.
//! * `GET /keys/{kid}`: a consumer key and its client, `{"clientId", "jwk"}` (404 if unknown).
//! * `GET /purposes/{id}`, `GET /tenants/{id}` (with PDND's `externalId {origin: "IPA"}`),
//!   `GET /eservices/{id}`.
//!
//! A directory holds `stato.json` and `chiave-pdnd.pem`; the server re-reads `stato.json`
//! when it changes, so `isee pdnd client …` works while it runs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path as PathEstratto, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use uuid::Uuid;

use crate::asserzione::{AsserzioniUsate, ErroreAsserzione, RichiestaToken, emetti_voucher};
use crate::errore::{ErrorePdnd, Result};
use crate::jwk::{ChiavePrivata, JwkSet};
use crate::stato::StatoPdnd;

/// The listener's limits (`isee_http`'s, the same for every service).
pub use isee_http::server::Limits;

/// File names inside a local PDND's directory.
pub const FILE_STATO: &str = "stato.json";
pub const FILE_CHIAVE: &str = "chiave-pdnd.pem";

struct Condiviso {
    stato: Arc<RwLock<StatoPdnd>>,
    chiave: ChiavePrivata,
    orologio: fn() -> i64,
    /// Client assertions already exchanged, until their `exp` (no replay).
    usate: AsserzioniUsate,
}

/// The router of the local PDND. `orologio` gives the current Unix time (tests pass a
/// fixed one).
pub fn router(
    stato: Arc<RwLock<StatoPdnd>>,
    chiave: ChiavePrivata,
    orologio: fn() -> i64,
) -> Router {
    let c = Arc::new(Condiviso {
        stato,
        chiave,
        orologio,
        usate: AsserzioniUsate::new(),
    });
    Router::new()
        .route("/token.oauth2", post(token))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/keys/{kid}", get(chiave_client))
        .route("/purposes/{id}", get(finalita))
        .route("/tenants/{id}", get(tenant))
        .route("/eservices/{id}", get(eservizio))
        .with_state(c)
}

fn con_no_store(mut r: Response) -> Response {
    // RFC 6749 §5.1: token responses must not be cached.
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn risposta_errore(e: &ErroreAsserzione) -> Response {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    con_no_store(
        (
            status,
            Json(json!({
                "error": e.errore_oauth(),
                "error_description": e.messaggio(),
                "codice": e.codice(),
            })),
        )
            .into_response(),
    )
}

async fn token(
    State(c): State<Arc<Condiviso>>,
    form: Result<Form<RichiestaToken>, FormRejection>,
) -> Response {
    let Form(richiesta) = match form {
        Ok(f) => f,
        Err(rifiuto) => {
            let e = ErroreAsserzione::Malformata {
                motivo: format!(
                    "form non leggibile ({rifiuto}); serve application/x-www-form-urlencoded"
                ),
            };
            return con_no_store(
                (
                    StatusCode::BAD_REQUEST,
                    Json(json!({
                        "error": "invalid_request",
                        "error_description": e.messaggio(),
                        "codice": "RICHIESTA_FORM",
                    })),
                )
                    .into_response(),
            );
        }
    };
    let adesso = (c.orologio)();
    let esito = {
        let stato = c.stato.read().unwrap_or_else(|p| p.into_inner());
        emetti_voucher(&stato, &c.chiave, &richiesta, adesso, &c.usate)
    };
    match esito {
        Ok(r) => {
            tracing::info!(client_id = ?richiesta.client_id, "voucher emesso");
            con_no_store(Json(r).into_response())
        }
        Err(e) => {
            tracing::info!(client_id = ?richiesta.client_id, codice = e.codice(), "voucher rifiutato");
            risposta_errore(&e)
        }
    }
}

async fn jwks(State(c): State<Arc<Condiviso>>) -> Json<JwkSet> {
    Json(JwkSet {
        keys: vec![c.chiave.jwk_pubblica()],
    })
}

fn non_trovato(cosa: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"status": 404, "title": "Non trovato", "detail": cosa})),
    )
        .into_response()
}

async fn chiave_client(
    State(c): State<Arc<Condiviso>>,
    PathEstratto(kid): PathEstratto<String>,
) -> Response {
    let stato = c.stato.read().unwrap_or_else(|p| p.into_inner());
    match stato.chiave_client(&kid) {
        Some((client, jwk)) => Json(json!({"clientId": client.id, "jwk": jwk})).into_response(),
        None => non_trovato("chiave non registrata"),
    }
}

fn id(testo: &str) -> Option<Uuid> {
    Uuid::parse_str(testo).ok()
}

async fn finalita(
    State(c): State<Arc<Condiviso>>,
    PathEstratto(p): PathEstratto<String>,
) -> Response {
    let stato = c.stato.read().unwrap_or_else(|p| p.into_inner());
    match id(&p).and_then(|i| stato.finalita(i)) {
        Some(f) => Json(f).into_response(),
        None => non_trovato("finalità inesistente"),
    }
}

async fn tenant(
    State(c): State<Arc<Condiviso>>,
    PathEstratto(p): PathEstratto<String>,
) -> Response {
    let stato = c.stato.read().unwrap_or_else(|p| p.into_inner());
    match id(&p).and_then(|i| stato.tenant(i)) {
        Some(t) => Json(json!({
            "id": t.id,
            "nome": t.nome,
            "codice_ipa": t.codice_ipa,
            "externalId": {"origin": "IPA", "value": t.codice_ipa},
        }))
        .into_response(),
        None => non_trovato("tenant inesistente"),
    }
}

async fn eservizio(
    State(c): State<Arc<Condiviso>>,
    PathEstratto(p): PathEstratto<String>,
) -> Response {
    let stato = c.stato.read().unwrap_or_else(|p| p.into_inner());
    match id(&p).and_then(|i| stato.eservizio(i)) {
        Some(e) => Json(e).into_response(),
        None => non_trovato("e-service inesistente"),
    }
}

/// Reads the directory of a local PDND: its state and its signing key.
pub fn carica_dir(dir: &Path) -> Result<(StatoPdnd, ChiavePrivata)> {
    let stato = StatoPdnd::carica(&dir.join(FILE_STATO))?;
    let percorso = dir.join(FILE_CHIAVE);
    // The same words as before the typed error: "lettura di <file>: <cause>".
    let pem = std::fs::read_to_string(&percorso)
        .map_err(|e| ErrorePdnd::Stato(format!("lettura di {}: {e}", percorso.display())))?;
    Ok((stato, ChiavePrivata::da_pem(&pem)?))
}

fn data_modifica(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Serves the local PDND of `dir` on `addr`, on `isee_http`'s bounded listener with
/// `limiti`, until `arresto` completes (requests in flight are answered first).
pub async fn servi(
    dir: &Path,
    addr: SocketAddr,
    limiti: Limits,
    arresto: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    // The directory is read first: a bad one is reported before the port is taken.
    let (stato, chiave) = carica_dir(dir)?;
    let ascolto = |errore| ErrorePdnd::Ascolto {
        indirizzo: addr,
        errore,
    };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(ascolto)?;
    servi_su(dir, (stato, chiave), listener, limiti, arresto).await
}

/// [`servi`] on a bound listener, with the directory already read ([`carica_dir`]).
pub async fn servi_su(
    dir: &Path,
    (stato, chiave): (StatoPdnd, ChiavePrivata),
    listener: tokio::net::TcpListener,
    limiti: Limits,
    arresto: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let stato = Arc::new(RwLock::new(stato));
    let percorso: PathBuf = dir.join(FILE_STATO);
    let ricarica = {
        let stato = Arc::clone(&stato);
        let mut visto = data_modifica(&percorso);
        tokio::spawn(async move {
            let mut battito = tokio::time::interval(Duration::from_secs(1));
            loop {
                battito.tick().await;
                let ora = data_modifica(&percorso);
                if ora == visto {
                    continue;
                }
                visto = ora;
                match StatoPdnd::carica(&percorso) {
                    Ok(nuovo) => {
                        *stato.write().unwrap_or_else(|p| p.into_inner()) = nuovo;
                        tracing::info!("stato PDND ricaricato");
                    }
                    Err(e) => tracing::warn!(errore = %e, "stato PDND non ricaricato"),
                }
            }
        })
    };
    let indirizzo = listener
        .local_addr()
        .map_err(|errore| ErrorePdnd::Ascolto {
            indirizzo: SocketAddr::from(([0, 0, 0, 0], 0)),
            errore,
        })?;
    let ascolto = |errore| ErrorePdnd::Ascolto { indirizzo, errore };
    tracing::info!(indirizzo = %indirizzo, kid = chiave.kid(), "PDND locale in ascolto");
    eprintln!(
        "PDND locale in ascolto su http://{indirizzo} (kid di firma {})",
        chiave.kid()
    );
    let esito = isee_http::server::serve(
        listener,
        router(stato, chiave, crate::adesso_unix),
        arresto,
        limiti,
    )
    .await
    .map_err(ascolto);
    ricarica.abort();
    esito
}

//! The key set can come from an `https://` URL (the real PDND publishes it at
//! `https://interop.pagopa.it/.well-known/jwks.json`), and the server's certificate is
//! verified against the public root store: a server whose certificate no public root
//! signed is refused, and its keys are never loaded.

use axum::Router;
use axum::routing::get;
use isee_pdnd::jwk::{ChiavePrivata, JwkSet};
use isee_pdnd::jwks::{CacheJwks, SorgenteJwks};
use std::time::Duration;

#[tokio::test]
async fn jwks_https_con_certificato_non_fidato_rifiutato() {
    let dir = tempfile::tempdir().unwrap();
    let ca = isee_tls::Autorita::crea(&dir.path().join("ca"), "CA privata di prova").unwrap();
    let server = ca.rilascia_server(&["127.0.0.1".to_string()], 30).unwrap();
    let tls =
        isee_tls::config_server(&server.cert_pem, &server.chiave_pem, ca.cert_pem(), None).unwrap();
    let chiave = ChiavePrivata::genera().unwrap();
    let set = serde_json::to_string(&JwkSet {
        keys: vec![chiave.jwk_pubblica()],
    })
    .unwrap();
    let app = Router::new().route("/.well-known/jwks.json", get(move || async move { set }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let indirizzo = listener.local_addr().unwrap();
    tokio::spawn(isee_tls::servi_tls(
        listener,
        tls,
        app,
        std::future::pending(),
    ));

    let cache = CacheJwks::new(
        SorgenteJwks::Url(format!("https://{indirizzo}/.well-known/jwks.json")),
        Duration::from_secs(30),
    );
    let errore = cache
        .carica()
        .await
        .expect_err("certificato privato accettato");
    let testo = errore.to_string();
    assert!(
        testo.contains("UnknownIssuer"),
        "l'errore deve venire dalla verifica del certificato e dirlo: {testo}"
    );
    assert!(cache.chiave(chiave.kid()).await.is_none());
}

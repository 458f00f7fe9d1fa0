//! The local PDND's listener (`server::servi_su`) against the attacks of issue 10: a
//! silent socket, a slowloris, a stalled token request, a flood up to the cap.

mod comune;

use comune::*;
use isee_pdnd::jwk::ChiavePrivata;
use isee_pdnd::server::{Limits, servi_su};
use isee_prova::assedio;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

const INTESTAZIONI: Duration = Duration::from_millis(400);
const CORPO: Duration = Duration::from_millis(500);
const MASSIMO: usize = 6;

async fn avvia(dir: &tempfile::TempDir) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = listener.local_addr().unwrap();
    let chiave = ChiavePrivata::da_pem(&PDND.in_pem()).unwrap();
    let limiti = Limits {
        header_read: INTESTAZIONI,
        body: CORPO,
        max_connections: MASSIMO,
        ..Limits::default()
    };
    let percorso = dir.path().to_path_buf();
    tokio::spawn(async move {
        servi_su(
            &percorso,
            (stato(), chiave),
            listener,
            limiti,
            std::future::pending(),
        )
        .await
        .unwrap();
    });
    a
}

#[tokio::test]
async fn connessioni_mute_lente_e_corpi_fermi_sono_chiusi() {
    let dir = tempfile::tempdir().unwrap();
    let a = avvia(&dir).await;
    let (muta, lenta, ferma) = tokio::join!(
        assedio::silenzio(TcpStream::connect(a).await.unwrap(), Duration::from_secs(5)),
        assedio::slowloris(
            TcpStream::connect(a).await.unwrap(),
            Duration::from_millis(50),
            Duration::from_secs(5)
        ),
        assedio::corpo_fermo(
            TcpStream::connect(a).await.unwrap(),
            "/token.oauth2",
            "Content-Type: application/x-www-form-urlencoded\r\n",
            Duration::from_secs(5)
        ),
    );
    assedio::circa(muta, INTESTAZIONI, "connessione muta");
    assedio::circa(lenta, INTESTAZIONI, "slowloris");
    let (t, risposta) = ferma.expect("corpo fermo: connessione ancora aperta");
    assedio::circa(Some(t), CORPO, "corpo fermo");
    assert_eq!(assedio::stato(risposta.as_bytes()), Some(408), "{risposta}");
}

#[tokio::test]
async fn al_limite_di_connessioni_rifiuta_subito_e_poi_risponde() {
    let dir = tempfile::tempdir().unwrap();
    let a = avvia(&dir).await;
    let mut servito = TcpStream::connect(a).await.unwrap();
    assert_eq!(
        assedio::get_su(&mut servito, "/.well-known/jwks.json").await,
        Some(200)
    );
    let folla = assedio::folla(a, MASSIMO - 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (stato, tempo) = assedio::get(a, "/.well-known/jwks.json", Duration::from_secs(2)).await;
    assert_eq!(stato, Some(503));
    assert!(tempo < Duration::from_millis(200), "{tempo:?}");
    assert_eq!(
        assedio::get_su(&mut servito, "/.well-known/jwks.json").await,
        Some(200)
    );
    drop(folla);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        assedio::get(a, "/.well-known/jwks.json", Duration::from_secs(2))
            .await
            .0,
        Some(200)
    );
}

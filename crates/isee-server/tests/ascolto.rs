//! The register's listener (`avvio::ascolta`) against the attacks of issue 10: a
//! silent socket, a slowloris, a stalled body, a flood up to the connection cap.

use isee_prova::assedio;
use isee_registro::{RegistroDsu, StoreSql};
use isee_server::avvio::{Limits, ascolta};
use isee_server::{Clienti, Limiti, Servizio};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

const CHIAVE: &str = "chiave-caf-ra";
const INTESTAZIONI: Duration = Duration::from_millis(400);
const CORPO: Duration = Duration::from_millis(500);
const MASSIMO: usize = 6;

async fn avvia(dir: &tempfile::TempDir) -> SocketAddr {
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = StoreSql::connetti(&url).await.unwrap();
    let servizio = Arc::new(Servizio::new(
        RegistroDsu::new(store),
        Clienti::default().con_chiave("caf-ra", CHIAVE),
    ));
    let limiti = Limits {
        header_read: INTESTAZIONI,
        body: CORPO,
        max_connections: MASSIMO,
        ..Limits::default()
    };
    let (indirizzo, _) = ascolta(
        servizio,
        &Limiti::default(),
        limiti,
        "127.0.0.1:0".parse().unwrap(),
        None,
        std::future::pending(),
    )
    .await
    .unwrap();
    indirizzo
}

#[tokio::test]
async fn connessioni_mute_lente_e_corpi_fermi_sono_chiusi() {
    let dir = tempfile::tempdir().unwrap();
    let a = avvia(&dir).await;
    let intestazioni = format!(
        "Content-Type: application/json\r\nAuthorization: Bearer {CHIAVE}\r\nIdempotency-Key: k1\r\n"
    );
    let (muta, lenta, ferma) = tokio::join!(
        assedio::silenzio(TcpStream::connect(a).await.unwrap(), Duration::from_secs(5)),
        assedio::slowloris(
            TcpStream::connect(a).await.unwrap(),
            Duration::from_millis(50),
            Duration::from_secs(5)
        ),
        assedio::corpo_fermo(
            TcpStream::connect(a).await.unwrap(),
            "/api/v1/dsu",
            &intestazioni,
            Duration::from_secs(5)
        ),
    );
    assedio::circa(muta, INTESTAZIONI, "connessione muta");
    assedio::circa(lenta, INTESTAZIONI, "slowloris");
    let (t, risposta) = ferma.expect("corpo fermo: connessione ancora aperta");
    assedio::circa(Some(t), CORPO, "corpo fermo");
    assert_eq!(assedio::stato(risposta.as_bytes()), Some(408), "{risposta}");
    assert!(risposta.contains("richiesta.corpo_scaduto"), "{risposta}");
}

#[tokio::test]
async fn al_limite_di_connessioni_rifiuta_subito_e_salute_torna() {
    let dir = tempfile::tempdir().unwrap();
    let a = avvia(&dir).await;
    let mut servito = TcpStream::connect(a).await.unwrap();
    assert_eq!(assedio::get_su(&mut servito, "/salute").await, Some(200));
    let folla = assedio::folla(a, MASSIMO - 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (stato, tempo) = assedio::get(a, "/salute", Duration::from_secs(2)).await;
    assert_eq!(stato, Some(503));
    assert!(tempo < Duration::from_millis(200), "{tempo:?}");
    // The established connection still works.
    assert_eq!(assedio::get_su(&mut servito, "/salute").await, Some(200));
    drop(folla);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        assedio::get(a, "/salute", Duration::from_secs(2)).await.0,
        Some(200)
    );
}

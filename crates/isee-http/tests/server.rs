//! The bounded listener against the attacks of issue 10: silent sockets, slowloris,
//! stalled bodies, a flood of connections; and the drain on shutdown. Short limits
//! (hundreds of milliseconds) keep the tests fast.

use axum::Router;
use axum::body::Bytes;
use axum::routing::{get, post};
use isee_http::server::{Limits, serve};
use isee_prova::assedio;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const INTESTAZIONI: Duration = Duration::from_millis(400);
const CORPO: Duration = Duration::from_millis(500);

fn limiti(max_connections: usize) -> Limits {
    Limits {
        header_read: INTESTAZIONI,
        body: CORPO,
        handshake: Duration::from_millis(300),
        max_connections,
        max_lifetime: None,
        shutdown: Duration::from_secs(2),
    }
}

fn app() -> Router {
    Router::new()
        .route("/salute", get(|| async { "ok" }))
        .route("/eco", post(|b: Bytes| async move { b }))
}

struct Banco {
    indirizzo: SocketAddr,
    arresto: Option<oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
}

async fn avvia(limits: Limits) -> Banco {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let indirizzo = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        app(),
        async move {
            let _ = rx.await;
        },
        limits,
    ));
    Banco {
        indirizzo,
        arresto: Some(tx),
        server,
    }
}

#[tokio::test]
async fn una_connessione_muta_si_chiude_allo_scadere_delle_intestazioni() {
    let b = avvia(limiti(16)).await;
    let s = TcpStream::connect(b.indirizzo).await.unwrap();
    let t = assedio::silenzio(s, Duration::from_secs(5)).await;
    assedio::circa(t, INTESTAZIONI, "connessione muta");
}

#[tokio::test]
async fn una_connessione_keep_alive_inattiva_si_chiude() {
    let b = avvia(limiti(16)).await;
    let mut s = TcpStream::connect(b.indirizzo).await.unwrap();
    assert_eq!(assedio::get_su(&mut s, "/salute").await, Some(200));
    let t = assedio::silenzio(s, Duration::from_secs(5)).await;
    assedio::circa(t, INTESTAZIONI, "keep-alive inattiva");
}

#[tokio::test]
async fn slowloris_chiuso_allo_scadere_delle_intestazioni() {
    let b = avvia(limiti(16)).await;
    let s = TcpStream::connect(b.indirizzo).await.unwrap();
    // A byte every 50 ms: well within any inactivity limit, never a whole head.
    let t = assedio::slowloris(s, Duration::from_millis(50), Duration::from_secs(5)).await;
    assedio::circa(t, INTESTAZIONI, "slowloris");
}

#[tokio::test]
async fn corpo_fermo_riceve_408_allo_scadere_del_corpo() {
    let b = avvia(limiti(16)).await;
    let s = TcpStream::connect(b.indirizzo).await.unwrap();
    let (t, risposta) = assedio::corpo_fermo(
        s,
        "/eco",
        "Content-Type: application/json\r\n",
        Duration::from_secs(5),
    )
    .await
    .expect("connessione ancora aperta");
    assedio::circa(Some(t), CORPO, "corpo fermo");
    assert_eq!(assedio::stato(risposta.as_bytes()), Some(408), "{risposta}");
    assert!(risposta.contains("application/problem+json"), "{risposta}");
    assert!(risposta.contains("richiesta.corpo_scaduto"), "{risposta}");
}

#[tokio::test]
async fn oltre_il_limite_di_connessioni_rifiuta_subito_e_poi_si_riprende() {
    let b = avvia(limiti(8)).await;
    // A client already served keeps working while the cap is reached.
    let mut servito = TcpStream::connect(b.indirizzo).await.unwrap();
    assert_eq!(assedio::get_su(&mut servito, "/salute").await, Some(200));
    let folla = assedio::folla(b.indirizzo, 7).await;
    assert_eq!(folla.len(), 7);
    // Let the listener accept them all.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (stato, tempo) = assedio::get(b.indirizzo, "/salute", Duration::from_secs(2)).await;
    assert_eq!(stato, Some(503), "rifiuto esplicito oltre il limite");
    assert!(tempo < Duration::from_millis(200), "rifiuto in {tempo:?}");
    assert_eq!(assedio::get_su(&mut servito, "/salute").await, Some(200));
    drop(folla);
    drop(servito);
    // The slots come back as soon as the sockets close.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (stato, _) = assedio::get(b.indirizzo, "/salute", Duration::from_secs(2)).await;
    assert_eq!(stato, Some(200));
}

#[tokio::test]
async fn i_posti_tornano_quando_scadono_le_connessioni_mute() {
    let b = avvia(limiti(4)).await;
    let _folla = assedio::folla(b.indirizzo, 4).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        assedio::get(b.indirizzo, "/salute", Duration::from_secs(2))
            .await
            .0,
        Some(503)
    );
    // The attacker does not let go, but its silent sockets time out.
    tokio::time::sleep(INTESTAZIONI + Duration::from_millis(300)).await;
    assert_eq!(
        assedio::get(b.indirizzo, "/salute", Duration::from_secs(2))
            .await
            .0,
        Some(200)
    );
}

#[tokio::test]
async fn durata_massima_della_connessione() {
    let b = avvia(Limits {
        max_lifetime: Some(Duration::from_millis(300)),
        header_read: Duration::from_secs(5),
        ..limiti(16)
    })
    .await;
    let mut s = TcpStream::connect(b.indirizzo).await.unwrap();
    assert_eq!(assedio::get_su(&mut s, "/salute").await, Some(200));
    let t = assedio::silenzio(s, Duration::from_secs(3)).await;
    assedio::circa(t, Duration::from_millis(250), "durata massima");
}

#[tokio::test]
async fn arresto_chiude_l_ascolto_e_le_connessioni_inattive() {
    let mut b = avvia(limiti(16)).await;
    let mut inattiva = TcpStream::connect(b.indirizzo).await.unwrap();
    assert_eq!(assedio::get_su(&mut inattiva, "/salute").await, Some(200));
    b.arresto.take().unwrap().send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(1), &mut b.server)
        .await
        .expect("arresto entro un secondo")
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(b.indirizzo).await.is_err());
    assert!(
        assedio::silenzio(inattiva, Duration::from_millis(500))
            .await
            .is_some()
    );
}

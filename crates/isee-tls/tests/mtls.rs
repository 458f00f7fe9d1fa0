//! Real handshakes on 127.0.0.1: isee-http's client, trusting only the test CA, talks
//! to `servi_tls`, and a tiny axum handler reports the `InfoConnessione` it sees.

use axum::Router;
use axum::extract::{Extension, State};
use axum::routing::get;
use isee_http::{Client, Connection, Tls};
use isee_tls::{
    Autorita, CertificatoRilasciato, EnteCertificato, InfoConnessione, Limits, config_server,
    servi_http, servi_tls_con,
};
use rustls::{AlertDescription, SupportedProtocolVersion};
use std::error::Error;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use time::OffsetDateTime;
use tokio::io::AsyncReadExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

type Errore = Box<dyn Error + Send + Sync>;

const VERSIONI: [&SupportedProtocolVersion; 2] = [&rustls::version::TLS13, &rustls::version::TLS12];

fn ravenna() -> EnteCertificato {
    EnteCertificato {
        codice_ipa: "c_h199".into(),
        codice_fiscale: "00354730392".into(),
        denominazione: "Comune di Ravenna".into(),
    }
}

/// Handler calls, to prove a refused client never reached the application.
#[derive(Clone, Default)]
struct Contatore(Arc<AtomicUsize>);

async fn chi_sono(
    State(contatore): State<Contatore>,
    Extension(info): Extension<InfoConnessione>,
) -> String {
    contatore.0.fetch_add(1, Ordering::SeqCst);
    let c = info.client.as_deref();
    format!(
        "tls={}\nindirizzo={}\nipa={}\ncf={}\nseriale={}\nimpronta={}\n",
        info.tls,
        info.indirizzo,
        c.and_then(|c| c.codice_ipa.as_deref()).unwrap_or("-"),
        c.and_then(|c| c.codice_fiscale.as_deref()).unwrap_or("-"),
        c.map_or("-", |c| c.seriale.as_str()),
        c.map_or("-", |c| c.impronta_sha256.as_str()),
    )
}

async fn lento(State(contatore): State<Contatore>) -> &'static str {
    contatore.0.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(500)).await;
    "fatto"
}

fn app(contatore: Contatore) -> Router {
    Router::new()
        .route("/chi", get(chi_sono))
        .route("/lento", get(lento))
        .route(
            "/eco",
            axum::routing::post(|b: axum::body::Bytes| async move { b }),
        )
        .with_state(contatore)
}

fn campo<'a>(corpo: &'a str, nome: &str) -> &'a str {
    corpo
        .lines()
        .find_map(|r| r.strip_prefix(nome)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("campo {nome} assente in {corpo}"))
}

struct Banco {
    _dir: TempDir,
    ca: Autorita,
    indirizzo: SocketAddr,
    contatore: Contatore,
    arresto: Option<oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
}

impl Banco {
    /// A CA, a server certificate for 127.0.0.1, and `servi_tls` on an ephemeral port.
    /// `prepara` runs on the CA before the CRL is read (to revoke something).
    async fn avvia(prepara: impl FnOnce(&Autorita), tempi: Limits) -> Banco {
        let dir = tempfile::tempdir().unwrap();
        let ca = Autorita::crea(dir.path(), "CA di prova").unwrap();
        prepara(&ca);
        let server = ca
            .rilascia_server(&["127.0.0.1".into(), "localhost".into()], 30)
            .unwrap();
        let crl = ca.crl_pem().unwrap();
        let tls = config_server(
            &server.cert_pem,
            &server.chiave_pem,
            ca.cert_pem(),
            Some(&crl),
        )
        .unwrap();
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let indirizzo = listener.local_addr().unwrap();
        let contatore = Contatore::default();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(servi_tls_con(
            listener,
            tls,
            app(contatore.clone()),
            async move {
                let _ = rx.await;
            },
            tempi,
        ));
        Banco {
            _dir: dir,
            ca,
            indirizzo,
            contatore,
            arresto: Some(tx),
            server,
        }
    }

    fn chiamate(&self) -> usize {
        self.contatore.0.load(Ordering::SeqCst)
    }

    fn client(
        &self,
        cert: Option<&CertificatoRilasciato>,
        versione: &'static SupportedProtocolVersion,
    ) -> Client {
        config_client(self.ca.cert_pem(), cert, versione)
    }
}

/// A client that trusts only `ca_pem` for the server certificate: no system roots, and
/// certainly no "accept anything" verifier.
fn config_client(
    ca_pem: &str,
    cert: Option<&CertificatoRilasciato>,
    versione: &'static SupportedProtocolVersion,
) -> Client {
    let mut tls = Tls::builder()
        .trust_pem(ca_pem)
        .unwrap()
        .protocol_versions(&[versione]);
    if let Some(c) = cert {
        tls = tls.client_certificate(&c.cert_pem, &c.chiave_pem).unwrap();
    }
    Client::https(tls.build().unwrap())
}

async fn connetti(indirizzo: SocketAddr, client: Client) -> Result<Connection, Errore> {
    Ok(client.connect(indirizzo).await?)
}

async fn richiesta(c: &mut Connection, percorso: &str) -> Result<String, Errore> {
    let risposta = c.get(percorso).await?;
    assert_eq!(risposta.status(), 200);
    Ok(String::from_utf8(risposta.into_body().to_vec())?)
}

/// The TLS alert the client received, looked for along the error's source chain
/// (tokio-rustls wraps `rustls::Error` in an `io::Error`, hyper wraps that).
fn alert(errore: &(dyn Error + 'static)) -> Option<AlertDescription> {
    let mut corrente = Some(errore);
    while let Some(e) = corrente {
        let rustls_err = e.downcast_ref::<rustls::Error>().or_else(|| {
            e.downcast_ref::<std::io::Error>()?
                .get_ref()?
                .downcast_ref::<rustls::Error>()
        });
        if let Some(rustls::Error::AlertReceived(a)) = rustls_err {
            return Some(*a);
        }
        corrente = e.source();
    }
    None
}

/// Connects and asks `/chi`; the server must refuse the handshake with `atteso`. With
/// TLS 1.3 the client finishes its side of the handshake before the server has read the
/// client certificate, so the refusal may only arrive with the first response.
async fn deve_essere_rifiutato(banco: &Banco, client: Client, atteso: AlertDescription) {
    let ricevuto = match connetti(banco.indirizzo, client).await {
        Err(e) => alert(&*e),
        Ok(mut c) => match richiesta(&mut c, "/chi").await {
            Ok(corpo) => panic!("servito invece che rifiutato: {corpo}"),
            Err(e) => alert(&*e).or(match c.closed().await {
                Err(e) => alert(&e),
                Ok(()) => None,
            }),
        },
    };
    assert_eq!(ricevuto, Some(atteso));
    assert_eq!(
        banco.chiamate(),
        0,
        "il gestore non doveva essere raggiunto"
    );
}

#[tokio::test]
async fn client_con_certificato_della_ca_e_identificato() {
    let banco = Banco::avvia(|_| {}, Limits::default()).await;
    let cert = banco.ca.rilascia_client(&ravenna(), 365).unwrap();
    for versione in VERSIONI {
        let mut c = connetti(banco.indirizzo, banco.client(Some(&cert), versione))
            .await
            .unwrap();
        let corpo = richiesta(&mut c, "/chi").await.unwrap();
        assert_eq!(campo(&corpo, "tls"), "true");
        assert_eq!(campo(&corpo, "indirizzo"), c.local_addr().to_string());
        assert_eq!(campo(&corpo, "ipa"), "c_h199");
        assert_eq!(campo(&corpo, "cf"), "00354730392");
        assert_eq!(campo(&corpo, "seriale"), cert.seriale);
        assert_eq!(campo(&corpo, "impronta"), cert.impronta_sha256);
    }
}

#[tokio::test]
async fn client_senza_certificato_e_servito_senza_identita() {
    let banco = Banco::avvia(|_| {}, Limits::default()).await;
    for versione in VERSIONI {
        let mut c = connetti(banco.indirizzo, banco.client(None, versione))
            .await
            .unwrap();
        let corpo = richiesta(&mut c, "/chi").await.unwrap();
        assert_eq!(campo(&corpo, "tls"), "true");
        assert_eq!(campo(&corpo, "ipa"), "-");
        assert_eq!(campo(&corpo, "seriale"), "-");
    }
}

#[tokio::test]
async fn certificato_di_un_altra_ca_e_rifiutato() {
    let banco = Banco::avvia(|_| {}, Limits::default()).await;
    let altra_dir = tempfile::tempdir().unwrap();
    let altra = Autorita::crea(altra_dir.path(), "Altra CA").unwrap();
    // Same ente, same subject: only the issuer differs.
    let cert = altra.rilascia_client(&ravenna(), 365).unwrap();
    for versione in VERSIONI {
        deve_essere_rifiutato(
            &banco,
            banco.client(Some(&cert), versione),
            AlertDescription::UnknownCA,
        )
        .await;
    }
}

#[tokio::test]
async fn certificato_scaduto_e_rifiutato() {
    let banco = Banco::avvia(|_| {}, Limits::default()).await;
    let adesso = OffsetDateTime::now_utc();
    let cert = banco
        .ca
        .rilascia_client_periodo(
            &ravenna(),
            adesso - time::Duration::days(30),
            adesso - time::Duration::days(1),
        )
        .unwrap();
    for versione in VERSIONI {
        deve_essere_rifiutato(
            &banco,
            banco.client(Some(&cert), versione),
            AlertDescription::CertificateExpired,
        )
        .await;
    }
}

#[tokio::test]
async fn certificato_revocato_e_rifiutato_gli_altri_no() {
    let revocato = std::sync::Mutex::new(None);
    let banco = Banco::avvia(
        |ca| {
            let c = ca.rilascia_client(&ravenna(), 365).unwrap();
            ca.revoca(&c.seriale).unwrap();
            *revocato.lock().unwrap() = Some(c);
        },
        Limits::default(),
    )
    .await;
    let revocato = revocato.into_inner().unwrap().unwrap();
    for versione in VERSIONI {
        deve_essere_rifiutato(
            &banco,
            banco.client(Some(&revocato), versione),
            AlertDescription::CertificateRevoked,
        )
        .await;
    }
    // Issued after the CRL was signed and not in it: the CRL is authoritative for it, and
    // it is not listed, so it passes.
    let valido = banco.ca.rilascia_client(&ravenna(), 365).unwrap();
    let mut c = connetti(
        banco.indirizzo,
        banco.client(Some(&valido), &rustls::version::TLS13),
    )
    .await
    .unwrap();
    let corpo = richiesta(&mut c, "/chi").await.unwrap();
    assert_eq!(campo(&corpo, "seriale"), valido.seriale);
}

#[tokio::test]
async fn certificato_server_usato_come_client_e_rifiutato() {
    let banco = Banco::avvia(|_| {}, Limits::default()).await;
    // Same CA, valid, but EKU serverAuth only.
    let cert = banco
        .ca
        .rilascia_server(&["comune.esempio.it".into()], 30)
        .unwrap();
    for versione in VERSIONI {
        deve_essere_rifiutato(
            &banco,
            banco.client(Some(&cert), versione),
            AlertDescription::UnsupportedCertificate,
        )
        .await;
    }
}

#[tokio::test]
async fn keep_alive_due_richieste_sulla_stessa_connessione() {
    let banco = Banco::avvia(|_| {}, Limits::default()).await;
    let cert = banco.ca.rilascia_client(&ravenna(), 365).unwrap();
    let mut c = connetti(
        banco.indirizzo,
        banco.client(Some(&cert), &rustls::version::TLS13),
    )
    .await
    .unwrap();
    let primo = richiesta(&mut c, "/chi").await.unwrap();
    let secondo = richiesta(&mut c, "/chi").await.unwrap();
    assert_eq!(primo, secondo);
    assert_eq!(campo(&secondo, "indirizzo"), c.local_addr().to_string());
    assert_eq!(campo(&secondo, "ipa"), "c_h199");
    assert!(!c.is_closed(), "la connessione deve restare aperta");
    assert_eq!(banco.chiamate(), 2);
}

#[tokio::test]
async fn sessione_ripresa_conserva_l_identita() {
    let banco = Banco::avvia(|_| {}, Limits::default()).await;
    let cert = banco.ca.rilascia_client(&ravenna(), 365).unwrap();
    for versione in VERSIONI {
        // One client configuration, hence one session cache, for both connections.
        let config = banco.client(Some(&cert), versione);
        let mut prima = connetti(banco.indirizzo, config.clone()).await.unwrap();
        richiesta(&mut prima, "/chi").await.unwrap();
        let mut seconda = connetti(banco.indirizzo, config).await.unwrap();
        assert!(!prima.is_resumed());
        assert!(
            seconda.is_resumed(),
            "la seconda connessione doveva riprendere la sessione"
        );
        let corpo = richiesta(&mut seconda, "/chi").await.unwrap();
        assert_eq!(campo(&corpo, "ipa"), "c_h199");
        assert_eq!(campo(&corpo, "seriale"), cert.seriale);
    }
}

#[tokio::test]
async fn sessione_ripresa_con_certificato_ormai_scaduto_e_chiusa() {
    let banco = Banco::avvia(|_| {}, Limits::default()).await;
    let adesso = OffsetDateTime::now_utc();
    let cert = banco
        .ca
        .rilascia_client_periodo(
            &ravenna(),
            adesso - time::Duration::days(1),
            adesso + time::Duration::seconds(2),
        )
        .unwrap();
    let config = banco.client(Some(&cert), &rustls::version::TLS13);
    let mut prima = connetti(banco.indirizzo, config.clone()).await.unwrap();
    richiesta(&mut prima, "/chi").await.unwrap();
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let mut seconda = connetti(banco.indirizzo, config).await.unwrap();
    // rustls resumes without looking at the certificate again; the listener does.
    assert!(seconda.is_resumed());
    assert!(richiesta(&mut seconda, "/chi").await.is_err());
    assert_eq!(banco.chiamate(), 1);
}

#[tokio::test]
async fn arresto_ordinato_completa_le_richieste_in_corso() {
    let mut banco = Banco::avvia(|_| {}, Limits::default()).await;
    let cert = banco.ca.rilascia_client(&ravenna(), 365).unwrap();
    let config = banco.client(Some(&cert), &rustls::version::TLS13);
    let mut c = connetti(banco.indirizzo, config.clone()).await.unwrap();
    // An idle keep-alive connection must not hold the shutdown until the timeout.
    let mut inattiva = connetti(banco.indirizzo, config.clone()).await.unwrap();
    richiesta(&mut inattiva, "/chi").await.unwrap();

    let in_corso = tokio::spawn(async move { richiesta(&mut c, "/lento").await });
    while banco.chiamate() < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let inizio = Instant::now();
    banco.arresto.take().unwrap().send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), &mut banco.server)
        .await
        .expect("il server doveva fermarsi")
        .unwrap()
        .unwrap();
    // The listener returned only after the 500 ms handler had finished…
    assert!(
        inizio.elapsed() >= Duration::from_millis(300),
        "{:?}",
        inizio.elapsed()
    );
    // …and its response reached the client.
    assert_eq!(in_corso.await.unwrap().unwrap(), "fatto");
    assert!(
        inattiva.closed().await.is_ok(),
        "chiusura pulita della connessione inattiva"
    );
    // Not accepting any more.
    assert!(connetti(banco.indirizzo, config).await.is_err());
}

#[tokio::test]
async fn arresto_limitato_dal_tempo_massimo() {
    let tempi = Limits {
        shutdown: Duration::from_millis(100),
        ..Limits::default()
    };
    let mut banco = Banco::avvia(|_| {}, tempi).await;
    let mut c = connetti(banco.indirizzo, banco.client(None, &rustls::version::TLS13))
        .await
        .unwrap();
    let _in_corso = tokio::spawn(async move { richiesta(&mut c, "/lento").await });
    while banco.chiamate() < 1 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let inizio = Instant::now();
    banco.arresto.take().unwrap().send(()).unwrap();
    (&mut banco.server).await.unwrap().unwrap();
    let durata = inizio.elapsed();
    // The handler sleeps 500 ms; the listener gave up after about 100.
    assert!(durata < Duration::from_millis(450), "{durata:?}");
}

#[tokio::test]
async fn handshake_lento_non_blocca_gli_altri_e_scade() {
    let tempi = Limits {
        handshake: Duration::from_millis(300),
        ..Limits::default()
    };
    let banco = Banco::avvia(|_| {}, tempi).await;
    // Opens a socket and never says a word.
    let mut muto = TcpStream::connect(banco.indirizzo).await.unwrap();
    let cert = banco.ca.rilascia_client(&ravenna(), 365).unwrap();
    let mut c = connetti(
        banco.indirizzo,
        banco.client(Some(&cert), &rustls::version::TLS13),
    )
    .await
    .unwrap();
    richiesta(&mut c, "/chi").await.unwrap();
    // The silent one is dropped once the handshake time is up.
    let mut buf = [0u8; 1];
    let letti = tokio::time::timeout(Duration::from_secs(3), muto.read(&mut buf))
        .await
        .expect("la connessione muta doveva essere chiusa");
    assert!(matches!(letti, Ok(0) | Err(_)), "{letti:?}");
}

#[tokio::test]
async fn http_in_chiaro_con_la_stessa_estensione() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let indirizzo = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(servi_http(
        listener,
        app(Contatore::default()),
        async move {
            let _ = rx.await;
        },
    ));
    let mut c = connetti(indirizzo, Client::http()).await.unwrap();
    let locale = c.local_addr();
    for _ in 0..2 {
        let corpo = richiesta(&mut c, "/chi").await.unwrap();
        assert_eq!(campo(&corpo, "tls"), "false");
        assert_eq!(campo(&corpo, "indirizzo"), locale.to_string());
        assert_eq!(campo(&corpo, "ipa"), "-");
    }
    tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// A raw TLS stream to the listener (no client certificate), for the attacks that a
/// well-behaved HTTP client cannot make.
async fn tls_grezzo(banco: &Banco) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    use rustls_pki_types::pem::PemObject as _;
    let mut radici = rustls::RootCertStore::empty();
    for c in rustls_pki_types::CertificateDer::pem_slice_iter(banco.ca.cert_pem().as_bytes()) {
        radici.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(radici)
    .with_no_client_auth();
    let tcp = TcpStream::connect(banco.indirizzo).await?;
    let nome = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(nome, tcp)
        .await
}

fn limiti_brevi(max_connections: usize) -> Limits {
    Limits {
        header_read: Duration::from_millis(400),
        body: Duration::from_millis(500),
        handshake: Duration::from_secs(5),
        max_connections,
        ..Limits::default()
    }
}

#[tokio::test]
async fn dopo_l_handshake_muti_lenti_e_corpi_fermi_sono_chiusi() {
    let banco = Banco::avvia(|_| {}, limiti_brevi(16)).await;
    let (muta, lenta, ferma) = tokio::join!(
        async {
            isee_prova::assedio::silenzio(tls_grezzo(&banco).await.unwrap(), Duration::from_secs(5))
                .await
        },
        async {
            isee_prova::assedio::slowloris(
                tls_grezzo(&banco).await.unwrap(),
                Duration::from_millis(50),
                Duration::from_secs(5),
            )
            .await
        },
        async {
            isee_prova::assedio::corpo_fermo(
                tls_grezzo(&banco).await.unwrap(),
                "/eco",
                "Content-Type: application/json\r\n",
                Duration::from_secs(5),
            )
            .await
        },
    );
    isee_prova::assedio::circa(muta, Duration::from_millis(400), "TLS muta");
    isee_prova::assedio::circa(lenta, Duration::from_millis(400), "slowloris su TLS");
    let (t, risposta) = ferma.expect("corpo fermo: connessione ancora aperta");
    isee_prova::assedio::circa(Some(t), Duration::from_millis(500), "corpo fermo su TLS");
    assert_eq!(
        isee_prova::assedio::stato(risposta.as_bytes()),
        Some(408),
        "{risposta}"
    );
}

#[tokio::test]
async fn al_limite_di_connessioni_tls_chiude_subito_e_poi_riprende() {
    let banco = Banco::avvia(|_| {}, limiti_brevi(4)).await;
    let cert = banco.ca.rilascia_client(&ravenna(), 365).unwrap();
    let mut servito = connetti(
        banco.indirizzo,
        banco.client(Some(&cert), &rustls::version::TLS13),
    )
    .await
    .unwrap();
    richiesta(&mut servito, "/chi").await.unwrap();
    // Three sockets that never start their handshake fill the cap.
    let folla = isee_prova::assedio::folla(banco.indirizzo, 3).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let inizio = Instant::now();
    assert!(tls_grezzo(&banco).await.is_err(), "oltre il limite: chiusa");
    assert!(
        inizio.elapsed() < Duration::from_millis(500),
        "{:?}",
        inizio.elapsed()
    );
    // The connection already served keeps working.
    richiesta(&mut servito, "/chi").await.unwrap();
    drop(folla);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut nuovo = connetti(
        banco.indirizzo,
        banco.client(Some(&cert), &rustls::version::TLS13),
    )
    .await
    .unwrap();
    richiesta(&mut nuovo, "/chi").await.unwrap();
}

#[tokio::test]
async fn certificato_senza_eku_e_rifiutato() {
    let banco = Banco::avvia(|_| {}, Limits::default()).await;
    // Same CA, in date, the ente's SAN, but no extendedKeyUsage extension at all:
    // webpki alone would take it as good for any purpose.
    let chiave_ca = rcgen::KeyPair::from_pem(
        &std::fs::read_to_string(banco.ca.dir().join(isee_tls::autorita::FILE_CHIAVE_CA)).unwrap(),
    )
    .unwrap();
    let emittente = rcgen::Issuer::from_ca_cert_pem(banco.ca.cert_pem(), chiave_ca).unwrap();
    let chiave = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::default();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name
        .push(rcgen::DnType::CommonName, "Comune di Ravenna");
    p.subject_alt_names = vec![rcgen::SanType::URI("urn:ipa:c_h199".try_into().unwrap())];
    p.extended_key_usages = Vec::new();
    let adesso = OffsetDateTime::now_utc();
    p.not_before = adesso - time::Duration::hours(1);
    let scadenza = adesso + time::Duration::days(30);
    p.not_after = scadenza;
    let cert = p.signed_by(&chiave, &emittente).unwrap();
    let rilasciato = CertificatoRilasciato {
        cert_pem: cert.pem(),
        chiave_pem: chiave.serialize_pem(),
        seriale: String::new(),
        impronta_sha256: String::new(),
        scadenza,
    };
    for versione in VERSIONI {
        deve_essere_rifiutato(
            &banco,
            banco.client(Some(&rilasciato), versione),
            AlertDescription::UnsupportedCertificate,
        )
        .await;
    }
    // The same CA's regular client certificate still passes.
    let buono = banco.ca.rilascia_client(&ravenna(), 30).unwrap();
    let mut c = connetti(banco.indirizzo, banco.client(Some(&buono), VERSIONI[0]))
        .await
        .unwrap();
    let corpo = richiesta(&mut c, "/chi").await.unwrap();
    assert_eq!(campo(&corpo, "ipa"), "c_h199");
}

//! `isee serve` and `isee demo`: the command-line entry points of the service. Each
//! builds its own tokio runtime, so the `isee` binary stays synchronous. `isee demo`
//! also runs the PDND consultation flow on one machine: a sandbox
//! (`isee_consultazione::sandbox`), the local PDND and the e-services, checked once
//! end to end before the commands are printed.

use crate::api::{Limiti, Servizio, app};
use crate::chiavi::Clienti;
use anyhow::{Context, Result};
use isee_registro::store::sql::Configurazione;
use isee_registro::{Operazione, PresentazioneDsu, Registro, StoreSql};
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// `isee serve`: the REST service of the DSU register.
#[derive(clap::Args, Clone, Debug)]
pub struct ArgsServe {
    /// Base dati: un file SQLite (creato se manca), sqlite://… o postgres://utente@host/db
    #[arg(long, default_value = "isee-registro.db")]
    pub db: String,
    /// Indirizzo di ascolto (solo locale, salvo scelta esplicita)
    #[arg(long, default_value = "127.0.0.1")]
    pub indirizzo: IpAddr,
    /// Porta di ascolto (0: una porta libera, stampata all'avvio)
    #[arg(long, short, default_value_t = 8080)]
    pub porta: u16,
    /// File TOML delle chiavi API: [[client]] id = "…", chiave_sha256 = "…"
    #[arg(long)]
    pub chiavi: Option<PathBuf>,
    /// Dimensione massima del corpo di una richiesta, in KiB
    #[arg(long, default_value_t = 512)]
    pub limite_corpo_kib: usize,
    /// Tempo massimo di una richiesta, in secondi
    #[arg(long, default_value_t = 10)]
    pub timeout_s: u64,
    /// Connessioni alla base dati
    #[arg(long, default_value_t = 8)]
    pub connessioni: u32,
    /// PostgreSQL: schema di lavoro (creato se manca)
    #[arg(long)]
    pub schema_pg: Option<String>,
    /// Thread di lavoro del servizio (predefinito: uno per core)
    #[arg(long)]
    pub thread: Option<usize>,
}

/// `isee demo`: a fresh register with a generated population, served locally, and
/// the consultation e-services with a local PDND over it.
#[derive(clap::Args, Clone, Debug)]
pub struct ArgsDemo {
    /// Porta del registro; le e-service di consultazione usano porta+363 e il PDND locale porta+364 (0: porte libere)
    #[arg(long, short, default_value_t = 8080)]
    pub porta: u16,
    /// Nuclei generati e presentati prima dell'avvio
    #[arg(long, default_value_t = 300)]
    pub nuclei: u64,
    /// Seme della popolazione (stesso seme, stesse DSU)
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Directory della demo (predefinita: una nuova directory temporanea); demo.db e consultazione/ vi sono ricreati
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`). Every line emitted while
/// serving a request carries the request's span, hence its id.
fn telemetria() {
    let filtro = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filtro)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn runtime(thread: Option<usize>) -> Result<tokio::runtime::Runtime> {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = thread {
        b.worker_threads(n.max(1));
    }
    b.enable_all().build().context("avvio del runtime")
}

/// A path becomes a `sqlite://` URL; URLs pass through.
pub fn url_db(db: &str) -> String {
    if db.starts_with("sqlite:") || db.starts_with("postgres://") || db.starts_with("postgresql://")
    {
        db.to_string()
    } else {
        format!("sqlite://{db}")
    }
}

async fn connetti(db: &str, connessioni: u32, schema: Option<String>) -> Result<StoreSql> {
    let mut cfg = Configurazione::new(&url_db(db));
    cfg.max_connessioni = connessioni;
    cfg.schema = schema;
    StoreSql::connetti_con(cfg).await.with_context(|| {
        format!(
            "apertura della base dati {cfg_dbg}",
            cfg_dbg = db_senza_password(db)
        )
    })
}

fn db_senza_password(db: &str) -> String {
    match (db.find("://"), db.rfind('@')) {
        (Some(i), Some(j)) if j > i => format!("{}://***{}", &db[..i], &db[j..]),
        _ => db.to_string(),
    }
}

async fn ascolta(servizio: Arc<Servizio>, limiti: &Limiti, addr: SocketAddr) -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("ascolto su {addr}"))?;
    let locale = listener.local_addr()?;
    let router = app(servizio, limiti);
    tokio::spawn(async move {
        let fine = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        if let Err(e) = axum::serve(listener, router)
            .with_graceful_shutdown(fine)
            .await
        {
            tracing::error!(errore = %e, "servizio interrotto");
        }
        std::process::exit(0);
    });
    Ok(locale)
}

/// `isee serve`.
pub fn serve(a: ArgsServe) -> Result<ExitCode> {
    telemetria();
    let clienti = match &a.chiavi {
        Some(p) => {
            let testo = std::fs::read_to_string(p)
                .with_context(|| format!("lettura di {}", p.display()))?;
            Clienti::da_toml(&testo)
                .with_context(|| format!("file delle chiavi {}", p.display()))?
        }
        None => Clienti::default(),
    };
    if clienti.is_empty() {
        tracing::warn!(
            "nessuna chiave API configurata (--chiavi): ogni richiesta a /api/v1 avrà risposta 401"
        );
    }
    let limiti = Limiti {
        corpo_max: a.limite_corpo_kib.saturating_mul(1024),
        timeout: Duration::from_secs(a.timeout_s.max(1)),
    };
    runtime(a.thread)?.block_on(async move {
        let store = connetti(&a.db, a.connessioni, a.schema_pg.clone()).await?;
        let servizio = Arc::new(Servizio::new(Registro::new(store), clienti));
        let locale = ascolta(servizio, &limiti, SocketAddr::new(a.indirizzo, a.porta)).await?;
        // Tests and scripts read this line to learn the port.
        println!("isee: in ascolto su http://{locale}");
        std::io::stdout().flush()?;
        tracing::info!(indirizzo = %locale, db = %db_senza_password(&a.db), "servizio avviato");
        std::future::pending::<()>().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// The demo's consultation service and local PDND listen on the register's port plus
/// these offsets: 8080 → 8443 and 8444.
const SCARTO_CONSULTAZIONE: u16 = 363;
const SCARTO_PDND: u16 = 364;

/// The consumer the demo's self-check and printed commands act as: a capoluogo with
/// a client certificate, allowed on every e-service.
const ENTE_DEMO: &str = "c_h199";
/// The Belfiore code of Ravenna, among the demo's comuni.
const BELFIORE_RAVENNA: &str = "H199";
/// The benefit and the ente's application the demo's consultations are for.
const PRESTAZIONE_DEMO: &str = "A1.07";
const DOMANDA_DEMO: &str = "DEMO-NIDO-2026-0001";
const PERCORSO_REST: &str = "/rest/v1/indicatore/indicatore";
const PERCORSO_SOAP: &str = "/pdnd/soap/ConsultazioneISEE/v2/ConsultazioneIndicatore";

/// The first DSU filed: what the printed commands and the self-check look up.
struct Esempio {
    protocollo: String,
    cf: String,
    data: chrono::NaiveDate,
}

/// The running consultation side of the demo.
struct Consultazione {
    sandbox: isee_consultazione::sandbox::Sandbox,
    servizio: SocketAddr,
    pdnd: SocketAddr,
    /// The SOAP request for the example's declarant, written in the sandbox.
    busta: Option<PathBuf>,
}

/// The ports of the consultation service and of the local PDND: the register's port
/// plus [`SCARTO_CONSULTAZIONE`] and [`SCARTO_PDND`]; with port 0, two free ports.
fn porte_consultazione(porta: u16) -> Result<(u16, u16)> {
    if porta == 0 {
        // Both held at once, so that they differ.
        let libera = || {
            std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
                .context("ricerca di una porta libera")
        };
        let (a, b) = (libera()?, libera()?);
        return Ok((a.local_addr()?.port(), b.local_addr()?.port()));
    }
    let derivata = |scarto: u16| {
        porta.checked_add(scarto).with_context(|| {
            format!("porta {porta} troppo alta: la demo usa anche la porta {porta}+{scarto}")
        })
    };
    Ok((derivata(SCARTO_CONSULTAZIONE)?, derivata(SCARTO_PDND)?))
}

/// `isee demo`.
pub fn demo(a: ArgsDemo) -> Result<ExitCode> {
    telemetria();
    let dir = match &a.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("isee-demo-{}", uuid::Uuid::new_v4().simple())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creazione di {}", dir.display()))?;
    let db = dir.join("demo.db");
    for f in ["demo.db", "demo.db-wal", "demo.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let locale_ip = IpAddr::from([127, 0, 0, 1]);
    let chiave = format!("demo-{}", uuid::Uuid::new_v4().simple());
    let clienti = Clienti::default().con_chiave("demo", &chiave);
    let imp = isee_genera::Impostazioni {
        seed: a.seed,
        anno: 2026,
        comuni: vec![
            BELFIORE_RAVENNA.into(),
            "H183".into(),
            "E885".into(),
            "H501".into(),
        ],
    };
    runtime(None)?.block_on(async move {
        let store = connetti(&db.display().to_string(), 4, None).await?;
        let registro = Registro::new(store);
        let (mut ok, mut rifiutate, mut a_ravenna) = (0u64, 0u64, 0u64);
        let mut esempio: Option<Esempio> = None;
        for i in 0..a.nuclei {
            let dsu = isee_genera::nucleo(&imp, i);
            let cf = dsu.dichiarante().map(|c| c.codice_fiscale);
            let ravenna = dsu.abitazione.codice_comune.as_ref().map(|c| c.as_str())
                == Some(BELFIORE_RAVENNA);
            let r = registro
                .presenta(PresentazioneDsu {
                    dsu_json: serde_json::to_string(&dsu)?,
                    chiave_idempotenza: format!("demo-{i}"),
                    mittente: "demo".into(),
                    protocollo_mittente: Some(format!("DEMO-{i:06}")),
                    operazione: Operazione::Nuova,
                })
                .await;
            match r {
                Ok(r) => {
                    ok += 1;
                    a_ravenna += u64::from(ravenna);
                    if esempio.is_none() {
                        esempio = cf.map(|cf| Esempio {
                            protocollo: r.protocollo.to_string(),
                            cf: cf.as_str().to_string(),
                            data: r.data_presentazione,
                        });
                    }
                }
                Err(e) => {
                    rifiutate += 1;
                    tracing::warn!(nucleo = i, codice = e.codice(), "DSU generata rifiutata");
                }
            }
        }
        let nuova = dir.join("dsu-esempio.json");
        std::fs::write(&nuova, serde_json::to_string_pretty(&isee_genera::nucleo(&imp, a.nuclei))?)?;
        let servizio = Arc::new(Servizio::new(registro, clienti));
        let locale = ascolta(
            servizio,
            &Limiti::default(),
            SocketAddr::new(locale_ip, a.porta),
        )
        .await?;

        // The consultation side: a failure there is reported, and the register is
        // served all the same.
        let consultazione = avvia_consultazione(&dir, &db, a.porta, esempio.as_ref()).await;
        let verificata = match (&consultazione, &esempio) {
            (Ok(c), Some(e)) => Some(verifica(c, e).await),
            _ => None,
        };

        let u = format!("http://{locale}");
        let mut o = std::io::stdout().lock();
        writeln!(
            o,
            "isee demo: {ok} DSU presentate ({rifiutate} rifiutate; {a_ravenna} di nuclei residenti a Ravenna) in {}",
            db.display()
        )?;
        writeln!(o, "isee: in ascolto su {u}")?;
        writeln!(o, "\nChiave API del client «demo» (valida solo per questa demo):")?;
        writeln!(o, "  export ISEE_CHIAVE={chiave}\n")?;
        writeln!(o, "Prove (Ctrl-C per fermare il servizio):")?;
        writeln!(o, "  curl -s {u}/salute")?;
        writeln!(o, "  curl -s {u}/api/v1/openapi.json | head")?;
        if let Some(e) = &esempio {
            let (p, cf, data) = (&e.protocollo, &e.cf, e.data);
            writeln!(o, "  curl -s -H \"Authorization: Bearer $ISEE_CHIAVE\" {u}/api/v1/dsu/{p}")?;
            writeln!(
                o,
                "  curl -s -H \"Authorization: Bearer $ISEE_CHIAVE\" -o attestazione.html {u}/api/v1/dsu/{p}/attestazione.html"
            )?;
            writeln!(
                o,
                "  curl -s -H \"Authorization: Bearer $ISEE_CHIAVE\" -H 'Content-Type: application/json' -d '{{\"codice_fiscale\":\"{cf}\",\"data\":\"{data}\"}}' {u}/api/v1/ricerche/dsu-valida",
            )?;
            writeln!(
                o,
                "  curl -s -H \"Authorization: Bearer $ISEE_CHIAVE\" -H 'Content-Type: application/json' -d '{{\"codice_fiscale\":\"{cf}\"}}' {u}/api/v1/ricerche/storico",
            )?;
        }
        writeln!(
            o,
            "  curl -s -H \"Authorization: Bearer $ISEE_CHIAVE\" {u}/api/v1/dsu?protocollo_mittente=DEMO-000001"
        )?;
        writeln!(
            o,
            "  curl -s -H \"Authorization: Bearer $ISEE_CHIAVE\" -H 'Content-Type: application/json' -H 'Idempotency-Key: prova-1' --data-binary @{} {u}/api/v1/dsu",
            nuova.display()
        )?;
        match &consultazione {
            Ok(c) => stampa_consultazione(&mut o, c, esempio.as_ref(), verificata)?,
            Err(e) => writeln!(
                o,
                "\nConsultazione ISEE via PDND: NON avviata ({e:#}); il registro resta in servizio"
            )?,
        }
        o.flush()?;
        drop(o);
        std::future::pending::<()>().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// Creates the sandbox in `<dir>/consultazione` (replacing the previous run's), starts
/// the local PDND and the consultation service on the ports derived from the
/// register's `porta` (called once the register listens, so that with port 0 the
/// free ports chosen here cannot be the register's), and writes the example SOAP
/// request.
async fn avvia_consultazione(
    dir: &std::path::Path,
    db: &std::path::Path,
    porta: u16,
    esempio: Option<&Esempio>,
) -> Result<Consultazione> {
    use isee_consultazione::sandbox::{OpzioniSandbox, prepara};
    let (porta_servizio, porta_pdnd) = porte_consultazione(porta)?;
    let locale = IpAddr::from([127, 0, 0, 1]);
    let (servizio, pdnd) = (
        SocketAddr::new(locale, porta_servizio),
        SocketAddr::new(locale, porta_pdnd),
    );
    let dir_c = dir.join("consultazione");
    if dir_c.exists() {
        std::fs::remove_dir_all(&dir_c)
            .with_context(|| format!("rimozione della sandbox precedente {}", dir_c.display()))?;
    }
    let sandbox = prepara(&OpzioniSandbox {
        dir: dir_c,
        db_registro: db.display().to_string(),
        indirizzo: servizio,
        tls: true,
        chiamate_giornaliere: 100_000,
    })
    .await
    .context("creazione della sandbox")?;

    // The local PDND: `servi` binds inside its task, so check the port first to
    // report a busy one here rather than in the log.
    drop(
        std::net::TcpListener::bind(pdnd)
            .with_context(|| format!("ascolto del PDND locale su {pdnd}"))?,
    );
    let dir_pdnd = sandbox.dir_pdnd.clone();
    tokio::spawn(async move {
        if let Err(e) = isee_pdnd::server::servi(&dir_pdnd, pdnd).await {
            tracing::error!(errore = %e, "PDND locale interrotto");
        }
    });
    let servizio = isee_consultazione::avvio::servi(sandbox.configurazione.clone(), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("avvio delle e-service di consultazione")?;
    let mut pronto = false;
    for _ in 0..250 {
        if tokio::net::TcpStream::connect(pdnd).await.is_ok() {
            pronto = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    anyhow::ensure!(pronto, "il PDND locale non risponde su {pdnd}");

    let busta = match esempio {
        Some(e) => {
            let p = sandbox.dir.join("richiesta-indicatore.xml");
            std::fs::write(&p, isee_soap::scrivi_richiesta(&richiesta_soap(e)))
                .with_context(|| format!("scrittura di {}", p.display()))?;
            Some(p)
        }
        None => None,
    };
    Ok(Consultazione {
        sandbox,
        servizio,
        pdnd,
        busta,
    })
}

/// The REST body of the example consultation.
fn corpo_rest(e: &Esempio) -> String {
    serde_json::json!({
        "ricerca": {"codice_fiscale": e.cf, "data_validita": e.data},
        "prestazione_da_erogare": PRESTAZIONE_DEMO,
        "protocollo_domanda_ente_erogatore": DOMANDA_DEMO,
    })
    .to_string()
}

/// The same consultation as a SOAP `ConsultazioneIndicatore` request.
fn richiesta_soap(e: &Esempio) -> isee_soap::RichiestaSoap {
    isee_soap::RichiestaSoap {
        operazione: isee_soap::Operazione::ConsultazioneIndicatore,
        identity: None,
        tipo_indicatore: Some(isee_soap::TipoIndicatore::Ordinario),
        codice_soglia: None,
        ricerca: isee_soap::Ricerca::Cf(isee_soap::RicercaCf {
            codice_fiscale: e.cf.clone(),
            data_validita: Some(e.data),
            domanda: isee_soap::DatiDomanda {
                prestazione: Some(PRESTAZIONE_DEMO.into()),
                protocollo_domanda: Some(DOMANDA_DEMO.into()),
                stato_domanda: None,
            },
        }),
    }
}

/// The client-assertion audience of the sandbox's PDND (the default of
/// `isee pdnd asserzione --aud`).
fn aud_asserzione() -> String {
    format!(
        "{}/client-assertion",
        isee_consultazione::sandbox::ISSUER_LOCALE
    )
}

/// The whole flow once, as the Comune di Ravenna: client assertion, voucher from the
/// local PDND, REST consultation over mutual TLS. Returns the line to print.
async fn verifica(c: &Consultazione, e: &Esempio) -> Result<String> {
    let leggi = |p: &std::path::Path| {
        std::fs::read_to_string(p).with_context(|| format!("lettura di {}", p.display()))
    };
    let f = c
        .sandbox
        .fruitore(ENTE_DEMO)
        .with_context(|| format!("{ENTE_DEMO} non è tra i fruitori della sandbox"))?;
    let finalita = f
        .finalita_per("indicatore")
        .context("nessuna finalità sull'e-service «indicatore»")?;
    let client_id = f.client_id.to_string();
    let chiave = isee_pdnd::jwk::ChiavePrivata::da_pem(&leggi(&f.chiave)?)?;
    let asserzione = isee_pdnd::asserzione::crea_asserzione(
        &chiave,
        &client_id,
        &finalita.to_string(),
        &aud_asserzione(),
        None,
        isee_pdnd::adesso_unix(),
        300,
    )?;
    let voucher = isee_pdnd::asserzione::richiedi_voucher(
        &format!("http://{}", c.pdnd),
        &client_id,
        &asserzione,
    )
    .await
    .context("voucher dal PDND locale")?;
    let (cert, chiave_cert) = f
        .certificato
        .as_ref()
        .context("il fruitore non ha un certificato client")?;
    let cliente = isee_consultazione::cliente::Cliente::tls(
        c.servizio,
        &leggi(&c.sandbox.ca.join("ca.pem"))?,
        Some((&leggi(cert)?, &leggi(chiave_cert)?)),
    )?;
    let mut conn = cliente.connetti().await?;
    let bearer = format!("Bearer {}", voucher.access_token);
    let (stato, corpo) = conn
        .post(
            PERCORSO_REST,
            &[
                ("authorization", bearer.as_str()),
                ("content-type", "application/json"),
            ],
            corpo_rest(e).into_bytes(),
        )
        .await
        .context("chiamata REST")?;
    let j: serde_json::Value = serde_json::from_slice(&corpo).with_context(|| {
        format!(
            "risposta HTTP {stato} non JSON: {}",
            String::from_utf8_lossy(&corpo)
        )
    })?;
    if stato != 200 {
        anyhow::bail!(
            "HTTP {stato} {}: {}",
            j["codice"].as_str().unwrap_or("?"),
            j["detail"].as_str().unwrap_or_default()
        );
    }
    let i = &j["indicatore"];
    let testo = |k: &str| i[k].as_str().unwrap_or("?").to_string();
    Ok(format!(
        "ISEE {} di {}: {} euro (DSU {}, richiesta n. {} del registro degli accessi)",
        testo("tipo_indicatore"),
        e.cf,
        importo_italiano(&testo("isee")),
        testo("protocollo_dsu"),
        j["id_richiesta"]
    ))
}

/// `12345.67` → `12.345,67`.
fn importo_italiano(s: &str) -> String {
    let (intero, decimali) = s.split_once('.').unwrap_or((s, "00"));
    let (segno, cifre) = match intero.strip_prefix('-') {
        Some(c) => ("-", c),
        None => ("", intero),
    };
    let mut gruppi = Vec::new();
    let mut resto = cifre;
    while resto.len() > 3 {
        let (testa, coda) = resto.split_at(resto.len() - 3);
        gruppi.push(coda);
        resto = testa;
    }
    gruppi.push(resto);
    gruppi.reverse();
    format!("{segno}{},{decimali}", gruppi.join("."))
}

/// A word for a POSIX shell: as is when it is safe, in single quotes otherwise.
fn shell(s: &str) -> String {
    let sicuro = |c: char| c.is_ascii_alphanumeric() || "/._-:=@+,%".contains(c);
    if !s.is_empty() && s.chars().all(sicuro) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// How to call this binary in the printed commands: `isee` when that is what the
/// `PATH` finds, its full path otherwise (e.g. under `cargo run`).
fn comando_isee() -> String {
    let Ok(questo) = std::env::current_exe().and_then(std::fs::canonicalize) else {
        return "isee".into();
    };
    let nel_path = std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p)
            .any(|d| std::fs::canonicalize(d.join("isee")).is_ok_and(|x| x == questo))
    });
    if nel_path {
        "isee".into()
    } else {
        shell(&questo.display().to_string())
    }
}

/// The "Consultazione ISEE via PDND" section: addresses, the self-check's outcome and
/// the commands that repeat the flow with `isee` and `curl`.
fn stampa_consultazione(
    o: &mut impl std::io::Write,
    c: &Consultazione,
    esempio: Option<&Esempio>,
    verificata: Option<Result<String>>,
) -> Result<()> {
    let s = &c.sandbox;
    let base = format!("https://{}", c.servizio);
    writeln!(
        o,
        "\nConsultazione ISEE via PDND (sandbox in {})",
        s.dir.display()
    )?;
    writeln!(o, "  PDND locale:  http://{}/token.oauth2", c.pdnd)?;
    writeln!(
        o,
        "  e-service:    {base} (SOAP e REST; certificato del server dalla CA della sandbox, ca/ca.pem)"
    )?;
    writeln!(o, "  WSDL:         {base}{PERCORSO_SOAP}?wsdl")?;
    writeln!(o, "  OpenAPI:      {base}/rest/v1/openapi.json")?;
    match verificata {
        Some(Ok(riga)) => writeln!(
            o,
            "  Verifica:     Comune di Ravenna via PDND e TLS reciproco: {riga}"
        )?,
        Some(Err(e)) => writeln!(
            o,
            "  Verifica NON riuscita (Comune di Ravenna, REST): {e:#}"
        )?,
        None => writeln!(o, "  Verifica non eseguita: nessuna DSU presentata")?,
    }
    let (Some(e), Some(f)) = (esempio, s.fruitore(ENTE_DEMO)) else {
        return Ok(());
    };
    let (Some(finalita), Some((cert, chiave_cert))) =
        (f.finalita_per("indicatore"), f.certificato.as_ref())
    else {
        return Ok(());
    };
    // Paths under the sandbox are printed relative to $S.
    let rel = |p: &std::path::Path| match p.strip_prefix(&s.dir) {
        Ok(r) => format!("\"$S/{}\"", r.display()),
        Err(_) => shell(&p.display().to_string()),
    };
    let isee = comando_isee();
    let tls = format!(
        "--cacert {} --cert {} --key {}",
        rel(&s.ca.join("ca.pem")),
        rel(cert),
        rel(chiave_cert)
    );
    writeln!(
        o,
        "\nIl flusso del {} ({}) con «isee» e curl: client assertion, voucher, consultazione (REST e SOAP), registro degli accessi",
        f.nome, f.codice_ipa
    )?;
    writeln!(o, "  S={}", shell(&s.dir.display().to_string()))?;
    writeln!(
        o,
        "  ASSERZIONE=$({isee} pdnd asserzione --client {} --chiave {} --finalita {finalita})",
        f.client_id,
        rel(&f.chiave)
    )?;
    writeln!(
        o,
        "  VOUCHER=$(curl -s http://{}/token.oauth2 -d grant_type=client_credentials -d client_id={} -d client_assertion_type={} -d \"client_assertion=$ASSERZIONE\" | sed -n 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/p')",
        c.pdnd,
        f.client_id,
        isee_pdnd::asserzione::TIPO_ASSERZIONE
    )?;
    writeln!(
        o,
        "  curl -s {tls} -H \"Authorization: Bearer $VOUCHER\" -H 'Content-Type: application/json' -d {} {base}{PERCORSO_REST}",
        shell(&corpo_rest(e))
    )?;
    if let Some(busta) = &c.busta {
        writeln!(
            o,
            "  curl -s {tls} -H \"Authorization: Bearer $VOUCHER\" -H 'Content-Type: text/xml; charset=utf-8' -H 'SOAPAction: \"{}\"' --data-binary @{} {base}{PERCORSO_SOAP}",
            isee_soap::Operazione::ConsultazioneIndicatore.soap_action(),
            rel(busta)
        )?;
    }
    let acc = &s.configurazione.accessi;
    let db_accessi = match std::path::Path::new(&acc.db).strip_prefix(&s.dir) {
        Ok(r) => format!("\"sqlite://$S/{}\"", r.display()),
        Err(_) => shell(&isee_consultazione::configurazione::url_db(&acc.db)),
    };
    writeln!(
        o,
        "  {isee} audit verifica --db {db_accessi} --chiave {}",
        rel(&acc.chiave)
    )?;
    Ok(())
}

//! `isee serve` and `isee demo`: the command-line entry points of the service. Each
//! builds its own tokio runtime, so the `isee` binary stays synchronous. `isee demo`
//! also runs the PDND consultation flow on one machine: a sandbox
//! (`isee_consultazione::sandbox`), the local PDND and the e-services, checked once
//! end to end before the commands are printed.

use crate::api::{Limiti, Servizio, app};
use crate::chiavi::Clienti;
use crate::demo_consultazione::{
    BELFIORE_RAVENNA, Esempio, avvia_consultazione, stampa_consultazione, verifica,
};
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
    isee_sql::url_da_percorso(db)
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
    isee_sql::senza_credenziali(db)
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
        let mut esempio_a_ravenna = false;
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
                    // The example is the first household resident in Ravenna (so the
                    // Residenti e-services answer for it too), else the first filed.
                    if esempio.is_none() || (ravenna && !esempio_a_ravenna) {
                        esempio_a_ravenna = ravenna;
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

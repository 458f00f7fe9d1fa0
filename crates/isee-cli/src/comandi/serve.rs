//! `isee serve`: the REST service of the DSU register (docs/API.md). The arguments
//! become an [`isee_server::Configurazione`]; the service is started by
//! [`isee_server::avvia`], on a runtime of its own, so this binary stays synchronous.

use anyhow::{Context, Result};
use isee_server::{Clienti, Limiti};
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
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
    // The help text above is for the terminal: `[[client]]` is TOML, not a doc link.
    #[allow(rustdoc::broken_intra_doc_links)]
    #[arg(long)]
    pub chiavi: Option<PathBuf>,
    /// Dimensione massima del corpo di una richiesta, in KiB
    #[arg(long, default_value_t = 512)]
    pub limite_corpo_kib: usize,
    /// Tempo massimo di una richiesta, in secondi
    #[arg(long, default_value_t = 10)]
    pub timeout_s: u64,
    #[command(flatten)]
    pub ascolto: ArgsAscolto,
    /// Connessioni alla base dati
    #[arg(long, default_value_t = 8)]
    pub connessioni: u32,
    /// PostgreSQL: schema di lavoro (creato se manca)
    #[arg(long)]
    pub schema_pg: Option<String>,
    /// Thread di lavoro del servizio (predefinito: uno per core)
    #[arg(long)]
    pub thread: Option<usize>,
    /// Indirizzo pubblico del portale dietro un proxy TLS (per esempio `https://isee.comune.example`):
    /// cookie `Secure` e `Origin` attesa; senza, il portale è servito in HTTP semplice
    #[arg(long, value_name = "URL")]
    pub origine_pubblica: Option<String>,
}

/// The listener's limits, shared by `isee serve` and `isee pdnd serve`
/// (docs/API.md, "Limiti degli ascoltatori").
#[derive(clap::Args, Clone, Debug)]
pub struct ArgsAscolto {
    /// Tempo massimo per le intestazioni di una richiesta, in millisecondi (è anche il
    /// tempo massimo di una connessione inattiva)
    #[arg(long, default_value_t = 10_000)]
    pub timeout_intestazioni_ms: u64,
    /// Tempo massimo per il corpo di una richiesta, in millisecondi
    #[arg(long, default_value_t = 30_000)]
    pub timeout_corpo_ms: u64,
    /// Connessioni aperte al massimo (predefinito: 1024, o meno se i descrittori di
    /// file del processo sono pochi)
    #[arg(long)]
    pub max_connessioni: Option<usize>,
}

impl ArgsAscolto {
    pub(crate) fn limiti(&self) -> isee_http::server::Limits {
        let predefiniti = isee_http::server::Limits::default();
        isee_http::server::Limits {
            header_read: Duration::from_millis(self.timeout_intestazioni_ms.max(1)),
            body: Duration::from_millis(self.timeout_corpo_ms.max(1)),
            max_connections: self
                .max_connessioni
                .unwrap_or(predefiniti.max_connections)
                .max(1),
            ..predefiniti
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`). Every line emitted while
/// serving a request carries the request's span, hence its id.
pub(crate) fn telemetria() {
    let filtro = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filtro)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
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
    let servizio = isee_server::avvia(isee_server::Configurazione {
        db: a.db,
        indirizzo: SocketAddr::new(a.indirizzo, a.porta),
        clienti,
        limiti: Limiti {
            corpo_max: a.limite_corpo_kib.saturating_mul(1024),
            timeout: Duration::from_secs(a.timeout_s.max(1)),
        },
        ascolto: a.ascolto.limiti(),
        connessioni: a.connessioni,
        schema_pg: a.schema_pg,
        thread: a.thread,
        portale: Some(portale(a.origine_pubblica.as_deref())?.router()),
    })?;
    // Tests and scripts read this line to learn the port.
    println!("isee: in ascolto su http://{}", servizio.indirizzo());
    println!("isee: portale su http://{}/", servizio.indirizzo());
    std::io::stdout().flush()?;
    servizio.attendi();
    Ok(ExitCode::SUCCESS)
}

/// The portal `serve` and `demo` start: behind a TLS proxy at its public origin (secure
/// cookies, that `Origin` only), or on plain HTTP at whatever host the browser used.
pub(crate) fn portale(origine_pubblica: Option<&str>) -> Result<isee_portale::Portale> {
    let p = isee_portale::Portale::new(isee_core::calcolo::Motore::predefinito())
        .context("generatore casuale del sistema non disponibile")?;
    Ok(match origine_pubblica {
        Some(o) => {
            anyhow::ensure!(
                o.starts_with("https://") || o.starts_with("http://"),
                "--origine-pubblica: un indirizzo http:// o https://, non «{o}»"
            );
            p.con_origine(o)
        }
        None => p.su_http(),
    })
}

//! `isee serve`: the REST service of the DSU register (docs/API.md). The arguments
//! become an [`isee_server::Configurazione`]; the service is started by
//! [`isee_server::avvia`], on a runtime of its own, so this binary stays synchronous.

use anyhow::{Context, Result};
use isee_registro::RegistroDsu;
use isee_server::{Clienti, Limiti};
use isee_utenti::{Regole, Segreto, Utenti};
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Default database connections on SQLite: one writer at a time anyway, readers beside.
const CONNESSIONI_SQLITE: u32 = 8;
/// Default on PostgreSQL: a filing holds its connection through its commit (the WAL
/// flush, and the standby's with synchronous replication), so the connections bound
/// the filings in flight. 8 gave 651 filings/s, 32 gave 1,137–1,509/s on this
/// machine (docs/PERFORMANCE.md); PostgreSQL's default `max_connections` is 100, so
/// three nodes fit.
const CONNESSIONI_PG: u32 = 32;

/// `isee serve`: the REST service of the DSU register.
#[derive(clap::Args, Clone, Debug)]
// Every option but `--reset-nel-log` can also come from an environment variable
// (`ISEE_DB`, `ISEE_PORTA`…, docs/DEPLOY.md): a command-line value wins over the
// variable, the variable over the default. The listener's limits (`ArgsAscolto`)
// are shared with `isee pdnd serve` and take no variable.
pub struct ArgsServe {
    /// Base dati: un file SQLite (creato se manca), sqlite://… o postgres://utente@host/db
    #[arg(
        long,
        env = "ISEE_DB",
        hide_env_values = true,
        default_value = "isee-registro.db"
    )]
    pub db: String,
    /// Indirizzo di ascolto (solo locale, salvo scelta esplicita)
    #[arg(
        long,
        env = "ISEE_INDIRIZZO",
        hide_env_values = true,
        default_value = "127.0.0.1"
    )]
    pub indirizzo: IpAddr,
    /// Porta di ascolto (0: una porta libera, stampata all'avvio)
    #[arg(
        long,
        short,
        env = "ISEE_PORTA",
        hide_env_values = true,
        default_value_t = 8080
    )]
    pub porta: u16,
    /// File TOML delle chiavi API: [[client]] id = "…", chiave_sha256 = "…"
    // The help text above is for the terminal: `[[client]]` is TOML, not a doc link.
    #[allow(rustdoc::broken_intra_doc_links)]
    #[arg(long, env = "ISEE_CHIAVI", hide_env_values = true)]
    pub chiavi: Option<PathBuf>,
    /// Dimensione massima del corpo di una richiesta, in KiB
    #[arg(
        long,
        env = "ISEE_LIMITE_CORPO_KIB",
        hide_env_values = true,
        default_value_t = 512
    )]
    pub limite_corpo_kib: usize,
    /// Tempo massimo di una richiesta, in secondi
    #[arg(
        long,
        env = "ISEE_TIMEOUT_S",
        hide_env_values = true,
        default_value_t = 10
    )]
    pub timeout_s: u64,
    #[command(flatten)]
    pub ascolto: ArgsAscolto,
    /// Connessioni alla base dati (predefinito: 8 su SQLite, che ha uno scrittore alla
    /// volta; 32 su PostgreSQL, dove ogni presentazione attende il commit sulla sua
    /// connessione: docs/PERFORMANCE.md)
    #[arg(long, env = "ISEE_CONNESSIONI", hide_env_values = true)]
    pub connessioni: Option<u32>,
    /// PostgreSQL: schema di lavoro (creato se manca)
    #[arg(long, env = "ISEE_SCHEMA_PG", hide_env_values = true)]
    pub schema_pg: Option<String>,
    /// Thread di lavoro del servizio (predefinito: uno per core)
    #[arg(long, env = "ISEE_THREAD", hide_env_values = true)]
    pub thread: Option<usize>,
    /// Indirizzo pubblico del portale dietro un proxy TLS (per esempio `https://isee.comune.example`):
    /// cookie `Secure` e `Origin` attesa; senza, il portale è servito in HTTP semplice
    #[arg(
        long,
        env = "ISEE_ORIGINE_PUBBLICA",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub origine_pubblica: Option<String>,
    /// File con la chiave del portale (64 cifre esadecimali, per esempio da `openssl rand -hex 32`):
    /// firma i token dei moduli e le chiavi del blocco degli accessi; senza, una chiave
    /// casuale a ogni avvio (i moduli aperti prima di un riavvio vanno ricaricati)
    #[arg(
        long,
        env = "ISEE_CHIAVE_PORTALE",
        hide_env_values = true,
        value_name = "FILE"
    )]
    pub chiave_portale: Option<PathBuf>,
    /// Scrive nel log i collegamenti per reimpostare la password. Solo per prove: chi
    /// legge il log può entrare negli account. Senza, la richiesta è registrata e il
    /// collegamento non lascia il processo (nessun canale di invio configurato)
    #[arg(long)]
    pub reset_nel_log: bool,
    /// File TOML con la sezione [oidc]: l'accesso con un gestore di identità OpenID Connect
    /// (SPID/CIE tramite un gateway OIDC, Keycloak…); senza, il pulsante non compare
    /// (docs/PORTALE.md, "Accesso con OpenID Connect")
    #[allow(rustdoc::broken_intra_doc_links)]
    #[arg(long, env = "ISEE_OIDC", hide_env_values = true, value_name = "FILE")]
    pub oidc: Option<PathBuf>,
    #[command(flatten)]
    pub eventi: ArgsEventi,
}

/// Where the register's events go (docs/EVENTI.md).
#[derive(clap::Args, Clone, Debug)]
pub struct ArgsEventi {
    /// Server NATS con JetStream (per esempio `nats://127.0.0.1:4222`): questo nodo
    /// pubblica gli eventi del registro e ne consuma le notifiche; senza, gli eventi
    /// restano nella coda della base dati (docs/EVENTI.md)
    #[arg(long, env = "ISEE_NATS", hide_env_values = true, value_name = "URL")]
    pub nats: Option<String>,
    /// Nome del flusso JetStream degli eventi
    #[arg(
        long,
        env = "ISEE_NATS_FLUSSO",
        hide_env_values = true,
        default_value = "ISEE_EVENTI"
    )]
    pub nats_flusso: String,
}

/// The publisher's settings: the defaults, the stream `flusso`, and a node name made
/// of the host and the process id (it labels this node's claims on outbox rows).
pub(crate) fn impostazioni_eventi(flusso: &str) -> isee_eventi::Impostazioni {
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    isee_eventi::Impostazioni {
        flusso: flusso.to_string(),
        nodo: format!("{}-{}", host.trim(), std::process::id()),
        ..Default::default()
    }
}

impl ArgsEventi {
    fn config(&self) -> Option<isee_server::ConfigEventi> {
        self.nats.as_ref().map(|nats| isee_server::ConfigEventi {
            nats: nats.clone(),
            impostazioni: impostazioni_eventi(&self.nats_flusso),
        })
    }
}

/// The `[oidc]` section of `isee serve --oidc FILE`.
#[derive(serde::Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct FileOidc {
    oidc: SezioneOidc,
}

#[derive(serde::Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct SezioneOidc {
    issuer: String,
    client_id: String,
    /// A file holding the client's secret (surrounding blanks ignored)…
    client_secret_file: Option<PathBuf>,
    /// …or the name of the environment variable holding it.
    client_secret_env: Option<String>,
    redirect_uri: String,
    scope: Option<Vec<String>>,
    claim_codice_fiscale: Option<String>,
    etichetta: Option<String>,
    /// `client_secret_basic` (default) or `client_secret_post`.
    autenticazione_token: Option<String>,
    /// A CA certificate (PEM) to trust for the provider instead of the public roots.
    ca: Option<PathBuf>,
    tolleranza_s: Option<u64>,
}

/// Reads `--oidc FILE`: every problem at once; the secret from its file or variable,
/// never printed.
pub(crate) fn config_oidc(f: &std::path::Path) -> Result<isee_portale::oidc::ConfigOidc> {
    use isee_portale::oidc::{AutenticazioneClient, ConfigOidc, SegretoClient};
    let testo =
        std::fs::read_to_string(f).with_context(|| format!("lettura di {}", f.display()))?;
    let s = toml::from_str::<FileOidc>(&testo)
        .with_context(|| format!("{}: configurazione OIDC", f.display()))?
        .oidc;
    let segreto = match (&s.client_secret_file, &s.client_secret_env) {
        (Some(p), None) => std::fs::read_to_string(p).with_context(|| {
            format!(
                "{}: lettura del segreto del client {}",
                f.display(),
                p.display()
            )
        })?,
        (None, Some(v)) => std::env::var(v).map_err(|_| {
            anyhow::anyhow!(
                "{}: la variabile d'ambiente {v} (client_secret_env) non è impostata",
                f.display()
            )
        })?,
        _ => anyhow::bail!(
            "{}: indicare uno e uno solo tra client_secret_file e client_secret_env",
            f.display()
        ),
    };
    let mut c = ConfigOidc::new(
        &s.issuer,
        &s.client_id,
        SegretoClient::new(&segreto),
        &s.redirect_uri,
    );
    if let Some(a) = s.scope {
        c.ambiti = a;
    }
    if let Some(cl) = s.claim_codice_fiscale {
        c.claim_codice_fiscale = cl;
    }
    if let Some(e) = s.etichetta {
        c.etichetta = e;
    }
    if let Some(m) = &s.autenticazione_token {
        c.autenticazione = AutenticazioneClient::da_nome(m).ok_or_else(|| {
            anyhow::anyhow!(
                "{}: autenticazione_token «{m}»: client_secret_basic o client_secret_post",
                f.display()
            )
        })?;
    }
    if let Some(ca) = &s.ca {
        c.ca_pem = Some(
            std::fs::read_to_string(ca)
                .with_context(|| format!("{}: lettura della CA {}", f.display(), ca.display()))?,
        );
    }
    if let Some(t) = s.tolleranza_s {
        c.scarto = Duration::from_secs(t.min(300));
    }
    let problemi = c.problemi();
    anyhow::ensure!(
        problemi.is_empty(),
        "{}: configurazione OIDC non valida: {}",
        f.display(),
        problemi.join("; ")
    );
    Ok(c)
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
/// serving a request carries the request's span, hence its id. `ISEE_LOG_FORMATO=json`
/// writes one JSON object per line (for a log collector: `timestamp`, `level`,
/// `fields`, `target`, and `span` with the request's `id`, method and path); anything
/// else, or nothing, the human-readable text.
pub(crate) fn telemetria() {
    let filtro = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let base = tracing_subscriber::fmt()
        .with_env_filter(filtro)
        .with_writer(std::io::stderr);
    let _ = if std::env::var("ISEE_LOG_FORMATO").is_ok_and(|f| f == "json") {
        base.json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        base.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init()
    };
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
    let segreto = match &a.chiave_portale {
        Some(f) => chiave_portale(f)?,
        None => {
            tracing::warn!(
                "nessuna --chiave-portale: chiave casuale, i moduli aperti prima di un riavvio andranno ricaricati"
            );
            Segreto::genera().context("generatore casuale del sistema non disponibile")?
        }
    };
    let oidc = a.oidc.as_deref().map(config_oidc).transpose()?;
    if let Some(o) = &oidc {
        tracing::info!(issuer = %o.emittente, client_id = %o.client_id, "accesso OIDC configurato");
    }
    let fabbrica = fabbrica_portale(
        a.db.clone(),
        a.schema_pg.clone(),
        a.origine_pubblica.clone(),
        segreto,
        a.reset_nel_log,
        oidc,
    );
    let connessioni = a.connessioni.unwrap_or(
        match isee_sql::Backend::da_url(&isee_sql::url_da_percorso(&a.db)) {
            Ok(isee_sql::Backend::Postgres) => CONNESSIONI_PG,
            _ => CONNESSIONI_SQLITE,
        },
    );
    let servizio = isee_server::avvia(isee_server::Configurazione {
        db: a.db,
        indirizzo: SocketAddr::new(a.indirizzo, a.porta),
        clienti,
        limiti: Limiti {
            corpo_max: a.limite_corpo_kib.saturating_mul(1024),
            timeout: Duration::from_secs(a.timeout_s.max(1)),
        },
        ascolto: a.ascolto.limiti(),
        connessioni,
        schema_pg: a.schema_pg,
        thread: a.thread,
        portale: Some(fabbrica),
        eventi: a.eventi.config(),
    })?;
    // Tests and scripts read this line to learn the port.
    // In one write, and without failing: a reader that takes the first line (the port)
    // and closes the pipe must not stop the service (println! panics on EPIPE).
    let a = servizio.indirizzo();
    let mut out = std::io::stdout().lock();
    let _ = write!(
        out,
        "isee: in ascolto su http://{a}\nisee: portale su http://{a}/\n"
    );
    let _ = out.flush();
    drop(out);
    servizio.attendi();
    Ok(ExitCode::SUCCESS)
}

/// Reads the portal's key: 64 hexadecimal digits (surrounding blanks ignored).
fn chiave_portale(f: &std::path::Path) -> Result<Segreto> {
    let testo =
        std::fs::read_to_string(f).with_context(|| format!("lettura di {}", f.display()))?;
    let mut b = [0u8; 32];
    hex::decode_to_slice(testo.trim(), &mut b).map_err(|_| {
        anyhow::anyhow!(
            "{}: la chiave del portale deve essere di 64 cifre esadecimali (per esempio da `openssl rand -hex 32`)",
            f.display()
        )
    })?;
    Ok(Segreto::da_byte(b))
}

/// The accounts' store on the register's database (its own tables and migrations):
/// used by `serve`, `demo` and `isee utenti`.
pub(crate) async fn utenti(
    db: &str,
    schema_pg: Option<String>,
    segreto: Segreto,
) -> Result<Utenti<isee_utenti::StoreSql>> {
    let mut cfg = isee_utenti::Configurazione::new(&isee_sql::url_da_percorso(db));
    cfg.schema = schema_pg;
    let store = isee_utenti::StoreSql::apri_con(cfg)
        .await
        .with_context(|| {
            format!(
                "archivio degli utenti in {}",
                isee_sql::senza_credenziali(db)
            )
        })?;
    Ok(Utenti::new(store, segreto, Regole::default())?)
}

/// How `serve` answers a password-reset request without a mail channel: recorded,
/// and the link does not leave the process.
fn reset_non_inviato(u: &isee_utenti::Utente, _collegamento: &str) {
    tracing::warn!(
        utente = %u.id,
        "richiesta di reimpostazione della password: nessun canale di invio configurato, collegamento non inviato (--reset-nel-log per le prove)"
    );
}

/// The portal `serve` starts, built once the register is open: the register's own
/// store for "Le mie DSU", the accounts on the same database.
fn fabbrica_portale(
    db: String,
    schema_pg: Option<String>,
    origine_pubblica: Option<String>,
    segreto: Segreto,
    reset_nel_log: bool,
    oidc: Option<isee_portale::oidc::ConfigOidc>,
) -> isee_server::FabbricaPortale {
    isee_server::FabbricaPortale(Arc::new(move |store| {
        let (db, schema_pg, origine, segreto, oidc) = (
            db.clone(),
            schema_pg.clone(),
            origine_pubblica.clone(),
            segreto.clone(),
            oidc.clone(),
        );
        Box::pin(async move {
            let utenti = utenti(&db, schema_pg, segreto).await?;
            let mut p = portale(
                origine.as_deref(),
                Some(Arc::new(utenti)),
                Some(Arc::new(RegistroDsu::new(store))),
            )?;
            if !reset_nel_log {
                p = p.con_invio_reset(Arc::new(reset_non_inviato));
            }
            if let Some(o) = oidc {
                p = p.con_oidc(o)?;
            }
            Ok(p.router())
        })
    }))
}

/// The portal `serve` and `demo` start: behind a TLS proxy at its public origin (secure
/// cookies, that `Origin` only), or on plain HTTP at whatever host the browser used.
pub(crate) fn portale(
    origine_pubblica: Option<&str>,
    utenti: Option<Arc<Utenti<isee_utenti::StoreSql>>>,
    registro: Option<Arc<isee_portale::dsu::Registro>>,
) -> Result<isee_portale::Portale> {
    let mut p = isee_portale::Portale::new(isee_core::calcolo::Motore::predefinito())
        .context("generatore casuale del sistema non disponibile")?;
    // The accounts first: they bring the key and the cookie rules, which the origin
    // then adjusts (Secure or not).
    if let Some(u) = utenti {
        p = p.con_utenti(u);
    }
    if let Some(r) = registro {
        p = p.con_registro(r);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn scrivi(dir: &tempfile::TempDir, nome: &str, testo: &str) -> PathBuf {
        let p = dir.path().join(nome);
        std::fs::write(&p, testo).unwrap();
        p
    }

    #[test]
    fn sezione_oidc_con_segreto_da_file() {
        let dir = tempfile::tempdir().unwrap();
        let segreto = scrivi(&dir, "segreto", "  s3greto-del-client\n");
        let f = scrivi(
            &dir,
            "oidc.toml",
            &format!(
                r#"[oidc]
issuer = "https://idp.example/realms/isee"
client_id = "isee-portale"
client_secret_file = "{}"
redirect_uri = "https://isee.comune.example/accedi/oidc/ritorno"
scope = ["openid", "profile", "email"]
etichetta = "Entra con SPID"
autenticazione_token = "client_secret_post"
"#,
                segreto.display()
            ),
        );
        let c = config_oidc(&f).unwrap();
        assert_eq!(c.emittente, "https://idp.example/realms/isee");
        assert_eq!(c.claim_codice_fiscale, "fiscal_number");
        assert_eq!(c.etichetta, "Entra con SPID");
        assert_eq!(c.ambiti.len(), 3);
        assert_eq!(
            c.autenticazione,
            isee_portale::oidc::AutenticazioneClient::Post
        );
        let d = format!("{c:?}");
        assert!(!d.contains("s3greto"), "{d}");
    }

    #[test]
    fn sezione_oidc_sbagliata_dice_perche() {
        let dir = tempfile::tempdir().unwrap();
        let errore = |testo: &str| {
            let f = scrivi(&dir, "oidc.toml", testo);
            format!("{:#}", config_oidc(&f).unwrap_err())
        };
        let e = errore(
            "[oidc]\nissuer = \"http://idp.example\"\nclient_id = \"\"\nclient_secret_env = \"ISEE_OIDC_VARIABILE_CHE_NON_ESISTE\"\nredirect_uri = \"https://isee.example/x\"\n",
        );
        assert!(e.contains("ISEE_OIDC_VARIABILE_CHE_NON_ESISTE"), "{e}");
        let segreto = scrivi(&dir, "segreto", "x");
        let e = errore(&format!(
            "[oidc]\nissuer = \"http://idp.example\"\nclient_id = \"\"\nclient_secret_file = \"{}\"\nredirect_uri = \"https://isee.example/x\"\n",
            segreto.display()
        ));
        assert!(
            e.contains("emittente") && e.contains("redirect") && e.contains("client_id"),
            "{e}"
        );
        let e = errore(
            "[oidc]\nissuer = \"https://idp.example\"\nclient_id = \"a\"\nredirect_uri = \"https://isee.example/accedi/oidc/ritorno\"\n",
        );
        assert!(e.contains("client_secret_file"), "{e}");
        let e = errore("[oidc]\nissuer = \"https://idp.example\"\nsconosciuto = 1\n");
        assert!(e.contains("sconosciuto"), "{e}");
    }
}

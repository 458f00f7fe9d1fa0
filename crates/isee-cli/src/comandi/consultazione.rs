//! `isee consultazione …`: serve the e-services (`isee_consultazione::avvio`), create
//! a sandbox (`isee-sandbox`), print the catalogue and the OpenAPI document.

use anyhow::{Context, Result};
use isee_consultazione::catalogo::CATALOGO;
use isee_consultazione::configurazione::Configurazione;
use isee_sandbox::{OpzioniSandbox, prepara};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Clone, Debug)]
pub enum ComandoConsultazione {
    /// Avvia le e-service di consultazione (SOAP e REST) secondo la configurazione
    Serve {
        /// File TOML di configurazione (vedi docs/CONSULTAZIONE.md)
        #[arg(long)]
        config: PathBuf,
    },
    /// Crea un ambiente completo di prova (PDND locale, certificati, enti, operatore)
    Sandbox {
        /// Directory da creare
        #[arg(long)]
        dir: PathBuf,
        /// Registro delle DSU da consultare (file SQLite o postgres://…)
        #[arg(long)]
        registro: String,
        /// Indirizzo di ascolto del servizio
        #[arg(long, default_value = "127.0.0.1:8443")]
        indirizzo: SocketAddr,
        /// Senza TLS (le e-service con certificato client rifiuteranno ogni chiamata)
        #[arg(long)]
        senza_tls: bool,
        /// Chiamate giornaliere di ogni finalità
        #[arg(long, default_value_t = 100_000)]
        chiamate_giornaliere: u32,
    },
    /// Elenca le nove e-service con id, descrittore, audience e politica di accesso
    Catalogo {
        #[arg(long, default_value = isee_sandbox::BASE_AUDIENCE_LOCALE)]
        base_audience: String,
    },
    /// Stampa il documento OpenAPI dell'interfaccia REST
    Openapi,
}

/// Runs `isee consultazione …`.
pub fn esegui(cmd: ComandoConsultazione) -> Result<ExitCode> {
    match cmd {
        ComandoConsultazione::Serve { config } => {
            super::serve::telemetria();
            let c = Configurazione::leggi(&config)?;
            let rt = runtime(c.thread)?;
            rt.block_on(async move {
                let schema = if c.tls.is_some() { "https" } else { "http" };
                let servizio =
                    isee_consultazione::avvio::servi(c, isee_http::server::shutdown_signal())
                        .await?;
                println!(
                    "isee consultazione: in ascolto su {schema}://{}",
                    servizio.indirizzo
                );
                std::io::stdout().flush()?;
                // SIGINT or SIGTERM: the listener drains, the access log is closed
                // (its lease released), then the process exits.
                servizio.fine().await;
                Ok(ExitCode::SUCCESS)
            })
        }
        ComandoConsultazione::Sandbox {
            dir,
            registro,
            indirizzo,
            senza_tls,
            chiamate_giornaliere,
        } => {
            let rt = runtime(None)?;
            let s = rt.block_on(prepara(&OpzioniSandbox {
                dir,
                db_registro: registro,
                indirizzo,
                tls: !senza_tls,
                chiamate_giornaliere,
            }))?;
            println!("sandbox creata in {}", s.dir.display());
            println!("  configurazione: {}", s.percorso_configurazione.display());
            println!("  PDND locale:    {}", s.dir_pdnd.display());
            for f in &s.fruitori {
                println!(
                    "  fruitore {} ({}): client {}",
                    f.nome, f.codice_ipa, f.client_id
                );
            }
            println!(
                "avvio: isee consultazione serve --config {}",
                s.percorso_configurazione.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        ComandoConsultazione::Catalogo { base_audience } => {
            let mut o = std::io::stdout().lock();
            for e in &CATALOGO {
                let p = &e.politica;
                writeln!(o, "{} — {}", e.codice, e.nome)?;
                writeln!(o, "  eserviceId    {}", e.id())?;
                writeln!(o, "  descriptorId  {}", e.descriptor_id())?;
                writeln!(o, "  audience      {}", e.audience(&base_audience))?;
                writeln!(
                    o,
                    "  operazioni    {}",
                    e.operazioni
                        .iter()
                        .map(|x| x.nome())
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
                writeln!(o, "  categorie IPA {}", p.categorie.join(", "))?;
                let mut vincoli = Vec::new();
                if p.solo_capoluoghi {
                    vincoli.push("Comuni solo capoluogo");
                }
                if p.solo_residenti {
                    vincoli.push("solo residenti del Comune");
                }
                if p.certificato_client {
                    vincoli.push("certificato client (mTLS)");
                }
                if p.operatore {
                    vincoli.push("evidenza SPID/CIE dell'operatore + abilitazione");
                }
                if p.riscontro {
                    vincoli.push("protocollo DSU come dato di riscontro");
                }
                writeln!(o, "  vincoli       {}", vincoli.join("; "))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        ComandoConsultazione::Openapi => {
            println!("{}", isee_consultazione::rest::openapi_json());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn runtime(thread: Option<usize>) -> Result<tokio::runtime::Runtime> {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = thread {
        b.worker_threads(n.max(1));
    }
    b.enable_all().build().context("avvio del runtime")
}

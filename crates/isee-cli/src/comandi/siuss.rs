//! `isee siuss …`: the Comune's SIUSS feed to INPS (`isee-siuss`, docs/SIUSS.md).
//!
//! * `importa <csv>`: the ente's benefit records (columns: `isee_siuss::prestazione::COLONNE`,
//!   header required, order free); every problem of every row is reported, in Italian,
//!   and then nothing is written (exit code 1); a valid file is imported in one
//!   transaction;
//! * `flussi`: the flows with their state (fiscal codes masked);
//! * `esporta`: one flow's PS-PSA document (`--id`, what `/flussi` serves), or every
//!   flow of an ente in one upload document, to stdout or `--output`;
//! * `serve`: the API of INPS's `api-comuni.yaml` behind a PDND voucher.

use anyhow::{Context, bail};
use isee_pdnd::jwks::{CacheJwks, SorgenteJwks};
use isee_pdnd::voucher::{AttesoVoucher, DURATA_MASSIMA_VOUCHER_S, ValidatoreVoucher};
use isee_siuss::api::{Api, CORPO_MASSIMO, ConfigurazioneApi, TEMPO_MASSIMO};
use isee_siuss::{Ente, PrestazioneErogata, StoreFlussi, StoreSiussSql, leggi_csv, router_sotto};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The default database: an SQLite file in the working directory, created on first use.
pub const DB_PREDEFINITO: &str = "sqlite://siuss.db";

#[derive(Debug, clap::Subcommand)]
pub enum ComandoSiuss {
    /// Importa le prestazioni erogate da un file CSV: tutti gli errori di tutte le righe, poi niente scritto; altrimenti tutto in una transazione
    Importa {
        /// Il file CSV (intestazione obbligatoria; colonne in docs/SIUSS.md).
        csv: PathBuf,
        /// Codice Belfiore dell'ente (H501).
        #[arg(long)]
        ente: String,
        /// Denominazione dell'ente (al più 100 caratteri).
        #[arg(long)]
        denominazione: String,
        /// Base dati: sqlite://FILE o postgres://utente@host/db.
        #[arg(long, default_value = DB_PREDEFINITO)]
        db: String,
    },
    /// Elenca i flussi con il loro stato (codici fiscali mascherati)
    Flussi {
        #[arg(long, default_value = DB_PREDEFINITO)]
        db: String,
    },
    /// Esporta in XML PS-PSA un flusso (--id) o tutti i flussi di un ente in un documento di caricamento
    Esporta {
        #[arg(long, default_value = DB_PREDEFINITO)]
        db: String,
        /// Il flusso da esportare (id_flusso): il documento servito da /flussi.
        #[arg(long)]
        id: Option<String>,
        /// Senza --id: l'ente i cui flussi esportare (necessario se la base dati ne ha più d'uno).
        #[arg(long)]
        ente: Option<String>,
        /// Il file da scrivere (predefinito: lo standard output).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Serve l'API di alimentazione SIUSS (GET /flussi, POST /esiti, GET /status) protetta dal voucher PDND
    Serve(ArgsServe),
}

#[derive(Debug, clap::Args)]
pub struct ArgsServe {
    #[arg(long, default_value = DB_PREDEFINITO)]
    pub db: String,
    #[arg(long, default_value = "127.0.0.1:8446")]
    pub addr: SocketAddr,
    /// Il percorso base dell'API (quello dell'URL del server nel descrittore dell'e-service).
    #[arg(long, default_value = "/waas/v1")]
    pub base: String,
    /// Le chiavi di firma dei voucher PDND: un file JWKS o un URL http(s).
    #[arg(long)]
    pub jwks: String,
    /// L'emittente dei voucher (`iss`).
    #[arg(long)]
    pub issuer: String,
    /// L'audience dell'e-service impostata su PDND (`aud`).
    #[arg(long)]
    pub audience: String,
    /// L'id dell'e-service su PDND.
    #[arg(long)]
    pub eservice_id: String,
    /// L'id del descrittore (versione) dell'e-service.
    #[arg(long)]
    pub descriptor_id: String,
    /// L'id PDND dell'ente erogatore (il Comune), se da verificare.
    #[arg(long)]
    pub producer_id: Option<String>,
    /// L'id PDND di INPS: i voucher di altri fruitori sono rifiutati (403).
    #[arg(long)]
    pub consumer_id: Option<String>,
    /// Tolleranza sugli orari del voucher, in secondi.
    #[arg(long, default_value_t = 5)]
    pub tolleranza_s: i64,
    /// Intervallo minimo tra due letture delle chiavi PDND, in secondi.
    #[arg(long, default_value_t = 60)]
    pub aggiornamento_chiavi_s: u64,
    #[command(flatten)]
    pub ascolto: super::serve::ArgsAscolto,
}

/// Runs a command. Exit code: 0 on success; 1 when CSV rows were refused.
pub fn esegui(cmd: ComandoSiuss) -> anyhow::Result<ExitCode> {
    if matches!(cmd, ComandoSiuss::Serve(_)) {
        super::serve::telemetria();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("avvio del runtime asincrono")?;
    rt.block_on(async move {
        match cmd {
            ComandoSiuss::Importa {
                csv,
                ente,
                denominazione,
                db,
            } => importa(&csv, &ente, &denominazione, &db).await,
            ComandoSiuss::Flussi { db } => {
                let store = connetti(&db).await?;
                print!("{}", elenco(&store).await?);
                Ok(ExitCode::SUCCESS)
            }
            ComandoSiuss::Esporta {
                db,
                id,
                ente,
                output,
            } => {
                let store = connetti(&db).await?;
                let xml = esporta(&store, id.as_deref(), ente.as_deref()).await?;
                match output {
                    Some(p) => std::fs::write(&p, xml)
                        .with_context(|| format!("scrittura di {}", p.display()))?,
                    None => {
                        use std::io::Write as _;
                        std::io::stdout().write_all(xml.as_bytes())?;
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            ComandoSiuss::Serve(a) => serve(a).await.map(|_| ExitCode::SUCCESS),
        }
    })
}

async fn connetti(db: &str) -> anyhow::Result<StoreSiussSql> {
    StoreSiussSql::connetti(db).await.with_context(|| {
        format!(
            "apertura della base dati {}",
            isee_sql::senza_credenziali(db)
        )
    })
}

fn adesso_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

async fn importa(
    csv: &std::path::Path,
    ente: &str,
    denominazione: &str,
    db: &str,
) -> anyhow::Result<ExitCode> {
    let ente =
        Ente::new(ente, denominazione).map_err(|p| anyhow::anyhow!("ente non valido: {p}"))?;
    let testo =
        std::fs::read_to_string(csv).with_context(|| format!("lettura di {}", csv.display()))?;
    let righe = match leggi_csv(&testo) {
        Ok(r) => r,
        Err(errori) => {
            for (riga, problemi) in &errori {
                for p in &problemi.0 {
                    eprintln!("riga {riga}: {p}");
                }
            }
            eprintln!(
                "{} righe rifiutate: niente importato (correggere il file e rilanciare)",
                errori.len()
            );
            return Ok(ExitCode::from(1));
        }
    };
    let record: Vec<_> = righe.into_iter().map(|(_, r)| r).collect();
    let store = connetti(db).await?;
    let r = store.importa(&ente, &record, adesso_ms()).await?;
    println!(
        "{} flussi nuovi, {} aggiornati (da ritrasmettere), {} invariati",
        r.nuovi, r.aggiornati, r.invariati
    );
    Ok(ExitCode::SUCCESS)
}

/// The flows as a text table; fiscal codes masked.
pub async fn elenco(store: &StoreSiussSql) -> anyhow::Result<String> {
    let mut s = String::from(
        "id_flusso\tts_flusso\tstato\tcodice_prestazione\tprotocollo_domanda\tbeneficiario\tid_acquisizione_siuss\n",
    );
    for f in store.elenco().await? {
        let p = f.prestazione()?;
        s.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            f.id_flusso,
            f.ts_flusso(),
            f.stato.nome(),
            p.codice_prestazione,
            p.protocollo_domanda,
            p.beneficiario.codice_fiscale.mascherato(),
            f.id_acquisizione_siuss.as_deref().unwrap_or("")
        ));
    }
    Ok(s)
}

/// One flow's document, or an ente's flows in one upload document.
pub async fn esporta(
    store: &StoreSiussSql,
    id: Option<&str>,
    ente: Option<&str>,
) -> anyhow::Result<String> {
    if let Some(id) = id {
        let Some(f) = store.flusso(id).await? else {
            bail!("flusso «{id}» non trovato");
        };
        return Ok(f.xml()?);
    }
    let flussi: Vec<_> = store
        .elenco()
        .await?
        .into_iter()
        .filter(|f| ente.is_none_or(|e| f.ente.codice() == e))
        .collect();
    let Some(primo) = flussi.first() else {
        bail!("nessun flusso da esportare");
    };
    let ente = primo.ente.clone();
    if flussi.iter().any(|f| f.ente.codice() != ente.codice()) {
        bail!("la base dati contiene flussi di più enti: indicare --ente");
    }
    let prestazioni = flussi
        .iter()
        .map(|f| f.prestazione())
        .collect::<Result<Vec<PrestazioneErogata>, _>>()?;
    let nome = format!(
        "{}.PS.{}.0000000",
        ente.codice(),
        chrono::Utc::now().format("%Y%m%d")
    );
    Ok(isee_siuss::xml::documento_ps_multiplo(
        &ente,
        &nome,
        &prestazioni,
    ))
}

async fn serve(a: ArgsServe) -> anyhow::Result<()> {
    let store = connetti(&a.db).await?;
    let sorgente = if a.jwks.starts_with("http://") || a.jwks.starts_with("https://") {
        SorgenteJwks::Url(a.jwks.clone())
    } else {
        SorgenteJwks::File(a.jwks.clone().into())
    };
    let jwks = Arc::new(CacheJwks::new(
        sorgente,
        Duration::from_secs(a.aggiornamento_chiavi_s),
    ));
    jwks.carica()
        .await
        .with_context(|| format!("lettura delle chiavi PDND da {}", a.jwks))?;
    let api = Api {
        store,
        voucher: ValidatoreVoucher::new(jwks),
        configurazione: ConfigurazioneApi {
            atteso: AttesoVoucher {
                issuer: a.issuer,
                audience: a.audience,
                eservice_id: a.eservice_id,
                descriptor_id: a.descriptor_id,
                producer_id: a.producer_id,
                tolleranza_s: a.tolleranza_s,
                durata_massima_s: DURATA_MASSIMA_VOUCHER_S,
            },
            consumatore: a.consumer_id,
            corpo_massimo: CORPO_MASSIMO,
            tempo_massimo: TEMPO_MASSIMO,
        },
        orologio: Arc::new(chrono::Utc::now),
    };
    if !(a.base.is_empty() || a.base.starts_with('/')) {
        bail!("--base deve iniziare con «/» (ad esempio /waas/v1)");
    }
    let base = a.base.clone();
    let app = router_sotto(&base, Arc::new(api));
    let listener = tokio::net::TcpListener::bind(a.addr)
        .await
        .with_context(|| format!("ascolto su {}", a.addr))?;
    tracing::info!(indirizzo = %listener.local_addr()?, base = %base, "siuss: API di alimentazione in ascolto");
    isee_http::server::serve(
        listener,
        app,
        isee_http::server::shutdown_signal(),
        a.ascolto.limiti(),
    )
    .await
    .context("servizio SIUSS")
}

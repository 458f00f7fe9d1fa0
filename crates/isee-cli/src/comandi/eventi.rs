//! `isee eventi`: the register's outbox and its stream on NATS JetStream
//! (docs/EVENTI.md): what is waiting, a drain of the outbox by hand, the replay of a
//! consumer from the stream, the notification stub's records.

use anyhow::{Context, Result};
use isee_eventi::Pubblicatore;
use isee_eventi::consumatore::riproduci;
use isee_eventi::notifiche::Notifiche;
use isee_registro::store::sql::Configurazione;
use isee_registro::{StoreEventi, StoreSql};
use std::process::ExitCode;

/// The register's database.
#[derive(Clone, Debug, clap::Args)]
pub struct ArgsDb {
    /// Base dati del registro: un file SQLite, sqlite://… o postgres://…
    #[arg(
        long,
        env = "ISEE_DB",
        hide_env_values = true,
        default_value = "isee-registro.db"
    )]
    pub db: String,
    /// PostgreSQL: schema di lavoro
    #[arg(long, env = "ISEE_SCHEMA_PG", hide_env_values = true)]
    pub schema_pg: Option<String>,
}

/// The stream.
#[derive(Clone, Debug, clap::Args)]
pub struct ArgsNats {
    /// Server NATS con JetStream
    #[arg(
        long,
        env = "ISEE_NATS",
        hide_env_values = true,
        value_name = "URL",
        default_value = "nats://127.0.0.1:4222"
    )]
    pub nats: String,
    /// Nome del flusso JetStream degli eventi
    #[arg(
        long,
        env = "ISEE_NATS_FLUSSO",
        hide_env_values = true,
        default_value = "ISEE_EVENTI"
    )]
    pub nats_flusso: String,
}

impl ArgsNats {
    fn impostazioni(&self) -> isee_eventi::Impostazioni {
        super::serve::impostazioni_eventi(&self.nats_flusso)
    }
}

#[derive(Clone, Debug, clap::Subcommand)]
pub enum ComandoEventi {
    /// Eventi in attesa di pubblicazione nella coda della base dati, e da quando
    Stato {
        #[command(flatten)]
        db: ArgsDb,
    },
    /// Pubblica su NATS JetStream tutti gli eventi in attesa, poi termina (i nodi
    /// «isee serve --nats» lo fanno da soli)
    Pubblica {
        #[command(flatten)]
        db: ArgsDb,
        #[command(flatten)]
        nats: ArgsNats,
    },
    /// Ricostruisce l'effetto di un consumatore dal flusso: lo azzera e riapplica ogni evento
    Riproduci {
        #[command(flatten)]
        db: ArgsDb,
        #[command(flatten)]
        nats: ArgsNats,
        /// Il consumatore: «notifiche» (lo stub delle notifiche)
        #[arg(long, value_parser = ["notifiche"])]
        consumatore: String,
    },
    /// Le notifiche registrate dallo stub (nessuna è inviata)
    Notifiche {
        #[command(flatten)]
        db: ArgsDb,
        /// Al massimo tante
        #[arg(long, default_value_t = 50)]
        limite: u32,
    },
}

async fn registro(db: &ArgsDb) -> Result<StoreSql> {
    let mut cfg = Configurazione::new(&isee_sql::url_da_percorso(&db.db));
    cfg.schema = db.schema_pg.clone();
    StoreSql::connetti_con(cfg).await.with_context(|| {
        format!(
            "apertura del registro {}",
            isee_sql::senza_credenziali(&db.db)
        )
    })
}

async fn notifiche(db: &ArgsDb) -> Result<Notifiche> {
    Notifiche::connetti(&isee_sql::url_da_percorso(&db.db), db.schema_pg.as_deref())
        .await
        .with_context(|| {
            format!(
                "apertura delle notifiche {}",
                isee_sql::senza_credenziali(&db.db)
            )
        })
}

/// Runs `isee eventi …` on a runtime of its own.
pub fn esegui(c: ComandoEventi) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("avvio del runtime")?;
    rt.block_on(async move {
        match c {
            ComandoEventi::Stato { db } => {
                let s = registro(&db).await?;
                let a = s.arretrato().await?;
                match a.piu_vecchio {
                    None => println!("eventi in attesa: 0"),
                    Some(t) => {
                        let quando = chrono::DateTime::from_timestamp_micros(t)
                            .map(|d| d.to_rfc3339())
                            .unwrap_or_default();
                        println!("eventi in attesa: {} (il più vecchio del {quando})", a.eventi);
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            ComandoEventi::Pubblica { db, nats } => {
                let s = registro(&db).await?;
                let js = isee_eventi::connetti(&nats.nats).await?;
                let p = Pubblicatore::new(s.clone(), js, nats.impostazioni());
                let mut totale = 0;
                loop {
                    let n = tokio::time::timeout(std::time::Duration::from_secs(30), p.giro())
                        .await
                        .context("NATS non risponde entro 30 s")??;
                    totale += n;
                    if n == 0 {
                        break;
                    }
                }
                println!("eventi pubblicati: {totale}");
                Ok(ExitCode::SUCCESS)
            }
            ComandoEventi::Riproduci { db, nats, consumatore } => {
                debug_assert_eq!(consumatore, "notifiche");
                let effetto = notifiche(&db).await?;
                let js = isee_eventi::connetti(&nats.nats).await?;
                let barra = indicatif::ProgressBar::new(0);
                barra.set_style(
                    indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} eventi ({eta})")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                let c = riproduci(&js, &nats.impostazioni(), &effetto, |fatti, totale| {
                    barra.set_length(totale);
                    barra.set_position(fatti);
                })
                .await?;
                barra.finish_and_clear();
                println!(
                    "{consumatore}: {} eventi riletti, {} effetti ricostruiti, {} messaggi scartati",
                    c.ricevuti, c.applicati, c.scartati
                );
                Ok(ExitCode::SUCCESS)
            }
            ComandoEventi::Notifiche { db, limite } => {
                let n = notifiche(&db).await?;
                for x in n.elenco(limite).await? {
                    println!("{}\t{}\t{}", x.evento_id, x.tipo, x.testo);
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

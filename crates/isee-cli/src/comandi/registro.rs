//! `isee registro …`: commands on the DSU register itself (the store `isee serve`
//! uses): the tax agency's data read from a JSON Lines file and the omissioni noted on
//! the active DSUs (`isee_registro::annotazioni`); the declarants' mandates to the
//! senders (`isee registro mandato …`, docs/REGISTRO.md "Modello di accesso al
//! registro").

use anyhow::Context;
use chrono::NaiveDate;
use isee_core::codice_fiscale::CodiceFiscale;
use isee_registro::{Ambito, Mandato, RegistroDsu, StoreSql};
use std::path::PathBuf;
use std::process::ExitCode;

/// Commands on the DSU register itself (the store `isee serve` uses).
#[derive(Debug, clap::Subcommand)]
pub enum ComandoRegistro {
    /// Imports the tax agency's data (JSON Lines, docs/REGISTRO.md) and annotates the
    /// active DSUs whose declared data omit a relationship or declare less. The ISEE
    /// values do not change.
    Omissioni {
        /// The JSON Lines file from the tax agency.
        file: PathBuf,
        /// Database URL (sqlite://FILE or postgres://user@host/db), as for `isee serve`.
        #[arg(long, default_value = "sqlite://isee-registro.db")]
        db: String,
    },
    /// Mandati dei dichiaranti ai mittenti (CAF): consentono al mittente di consultare, o
    /// consultare e modificare, le DSU del dichiarante attraverso il servizio REST.
    #[command(subcommand)]
    Mandato(ComandoMandato),
}

/// `isee registro mandato …`.
#[derive(Debug, clap::Subcommand)]
pub enum ComandoMandato {
    /// Registra (o sostituisce) un mandato.
    Aggiungi {
        /// Id del client mittente (come nel file delle chiavi API).
        #[arg(long)]
        mittente: String,
        /// Codice fiscale del dichiarante che conferisce il mandato.
        #[arg(long)]
        cf: String,
        /// lettura, oppure presentazione (anche rettifiche, sostituzioni, annullamenti,
        /// ISEE corrente).
        #[arg(long, value_parser = ["lettura", "presentazione"])]
        ambito: String,
        /// Ultimo giorno di validità (AAAA-MM-GG).
        #[arg(long)]
        scadenza: NaiveDate,
        #[arg(long, default_value = "sqlite://isee-registro.db")]
        db: String,
    },
    /// Revoca un mandato.
    Revoca {
        #[arg(long)]
        mittente: String,
        #[arg(long)]
        cf: String,
        #[arg(long, default_value = "sqlite://isee-registro.db")]
        db: String,
    },
    /// Elenca i mandati conferiti da un dichiarante (codici fiscali mascherati).
    Elenco {
        #[arg(long)]
        cf: String,
        #[arg(long, default_value = "sqlite://isee-registro.db")]
        db: String,
    },
}

fn riga_mandato(m: &Mandato) -> String {
    format!(
        "{} {} {} fino al {}{}",
        m.cf_dichiarante.mascherato(),
        m.mittente,
        m.ambito.nome(),
        m.scadenza,
        if m.revocato_il.is_some() {
            " (revocato)"
        } else {
            ""
        }
    )
}

async fn esegui_mandato(cmd: ComandoMandato) -> anyhow::Result<ExitCode> {
    match cmd {
        ComandoMandato::Aggiungi {
            mittente,
            cf,
            ambito,
            scadenza,
            db,
        } => {
            let r = RegistroDsu::new(StoreSql::connetti(&db).await?);
            let ambito = Ambito::da_nome(&ambito).context("ambito: lettura o presentazione")?;
            let m = r
                .registra_mandato(
                    &mittente,
                    CodiceFiscale::new(cf.trim()),
                    ambito,
                    scadenza,
                    "cli",
                )
                .await?;
            println!("{}", riga_mandato(&m));
        }
        ComandoMandato::Revoca { mittente, cf, db } => {
            let r = RegistroDsu::new(StoreSql::connetti(&db).await?);
            let m = r
                .revoca_mandato(&mittente, &CodiceFiscale::new(cf.trim()))
                .await?;
            println!("{}", riga_mandato(&m));
        }
        ComandoMandato::Elenco { cf, db } => {
            let r = RegistroDsu::new(StoreSql::connetti(&db).await?);
            for m in r.mandati(&CodiceFiscale::new(cf.trim())).await? {
                println!("{}", riga_mandato(&m));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a register command. Exit code: 0 on success; 1 when some input lines were
/// refused (each reported with its line number).
pub fn esegui_registro(cmd: ComandoRegistro) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("avvio del runtime asincrono")?;
    rt.block_on(async move {
        match cmd {
            ComandoRegistro::Mandato(cmd) => esegui_mandato(cmd).await,
            ComandoRegistro::Omissioni { file, db } => {
                let testo = std::fs::read_to_string(&file)
                    .with_context(|| format!("lettura di {}", file.display()))?;
                let (dati, errori) = isee_registro::omissioni::leggi_dati_agenzia(&testo);
                for (riga, e) in &errori {
                    eprintln!("riga {riga}: {e}");
                }
                let store = StoreSql::connetti(&db).await?;
                let annotazioni =
                    isee_registro::annotazioni::annota_registro(&store, &dati).await?;
                for a in &annotazioni {
                    println!(
                        "{} {} {:?} {}",
                        a.protocollo,
                        a.codice_fiscale.mascherato(),
                        a.tipo,
                        a.riferimento
                    );
                }
                eprintln!(
                    "{} codici fiscali letti, {} righe rifiutate, {} annotazioni",
                    dati.len(),
                    errori.len(),
                    annotazioni.len()
                );
                Ok(if errori.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                })
            }
        }
    })
}

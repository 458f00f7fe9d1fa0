//! `isee registro …`: commands on the DSU register itself (the store `isee serve`
//! uses): the tax agency's data read from a JSON Lines file and the omissioni noted on
//! the active DSUs (`isee_registro::annotazioni`).

use anyhow::Context;
use isee_registro::StoreSql;
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

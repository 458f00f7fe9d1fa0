//! `isee backup`: an online backup of one SQLite database (the DSU register, the
//! access log, the enti's register: whichever file is named), taken while the
//! services run, checked, and named only when complete ([`isee_sql::copia`]);
//! `isee backup verifica`: the same check on a copy before restoring it. PostgreSQL is
//! refused with a pointer to its procedure (docs/DEPLOY.md, "Backup e ripristino").
//!
//! One database per invocation: each file has its own schedule, destination and exit
//! code, and a script backs up several with one line each.

use anyhow::Context;
use isee_sql::copia::{self, Contenuto};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// `isee backup`.
#[derive(Clone, Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ArgsBackup {
    #[command(subcommand)]
    pub comando: Option<ComandoBackup>,
    #[command(flatten)]
    pub copia: ArgsCopia,
}

/// The database to copy and where.
#[derive(Clone, Debug, clap::Args)]
pub struct ArgsCopia {
    /// Base dati da copiare: un file SQLite o sqlite://percorso (registro delle DSU,
    /// registro degli accessi, …); postgres://… è rifiutato (docs/DEPLOY.md)
    #[arg(long, value_name = "URL", required = true)]
    pub db: Option<String>,
    /// File della copia (non deve esistere, salvo --sovrascrivi)
    #[arg(long, value_name = "FILE", required = true)]
    pub destinazione: Option<PathBuf>,
    /// Sostituisce una destinazione esistente (in modo atomico, a copia verificata)
    #[arg(long)]
    pub sovrascrivi: bool,
}

#[derive(Clone, Debug, clap::Subcommand)]
pub enum ComandoBackup {
    /// Verifica una copia prima del ripristino: integrità, migrazioni, righe (uscita 0
    /// integra, 1 danneggiata, 2 assente o illeggibile). La catena del registro degli
    /// accessi si verifica poi con «isee audit verifica»
    Verifica {
        /// Il file della copia
        file: PathBuf,
    },
}

/// Runs `isee backup …` on a runtime of its own.
pub fn esegui(a: ArgsBackup) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("avvio del runtime")?;
    rt.block_on(async move {
        match a.comando {
            Some(ComandoBackup::Verifica { file }) => verifica(file).await,
            None => {
                let (Some(db), Some(destinazione)) = (a.copia.db, a.copia.destinazione) else {
                    anyhow::bail!("indicare --db e --destinazione");
                };
                let c = copia::copia_sqlite(&db, &destinazione, a.copia.sovrascrivi).await?;
                let mut out = std::io::stdout().lock();
                writeln!(
                    out,
                    "backup di {} in {}: completo e verificato in {:.3} s",
                    copia::percorso_sqlite(&db)?.display(),
                    c.destinazione.display(),
                    c.durata.as_secs_f64()
                )?;
                stampa_contenuto(&mut out, &c.contenuto, true)?;
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

async fn verifica(file: PathBuf) -> anyhow::Result<ExitCode> {
    match copia::verifica_sqlite(&file).await {
        Ok(c) => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "copia {}: integra", file.display())?;
            stampa_contenuto(&mut out, &c, false)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ (copia::ErroreCopia::IntegritaFallita { .. } | copia::ErroreCopia::Vuota(_))) => {
            eprintln!("errore: {e}");
            Ok(ExitCode::from(1))
        }
        Err(e) => {
            eprintln!("errore: copia non leggibile: {e}");
            Ok(ExitCode::from(2))
        }
    }
}

/// The tables the summary names, with what their rows are.
const ETICHETTE: [(&str, &str); 5] = [
    ("dsu", "DSU (comprese rettifiche e moduli correnti)"),
    ("accessi_record", "record del registro degli accessi"),
    ("utenti_utente", "account del portale"),
    ("enti_ente", "enti"),
    ("domanda_ente", "domande dell'ente"),
];

/// The summary of a checked file; `confrontata`: its migration tables were compared
/// with the source's.
fn stampa_contenuto(
    out: &mut impl std::io::Write,
    c: &Contenuto,
    confrontata: bool,
) -> anyhow::Result<()> {
    writeln!(out, "  controllo di integrità: ok")?;
    writeln!(out, "  dimensione: {} byte ({})", c.byte, leggibile(c.byte))?;
    for (tabella, etichetta) in ETICHETTE {
        if let Some(n) = c.righe(tabella) {
            writeln!(out, "  {etichetta}: {n}")?;
        }
    }
    let righe: u64 = c.tabelle.iter().map(|(_, n)| n).sum();
    writeln!(
        out,
        "  tabelle: {}, righe in tutto: {righe}",
        c.tabelle.len()
    )?;
    for m in &c.migrazioni {
        writeln!(
            out,
            "  migrazioni {}: {} applicate (ultima {}){}",
            m.nome,
            m.applicate,
            m.ultima.map_or("nessuna".into(), |v| v.to_string()),
            if confrontata {
                ", uguali all'originale"
            } else {
                ""
            }
        )?;
    }
    Ok(())
}

fn leggibile(byte: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if byte >= MIB {
        format!("{}.{} MiB", byte / MIB, (byte % MIB) * 10 / MIB)
    } else {
        format!("{} KiB", byte.div_ceil(1024))
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn dimensioni_leggibili() {
        assert_eq!(leggibile(1), "1 KiB");
        assert_eq!(leggibile(4096), "4 KiB");
        assert_eq!(leggibile(3 * 1024 * 1024 + 512 * 1024), "3.5 MiB");
    }
}

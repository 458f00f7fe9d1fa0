//! `isee genera`: a reproducible synthetic population as JSON lines.

use anyhow::{Context, Result};
use isee_genera::{Impostazioni, nucleo};
use rayon::prelude::*;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ArgsGenera {
    /// Numero di nuclei (DSU) da generare
    #[arg(long)]
    nuclei: u64,
    /// Seme: lo stesso seme dà la stessa popolazione
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Anno di presentazione delle DSU
    #[arg(long, default_value_t = 2026)]
    anno: i32,
    /// Solo questi comuni (codici catastali separati da virgola, es. H199,H183)
    #[arg(long, value_delimiter = ',')]
    comuni: Vec<String>,
    /// File di uscita (standard output se assente)
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// Households are generated in blocks, in parallel, and written in order.
const BLOCCO: u64 = 16_384;

pub(crate) fn esegui(a: ArgsGenera) -> Result<()> {
    let imp = Impostazioni {
        seed: a.seed,
        anno: a.anno,
        comuni: a.comuni.clone(),
    };
    let out: Box<dyn Write> = match &a.output {
        Some(p) => Box::new(
            std::fs::File::create(p).with_context(|| format!("creazione di {}", p.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let barra = if std::io::stderr().is_terminal() && a.output.is_some() {
        indicatif::ProgressBar::new(a.nuclei)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut inizio = 0;
    while inizio < a.nuclei {
        let fine = (inizio + BLOCCO).min(a.nuclei);
        let righe: Vec<Vec<u8>> = (inizio..fine)
            .into_par_iter()
            .map(|i| {
                let mut v = serde_json::to_vec(&nucleo(&imp, i)).unwrap_or_default();
                v.push(b'\n');
                v
            })
            .collect();
        for r in righe {
            out.write_all(&r)?;
        }
        barra.inc(fine - inizio);
        inizio = fine;
    }
    out.flush()?;
    barra.finish_and_clear();
    Ok(())
}

//! `isee xml esporta`, `isee xml importa`: the DSU as INPS's `ISEE_Dichiarazione`
//! v1.3 document (ISO-8859-1), through isee-dichiarazione.
//!
//! Exit codes as `isee calcola`: 0 done, 1 a DSU or document that is not valid (every
//! problem on the standard error, with its path), 2 a file that cannot be read or
//! written or is not JSON.

use super::calcola::leggi_dsu;
use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use isee_dichiarazione::{Assenti, Decimali, Opzioni, Problema};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ComandoXml {
    /// Scrive una DSU (JSON) come documento INPS ISEE_Dichiarazione (XML ISO-8859-1)
    Esporta {
        /// La DSU in JSON (- per lo standard input)
        dsu: String,
        /// File XML da scrivere (standard output se assente)
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        uscita: Option<PathBuf>,
        /// Importi con centesimi: arrotonda all'euro (con un avviso per campo) o rifiuta la DSU
        #[arg(long, value_enum, default_value = "rifiuta")]
        decimali: SceltaDecimali,
        /// Dati che INPS richiede e la DSU non ha in «dati_inps» (sottoscrizione, indirizzo, cittadinanza…): rifiuta la DSU, o segnalali con un avviso e lasciali fuori (documento non valido per INPS)
        #[arg(long, value_enum, default_value = "rifiuta")]
        assenti: SceltaAssenti,
        /// Ometti le istruzioni <?isee …?> con i campi che il modello INPS non ha (documento solo per INPS)
        #[arg(long)]
        senza_estensioni: bool,
    },
    /// Legge un documento INPS ISEE_Dichiarazione e scrive la DSU in JSON
    Importa {
        /// Il documento XML (- per lo standard input)
        xml: String,
        /// File JSON da scrivere (standard output se assente)
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        uscita: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SceltaDecimali {
    Arrotonda,
    Rifiuta,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SceltaAssenti {
    Rifiuta,
    Segnala,
}

pub(crate) fn esegui(cmd: ComandoXml) -> Result<ExitCode> {
    match cmd {
        ComandoXml::Esporta {
            dsu,
            uscita,
            decimali,
            assenti,
            senza_estensioni,
        } => esporta(&dsu, uscita, decimali, assenti, senza_estensioni),
        ComandoXml::Importa { xml, uscita } => importa(&xml, uscita),
    }
}

fn stampa_problemi(titolo: &str, problemi: &[Problema]) {
    eprintln!("{titolo}: {} problemi", problemi.len());
    for p in problemi {
        eprintln!("  {}: {}", p.percorso, p.messaggio);
    }
}

fn scrivi(uscita: Option<PathBuf>, byte: &[u8]) -> Result<()> {
    match uscita {
        Some(p) => {
            std::fs::write(&p, byte).with_context(|| format!("scrittura di {}", p.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(byte)?;
            out.flush()?;
            Ok(())
        }
    }
}

fn esporta(
    file: &str,
    uscita: Option<PathBuf>,
    decimali: SceltaDecimali,
    assenti: SceltaAssenti,
    senza_estensioni: bool,
) -> Result<ExitCode> {
    let dsu = match leggi_dsu(file).o_codice() {
        Ok(d) => d,
        Err(codice) => return Ok(codice),
    };
    let opzioni = Opzioni {
        decimali: match decimali {
            SceltaDecimali::Arrotonda => Decimali::Arrotonda,
            SceltaDecimali::Rifiuta => Decimali::Rifiuta,
        },
        assenti: match assenti {
            SceltaAssenti::Rifiuta => Assenti::Rifiuta,
            SceltaAssenti::Segnala => Assenti::Segnala,
        },
        estensioni: !senza_estensioni,
        ..Opzioni::default()
    };
    match isee_dichiarazione::esporta_con_avvisi(&dsu, &opzioni) {
        Ok(e) => {
            for a in &e.avvisi {
                eprintln!("avviso  {}: {}", a.percorso, a.messaggio);
            }
            scrivi(uscita, &e.xml)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            stampa_problemi("DSU non esportabile", &e.problemi);
            Ok(ExitCode::from(1))
        }
    }
}

fn importa(file: &str, uscita: Option<PathBuf>) -> Result<ExitCode> {
    let letto = if file == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .context("lettura dello standard input")
            .map(|_| b)
    } else {
        std::fs::read(file).with_context(|| format!("lettura di {file}"))
    };
    let byte = match letto {
        Ok(b) => b,
        Err(e) => {
            eprintln!("illeggibile: {e:#}");
            return Ok(ExitCode::from(2));
        }
    };
    match isee_dichiarazione::importa(&byte) {
        Ok(dsu) => {
            let mut json = serde_json::to_string_pretty(&dsu)?;
            json.push('\n');
            scrivi(uscita, json.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            stampa_problemi("documento non valido", &e.problemi);
            Ok(ExitCode::from(1))
        }
    }
}

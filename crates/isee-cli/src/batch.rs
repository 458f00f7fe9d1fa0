//! `isee batch`: JSON lines of DSUs in, JSON lines of results out.
//!
//! A reader thread cuts the input into blocks of whole lines; the blocks are computed
//! in parallel (rayon) and handed, in order, to a writer thread. Channels are bounded,
//! so memory stays constant however large the input. A record that cannot be read,
//! validated or computed goes to the error report with its line number; the run goes
//! on.

use crate::{ArgsMotore, ArgsRichiesta};
use anyhow::{Context, Result};
use isee_core::calcolo::{Esito, Motore, Richiesta, Righe};
use isee_core::validazione::Gravita;
use rayon::prelude::*;
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::sync_channel;

#[derive(clap::Args)]
pub(crate) struct ArgsBatch {
    /// File JSON lines di DSU (- per lo standard input)
    input: String,
    /// File JSON lines dei risultati
    #[arg(short, long)]
    output: PathBuf,
    /// File JSON lines degli errori per record (default: OUTPUT.errori.jsonl)
    #[arg(long)]
    errori: Option<PathBuf>,
    #[command(flatten)]
    richiesta: ArgsRichiesta,
    /// Thread di calcolo (default: tutti i core)
    #[arg(long)]
    jobs: Option<usize>,
    #[command(flatten)]
    motore: ArgsMotore,
}

/// Bytes per block: large enough to amortise the hand-offs, small enough that the
/// blocks in flight stay a few tens of megabytes.
const BLOCCO_BYTES: usize = 4 << 20;
const BLOCCHI_IN_VOLO: usize = 3;

struct Blocco {
    prima_riga: u64,
    dati: Vec<u8>,
}

struct Risultato {
    uscita: Vec<u8>,
    errori: Vec<u8>,
    ok: u64,
    ko: u64,
    byte: u64,
}

/// One output line: the indicator and its attestation lines.
#[derive(Serialize)]
struct Riga<'a> {
    riga: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    protocollo_mittente: Option<&'a str>,
    dichiarante: &'a str,
    tipo: isee_core::TipoIsee,
    isee: rust_decimal::Decimal,
    righe: &'a Righe,
    validita_al: chrono::NaiveDate,
}

#[derive(Serialize)]
struct RigaErrore<'a> {
    riga: u64,
    errori: &'a [ProblemaBreve],
}

#[derive(Serialize)]
struct ProblemaBreve {
    percorso: String,
    messaggio: String,
}

pub(crate) fn esegui(a: ArgsBatch) -> Result<ExitCode> {
    let motore = a.motore.motore()?;
    let richiesta = a.richiesta.richiesta();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.jobs.unwrap_or(0))
        .build()?;
    let errori_path = a.errori.clone().unwrap_or_else(|| {
        let mut p = a.output.clone().into_os_string();
        p.push(".errori.jsonl");
        PathBuf::from(p)
    });
    let (input, dimensione): (Box<dyn Read + Send>, Option<u64>) = if a.input == "-" {
        (Box::new(std::io::stdin()), None)
    } else {
        let f = File::open(&a.input).with_context(|| format!("apertura di {}", a.input))?;
        let n = f.metadata().ok().map(|m| m.len());
        (Box::new(f), n)
    };
    let mut uscita = BufWriter::with_capacity(
        1 << 20,
        File::create(&a.output).with_context(|| format!("creazione di {}", a.output.display()))?,
    );
    let mut errori = BufWriter::new(
        File::create(&errori_path)
            .with_context(|| format!("creazione di {}", errori_path.display()))?,
    );
    let barra = match (std::io::stderr().is_terminal(), dimensione) {
        (true, Some(n)) => {
            let b = indicatif::ProgressBar::new(n);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        }
        _ => indicatif::ProgressBar::hidden(),
    };

    let (tx_blocchi, rx_blocchi) = sync_channel::<Blocco>(BLOCCHI_IN_VOLO);
    let lettore = std::thread::spawn(move || leggi_blocchi(input, tx_blocchi));
    let (tx_ris, rx_ris) = sync_channel::<Risultato>(BLOCCHI_IN_VOLO);
    let scrittore = std::thread::spawn(move || -> Result<(u64, u64)> {
        let (mut ok, mut ko) = (0, 0);
        for r in rx_ris {
            uscita.write_all(&r.uscita)?;
            errori.write_all(&r.errori)?;
            ok += r.ok;
            ko += r.ko;
            barra.inc(r.byte);
        }
        uscita.flush()?;
        errori.flush()?;
        barra.finish_and_clear();
        Ok((ok, ko))
    });
    for blocco in rx_blocchi {
        let r = pool.install(|| calcola_blocco(&motore, &richiesta, &blocco));
        if tx_ris.send(r).is_err() {
            break;
        }
    }
    drop(tx_ris);
    lettore
        .join()
        .map_err(|_| anyhow::anyhow!("il lettore si è interrotto"))??;
    let (ok, ko) = scrittore
        .join()
        .map_err(|_| anyhow::anyhow!("lo scrittore si è interrotto"))??;
    eprintln!(
        "{ok} DSU calcolate, {ko} con errori{}",
        if ko > 0 {
            format!(" (dettagli in {})", errori_path.display())
        } else {
            String::new()
        }
    );
    Ok(if ko > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Cuts the input into blocks of whole lines.
fn leggi_blocchi(
    mut input: Box<dyn Read + Send>,
    tx: std::sync::mpsc::SyncSender<Blocco>,
) -> Result<()> {
    let mut resto: Vec<u8> = Vec::new();
    let mut riga = 1u64;
    loop {
        let mut dati = std::mem::take(&mut resto);
        let inizio = dati.len();
        dati.resize(inizio + BLOCCO_BYTES, 0);
        let mut letti = 0;
        while inizio + letti < dati.len() {
            let n = input
                .read(&mut dati[inizio + letti..])
                .context("lettura dell'input")?;
            if n == 0 {
                break;
            }
            letti += n;
        }
        dati.truncate(inizio + letti);
        let finito = letti == 0;
        if !finito && let Some(ultimo) = dati.iter().rposition(|&b| b == b'\n') {
            resto = dati[ultimo + 1..].to_vec();
            dati.truncate(ultimo + 1);
        }
        if dati.is_empty() {
            return Ok(());
        }
        let righe = dati.iter().filter(|&&b| b == b'\n').count() as u64
            + u64::from(dati.last() != Some(&b'\n'));
        let prima = riga;
        riga += righe;
        if tx
            .send(Blocco {
                prima_riga: prima,
                dati,
            })
            .is_err()
            || finito
        {
            return Ok(());
        }
    }
}

fn calcola_blocco(motore: &Motore, richiesta: &Richiesta, b: &Blocco) -> Risultato {
    let righe: Vec<(u64, &[u8])> = b
        .dati
        .split(|&c| c == b'\n')
        .enumerate()
        .map(|(i, r)| (b.prima_riga + i as u64, r))
        .filter(|(_, r)| !r.iter().all(u8::is_ascii_whitespace))
        .collect();
    // Each worker fills its own buffers; they are concatenated in order.
    let parti: Vec<(Vec<u8>, Vec<u8>, u64, u64)> = righe
        .par_chunks(256)
        .map(|pezzo| {
            let mut out = Vec::with_capacity(pezzo.len() * 600);
            let mut err = Vec::new();
            let (mut ok, mut ko) = (0, 0);
            for (n, testo) in pezzo {
                match calcola_riga(motore, richiesta, testo) {
                    Ok(e) => {
                        scrivi_riga(&mut out, *n, &e);
                        ok += 1;
                    }
                    Err(problemi) => {
                        let _ = serde_json::to_writer(
                            &mut err,
                            &RigaErrore {
                                riga: *n,
                                errori: &problemi,
                            },
                        );
                        err.push(b'\n');
                        ko += 1;
                    }
                }
            }
            (out, err, ok, ko)
        })
        .collect();
    let mut r = Risultato {
        uscita: Vec::with_capacity(b.dati.len() / 2),
        errori: Vec::new(),
        ok: 0,
        ko: 0,
        byte: b.dati.len() as u64,
    };
    for (o, e, ok, ko) in parti {
        r.uscita.extend_from_slice(&o);
        r.errori.extend_from_slice(&e);
        r.ok += ok;
        r.ko += ko;
    }
    r
}

fn calcola_riga(
    motore: &Motore,
    richiesta: &Richiesta,
    testo: &[u8],
) -> Result<(Esito, Option<String>, String), Vec<ProblemaBreve>> {
    let dsu: isee_core::Dsu = match serde_json::from_slice(testo) {
        Ok(d) => d,
        Err(_) => {
            // The slow path gives the path of the error.
            let t = String::from_utf8_lossy(testo);
            let e = isee_core::Dsu::da_json(&t)
                .err()
                .map(|e| (e.percorso, e.messaggio))
                .unwrap_or_else(|| ("$".into(), "JSON non leggibile".into()));
            return Err(vec![ProblemaBreve {
                percorso: e.0,
                messaggio: e.1,
            }]);
        }
    };
    let pm = dsu.protocollo_mittente.clone();
    let dich = dsu
        .dichiarante()
        .map(|d| d.codice_fiscale.as_str().to_string())
        .unwrap_or_default();
    let v = isee_core::valida(dsu).map_err(|p| {
        p.into_iter()
            .filter(|x| x.gravita == Gravita::Errore)
            .map(|x| ProblemaBreve {
                percorso: x.percorso,
                messaggio: x.messaggio,
            })
            .collect::<Vec<_>>()
    })?;
    motore
        .calcola(&v, richiesta)
        .map(|e| (e, pm, dich))
        .map_err(|e| {
            vec![ProblemaBreve {
                percorso: "$".into(),
                messaggio: e.to_string(),
            }]
        })
}

fn scrivi_riga(out: &mut Vec<u8>, n: u64, (e, pm, dich): &(Esito, Option<String>, String)) {
    let riga = Riga {
        riga: n,
        protocollo_mittente: pm.as_deref(),
        dichiarante: dich,
        tipo: e.tipo,
        isee: e.isee,
        righe: &e.righe,
        validita_al: e.validita.al,
    };
    let _ = serde_json::to_writer(&mut *out, &riga);
    out.push(b'\n');
}

//! `isee batch`: JSON lines of DSUs in, JSON lines of results out.
//!
//! A reader thread cuts the input into blocks of whole lines; the blocks are computed
//! in parallel (rayon) and handed, in order, to a writer thread. Channels are bounded,
//! so memory stays constant however large the input. A record that cannot be read,
//! validated or computed goes to the error report with its line number; the run goes
//! on.

use crate::comandi::calcola::{ArgsMotore, ArgsRichiesta};
use anyhow::{Context, Result};
use isee_core::calcolo::{Motore, Richiesta, Righe};
use isee_core::validazione::Gravita;
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::sync_channel;

#[derive(clap::Args)]
pub struct ArgsBatch {
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

/// Output buffers come back here once written: fresh large buffers would cost page
/// faults and zeroing in the kernel for every chunk.
static BUFFER_LIBERI: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());
const BUFFER_LIBERI_MAX: usize = 64;

/// Bytes per block: large enough to amortise the hand-offs, small enough that the
/// blocks in flight stay a few tens of megabytes.
const BLOCCO_BYTES: usize = 1 << 20;
const BLOCCHI_IN_VOLO: usize = 8;

struct Blocco {
    prima_riga: u64,
    dati: Vec<u8>,
}

struct Risultato {
    /// Per worker chunk, in order: results and errors, written as they are.
    parti: Vec<(Vec<u8>, Vec<u8>)>,
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
    #[serde(serialize_with = "isee_core::importo::serializza_decimale")]
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

    // Pipeline: reader → blocks computed as independent tasks (two at a time on two
    // cores, no barrier between them) → writer, which puts them back in order. A
    // block may only start when a token is free; the writer returns the token once
    // the block is written, so at most BLOCCHI_IN_VOLO blocks exist at any time.
    let (tx_blocchi, rx_blocchi) = sync_channel::<Blocco>(2);
    // Input buffers go back to the reader once computed: fresh buffers would cost
    // page faults and zeroing in the kernel for every block.
    let (tx_liberi, rx_liberi) = sync_channel::<Vec<u8>>(BLOCCHI_IN_VOLO + 2);
    let lettore = std::thread::spawn(move || leggi_blocchi(input, tx_blocchi, rx_liberi));
    let (tx_token, rx_token) = sync_channel::<()>(BLOCCHI_IN_VOLO);
    for _ in 0..BLOCCHI_IN_VOLO {
        tx_token.send(()).ok();
    }
    let (tx_ris, rx_ris) = std::sync::mpsc::channel::<(u64, Risultato)>();
    let scrittore = std::thread::spawn(move || -> Result<(u64, u64)> {
        let (mut ok, mut ko) = (0, 0);
        let mut attesi = std::collections::BTreeMap::new();
        let mut prossimo = 0u64;
        for (n, r) in rx_ris {
            attesi.insert(n, r);
            while let Some(r) = attesi.remove(&prossimo) {
                for (u, e) in r.parti {
                    uscita.write_all(&u)?;
                    errori.write_all(&e)?;
                    if let Ok(mut v) = BUFFER_LIBERI.lock()
                        && v.len() < BUFFER_LIBERI_MAX
                    {
                        v.push(u);
                    }
                }
                ok += r.ok;
                ko += r.ko;
                barra.inc(r.byte);
                prossimo += 1;
                let _ = tx_token.send(());
            }
        }
        uscita.flush()?;
        errori.flush()?;
        barra.finish_and_clear();
        Ok((ok, ko))
    });
    let motore = std::sync::Arc::new(motore);
    let richiesta = std::sync::Arc::new(richiesta);
    for (n, blocco) in rx_blocchi.into_iter().enumerate() {
        if rx_token.recv().is_err() {
            break;
        }
        let (motore, richiesta) = (motore.clone(), richiesta.clone());
        let (tx_ris, tx_liberi) = (tx_ris.clone(), tx_liberi.clone());
        pool.spawn(move || {
            let r = calcola_blocco(&motore, &richiesta, &blocco);
            let _ = tx_liberi.try_send(blocco.dati);
            let _ = tx_ris.send((n as u64, r));
        });
    }
    drop(tx_liberi);
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
    liberi: std::sync::mpsc::Receiver<Vec<u8>>,
) -> Result<()> {
    let mut resto: Vec<u8> = Vec::new();
    let mut riga = 1u64;
    loop {
        let mut dati = liberi.try_recv().unwrap_or_default();
        dati.clear();
        dati.extend_from_slice(&resto);
        resto.clear();
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
        if !finito && let Some(ultimo) = memchr::memrchr(b'\n', &dati) {
            resto.extend_from_slice(&dati[ultimo + 1..]);
            dati.truncate(ultimo + 1);
        }
        if dati.is_empty() {
            return Ok(());
        }
        let righe = memchr::memchr_iter(b'\n', &dati).count() as u64
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
    let mut righe: Vec<(u64, &[u8])> = Vec::with_capacity(b.dati.len() / 512);
    let mut inizio = 0;
    let fini = memchr::memchr_iter(b'\n', &b.dati).chain(std::iter::once(b.dati.len()));
    for (n, fine) in (b.prima_riga..).zip(fini) {
        if fine < inizio {
            break;
        }
        let r = &b.dati[inizio..fine];
        if !r.iter().all(u8::is_ascii_whitespace) {
            righe.push((n, r));
        }
        inizio = fine + 1;
    }
    // One block is one task: its records are computed in order, into one buffer.
    let mut out = BUFFER_LIBERI
        .lock()
        .ok()
        .and_then(|mut v| v.pop())
        .unwrap_or_default();
    out.clear();
    out.reserve(righe.len() * 600);
    let mut err = Vec::new();
    let (mut ok, mut ko) = (0, 0);
    for (n, testo) in &righe {
        match calcola_riga(motore, richiesta, *n, testo, &mut out) {
            Ok(()) => ok += 1,
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
    let parti = vec![(out, err, ok, ko)];
    let mut r = Risultato {
        parti: Vec::with_capacity(parti.len()),
        ok: 0,
        ko: 0,
        byte: b.dati.len() as u64,
    };
    for (o, e, ok, ko) in parti {
        r.parti.push((o, e));
        r.ok += ok;
        r.ko += ko;
    }
    r
}

/// Reads, validates and computes one record, and writes its result line into `out`.
fn calcola_riga(
    motore: &Motore,
    richiesta: &Richiesta,
    n: u64,
    testo: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), Vec<ProblemaBreve>> {
    // One UTF-8 check for the whole line is much cheaper than serde_json's check of
    // every string of it.
    let letto = std::str::from_utf8(testo)
        .ok()
        .and_then(|t| serde_json::from_str::<isee_core::Dsu>(t).ok());
    let Some(dsu) = letto else {
        // The slow path gives the path of the error.
        let t = String::from_utf8_lossy(testo);
        let (percorso, messaggio) = isee_core::Dsu::da_json(&t)
            .err()
            .map(|e| (e.percorso, e.messaggio))
            .unwrap_or_else(|| ("$".into(), "JSON non leggibile".into()));
        return Err(vec![ProblemaBreve {
            percorso,
            messaggio,
        }]);
    };
    let v = isee_core::valida(dsu).map_err(|p| {
        p.into_iter()
            .filter(|x| x.gravita == Gravita::Errore)
            .map(|x| ProblemaBreve {
                percorso: x.percorso,
                messaggio: x.messaggio,
            })
            .collect::<Vec<_>>()
    })?;
    let e = motore.calcola(&v, richiesta).map_err(|e| {
        vec![ProblemaBreve {
            percorso: "$".into(),
            messaggio: e.to_string(),
        }]
    })?;
    let d = v.dsu();
    let riga = Riga {
        riga: n,
        protocollo_mittente: d.protocollo_mittente.as_deref(),
        dichiarante: d
            .dichiarante()
            .map(|c| c.codice_fiscale.as_str())
            .unwrap_or_default(),
        tipo: e.tipo,
        isee: e.isee,
        righe: &e.righe,
        validita_al: e.validita.al,
    };
    let _ = serde_json::to_writer(&mut *out, &riga);
    out.push(b'\n');
    Ok(())
}

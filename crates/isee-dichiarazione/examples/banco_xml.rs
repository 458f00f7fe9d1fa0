//! Import throughput: DSUs per second read from `ISEE_Dichiarazione` documents on
//! one core. Target: ≥ 50,000/s in release.
//!
//! ```text
//! cargo run --release -p isee-dichiarazione --example banco_xml -- [dsu] [giri]
//! ```
//!
//! The documents are isee-genera's population (seed 1, 2026, with its made-up
//! `dati_inps`) written by `esporta` once, before the clock starts; the loop times
//! `importa` alone, by the wall clock and by the thread's CPU time (the figure per
//! core that holds on a busy machine too).

use isee_dichiarazione::{Opzioni, esporta, importa};
use std::time::Instant;

/// Nanoseconds this thread has spent on a CPU (Linux's schedstat), so that the figure
/// per core holds on a machine where other work runs too; `None` elsewhere.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let giri: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let imp = isee_genera::Impostazioni::new(1, 2026);
    let mut documenti = Vec::with_capacity(n as usize);
    let mut saltati = 0;
    for indice in 0..n {
        let mut dsu = isee_genera::nucleo(&imp, indice);
        isee_genera::completa_per_inps(&mut dsu);
        match esporta(&dsu, &Opzioni::default()) {
            Ok(xml) => documenti.push(xml),
            Err(_) => saltati += 1,
        }
    }
    let byte: usize = documenti.iter().map(Vec::len).sum();
    println!(
        "{} documenti ({} non esportabili), {} byte in media",
        documenti.len(),
        saltati,
        byte / documenti.len().max(1)
    );
    let inizio = Instant::now();
    let cpu_inizio = cpu_ns();
    let mut letti = 0u64;
    for _ in 0..giri {
        for d in &documenti {
            if importa(std::hint::black_box(d)).is_ok() {
                letti += 1;
            }
        }
    }
    let secondi = inizio.elapsed().as_secs_f64();
    println!(
        "importa: {letti} DSU in {secondi:.3} s = {:.0} DSU/s su un core",
        letti as f64 / secondi
    );
    if let (Some(a), Some(b)) = (cpu_inizio, cpu_ns()) {
        let cpu = (b - a) as f64 / 1e9;
        println!(
            "tempo di CPU del thread: {cpu:.3} s = {:.0} DSU per secondo di CPU",
            letti as f64 / cpu
        );
    }
}

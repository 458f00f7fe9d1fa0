//! Writes a synthetic month of applications as CSV, for the batch timing in
//! `docs/PERFORMANCE-tariffe.md`: `cargo run --release -p isee-tariffe --example genera_domande -- 100000 > domande.csv`.
//!
//! Deterministic (a fixed-seed linear congruential generator), so every run bills the same rows.

use std::io::{self, BufWriter, Write};

fn main() -> io::Result<()> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let mut stato: u64 = 0x5EED;
    let mut caso = move |m: u64| {
        stato = stato
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (stato >> 33) % m
    };
    let mut out = BufWriter::new(io::stdout().lock());
    writeln!(
        out,
        "id,isee,tipo_isee,residente,presenze,figli_minori,ordine_figlio,disabilita,condizioni,mese"
    )?;
    for i in 0..n {
        let isee = if caso(20) == 0 {
            String::new()
        } else {
            format!("{}.{:02}", caso(45_000), caso(100))
        };
        let residente = if caso(25) == 0 { "no" } else { "si" };
        let condizioni = if caso(8) == 0 { "mutuo_prima_casa" } else { "" };
        writeln!(
            out,
            "{i},{isee},minorenni,{residente},{},{},{},{},{condizioni},2020-{:02}",
            caso(23),
            1 + caso(4),
            1 + caso(2),
            if caso(30) == 0 { "si" } else { "no" },
            9 + caso(4),
        )?;
    }
    out.flush()
}

//! The fast evaluation does not allocate: measured with an instrumented global allocator.
//!
//! The file runs without libtest's harness (`harness = false` in Cargo.toml): `main` is the
//! process's only thread, so nothing else allocates while the region measures. Under the
//! harness, CI once counted 4 allocations (900 bytes, never freed) made while the test ran
//! although the evaluation itself allocates nothing (the same binary counts 0 locally).

use std::alloc::System;

use isee_tariffe::{Domanda, TipoIsee, carica};
use rust_decimal::Decimal;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBALE: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn main() {
    valuta_non_alloca();
    println!("valuta_non_alloca ... ok");
}

fn valuta_non_alloca() {
    let tariffe: Vec<_> = [
        include_str!("../regole/ravenna-nido.toml"),
        include_str!("../regole/rapallo-nido.toml"),
        include_str!("../regole/manfredonia-mensa.toml"),
    ]
    .iter()
    .map(|t| carica(t).unwrap().tariffa)
    .collect();
    let mut domande = Vec::new();
    for t in &tariffe {
        for cent in (0..5_000_000i64).step_by(7_919) {
            let mut d = Domanda::nuova(Some(Decimal::new(cent, 2)), TipoIsee::Minorenni);
            d.presenze = Some(Decimal::from(cent % 23));
            d.figli_minori = (cent % 4) as u16;
            d.disabilita = cent % 5 == 0;
            d.mese = Some("2020-10".parse().unwrap());
            if let Some(c) = t
                .condizione("mutuo_prima_casa")
                .or(t.condizione("tempo_pieno"))
            {
                d.condizioni = c;
            }
            domande.push(d);
        }
        domande.push(Domanda::nuova(None, TipoIsee::Minorenni));
    }
    let mut totale = Decimal::ZERO;
    let regione = Region::new(GLOBALE);
    for t in &tariffe {
        for d in &domande {
            // Rows built for another tariff may lack presences: errors must not allocate either.
            if let Ok(e) = t.valuta(d) {
                totale += e.importo;
            }
        }
    }
    let cambi = regione.change();
    assert!(totale > Decimal::ZERO);
    assert_eq!(cambi.allocations, 0, "{cambi:?}");
    assert_eq!(cambi.reallocations, 0, "{cambi:?}");
}

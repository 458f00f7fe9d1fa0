//! Throughput of the calculation core, on a synthetic population.
//!
//! `cargo bench -p isee-core --bench calcolo`. The population is generated and
//! validated before timing; the timed loop is the calculation only.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use isee_core::calcolo::{Motore, Richiesta};
use isee_genera::{Impostazioni, nucleo};
use std::hint::black_box;

const N: u64 = 10_000;

fn popolazione(anno: i32) -> Vec<isee_core::DsuValidata> {
    let imp = Impostazioni::new(2026, anno);
    (0..N)
        .map(|i| isee_core::valida(nucleo(&imp, i)).expect("valid"))
        .collect()
}

fn calcolo(c: &mut Criterion) {
    let motore = Motore::predefinito();
    let mut g = c.benchmark_group("isee");
    g.throughput(Throughput::Elements(N));
    g.sample_size(20);
    {
        let anno = 2026;
        let pop = popolazione(anno);
        let ordinario = Richiesta::ordinario();
        g.bench_with_input(
            BenchmarkId::new("ordinario_senza_traccia", anno),
            &pop,
            |b, pop| {
                b.iter(|| {
                    for d in pop {
                        black_box(motore.calcola(d, &ordinario).unwrap().isee);
                    }
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("ordinario_con_traccia", anno),
            &pop,
            |b, pop| {
                b.iter(|| {
                    for d in pop {
                        black_box(motore.calcola_con_traccia(d, &ordinario).unwrap().isee);
                    }
                })
            },
        );
        let testi: Vec<String> = pop
            .iter()
            .map(|d| serde_json::to_string(d.dsu()).unwrap())
            .collect();
        // Baseline in the same run: only scanning the JSON, so the ratio to it says what
        // reading into the DSU types, validating and computing add.
        g.bench_with_input(
            BenchmarkId::new("riferimento_solo_scansione_json", anno),
            &testi,
            |b, testi| {
                b.iter(|| {
                    for t in testi {
                        black_box(serde_json::from_str::<serde::de::IgnoredAny>(t).unwrap());
                    }
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("json_lettura_validazione_calcolo", anno),
            &testi,
            |b, testi| {
                b.iter(|| {
                    for t in testi {
                        let d: isee_core::Dsu = serde_json::from_str(t).unwrap();
                        let v = isee_core::valida(d).unwrap();
                        black_box(motore.calcola(&v, &ordinario).unwrap().isee);
                    }
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, calcolo);
criterion_main!(benches);

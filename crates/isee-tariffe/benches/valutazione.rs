//! Criterion benchmark of tariff evaluation (the hot path of batch billing).
//!
//! Run: `CARGO_TARGET_DIR=/work/target-tariffe cargo bench -p isee-tariffe --bench valutazione`.
//! Each iteration evaluates 1,024 different applications, so the reported throughput is
//! evaluations per second on one core.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use isee_tariffe::{Domanda, Tariffa, TipoIsee, carica};
use rust_decimal::Decimal;

const RAVENNA: &str = include_str!("../regole/ravenna-nido.toml");
const RAPALLO: &str = include_str!("../regole/rapallo-nido.toml");
const MANFREDONIA: &str = include_str!("../regole/manfredonia-mensa.toml");

/// 1,024 applications spread over the whole ISEE range, with presences, siblings, disability and
/// the tariff's first declared condition on some of them.
fn domande(t: &Tariffa) -> Vec<Domanda> {
    let condizione = t.condizioni_dichiarate().next().map(|(n, _)| n.to_string());
    (0..1024i64)
        .map(|i| {
            let cent = (i * 4_567_891) % 5_000_000;
            let mut d = Domanda::nuova(Some(Decimal::new(cent, 2)), TipoIsee::Minorenni);
            if i % 50 == 0 {
                d.isee = None;
            }
            d.presenze = Some(Decimal::from(i % 23));
            d.figli_minori = (i % 4) as u16;
            d.ordine_figlio = 1 + (i % 3) as u16;
            d.disabilita = i % 7 == 0;
            d.mese = Some("2020-10".parse().unwrap());
            if i % 3 == 0
                && let Some(c) = &condizione
            {
                d.condizioni = t.condizioni([c.as_str()]).unwrap();
            }
            d
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("valuta");
    g.throughput(Throughput::Elements(1024));
    for (nome, testo) in [
        ("ravenna", RAVENNA),
        ("rapallo", RAPALLO),
        ("manfredonia", MANFREDONIA),
    ] {
        let t = carica(testo).unwrap().tariffa;
        let ds = domande(&t);
        g.bench_function(nome, |b| {
            b.iter(|| {
                let mut totale = Decimal::ZERO;
                for d in &ds {
                    if let Ok(e) = t.valuta(black_box(d)) {
                        totale += e.importo;
                    }
                }
                black_box(totale)
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("valuta_spiegata");
    g.throughput(Throughput::Elements(1024));
    let t = carica(RAVENNA).unwrap().tariffa;
    let ds = domande(&t);
    g.bench_function("ravenna_passi", |b| {
        b.iter(|| {
            for d in &ds {
                black_box(t.valuta_spiegata(black_box(d)).ok());
            }
        })
    });
    g.bench_function("ravenna_testo", |b| {
        b.iter(|| {
            for d in &ds {
                if let Ok((_, sp)) = t.valuta_spiegata(black_box(d)) {
                    black_box(sp.in_linea(&t));
                }
            }
        })
    });
    g.finish();

    c.bench_function("carica/ravenna", |b| {
        b.iter(|| carica(black_box(RAVENNA)).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

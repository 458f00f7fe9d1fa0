//! Timing of one `ConsultazioneIndicatore` call as the server sees it: parse
//! the request, build the inner `Indicatore`, write the answer envelope.
//!
//! `cargo run --release -p isee-soap --example banco_soap`
//!
//! Prints the median time per call over batches, so that a stray slow batch
//! (scheduler, frequency scaling) does not move the figure.

use std::hint::black_box;
use std::time::Instant;

use chrono::NaiveDate;
use isee_soap::{
    Contenuto, DatiIndicatore, Esito, Risposta, leggi_richiesta, scrivi_risposta, xml_indicatore,
};
use rust_decimal::dec;

const RICHIESTA: &[u8] = include_bytes!("../tests/golden/ConsultazioneIndicatore.richiesta.xml");
const AZIONE: &str =
    "\"http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneIndicatore\"";

fn chiamata(id: i64) -> usize {
    let richiesta = leggi_richiesta(black_box(RICHIESTA), Some(AZIONE)).expect("richiesta valida");
    let indicatore = DatiIndicatore {
        tipo: richiesta.tipo_indicatore.expect("tipo"),
        ise: dec!(42911.75),
        scala_equivalenza: dec!(2.46),
        isee: dec!(17443.80),
        isr: dec!(36653.95),
        isp: dec!(31289.00),
        protocollo_dsu: "INPS-ISEE-2026-00012345A-00".into(),
        data_presentazione: NaiveDate::from_ymd_opt(2026, 1, 15).expect("data"),
        ricerca: richiesta.ricerca,
        nucleo: None,
    };
    let risposta = Risposta {
        operazione: richiesta.operazione,
        id_richiesta: id,
        esito: Esito::Ok,
        descrizione_errore: None,
        contenuto: Contenuto::Indicatore(xml_indicatore(&indicatore)),
    };
    black_box(scrivi_risposta(&risposta)).len()
}

fn mediana(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    const PER_LOTTO: u32 = 200;
    const LOTTI: usize = 500;
    let mut totale = 0usize;
    for i in 0..2_000 {
        totale += chiamata(i);
    }
    let mut per_chiamata = Vec::with_capacity(LOTTI);
    let mut solo_lettura = Vec::with_capacity(LOTTI);
    for lotto in 0..LOTTI {
        let inizio = Instant::now();
        for i in 0..PER_LOTTO {
            totale += chiamata(i64::from(i) + lotto as i64);
        }
        per_chiamata.push(inizio.elapsed().as_secs_f64() * 1e6 / f64::from(PER_LOTTO));

        let inizio = Instant::now();
        for _ in 0..PER_LOTTO {
            totale += black_box(leggi_richiesta(black_box(RICHIESTA), Some(AZIONE)))
                .map(|r| r.ricerca.codice_fiscale().len())
                .unwrap_or(0);
        }
        solo_lettura.push(inizio.elapsed().as_secs_f64() * 1e6 / f64::from(PER_LOTTO));
    }
    println!(
        "ConsultazioneIndicatore ({} byte di richiesta, {} byte di risposta)",
        RICHIESTA.len(),
        chiamata(0)
    );
    println!(
        "  lettura della richiesta:            {:.2} µs (mediana)",
        mediana(solo_lettura)
    );
    println!(
        "  lettura + Indicatore + risposta:    {:.2} µs (mediana)",
        mediana(per_chiamata)
    );
    black_box(totale);
}

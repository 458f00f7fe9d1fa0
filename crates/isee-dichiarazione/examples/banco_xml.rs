//! Import throughput: DSUs per second read from `ISEE_Dichiarazione` documents on
//! one core. Target: ≥ 50,000/s in release.
//!
//! ```text
//! cargo run --release -p isee-dichiarazione --example banco_xml -- [dsu] [giri]
//! ```
//!
//! The documents are isee-genera's population (seed 1, 2026) written by `esporta`
//! once, before the clock starts; the loop times `importa` alone.

use isee_dichiarazione::{
    DatiPersona, Indirizzo, Integrazioni, Opzioni, Sottoscrizione, esporta, importa,
};
use std::time::Instant;

fn integrazioni(dsu: &isee_core::Dsu) -> Integrazioni {
    let mut i = Integrazioni {
        sottoscrizione: Some(Sottoscrizione {
            codice_fiscale: dsu.componenti[0].codice_fiscale,
            protocollo_mittente: Some("CAF-BANCO-0001".into()),
            luogo: "ROMA".into(),
            data: None,
            note: None,
            impedimento_temporaneo: false,
            rappresentanza_legale: false,
            pec: None,
            autorizzazione_ritiro: false,
            numero_ricevuta: None,
        }),
        indirizzo_abitazione: Some(Indirizzo {
            indirizzo: "VIA ROMA".into(),
            civico: "1".into(),
            codice_comune: dsu.abitazione.codice_comune.unwrap_or("H501".into()),
            provincia: "RM".into(),
            cap: "00100".into(),
        }),
        ..Integrazioni::default()
    };
    let mut fogli: Vec<&isee_core::dsu::Componente> = dsu.componenti.iter().collect();
    for g in &dsu.genitori_non_conviventi {
        if let isee_core::dsu::SituazioneGenitore::ComponenteAggiuntiva { dati, .. } = &g.situazione
        {
            fogli.push(&dati.foglio);
        }
    }
    for c in fogli {
        let certificazione = c.disabilita.map(|_| isee_dichiarazione::Certificazione {
            ente: "ASL".into(),
            documento: "VERBALE".into(),
            data: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default(),
            prestazioni_residenziali: false,
        });
        i.persone.insert(
            c.codice_fiscale.as_str().into(),
            DatiPersona {
                cittadinanza: "ITALIANA".into(),
                provincia_nascita: "RM".into(),
                cognome: Some("ROSSI".into()),
                nome: Some("MARIA".into()),
                certificazione,
                ..DatiPersona::default()
            },
        );
    }
    i
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let giri: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let imp = isee_genera::Impostazioni::new(1, 2026);
    let mut documenti = Vec::with_capacity(n as usize);
    let mut saltati = 0;
    for indice in 0..n {
        let dsu = isee_genera::nucleo(&imp, indice);
        match esporta(&dsu, &Opzioni::new(integrazioni(&dsu))) {
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
}

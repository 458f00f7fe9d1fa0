//! The tax agency's JSON Lines file for omissioni/difformità
//! (`isee_registro::omissioni::leggi_dati_agenzia`). No panic; every line is either
//! read or reported with its number; each record read is compared (`confronta`) with an
//! example DSU, once as given and once bound to each member's fiscal code.
#![no_main]

use isee_core::Dsu;
use isee_registro::Protocollo;
use isee_registro::omissioni::{confronta, leggi_dati_agenzia};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static DSU: LazyLock<Dsu> = LazyLock::new(|| {
    Dsu::da_json(include_str!("../../esempi/ordinario-famiglia-ravenna.json")).expect("esempio")
});
static PROTOCOLLO: LazyLock<Protocollo> =
    LazyLock::new(|| Protocollo::new("INPS-ISEE", 2026, 12345, 0).expect("protocollo"));

fuzz_target!(|dati: &[u8]| {
    let Ok(testo) = std::str::from_utf8(dati) else {
        return;
    };
    let (letti, errori) = leggi_dati_agenzia(testo);
    let righe = testo.lines().filter(|r| !r.trim().is_empty()).count();
    assert_eq!(
        letti.len() + errori.len(),
        righe,
        "ogni riga letta o segnalata"
    );
    for ae in letti {
        let _ = confronta(&PROTOCOLLO, &DSU, &ae);
        for c in &DSU.componenti {
            let mut legato = ae.clone();
            legato.codice_fiscale = c.codice_fiscale;
            let _ = confronta(&PROTOCOLLO, &DSU, &legato);
        }
    }
});

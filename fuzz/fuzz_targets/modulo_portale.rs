//! The portal's simulatore form (`isee_portale::simulatore`): any urlencoded body, read
//! as the portal reads it, gives a form of at most `MAX_COMPONENTI` members and then
//! either an ISEE or problems each naming a field of the form; never a panic. The
//! other forms of the portal read their fields with the same urlencoded decoder.
#![no_main]

use isee_core::calcolo::Motore;
use isee_portale::simulatore::{EsitoSimulazione, MAX_COMPONENTI, Modulo, simula};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static MOTORE: LazyLock<Motore> = LazyLock::new(Motore::predefinito);

fuzz_target!(|dati: &[u8]| {
    let Ok(coppie) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(dati) else {
        return;
    };
    let m = Modulo::da_coppie(&coppie);
    assert!(m.componenti.len() <= MAX_COMPONENTI);
    match simula(&MOTORE, &m) {
        EsitoSimulazione::Calcolato(e) => assert!(e.isee >= rust_decimal::Decimal::ZERO),
        EsitoSimulazione::Errori(errori) => {
            assert!(!errori.is_empty(), "un rifiuto dice perché");
            for e in &errori {
                assert!(!e.campo.is_empty() && !e.messaggio.is_empty());
            }
        }
    }
});

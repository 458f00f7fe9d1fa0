//! The portal's simulatore form (`isee_portale::simulatore`): any urlencoded body, read
//! as the portal reads it, gives a form of at most `MAX_COMPONENTI` members and then
//! either an ISEE or problems each naming a field of the form; never a panic. The same
//! body posted to each step of the DSU wizard (`isee_portale::compila::applica`) keeps
//! the draft within `MAX_COMPONENTI` members, and the draft it gives reads back from
//! its JSON unchanged, with every problem on a field of some step. The other forms of
//! the portal read their fields with the same urlencoded decoder.
#![no_main]

use isee_core::calcolo::Motore;
use isee_portale::compila::{PASSI, Passo, applica};
use isee_portale::simulatore::{EsitoSimulazione, MAX_COMPONENTI, Modulo, simula, verifica};
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
    let mut bozza = Modulo::default();
    for passo in PASSI {
        applica(&mut bozza, passo, &coppie);
        assert!(!bozza.componenti.is_empty() || passo != Passo::Nucleo);
        assert!(bozza.componenti.len() <= MAX_COMPONENTI);
    }
    let json = serde_json::to_string(&bozza).expect("la bozza si scrive");
    let riletta: Modulo = serde_json::from_str(&json).expect("la bozza si rilegge");
    assert_eq!(riletta, bozza);
    if let Err(errori) = verifica(&bozza) {
        for e in &errori {
            let p = Passo::del_campo(&e.campo);
            assert!(
                e.campo == "data"
                    || p.campi_generali().contains(&e.campo.as_str())
                    || e.campo
                        .split_once('_')
                        .is_some_and(|(_, n)| p.campi_componente().contains(&n)),
                "{} in nessun passo",
                e.campo
            );
        }
    }
});

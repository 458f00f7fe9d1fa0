//! The DSU JSON reader (`isee_core::Dsu::da_json`), what the register's REST service
//! and `isee calcola` read. No panic; a DSU read writes back to JSON that reads as the
//! same DSU; a DSU that passes validation computes every indicator without panicking
//! (the core's invariant: "never panics on a validated DSU").
#![no_main]

use isee_core::attestazione::attestazione;
use isee_core::{Dsu, Motore, valida};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static MOTORE: LazyLock<Motore> = LazyLock::new(Motore::predefinito);

fuzz_target!(|dati: &[u8]| {
    let Ok(testo) = std::str::from_utf8(dati) else {
        return;
    };
    let dsu = match Dsu::da_json(testo) {
        Ok(d) => d,
        Err(e) => {
            assert!(e.percorso.starts_with('$'), "percorso: {}", e.percorso);
            return;
        }
    };
    let scritta = serde_json::to_string(&dsu).expect("una DSU letta si scrive");
    let riletta = Dsu::da_json(&scritta).unwrap_or_else(|e| panic!("{e:?}\n{scritta}"));
    assert_eq!(riletta, dsu, "andata e ritorno JSON");
    if let Ok(v) = valida(dsu) {
        let _ = attestazione(&MOTORE, &v);
    }
});

//! The ente's application import (`isee_erogatore::leggi_csv`, `isee registro-ente
//! importa`). No panic; a record read has its required fields and a fiscal code with
//! a valid check character.
#![no_main]

use isee_erogatore::leggi_csv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|dati: &[u8]| {
    let Ok(testo) = std::str::from_utf8(dati) else {
        return;
    };
    let (lette, _rifiutate) = leggi_csv(testo, 7);
    for (_, d) in &lette {
        assert!(!d.id.is_empty() && !d.ente.is_empty() && !d.servizio.is_empty());
        assert!(isee_core::codice_fiscale::verifica(&d.codice_fiscale).is_ok());
    }
});

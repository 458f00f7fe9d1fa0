//! The INPS document reader (`isee_dichiarazione::importa`), what `isee xml importa`
//! and the register's XML filing read. No panic; every refusal names at least one
//! problem, each with an element path; a document read writes back (extensions kept,
//! the DSU's `dati_inps` read with it) as a document that reads as the same DSU.
#![no_main]

use isee_dichiarazione::{Decimali, Opzioni, esporta, importa_documento};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|dati: &[u8]| {
    let documento = match importa_documento(dati) {
        Ok(d) => d,
        Err(e) => {
            assert!(!e.problemi.is_empty(), "un rifiuto senza problemi");
            for p in &e.problemi {
                assert!(p.percorso.starts_with('/'), "percorso: {}", p.percorso);
                assert!(!p.messaggio.is_empty(), "messaggio vuoto a {}", p.percorso);
            }
            return;
        }
    };
    let opzioni = Opzioni {
        decimali: Decimali::Arrotonda,
        operazione: documento.operazione,
        ..Opzioni::default()
    };
    // A document read may still not be writable (INPS's limits are checked on
    // export too); when it is, it reads back as the same DSU.
    if let Ok(xml) = esporta(&documento.dsu, &opzioni) {
        let riletto = importa_documento(&xml)
            .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&xml)));
        assert_eq!(riletto.dsu, documento.dsu, "andata e ritorno XML");
    }
});

//! The SOAP reader (`isee_soap::leggi_richiesta`), the body of every
//! ConsultazioneISEE call. No panic; bounded; a request read is written back
//! (`scrivi_richiesta`) to XML that reads as the same request.
//!
//! The first line of the input, when it starts with `#`, is the `SOAPAction` header.
#![no_main]

use isee_soap::{ErroreRichiesta, leggi_richiesta, scrivi_richiesta};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|dati: &[u8]| {
    let (azione, corpo) = match dati.strip_prefix(b"#") {
        Some(resto) => {
            let fine = resto
                .iter()
                .position(|&b| b == b'\n')
                .unwrap_or(resto.len());
            let Ok(a) = std::str::from_utf8(&resto[..fine]) else {
                return;
            };
            (Some(a), resto.get(fine + 1..).unwrap_or_default())
        }
        None => (None, dati),
    };
    match leggi_richiesta(corpo, azione) {
        Ok(r) => {
            let xml = scrivi_richiesta(&r);
            let riletta = leggi_richiesta(&xml, None)
                .unwrap_or_else(|e| panic!("{e:?}\n{}", String::from_utf8_lossy(&xml)));
            assert_eq!(riletta, r, "andata e ritorno SOAP");
        }
        Err(ErroreRichiesta::Envelope { messaggio }) => assert!(!messaggio.is_empty()),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});

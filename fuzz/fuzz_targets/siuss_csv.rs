//! The ente's benefit records (`isee_siuss::leggi_csv`, `isee siuss importa`) and
//! INPS's outcomes (`isee_siuss::api::esiti_letti`, the body of `POST /esiti`):
//! untrusted input. No panic; a record read satisfies the rules the XML relies on
//! (a positive amount, shares adding up to it, a valid fiscal code), and its document
//! names the flow; outcomes read are at most 100.
#![no_main]

use isee_siuss::api::{ElencoEsiti, MASSIMO_VOCI, esiti_letti};
use isee_siuss::{Ente, PrestazioneErogata, leggi_csv};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

fuzz_target!(|dati: &[u8]| {
    if let Ok(e) = serde_json::from_slice::<ElencoEsiti>(dati)
        && let Ok(letti) = esiti_letti(&e)
    {
        assert!(letti.len() <= MASSIMO_VOCI);
    }
    let Ok(testo) = std::str::from_utf8(dati) else {
        return;
    };
    let Ok(righe) = leggi_csv(testo) else {
        return;
    };
    let ente = Ente::new("H199", "Comune di Ravenna").unwrap();
    for (_, r) in &righe {
        let p = PrestazioneErogata::leggi(r).expect("riga accettata da leggi_csv");
        assert!(p.importo() > Decimal::ZERO);
        let quote = [p.quote.ente, p.quote.utente, p.quote.ssn];
        if quote.iter().any(Option::is_some) {
            assert_eq!(quote.iter().flatten().sum::<Decimal>(), p.importo());
        }
        assert!(isee_core::codice_fiscale::verifica(&p.beneficiario.codice_fiscale).is_ok());
        let xml = isee_siuss::xml::documento_ps(&ente, "H199.PS.20260315.0000001", &p);
        assert!(xml.contains("Nome=\"H199.PS.20260315.0000001\""));
        assert_eq!(xml.matches('<').count(), xml.matches('>').count());
    }
});

//! ISTAT's CSV of the Comuni (`isee_enti::leggi_istat`; Windows-1252 or UTF-8,
//! semicolons). No panic.
#![no_main]

use isee_enti::leggi_istat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|dati: &[u8]| {
    if let Ok((comuni, avvisi)) = leggi_istat(dati) {
        let _ = (comuni.len(), avvisi.len());
    }
});

//! IPA's open-data export of public bodies (CKAN JSON or CSV) (`isee_enti::leggi_ipa`), downloaded open data
//! `isee enti importa` reads. No panic; then joined with a one-line ISTAT file
//! (`unisci`), so the join sees every body read.
#![no_main]

use chrono::NaiveDate;
use isee_enti::{leggi_ipa, leggi_istat, unisci};
use libfuzzer_sys::fuzz_target;

const ISTAT: &[u8] = include_bytes!("../../crates/isee-enti/dati/istat-comuni-2026-10-01.csv");

fuzz_target!(|dati: &[u8]| {
    let Ok((enti, _avvisi)) = leggi_ipa(dati) else {
        return;
    };
    let (comuni, _) = leggi_istat(ISTAT).expect("il file ISTAT di esempio si legge");
    let d = NaiveDate::from_ymd_opt(2026, 1, 1).expect("data");
    let n = enti.len();
    let (anagrafe, _) = unisci(enti, comuni, d, d);
    assert!(anagrafe.len() <= n);
});

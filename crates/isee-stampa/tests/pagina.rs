//! The printable attestation: every line, its trace, escaping, the annotations.

use isee_stampa::{Annotazione, Intestazione, attestazione_con_traccia, pagina};
use std::path::Path;

fn esempio(nome: &str) -> isee_core::DsuValidata {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../esempi")
        .join(nome);
    let d = isee_core::Dsu::da_json(&std::fs::read_to_string(p).unwrap()).unwrap();
    isee_core::valida(d).unwrap()
}

#[test]
fn la_pagina_riporta_righe_valori_e_traccia() {
    let motore = isee_core::Motore::predefinito();
    let dsu = esempio("ordinario-famiglia-ravenna.json");
    let att = attestazione_con_traccia(&motore, &dsu);
    let oggi = chrono::NaiveDate::from_ymd_opt(2026, 2, 11).unwrap();
    let html = pagina(
        dsu.dsu(),
        &att,
        &Intestazione {
            protocollo: Some("INPS-ISEE-2026-00000017K-00"),
            protocollo_mittente: Some("CAF-RA-2026-000123"),
            data_rilascio: oggi,
            annotazioni: &[],
        },
    );
    assert!(html.starts_with("<!DOCTYPE html>"));
    for atteso in [
        "INPS-ISEE-2026-00000017K-00",
        "Somma dei redditi dei componenti del nucleo",
        "50.000,00",
        "16.739,13",
        "15.804,20",
        "2,76",
        "Dichiarante",
        "Nessuna omissione",
        "come è stato calcolato",
        "DPCM 159/2013, art. 5, c. 2",
    ] {
        assert!(html.contains(atteso), "missing «{atteso}»");
    }
    // One indicator section per computed indicator.
    assert_eq!(html.matches("<h2>").count(), 1 + att.indicatori.len() + 1);
    // Self-contained: no scripts, no external resources.
    assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"));
}

#[test]
fn testo_dell_utente_e_annotazioni_sono_escapati() {
    let motore = isee_core::Motore::predefinito();
    let dsu = esempio("ordinario-famiglia-ravenna.json");
    let att = attestazione_con_traccia(&motore, &dsu);
    let ann = [Annotazione {
        codice_fiscale: "RSSMRA85M01H199H".into(),
        tipo: "PatrimoniMobiliari".into(),
        specifiche: "<img src=x onerror=alert(1)> conto omesso".into(),
    }];
    let html = pagina(
        dsu.dsu(),
        &att,
        &Intestazione {
            protocollo: None,
            protocollo_mittente: Some("<b>x</b>"),
            data_rilascio: chrono::NaiveDate::from_ymd_opt(2026, 2, 11).unwrap(),
            annotazioni: &ann,
        },
    );
    assert!(!html.contains("<img") && html.contains("&lt;img src=x"));
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"));
    assert!(html.contains("PatrimoniMobiliari") && html.contains("non modificano il valore"));
}

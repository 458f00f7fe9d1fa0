//! The PDF attestation read back with poppler's `pdftotext` (`isee_prova::pdf`):
//! every amount of every computed indicator and the protocol are in the text.

use isee_core::attestazione::EsitoIndicatore;
use isee_core::report::euro;
use isee_stampa::{Intestazione, attestazione_con_traccia};
use std::path::Path;

#[test]
fn il_pdf_riporta_protocollo_e_importi() {
    let motore = isee_core::Motore::predefinito();
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../esempi/ordinario-famiglia-ravenna.json");
    let d = isee_core::Dsu::da_json(&std::fs::read_to_string(p).unwrap()).unwrap();
    let dsu = isee_core::valida(d).unwrap();
    let att = attestazione_con_traccia(&motore, &dsu);
    let int = Intestazione {
        protocollo: Some("INPS-ISEE-2026-00000017K-00"),
        protocollo_mittente: None,
        data_rilascio: chrono::NaiveDate::from_ymd_opt(2026, 2, 11).unwrap(),
        annotazioni: &[],
    };
    let pdf = isee_stampa::pdf::attestazione(dsu.dsu(), &att, &int).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let Some(testo) = isee_prova::pdf::testo(&pdf) else {
        assert!(!isee_prova::pdf::pdftotext_disponibile());
        return;
    };
    assert!(testo.contains("INPS-ISEE-2026-00000017K-00"));
    for i in &att.indicatori {
        if let EsitoIndicatore::Calcolato(e) = &i.esito {
            for x in [e.isee, e.righe.isr, e.righe.isp, e.righe.ise] {
                assert!(testo.contains(&euro(x)), "manca {}", euro(x));
            }
        }
    }
}

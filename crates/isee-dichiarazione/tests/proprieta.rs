//! Generated DSUs (isee-genera, whole euros): `importa(esporta(d)) == d`, and the
//! document is valid for INPS.

mod comune;

use isee_dichiarazione::{Opzioni, esporta, esporta_con_avvisi, importa, importa_documento};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn andata_e_ritorno(seme in any::<u64>(), indice in 0u64..1_000_000, anno in 2016i32..=2026) {
        let imp = isee_genera::Impostazioni::new(seme, anno);
        let dsu = comune::completa(isee_genera::nucleo(&imp, indice));
        let opzioni = Opzioni::default();
        let e = esporta_con_avvisi(&dsu, &opzioni).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(e.avvisi.iter().all(|a| !a.messaggio.contains("arrotondato")));
        let letto = importa_documento(&e.xml).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&letto.dsu, &dsu);
        let solo_xml = esporta(&dsu, &opzioni).ok();
        prop_assert_eq!(solo_xml.as_ref(), Some(&e.xml));
        prop_assert_eq!(importa(&e.xml).ok(), Some(dsu));
    }
}

#[test]
fn i_documenti_generati_sono_validi_per_inps() {
    let schema = comune::schema();
    for indice in 0..40 {
        let dsu = comune::completa(isee_genera::nucleo(
            &isee_genera::Impostazioni::new(7, 2026),
            indice,
        ));
        let xml = esporta_con_avvisi(&dsu, &Opzioni::default()).unwrap().xml;
        isee_prova::xsd::valida(&schema, &format!("generato-{indice}"), &xml)
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

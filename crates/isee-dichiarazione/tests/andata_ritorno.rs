//! Every DSU example of the repository, JSON → XML → JSON: the same DSU, the same
//! integrations, and a document valid against INPS's `ISEE_Dichiarazione.xsd`.

mod comune;

use isee_core::Dsu;
use isee_dichiarazione::{Opzioni, esporta, esporta_con_avvisi, importa_documento};
use std::path::{Path, PathBuf};

fn radice() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// (name, DSU JSON) of every example: `esempi/*.json` and the core's golden cases.
fn esempi() -> Vec<(String, String)> {
    let mut v = Vec::new();
    for d in ["esempi", "crates/isee-core/tests/golden"] {
        let mut file: Vec<_> = std::fs::read_dir(radice().join(d))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        file.sort();
        for f in file {
            let testo = std::fs::read_to_string(&f).unwrap();
            let valore: serde_json::Value = serde_json::from_str(&testo).unwrap();
            let dsu = valore.get("dsu").cloned().unwrap_or(valore);
            v.push((
                f.file_name().unwrap().to_string_lossy().into_owned(),
                dsu.to_string(),
            ));
        }
    }
    v
}

/// The examples INPS's document cannot carry, with every problem the export lists.
const RIFIUTATI: &[(&str, &[&str])] = &[
    // Made to show every error at once.
    (
        "errori-multipli.json",
        &[
            "$.componenti[0].patrimonio_immobiliare[0].codice_comune",
            "$.genitori_non_conviventi[0]",
            "$.genitori_non_conviventi[0]",
            "$.data_presentazione",
        ],
    ),
    // A fall of income without the event INPS's TipoVariazione requires.
    (
        "2026-corrente-reddituale-non-calcolabile.json",
        &["$.corrente.variazioni[0].tipo"],
    ),
];

#[test]
fn ogni_esempio_torna_identico_e_il_documento_e_valido_per_inps() {
    let schema = comune::schema();
    let esempi = esempi();
    assert!(esempi.len() > 50, "{} esempi", esempi.len());
    let mut illeggibili = Vec::new();
    let mut provati = 0;
    for (nome, json) in &esempi {
        let Ok(dsu) = Dsu::da_json(json) else {
            illeggibili.push(nome.clone());
            continue;
        };
        let dsu = comune::completa(dsu);
        let opzioni = Opzioni::default();
        if let Some((_, attesi)) = RIFIUTATI.iter().find(|(n, _)| n == nome) {
            let e = esporta_con_avvisi(&dsu, &opzioni).unwrap_err();
            let percorsi: Vec<&str> = e.problemi.iter().map(|p| p.percorso.as_str()).collect();
            assert_eq!(&percorsi, attesi, "{nome}: {e}");
            provati += 1;
            continue;
        }
        let esportato =
            esporta_con_avvisi(&dsu, &opzioni).unwrap_or_else(|e| panic!("{nome}: {e}"));
        assert!(
            esportato
                .xml
                .starts_with(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"),
            "{nome}"
        );
        isee_prova::xsd::valida(&schema, nome, &esportato.xml)
            .unwrap_or_else(|e| panic!("{nome}: {e}\n{}", String::from_utf8_lossy(&esportato.xml)));
        let letto = importa_documento(&esportato.xml)
            .unwrap_or_else(|e| panic!("{nome}: {e}\n{}", String::from_utf8_lossy(&esportato.xml)));
        assert_eq!(letto.dsu, dsu, "{nome}");
        // And the JSON of the DSU read back is the JSON of the DSU.
        assert_eq!(
            serde_json::to_value(&letto.dsu).unwrap(),
            serde_json::to_value(&dsu).unwrap(),
            "{nome}"
        );
        provati += 1;
    }
    // Only the example built to show many errors at once is not a DSU.
    assert_eq!(illeggibili, Vec::<String>::new());
    assert_eq!(provati, esempi.len());
}

/// The bytes are ISO-8859-1: "Forlì" is one byte 0xEC, and the declaration says so.
#[test]
fn il_documento_e_in_iso_8859_1() {
    let testo = std::fs::read_to_string(
        radice().join("esempi/minorenni-componente-aggiuntiva-bologna.json"),
    )
    .unwrap();
    let mut dsu = comune::completa(Dsu::da_json(&testo).unwrap());
    if let Some(s) = &mut dsu.dati_inps.sottoscrizione {
        s.luogo = "Forlì".into();
    }
    let xml = esporta(&dsu, &Opzioni::default()).unwrap();
    assert!(xml.windows(5).any(|w| w == b"Forl\xEC"));
    // Nicolò, upper-case as INPS's TypeNome wants: Ò is 0xD2.
    assert!(
        xml.windows(6).any(|w| w == b"NICOL\xD2"),
        "{}",
        String::from_utf8_lossy(&xml)
    );
    assert!(std::str::from_utf8(&xml).is_err(), "not UTF-8");
    std::fs::write(
        std::env::temp_dir().join("isee-dichiarazione-esempio.xml"),
        &xml,
    )
    .unwrap();
}

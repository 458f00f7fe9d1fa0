//! Cents, characters outside Latin-1, and the reader's problems and bounds.

mod comune;

use isee_core::Dsu;
use isee_core::importo::Importo;
use isee_dichiarazione::{Decimali, Opzioni, esporta_con_avvisi, importa};
use rust_decimal::Decimal;
use std::str::FromStr;

fn esempio() -> Dsu {
    let testo = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../esempi/ordinario-famiglia-ravenna.json"),
    )
    .unwrap();
    comune::completa(Dsu::da_json(&testo).unwrap())
}

fn euro(s: &str) -> Importo {
    Importo::new(Decimal::from_str(s).unwrap())
}

fn xml_valido() -> (Dsu, String) {
    let dsu = esempio();
    let xml = esporta_con_avvisi(&dsu, &Opzioni::default()).unwrap().xml;
    (dsu, xml.iter().map(|&b| char::from(b)).collect())
}

#[test]
fn rifiuta_elenca_ogni_importo_con_decimali() {
    let mut dsu = esempio();
    dsu.componenti[0].redditi.reddito_complessivo = euro("32000.40");
    dsu.componenti[1].patrimonio_mobiliare[0].saldo_31_12 = euro("3000.01");
    let e = esporta_con_avvisi(&dsu, &Opzioni::default()).unwrap_err();
    let percorsi: Vec<&str> = e.problemi.iter().map(|p| p.percorso.as_str()).collect();
    assert_eq!(
        percorsi,
        [
            "$.componenti[0].redditi.reddito_complessivo",
            "$.componenti[1].patrimonio_mobiliare[0].saldo_31_12",
        ],
        "{e}"
    );
    assert!(e.problemi[0].messaggio.contains("euro interi"), "{e}");
}

#[test]
fn arrotonda_a_meta_verso_l_alto_e_avvisa_per_campo() {
    let mut dsu = esempio();
    dsu.componenti[0].redditi.reddito_complessivo = euro("32000.50");
    dsu.componenti[1].patrimonio_mobiliare[0].saldo_31_12 = euro("3000.49");
    let opzioni = Opzioni {
        decimali: Decimali::Arrotonda,
        ..Opzioni::default()
    };
    let e = esporta_con_avvisi(&dsu, &opzioni).unwrap();
    let arrotondati: Vec<&str> = e
        .avvisi
        .iter()
        .filter(|a| a.messaggio.contains("arrotondato"))
        .map(|a| a.percorso.as_str())
        .collect();
    assert_eq!(
        arrotondati,
        [
            "$.componenti[0].redditi.reddito_complessivo",
            "$.componenti[1].patrimonio_mobiliare[0].saldo_31_12",
        ]
    );
    let letto = importa(&e.xml).unwrap();
    assert_eq!(
        letto.componenti[0].redditi.reddito_complessivo,
        Importo::euro(32001)
    );
    assert_eq!(
        letto.componenti[1].patrimonio_mobiliare[0].saldo_31_12,
        Importo::euro(3000)
    );
    isee_prova::xsd::valida(&comune::schema(), "arrotondato", &e.xml).unwrap();
}

#[test]
fn fuori_da_latin1_e_un_errore_con_il_percorso() {
    let mut dsu = esempio();
    dsu.componenti[1].cognome = Some("Łukasiewicz".into());
    dsu.componenti[0].patrimonio_mobiliare[0].identificativo = Some("IT€1".into());
    let e = esporta_con_avvisi(&dsu, &Opzioni::default()).unwrap_err();
    let percorsi: Vec<&str> = e.problemi.iter().map(|p| p.percorso.as_str()).collect();
    assert!(percorsi.contains(&"$.componenti[1].cognome"), "{e}");
    assert!(
        percorsi.contains(&"$.componenti[0].patrimonio_mobiliare[0].identificativo"),
        "{e}"
    );
    assert!(e.to_string().contains("ISO-8859-1"), "{e}");
}

#[test]
fn senza_dati_inps_elenca_tutto_cio_che_inps_richiede() {
    let mut dsu = esempio();
    dsu.dati_inps = Default::default();
    let e = esporta_con_avvisi(&dsu, &Opzioni::default()).unwrap_err();
    let percorsi: Vec<&str> = e.problemi.iter().map(|p| p.percorso.as_str()).collect();
    assert!(percorsi.contains(&"$.dati_inps.sottoscrizione"), "{e}");
    assert!(
        percorsi.contains(&"$.dati_inps.indirizzo_abitazione"),
        "{e}"
    );
    for c in &dsu.componenti {
        for campo in ["cittadinanza", "provincia_nascita"] {
            let atteso = format!("$.dati_inps.persone[\"{}\"].{campo}", c.codice_fiscale);
            assert!(percorsi.contains(&atteso.as_str()), "{atteso}: {e}");
        }
    }
    assert!(e.problemi.iter().all(|p| !p.messaggio.is_empty()));
}

/// With `Assenti::Segnala` the same data are warnings and the document says only what
/// the DSU says: no made-up value takes their place.
#[test]
fn segnala_lascia_fuori_i_dati_assenti_e_li_elenca() {
    use isee_dichiarazione::Assenti;
    let mut dsu = esempio();
    let completo = esporta_con_avvisi(&dsu, &Opzioni::default()).unwrap();
    dsu.dati_inps = Default::default();
    let opzioni = Opzioni {
        assenti: Assenti::Segnala,
        ..Opzioni::default()
    };
    let e = esporta_con_avvisi(&dsu, &opzioni).unwrap();
    let percorsi: Vec<&str> = e.avvisi.iter().map(|a| a.percorso.as_str()).collect();
    assert!(
        percorsi.contains(&"$.dati_inps.sottoscrizione"),
        "{percorsi:?}"
    );
    assert!(
        percorsi.contains(&"$.dati_inps.indirizzo_abitazione"),
        "{percorsi:?}"
    );
    assert_eq!(
        percorsi
            .iter()
            .filter(|p| p.ends_with(".cittadinanza"))
            .count(),
        dsu.componenti.len()
    );
    let testo: String = e.xml.iter().map(|&b| char::from(b)).collect();
    assert!(!testo.contains("<Sottoscrizione"), "{testo}");
    assert!(!testo.contains("Cittadinanza="), "{testo}");
    assert!(!testo.contains("IndirizzoAbitazione"), "{testo}");
    assert!(completo.avvisi.is_empty(), "{:?}", completo.avvisi);
    // Not valid for INPS (required data missing), and xmllint says so.
    assert!(isee_prova::xsd::valida(&comune::schema(), "segnala", &e.xml).is_err());
    // Read back: the calculation's data are all there.
    let letto = importa(&e.xml);
    if let Ok(letto) = letto {
        assert_eq!(letto.componenti, dsu.componenti);
    }
}

#[test]
fn importa_riporta_ogni_problema_con_il_percorso() {
    let (_, xml) = xml_valido();
    let cf2 = esempio().componenti[1].codice_fiscale;
    let guasto = xml
        .replacen(
            &format!("FoglioComponenteNucleo CodiceFiscale=\"{cf2}\""),
            "FoglioComponenteNucleo CodiceFiscale=\"XYZ\"",
            1,
        )
        .replacen(
            "RapportoConDichiarante=\"D\"",
            "RapportoConDichiarante=\"Q\"",
            1,
        )
        .replacen("Saldo3112=\"", "Saldo3112=\"12.5", 1)
        .replacen(
            "<Operazione Tipo=\"N\">",
            "<Operazione Tipo=\"N\" Inventato=\"1\">",
            1,
        )
        .replacen("DataNascita=\"", "DataNascita=\"2025-02-30\" X=\"", 1);
    let bytes: Vec<u8> = guasto.chars().map(|c| c as u32 as u8).collect();
    let e = importa(&bytes).unwrap_err();
    let percorsi: Vec<&str> = e.problemi.iter().map(|p| p.percorso.as_str()).collect();
    for atteso in [
        "/Dichiarazione/NucleoFamiliare/ComponenteNucleo[2]/FoglioComponenteNucleo/@CodiceFiscale",
        "/Dichiarazione/NucleoFamiliare/ComponenteNucleo[1]/@RapportoConDichiarante",
        "/Dichiarazione/NucleoFamiliare/ComponenteNucleo[1]/FoglioComponenteNucleo/PatrimonioMobiliare/Rapporto[1]/@Saldo3112",
        "/Dichiarazione/Operazione/@Inventato",
        "/Dichiarazione/NucleoFamiliare/ComponenteNucleo[1]/FoglioComponenteNucleo/DatiComponente/Anagrafica/@X",
    ] {
        assert!(percorsi.contains(&atteso), "{atteso} non in {e}");
    }
    assert!(e.problemi.len() >= 5, "{e}");
    assert!(
        e.problemi
            .iter()
            .any(|p| p.messaggio.contains("non ammesso")),
        "{e}"
    );
}

#[test]
fn importa_legge_anche_utf8_dichiarato() {
    let (dsu, xml) = xml_valido();
    let utf8 = xml.replacen("encoding=\"ISO-8859-1\"", "encoding=\"UTF-8\"", 1);
    assert_eq!(importa(utf8.as_bytes()).unwrap(), dsu);
    // Latin-1 bytes declared as UTF-8 are refused, not misread.
    let latin1: Vec<u8> = utf8.chars().map(|c| c as u32 as u8).collect();
    if latin1 != utf8.as_bytes() {
        assert!(importa(&latin1).is_err());
    }
}

#[test]
fn importa_rifiuta_dtd_entita_e_documenti_enormi_o_profondi() {
    let (_, xml) = xml_valido();
    let dtd = xml.replacen(
        "?>\n",
        "?>\n<!DOCTYPE Dichiarazione [<!ENTITY x \"aaaa\">]>\n",
        1,
    );
    let e = importa(dtd.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("DTD"), "{e}");

    // Without an internal subset too.
    let doctype = xml.replacen(
        "?>\n",
        "?>\n<!DOCTYPE Dichiarazione SYSTEM \"file:///etc/passwd\">\n",
        1,
    );
    assert!(
        importa(doctype.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("DTD")
    );

    // A dichiarante that is not the member with relation D.
    let cf = esempio().componenti[1].codice_fiscale;
    let altro_dichiarante = xml.replacen(
        "CodiceFiscaleDichiarante=\"",
        &format!("CodiceFiscaleDichiarante=\"{cf}\" X=\""),
        1,
    );
    let e = importa(
        &altro_dichiarante
            .chars()
            .map(|c| c as u32 as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap_err();
    assert!(
        e.problemi.iter().any(|p| p.percorso == "/Dichiarazione/@X"),
        "{e}"
    );
    assert!(
        e.problemi
            .iter()
            .any(|p| p.percorso == "/Dichiarazione/@CodiceFiscaleDichiarante"
                && p.messaggio.contains("rapporto D")),
        "{e}"
    );

    // Very deep nesting fails cleanly (no stack overflow), within the size limit.
    let abisso = format!(
        "<?xml version=\"1.0\"?><Dichiarazione xmlns=\"http://inps.it/ISEERiforma\">{}{}</Dichiarazione>",
        "<a>".repeat(150_000),
        "</a>".repeat(150_000)
    );
    assert!(importa(abisso.as_bytes()).is_err());

    let enorme = vec![b' '; isee_dichiarazione::DIMENSIONE_MASSIMA + 1];
    assert!(
        importa(&enorme)
            .unwrap_err()
            .to_string()
            .contains("troppo grande")
    );

    let profondo = format!(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Dichiarazione xmlns=\"http://inps.it/ISEERiforma\">{}{}</Dichiarazione>",
        "<a>".repeat(100),
        "</a>".repeat(100)
    );
    assert!(
        importa(profondo.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("profondo")
    );

    let altro = "<?xml version=\"1.0\"?><Attestazione xmlns=\"http://inps.it/ISEERiforma\"/>";
    assert!(
        importa(altro.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("radice")
    );
}

#[test]
fn senza_estensioni_il_documento_resta_valido_ma_perde_i_campi_nostri() {
    let dsu = esempio();
    let opzioni = Opzioni {
        estensioni: false,
        ..Opzioni::default()
    };
    let xml = esporta_con_avvisi(&dsu, &opzioni).unwrap().xml;
    assert!(!xml.windows(6).any(|w| w == b"<?isee"));
    isee_prova::xsd::valida(&comune::schema(), "senza-estensioni", &xml).unwrap();
    let letto = importa(&xml).unwrap();
    assert_eq!(letto.componenti.len(), dsu.componenti.len());
    assert_eq!(letto.componenti[0].mesi_lavoro, 0);
    assert_ne!(dsu.componenti[0].mesi_lavoro, 0);
}

#[test]
fn i_dati_inps_completi_tornano_identici() {
    use isee_core::data::Data;
    use isee_dichiarazione::{Operazione, TipoOperazione, TipoVeicolo, Veicolo, importa_documento};
    let mut dsu = esempio();
    let cf = dsu.componenti[0].codice_fiscale;
    let i = &mut dsu.dati_inps;
    let residenza = i.indirizzo_abitazione.clone();
    let p = i.persone.get_mut(cf.as_str()).unwrap();
    p.veicoli = vec![
        Veicolo {
            tipo: TipoVeicolo::A,
            targa: "AB123CD".into(),
        },
        Veicolo {
            tipo: TipoVeicolo::I,
            targa: "RM1234".into(),
        },
    ];
    p.residenza = residenza;
    p.sesso = Some(isee_dichiarazione::Sesso::F);
    let s = i.sottoscrizione.as_mut().unwrap();
    s.pec = Some("famiglia@pec.it".into());
    s.numero_ricevuta = Some("R-42".into());
    s.note = Some("firma \"olografa\" & <copia>".into());
    s.data = Some(Data::new(
        chrono::NaiveDate::from_ymd_opt(2026, 2, 9).unwrap(),
    ));
    let opzioni = Opzioni {
        operazione: Operazione {
            tipo: TipoOperazione::R,
            codice_fiscale_riferimento: Some(cf),
            protocollo_riferimento: Some("INPS-ISEE-2026-00001234A-00".into()),
        },
        ..Opzioni::default()
    };
    let xml = esporta_con_avvisi(&dsu, &opzioni).unwrap().xml;
    isee_prova::xsd::valida(&comune::schema(), "dati-inps", &xml).unwrap();
    let testo: String = xml.iter().map(|&b| char::from(b)).collect();
    assert!(testo.contains("Targa=\"AB123CD\""), "{testo}");
    let letto = importa_documento(&xml).unwrap();
    assert_eq!(letto.dsu, dsu);
    assert_eq!(letto.operazione, opzioni.operazione);
    // The JSON carries them under `dati_inps`, and reads back.
    let json = serde_json::to_value(&dsu).unwrap();
    assert_eq!(
        json["dati_inps"]["persone"][cf.as_str()]["veicoli"][1]["tipo"],
        "I"
    );
    assert_eq!(Dsu::da_json(&json.to_string()).unwrap(), dsu);
}

//! Reading the ente's records: every rule of the XSD and of INPS's specification,
//! every problem at once, with its field.

mod comune;

use comune::{occasionale, periodica};
use isee_siuss::prestazione::{AreaUtenza, COLONNE, Carattere, ProvaMezzi};
use isee_siuss::{PrestazioneErogata, RecordGrezzo, leggi_csv};
use rust_decimal::Decimal;

fn campi(r: &RecordGrezzo) -> Vec<&'static str> {
    let mut c: Vec<_> = PrestazioneErogata::leggi(r)
        .unwrap_err()
        .0
        .iter()
        .map(|p| p.campo)
        .collect();
    c.sort_unstable();
    c
}

#[test]
fn record_validi_letti() {
    let p = PrestazioneErogata::leggi(&periodica()).unwrap();
    assert_eq!(p.prova_mezzi, ProvaMezzi::Isee);
    assert_eq!(p.presa_carico, Some(AreaUtenza::FamigliaMinori));
    assert_eq!(p.importo(), Decimal::new(15000, 2));
    assert_eq!(p.dsu.as_ref().unwrap().anno_protocollo, 2026);
    let o = PrestazioneErogata::leggi(&occasionale()).unwrap();
    assert!(matches!(o.carattere, Carattere::Occasionale { .. }));
    assert_eq!(o.presa_carico, None);
    assert_eq!(o.beneficiario.residenza.regione, None);
}

#[test]
fn ogni_problema_insieme_con_il_suo_campo() {
    let r = RecordGrezzo {
        codice_fiscale: Some("RSSMRA85M01H199X".into()),
        anno_nascita: Some("85".into()),
        genere: Some("X".into()),
        comune_residenza: None,
        codice_prestazione: Some("trasporto".into()),
        denominazione_prestazione: Some("breve".into()),
        data_inizio: Some("01/02/2026".into()),
        importo_mensile: Some("-3".into()),
        presa_carico: Some("1".into()),
        area_utenza: None,
        cf_operatore: None,
        ..periodica()
    };
    assert_eq!(
        campi(&r),
        vec![
            "anno_nascita",
            "area_utenza",
            "cf_operatore",
            "codice_fiscale",
            "codice_prestazione",
            "comune_residenza",
            "data_inizio",
            "denominazione_prestazione",
            "genere",
            "importo_mensile",
        ]
    );
}

#[test]
fn codice_fiscale_mascherato_nei_messaggi() {
    let r = RecordGrezzo {
        codice_fiscale: Some("RSSMRA85M01H199X".into()),
        ..periodica()
    };
    let e = PrestazioneErogata::leggi(&r).unwrap_err().to_string();
    assert!(!e.contains("RSSMRA85M01H199X"), "{e}");
    assert!(e.contains("RSSMRA*********X"), "{e}");
}

#[test]
fn regole_tra_campi_della_specifica() {
    // The shares must add up to the monthly amount.
    let r = RecordGrezzo {
        quota_utente: Some("30.00".into()),
        ..periodica()
    };
    let e = PrestazioneErogata::leggi(&r).unwrap_err();
    assert_eq!(e.0.len(), 1, "{e}");
    assert!(e.0[0].messaggio.contains("150.50"), "{e}");
    // DSU fields all or none.
    let r = RecordGrezzo {
        data_dsu: None,
        ..periodica()
    };
    assert_eq!(campi(&r), vec!["data_dsu"]);
    // End in another year; one-off fields on a periodic benefit.
    let r = RecordGrezzo {
        data_fine: Some("2027-01-31".into()),
        importo_prestazione: Some("10".into()),
        ..periodica()
    };
    assert_eq!(campi(&r), vec!["data_fine", "importo_prestazione"]);
    // A one-off benefit needs its date and amount, and no area without presa in carico.
    let r = RecordGrezzo {
        data_erogazione: None,
        importo_prestazione: Some("0".into()),
        area_utenza: Some("2".into()),
        ..occasionale()
    };
    assert_eq!(
        campi(&r),
        vec!["area_utenza", "data_erogazione", "importo_prestazione"]
    );
    // Italy needs region and comune.
    let r = RecordGrezzo {
        nazione_residenza: Some("380".into()),
        ..occasionale()
    };
    assert_eq!(campi(&r), vec!["comune_residenza", "regione_residenza"]);
}

#[test]
fn importi_e_ore_nel_formato_atteso() {
    for (campo, valore) in [
        ("quota_richiesta", "1e3"),
        ("quota_richiesta", "12,50"),
        ("quota_richiesta", "1.234"),
        ("ore_servizio_mensile", "10.75"),
    ] {
        let mut r = periodica();
        match campo {
            "quota_richiesta" => r.quota_richiesta = Some(valore.into()),
            _ => r.ore_servizio_mensile = Some(valore.into()),
        }
        assert_eq!(campi(&r), vec![campo], "{campo} = {valore}");
    }
}

fn csv_di(righe: &[RecordGrezzo]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLONNE).unwrap();
    for r in righe {
        let v = serde_json::to_value(r).unwrap();
        w.write_record(COLONNE.iter().map(|c| v[c].as_str().unwrap_or("")))
            .unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

#[test]
fn csv_letto_per_nome_di_colonna() {
    let righe = leggi_csv(&csv_di(&[periodica(), occasionale()])).unwrap();
    assert_eq!(righe.len(), 2);
    assert_eq!(righe[0].1, periodica());
    assert_eq!(righe[1].0, 3, "numero di riga del file");
}

#[test]
fn csv_tutte_le_righe_sbagliate_riportate() {
    let brutta = RecordGrezzo {
        genere: Some("9".into()),
        cf_operatore: None,
        ..periodica()
    };
    let testo = csv_di(&[brutta.clone(), periodica(), brutta]);
    let errori = leggi_csv(&testo).unwrap_err();
    let righe: Vec<u64> = errori.iter().map(|(r, _)| *r).collect();
    assert_eq!(righe, vec![2, 4]);
    assert_eq!(errori[0].1.0.len(), 2);
}

#[test]
fn csv_colonna_sconosciuta_rifiutata() {
    let testo = csv_di(&[periodica()]).replacen("quota_ente", "quota_comune", 1);
    let errori = leggi_csv(&testo).unwrap_err();
    assert!(
        errori
            .iter()
            .any(|(r, p)| *r == 1 && p.to_string().contains("quota_comune")),
        "{errori:?}"
    );
}

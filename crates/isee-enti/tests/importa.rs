//! Import: the shipped dated extracts, the format variants the real files come in,
//! and every kind of bad record, reported with its row.

use chrono::NaiveDate;
use isee_enti::categorie::{Esclusione, GruppoEservizi, ammesso};
use isee_enti::{
    AnagrafeEnti, Avviso, ComuneIstat, EnteIpa, ErroreImport, Fonte, leggi_ipa, leggi_istat, unisci,
};
use serde_json::{Value, json};

const IPA: &[u8] = include_bytes!("../dati/ipa-enti-2026-10-01.json");
const ISTAT: &[u8] = include_bytes!("../dati/istat-comuni-2026-10-01.csv");

fn data(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn anagrafe_spedita() -> AnagrafeEnti {
    let (ipa, a1) = leggi_ipa(IPA).unwrap();
    let (istat, a2) = leggi_istat(ISTAT).unwrap();
    assert!(a1.is_empty() && a2.is_empty(), "{a1:?} {a2:?}");
    let (a, a3) = unisci(ipa, istat, data("2026-10-01"), data("2026-10-01"));
    assert!(a3.is_empty(), "{a3:?}");
    a
}

fn campi(avvisi: &[Avviso]) -> Vec<(usize, &str)> {
    avvisi.iter().map(|a| (a.riga, a.campo.as_str())).collect()
}

// ---------------------------------------------------------------------------------
// The shipped extracts.

#[test]
fn estratti_spediti_si_leggono_senza_avvisi() {
    let (ipa, _) = leggi_ipa(IPA).unwrap();
    let (istat, _) = leggi_istat(ISTAT).unwrap();
    assert_eq!(ipa.len(), 40);
    assert_eq!(istat.len(), 24);
    let a = anagrafe_spedita();
    assert_eq!(a.len(), 40);
    assert_eq!(a.data_ipa, data("2026-10-01"));
    let conta = |c: &str| a.iter().filter(|e| e.categoria == c).count();
    assert_eq!(conta("L6"), 23);
    assert_eq!(conta("L4"), 2);
    assert_eq!(conta("L7"), 3);
    assert_eq!(conta("L17"), 2);
    assert_eq!(conta("L43"), 1);
    assert_eq!(conta("L15"), 2);
    assert_eq!(conta("L39"), 1);
    for c in ["L18", "L45", "L5"] {
        assert_eq!(conta(c), 1, "{c}");
    }
}

#[test]
fn flag_capoluogo_dell_istat() {
    let (istat, _) = leggi_istat(ISTAT).unwrap();
    let flag = |nome: &str| {
        istat
            .iter()
            .find(|c| c.denominazione == nome)
            .unwrap_or_else(|| panic!("{nome}"))
            .capoluogo
    };
    assert!(flag("Ravenna"));
    assert!(!flag("Rapallo"), "«0» is not true (the bool(\"0\") bug)");
    assert!(flag("Barletta") && flag("Andria") && flag("Trani"));
    // Windows-1252 decoded.
    assert!(flag("Forlì") && flag("Cesena"));
    // CRLF lines, and a header of three lines (two headers wrap inside quotes).
    assert_eq!(istat[0].riga, 4);
    assert_eq!(istat[23].riga, 27);
    let forli = istat.iter().find(|c| c.codice_istat == "040012").unwrap();
    assert_eq!(forli.unita_sovracomunale.as_deref(), Some("Forlì-Cesena"));
    assert_eq!(forli.sigla_automobilistica.as_deref(), Some("FC"));

    let a = anagrafe_spedita();
    let capoluogo = |ipa: &str| a.per_ipa(ipa).unwrap().capoluogo;
    assert!(capoluogo("c_h199"));
    assert!(!capoluogo("c_h183"));
    assert!(capoluogo("c_a669") && capoluogo("c_a285") && capoluogo("c_l328"));
    for non in ["c_e885", "c_c553", "c_d458", "c_e289", "c_e730"] {
        assert!(!capoluogo(non), "{non}");
    }
    assert_eq!(a.iter().filter(|e| e.capoluogo).count(), 16);
}

#[test]
fn codici_catastali_uniti() {
    let a = anagrafe_spedita();
    let ravenna = a.per_ipa("C_H199").expect("lookup is case-insensitive");
    assert_eq!(ravenna.codice_catastale.as_deref(), Some("H199"));
    assert_eq!(ravenna.codice_istat.as_deref(), Some("039014"));
    assert_eq!(ravenna.comune.as_deref(), Some("Ravenna"));
    assert!(ravenna.e_comune());
    // Lugo has no Belfiore code in the IPA extract: it comes from ISTAT.
    let lugo = a.per_ipa("c_e730").unwrap();
    assert_eq!(lugo.codice_catastale.as_deref(), Some("E730"));
    assert!(lugo.e_comune());
    // An ente that is not a Comune gets its seat's comune.
    let regione = a.per_ipa("r_emiro").unwrap();
    assert_eq!(regione.codice_catastale.as_deref(), Some("A944"));
    assert_eq!(regione.comune.as_deref(), Some("Bologna"));
    assert!(!regione.capoluogo && !regione.e_comune());
    // An association of Comuni (L6) seated in a capoluogo is not a Comune capoluogo.
    let anci = a.per_ipa("anci_emro").unwrap();
    assert_eq!(anci.categoria, "L6");
    assert!(!anci.capoluogo && !anci.e_comune());
    // Lookup by fiscal code.
    let cf = ravenna.codice_fiscale.clone();
    assert_eq!(a.per_codice_fiscale(&cf).unwrap().codice_ipa, "c_h199");
}

#[test]
fn categorie_ammesse_per_gruppo() {
    let a = anagrafe_spedita();
    let e = |ipa: &str| a.per_ipa(ipa).unwrap();
    use GruppoEservizi::*;
    assert_eq!(ammesso(e("c_h199"), ConCertificato), Ok(()));
    assert_eq!(
        ammesso(e("c_h183"), ConCertificato),
        Err(Esclusione::SoloCapoluoghi)
    );
    assert_eq!(
        ammesso(e("anci_emro"), ConCertificato),
        Err(Esclusione::SoloCapoluoghi)
    );
    for g in [Operatori, Riscontro, Residenti] {
        assert_eq!(ammesso(e("c_h183"), g), Ok(()), "{g:?}");
    }
    for ipa in [
        "r_emiro", "ausl_rom", "uni_bo", "cons_bo", "ergo_er", "acer_ra",
    ] {
        for g in [Operatori, Riscontro, ConCertificato] {
            assert_eq!(ammesso(e(ipa), g), Ok(()), "{ipa} {g:?}");
        }
        assert!(
            matches!(
                ammesso(e(ipa), Residenti),
                Err(Esclusione::SoloComuni { .. })
            ),
            "{ipa}"
        );
    }
    for ipa in [
        "u_romfae", "cm_bo", "p_ra", "asp_racr", "aou_bo", "gps_hera",
    ] {
        let esito = ammesso(e(ipa), Riscontro);
        assert!(
            matches!(&esito, Err(Esclusione::CategoriaNonAmmessa { .. })),
            "{ipa}: {esito:?}"
        );
        assert_eq!(esito.unwrap_err().codice(), "CATEGORIA_NON_AMMESSA");
    }
    assert!(matches!(
        ammesso(e("anci_emro"), Residenti),
        Err(Esclusione::SoloComuni { .. })
    ));
}

// ---------------------------------------------------------------------------------
// IPA variants.

fn senza_riga(enti: &[EnteIpa]) -> Vec<EnteIpa> {
    enti.iter()
        .cloned()
        .map(|mut e| {
            e.riga = 0;
            e
        })
        .collect()
}

#[test]
fn ckan_con_colonne_in_altro_ordine() {
    let (attesi, _) = leggi_ipa(IPA).unwrap();
    let v: Value = serde_json::from_slice(IPA).unwrap();
    let n = v["fields"].as_array().unwrap().len();
    // A fixed, non-trivial permutation: reversed, then rotated.
    let ordine: Vec<usize> = (0..n).rev().cycle().skip(3).take(n).collect();
    let campi: Vec<Value> = ordine.iter().map(|&i| v["fields"][i].clone()).collect();
    let record: Vec<Value> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| Value::Array(ordine.iter().map(|&i| r[i].clone()).collect()))
        .collect();
    let rimescolato = json!({ "fields": campi, "records": record });
    let (enti, avvisi) = leggi_ipa(rimescolato.to_string().as_bytes()).unwrap();
    assert!(avvisi.is_empty());
    assert_eq!(enti, attesi);

    // The datastore API's shape: `result`, records as objects.
    let oggetti: Vec<Value> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut o = serde_json::Map::new();
            for (i, f) in v["fields"].as_array().unwrap().iter().enumerate() {
                o.insert(f["id"].as_str().unwrap().to_string(), r[i].clone());
            }
            Value::Object(o)
        })
        .collect();
    let api = json!({ "success": true, "result": { "fields": v["fields"], "records": oggetti } });
    let (enti, avvisi) = leggi_ipa(api.to_string().as_bytes()).unwrap();
    assert!(avvisi.is_empty());
    assert_eq!(enti, attesi);
}

#[test]
fn codice_istat_numerico_riempito_a_sei_cifre() {
    let dump = json!({
        "fields": [{"id": "Codice_IPA"}, {"id": "Denominazione_ente"}, {"id": "Codice_fiscale_ente"},
                   {"id": "Codice_Categoria"}, {"id": "Tipologia"}, {"id": "Codice_comune_ISTAT"}],
        "records": [["c_l219", "Comune di Torino", "00000000000", "l6", "Pubbliche Amministrazioni", 1272]]
    });
    let (enti, avvisi) = leggi_ipa(dump.to_string().as_bytes()).unwrap();
    assert!(avvisi.is_empty());
    assert_eq!(enti[0].codice_istat.as_deref(), Some("001272"));
    assert_eq!(enti[0].categoria, "L6");
    assert_eq!(enti[0].codice_catastale, None);
}

#[test]
fn variante_csv_dell_ipa() {
    let (attesi, _) = leggi_ipa(IPA).unwrap();
    let v: Value = serde_json::from_slice(IPA).unwrap();
    let mut w = csv::Writer::from_writer(Vec::new());
    let intestazione: Vec<&str> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    w.write_record(&intestazione).unwrap();
    for r in v["records"].as_array().unwrap() {
        let celle: Vec<String> = r
            .as_array()
            .unwrap()
            .iter()
            .map(|c| match c {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                altro => altro.to_string(),
            })
            .collect();
        w.write_record(&celle).unwrap();
    }
    let testo = w.into_inner().unwrap();
    let (enti, avvisi) = leggi_ipa(&testo).unwrap();
    assert!(avvisi.is_empty(), "{avvisi:?}");
    assert_eq!(senza_riga(&enti), senza_riga(&attesi));
    // CSV rows are file lines: the header is line 1.
    assert_eq!(enti[0].riga, 2);
    assert_eq!(enti[39].riga, 41);
}

#[test]
fn record_ipa_difettosi_segnalati_tutti() {
    let csv = "\u{feff}Codice_IPA,Denominazione_ente,Codice_fiscale_ente,Codice_Categoria,Tipologia,Codice_comune_ISTAT,Codice_catastale_comune\n\
        c_h199,Comune di Ravenna,00354730392,L6,Pubbliche Amministrazioni,039014,H199\n\
        c_x000,,,L6,Pubbliche Amministrazioni,039014,H199\n\
        c_h199,Comune di Ravenna bis,00354730392,L6,Pubbliche Amministrazioni,039014,H199\n\
        c_d458,Comune di Faenza,00357850395,L6,Pubbliche Amministrazioni,39O10,D45\n\
        ,Senza codice,12345678903,L4,Pubbliche Amministrazioni,,\n";
    let (enti, avvisi) = leggi_ipa(csv.as_bytes()).unwrap();
    assert_eq!(
        enti.iter()
            .map(|e| e.codice_ipa.as_str())
            .collect::<Vec<_>>(),
        ["c_h199", "c_d458"]
    );
    assert_eq!(
        campi(&avvisi),
        [
            (3, "Denominazione_ente"),
            (3, "Codice_fiscale_ente"),
            (4, "Codice_IPA"),
            (5, "Codice_comune_ISTAT"),
            (5, "Codice_catastale_comune"),
            (6, "Codice_IPA"),
        ]
    );
    assert!(avvisi.iter().all(|a| a.fonte == Fonte::Ipa));
    assert!(avvisi[2].messaggio.contains("ripetuto"), "{}", avvisi[2]);
    // The record with bad optional fields is kept without them.
    assert_eq!(enti[1].codice_istat, None);
    assert_eq!(enti[1].codice_catastale, None);
    assert_eq!(
        avvisi[0].to_string(),
        "IPA riga 3, campo «Denominazione_ente»: campo obbligatorio vuoto: ente non importato"
    );
}

#[test]
fn file_ipa_illeggibili() {
    let e = leggi_ipa(b"{\"fields\": [{\"id\": \"Codice_IPA\"}], \"records\": []}").unwrap_err();
    let ErroreImport::ColonneMancanti { fonte, colonne } = e else {
        panic!("{e:?}")
    };
    assert_eq!(fonte, Fonte::Ipa);
    assert_eq!(
        colonne,
        [
            "Denominazione_ente",
            "Codice_fiscale_ente",
            "Codice_Categoria",
            "Tipologia",
            "Codice_comune_ISTAT"
        ]
    );
    assert!(matches!(
        leggi_ipa(b"{\"records\": []}"),
        Err(ErroreImport::NonLeggibile { .. })
    ));
    assert!(matches!(
        leggi_ipa(b"{ not json"),
        Err(ErroreImport::NonLeggibile { .. })
    ));
    assert!(matches!(
        leggi_ipa(b"  "),
        Err(ErroreImport::NonLeggibile { .. })
    ));
}

// ---------------------------------------------------------------------------------
// ISTAT variants.

const VECCHIO: &str = "Codice Regione;Codice Comune formato alfanumerico;Denominazione in italiano;\
Flag Comune capoluogo di provincia;Sigla automobilistica;Codice Catastale del comune\r\n\
08;039014;Ravenna;1;RA;H199\r\n\
07;010046;Rapallo;0;GE;H183\r\n";

fn capoluoghi(c: &[ComuneIstat]) -> Vec<(&str, bool)> {
    c.iter()
        .map(|c| (c.codice_catastale.as_str(), c.capoluogo))
        .collect()
}

#[test]
fn istat_intestazione_vecchia() {
    let (c, avvisi) = leggi_istat(VECCHIO.as_bytes()).unwrap();
    assert!(avvisi.is_empty());
    assert_eq!(capoluoghi(&c), [("H199", true), ("H183", false)]);
    assert_eq!(c[0].riga, 2);
    assert_eq!(c[0].unita_sovracomunale, None);
}

#[test]
fn istat_intestazioni_su_piu_righe_e_maiuscole() {
    let testo = "\"CODICE COMUNE\r\nformato alfanumerico\";\"Denominazione\nin italiano\";\
\"FLAG COMUNE CAPOLUOGO DI PROVINCIA / Città Metropolitana / Libero Consorzio\";\
codice  catastale del COMUNE\r\n\
039014;Ravenna;1;H199\r\n\
039007;Cervia;0;C553\r\n";
    // In Windows-1252, as ISTAT ships it.
    let (byte, _, _) = encoding_rs::WINDOWS_1252.encode(testo);
    let (c, avvisi) = leggi_istat(&byte).unwrap();
    assert!(avvisi.is_empty(), "{avvisi:?}");
    assert_eq!(capoluoghi(&c), [("H199", true), ("C553", false)]);
    // The header takes lines 1–3.
    assert_eq!(c[0].riga, 4);
}

#[test]
fn istat_utf8_con_bom() {
    let testo = "\u{feff}Codice Comune formato alfanumerico;Denominazione in italiano;\
Flag Comune capoluogo di provincia/città metropolitana/libero consorzio;Codice Catastale del comune\n\
040012;Forlì;1;D704\n";
    let (c, avvisi) = leggi_istat(testo.as_bytes()).unwrap();
    assert!(avvisi.is_empty());
    assert_eq!(c[0].denominazione, "Forlì");
    assert!(c[0].capoluogo);
}

#[test]
fn istat_righe_difettose_con_numero_di_riga() {
    let testo = "Codice Comune formato alfanumerico;Denominazione in italiano;\
Flag Comune capoluogo di provincia;Codice Catastale del comune\n\
039014;Ravenna;1;H199\n\
039007;Cervia;x;C553\n\
;Senza codice;0;D458\n\
039012;Lugo;2;E730\n\
039010;Faenza;0;4580\n\
039014;Ravenna doppio;1;H199\n\
037006;;1;A944\n\
;;;\n\
010046;Rapallo; 0 ;h183\n";
    let (c, avvisi) = leggi_istat(testo.as_bytes()).unwrap();
    assert_eq!(
        campi(&avvisi),
        [
            (3, "Flag Comune capoluogo di provincia"),
            (4, "Codice Comune formato alfanumerico"),
            (5, "Flag Comune capoluogo di provincia"),
            (6, "Codice Catastale del comune"),
            (7, "Codice Comune formato alfanumerico"),
            (8, "Denominazione in italiano"),
        ]
    );
    assert!(avvisi.iter().all(|a| a.fonte == Fonte::Istat));
    assert!(avvisi[0].messaggio.contains("«x»"), "{}", avvisi[0]);
    // A bad flag keeps the comune, as not capoluogo.
    assert_eq!(
        capoluoghi_per_nome(&c),
        [
            ("Ravenna", true),
            ("Cervia", false),
            ("Lugo", false),
            ("Rapallo", false)
        ]
    );
    assert_eq!(c[3].codice_catastale, "H183");
}

fn capoluoghi_per_nome(c: &[ComuneIstat]) -> Vec<(&str, bool)> {
    c.iter()
        .map(|c| (c.denominazione.as_str(), c.capoluogo))
        .collect()
}

#[test]
fn istat_senza_colonne_necessarie() {
    let e = leggi_istat(
        "Codice Comune formato alfanumerico;Denominazione\n039014;Ravenna\n".as_bytes(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        ErroreImport::ColonneMancanti {
            fonte: Fonte::Istat,
            colonne: vec![
                "Codice Catastale del comune".into(),
                "Denominazione in italiano".into(),
                "Flag Comune capoluogo di provincia".into()
            ]
        }
    );
    assert!(e.to_string().contains("«Codice Catastale del comune»"));
}

// ---------------------------------------------------------------------------------
// The join.

fn ente_ipa(
    riga: usize,
    ipa: &str,
    cf: &str,
    cat: &str,
    istat: Option<&str>,
    bel: Option<&str>,
) -> EnteIpa {
    EnteIpa {
        riga,
        codice_ipa: ipa.into(),
        denominazione: format!("Ente {ipa}"),
        codice_fiscale: cf.into(),
        categoria: cat.into(),
        tipologia: "Pubbliche Amministrazioni".into(),
        codice_istat: istat.map(Into::into),
        codice_catastale: bel.map(Into::into),
        data_aggiornamento: None,
    }
}

#[test]
fn avvisi_dell_unione() {
    let (istat, _) = leggi_istat(ISTAT).unwrap();
    let ipa = vec![
        ente_ipa(
            1,
            "c_h199",
            "11111111111",
            "L6",
            Some("039014"),
            Some("H199"),
        ),
        // An ISTAT code the ISTAT list lacks (a comune merged away, say).
        ente_ipa(
            2,
            "c_z999",
            "22222222222",
            "L6",
            Some("099999"),
            Some("Z999"),
        ),
        // An L6 ente without ISTAT code.
        ente_ipa(3, "c_y111", "33333333333", "L6", None, None),
        // Belfiore codes that disagree: ISTAT's wins.
        ente_ipa(
            4,
            "c_a944",
            "44444444444",
            "L6",
            Some("037006"),
            Some("A999"),
        ),
        // A fiscal code used twice.
        ente_ipa(5, "asl_x", "11111111111", "L7", Some("039014"), None),
        // Associations (L6, not `c_<Belfiore>`) seated in and out of a capoluogo:
        // neither is a Comune capoluogo, and neither is warned about.
        ente_ipa(6, "ass_ra", "55555555555", "L6", Some("039014"), None),
        ente_ipa(7, "ass_fa", "66666666666", "L6", Some("039010"), None),
        // A non-L6 ente whose seat is unknown to ISTAT: no check depends on it.
        ente_ipa(8, "r_x", "77777777777", "L4", Some("099998"), None),
        // The same IPA code twice (different case).
        ente_ipa(9, "C_H199", "88888888888", "L6", Some("039014"), None),
    ];
    let (a, avvisi) = unisci(ipa, istat, data("2026-10-01"), data("2026-09-30"));
    assert_eq!(
        campi(&avvisi),
        [
            (2, "Codice_comune_ISTAT"),
            (3, "Codice_comune_ISTAT"),
            (4, "Codice_catastale_comune"),
            (5, "Codice_fiscale_ente"),
            (9, "Codice_IPA"),
        ]
    );
    assert!(avvisi[0].messaggio.contains("099999"));
    assert!(avvisi[2].messaggio.contains("A999") && avvisi[2].messaggio.contains("A944"));
    assert_eq!(a.len(), 8);
    assert_eq!(a.data_istat, data("2026-09-30"));
    assert!(a.per_ipa("c_h199").unwrap().capoluogo);
    assert_eq!(a.per_ipa("c_h199").unwrap().codice_fiscale, "11111111111");
    assert!(!a.per_ipa("c_z999").unwrap().capoluogo);
    assert!(!a.per_ipa("c_y111").unwrap().capoluogo);
    let bologna = a.per_ipa("c_a944").unwrap();
    assert_eq!(bologna.codice_catastale.as_deref(), Some("A944"));
    assert!(bologna.capoluogo);
    assert!(!a.per_ipa("ass_ra").unwrap().capoluogo);
    assert_eq!(
        a.per_codice_fiscale("11111111111").unwrap().codice_ipa,
        "asl_x"
    );
}

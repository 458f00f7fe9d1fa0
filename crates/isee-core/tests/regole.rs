//! One test per rule, named after the rule it checks: a small household where only
//! that rule moves the result, and the exact value the law gives.

use isee_core::calcolo::{Esito, Motore, Richiesta};
use isee_core::{Dsu, Opzioni, Prestazione, TipoIsee, valida};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;

/// A single adult in Ravenna, renting nothing, owning nothing.
fn singolo(data: &str) -> Value {
    json!({
        "data_presentazione": data,
        "componenti": [{ "codice_fiscale": "RSSMRA85M01H199H", "data_nascita": "1985-08-01", "rapporto": "D", "mesi_lavoro": 12 }],
        "abitazione": { "titolo": "altro", "codice_comune": "H199" }
    })
}

/// A valid fiscal code for a made-up person born on `nascita`.
fn cf(nome3: &str, nascita: &str) -> String {
    let n = chrono::NaiveDate::from_str(nascita).unwrap();
    isee_core::codice_fiscale::componi("RSS", nome3, n, false, "H199")
        .as_str()
        .to_string()
}

fn figlio(nome3: &str, nascita: &str) -> Value {
    json!({ "codice_fiscale": cf(nome3, nascita), "data_nascita": nascita, "rapporto": "F" })
}

fn calcola_con(v: &Value, r: &Richiesta, o: Opzioni) -> Esito {
    let d = Dsu::da_json(&v.to_string()).unwrap();
    let d = valida(d).unwrap_or_else(|p| panic!("{p:#?}"));
    Motore::new(isee_core::Normativa::ufficiale(), o)
        .calcola(&d, r)
        .unwrap()
}

fn calcola(v: &Value) -> Esito {
    calcola_con(v, &Richiesta::ordinario(), Opzioni::predefinite())
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn art4_c3_franchigia_lavoro_dipendente_20_per_cento_massimo_3000() {
    let mut v = singolo("2026-03-01");
    v["componenti"][0]["redditi"] =
        json!({ "reddito_complessivo": 10000, "di_cui_lavoro_dipendente": 10000 });
    assert_eq!(calcola(&v).righe.detrazioni, d("2000.00"));
    v["componenti"][0]["redditi"] =
        json!({ "reddito_complessivo": 40000, "di_cui_lavoro_dipendente": 40000 });
    assert_eq!(calcola(&v).righe.detrazioni, d("3000.00"));
}

#[test]
fn art4_c3_franchigia_pensione_20_per_cento_massimo_1000() {
    let mut v = singolo("2026-03-01");
    v["componenti"][0]["redditi"] = json!({ "reddito_complessivo": 4000, "di_cui_pensione": 4000 });
    assert_eq!(calcola(&v).righe.detrazioni, d("800.00"));
    v["componenti"][0]["redditi"] =
        json!({ "reddito_complessivo": 20000, "di_cui_pensione": 20000 });
    assert_eq!(calcola(&v).righe.detrazioni, d("1000.00"));
}

#[test]
fn art4_c3_lavoro_autonomo_senza_franchigia() {
    let mut v = singolo("2026-03-01");
    v["componenti"][0]["redditi"] =
        json!({ "reddito_complessivo": 30000, "di_cui_lavoro_autonomo": 30000 });
    assert_eq!(calcola(&v).righe.detrazioni, d("0.00"));
    assert_eq!(calcola(&v).righe.isr, d("30000.00"));
}

#[test]
fn art4_c3_spese_sanitarie_disabili_massimo_5000() {
    let mut v = singolo("2026-03-01");
    v["componenti"][0]["redditi"] =
        json!({ "reddito_complessivo": 30000, "di_cui_lavoro_autonomo": 30000 });
    v["componenti"][0]["spese_sanitarie_disabili"] = json!(8000);
    assert_eq!(calcola(&v).righe.detrazioni, d("5000.00"));
}

#[test]
fn art4_c3_detrazioni_fino_a_concorrenza_del_reddito_del_componente() {
    let mut v = singolo("2026-03-01");
    v["componenti"][0]["redditi"] = json!({ "reddito_complessivo": 1000 });
    v["componenti"][0]["assegni_pagati"] = json!({ "coniuge": 6000 });
    let e = calcola(&v);
    assert_eq!(e.righe.detrazioni, d("1000.00"));
    assert_eq!(e.righe.isr, d("0.00"));
}

#[test]
fn art4_c4_a_locazione_massimo_7000_piu_500_dal_terzo_figlio() {
    let mut v = singolo("2026-03-01");
    v["componenti"][0]["redditi"] =
        json!({ "reddito_complessivo": 50000, "di_cui_lavoro_autonomo": 50000 });
    v["abitazione"] =
        json!({ "titolo": "locazione", "canone_annuo": 12000, "codice_comune": "H199" });
    assert_eq!(calcola(&v).righe.detrazioni, d("7000.00"));
    for (nome, nascita) in [
        ("GLI", "2015-09-10"),
        ("SRA", "2024-03-10"),
        ("LCU", "2018-01-01"),
    ] {
        v["componenti"]
            .as_array_mut()
            .unwrap()
            .push(figlio(nome, nascita));
    }
    assert_eq!(calcola(&v).righe.detrazioni, d("7500.00"));
}

#[test]
fn art4_c2_reddito_figurativo_esclusi_i_depositi_senza_franchigia() {
    // 2023: rate 3.04% (BTP 2022) on 10,000 of bonds; the current account is left out.
    let mut v = singolo("2023-05-02");
    v["componenti"][0]["patrimonio_mobiliare"] = json!([
        { "tipo": "02", "valore": 10000 },
        { "tipo": "01", "saldo_31_12": 50000, "giacenza_media": 40000 }
    ]);
    assert_eq!(
        calcola(&v).righe.reddito_figurativo_patrimonio_mobiliare,
        d("304.00")
    );
}

#[test]
fn art4_c2_tasso_figurativo_minimo_tra_btp_e_legale_piu_uno() {
    // 2024: BTP 2023 4.25% vs legal 2.5% + 1 = 3.5% → 3.5%.
    let mut v = singolo("2024-05-02");
    v["componenti"][0]["patrimonio_mobiliare"] = json!([{ "tipo": "02", "valore": 10000 }]);
    assert_eq!(
        calcola(&v).righe.reddito_figurativo_patrimonio_mobiliare,
        d("350.00")
    );
}

#[test]
fn dl42_2016_art2sexies_trattamenti_per_disabilita_esclusi_dall_isr() {
    let mut v = singolo("2016-05-28");
    v["componenti"][0]["redditi"] = json!({ "trattamenti_disabilita": 6000 });
    v["componenti"][0]["disabilita"] = json!("DIG");
    let prima = calcola(&v);
    v["data_presentazione"] = json!("2016-05-29");
    let dopo = calcola(&v);
    assert_eq!(prima.righe.somma_redditi_componenti, d("6000.00"));
    assert_eq!(dopo.righe.somma_redditi_componenti, d("0.00"));
    assert_eq!(prima.righe.scala_equivalenza, d("1.00"));
    assert_eq!(dopo.righe.scala_equivalenza, d("1.50"));
}

#[test]
fn art4_c4_b_originario_franchigia_disabilita_grave_adulto_5500() {
    let mut v = singolo("2015-06-01");
    v["componenti"][0]["redditi"] =
        json!({ "reddito_complessivo": 20000, "di_cui_lavoro_autonomo": 20000 });
    v["componenti"][0]["disabilita"] = json!("DIG");
    assert_eq!(calcola(&v).righe.detrazioni, d("5500.00"));
}

#[test]
fn art5_c2_casa_di_abitazione_soglia_52500_e_due_terzi_dell_eccedenza() {
    let mut v = singolo("2026-03-01");
    v["abitazione"] = json!({ "titolo": "proprieta", "codice_comune": "H199" });
    v["componenti"][0]["patrimonio_immobiliare"] = json!([{ "tipo": "F", "codice_comune": "H199", "valore_imu": 82500, "casa_abitazione": true }]);
    let e = calcola(&v);
    assert_eq!(e.righe.patrimonio_immobiliare, d("82500.00"));
    // (82,500 − 52,500) × 2/3 = 20,000 counted; 62,500 deducted.
    assert_eq!(e.righe.detrazione_patrimonio_immobiliare, d("62500.00"));
}

#[test]
fn art5_c2_mutuo_fino_a_concorrenza_per_immobile() {
    let mut v = singolo("2026-03-01");
    v["componenti"][0]["patrimonio_immobiliare"] = json!([
        { "tipo": "F", "codice_comune": "H199", "valore_imu": 30000, "mutuo_residuo": 50000 },
        { "tipo": "TA", "codice_comune": "H199", "valore_imu": 10000 }
    ]);
    let e = calcola(&v);
    assert_eq!(
        e.righe.isp,
        d("10000.00"),
        "the mortgage beyond the first property does not reduce the second"
    );
}

#[test]
fn art5_c4_depositi_maggiore_tra_somma_saldi_e_somma_giacenze() {
    let mut v = singolo("2026-03-01");
    v["componenti"][0]["patrimonio_mobiliare"] = json!([
        { "tipo": "01", "saldo_31_12": 9000, "giacenza_media": 1000 },
        { "tipo": "01", "saldo_31_12": 1000, "giacenza_media": 12000 }
    ]);
    assert_eq!(calcola(&v).righe.patrimonio_mobiliare, d("13000.00"));
    let o = Opzioni {
        confronto_depositi: isee_core::opzioni::ConfrontoDepositi::PerRapporto,
        ..Opzioni::predefinite()
    };
    assert_eq!(
        calcola_con(&v, &Richiesta::ordinario(), o)
            .righe
            .patrimonio_mobiliare,
        d("21000.00")
    );
}

#[test]
fn art5_c6_franchigia_mobiliare_6000_piu_2000_per_componente_massimo_10000() {
    let mut v = singolo("2026-03-01");
    v["componenti"][0]["patrimonio_mobiliare"] = json!([{ "tipo": "02", "valore": 50000 }]);
    assert_eq!(
        calcola(&v).righe.detrazione_patrimonio_mobiliare,
        d("6000.00")
    );
    v["componenti"]
        .as_array_mut()
        .unwrap()
        .push(figlio("GLI", "2015-09-10"));
    assert_eq!(
        calcola(&v).righe.detrazione_patrimonio_mobiliare,
        d("8000.00")
    );
    v["componenti"]
        .as_array_mut()
        .unwrap()
        .push(figlio("SRA", "2024-03-10"));
    v["componenti"]
        .as_array_mut()
        .unwrap()
        .push(figlio("LCU", "2018-01-01"));
    // 4 members → capped at 10,000; 3 children → +1,000 beyond the cap.
    assert_eq!(
        calcola(&v).righe.detrazione_patrimonio_mobiliare,
        d("11000.00")
    );
}

#[test]
fn dpcm13_2025_titoli_di_stato_esclusi_fino_a_50000_dal_3_aprile_2025() {
    let mut v = singolo("2025-04-02");
    v["componenti"][0]["patrimonio_mobiliare"] =
        json!([{ "tipo": "02", "valore": 70000, "di_cui_titoli_di_stato": 60000 }]);
    assert_eq!(calcola(&v).righe.patrimonio_mobiliare, d("70000.00"));
    v["data_presentazione"] = json!("2025-04-03");
    assert_eq!(calcola(&v).righe.patrimonio_mobiliare, d("20000.00"));
}

#[test]
fn allegato1_parametri_base_e_035_oltre_il_quinto() {
    let attesi = ["1.00", "1.57", "2.04", "2.46", "2.85", "3.20", "3.55"];
    let nomi = ["GLA", "GLB", "GLC", "GLD", "GLE", "GLF"];
    let mut v = singolo("2026-03-01");
    v["componenti"][0]["mesi_lavoro"] = json!(0);
    for (n, atteso) in attesi.iter().enumerate() {
        if n > 0 {
            // Other adults, not children: only the base parameter moves.
            let c = json!({ "codice_fiscale": cf(nomi[n - 1], "1950-01-01"), "data_nascita": "1950-01-01", "rapporto": "P" });
            v["componenti"].as_array_mut().unwrap().push(c);
        }
        let e = calcola(&v);
        assert_eq!(e.righe.parametro_nucleo, d(atteso), "{} members", n + 1);
    }
}

#[test]
fn allegato1_a_maggiorazione_figli_ordinaria_e_2026() {
    let mut v = singolo("2026-03-01");
    v["componenti"][0]["mesi_lavoro"] = json!(0);
    for (nome, nascita) in [
        ("GLI", "2000-09-10"),
        ("SRA", "2001-03-10"),
        ("LCU", "2002-01-01"),
    ] {
        v["componenti"]
            .as_array_mut()
            .unwrap()
            .push(figlio(nome, nascita));
    }
    // Three adult children: +0.20 ordinary, +0.25 in the 2026 family ISEE.
    assert_eq!(calcola(&v).righe.maggiorazioni, d("0.20"));
    let auu = Richiesta {
        tipo: TipoIsee::Ordinario,
        prestazione: Some(Prestazione::AssegnoUnico),
        beneficiario: None,
    };
    assert_eq!(
        calcola_con(&v, &auu, Opzioni::predefinite())
            .righe
            .maggiorazioni,
        d("0.25")
    );
}

#[test]
fn allegato1_c_genitore_solo_con_minori_anche_senza_lavoro() {
    let mut v = singolo("2026-03-01");
    v["componenti"][0]["mesi_lavoro"] = json!(0);
    v["componenti"]
        .as_array_mut()
        .unwrap()
        .push(figlio("GLI", "2015-09-10"));
    assert_eq!(calcola(&v).righe.maggiorazioni, d("0.20"));
}

#[test]
fn allegato1_b_entrambi_i_genitori_almeno_6_mesi_di_lavoro() {
    let mut v = singolo("2026-03-01");
    v["componenti"].as_array_mut().unwrap().push(json!({ "codice_fiscale": "BNCLRA88R45H199W", "data_nascita": "1988-10-05", "rapporto": "C", "mesi_lavoro": 5 }));
    v["componenti"]
        .as_array_mut()
        .unwrap()
        .push(figlio("SRA", "2024-03-10"));
    assert_eq!(
        calcola(&v).righe.maggiorazioni,
        d("0.00"),
        "the spouse worked 5 months"
    );
    v["componenti"][1]["mesi_lavoro"] = json!(6);
    assert_eq!(
        calcola(&v).righe.maggiorazioni,
        d("0.30"),
        "both ≥ 6 months, a child under 3"
    );
}

#[test]
fn l199_2025_casa_120000_nei_capoluoghi_di_citta_metropolitana() {
    let mut v = singolo("2026-03-01");
    v["abitazione"] = json!({ "titolo": "proprieta", "codice_comune": "H501" });
    v["componenti"][0]["patrimonio_immobiliare"] = json!([{ "tipo": "F", "codice_comune": "H501", "valore_imu": 120000, "casa_abitazione": true }]);
    let auu = Richiesta {
        tipo: TipoIsee::Ordinario,
        prestazione: Some(Prestazione::AssegnoUnico),
        beneficiario: None,
    };
    assert_eq!(
        calcola_con(&v, &auu, Opzioni::predefinite()).righe.isp,
        d("0.00")
    );
    v["componenti"][0]["patrimonio_immobiliare"][0]["codice_comune"] = json!("H199");
    v["abitazione"]["codice_comune"] = json!("H199");
    // Ravenna is not a capoluogo of a città metropolitana: (120,000 − 91,500) × 2/3.
    assert_eq!(
        calcola_con(&v, &auu, Opzioni::predefinite()).righe.isp,
        d("19000.00")
    );
}

#[test]
fn l207_2024_bonus_nido_neutralizza_l_assegno_unico() {
    let mut v = singolo("2025-06-01");
    v["componenti"][0]["redditi"] = json!({ "reddito_complessivo": 20000, "di_cui_lavoro_autonomo": 20000, "trattamenti_assistenziali": 2000, "di_cui_assegno_unico": 2000 });
    v["componenti"]
        .as_array_mut()
        .unwrap()
        .push(figlio("SRA", "2024-03-10"));
    let nido = Richiesta {
        tipo: TipoIsee::Ordinario,
        prestazione: Some(Prestazione::BonusNido),
        beneficiario: None,
    };
    let ordinario = calcola(&v);
    let e = calcola_con(&v, &nido, Opzioni::predefinite());
    let riduzione = (d("2000") / e.righe.scala_equivalenza)
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(e.isee, ordinario.isee - riduzione);
}

#[test]
fn allegato2_componente_aggiuntiva_ise_su_scala_meno_9000_per_02_su_scala_beneficiario() {
    let mut v = singolo("2026-03-01");
    v["componenti"]
        .as_array_mut()
        .unwrap()
        .push(figlio("SRA", "2024-03-10"));
    let padre = cf("LGU", "1980-01-01");
    let minore = cf("SRA", "2024-03-10");
    v["genitori_non_conviventi"] = json!([{
        "codice_fiscale": padre,
        "figli": [minore],
        "situazione": { "tipo": "componente_aggiuntiva", "caso": "a", "dati": {
            "foglio": { "codice_fiscale": padre, "data_nascita": "1980-01-01", "rapporto": "P",
                        "redditi": { "reddito_complessivo": 17000, "di_cui_lavoro_autonomo": 17000 } },
            "nucleo": { "numero_componenti": 2 } } }
    }]);
    let r = Richiesta {
        tipo: TipoIsee::Minorenni,
        prestazione: None,
        beneficiario: Some(isee_core::codice_fiscale::CodiceFiscale::new(&minore)),
    };
    let dsu = Dsu::da_json(&v.to_string()).unwrap();
    if let Ok(ok) = valida(dsu) {
        // 17,000 / 1.57 = 10,828 − 9,000 = 1,828 × 0.2 / S of the child's nucleus.
        let e = Motore::predefinito().calcola(&ok, &r).unwrap();
        assert_eq!(e.componenti_aggiuntive.len(), 1);
        let s = e.righe.scala_equivalenza;
        let attesa = ((Decimal::from(17000) / Decimal::from_str("1.57").unwrap()
            - Decimal::from(9000))
            * Decimal::from_str("0.2").unwrap()
            / s)
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        assert_eq!(e.componenti_aggiuntive[0].importo, attesa);
    } else {
        panic!("the DSU should be valid");
    }
}

#[test]
fn art9_modulo_corrente_solo_su_dsu_valida() {
    let mut v = singolo("2026-03-01");
    v["componenti"][0]["redditi"] =
        json!({ "reddito_complessivo": 30000, "di_cui_lavoro_dipendente": 30000 });
    v["corrente"] = json!({
        "data_presentazione": "2027-01-10",
        "variazioni": [{ "codice_fiscale": "RSSMRA85M01H199H", "tipo": "A", "data_variazione": "2026-12-01", "periodo": "dodici_mesi", "lavoro_dipendente": 5000 }]
    });
    let d = valida(Dsu::da_json(&v.to_string()).unwrap()).unwrap();
    let r = Richiesta {
        tipo: TipoIsee::Corrente,
        prestazione: None,
        beneficiario: None,
    };
    let e = Motore::predefinito()
        .calcola(&d, &r)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("successivo alla scadenza della DSU (2026-12-31)"),
        "{e}"
    );
    v["corrente"]["data_presentazione"] = json!("2026-12-20");
    let d = valida(Dsu::da_json(&v.to_string()).unwrap()).unwrap();
    assert!(Motore::predefinito().calcola(&d, &r).is_ok());
}

/// A mother (the dichiarante), her minor daughter and the daughter's father, who lives
/// elsewhere and is not married to her, declared as `situazione`.
fn madre_figlia_padre(mesi_madre: u8, mesi_padre: u8, situazione: Value) -> Value {
    let mut v = singolo("2026-03-01");
    v["componenti"][0]["mesi_lavoro"] = json!(mesi_madre);
    let figlia = figlio("GLI", "2015-09-10");
    let cf_figlia = figlia["codice_fiscale"].clone();
    let padre = cf("PDR", "1984-02-03");
    let c = v["componenti"].as_array_mut().unwrap();
    c.push(figlia);
    if situazione["tipo"] == "attratto" {
        c.push(json!({ "codice_fiscale": padre, "data_nascita": "1984-02-03", "rapporto": "GNC", "mesi_lavoro": mesi_padre }));
    }
    v["genitori_non_conviventi"] =
        json!([{ "codice_fiscale": padre, "figli": [cf_figlia], "situazione": situazione }]);
    v
}

#[test]
fn allegato1_c_secondo_periodo_il_genitore_non_convivente_conta_per_la_maggiorazione() {
    let attratto = json!({ "tipo": "attratto" });
    // Not a lone parent: the father who recognised the daughter counts (lett. c), and
    // the mother does not work (lett. b).
    let e = calcola(&madre_figlia_padre(0, 12, attratto.clone()));
    assert_eq!(e.righe.maggiorazioni, d("0.00"));
    assert_eq!(
        e.righe.parametro_nucleo,
        d("1.57"),
        "the father is not a member"
    );
    // Lett. b) with the father among the parents: both worked, or not.
    let e = calcola(&madre_figlia_padre(12, 12, attratto.clone()));
    assert_eq!(e.righe.maggiorazioni, d("0.20"));
    assert_eq!(
        calcola(&madre_figlia_padre(12, 3, attratto))
            .righe
            .maggiorazioni,
        d("0.00"),
        "the father worked 3 months"
    );
    // Art. 7 c.1 cases: the father does not count, the mother is alone (lett. c).
    for caso in ["c", "d", "e"] {
        let v = madre_figlia_padre(0, 0, json!({ "tipo": "escluso", "caso": caso }));
        assert_eq!(calcola(&v).righe.maggiorazioni, d("0.20"), "caso {caso}");
    }
    // Declared flags still override the derivation (INPS's `CondizioniNucleo`).
    let mut v = madre_figlia_padre(0, 12, json!({ "tipo": "attratto" }));
    v["condizioni_nucleo"] = json!({ "unico_genitore": true });
    assert_eq!(calcola(&v).righe.maggiorazioni, d("0.20"));
}

#[test]
fn allegato1_c_secondo_periodo_spiegato_nella_traccia() {
    let v = madre_figlia_padre(0, 12, json!({ "tipo": "attratto" }));
    let dsu = valida(Dsu::da_json(&v.to_string()).unwrap()).unwrap();
    let e = Motore::new(isee_core::Normativa::ufficiale(), Opzioni::predefinite())
        .calcola_con_traccia(&dsu, &Richiesta::ordinario())
        .unwrap();
    let passo = e
        .traccia
        .iter()
        .find(|p| p.regola == "scala.genitore_non_convivente")
        .expect("the step that counts the father");
    assert!(passo.riferimento.contains("Allegato 1, lett. c)"));
    assert_eq!(passo.risultato, Decimal::ONE);
}

/// A beneficiary of residential care whose first request was on 1-11-2025, with one
/// donation of a 100,000 property on `data` to `relazione` (absent if `None`).
fn donazione(data: &str, relazione: Option<&str>) -> Esito {
    let mut v = singolo("2026-01-20");
    let beneficiario = v["componenti"][0]["codice_fiscale"].clone();
    let mut d = json!({ "tipo": "F", "codice_comune": "H199", "data": data, "quota_donata": 100, "valore_imu": 100000 });
    if let Some(r) = relazione {
        d["relazione_donatario"] = json!(r);
    }
    v["residenziale"] = json!({ "beneficiario": beneficiario, "nucleo": "ORD", "data_prima_richiesta": "2025-11-01", "donazioni": [d] });
    let r = Richiesta {
        tipo: TipoIsee::Residenziale,
        prestazione: None,
        beneficiario: None,
    };
    calcola_con(&v, &r, Opzioni::predefinite())
}

#[test]
fn art6_c3_c_donazioni_dei_tre_anni_precedenti_solo_ai_tenuti_agli_alimenti() {
    let contata = d("100000.00");
    let zero = d("0.00");
    let immobiliare = |data, rel| donazione(data, rel).righe.patrimonio_immobiliare;
    // After the first request (the day itself included): whoever received it.
    for rel in [None, Some("altro"), Some("figlio")] {
        assert_eq!(immobiliare("2025-12-01", rel), contata, "{rel:?}");
        assert_eq!(immobiliare("2025-11-01", rel), contata, "{rel:?}");
    }
    // In the three years before: only the persons of art. 433 c.c.
    for rel in [
        "coniuge",
        "figlio",
        "discendente",
        "genitore",
        "ascendente",
        "genero_nuora",
        "suocero_suocera",
        "fratello_sorella",
    ] {
        assert_eq!(immobiliare("2022-11-01", Some(rel)), contata, "{rel}");
    }
    assert_eq!(immobiliare("2024-03-01", Some("altro")), zero);
    // A donation that does not say who received it counts (docs/SCELTE.md).
    assert_eq!(immobiliare("2024-03-01", None), contata);
    // Before the three years: nobody.
    assert_eq!(immobiliare("2022-10-31", Some("figlio")), zero);
    assert_eq!(immobiliare("2022-10-31", None), zero);
}

//! Validation: every problem at once, with its JSON path and an Italian message.

use isee_core::validazione::{Gravita, Problema};
use isee_core::{Dsu, valida};
use serde_json::{Value, json};

fn base() -> Value {
    json!({
        "data_presentazione": "2026-03-02",
        "componenti": [
            { "codice_fiscale": "RSSMRA85M01H199H", "data_nascita": "1985-08-01", "rapporto": "D", "mesi_lavoro": 12,
              "redditi": { "reddito_complessivo": 30000, "di_cui_lavoro_dipendente": 30000 } },
            { "codice_fiscale": "RSSGLI15P10H199Z", "data_nascita": "2015-09-10", "rapporto": "F" }
        ],
        "abitazione": { "titolo": "locazione", "canone_annuo": 6000, "codice_comune": "H199" }
    })
}

fn problemi(v: Value) -> Vec<Problema> {
    let d = Dsu::da_json(&v.to_string()).unwrap_or_else(|e| panic!("unreadable: {e}"));
    match valida(d) {
        Ok(ok) => ok.avvisi().to_vec(),
        Err(p) => p,
    }
}

fn ha(p: &[Problema], percorso: &str, codice: &str) -> bool {
    p.iter()
        .any(|x| x.percorso == percorso && x.codice == codice)
}

#[test]
fn dsu_corretta_non_ha_problemi() {
    assert!(problemi(base()).is_empty());
}

#[test]
fn tutti_gli_errori_insieme_con_percorso_e_messaggio_italiano() {
    let mut v = base();
    v["data_presentazione"] = json!("2026-02-30");
    v["componenti"][0]["codice_fiscale"] = json!("RSSMRA85M01H199A");
    v["componenti"][1]["data_nascita"] = json!("2015-13-01");
    v["componenti"][1]["rapporto"] = json!("D");
    v["abitazione"] = json!({ "titolo": "proprieta", "canone_annuo": 5000 });
    let p = problemi(v);
    assert!(ha(&p, "$.data_presentazione", "data.non_valida"), "{p:#?}");
    assert!(
        ha(&p, "$.componenti[0].codice_fiscale", "cf.non_valido"),
        "{p:#?}"
    );
    assert!(
        ha(&p, "$.componenti[1].data_nascita", "data.non_valida"),
        "{p:#?}"
    );
    assert!(
        ha(&p, "$.componenti[1].rapporto", "dichiarante.piu_di_uno"),
        "{p:#?}"
    );
    assert!(
        ha(
            &p,
            "$.abitazione.canone_annuo",
            "abitazione.canone_senza_locazione"
        ),
        "{p:#?}"
    );
    let cf = p.iter().find(|x| x.codice == "cf.non_valido").unwrap();
    assert!(
        cf.messaggio.contains("carattere di controllo") && cf.messaggio.contains("atteso «H»"),
        "{}",
        cf.messaggio
    );
    assert!(p.iter().all(|x| x.gravita == Gravita::Errore));
}

#[test]
fn cf_malformato_lunghezza_e_forma() {
    let mut v = base();
    v["componenti"][0]["codice_fiscale"] = json!("RSSMRA85");
    v["componenti"][1]["codice_fiscale"] = json!("RSSGLI1XP10H199Z");
    let p = problemi(v);
    assert!(
        p.iter()
            .any(|x| x.percorso == "$.componenti[0].codice_fiscale"
                && x.messaggio.contains("16 caratteri"))
    );
    assert!(
        p.iter().any(
            |x| x.percorso == "$.componenti[1].codice_fiscale" && x.messaggio.contains("forma")
        )
    );
}

#[test]
fn nessun_dichiarante() {
    let mut v = base();
    v["componenti"][0]["rapporto"] = json!("C");
    assert!(ha(&problemi(v), "$.componenti", "dichiarante.mancante"));
}

#[test]
fn nucleo_vuoto() {
    let mut v = base();
    v["componenti"] = json!([]);
    assert!(ha(&problemi(v), "$.componenti", "nucleo.vuoto"));
}

#[test]
fn due_coniugi_e_cf_duplicato() {
    let mut v = base();
    let c = v["componenti"][0].clone();
    let mut c2 = c.clone();
    c2["rapporto"] = json!("C");
    let mut c3 = c2.clone();
    c3["codice_fiscale"] = json!("RSSGLI15P10H199Z");
    v["componenti"].as_array_mut().unwrap().push(c2);
    v["componenti"].as_array_mut().unwrap().push(c3);
    let p = problemi(v);
    assert!(ha(&p, "$.componenti", "coniuge.piu_di_uno"), "{p:#?}");
    assert!(
        ha(&p, "$.componenti[2].codice_fiscale", "cf.duplicato"),
        "{p:#?}"
    );
}

#[test]
fn percentuali_fuori_da_0_100() {
    let mut v = base();
    v["componenti"][0]["patrimonio_immobiliare"] =
        json!([{ "tipo": "F", "codice_comune": "H199", "quota": 150, "valore_imu": 80000 }]);
    v["componenti"][0]["patrimonio_mobiliare"] =
        json!([{ "tipo": "01", "saldo_31_12": 100, "quota": 0 }]);
    let p = problemi(v);
    assert!(
        ha(
            &p,
            "$.componenti[0].patrimonio_immobiliare[0].quota",
            "percentuale.fuori_intervallo"
        ),
        "{p:#?}"
    );
    assert!(
        ha(
            &p,
            "$.componenti[0].patrimonio_mobiliare[0].quota",
            "percentuale.fuori_intervallo"
        ),
        "{p:#?}"
    );
}

#[test]
fn canone_mancante_in_locazione_e_casa_in_locazione() {
    let mut v = base();
    v["abitazione"] = json!({ "titolo": "locazione" });
    v["componenti"][0]["patrimonio_immobiliare"] = json!([{ "tipo": "F", "codice_comune": "H199", "valore_imu": 80000, "casa_abitazione": true }]);
    let p = problemi(v);
    assert!(ha(
        &p,
        "$.abitazione.canone_annuo",
        "abitazione.canone_mancante"
    ));
    assert!(
        ha(
            &p,
            "$.componenti[0].patrimonio_immobiliare[0].casa_abitazione",
            "abitazione.casa_in_locazione"
        ),
        "{p:#?}"
    );
}

#[test]
fn importi_negativi_e_di_cui_oltre_il_totale() {
    let mut v = base();
    v["componenti"][0]["redditi"] =
        json!({ "reddito_complessivo": "-10", "di_cui_lavoro_dipendente": 500 });
    let p = problemi(v);
    assert!(
        ha(
            &p,
            "$.componenti[0].redditi.reddito_complessivo",
            "importo.negativo"
        ),
        "{p:#?}"
    );
    assert!(
        ha(&p, "$.componenti[0].redditi", "redditi.di_cui"),
        "{p:#?}"
    );
}

#[test]
fn componente_aggiuntiva_per_un_tipo_che_non_la_prevede() {
    // A non-cohabiting parent declared for an adult child who is not a student:
    // neither ISEE minorenni nor università applies.
    let mut v = base();
    v["componenti"][1]["data_nascita"] = json!("2000-09-10");
    v["componenti"][1]["codice_fiscale"] = json!("RSSGLI00P10H199T");
    v["genitori_non_conviventi"] = json!([{
        "codice_fiscale": "VRDLGU80A01H501S",
        "figli": ["RSSGLI00P10H199T"],
        "situazione": { "tipo": "escluso", "caso": "c" }
    }]);
    let p = problemi(v);
    assert!(
        p.iter().any(|x| x.codice == "gnc.tipo_senza_aggiuntiva"),
        "{p:#?}"
    );
}

#[test]
fn genitore_attratto_senza_componente_gnc() {
    let mut v = base();
    v["genitori_non_conviventi"] = json!([{
        "codice_fiscale": "VRDLGU80A01H501S",
        "figli": ["RSSGLI15P10H199Z"],
        "situazione": { "tipo": "attratto" }
    }]);
    assert!(ha(
        &problemi(v),
        "$.genitori_non_conviventi[0].situazione",
        "gnc.attratto_assente"
    ));
}

#[test]
fn data_di_nascita_futura_e_dsu_prima_del_2015() {
    let mut v = base();
    v["data_presentazione"] = json!("2014-06-01");
    let p = problemi(v);
    assert!(ha(&p, "$.data_presentazione", "data.prima_del_2015"));
    assert!(ha(
        &p,
        "$.componenti[1].data_nascita",
        "data_nascita.futura"
    ));
}

#[test]
fn cf_non_coerente_con_la_nascita_e_solo_un_avviso() {
    let mut v = base();
    v["componenti"][0]["data_nascita"] = json!("1985-08-02");
    let d = Dsu::da_json(&v.to_string()).unwrap();
    let ok = valida(d).expect("a warning does not invalidate");
    assert!(
        ok.avvisi()
            .iter()
            .any(|x| x.codice == "cf.nascita" && x.gravita == Gravita::Avviso)
    );
}

#[test]
fn rapporti_saldo_su_titoli_e_titoli_oltre_il_valore() {
    let mut v = base();
    v["componenti"][0]["patrimonio_mobiliare"] = json!([
        { "tipo": "02", "saldo_31_12": 100, "valore": 1000, "di_cui_titoli_di_stato": 2000 },
        { "tipo": "01", "valore": 10 },
        { "tipo": "23", "valore": 500, "di_cui_titoli_di_stato": 100 }
    ]);
    let p = problemi(v);
    assert!(ha(
        &p,
        "$.componenti[0].patrimonio_mobiliare[0].saldo_31_12",
        "rapporto.saldo_su_non_deposito"
    ));
    assert!(ha(
        &p,
        "$.componenti[0].patrimonio_mobiliare[0].di_cui_titoli_di_stato",
        "rapporto.titoli_oltre_valore"
    ));
    assert!(ha(
        &p,
        "$.componenti[0].patrimonio_mobiliare[1].valore",
        "rapporto.valore_su_deposito"
    ));
    assert!(ha(
        &p,
        "$.componenti[0].patrimonio_mobiliare[2].di_cui_titoli_di_stato",
        "rapporto.titoli_tipo"
    ));
}

#[test]
fn modulo_corrente_due_mesi_solo_per_a_e_d() {
    let mut v = base();
    v["corrente"] = json!({
        "data_presentazione": "2026-05-10",
        "variazioni": [{ "codice_fiscale": "RSSMRA85M01H199H", "tipo": "C", "data_variazione": "2026-01-31", "periodo": "due_mesi", "lavoro_autonomo": 1000 }]
    });
    assert!(ha(
        &problemi(v),
        "$.corrente.variazioni[0].periodo",
        "corrente.due_mesi"
    ));
}

#[test]
fn lettura_numero_json_con_decimali_e_rifiutata_con_percorso() {
    let mut v = base();
    v["componenti"][0]["redditi"]["reddito_complessivo"] = json!(30000.5);
    let e = Dsu::da_json(&v.to_string()).unwrap_err();
    assert_eq!(e.percorso, "$.componenti[0].redditi.reddito_complessivo");
    assert!(e.messaggio.contains("virgola mobile"), "{}", e.messaggio);
}

#[test]
fn lettura_campo_sconosciuto_e_codice_sconosciuto() {
    let mut v = base();
    v["componenti"][0]["redditto"] = json!(1);
    let e = Dsu::da_json(&v.to_string()).unwrap_err();
    assert!(
        e.messaggio.contains("campo sconosciuto") && e.percorso.starts_with("$.componenti[0]"),
        "{e}"
    );
    let mut v = base();
    v["componenti"][1]["rapporto"] = json!("X");
    let e = Dsu::da_json(&v.to_string()).unwrap_err();
    assert!(
        e.messaggio.contains("codice non ammesso") && e.messaggio.contains("GNC"),
        "{e}"
    );
    assert_eq!(e.percorso, "$.componenti[1].rapporto");
}

#[test]
fn lettura_campo_obbligatorio_mancante() {
    let mut v = base();
    v.as_object_mut().unwrap().remove("abitazione");
    let e = Dsu::da_json(&v.to_string()).unwrap_err();
    assert!(
        e.messaggio.contains("manca il campo obbligatorio") && e.messaggio.contains("abitazione"),
        "{e}"
    );
}

#[test]
fn due_case_di_abitazione_in_comuni_diversi() {
    let mut v = base();
    v["abitazione"] = json!({ "titolo": "proprieta", "codice_comune": "H199" });
    v["componenti"][0]["patrimonio_immobiliare"] = json!([
        { "tipo": "F", "codice_comune": "H199", "valore_imu": 80000, "casa_abitazione": true },
        { "tipo": "F", "codice_comune": "H501", "valore_imu": 90000, "casa_abitazione": true }
    ]);
    let p = problemi(v);
    assert!(
        ha(
            &p,
            "$.componenti[0].patrimonio_immobiliare[1].casa_abitazione",
            "abitazione.case_diverse"
        ),
        "{p:#?}"
    );
}

#[test]
fn lettura_rifiuta_testo_dopo_il_documento() {
    let testo = base().to_string();
    // Whitespace after the document is fine.
    assert!(Dsu::da_json(&format!("{testo}\n  \n")).is_ok());
    for coda in ["GARBAGE", "{}", testo.as_str(), ",", "]"] {
        let e = Dsu::da_json(&format!("{testo}{coda}"))
            .err()
            .unwrap_or_else(|| panic!("«{coda}» dopo il documento accettato"));
        assert_eq!(e.percorso, "$", "{coda}: {e}");
        assert_eq!(e.colonna, testo.len() + 1, "{coda}: {e}");
        assert!(e.messaggio.contains("dopo la fine"), "{e}");
    }
}

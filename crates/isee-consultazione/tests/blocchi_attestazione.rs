//! Which block of INPS's attestation each specific ISEE lands in (CONTRATTO.md §3),
//! driven end to end: the DSU filed in the register, the attestation asked through
//! the e-service (REST for the structure, SOAP for INPS's document, validated by
//! xmllint against `ISEE_Attestazione.xsd`), and every figure compared with the one
//! the engine computes for the same DSU and beneficiary.
//!
//! * a restricted nucleus for socio-sanitary benefits (art. 6 c.2): `Ridotto`, with
//!   the beneficiary first in `NucleoRistretto` and `ISEERistretto`;
//! * a residential request on the ordinary nucleus with a componente aggiuntiva (a
//!   non-cohabiting child, art. 6 c.3): `Ordinario/ISEESocioSanRes` with the block
//!   `ISEESocioSanResAgg` and its `ComponenteAgguntiva`;
//! * a doctoral applicant with a nucleus of his or her own (art. 8 c.4): `Ridotto`.

mod comune;

use comune::*;
use isee_core::calcolo::{Richiesta, TipoIsee};
use isee_core::codice_fiscale::CodiceFiscale;
use isee_core::{Dsu, Motore, valida};
use isee_registro::store::sql::Configurazione as ConfigStore;
use isee_registro::{Operazione, PresentazioneDsu, RegistroDsu, StoreSql};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

const BRESCIA: &str = include_str!("../../../esempi/sociosanitario-nucleo-ristretto-brescia.json");
const RESIDENZIALE: &str = include_str!("../../../esempi/residenziale-donazione-roma.json");
const DOTTORATO: &str = include_str!("../../../esempi/dottorato-verona.json");

/// Files `json` in the environment's register (the service reads the same file).
async fn presenta(a: &Ambiente, json: &str, chiave: &str) -> String {
    let db = a._tmp.path().join("registro.db");
    let store = StoreSql::connetti_con(ConfigStore::new(&format!(
        "sqlite://{}?mode=rwc",
        db.display()
    )))
    .await
    .unwrap();
    let r = RegistroDsu::new(store)
        .presenta(PresentazioneDsu {
            dsu_json: json.to_string(),
            chiave_idempotenza: chiave.into(),
            mittente: "CAF-PROVA".into(),
            protocollo_mittente: Some(format!("CAF-PROVA-{chiave}")),
            operazione: Operazione::Nuova,
        })
        .await
        .unwrap();
    r.protocollo.to_string()
}

/// The engine's ISEE of `tipo` for `beneficiario`, to the cent as the attestation
/// carries it.
fn isee_motore(json: &str, tipo: TipoIsee, beneficiario: &str) -> Decimal {
    let dsu = valida(Dsu::da_json(json).unwrap()).unwrap();
    let e = Motore::predefinito()
        .calcola(
            &dsu,
            &Richiesta {
                tipo,
                prestazione: None,
                beneficiario: Some(CodiceFiscale::new(beneficiario)),
            },
        )
        .unwrap();
    e.isee
}

fn decimale(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("non un importo: {v}"))).unwrap()
}

fn dichiarante(json: &str) -> String {
    Dsu::da_json(json)
        .unwrap()
        .dichiarante()
        .unwrap()
        .codice_fiscale
        .as_str()
        .to_string()
}

/// The attestation by REST (its JSON) and by SOAP (INPS's inner document, validated).
async fn attestazione(a: &Ambiente, cf: &str) -> (Value, String) {
    let cred = Credenziali {
        voucher: Some(a.voucher("c_h199", "attestazione")),
        certificato: Some("c_h199".into()),
        evidenza: None,
    };
    let r = a
        .rest("attestazione", "attestazione", &cred, per_cf(cf))
        .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    let json = r.json()["attestazione"].clone();
    let cred = Credenziali {
        voucher: Some(a.voucher("c_h199", "attestazione")),
        ..cred
    };
    let r = a
        .soap(
            "ConsultazioneAttestazione",
            "ConsultazioneAttestazione",
            &cred,
            busta_attestazione("ConsultazioneAttestazione", cf),
        )
        .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    valida_inps("ConsultazioneAttestazione", &r.corpo);
    (json, interno(&r.corpo))
}

fn interno(corpo: &str) -> String {
    use base64::Engine as _;
    let doc = roxmltree::Document::parse(corpo).unwrap();
    let n = doc
        .descendants()
        .find(|n| n.tag_name().name() == "XmlEsitoAttestazione")
        .unwrap();
    let b = base64::engine::general_purpose::STANDARD
        .decode(n.text().unwrap().trim())
        .unwrap();
    String::from_utf8(b).unwrap()
}

/// The elements on the path from the root, by local name.
fn trova<'a>(doc: &'a roxmltree::Document, percorso: &[&str]) -> Vec<roxmltree::Node<'a, 'a>> {
    let mut nodi = vec![doc.root_element()];
    for nome in percorso {
        nodi = nodi
            .iter()
            .flat_map(|n| n.children().filter(|c| c.tag_name().name() == *nome))
            .collect();
    }
    nodi
}

#[tokio::test]
async fn nucleo_ristretto_sociosanitario_nel_blocco_ridotto() {
    let a = ambiente().await;
    let beneficiario = "RNLDNL85T12B157W";
    let protocollo = presenta(&a, BRESCIA, "brescia").await;
    let cf = dichiarante(BRESCIA);
    let (json, xml) = attestazione(&a, &cf).await;
    assert_eq!(json["protocollo_dsu"], protocollo);
    let atteso = isee_motore(BRESCIA, TipoIsee::Sociosanitario, beneficiario);
    let ordinario = isee_motore(BRESCIA, TipoIsee::Ordinario, &cf);
    assert_ne!(atteso, ordinario, "the restricted nucleus must matter here");

    let ridotti = json["ridotti"].as_array().unwrap();
    assert_eq!(ridotti.len(), 1, "{json}");
    let r = &ridotti[0];
    assert_eq!(r["codice_fiscale_beneficiario"], beneficiario);
    // The beneficiary alone (the example's restricted nucleus has no other member).
    let nucleo: Vec<&str> = r["nucleo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["codice_fiscale"].as_str().unwrap())
        .collect();
    assert_eq!(nucleo, [beneficiario]);
    assert_eq!(decimale(&r["isee"]["valori"]["isee"]), atteso, "{r}");
    // Not also in Ordinario/ISEESocioSanRes: that block is the ordinary nucleus's.
    assert!(
        json["sociosanitario"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["codice_fiscale"] != beneficiario),
        "{json}"
    );

    let doc = roxmltree::Document::parse(&xml).unwrap();
    let ridotto = trova(&doc, &["Attestazione", "Ridotto"]);
    assert_eq!(ridotto.len(), 1, "{xml}");
    assert_eq!(
        ridotto[0].attribute("CodiceFiscaleBeneficiario"),
        Some(beneficiario)
    );
    let componenti = trova(
        &doc,
        &[
            "Attestazione",
            "Ridotto",
            "NucleoRistretto",
            "ComponenteNucleoRistretto",
        ],
    );
    assert_eq!(componenti.len(), 1, "{xml}");
    let isee = trova(&doc, &["Attestazione", "Ridotto", "ISEERistretto"]);
    assert_eq!(isee.len(), 1, "{xml}");
    let valore = isee[0]
        .descendants()
        .find_map(|n| n.attribute("ISEE"))
        .unwrap_or_else(|| panic!("ISEE in ISEERistretto: {xml}"));
    assert_eq!(Decimal::from_str(valore).unwrap(), atteso);
    assert!(
        trova(&doc, &["Attestazione", "Ordinario", "ISEESocioSanRes"]).is_empty(),
        "{xml}"
    );
}

#[tokio::test]
async fn residenziale_con_componente_aggiuntiva_in_ordinario() {
    let a = ambiente().await;
    let dsu = Dsu::da_json(RESIDENZIALE).unwrap();
    let beneficiario = dsu.residenziale.as_ref().unwrap().beneficiario;
    let figlio = "NRECRL68C54H501Z";
    presenta(&a, RESIDENZIALE, "residenziale").await;
    let (json, xml) = attestazione(&a, beneficiario.as_str()).await;
    let atteso = isee_motore(RESIDENZIALE, TipoIsee::Residenziale, beneficiario.as_str());
    let ordinario = isee_motore(RESIDENZIALE, TipoIsee::Ordinario, beneficiario.as_str());
    assert_ne!(
        atteso, ordinario,
        "the child's share and the donation must matter"
    );

    assert!(json["ridotti"].as_array().unwrap().is_empty(), "{json}");
    let ss = json["sociosanitario"].as_array().unwrap();
    let blocco = ss
        .iter()
        .find(|s| s["codice_fiscale"] == beneficiario.as_str())
        .unwrap_or_else(|| panic!("{json}"));
    let testo = blocco.to_string();
    assert!(testo.contains(figlio), "the componente aggiuntiva: {testo}");
    assert!(testo.contains(&atteso.to_string()), "{atteso} in {testo}");

    let doc = roxmltree::Document::parse(&xml).unwrap();
    let agg = trova(
        &doc,
        &[
            "Attestazione",
            "Ordinario",
            "ISEESocioSanRes",
            "ComponenteSocioSanitarieRes",
            "ISEESocioSanResAgg",
        ],
    );
    assert_eq!(agg.len(), 1, "{xml}");
    let componente = agg[0]
        .descendants()
        .find(|n| n.tag_name().name() == "ComponenteAgguntiva")
        .unwrap_or_else(|| panic!("ComponenteAgguntiva: {xml}"));
    let attratta = componente.first_element_child().unwrap();
    assert_eq!(attratta.attribute("CodiceFiscale"), Some(figlio), "{xml}");
    // The child's name from his or her sheet in the DSU (quadro E).
    assert_eq!(attratta.attribute("Cognome"), Some("NERI"), "{xml}");
    assert_eq!(attratta.attribute("Nome"), Some("CARLA"), "{xml}");
    let valore = agg[0]
        .descendants()
        .find_map(|n| n.attribute("ISEE"))
        .unwrap_or_else(|| panic!("ISEE: {xml}"));
    assert_eq!(Decimal::from_str(valore).unwrap(), atteso);
}

#[tokio::test]
async fn dottorato_con_nucleo_proprio_nel_blocco_ridotto() {
    let a = ambiente().await;
    let dottorando = "SRTLNE97P65L781I";
    presenta(&a, DOTTORATO, "dottorato").await;
    let (json, xml) = attestazione(&a, &dichiarante(DOTTORATO)).await;
    let atteso = isee_motore(DOTTORATO, TipoIsee::Dottorato, dottorando);
    let ordinario = isee_motore(DOTTORATO, TipoIsee::Ordinario, dottorando);
    assert_ne!(atteso, ordinario, "the doctorate's own nucleus must matter");

    let ridotti = json["ridotti"].as_array().unwrap();
    assert_eq!(ridotti.len(), 1, "{json}");
    assert_eq!(ridotti[0]["codice_fiscale_beneficiario"], dottorando);
    assert_eq!(decimale(&ridotti[0]["isee"]["valori"]["isee"]), atteso);
    assert!(ridotti[0]["residenziale"].is_null(), "{json}");

    let doc = roxmltree::Document::parse(&xml).unwrap();
    let ridotto = trova(&doc, &["Attestazione", "Ridotto"]);
    assert_eq!(ridotto.len(), 1, "{xml}");
    assert_eq!(
        ridotto[0].attribute("CodiceFiscaleBeneficiario"),
        Some(dottorando)
    );
    assert!(
        trova(
            &doc,
            &["Attestazione", "Ridotto", "ISEESocioSanResRistretto"]
        )
        .is_empty()
    );
    assert_eq!(
        trova(&doc, &["Attestazione", "Ridotto", "ISEERistretto"]).len(),
        1,
        "{xml}"
    );
}

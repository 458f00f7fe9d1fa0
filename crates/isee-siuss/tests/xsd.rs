//! The PS-PSA documents validated with a real validator (libxml2's xmllint) against
//! INPS's published `PS_PSA_SINA201812.xsd`.

mod comune;

use comune::{ente, occasionale, periodica};
use isee_siuss::xml::documento_ps;
use isee_siuss::{PrestazioneErogata, RecordGrezzo};
use std::path::{Path, PathBuf};

fn schema() -> PathBuf {
    isee_prova::xsd::riferimenti_waas(Path::new(env!("CARGO_MANIFEST_DIR")))
        .join("PS_PSA_SINA201812.xsd")
}

fn documento(r: &RecordGrezzo) -> String {
    documento_ps(
        &ente(),
        "H199.PS.20260315.0000001",
        &PrestazioneErogata::leggi(r).unwrap(),
    )
}

#[test]
fn documenti_validi_per_lo_schema_inps() {
    let senza_dsu = RecordGrezzo {
        protocollo_dsu: None,
        anno_protocollo_dsu: None,
        data_dsu: None,
        presenza_prova_mezzi: Some("2".into()),
        quota_ente: None,
        quota_utente: None,
        ..periodica()
    };
    let caratteri = RecordGrezzo {
        cognome: Some("D'ARCO & <FIGLI> \"SRL\"".into()),
        ..occasionale()
    };
    for (nome, r) in [
        ("periodica", periodica()),
        ("occasionale", occasionale()),
        ("senza-dsu", senza_dsu),
        ("caratteri", caratteri),
    ] {
        let xml = documento(&r);
        isee_prova::xsd::valida(&schema(), nome, xml.as_bytes()).unwrap();
    }
}

#[test]
fn il_validatore_rifiuta_un_documento_non_conforme() {
    // The check is real: the same document without a required attribute is refused.
    let xml = documento(&periodica()).replace(" PresaCarico=\"1\"", "");
    if isee_prova::xsd::xmllint_disponibile() {
        let e =
            isee_prova::xsd::valida(&schema(), "senza-presa-carico", xml.as_bytes()).unwrap_err();
        assert!(e.contains("PresaCarico"), "{e}");
    }
}

#[test]
fn i_dati_del_record_nel_documento() {
    let xml = documento(&periodica());
    for atteso in [
        "Nome=\"H199.PS.20260315.0000001\"",
        "CodiceFiscale=\"RSSMRA85M01H199H\"",
        "NumeroProtocolloDSU=\"INPS-ISEE-2026-00000123A-00\"",
        "ImportoMensile=\"150.00\"",
        "ImportoQuotaEnte=\"120.50\"",
        "ImportoQuotaUtente=\"29.50\"",
        "ImportoSogliaISEE=\"25000.00\"",
        "AreaUtenza=\"1\"",
        "CFOperatore=\"VRDLGU80A01H183S\"",
    ] {
        assert!(xml.contains(atteso), "{atteso} manca in\n{xml}");
    }
    let xml = documento(&occasionale());
    assert!(xml.contains("ImportoPrestazione=\"80.00\""), "{xml}");
    assert!(!xml.contains("AreaUtenza"), "{xml}");
    assert!(!xml.contains("CodiceRegione"), "{xml}");
}

#[test]
fn documento_di_caricamento_con_piu_beneficiari_valido() {
    let p: Vec<PrestazioneErogata> = [periodica(), occasionale(), comune::periodica_n(3)]
        .iter()
        .map(|r| PrestazioneErogata::leggi(r).unwrap())
        .collect();
    let xml = isee_siuss::xml::documento_ps_multiplo(&ente(), "H199.PS.20260315.0000000", &p);
    // Two beneficiaries: the first with two benefits.
    assert_eq!(xml.matches("<Beneficiario ").count(), 2, "{xml}");
    assert_eq!(xml.matches("<PrestazioniSociali ").count(), 3, "{xml}");
    isee_prova::xsd::valida(&schema(), "multiplo", xml.as_bytes()).unwrap();
}

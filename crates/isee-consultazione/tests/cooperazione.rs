//! The legacy mode "cooperazione applicativa, mutua autenticazione" (issue 11
//! point 5), from the consumer's point of view: the exact bytes a JAX-WS client
//! generated from INPS's WSDL sends (IDPay's `InpsClientConfig`: mTLS with the
//! ente's certificate, the `Identity` SOAP header, **no** voucher), with the mode
//! on, off, and with a certificate no agreement admits.

mod comune;

use comune::*;
use isee_consultazione::configurazione::{Configurazione, Convenzione};
use isee_consultazione::servizio::MODALITA_COOPERAZIONE;
use isee_sandbox::Sandbox;
use serde_json::Value;

/// The JAX-WS request (IDPay's WireMock stub `ConsultazioneISEEOk.json`, with a
/// fiscal code of the test register): single-quoted declaration, `S:` envelope,
/// `ns2`/`ns3`/`ns4` prefixes, the `Identity` header in `http://inps.it/`.
fn busta_jaxws(cf: &str) -> String {
    format!(
        "<?xml version='1.0' encoding='UTF-8'?><S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Header><ns4:Identity xmlns:ns2=\"http://inps.it/ISEERiforma\" xmlns:ns3=\"http://inps.it/ConsultazioneISEE\" xmlns:ns4=\"http://inps.it/\"><UserId>OperationBatchIDPay</UserId><CodiceUfficio>001</CodiceUfficio></ns4:Identity></S:Header><S:Body><ns3:ConsultazioneIndicatore xmlns:ns2=\"http://inps.it/ISEERiforma\" xmlns:ns3=\"http://inps.it/ConsultazioneISEE\" xmlns:ns4=\"http://inps.it/\"><ns3:request> <ns3:TipoIndicatore>Ordinario</ns3:TipoIndicatore><ns3:RicercaCF><ns3:CodiceFiscale>{cf}</ns3:CodiceFiscale><ns3:PrestazioneDaErogare>A1.01</ns3:PrestazioneDaErogare><ns3:ProtocolloDomandaEnteErogatore>Protocol</ns3:ProtocolloDomandaEnteErogatore><ns3:StatodomandaPrestazione>Da Erogare</ns3:StatodomandaPrestazione></ns3:RicercaCF></ns3:request></ns3:ConsultazioneIndicatore></S:Body></S:Envelope>"
    )
}

const AZIONE: &str =
    "\"http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneIndicatore\"";

fn solo_certificato(ipa: &str) -> Credenziali {
    Credenziali {
        certificato: Some(ipa.into()),
        ..Credenziali::default()
    }
}

/// The SHA-256 fingerprint of a fruitore's client certificate.
fn impronta(s: &Sandbox, ipa: &str) -> String {
    let (pem, _) = s.fruitore(ipa).unwrap().certificato.clone().unwrap();
    let der = rustls_pemfile_der(&std::fs::read_to_string(pem).unwrap());
    isee_hash::sha256_hex(&der)
}

fn convenzione(eservizi: &[&str], certificati: Vec<String>, chiamate: u32) -> Convenzione {
    Convenzione {
        id: "INPS-CA-2026-0001".into(),
        eservizi: eservizi.iter().map(|s| s.to_string()).collect(),
        ente_ipa: "c_h199".into(),
        certificati_sha256: certificati,
        chiamate_giornaliere: chiamate,
    }
}

/// An environment whose agreements are built once the sandbox issued the
/// certificates.
async fn con_convenzioni(f: impl FnOnce(&Sandbox) -> Vec<Convenzione>) -> Ambiente {
    ambiente_configurato(
        100_000,
        |_| {},
        |s| {
            let convenzioni = f(s);
            s.configurazione.cooperazione_applicativa = convenzioni;
        },
    )
    .await
}

async fn jaxws(a: &Ambiente, cred: &Credenziali, cf: &str) -> Esito {
    a.chiama(
        "/pdnd/soap/ConsultazioneISEE/v1",
        cred,
        &[
            ("content-type", "text/xml; charset=utf-8"),
            ("soapaction", AZIONE),
        ],
        busta_jaxws(cf).into_bytes(),
    )
    .await
}

fn codice_fault(corpo: &str) -> (Option<String>, Option<String>) {
    let doc = roxmltree::Document::parse(corpo).unwrap();
    let testo = |nome: &str| {
        doc.descendants()
            .find(|n| n.tag_name().name() == nome)
            .and_then(|n| n.text())
            .map(str::to_string)
    };
    (testo("faultcode"), testo("status"))
}

#[tokio::test]
async fn jaxws_senza_voucher_in_cooperazione_applicativa_risponde_valido_e_marcato() {
    let a = con_convenzioni(|s| {
        vec![convenzione(
            &["indicatore", "attestazione"],
            vec![impronta(s, "c_h199")],
            100,
        )]
    })
    .await;
    let r = jaxws(&a, &solo_certificato("c_h199"), CF_RAVENNA).await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    assert!(r.corpo.contains("<Esito>OK</Esito>"), "{}", r.corpo);
    valida_inps("ConsultazioneIndicatore", &r.corpo);

    // The attestation on its own endpoint, same mode.
    let r = a
        .soap(
            "ConsultazioneAttestazione",
            "ConsultazioneAttestazione",
            &solo_certificato("c_h199"),
            busta_attestazione("ConsultazioneAttestazione", CF_RAVENNA),
        )
        .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    valida_inps("ConsultazioneAttestazione", &r.corpo);

    // A voucher, when sent, is checked as always: the mode does not replace it.
    let r = a
        .soap(
            "ConsultazioneIndicatore",
            "ConsultazioneIndicatore",
            &Credenziali {
                voucher: Some(a.voucher("c_h199", "indicatore")),
                certificato: Some("c_h199".into()),
                evidenza: None,
            },
            busta_indicatore("ConsultazioneIndicatore", CF_RAVENNA, "Ordinario"),
        )
        .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);

    // The log (verified chain): the two voucher-less calls are marked, carry no
    // voucher jti, the agreement as purpose and the declared user as hash.
    let log = a.registro_accessi().await;
    assert_eq!(log.len(), 3);
    let marcati: Vec<_> = log
        .iter()
        .filter(|l| l.accesso.canale == format!("soap+{MODALITA_COOPERAZIONE}"))
        .collect();
    assert_eq!(marcati.len(), 2);
    let operazioni: std::collections::BTreeSet<_> = marcati
        .iter()
        .map(|l| l.accesso.operazione.as_str())
        .collect();
    assert_eq!(
        operazioni,
        ["ConsultazioneAttestazione", "ConsultazioneIndicatore"].into()
    );
    for l in &marcati {
        let x = &l.accesso;
        assert_eq!(x.esito, "OK");
        assert_eq!(x.voucher_jti, None);
        assert_eq!(
            x.purpose_id.as_deref(),
            Some("convenzione:INPS-CA-2026-0001")
        );
        assert_eq!(x.ente_ipa.as_deref(), Some("c_h199"));
        // Each envelope's own Identity/UserId: the JAX-WS indicator call's, and the
        // attestation envelope's (comune::busta_attestazione).
        let utente = if x.operazione == "ConsultazioneAttestazione" {
            "00354730392"
        } else {
            "OperationBatchIDPay"
        };
        assert_eq!(
            x.operatore_cf_hash.as_deref(),
            Some(a.servizio.accessi.hash_cf(utente).as_str()),
            "{}",
            x.operazione
        );
        assert_eq!(x.operatore_postazione.as_deref(), Some("001"));
    }
    let con_voucher = log.iter().find(|l| l.accesso.canale == "soap").unwrap();
    assert!(con_voucher.accesso.voucher_jti.is_some());
}

#[tokio::test]
async fn senza_convenzioni_la_stessa_chiamata_riceve_il_401_di_oggi() {
    let a = ambiente().await;
    let r = jaxws(&a, &solo_certificato("c_h199"), CF_RAVENNA).await;
    assert_eq!(r.stato, 500, "{}", r.corpo);
    let (codice, stato) = codice_fault(&r.corpo);
    assert_eq!(codice.as_deref(), Some("soap:Client.VOUCHER_ASSENTE"));
    assert_eq!(stato.as_deref(), Some("401"));
    assert!(!r.corpo.contains("XmlEsitoIndicatore"));
    let r = a
        .rest(
            "indicatore",
            "indicatore",
            &solo_certificato("c_h199"),
            per_cf(CF_RAVENNA),
        )
        .await;
    assert_eq!(
        (r.stato.as_u16(), r.codice().as_str()),
        (401, "VOUCHER_ASSENTE")
    );
}

#[tokio::test]
async fn certificato_non_convenzionato_ed_eservizi_fuori_convenzione() {
    // The agreement admits Ravenna's certificate for the indicator only.
    let a = con_convenzioni(|s| {
        vec![convenzione(
            &["indicatore"],
            vec![impronta(s, "c_h199")],
            100,
        )]
    })
    .await;
    // Another ente's certificate (valid, issued by the CA): refused with its code.
    let r = jaxws(&a, &solo_certificato("ausl_rom"), CF_RAVENNA).await;
    let (codice, stato) = codice_fault(&r.corpo);
    assert_eq!(
        codice.as_deref(),
        Some("soap:Client.CERTIFICATO_NON_CONVENZIONATO")
    );
    assert_eq!(stato.as_deref(), Some("403"));
    assert!(!r.corpo.contains("XmlEsitoIndicatore"));
    // No certificate at all: today's 401.
    let r = jaxws(&a, &Credenziali::default(), CF_RAVENNA).await;
    assert_eq!(
        codice_fault(&r.corpo).0.as_deref(),
        Some("soap:Client.VOUCHER_ASSENTE")
    );
    // The attestation is not in the agreement: its policy still requires the voucher.
    let r = a
        .soap(
            "ConsultazioneAttestazione",
            "ConsultazioneAttestazione",
            &solo_certificato("c_h199"),
            busta_attestazione("ConsultazioneAttestazione", CF_RAVENNA),
        )
        .await;
    assert_eq!(
        codice_fault(&r.corpo).0.as_deref(),
        Some("soap:Client.VOUCHER_ASSENTE")
    );
    let log = a.registro_accessi().await;
    let esiti: Vec<(&str, &str)> = log
        .iter()
        .map(|l| (l.accesso.esito.as_str(), l.accesso.canale.as_str()))
        .collect();
    assert_eq!(
        esiti,
        [
            (
                "CERTIFICATO_NON_CONVENZIONATO",
                "soap+cooperazione_applicativa"
            ),
            ("VOUCHER_ASSENTE", "soap+cooperazione_applicativa"),
            ("VOUCHER_ASSENTE", "soap"),
        ]
    );
    assert!(log.iter().all(|l| l.accesso.voucher_jti.is_none()));
}

#[tokio::test]
async fn certificato_dello_stesso_ente_ma_non_elencato_e_rifiutato() {
    // The agreement lists a fingerprint that is not Ravenna's certificate.
    let a =
        con_convenzioni(|_| vec![convenzione(&["indicatore"], vec!["00".repeat(32)], 100)]).await;
    let r = jaxws(&a, &solo_certificato("c_h199"), CF_RAVENNA).await;
    assert_eq!(
        codice_fault(&r.corpo).0.as_deref(),
        Some("soap:Client.CERTIFICATO_NON_CONVENZIONATO")
    );
}

#[tokio::test]
async fn rest_con_identity_in_intestazione_e_quota_della_convenzione() {
    // Any certificate of the ente (no fingerprint listed), two calls a day.
    let a = con_convenzioni(|_| vec![convenzione(&["indicatore"], Vec::new(), 2)]).await;
    let corpo: Value = per_cf(CF_RAVENNA);
    // Without Identity: refused, and counted.
    let r = a
        .rest(
            "indicatore",
            "indicatore",
            &solo_certificato("c_h199"),
            corpo.clone(),
        )
        .await;
    assert_eq!(
        (r.stato.as_u16(), r.codice().as_str()),
        (401, "IDENTITY_ASSENTE")
    );
    let credenziali = Credenziali {
        certificato: Some("c_h199".into()),
        ..Credenziali::default()
    };
    let chiama = || {
        a.chiama(
            "/rest/v1/indicatore/indicatore",
            &credenziali,
            &[
                ("content-type", "application/json"),
                ("inps-identity-userid", "00354730392"),
                ("inps-identity-codiceufficio", "001"),
            ],
            corpo.to_string().into_bytes(),
        )
    };
    let r = chiama().await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    assert_eq!(r.json()["esito"], "OK");
    // The agreement's quota (2 a day) is spent: 429 as for a PDND purpose.
    let r = chiama().await;
    assert_eq!(
        (r.stato.as_u16(), r.codice().as_str()),
        (429, "QUOTA_ESAURITA")
    );
    let log = a.registro_accessi().await;
    assert!(
        log.iter()
            .all(|l| l.accesso.canale == format!("rest+{MODALITA_COOPERAZIONE}"))
    );
}

#[tokio::test]
async fn convenzioni_per_eservizi_che_richiedono_il_voucher_fermano_l_avvio() {
    let a = ambiente().await;
    let mut c: Configurazione = a.sandbox.configurazione.clone();
    c.cooperazione_applicativa = vec![convenzione(
        &["indicatore-residenti", "sconosciuto"],
        Vec::new(),
        10,
    )];
    let errore = match isee_consultazione::avvio::costruisci(&c).await {
        Err(e) => e.to_string(),
        Ok(_) => panic!("avviato con una convenzione inammissibile"),
    };
    assert!(errore.contains("indicatore-residenti"), "{errore}");
    assert!(errore.contains("sconosciuto"), "{errore}");
}

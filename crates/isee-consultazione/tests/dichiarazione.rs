//! The ninth e-service, Consultazione Dichiarazione ISEE (REST only): the DSU as
//! INPS's `ISEE_Dichiarazione` document for an ente's controls, behind mTLS, the
//! voucher, the operator's evidence and authorisation; every call in the access log.

mod comune;

use comune::*;
use isee_core::Dsu;
use isee_registro::{Chiamante, Operazione as OpRegistro, PresentazioneDsu};
use serde_json::json;
use std::path::Path;

const VERONA: &str = include_str!("../../../esempi/dottorato-verona.json");
/// The enti of the sandbox: Rapallo has the certificate, every purpose and the
/// demo operator authorised for `dichiarazione`.
const ENTE: &str = "c_h183";
const ESERVIZIO: &str = "dichiarazione";
const PERCORSO: &str = "/rest/v1/dichiarazione/dichiarazione";

fn schema() -> std::path::PathBuf {
    isee_prova::xsd::riferimenti_inps(Path::new(env!("CARGO_MANIFEST_DIR")))
        .join("ISEE_Dichiarazione.xsd")
}

/// Voucher, evidence and client certificate of `ipa`, for `operatore`.
fn credenziali(a: &Ambiente, ipa: &str, operatore: &str) -> Credenziali {
    let mut c = a.operatore(ipa, ESERVIZIO, operatore);
    c.certificato = Some(ipa.to_string());
    c
}

fn demo(a: &Ambiente) -> Credenziali {
    credenziali(a, ENTE, isee_sandbox::OPERATORE_DEMO)
}

async fn chiedi(a: &Ambiente, cred: &Credenziali, protocollo: &str, cf: &str) -> Esito {
    a.rest(ESERVIZIO, ESERVIZIO, cred, per_protocollo(protocollo, cf))
        .await
}

/// Files `dsu` (as JSON) in the environment's register: its protocol.
async fn presenta(a: &Ambiente, dsu: &Dsu, chiave: &str) -> String {
    a.servizio
        .registro
        .presenta(PresentazioneDsu {
            dsu_json: serde_json::to_string(dsu).unwrap(),
            chiave_idempotenza: chiave.into(),
            mittente: "CAF-PROVA".into(),
            protocollo_mittente: None,
            operazione: OpRegistro::Nuova,
        })
        .await
        .unwrap()
        .protocollo
        .to_string()
}

fn completa(json: &str) -> Dsu {
    let mut dsu = Dsu::da_json(json).unwrap();
    isee_genera::completa_per_inps(&mut dsu);
    dsu
}

#[tokio::test]
async fn con_i_dati_inps_il_documento_e_valido_e_si_rilegge_uguale() {
    let a = ambiente().await;
    let dsu = completa(VERONA);
    let protocollo = presenta(&a, &dsu, "verona").await;
    let cf = dsu.componenti[0].codice_fiscale.to_string();
    let r = chiedi(&a, &demo(&a), &protocollo, &cf).await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    assert_eq!(
        r.intestazione("content-type").as_deref(),
        Some("application/xml; charset=ISO-8859-1")
    );
    assert_eq!(r.intestazione("cache-control").as_deref(), Some("no-store"));
    assert_eq!(r.intestazione("isee-dati-assenti").as_deref(), Some("0"));
    assert_eq!(r.intestazione("isee-dati-assenti-percorsi"), None);
    assert_eq!(r.intestazione("isee-stato-dsu").as_deref(), Some("attiva"));
    let arrotondati: usize = r
        .intestazione("isee-importi-arrotondati")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        r.byte
            .starts_with(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>")
    );
    // Valid against INPS's schema (xmllint).
    isee_prova::xsd::valida(&schema(), "dichiarazione", &r.byte)
        .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&r.byte)));
    // A new declaration, read back equal to the DSU filed (whole euros).
    let letto = isee_dichiarazione::importa_documento(&r.byte).unwrap();
    assert_eq!(letto.operazione.tipo, isee_dichiarazione::TipoOperazione::N);
    assert_eq!(arrotondati, 0, "l'esempio ha importi in euro interi");
    assert_eq!(letto.dsu, dsu);

    // The access log: one record, the operation, purpose, ente, operator, outcome,
    // the id in the header; no fiscal code in clear; the chain verifies.
    let log = a.registro_accessi().await;
    assert_eq!(log.len(), 1);
    let l = &log[0];
    assert_eq!(
        r.intestazione("isee-id-richiesta").as_deref(),
        Some(l.seq.to_string().as_str())
    );
    assert_eq!(l.accesso.eservizio, "dichiarazione");
    assert_eq!(l.accesso.operazione, "ConsultazioneDichiarazione");
    assert_eq!(l.accesso.canale, "rest");
    assert_eq!(l.accesso.esito, "OK");
    assert_eq!(l.accesso.http_status, 200);
    assert_eq!(l.accesso.ente_ipa.as_deref(), Some(ENTE));
    assert_eq!(
        l.accesso.purpose_id.as_deref(),
        Some(
            a.fruitore(ENTE)
                .finalita_per(ESERVIZIO)
                .unwrap()
                .to_string()
                .as_str()
        )
    );
    assert!(l.accesso.operatore_cf_hash.is_some() && l.accesso.evidenza_jti.is_some());
    assert_eq!(
        l.accesso.protocollo_dsu.as_deref(),
        Some(protocollo.as_str())
    );
    assert_eq!(l.accesso.prestazione.as_deref(), Some("A1.07"));
    let testo = serde_json::to_string(&log).unwrap();
    assert!(!testo.contains(&cf));
    assert!(!testo.contains(isee_sandbox::OPERATORE_DEMO));
}

/// A DSU filed in JSON without `dati_inps`: the document says only what the DSU
/// says — exactly the library's export with missing data left out — and the
/// headers count what is missing.
#[tokio::test]
async fn senza_dati_inps_i_dati_assenti_sono_segnalati_non_inventati() {
    let a = ambiente().await;
    let r = chiedi(&a, &demo(&a), &a.protocolli[0], CF_FIGLIO_RAVENNA).await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    let assenti: usize = r
        .intestazione("isee-dati-assenti")
        .unwrap()
        .parse()
        .unwrap();
    assert!(assenti > 0);
    let percorsi = r.intestazione("isee-dati-assenti-percorsi").unwrap();
    assert!(percorsi.len() <= isee_consultazione::rest::PERCORSI_ASSENTI_MASSIMO);
    assert!(percorsi.starts_with("$."), "{percorsi}");

    let dsu = Dsu::da_json(RAVENNA).unwrap();
    let atteso = isee_dichiarazione::esporta_con_avvisi(
        &dsu,
        &isee_consultazione::dati::opzioni_dichiarazione(),
    )
    .unwrap();
    assert_eq!(
        r.byte, atteso.xml,
        "il documento è l'esportazione della DSU"
    );
    let da_avvisi: Vec<&str> = atteso
        .avvisi
        .iter()
        .filter(|a| !a.messaggio.contains(" arrotondato a "))
        .map(|a| a.percorso.as_str())
        .collect();
    assert_eq!(assenti, da_avvisi.len());
    assert!(percorsi.starts_with(da_avvisi[0]));
    // What INPS requires is missing, so the document is not valid against its
    // schema: nothing was filled in to make it so.
    assert!(isee_prova::xsd::valida(&schema(), "senza-dati-inps", &r.byte).is_err());
}

#[test]
fn i_percorsi_nell_intestazione_sono_limitati() {
    use isee_consultazione::rest::{PERCORSI_ASSENTI_MASSIMO, percorsi};
    let molti: Vec<String> = (0..500)
        .map(|i| format!("$.componenti[{i}].dati_inps.cittadinanza"))
        .collect();
    let p = percorsi(&molti);
    assert!(p.len() <= PERCORSI_ASSENTI_MASSIMO);
    assert!(p.ends_with(", ..."));
    assert_eq!(percorsi(&molti[..2]), format!("{}, {}", molti[0], molti[1]));
    assert_eq!(percorsi(&["$.x\u{e8}".to_string()]), "$.x?");
}

/// An unknown protocol, a fiscal code outside the nucleus and another nucleus's
/// DSU get the same answer; the log tells them apart.
#[tokio::test]
async fn nessun_oracolo() {
    let a = ambiente().await;
    // The Roma declarant: a person with a DSU of his own, not in Ravenna's nucleus.
    let roma = Dsu::da_json(ROMA).unwrap().componenti[0]
        .codice_fiscale
        .to_string();
    let casi = [
        ("INPS-ISEE-2026-99999999Z-00", CF_RAVENNA),
        (a.protocolli[1].as_str(), CF_RAVENNA),
        (a.protocolli[0].as_str(), roma.as_str()),
    ];
    let mut risposte = Vec::new();
    for (p, cf) in casi {
        let r = chiedi(&a, &demo(&a), p, cf).await;
        assert_eq!(r.stato, 404, "{}", r.corpo);
        assert_eq!(r.codice(), "DATI_NON_TROVATI", "{}", r.corpo);
        let mut j = r.json();
        j.as_object_mut().unwrap().remove("id_richiesta");
        risposte.push(j);
    }
    assert!(risposte.iter().all(|j| *j == risposte[0]), "{risposte:?}");
    let log = a.registro_accessi().await;
    let esiti: Vec<&str> = log.iter().map(|l| l.accesso.esito.as_str()).collect();
    assert_eq!(esiti, ["DATI_NON_TROVATI", "FUORI_NUCLEO", "FUORI_NUCLEO"]);
}

#[tokio::test]
async fn rifiuti_come_per_gli_altri_eservizi() {
    let a = ambiente().await;
    let p = a.protocolli[0].clone();
    // An operator authorised for the Operatori e-services only.
    let registro = isee_enti::StoreEnti::apri(&isee_consultazione::configurazione::url_db(
        &a.sandbox.configurazione.enti.db,
    ))
    .await
    .unwrap();
    registro
        .abilita(isee_enti::registro::NuovaAbilitazione {
            codice_fiscale_operatore: "BNCLRA88R45H199W".into(),
            ente_ipa: ENTE.into(),
            eservizi: vec!["indicatore-operatori".into()],
            dal: "2026-01-01".parse().unwrap(),
            al: "2026-12-31".parse().unwrap(),
            riferimento: None,
        })
        .await
        .unwrap();
    a.servizio
        .abilitazioni
        .aggiorna_subito(&registro)
        .await
        .unwrap();

    let mut senza_evidenza = demo(&a);
    senza_evidenza.evidenza = None;
    senza_evidenza.voucher = Some(a.voucher(ENTE, ESERVIZIO));
    let mut senza_certificato = demo(&a);
    senza_certificato.certificato = None;
    let mut certificato_altrui = demo(&a);
    certificato_altrui.certificato = Some("c_h199".into());
    let mut senza_voucher = demo(&a);
    senza_voucher.voucher = None;
    // The ASL has a certificate but no purpose for this e-service.
    let senza_finalita = Credenziali {
        voucher: Some(a.voucher("ausl_rom", ESERVIZIO)),
        certificato: Some("ausl_rom".into()),
        evidenza: None,
    };
    // A voucher for another e-service of the same ente.
    let mut altro_eservizio = demo(&a);
    altro_eservizio.voucher = Some(a.voucher(ENTE, "attestazione-operatori"));
    let casi: Vec<(&str, Credenziali, u16, &str)> = vec![
        ("senza evidenza", senza_evidenza, 401, "EVIDENZA_ASSENTE"),
        (
            "senza certificato",
            senza_certificato,
            401,
            "CERTIFICATO_ASSENTE",
        ),
        (
            "certificato di un altro ente",
            certificato_altrui,
            403,
            "CERTIFICATO_ALTRO_ENTE",
        ),
        ("senza voucher", senza_voucher, 401, "VOUCHER_ASSENTE"),
        (
            "ente senza la finalità",
            senza_finalita,
            403,
            "FINALITA_SCONOSCIUTA",
        ),
        (
            "operatore sconosciuto",
            credenziali(&a, ENTE, "RSSMRA85M01H199H"),
            403,
            "OPERATORE_NON_ABILITATO",
        ),
        (
            "operatore abilitato ad altri e-service",
            credenziali(&a, ENTE, "BNCLRA88R45H199W"),
            403,
            "ABILITAZIONE_ALTRO_SERVIZIO",
        ),
    ];
    let n = casi.len();
    for (nome, cred, http, codice) in casi {
        let r = chiedi(&a, &cred, &p, CF_RAVENNA).await;
        assert_eq!(r.stato.as_u16(), http, "{nome}: {}", r.corpo);
        assert_eq!(r.codice(), codice, "{nome}: {}", r.corpo);
        assert!(r.intestazione("isee-dati-assenti").is_none());
        assert!(!r.corpo.contains("ISEE_Dichiarazione") && !r.corpo.contains("<?xml"));
    }
    let r = a
        .chiama(
            PERCORSO,
            &altro_eservizio,
            &[("content-type", "application/json")],
            per_protocollo(&p, CF_RAVENNA).to_string().into_bytes(),
        )
        .await;
    assert!(
        r.stato == 401 || r.stato == 403,
        "voucher di un altro e-service: {}",
        r.corpo
    );
    // Every attempt is logged (the refusals before the voucher in the per-source
    // records); the chain verifies.
    let log = a.registro_accessi().await;
    assert!(log.len() >= n - 2, "{}", log.len());
    assert!(log.iter().all(|l| l.accesso.esito != "OK"));
}

/// The request: a DSU protocol and a member's fiscal code, bound to an
/// application; every problem listed at once.
#[tokio::test]
async fn richiesta_convalidata_con_tutti_i_problemi() {
    let a = ambiente().await;
    let corpo = json!({
        "tipo_indicatore": "Ordinario",
        "codice_soglia": "ADIN26",
        "ricerca": {"codice_fiscale": CF_RAVENNA, "data_validita": "2026-06-15"},
    });
    let r = a.rest(ESERVIZIO, ESERVIZIO, &demo(&a), corpo).await;
    assert_eq!(r.stato, 400, "{}", r.corpo);
    assert_eq!(r.codice(), "RICHIESTA_INVALIDA");
    let detail = r.json()["detail"].as_str().unwrap().to_string();
    for campo in [
        "$.tipo_indicatore",
        "$.codice_soglia",
        "$.ricerca.data_validita",
        "$.ricerca.protocollo_dsu",
    ] {
        assert!(detail.contains(campo), "manca {campo}: {detail}");
    }
    // Without the application it is for (purpose binding).
    let r = a
        .rest(
            ESERVIZIO,
            ESERVIZIO,
            &demo(&a),
            json!({"ricerca": {"protocollo_dsu": a.protocolli[0], "codice_fiscale_beneficiario": CF_RAVENNA}}),
        )
        .await;
    assert_eq!(r.stato, 400, "{}", r.corpo);
    assert_eq!(r.codice(), "RICHIESTA_INVALIDA");
    // The other operations' paths do not lead to it, nor it to them.
    let r = a
        .rest(
            ESERVIZIO,
            "attestazione",
            &demo(&a),
            per_protocollo(&a.protocolli[0], CF_RAVENNA),
        )
        .await;
    assert_eq!(r.stato, 400, "{}", r.corpo);
    assert_eq!(r.codice(), "RICHIESTA_MALFORMATA");
    let r = a
        .rest(
            "attestazione-operatori",
            ESERVIZIO,
            &a.operatore(ENTE, "attestazione-operatori", isee_sandbox::OPERATORE_DEMO),
            per_protocollo(&a.protocolli[0], CF_RAVENNA),
        )
        .await;
    assert_eq!(r.stato, 400, "{}", r.corpo);
    assert_eq!(r.codice(), "RICHIESTA_MALFORMATA");
}

/// REST only: no SOAP endpoint, no WSDL.
#[tokio::test]
async fn nessun_endpoint_soap() {
    let a = ambiente().await;
    let r = a
        .soap(
            "ConsultazioneDichiarazione",
            "ConsultazioneDichiarazione",
            &demo(&a),
            busta_riscontro("ConsultazioneDichiarazione", &a.protocolli[0], CF_RAVENNA),
        )
        .await;
    assert_eq!(r.stato, 404, "{}", r.corpo);
    assert!(!isee_soap::WSDL.contains("ConsultazioneDichiarazione"));
}

/// An annulled DSU is served, with its state: a control concerns the DSU that was
/// used.
#[tokio::test]
async fn una_dsu_annullata_e_servita_con_il_suo_stato() {
    let a = ambiente().await;
    let p: isee_registro::Protocollo = a.protocolli[2].parse().unwrap();
    a.servizio
        .registro
        .annulla(&p, &Chiamante::mittente("CAF-PROVA"))
        .await
        .unwrap();
    let dsu = Dsu::da_json(BOLOGNA).unwrap();
    let cf = dsu.componenti[0].codice_fiscale.to_string();
    let r = chiedi(&a, &demo(&a), &a.protocolli[2], &cf).await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    assert_eq!(
        r.intestazione("isee-stato-dsu").as_deref(),
        Some("annullata")
    );
    // The other e-services no longer find it.
    let r = a
        .rest(
            "attestazione-operatori",
            "attestazione",
            &a.operatore(ENTE, "attestazione-operatori", isee_sandbox::OPERATORE_DEMO),
            per_protocollo(&a.protocolli[2], &cf),
        )
        .await;
    assert_eq!(r.codice(), "DATI_NON_TROVATI", "{}", r.corpo);
}

/// A rectified DSU is served too, naming the DSU that replaced it; the new one is
/// `attiva`.
#[tokio::test]
async fn una_dsu_rettificata_nomina_la_nuova() {
    let a = ambiente().await;
    let vecchio = a.protocolli[0].clone();
    let mut dsu = Dsu::da_json(RAVENNA).unwrap();
    isee_genera::completa_per_inps(&mut dsu);
    let nuovo = a
        .servizio
        .registro
        .presenta(PresentazioneDsu {
            dsu_json: serde_json::to_string(&dsu).unwrap(),
            chiave_idempotenza: "rettifica".into(),
            mittente: "CAF-PROVA".into(),
            protocollo_mittente: None,
            operazione: OpRegistro::Rettifica {
                di: vecchio.parse().unwrap(),
            },
        })
        .await
        .unwrap()
        .protocollo
        .to_string();
    let r = chiedi(&a, &demo(&a), &vecchio, CF_RAVENNA).await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    assert_eq!(
        r.intestazione("isee-stato-dsu").as_deref(),
        Some("rettificata")
    );
    assert_eq!(
        r.intestazione("isee-sostituita-da").as_deref(),
        Some(nuovo.as_str())
    );
    assert_ne!(r.intestazione("isee-dati-assenti").as_deref(), Some("0"));
    let r = chiedi(&a, &demo(&a), &nuovo, CF_RAVENNA).await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    assert_eq!(r.intestazione("isee-stato-dsu").as_deref(), Some("attiva"));
    assert_eq!(r.intestazione("isee-sostituita-da"), None);
    assert_eq!(r.intestazione("isee-dati-assenti").as_deref(), Some("0"));
}

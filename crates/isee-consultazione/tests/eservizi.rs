//! The eight e-services of INPS end to end (REST and SOAP; the ninth, `dichiarazione`,
//! in dichiarazione.rs), and a negative test for every
//! check: each refusal answers its documented code, is logged, and returns no
//! personal data.

mod comune;

use base64::Engine as _;
use comune::*;
use serde_json::{Value, json};

fn cert(ipa: &str, voucher: String) -> Credenziali {
    Credenziali {
        voucher: Some(voucher),
        certificato: Some(ipa.to_string()),
        evidenza: None,
    }
}

fn solo_voucher(voucher: String) -> Credenziali {
    Credenziali {
        voucher: Some(voucher),
        ..Credenziali::default()
    }
}

/// The inner document of a SOAP answer, decoded.
fn interno(corpo: &str, elemento: &str) -> String {
    let doc = roxmltree::Document::parse(corpo).unwrap();
    let n = doc
        .descendants()
        .find(|n| n.tag_name().name() == elemento)
        .unwrap_or_else(|| panic!("manca {elemento} in {corpo}"));
    let b = base64::engine::general_purpose::STANDARD
        .decode(n.text().unwrap().trim())
        .unwrap();
    String::from_utf8(b).unwrap()
}

fn esito_soap(corpo: &str) -> String {
    let doc = roxmltree::Document::parse(corpo).unwrap();
    doc.descendants()
        .find(|n| n.tag_name().name() == "Esito")
        .and_then(|n| n.text())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn le_otto_eservizi_rest() {
    let a = ambiente().await;
    // Certificate services: Ravenna (a capoluogo) with its client certificate.
    let r = a
        .rest(
            "indicatore",
            "indicatore",
            &cert("c_h199", a.voucher("c_h199", "indicatore")),
            per_cf(CF_RAVENNA),
        )
        .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    let j = r.json();
    assert_eq!(j["indicatore"]["protocollo_dsu"], a.protocolli[0]);
    assert!(j["indicatore"]["isee"].as_str().unwrap().contains('.'));
    assert!(j["id_richiesta"].as_i64().unwrap() > 0);
    // The indicator discloses values, never the household.
    assert!(!r.corpo.contains("ROSSI") && !r.corpo.contains("Rossi"));

    let r = a
        .rest(
            "attestazione",
            "attestazione",
            &cert("c_h199", a.voucher("c_h199", "attestazione")),
            per_cf(CF_RAVENNA),
        )
        .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    let att = &r.json()["attestazione"];
    assert_eq!(att["nucleo"].as_array().unwrap().len(), 4);
    assert_eq!(att["cf_dichiarante"], CF_RAVENNA);
    assert!(att["ordinario"]["modalita"]["scala_equivalenza"].is_string());

    // Residenti: Ravenna, for a Ravenna household; no certificate needed.
    for (e, op) in [
        ("indicatore-residenti", "indicatore"),
        ("attestazione-residenti", "attestazione"),
    ] {
        let r = a
            .rest(
                e,
                op,
                &solo_voucher(a.voucher("c_h199", e)),
                per_cf(CF_RAVENNA),
            )
            .await;
        assert_eq!(r.stato, 200, "{e}: {}", r.corpo);
    }

    // Riscontro: the DSU protocol with the fiscal code; the Nucleo variant lists members.
    let r = a
        .rest(
            "indicatore-riscontro",
            "indicatore",
            &solo_voucher(a.voucher("c_h183", "indicatore-riscontro")),
            per_protocollo(&a.protocolli[0], CF_RAVENNA),
        )
        .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    assert!(r.json()["indicatore"].get("nucleo").is_none());
    let r = a
        .rest(
            "nucleo-riscontro",
            "indicatore",
            &solo_voucher(a.voucher("c_h183", "nucleo-riscontro")),
            per_protocollo(&a.protocolli[0], CF_FIGLIO_RAVENNA),
        )
        .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    assert_eq!(
        r.json()["indicatore"]["nucleo"].as_array().unwrap().len(),
        4
    );

    // Operatori: Rapallo's authorised operator, evidence bound to the voucher.
    for (e, op) in [
        ("indicatore-operatori", "indicatore"),
        ("attestazione-operatori", "attestazione"),
    ] {
        let r = a
            .rest(
                e,
                op,
                &a.operatore("c_h183", e, sandbox_operatore()),
                per_cf(CF_RAVENNA),
            )
            .await;
        assert_eq!(r.stato, 200, "{e}: {}", r.corpo);
    }

    // The threshold query: yes/no only.
    let mut corpo = per_cf(CF_RAVENNA);
    corpo["codice_soglia"] = json!("BVAC20");
    let r = a
        .rest(
            "indicatore",
            "soglia",
            &cert("c_h199", a.voucher("c_h199", "indicatore")),
            corpo,
        )
        .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    let s = &r.json()["soglia"];
    assert!(s["sotto_soglia"].is_boolean());
    assert!(r.json()["indicatore"].is_null() && !r.corpo.contains("\"isee\""));

    let log = a.registro_accessi().await;
    assert_eq!(log.len(), 9);
    assert!(log.iter().all(|l| l.accesso.esito == "OK"));
    // The searched fiscal code is never in the log in clear.
    let testo = serde_json::to_string(&log).unwrap();
    assert!(!testo.contains(CF_RAVENNA));
}

fn sandbox_operatore() -> &'static str {
    isee_sandbox::OPERATORE_DEMO
}

#[tokio::test]
async fn soap_per_ogni_operazione() {
    let a = ambiente().await;
    let v = |e: &str| cert("c_h199", a.voucher("c_h199", e));
    let r = a
        .soap(
            "ConsultazioneIndicatore",
            "ConsultazioneIndicatore",
            &v("indicatore"),
            busta_indicatore("ConsultazioneIndicatore", CF_RAVENNA, "Ordinario"),
        )
        .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    assert_eq!(esito_soap(&r.corpo), "OK");
    // Every answer of this test is valid against INPS's XSDs (xmllint).
    valida_inps("ConsultazioneIndicatore", &r.corpo);
    let ind = interno(&r.corpo, "XmlEsitoIndicatore");
    let doc = roxmltree::Document::parse(&ind).unwrap();
    let radice = doc.root_element();
    assert_eq!(radice.tag_name().name(), "Indicatore");
    assert_eq!(
        radice.tag_name().namespace(),
        Some("http://inps.it/ISEERiforma")
    );
    assert_eq!(
        radice.attribute("ProtocolloDSU"),
        Some(a.protocolli[0].as_str())
    );
    assert_eq!(radice.attribute("TipoIndicatore"), Some("Ordinario"));
    for attr in ["ISE", "ScalaEquivalenza", "ISEE", "ISR", "ISP"] {
        let v = radice.attribute(attr).unwrap();
        assert_eq!(v.split('.').nth(1).map(str::len), Some(2), "{attr}={v}");
    }

    let r = a
        .soap(
            "ConsultazioneAttestazione",
            "ConsultazioneAttestazione",
            &v("attestazione"),
            busta_attestazione("ConsultazioneAttestazione", CF_RAVENNA),
        )
        .await;
    assert_eq!(esito_soap(&r.corpo), "OK", "{}", r.corpo);
    valida_inps("ConsultazioneAttestazione", &r.corpo);
    let att = interno(&r.corpo, "XmlEsitoAttestazione");
    let doc = roxmltree::Document::parse(&att).unwrap();
    let componenti = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "ComponenteNucleo")
        .count();
    assert_eq!(componenti, 4);

    for (e, op, busta) in [
        (
            "indicatore-residenti",
            "ConsultazioneIndicatoreResidenti",
            busta_indicatore("ConsultazioneIndicatoreResidenti", CF_RAVENNA, "Ordinario"),
        ),
        (
            "attestazione-residenti",
            "ConsultazioneAttestazioneResidenti",
            busta_attestazione("ConsultazioneAttestazioneResidenti", CF_RAVENNA),
        ),
        (
            "indicatore-riscontro",
            "ConsultazioneIndicatoreRiscontro",
            busta_riscontro(
                "ConsultazioneIndicatoreRiscontro",
                &a.protocolli[0],
                CF_RAVENNA,
            ),
        ),
        (
            "nucleo-riscontro",
            "ConsultazioneIndicatoreNucleoRiscontro",
            busta_riscontro(
                "ConsultazioneIndicatoreNucleoRiscontro",
                &a.protocolli[0],
                CF_RAVENNA,
            ),
        ),
    ] {
        let endpoint = isee_consultazione::catalogo::per_codice(e)
            .unwrap()
            .endpoint;
        let r = a
            .soap(endpoint, op, &solo_voucher(a.voucher("c_h199", e)), busta)
            .await;
        assert_eq!(esito_soap(&r.corpo), "OK", "{op}: {}", r.corpo);
        valida_inps(op, &r.corpo);
    }
    for (e, op, busta) in [
        (
            "indicatore-operatori",
            "ConsultazioneIndicatoreOperatori",
            busta_indicatore("ConsultazioneIndicatoreOperatori", CF_RAVENNA, "Ordinario"),
        ),
        (
            "attestazione-operatori",
            "ConsultazioneAttestazioneOperatori",
            busta_attestazione("ConsultazioneAttestazioneOperatori", CF_RAVENNA),
        ),
    ] {
        let endpoint = isee_consultazione::catalogo::per_codice(e)
            .unwrap()
            .endpoint;
        let r = a
            .soap(
                endpoint,
                op,
                &a.operatore("c_h183", e, sandbox_operatore()),
                busta,
            )
            .await;
        assert_eq!(esito_soap(&r.corpo), "OK", "{op}: {}", r.corpo);
        valida_inps(op, &r.corpo);
    }
    let r = a
        .soap(
            "ConsultazioneIndicatore",
            "ConsultazioneSogliaIndicatore",
            &v("indicatore"),
            busta_soglia("ADIN25", CF_RAVENNA),
        )
        .await;
    // INPS's threshold request (attributes, no application fields) is answered OK.
    assert_eq!(esito_soap(&r.corpo), "OK", "{}", r.corpo);
    valida_inps("ConsultazioneSogliaIndicatore", &r.corpo);
    let doc = roxmltree::Document::parse(&r.corpo).unwrap();
    let dati = doc
        .descendants()
        .find(|n| n.tag_name().name() == "DatiIndicatore")
        .unwrap();
    assert!(matches!(
        dati.attribute("SottoSoglia"),
        Some("SI") | Some("NO")
    ));
    assert!(dati.attribute("ISEE").is_none());
    // FornituraNucleo="SI": the person asked about is among the Componente.
    assert!(
        dati.children()
            .filter(|n| n.tag_name().name() == "Componente")
            .any(|c| c.attribute("CodiceFiscale") == Some(CF_RAVENNA)),
        "{}",
        r.corpo
    );

    // WSDL.
    let w = a.app.clone();
    let req =
        axum::http::Request::get("/pdnd/soap/ConsultazioneISEE/v2/ConsultazioneIndicatore?wsdl")
            .body(axum::body::Body::empty())
            .unwrap();
    let risposta = tower::ServiceExt::oneshot(w, req).await.unwrap();
    assert_eq!(risposta.status(), 200);
    let wsdl = http_body_util::BodyExt::collect(risposta.into_body())
        .await
        .unwrap()
        .to_bytes();
    let wsdl = String::from_utf8(wsdl.to_vec()).unwrap();
    // The address comes from the configuration; the schema is inline.
    let atteso = format!(
        "{}/pdnd/soap/ConsultazioneISEE/v2/ConsultazioneIndicatore",
        a.servizio.impostazioni.indirizzo_pubblico
    );
    assert!(
        wsdl.contains(&format!("location=\"{atteso}\"")),
        "{atteso} non nel WSDL"
    );
    assert!(!wsdl.contains("isee.invalid") && !wsdl.contains("schemaLocation"));
}

/// One refusal: what it must answer.
struct Caso {
    nome: &'static str,
    eservizio: &'static str,
    op: &'static str,
    cred: Credenziali,
    corpo: Value,
    http: u16,
    codice: &'static str,
}

#[tokio::test]
async fn un_test_negativo_per_ogni_controllo() {
    let a = ambiente().await;
    let cf = per_cf(CF_RAVENNA);
    let ind = "indicatore";
    let buono = || a.voucher("c_h199", ind);
    // A voucher with every claim right, signed RS512 with the PDND key itself.
    let rs512 = {
        let pem = std::fs::read_to_string(a.sandbox.dir_pdnd.join("chiave-pdnd.pem")).unwrap();
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS512);
        h.typ = Some("at+jwt".into());
        h.kid = Some(a.pdnd.kid().to_string());
        let k = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
        jsonwebtoken::encode(&h, &a.claims("c_h199", ind), &k).unwrap()
    };
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    };
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "at+jwt"})),
        b64(&a.claims("c_h199", ind))
    );
    let hs256 = {
        // HS256 "signed" with the PDND public key as the HMAC secret (the classic
        // algorithm-confusion attack).
        let testa = json!({"alg": "HS256", "typ": "at+jwt", "kid": a.pdnd.kid()});
        let input = format!("{}.{}", b64(&testa), b64(&a.claims("c_h199", ind)));
        let segreto = a.pdnd.pubblica_pem().unwrap();
        let firma = hmac_sha256(segreto.as_bytes(), input.as_bytes());
        format!(
            "{input}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(firma)
        )
    };
    let manomesso = {
        let v = buono();
        let mut parti: Vec<String> = v.split('.').map(str::to_string).collect();
        let mut c = a.claims("c_h199", ind);
        c["consumerId"] = json!(a.fruitore("c_h183").tenant_id.to_string());
        parti[1] = b64(&c);
        parti.join(".")
    };
    let altro_kid = {
        let altra = isee_pdnd::jwk::ChiavePrivata::genera().unwrap();
        altra.firma("at+jwt", &a.claims("c_h199", ind)).unwrap()
    };
    let ora = a.adesso.timestamp();
    let rapallo_op = || a.operatore("c_h183", "indicatore-operatori", sandbox_operatore());
    let (ev_altra, _) = a.evidenza(
        "c_h183",
        "indicatore-operatori",
        sandbox_operatore(),
        |_| {},
    );
    let digest_sbagliato = {
        let (ev, _) = a.evidenza(
            "c_h183",
            "indicatore-operatori",
            sandbox_operatore(),
            |_| {},
        );
        let v = a.voucher_con("c_h183", "indicatore-operatori", |c| {
            c["digest"] = json!({"alg": "SHA256", "value": "0".repeat(64)});
        });
        Credenziali {
            voucher: Some(v),
            certificato: None,
            evidenza: Some(ev),
        }
    };
    let _ = ev_altra;
    let non_abilitato = a.operatore("c_h183", "indicatore-operatori", "BNCLRA88R45H199W");
    let altro_ente_op = a.operatore("c_h199", "indicatore-operatori", sandbox_operatore());
    let mut senza_domanda = per_cf(CF_RAVENNA);
    senza_domanda
        .as_object_mut()
        .unwrap()
        .remove("protocollo_domanda_ente_erogatore");
    senza_domanda
        .as_object_mut()
        .unwrap()
        .remove("prestazione_da_erogare");

    let casi = vec![
        Caso {
            nome: "senza voucher",
            eservizio: ind,
            op: ind,
            cred: Credenziali {
                certificato: Some("c_h199".into()),
                ..Default::default()
            },
            corpo: cf.clone(),
            http: 401,
            codice: "VOUCHER_ASSENTE",
        },
        Caso {
            nome: "alg RS512",
            eservizio: ind,
            op: ind,
            cred: cert("c_h199", rs512),
            corpo: cf.clone(),
            http: 401,
            codice: "VOUCHER_ALG",
        },
        Caso {
            nome: "alg none",
            eservizio: ind,
            op: ind,
            cred: cert("c_h199", alg_none),
            corpo: cf.clone(),
            http: 401,
            codice: "VOUCHER_ALG",
        },
        Caso {
            nome: "HS256 con la chiave pubblica",
            eservizio: ind,
            op: ind,
            cred: cert("c_h199", hs256),
            corpo: cf.clone(),
            http: 401,
            codice: "VOUCHER_ALG",
        },
        Caso {
            nome: "typ JWT",
            eservizio: ind,
            op: ind,
            cred: cert(
                "c_h199",
                a.pdnd.firma("JWT", &a.claims("c_h199", ind)).unwrap(),
            ),
            corpo: cf.clone(),
            http: 401,
            codice: "VOUCHER_TYP",
        },
        Caso {
            nome: "firma manomessa",
            eservizio: ind,
            op: ind,
            cred: cert("c_h199", manomesso),
            corpo: cf.clone(),
            http: 401,
            codice: "VOUCHER_FIRMA",
        },
        Caso {
            nome: "kid sconosciuto",
            eservizio: ind,
            op: ind,
            cred: cert("c_h199", altro_kid),
            corpo: cf.clone(),
            http: 401,
            codice: "VOUCHER_KID_SCONOSCIUTO",
        },
        Caso {
            nome: "scaduto",
            eservizio: ind,
            op: ind,
            cred: cert(
                "c_h199",
                a.voucher_con("c_h199", ind, |c| {
                    c["exp"] = json!(ora - 3600);
                    c["iat"] = json!(ora - 4200);
                    c["nbf"] = json!(ora - 4200);
                }),
            ),
            corpo: cf.clone(),
            http: 401,
            codice: "VOUCHER_SCADUTO",
        },
        Caso {
            nome: "non ancora valido",
            eservizio: ind,
            op: ind,
            cred: cert(
                "c_h199",
                a.voucher_con("c_h199", ind, |c| {
                    c["nbf"] = json!(ora + 3600);
                }),
            ),
            corpo: cf.clone(),
            http: 401,
            codice: "VOUCHER_NON_ANCORA_VALIDO",
        },
        Caso {
            nome: "issuer sbagliato",
            eservizio: ind,
            op: ind,
            cred: cert(
                "c_h199",
                a.voucher_con("c_h199", ind, |c| {
                    c["iss"] = json!("interop.pagopa.it");
                }),
            ),
            corpo: cf.clone(),
            http: 401,
            codice: "VOUCHER_ISS",
        },
        Caso {
            nome: "audience di un'altra e-service",
            eservizio: ind,
            op: ind,
            cred: cert(
                "c_h199",
                a.voucher_con("c_h199", ind, |c| {
                    c["aud"] = a.claims("c_h199", "attestazione")["aud"].clone();
                }),
            ),
            corpo: cf.clone(),
            http: 401,
            codice: "VOUCHER_AUD",
        },
        Caso {
            nome: "senza purposeId",
            eservizio: ind,
            op: ind,
            cred: cert(
                "c_h199",
                a.voucher_con("c_h199", ind, |c| {
                    c.as_object_mut().unwrap().remove("purposeId");
                }),
            ),
            corpo: cf.clone(),
            http: 401,
            codice: "VOUCHER_PURPOSE_ASSENTE",
        },
        Caso {
            nome: "eserviceId sbagliato",
            eservizio: ind,
            op: ind,
            cred: cert(
                "c_h199",
                a.voucher_con("c_h199", ind, |c| {
                    c["eserviceId"] = a.claims("c_h199", "attestazione")["eserviceId"].clone();
                }),
            ),
            corpo: cf.clone(),
            http: 403,
            codice: "VOUCHER_ESERVICE",
        },
        Caso {
            nome: "descriptorId sbagliato",
            eservizio: ind,
            op: ind,
            cred: cert(
                "c_h199",
                a.voucher_con("c_h199", ind, |c| {
                    c["descriptorId"] = json!(uuid::Uuid::new_v4().to_string());
                }),
            ),
            corpo: cf.clone(),
            http: 403,
            codice: "VOUCHER_DESCRIPTOR",
        },
        Caso {
            nome: "finalità di un'altra e-service",
            eservizio: ind,
            op: ind,
            cred: cert(
                "c_h199",
                a.voucher_con("c_h199", ind, |c| {
                    c["purposeId"] = json!(
                        a.fruitore("c_h199")
                            .finalita_per("attestazione")
                            .unwrap()
                            .to_string()
                    );
                }),
            ),
            corpo: cf.clone(),
            http: 403,
            codice: "FINALITA_ALTRO_ESERVIZIO",
        },
        Caso {
            nome: "finalità sconosciuta",
            eservizio: ind,
            op: ind,
            cred: cert(
                "c_h199",
                a.voucher_con("c_h199", ind, |c| {
                    c["purposeId"] = json!(uuid::Uuid::new_v4().to_string());
                }),
            ),
            corpo: cf.clone(),
            http: 403,
            codice: "FINALITA_SCONOSCIUTA",
        },
        Caso {
            nome: "senza certificato client",
            eservizio: ind,
            op: ind,
            cred: solo_voucher(buono()),
            corpo: cf.clone(),
            http: 401,
            codice: "CERTIFICATO_ASSENTE",
        },
        Caso {
            nome: "certificato di un altro ente",
            eservizio: ind,
            op: ind,
            cred: cert("c_h183", buono()),
            corpo: cf.clone(),
            http: 403,
            codice: "CERTIFICATO_ALTRO_ENTE",
        },
        Caso {
            nome: "Comune non capoluogo",
            eservizio: ind,
            op: ind,
            cred: cert("c_h183", a.voucher("c_h183", ind)),
            corpo: cf.clone(),
            http: 403,
            codice: "COMUNE_NON_CAPOLUOGO",
        },
        Caso {
            nome: "categoria non ammessa (Unione, L18)",
            eservizio: "indicatore-riscontro",
            op: ind,
            cred: solo_voucher(a.voucher("u_romfae", "indicatore-riscontro")),
            corpo: per_protocollo(&a.protocolli[0], CF_RAVENNA),
            http: 403,
            codice: "CATEGORIA_NON_AMMESSA",
        },
        Caso {
            nome: "ASL su Residenti (solo Comuni)",
            eservizio: "indicatore-residenti",
            op: ind,
            cred: solo_voucher(a.voucher("ausl_rom", "indicatore-residenti")),
            corpo: cf.clone(),
            http: 403,
            codice: "CATEGORIA_NON_AMMESSA",
        },
        Caso {
            nome: "DSU di un non residente",
            eservizio: "indicatore-residenti",
            op: ind,
            cred: solo_voucher(a.voucher("c_h183", "indicatore-residenti")),
            corpo: cf.clone(),
            http: 404,
            codice: "DATI_NON_TROVATI",
        },
        Caso {
            nome: "riscontro con protocollo sbagliato",
            eservizio: "indicatore-riscontro",
            op: ind,
            cred: solo_voucher(a.voucher("c_h183", "indicatore-riscontro")),
            corpo: per_protocollo(&a.protocolli[1], CF_RAVENNA),
            http: 422,
            codice: "RISCONTRO_NON_VALIDO",
        },
        Caso {
            nome: "riscontro con protocollo inesistente",
            eservizio: "indicatore-riscontro",
            op: ind,
            cred: solo_voucher(a.voucher("c_h183", "indicatore-riscontro")),
            corpo: per_protocollo("INPS-ISEE-2026-99999999Z-00", CF_RAVENNA),
            http: 422,
            codice: "RISCONTRO_NON_VALIDO",
        },
        Caso {
            nome: "operatore senza evidenza",
            eservizio: "indicatore-operatori",
            op: ind,
            cred: solo_voucher(a.voucher("c_h183", "indicatore-operatori")),
            corpo: cf.clone(),
            http: 401,
            codice: "EVIDENZA_ASSENTE",
        },
        Caso {
            nome: "digest diverso",
            eservizio: "indicatore-operatori",
            op: ind,
            cred: digest_sbagliato,
            corpo: cf.clone(),
            http: 401,
            codice: "EVIDENZA_DIGEST",
        },
        Caso {
            nome: "operatore non abilitato",
            eservizio: "indicatore-operatori",
            op: ind,
            cred: non_abilitato,
            corpo: cf.clone(),
            http: 403,
            codice: "OPERATORE_NON_ABILITATO",
        },
        Caso {
            nome: "operatore abilitato per un altro ente",
            eservizio: "indicatore-operatori",
            op: ind,
            cred: altro_ente_op,
            corpo: cf.clone(),
            http: 403,
            codice: "ABILITAZIONE_ALTRO_ENTE",
        },
        Caso {
            nome: "senza domanda (vincolo di finalità)",
            eservizio: "indicatore-operatori",
            op: ind,
            cred: rapallo_op(),
            corpo: senza_domanda,
            http: 400,
            codice: "RICHIESTA_INVALIDA",
        },
        Caso {
            nome: "operazione che l'e-service non offre",
            eservizio: "attestazione",
            op: "soglia",
            cred: cert("c_h199", a.voucher("c_h199", "attestazione")),
            corpo: cf.clone(),
            http: 400,
            codice: "RICHIESTA_MALFORMATA",
        },
    ];
    let n = casi.len();
    for c in casi {
        let r = a.rest(c.eservizio, c.op, &c.cred, c.corpo).await;
        assert_eq!(r.stato.as_u16(), c.http, "{}: {}", c.nome, r.corpo);
        assert_eq!(r.codice(), c.codice, "{}: {}", c.nome, r.corpo);
        assert!(
            r.json()["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{}",
            c.nome
        );
        // No personal data: neither the household nor any value nor the protocol.
        for vietato in ["ROSSI", "\"isee\"", "RSSGLI", &a.protocolli[0]] {
            assert!(
                !r.corpo.contains(vietato),
                "{}: {vietato} in {}",
                c.nome,
                r.corpo
            );
        }
    }
    let log = a.registro_accessi().await;
    assert_eq!(log.len(), n, "ogni tentativo è registrato");
    assert!(log.iter().all(|l| l.accesso.esito != "OK"));
    assert!(
        log.iter().any(|l| l.accesso.esito == "NON_RESIDENTE"),
        "il non residente è registrato come tale"
    );
    assert!(log.iter().any(|l| l.accesso.esito == "VOUCHER_ALG"));
}

fn hmac_sha256(chiave: &[u8], dati: &[u8]) -> Vec<u8> {
    isee_hash::hmac_sha256(chiave, &[dati]).to_vec()
}

#[tokio::test]
async fn quota_esaurita_e_abilitazione_scaduta() {
    let a = ambiente_con(2, |_| {}).await;
    let e = "indicatore-riscontro";
    let corpo = per_protocollo(&a.protocolli[0], CF_RAVENNA);
    for _ in 0..2 {
        let r = a
            .rest(
                e,
                "indicatore",
                &solo_voucher(a.voucher("c_h183", e)),
                corpo.clone(),
            )
            .await;
        assert_eq!(r.stato, 200, "{}", r.corpo);
    }
    let r = a
        .rest(
            e,
            "indicatore",
            &solo_voucher(a.voucher("c_h183", e)),
            corpo.clone(),
        )
        .await;
    assert_eq!(r.stato, 429, "{}", r.corpo);
    assert_eq!(r.codice(), "QUOTA_ESAURITA");
    // Another purpose of the same ente is not affected.
    let r = a
        .rest(
            "nucleo-riscontro",
            "indicatore",
            &solo_voucher(a.voucher("c_h183", "nucleo-riscontro")),
            corpo.clone(),
        )
        .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);

    // An expired authorisation.
    let registro = isee_enti::StoreEnti::apri(&isee_consultazione::configurazione::url_db(
        &a.sandbox.configurazione.enti.db,
    ))
    .await
    .unwrap();
    let scaduta = registro
        .abilita(isee_enti::registro::NuovaAbilitazione {
            codice_fiscale_operatore: "BNCLRA88R45H199W".into(),
            ente_ipa: "c_h183".into(),
            eservizi: vec!["indicatore-operatori".into()],
            dal: "2025-01-01".parse().unwrap(),
            al: "2025-12-31".parse().unwrap(),
            riferimento: None,
        })
        .await
        .unwrap();
    a.servizio
        .abilitazioni
        .aggiorna_subito(&registro)
        .await
        .unwrap();
    let _ = scaduta;
    let r = a
        .rest(
            "indicatore-operatori",
            "indicatore",
            &a.operatore("c_h183", "indicatore-operatori", "BNCLRA88R45H199W"),
            per_cf(CF_RAVENNA),
        )
        .await;
    assert_eq!(r.stato, 403, "{}", r.corpo);
    assert_eq!(r.codice(), "ABILITAZIONE_SCADUTA");
}

#[tokio::test]
async fn soap_rifiuti_e_richieste_invalide() {
    let a = ambiente().await;
    // A refusal is a SOAP Fault with an RFC 7807 problem and the HTTP status.
    let r = a
        .soap(
            "ConsultazioneIndicatore",
            "ConsultazioneIndicatore",
            &Credenziali {
                certificato: Some("c_h199".into()),
                ..Default::default()
            },
            busta_indicatore("ConsultazioneIndicatore", CF_RAVENNA, "Ordinario"),
        )
        .await;
    // WS-I BP R1126: a SOAP fault travels with HTTP 500; the refusal's own status
    // stays in the problem, and the code in faultcode.
    assert_eq!(r.stato, 500);
    assert!(
        r.corpo.contains("Fault") && r.corpo.contains("VOUCHER_ASSENTE"),
        "{}",
        r.corpo
    );
    let doc = roxmltree::Document::parse(&r.corpo).unwrap();
    assert!(
        doc.descendants()
            .any(|n| n.tag_name().namespace() == Some("urn:ietf:rfc:7807"))
    );
    let stato_problema = doc
        .descendants()
        .find(|n| n.tag_name().name() == "status")
        .and_then(|n| n.text());
    assert_eq!(stato_problema, Some("401"));
    let faultcode = doc
        .descendants()
        .find(|n| n.tag_name().name() == "faultcode")
        .and_then(|n| n.text());
    assert_eq!(faultcode, Some("soap:Client.VOUCHER_ASSENTE"));
    valida_inps("fault", &r.corpo);

    // An operation of another e-service, on this e-service's endpoint.
    let r = a
        .soap(
            "ConsultazioneIndicatore",
            "ConsultazioneAttestazione",
            &cert("c_h199", a.voucher("c_h199", "indicatore")),
            busta_attestazione("ConsultazioneAttestazione", CF_RAVENNA),
        )
        .await;
    assert_eq!(r.stato, 500, "{}", r.corpo);
    assert!(
        r.corpo.contains("OPERAZIONE_NON_AMMESSA") && !r.corpo.contains("ROSSI"),
        "{}",
        r.corpo
    );

    // Not SOAP at all: a Fault, and the attempt is logged.
    let r = a
        .soap(
            "ConsultazioneIndicatore",
            "ConsultazioneIndicatore",
            &cert("c_h199", a.voucher("c_h199", "indicatore")),
            "<html/>".into(),
        )
        .await;
    assert_eq!(r.stato, 500, "{}", r.corpo);
    assert!(r.corpo.contains("RICHIESTA_MALFORMATA"), "{}", r.corpo);

    // Invalid fields: RICHIESTA_INVALIDA in the body, with every problem.
    let busta = busta_indicatore("ConsultazioneIndicatore", "NONVALIDO", "Boh");
    let r = a
        .soap(
            "ConsultazioneIndicatore",
            "ConsultazioneIndicatore",
            &cert("c_h199", a.voucher("c_h199", "indicatore")),
            busta,
        )
        .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    assert_eq!(esito_soap(&r.corpo), "RICHIESTA_INVALIDA");
    assert!(
        r.corpo.contains("CodiceFiscale") && r.corpo.contains("TipoIndicatore"),
        "{}",
        r.corpo
    );

    // Not found.
    let r = a
        .soap(
            "ConsultazioneIndicatore",
            "ConsultazioneIndicatore",
            &cert("c_h199", a.voucher("c_h199", "indicatore")),
            busta_indicatore(
                "ConsultazioneIndicatore",
                "BNCLRA88R45H199W",
                "Universitario",
            ),
        )
        .await;
    assert_eq!(esito_soap(&r.corpo), "DATI_NON_TROVATI", "{}", r.corpo);
    valida_inps("ConsultazioneIndicatore", &r.corpo);

    // Not found on an attestation operation: the EsitoAttestazione with the search
    // alone (CONTRATTO.md §3), valid against INPS's schema.
    let r = a
        .soap(
            "ConsultazioneAttestazione",
            "ConsultazioneAttestazione",
            &cert("c_h199", a.voucher("c_h199", "attestazione")),
            busta_attestazione("ConsultazioneAttestazione", "VRDLGU02E15A944T"),
        )
        .await;
    assert_eq!(esito_soap(&r.corpo), "DATI_NON_TROVATI", "{}", r.corpo);
    valida_inps("ConsultazioneAttestazione", &r.corpo);
    let att = interno(&r.corpo, "XmlEsitoAttestazione");
    let doc = roxmltree::Document::parse(&att).unwrap();
    let figli: Vec<&str> = doc
        .root_element()
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert_eq!(figli, ["Ricerca"]);

    // Riscontro mismatch.
    let r = a
        .soap(
            "ConsultazioneIndicatoreRiscontro",
            "ConsultazioneIndicatoreRiscontro",
            &solo_voucher(a.voucher("c_h183", "indicatore-riscontro")),
            busta_riscontro(
                "ConsultazioneIndicatoreRiscontro",
                &a.protocolli[1],
                CF_RAVENNA,
            ),
        )
        .await;
    assert_eq!(esito_soap(&r.corpo), "RISCONTRO_NON_VALIDO", "{}", r.corpo);
}

#[tokio::test]
async fn corpo_troppo_grande_e_tipo_non_json_rifiutati_e_registrati() {
    let a = ambiente().await;
    let cred = Credenziali {
        voucher: Some(a.voucher("c_h199", "indicatore")),
        certificato: Some("c_h199".into()),
        evidenza: None,
    };
    let grande = vec![b' '; isee_consultazione::app::CORPO_MASSIMO + 1];

    // REST: a problem document with the code, not axum's plain text.
    let r = a
        .chiama(
            "/rest/v1/indicatore/indicatore",
            &cred,
            &[("content-type", "application/json")],
            grande.clone(),
        )
        .await;
    assert_eq!(r.stato, 413, "{}", r.corpo);
    assert_eq!(r.codice(), "CORPO_TROPPO_GRANDE", "{}", r.corpo);
    assert!(r.json()["id_richiesta"].as_i64().unwrap() > 0, "registrato");

    // SOAP: a Fault with the problem in <detail>.
    let azione = "\"http://inps.it/ConsultazioneISEE/ISvcConsultazione/ConsultazioneIndicatore\"";
    let r = a
        .chiama(
            "/pdnd/soap/ConsultazioneISEE/v2/ConsultazioneIndicatore",
            &cred,
            &[
                ("content-type", "text/xml; charset=utf-8"),
                ("soapaction", azione),
            ],
            grande,
        )
        .await;
    // SOAP 1.1 faults travel with HTTP 500 (WS-I BP R1126); the 413 is in the problem.
    assert_eq!(r.stato, 500, "{}", r.corpo);
    assert!(r.corpo.contains("Fault"), "{}", r.corpo);
    assert!(r.corpo.contains("413"), "{}", r.corpo);
    assert!(r.corpo.contains("CORPO_TROPPO_GRANDE"), "{}", r.corpo);

    // REST with a body that does not say it is JSON: 415, whatever it holds.
    let corpo = per_cf(CF_RAVENNA).to_string().into_bytes();
    for tipo in [Some("text/plain"), Some("application/xml"), None] {
        let intestazioni: Vec<(&str, &str)> =
            tipo.map(|t| ("content-type", t)).into_iter().collect();
        let r = a
            .chiama(
                "/rest/v1/indicatore/indicatore",
                &cred,
                &intestazioni,
                corpo.clone(),
            )
            .await;
        assert_eq!(r.stato, 415, "{tipo:?}: {}", r.corpo);
        assert_eq!(r.codice(), "TIPO_NON_SUPPORTATO");
        assert!(
            r.json()["type"]
                .as_str()
                .unwrap()
                .ends_with("TIPO_NON_SUPPORTATO")
        );
    }
    // `application/json; charset=utf-8` is JSON.
    let r = a
        .chiama(
            "/rest/v1/indicatore/indicatore",
            &cred,
            &[("content-type", "application/json; charset=utf-8")],
            corpo,
        )
        .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);

    let log = a.registro_accessi().await;
    let esiti: Vec<(&str, u16)> = log
        .iter()
        .map(|l| (l.accesso.esito.as_str(), l.accesso.http_status))
        .collect();
    assert_eq!(
        esiti,
        [
            ("CORPO_TROPPO_GRANDE", 413),
            // The SOAP fault's status as sent (WS-I BP R1126).
            ("CORPO_TROPPO_GRANDE", 500),
            ("TIPO_NON_SUPPORTATO", 415),
            ("TIPO_NON_SUPPORTATO", 415),
            ("TIPO_NON_SUPPORTATO", 415),
            ("OK", 200),
        ]
    );
}

/// INPS's single endpoint `/pdnd/soap/ConsultazioneISEE/v1`: the operation (from
/// the SOAPAction and the body) designates the e-service; the threshold query,
/// on three e-services, follows the voucher's. The WSDL served there names it.
#[tokio::test]
async fn endpoint_unico_inps() {
    let a = ambiente().await;
    let chiama = |op: &'static str, cred: Credenziali, busta: String| {
        let a = &a;
        async move {
            let azione = format!("\"http://inps.it/ConsultazioneISEE/ISvcConsultazione/{op}\"");
            a.chiama(
                "/pdnd/soap/ConsultazioneISEE/v1",
                &cred,
                &[
                    ("content-type", "text/xml; charset=utf-8"),
                    ("soapaction", &azione),
                ],
                busta.into_bytes(),
            )
            .await
        }
    };
    let r = chiama(
        "ConsultazioneIndicatore",
        cert("c_h199", a.voucher("c_h199", "indicatore")),
        busta_indicatore("ConsultazioneIndicatore", CF_RAVENNA, "Ordinario"),
    )
    .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    assert_eq!(esito_soap(&r.corpo), "OK", "{}", r.corpo);
    valida_inps("ConsultazioneIndicatore", &r.corpo);

    let r = chiama(
        "ConsultazioneAttestazioneResidenti",
        solo_voucher(a.voucher("c_h199", "attestazione-residenti")),
        busta_attestazione("ConsultazioneAttestazioneResidenti", CF_RAVENNA),
    )
    .await;
    assert_eq!(esito_soap(&r.corpo), "OK", "{}", r.corpo);

    // The threshold query with a voucher of the Residenti indicator e-service:
    // checked as that e-service (no client certificate needed).
    let r = chiama(
        "ConsultazioneSogliaIndicatore",
        solo_voucher(a.voucher("c_h199", "indicatore-residenti")),
        busta_soglia("ADIN25", CF_RAVENNA),
    )
    .await;
    assert_eq!(esito_soap(&r.corpo), "OK", "{}", r.corpo);
    valida_inps("ConsultazioneSogliaIndicatore", &r.corpo);

    // A voucher of another e-service than the operation's: refused as a fault.
    let r = chiama(
        "ConsultazioneAttestazione",
        cert("c_h199", a.voucher("c_h199", "indicatore")),
        busta_attestazione("ConsultazioneAttestazione", CF_RAVENNA),
    )
    .await;
    assert_eq!(r.stato, 500, "{}", r.corpo);
    assert!(r.corpo.contains("VOUCHER_"), "{}", r.corpo);

    let log = a.registro_accessi().await;
    let eservizi: Vec<&str> = log.iter().map(|l| l.accesso.eservizio.as_str()).collect();
    assert_eq!(
        eservizi,
        [
            "indicatore",
            "attestazione-residenti",
            "indicatore-residenti",
            "attestazione"
        ]
    );

    let req = axum::http::Request::get("/pdnd/soap/ConsultazioneISEE/v1?wsdl")
        .body(axum::body::Body::empty())
        .unwrap();
    let risposta = tower::ServiceExt::oneshot(a.app.clone(), req)
        .await
        .unwrap();
    assert_eq!(risposta.status(), 200);
    let wsdl = http_body_util::BodyExt::collect(risposta.into_body())
        .await
        .unwrap()
        .to_bytes();
    let wsdl = String::from_utf8(wsdl.to_vec()).unwrap();
    assert!(
        wsdl.contains(&format!(
            "location=\"{}/pdnd/soap/ConsultazioneISEE/v1\"",
            a.servizio.impostazioni.indirizzo_pubblico
        )),
        "{wsdl}"
    );
}

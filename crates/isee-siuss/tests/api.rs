//! The API of INPS's `api-comuni.yaml`, called as INPS calls it: with vouchers issued
//! by a local PDND (`isee_pdnd::asserzione::emetti_voucher`, the logic of `isee pdnd
//! serve`) from a client assertion of INPS's client, validated by `isee-pdnd`.

mod comune;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use comune::{ente, occasionale, periodica, periodica_n};
use http_body_util::BodyExt as _;
use isee_pdnd::asserzione::{AsserzioniUsate, RichiestaToken, crea_asserzione, emetti_voucher};
use isee_pdnd::jwk::{ChiavePrivata, JwkSet};
use isee_pdnd::jwks::CacheJwks;
use isee_pdnd::stato::{Client, EServizio, Finalita, StatoPdnd, Tenant};
use isee_pdnd::voucher::{AttesoVoucher, DURATA_MASSIMA_VOUCHER_S, ValidatoreVoucher};
use isee_siuss::api::{Api, CORPO_MASSIMO, ConfigurazioneApi, TEMPO_MASSIMO};
use isee_siuss::{StoreFlussi, StoreSiussSql, router};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt as _;
use uuid::Uuid;

const AUDIENCE: &str = "comune-ravenna.example/waas/v1";

/// A local PDND with INPS and another consumer, the Comune's SIUSS e-service and
/// another Comune's.
struct Pdnd {
    stato: StatoPdnd,
    chiave: ChiavePrivata,
    usate: AsserzioniUsate,
    /// (client id, key, purpose on our e-service, purpose on the other one)
    inps: (Uuid, ChiavePrivata, Uuid, Uuid),
    altro: (Uuid, ChiavePrivata, Uuid),
    eservizio: EServizio,
}

impl Pdnd {
    fn new() -> Pdnd {
        let mut stato = StatoPdnd::nuovo("pdnd.isee.local");
        let (inps, altro, comune, bologna) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        for (id, nome, ipa) in [
            (inps, "INPS", "inps"),
            (altro, "Altro ente", "altro"),
            (comune, "Comune di Ravenna", "c_h199"),
            (bologna, "Comune di Bologna", "c_a944"),
        ] {
            stato.tenants.push(Tenant {
                id,
                nome: nome.into(),
                codice_ipa: ipa.into(),
            });
        }
        let eservizio = EServizio {
            id: Uuid::new_v4(),
            nome: "Consultazione Flussi SIUSS – WaaS".into(),
            descriptor_id: Uuid::new_v4(),
            audience: AUDIENCE.into(),
            producer_id: comune,
            durata_voucher_s: 600,
        };
        let di_bologna = EServizio {
            id: Uuid::new_v4(),
            audience: "comune-bologna.example/waas/v1".into(),
            producer_id: bologna,
            descriptor_id: Uuid::new_v4(),
            ..eservizio.clone()
        };
        stato.eservices.push(eservizio.clone());
        stato.eservices.push(di_bologna.clone());
        let mut client = |consumer: Uuid, nome: &str| {
            let k = ChiavePrivata::genera().unwrap();
            let id = Uuid::new_v4();
            stato.clients.push(Client {
                id,
                nome: nome.into(),
                consumer_id: consumer,
                chiavi: vec![k.jwk_pubblica()],
            });
            (id, k)
        };
        let (ci, ki) = client(inps, "inps-siuss");
        let (ca, ka) = client(altro, "altro");
        let mut finalita = |consumer: Uuid, es: &EServizio| {
            let id = Uuid::new_v4();
            stato.purposes.push(Finalita {
                id,
                nome: "alimentazione SIUSS".into(),
                consumer_id: consumer,
                eservice_id: es.id,
                chiamate_giornaliere: 1000,
                attiva: true,
            });
            id
        };
        let pi = finalita(inps, &eservizio);
        let pb = finalita(inps, &di_bologna);
        let pa = finalita(altro, &eservizio);
        Pdnd {
            stato,
            chiave: ChiavePrivata::genera().unwrap(),
            usate: AsserzioniUsate::new(),
            inps: (ci, ki, pi, pb),
            altro: (ca, ka, pa),
            eservizio,
        }
    }

    /// A voucher PDND issues to `client` for `purpose`, from its client assertion.
    fn voucher(&self, client: Uuid, chiave: &ChiavePrivata, purpose: Uuid) -> String {
        let adesso = isee_pdnd::adesso_unix();
        let asserzione = crea_asserzione(
            chiave,
            &client.to_string(),
            &purpose.to_string(),
            &self.stato.audience_asserzione,
            None,
            adesso,
            60,
        )
        .unwrap();
        emetti_voucher(
            &self.stato,
            &self.chiave,
            &RichiestaToken::new(&client.to_string(), &asserzione),
            adesso,
            &self.usate,
        )
        .unwrap()
        .access_token
    }

    fn voucher_inps(&self) -> String {
        self.voucher(self.inps.0, &self.inps.1, self.inps.2)
    }
}

struct Ambiente {
    _tmp: tempfile::TempDir,
    pdnd: Pdnd,
    store: StoreSiussSql,
    app: Router,
}

async fn ambiente() -> Ambiente {
    let tmp = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        tmp.path().join("siuss.db").display()
    );
    let store = StoreSiussSql::connetti(&url).await.unwrap();
    let pdnd = Pdnd::new();
    let inps = pdnd.stato.tenants[0].id;
    let jwks = Arc::new(CacheJwks::da_set(JwkSet {
        keys: vec![pdnd.chiave.jwk_pubblica()],
    }));
    let api = Api {
        store: store.clone(),
        voucher: ValidatoreVoucher::new(jwks),
        configurazione: ConfigurazioneApi {
            atteso: AttesoVoucher {
                issuer: pdnd.stato.issuer.clone(),
                audience: AUDIENCE.into(),
                eservice_id: pdnd.eservizio.id.to_string(),
                descriptor_id: pdnd.eservizio.descriptor_id.to_string(),
                producer_id: Some(pdnd.eservizio.producer_id.to_string()),
                tolleranza_s: 5,
                durata_massima_s: DURATA_MASSIMA_VOUCHER_S,
            },
            consumatore: Some(inps.to_string()),
            corpo_massimo: CORPO_MASSIMO,
            tempo_massimo: TEMPO_MASSIMO,
        },
        orologio: Arc::new(chrono::Utc::now),
    };
    Ambiente {
        _tmp: tmp,
        pdnd,
        store,
        app: router(Arc::new(api)),
    }
}

struct Risposta {
    stato: StatusCode,
    tipo: String,
    corpo: Value,
    intestazioni: axum::http::HeaderMap,
}

async fn chiama(
    app: &Router,
    metodo: &str,
    uri: &str,
    voucher: Option<&str>,
    corpo: Option<Value>,
) -> Risposta {
    let mut r = Request::builder().method(metodo).uri(uri);
    if let Some(v) = voucher {
        r = r.header(header::AUTHORIZATION, format!("Bearer {v}"));
    }
    let body = match corpo {
        Some(c) => {
            r = r.header(header::CONTENT_TYPE, "application/json");
            Body::from(serde_json::to_vec(&c).unwrap())
        }
        None => Body::empty(),
    };
    let risposta = app.clone().oneshot(r.body(body).unwrap()).await.unwrap();
    let stato = risposta.status();
    let intestazioni = risposta.headers().clone();
    let tipo = intestazioni
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let byte = risposta.into_body().collect().await.unwrap().to_bytes();
    let corpo = serde_json::from_slice(&byte).unwrap_or(Value::Null);
    Risposta {
        stato,
        tipo,
        corpo,
        intestazioni,
    }
}

/// A problem document with exactly the members of INPS's `Problem` schema.
fn problema_inps(r: &Risposta, status: u16) {
    assert_eq!(r.stato.as_u16(), status, "{}", r.corpo);
    assert_eq!(r.tipo, "application/problem+json");
    let mut chiavi: Vec<&str> = r
        .corpo
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    chiavi.sort_unstable();
    assert_eq!(
        chiavi,
        vec!["detail", "status", "title", "type"],
        "{}",
        r.corpo
    );
    assert_eq!(r.corpo["status"], status);
}

#[tokio::test]
async fn status_risponde_con_un_problem() {
    let a = ambiente().await;
    let r = chiama(&a.app, "GET", "/status", None, None).await;
    problema_inps(&r, 200);
}

#[tokio::test]
async fn senza_voucher_o_con_voucher_sbagliato_rifiutato() {
    let a = ambiente().await;
    a.store.importa(&ente(), &[periodica()], 1).await.unwrap();
    // No voucher.
    let r = chiama(&a.app, "GET", "/flussi?since=0", None, None).await;
    problema_inps(&r, 401);
    assert!(r.intestazioni.contains_key(header::WWW_AUTHENTICATE));
    let r = chiama(
        &a.app,
        "POST",
        "/esiti",
        None,
        Some(json!({"elenco_esiti": []})),
    )
    .await;
    problema_inps(&r, 401);
    // INPS's voucher for another Comune's e-service: wrong audience.
    let (c, k, _, pb) = &a.pdnd.inps;
    let v = a.pdnd.voucher(*c, k, *pb);
    let r = chiama(&a.app, "GET", "/flussi?since=0", Some(&v), None).await;
    problema_inps(&r, 401);
    assert!(
        r.corpo["detail"].as_str().unwrap().contains(AUDIENCE),
        "{}",
        r.corpo
    );
    // A valid voucher of a consumer other than INPS.
    let (c, k, p) = &a.pdnd.altro;
    let v = a.pdnd.voucher(*c, k, *p);
    let r = chiama(&a.app, "GET", "/flussi?since=0", Some(&v), None).await;
    problema_inps(&r, 403);
    // A forged voucher (signed by another key).
    let falso = ChiavePrivata::genera().unwrap();
    let v = falso
        .firma("at+jwt", &json!({"iss": "pdnd.isee.local"}))
        .unwrap();
    let r = chiama(&a.app, "GET", "/flussi?since=0", Some(&v), None).await;
    problema_inps(&r, 401);
}

#[tokio::test]
async fn flussi_paginati_con_since_e_limit() {
    let a = ambiente().await;
    let record: Vec<_> = (0..12).map(periodica_n).chain([occasionale()]).collect();
    a.store
        .importa(&ente(), &record, 1_773_568_800_000)
        .await
        .unwrap();
    let v = a.pdnd.voucher_inps();
    // Default limit 10.
    let r = chiama(&a.app, "GET", "/flussi?since=0", Some(&v), None).await;
    assert_eq!(r.stato, StatusCode::OK);
    assert_eq!(r.tipo, "application/json");
    let elenco = r.corpo["elenco_flussi"].as_array().unwrap().clone();
    assert_eq!(elenco.len(), 10);
    let f = &elenco[0];
    let mut chiavi: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
    chiavi.sort_unstable();
    assert_eq!(
        chiavi,
        vec![
            "codice_ente",
            "denominazione_ente",
            "flusso",
            "id_flusso",
            "tipo",
            "ts_flusso"
        ]
    );
    assert_eq!(f["codice_ente"], "H199");
    assert_eq!(f["tipo"], "PS_PSA_SINA");
    assert_eq!(f["ts_flusso"], "2026-03-15T10:00:00.000Z");
    let xml = base64::engine::general_purpose::STANDARD
        .decode(f["flusso"].as_str().unwrap())
        .unwrap();
    let xml = String::from_utf8(xml).unwrap();
    assert!(
        xml.contains(&format!("Nome=\"{}\"", f["id_flusso"].as_str().unwrap())),
        "{xml}"
    );
    // Each document served is valid against INPS's schema.
    let schema =
        isee_prova::xsd::riferimenti_waas(std::path::Path::new(env!("CARGO_MANIFEST_DIR")))
            .join("PS_PSA_SINA201812.xsd");
    isee_prova::xsd::valida(&schema, "servito", xml.as_bytes()).unwrap();
    // since = the last ts_flusso acquired, in ms.
    let ultimo = chrono::DateTime::parse_from_rfc3339(elenco[9]["ts_flusso"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    let r = chiama(
        &a.app,
        "GET",
        &format!("/flussi?since={ultimo}&limit=2"),
        Some(&v),
        None,
    )
    .await;
    let pagina = r.corpo["elenco_flussi"].as_array().unwrap().clone();
    assert_eq!(pagina.len(), 2);
    let r = chiama(
        &a.app,
        "GET",
        &format!("/flussi?limit=100&since={ultimo}"),
        Some(&v),
        None,
    )
    .await;
    let resto = r.corpo["elenco_flussi"].as_array().unwrap().clone();
    assert_eq!(resto.len(), 3);
    assert_eq!(resto[2]["id_flusso"], "H199.PS.20260315.0000013");
    // Nothing after the last one: an empty list.
    let fine = chrono::DateTime::parse_from_rfc3339(resto[2]["ts_flusso"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    let r = chiama(
        &a.app,
        "GET",
        &format!("/flussi?since={fine}"),
        Some(&v),
        None,
    )
    .await;
    assert_eq!(r.stato, StatusCode::OK);
    assert_eq!(r.corpo, json!({"elenco_flussi": []}));
}

#[tokio::test]
async fn parametri_sbagliati_tutti_riportati() {
    let a = ambiente().await;
    let v = a.pdnd.voucher_inps();
    for uri in [
        "/flussi",
        "/flussi?since=abc",
        "/flussi?since=0&limit=101",
        "/flussi?since=0&limit=-1",
    ] {
        let r = chiama(&a.app, "GET", uri, Some(&v), None).await;
        problema_inps(&r, 400);
    }
    let r = chiama(&a.app, "GET", "/flussi?since=-5&limit=500", Some(&v), None).await;
    let d = r.corpo["detail"].as_str().unwrap();
    assert!(d.contains("since:") && d.contains("limit:"), "{d}");
}

#[tokio::test]
async fn esito_fallito_e_flusso_servito_di_nuovo() {
    let a = ambiente().await;
    a.store
        .importa(&ente(), &[periodica(), occasionale()], 1_773_568_800_000)
        .await
        .unwrap();
    let v = a.pdnd.voucher_inps();
    let r = chiama(&a.app, "GET", "/flussi?since=0", Some(&v), None).await;
    let elenco = r.corpo["elenco_flussi"].as_array().unwrap().clone();
    assert_eq!(elenco.len(), 2);
    let esito = |f: &Value, codice: &str| {
        json!({
            "id_flusso": f["id_flusso"],
            "tipo": f["tipo"],
            "ts_flusso": f["ts_flusso"],
            "ts_acquisizione": "2026-03-15T11:00:00.000Z",
            "codice_esito": codice,
            "id_acquisizione_siuss": "22738",
            // A member of the specification's example, outside the schema: ignored.
            "codice_ente": "H199",
        })
    };
    let corpo =
        json!({"elenco_esiti": [esito(&elenco[0], "OK"), esito(&elenco[1], "ERRORE_GENERICO")]});
    let r = chiama(&a.app, "POST", "/esiti", Some(&v), Some(corpo)).await;
    assert_eq!(r.stato, StatusCode::NO_CONTENT, "{}", r.corpo);
    // INPS asks again from the last flow it acquired: only the failed one comes back.
    let since = chrono::DateTime::parse_from_rfc3339(elenco[1]["ts_flusso"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    let r = chiama(
        &a.app,
        "GET",
        &format!("/flussi?since={since}"),
        Some(&v),
        None,
    )
    .await;
    let di_nuovo = r.corpo["elenco_flussi"].as_array().unwrap().clone();
    assert_eq!(di_nuovo.len(), 1);
    assert_eq!(di_nuovo[0]["id_flusso"], elenco[1]["id_flusso"]);
    assert_ne!(di_nuovo[0]["ts_flusso"], elenco[1]["ts_flusso"]);
}

#[tokio::test]
async fn esiti_sbagliati_tutti_riportati_e_niente_registrato() {
    let a = ambiente().await;
    a.store
        .importa(&ente(), &[periodica()], 1_773_568_800_000)
        .await
        .unwrap();
    let id = a.store.elenco().await.unwrap()[0].id_flusso.clone();
    let v = a.pdnd.voucher_inps();
    let corpo = json!({"elenco_esiti": [
        {"id_flusso": id, "tipo": "PS_PSA_SINA", "ts_flusso": "2026-03-15T10:00:00.000Z",
         "ts_acquisizione": "2026-03-15T11:00:00Z", "codice_esito": "OK"},
        {"id_flusso": id, "tipo": "XML", "ts_flusso": "ieri",
         "ts_acquisizione": "2026-03-15T11:00:00Z", "codice_esito": "FORSE"},
    ]});
    let r = chiama(&a.app, "POST", "/esiti", Some(&v), Some(corpo)).await;
    problema_inps(&r, 400);
    let d = r.corpo["detail"].as_str().unwrap();
    for atteso in [
        "elenco_esiti[1].tipo",
        "elenco_esiti[1].ts_flusso",
        "elenco_esiti[1].codice_esito",
    ] {
        assert!(d.contains(atteso), "{atteso}: {d}");
    }
    assert!(a.store.esiti(&id).await.unwrap().is_empty());
    // Not JSON at all; a member the schema does not have.
    let r = chiama(
        &a.app,
        "POST",
        "/esiti",
        Some(&v),
        Some(json!({"esiti": []})),
    )
    .await;
    problema_inps(&r, 400);
    let troppi: Vec<Value> = (0..101).map(|_| json!({})).collect();
    let r = chiama(
        &a.app,
        "POST",
        "/esiti",
        Some(&v),
        Some(json!({"elenco_esiti": troppi})),
    )
    .await;
    problema_inps(&r, 400);
}

#[tokio::test]
async fn corpo_troppo_grande_rifiutato() {
    let a = ambiente().await;
    let v = a.pdnd.voucher_inps();
    let grande = "x".repeat(CORPO_MASSIMO + 1);
    let r = chiama(
        &a.app,
        "POST",
        "/esiti",
        Some(&v),
        Some(json!({"elenco_esiti": [{"descrizione_esito": grande}]})),
    )
    .await;
    problema_inps(&r, 413);
}

#[tokio::test]
async fn percorso_sconosciuto_e_metodo_sbagliato() {
    let a = ambiente().await;
    problema_inps(&chiama(&a.app, "GET", "/flussi/1", None, None).await, 404);
    problema_inps(&chiama(&a.app, "DELETE", "/flussi", None, None).await, 405);
}

#[tokio::test]
async fn status_503_senza_base_dati() {
    let a = ambiente().await;
    a.store.chiudi().await;
    let r = chiama(&a.app, "GET", "/status", None, None).await;
    problema_inps(&r, 503);
    // /flussi then fails with INPS's problem, not a bare 500.
    let v = a.pdnd.voucher_inps();
    let r = chiama(&a.app, "GET", "/flussi?since=0", Some(&v), None).await;
    problema_inps(&r, 500);
}

//! Filing as XML: INPS's `ISEE_Dichiarazione` document (`application/xml`, `text/xml`)
//! on the routes that take a DSU. The router is called in process on a fresh SQLite
//! file per test, as in `tests/api.rs`; every refused request is checked to leave the
//! store exactly as it was.

mod comune;

use axum::http::{Request, StatusCode};
use comune::{Banco, Risposta};
use isee_core::Dsu;
use isee_dichiarazione::{Operazione, Opzioni, TipoOperazione, esporta};
use isee_server::{Clienti, Limiti};
use serde_json::Value;

const CHIAVE: &str = "chiave-caf-ra";

async fn banco() -> Banco {
    comune::banco_con(
        Clienti::default().con_chiave("caf-ra", CHIAVE),
        &Limiti::default(),
    )
    .await
}

/// The Ravenna example with a child named Nicolò (Ò is 0xD2 in ISO-8859-1).
fn dsu_json() -> String {
    let testo = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../esempi/ordinario-famiglia-ravenna.json"
    ))
    .unwrap();
    let cambiato = testo.replace("\"Giulio\"", "\"Nicolò\"");
    assert_ne!(cambiato, testo);
    cambiato
}

/// The DSU with what INPS requires beyond the calculation, signed in Forlì (ì is
/// 0xEC in ISO-8859-1).
fn con_dati_inps(mut dsu: Dsu) -> Dsu {
    isee_genera::completa_per_inps(&mut dsu);
    if let Some(s) = &mut dsu.dati_inps.sottoscrizione {
        s.luogo = "Forlì".into();
    }
    dsu
}

/// The document of `dsu_json()` with an operation, ISO-8859-1 as INPS writes it.
fn documento(tipo: TipoOperazione, riferimento: Option<&str>) -> Vec<u8> {
    let dsu = con_dati_inps(Dsu::da_json(&dsu_json()).unwrap());
    let opzioni = Opzioni {
        operazione: Operazione {
            tipo,
            codice_fiscale_riferimento: None,
            protocollo_riferimento: riferimento.map(str::to_string),
        },
        ..Opzioni::default()
    };
    esporta(&dsu, &opzioni).unwrap()
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

fn da_latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect()
}

impl Risposta {
    fn creata(&self) -> Value {
        assert_eq!(
            self.status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&self.corpo)
        );
        self.json()
    }
}

impl Banco {
    async fn post(&self, uri: &str, tipo: &str, chiave_idem: &str, corpo: Vec<u8>) -> Risposta {
        let req = Request::post(uri)
            .header("authorization", format!("Bearer {CHIAVE}"))
            .header("content-type", tipo)
            .header("idempotency-key", chiave_idem)
            .body(axum::body::Body::from(corpo))
            .unwrap();
        self.invia(req).await
    }

    async fn xml(&self, uri: &str, chiave_idem: &str, corpo: Vec<u8>) -> Risposta {
        self.post(uri, "application/xml", chiave_idem, corpo).await
    }
}

/// The indicators of a receipt, without what differs between two filings.
fn indicatori(ricevuta: &Value) -> Value {
    let v = ricevuta["indicatori"].clone();
    assert!(v.as_array().is_some_and(|a| !a.is_empty()), "{ricevuta}");
    v
}

#[tokio::test]
async fn xml_iso_8859_1_stessa_ricevuta_del_json() {
    let b = banco().await;
    let xml = documento(TipoOperazione::N, None);
    assert!(xml.windows(6).any(|w| w == b"NICOL\xD2"), "ISO-8859-1");
    assert!(xml.windows(5).any(|w| w == b"Forl\xEC"), "ISO-8859-1");
    assert!(std::str::from_utf8(&xml).is_err());
    let da_json = b
        .post(
            "/api/v1/dsu",
            "application/json",
            "j1",
            dsu_json().into_bytes(),
        )
        .await
        .creata();
    let da_xml = b.xml("/api/v1/dsu", "x1", xml.clone()).await.creata();
    assert_ne!(da_xml["protocollo"], da_json["protocollo"]);
    assert_eq!(indicatori(&da_xml), indicatori(&da_json));
    assert_eq!(
        da_xml["protocollo_mittente"],
        da_json["protocollo_mittente"]
    );
    assert_eq!(da_xml["data_presentazione"], da_json["data_presentazione"]);
    assert_eq!(da_xml["stato"], "attiva");

    // The same document in UTF-8, as text/xml with a charset parameter.
    let utf8 = latin1(&xml).replacen("ISO-8859-1", "UTF-8", 1);
    assert!(utf8.starts_with("<?xml") && utf8.contains("UTF-8"));
    let da_utf8 = b
        .post(
            "/api/v1/dsu",
            "text/xml; charset=utf-8",
            "x2",
            utf8.into_bytes(),
        )
        .await
        .creata();
    assert_eq!(indicatori(&da_utf8), indicatori(&da_json));

    // The stored DSU is the one read from the document: Nicolò, upper-case.
    let p = da_xml["protocollo"].as_str().unwrap();
    let req = Request::get(format!("/api/v1/dsu/{p}"))
        .header("authorization", format!("Bearer {CHIAVE}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let r = b.invia(req).await;
    assert_eq!(r.status, StatusCode::OK);
    let d = r.json();
    assert_eq!(d["nucleo"].as_array().unwrap().len(), 4, "{d}");
}

#[tokio::test]
async fn xml_idempotenza_come_il_json() {
    let b = banco().await;
    let xml = documento(TipoOperazione::N, None);
    let prima = b.xml("/api/v1/dsu", "k1", xml.clone()).await.creata();
    let dopo_la_prima = b.impronta().await;
    // A retry: the same receipt, nothing new stored.
    let di_nuovo = b.xml("/api/v1/dsu", "k1", xml.clone()).await.creata();
    assert_eq!(di_nuovo["protocollo"], prima["protocollo"]);
    assert_eq!(b.impronta().await, dopo_la_prima);
    // The same key with another document.
    let altro = latin1(&xml).replace("CAF-RA-2026-000123", "CAF-RA-2026-000999");
    b.xml("/api/v1/dsu", "k1", da_latin1(&altro))
        .await
        .problema(422, "registro.chiave_riusata");
    assert_eq!(b.impronta().await, dopo_la_prima);
}

#[tokio::test]
async fn xml_non_valido_ogni_problema_con_il_percorso() {
    let b = banco().await;
    let prima = b.impronta().await;
    let xml = latin1(&documento(TipoOperazione::N, None));
    // A bad fiscal code on the second member, and no Sottoscrizione (required).
    let guasto = xml.replace(
        "CodiceFiscale=\"BNCLRA88R45H199W\"",
        "CodiceFiscale=\"BNCLRA88\"",
    );
    assert_ne!(guasto, xml);
    let inizio = guasto.find("<Sottoscrizione").unwrap();
    let fine = guasto.find("</Sottoscrizione>").unwrap() + "</Sottoscrizione>".len();
    let guasto = format!("{}{}", &guasto[..inizio], &guasto[fine..]);
    let v = b
        .xml("/api/v1/dsu", "k1", da_latin1(&guasto))
        .await
        .problema(422, "richiesta.dichiarazione_non_valida");
    let problemi = v["problemi"].as_array().unwrap();
    assert!(problemi.len() >= 2, "{v}");
    for p in problemi {
        assert_eq!(p["codice"], "dichiarazione.non_valida", "{p}");
        assert_eq!(p["gravita"], "errore", "{p}");
        assert!(p["messaggio"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let percorsi: Vec<&str> = problemi
        .iter()
        .map(|p| p["percorso"].as_str().unwrap())
        .collect();
    assert!(
        percorsi.iter().any(|p| p.starts_with(
            "/Dichiarazione/NucleoFamiliare/ComponenteNucleo[2]/FoglioComponenteNucleo"
        ) && p.ends_with("/@CodiceFiscale")),
        "{percorsi:?}"
    );
    assert!(
        problemi.iter().any(|p| p["percorso"] == "/Dichiarazione"
            && p["messaggio"].as_str().unwrap().contains("Sottoscrizione")),
        "{v}"
    );
    assert_eq!(b.impronta().await, prima);
}

#[tokio::test]
async fn xml_illeggibile_o_con_dtd_rifiutato() {
    let b = banco().await;
    let prima = b.impronta().await;
    let xml = documento(TipoOperazione::N, None);

    // Cut short: not well-formed.
    let troncato = xml[..xml.len() / 2].to_vec();
    let v = b
        .xml("/api/v1/dsu", "k1", troncato)
        .await
        .problema(422, "richiesta.dichiarazione_non_valida");
    assert_eq!(v["problemi"][0]["percorso"], "/", "{v}");
    assert!(
        v["problemi"][0]["messaggio"]
            .as_str()
            .unwrap()
            .contains("non ben formato"),
        "{v}"
    );

    // A DOCTYPE with an entity, and one without an internal subset.
    let testo = latin1(&xml);
    let fine_decl = testo.find("?>").unwrap() + 2;
    for doctype in [
        "<!DOCTYPE Dichiarazione [<!ENTITY e \"ROSSI\">]>",
        "<!DOCTYPE Dichiarazione SYSTEM \"file:///etc/passwd\">",
    ] {
        let con = format!("{}{doctype}{}", &testo[..fine_decl], &testo[fine_decl..]);
        let v = b
            .xml("/api/v1/dsu", "k2", da_latin1(&con))
            .await
            .problema(422, "richiesta.dichiarazione_non_valida");
        assert!(
            v["problemi"][0]["messaggio"]
                .as_str()
                .unwrap()
                .contains("DTD"),
            "{v}"
        );
    }

    // Not XML at all, and an encoding the reader does not know.
    b.xml("/api/v1/dsu", "k3", b"{\"componenti\": []}".to_vec())
        .await
        .problema(422, "richiesta.dichiarazione_non_valida");
    let ebcdic = testo.replacen("ISO-8859-1", "EBCDIC", 1);
    b.xml("/api/v1/dsu", "k4", da_latin1(&ebcdic))
        .await
        .problema(422, "richiesta.dichiarazione_non_valida");

    // Another media type: 415, naming both accepted.
    let v = b
        .post("/api/v1/dsu", "text/plain", "k5", xml)
        .await
        .problema(415, "richiesta.tipo_contenuto");
    let d = v["detail"].as_str().unwrap();
    assert!(
        d.contains("application/json") && d.contains("application/xml"),
        "{d}"
    );
    assert_eq!(b.impronta().await, prima);
}

#[tokio::test]
async fn xml_operazione_deve_essere_quella_della_rotta() {
    let b = banco().await;
    let prima = b.impronta().await;
    // A rectification, an ISEE corrente or an annulment is not a new DSU.
    for tipo in [TipoOperazione::R, TipoOperazione::C, TipoOperazione::X] {
        let v = b
            .xml(
                "/api/v1/dsu",
                "k1",
                documento(tipo, Some("INPS-ISEE-2026-00000001C-00")),
            )
            .await
            .problema(422, "richiesta.operazione_non_ammessa");
        assert_eq!(
            v["problemi"][0]["percorso"],
            "/Dichiarazione/Operazione/@Tipo"
        );
    }
    // A new DSU names no other.
    b.xml(
        "/api/v1/dsu",
        "k1",
        documento(TipoOperazione::N, Some("INPS-ISEE-2026-00000001C-00")),
    )
    .await
    .problema(422, "richiesta.riferimento_non_ammesso");
    assert_eq!(b.impronta().await, prima);

    let originale = b
        .xml("/api/v1/dsu", "k2", documento(TipoOperazione::N, None))
        .await
        .creata();
    let p = originale["protocollo"].as_str().unwrap().to_string();
    let prima = b.impronta().await;
    let rettifica = format!("/api/v1/dsu/{p}/rettifica");
    // A rectification is R, and its reference is the path's.
    b.xml(&rettifica, "k3", documento(TipoOperazione::N, None))
        .await
        .problema(422, "richiesta.operazione_non_ammessa");
    b.xml(
        &rettifica,
        "k3",
        documento(TipoOperazione::R, Some("INPS-ISEE-2026-00000099L-00")),
    )
    .await
    .problema(422, "richiesta.riferimento_diverso");
    // A substitution is a new declaration (INPS has no type for it).
    let sostituzione = format!("/api/v1/dsu/{p}/sostituzione");
    b.xml(&sostituzione, "k3", documento(TipoOperazione::R, Some(&p)))
        .await
        .problema(422, "richiesta.operazione_non_ammessa");
    assert_eq!(b.impronta().await, prima);

    let r = b
        .xml(&rettifica, "k4", documento(TipoOperazione::R, Some(&p)))
        .await
        .creata();
    assert_ne!(r["protocollo"], p.as_str());
    let nuova = r["protocollo"].as_str().unwrap().to_string();
    let s = b
        .xml(
            &format!("/api/v1/dsu/{nuova}/sostituzione"),
            "k5",
            documento(TipoOperazione::N, Some(&nuova)),
        )
        .await
        .creata();
    assert_eq!(s["stato"], "attiva");
    // Without a reference the path's protocol is the one rectified.
    let ultima = s["protocollo"].as_str().unwrap().to_string();
    b.xml(
        &format!("/api/v1/dsu/{ultima}/rettifica"),
        "k6",
        documento(TipoOperazione::R, None),
    )
    .await
    .creata();
}

//! The register's access model through the REST service (docs/REGISTRO.md, "Modello
//! di accesso al registro"): every route with a second client, a rectification with
//! another household's DSU, the back office's reads (allowed and recorded), a mandate
//! before and after its expiry and outside its scope, and a body with bytes after the
//! DSU. Every refused request is checked to leave the store as it was.

mod comune;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt as _;
use isee_registro::{RegistroDsu, Ruolo, StoreSql};
use isee_server::{Clienti, Limiti, Servizio, app};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tower::ServiceExt as _;

const RA: &str = "chiave-caf-ra";
const BO: &str = "chiave-caf-bo";
const INPS: &str = "chiave-inps-back-office";
const RAVENNA: &str = include_str!("../../../esempi/ordinario-famiglia-ravenna.json");
const GENOVA: &str = include_str!("../../../esempi/corrente-perdita-lavoro-genova.json");
const MARIO: &str = "RSSMRA85M01H199H";

struct Banco {
    app: Router,
    servizio: Arc<Servizio>,
    _dir: tempfile::TempDir,
}

struct Risposta {
    status: u16,
    corpo: Vec<u8>,
}

impl Risposta {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.corpo)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.corpo)))
    }

    fn ok(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.corpo)
        );
        self.json()
    }

    fn problema(&self, status: u16, codice: &str) -> Value {
        let v = self.ok(status);
        assert_eq!(v["codice"], codice, "{v}");
        v
    }
}

async fn banco() -> Banco {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = StoreSql::connetti(&url).await.unwrap();
    let servizio = Arc::new(Servizio::new(
        RegistroDsu::new(store),
        Clienti::default()
            .con_chiave("caf-ra", RA)
            .con_chiave("caf-bo", BO)
            .con_chiave_e_ruolo("inps", INPS, Ruolo::BackOffice),
    ));
    Banco {
        app: app(servizio.clone(), &Limiti::default()),
        servizio,
        _dir: dir,
    }
}

/// The Genova household's DSU without its corrente module: another family.
fn genova() -> String {
    let mut v: Value = serde_json::from_str(GENOVA).unwrap();
    v.as_object_mut().unwrap().remove("corrente");
    v.to_string()
}

fn modulo_genova() -> String {
    let v: Value = serde_json::from_str(GENOVA).unwrap();
    v["corrente"].to_string()
}

impl Banco {
    async fn invia(
        &self,
        metodo: &str,
        uri: &str,
        chiave: &str,
        corpo: Option<(&str, String)>,
    ) -> Risposta {
        let mut b = Request::builder()
            .method(metodo)
            .uri(uri)
            .header("authorization", format!("Bearer {chiave}"));
        let corpo = match corpo {
            Some((idem, c)) => {
                b = b.header("content-type", "application/json");
                if !idem.is_empty() {
                    b = b.header("idempotency-key", idem);
                }
                Body::from(c)
            }
            None => Body::empty(),
        };
        let r = self
            .app
            .clone()
            .oneshot(b.body(corpo).unwrap())
            .await
            .unwrap();
        let status = r.status().as_u16();
        Risposta {
            status,
            corpo: r.into_body().collect().await.unwrap().to_bytes().to_vec(),
        }
    }

    async fn get(&self, uri: &str, chiave: &str) -> Risposta {
        self.invia("GET", uri, chiave, None).await
    }

    /// A POST with a JSON body (and an idempotency key unless empty).
    async fn post(&self, uri: &str, chiave: &str, idem: &str, corpo: &str) -> Risposta {
        self.invia("POST", uri, chiave, Some((idem, corpo.to_string())))
            .await
    }

    async fn presenta(&self, chiave: &str, idem: &str, dsu: &str) -> String {
        self.post("/api/v1/dsu", chiave, idem, dsu).await.ok(201)["protocollo"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn stato(&self, p: &str) -> String {
        self.get(&format!("/api/v1/dsu/{p}"), RA).await.ok(200)["registrazione"]["stato"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn mandato(&self, mittente: &str, ambito: &str, scadenza: &str) -> Risposta {
        let corpo = json!({
            "mittente": mittente, "codice_fiscale_dichiarante": MARIO,
            "ambito": ambito, "scadenza": scadenza
        });
        self.post("/api/v1/mandati", INPS, "", &corpo.to_string())
            .await
    }

    /// Row counts of every table, and the protocol sequence.
    async fn impronta(&self) -> Vec<(String, i64)> {
        comune::impronta(&self.servizio).await
    }
}

fn oggi() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn tra_giorni(n: i64) -> String {
    (oggi() + chrono::Duration::days(n)).to_string()
}

/// A problem document with the protocol replaced, to compare two refusals.
fn senza(v: &Value, protocollo: &str) -> String {
    v.to_string().replace(protocollo, "P")
}

#[tokio::test]
async fn ogni_percorso_con_un_secondo_client() {
    let b = banco().await;
    let p = b.presenta(RA, "k1", RAVENNA).await;
    // A protocol with a right check letter that was never filed.
    let ignoto = "INPS-ISEE-2026-00000002E-00";
    let prima = b.impronta().await;

    // Reads by protocol: the stranger's DSU answers exactly as an unknown protocol.
    for suffisso in ["", "/attestazione.html"] {
        let estraneo = b
            .get(&format!("/api/v1/dsu/{p}{suffisso}"), BO)
            .await
            .problema(404, "registro.protocollo_sconosciuto");
        let sconosciuto = b
            .get(&format!("/api/v1/dsu/{ignoto}{suffisso}"), BO)
            .await
            .problema(404, "registro.protocollo_sconosciuto");
        assert_eq!(senza(&estraneo, &p), senza(&sconosciuto, ignoto));
    }
    // Changes: rectification, substitution, annulment, ISEE corrente.
    for (percorso, corpo, idem) in [
        ("rettifica", RAVENNA.to_string(), "b1"),
        ("sostituzione", RAVENNA.to_string(), "b2"),
        ("corrente", modulo_genova(), "b3"),
    ] {
        let estraneo = b
            .post(&format!("/api/v1/dsu/{p}/{percorso}"), BO, idem, &corpo)
            .await
            .problema(404, "registro.protocollo_sconosciuto");
        let sconosciuto = b
            .post(
                &format!("/api/v1/dsu/{ignoto}/{percorso}"),
                BO,
                idem,
                &corpo,
            )
            .await
            .problema(404, "registro.protocollo_sconosciuto");
        assert_eq!(
            senza(&estraneo, &p),
            senza(&sconosciuto, ignoto),
            "{percorso}"
        );
    }
    let estraneo = b
        .invia("POST", &format!("/api/v1/dsu/{p}/annullamento"), BO, None)
        .await
        .problema(404, "registro.protocollo_sconosciuto");
    let sconosciuto = b
        .invia(
            "POST",
            &format!("/api/v1/dsu/{ignoto}/annullamento"),
            BO,
            None,
        )
        .await
        .problema(404, "registro.protocollo_sconosciuto");
    assert_eq!(senza(&estraneo, &p), senza(&sconosciuto, ignoto));
    // Searches see nothing of it.
    assert_eq!(
        b.get("/api/v1/dsu?protocollo_mittente=CAF-RA-2026-000123", BO)
            .await
            .ok(200),
        json!([])
    );
    let cerca = json!({"codice_fiscale": MARIO, "data": "2026-06-01"}).to_string();
    b.post("/api/v1/ricerche/dsu-valida", BO, "", &cerca)
        .await
        .problema(404, "ricerca.nessuna_dsu_valida");
    let storico = json!({"codice_fiscale": MARIO}).to_string();
    assert_eq!(
        b.post("/api/v1/ricerche/storico", BO, "", &storico)
            .await
            .ok(200),
        json!([])
    );
    // Mandates are the back office's.
    let m = json!({"mittente": "caf-bo", "codice_fiscale_dichiarante": MARIO,
                   "ambito": "presentazione", "scadenza": tra_giorni(30)});
    b.post("/api/v1/mandati", BO, "", &m.to_string())
        .await
        .problema(403, "auth.solo_back_office");
    b.post(
        "/api/v1/mandati/revoca",
        BO,
        "",
        &json!({"mittente": "caf-bo", "codice_fiscale_dichiarante": MARIO}).to_string(),
    )
    .await
    .problema(403, "auth.solo_back_office");

    // Nothing changed; the sender still sees and finds its DSU.
    assert_eq!(b.impronta().await, prima);
    assert_eq!(b.stato(&p).await, "attiva");
    assert_eq!(
        b.post("/api/v1/ricerche/dsu-valida", RA, "", &cerca)
            .await
            .ok(200)["protocollo"],
        p.as_str()
    );
    assert_eq!(
        b.post("/api/v1/ricerche/storico", RA, "", &storico)
            .await
            .ok(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn rettifica_con_la_dsu_di_un_altra_famiglia() {
    let b = banco().await;
    let p = b.presenta(RA, "k1", RAVENNA).await;
    let prima = b.impronta().await;
    // The sender quotes its own protocol with another household's DSU.
    for percorso in ["rettifica", "sostituzione"] {
        let v = b
            .post(
                &format!("/api/v1/dsu/{p}/{percorso}"),
                RA,
                percorso,
                &genova(),
            )
            .await
            .problema(409, "registro.dichiarante_diverso");
        assert!(v["detail"].as_str().unwrap().contains("dichiarante"), "{v}");
    }
    // The same declarant with a member less: a change of nucleus is a new DSU.
    let mut senza_sara: Value = serde_json::from_str(RAVENNA).unwrap();
    senza_sara["componenti"].as_array_mut().unwrap().pop();
    let v = b
        .post(
            &format!("/api/v1/dsu/{p}/rettifica"),
            RA,
            "k-n",
            &senza_sara.to_string(),
        )
        .await
        .problema(409, "registro.nucleo_diverso");
    assert!(v["detail"].as_str().unwrap().contains("nuova DSU"), "{v}");
    // A second client quoting the protocol learns nothing, and changes nothing.
    b.post(&format!("/api/v1/dsu/{p}/rettifica"), BO, "k-b", &genova())
        .await
        .problema(404, "registro.protocollo_sconosciuto");
    assert_eq!(b.impronta().await, prima);
    // The family's DSU is still the valid one, for its sender and for the e-services
    // (which read the register as a library).
    assert_eq!(b.stato(&p).await, "attiva");
    let cf = isee_core::codice_fiscale::CodiceFiscale::new(MARIO);
    let valida = b
        .servizio
        .registro
        .dsu_valida(&cf, "2026-06-01".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(valida.protocollo.to_string(), p);
    // The right rectification still goes through.
    let r = b
        .post(&format!("/api/v1/dsu/{p}/rettifica"), RA, "k-ok", RAVENNA)
        .await
        .ok(201);
    assert_eq!(r["riferimento"], p.as_str());
}

/// Collects what the tracing subscriber writes.
#[derive(Clone, Default)]
struct Raccolta(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Raccolta {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// A current-thread runtime: the subscriber set for this thread sees every handler.
#[tokio::test(flavor = "current_thread")]
async fn il_back_office_legge_tutto_e_ogni_lettura_e_registrata() {
    let raccolta = Raccolta::default();
    let scrittore = raccolta.clone();
    let _log = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(move || scrittore.clone())
            .finish(),
    );
    let b = banco().await;
    let p = b.presenta(RA, "k1", RAVENNA).await;
    assert_eq!(
        b.get(&format!("/api/v1/dsu/{p}"), INPS).await.ok(200)["registrazione"]["protocollo"],
        p.as_str()
    );
    let h = b
        .get(&format!("/api/v1/dsu/{p}/attestazione.html"), INPS)
        .await;
    assert_eq!(h.status, 200);
    let cerca = json!({"codice_fiscale": MARIO, "data": "2026-06-01"}).to_string();
    assert_eq!(
        b.post("/api/v1/ricerche/dsu-valida", INPS, "", &cerca)
            .await
            .ok(200)["protocollo"],
        p.as_str()
    );
    let storico = json!({"codice_fiscale": MARIO}).to_string();
    assert_eq!(
        b.post("/api/v1/ricerche/storico", INPS, "", &storico)
            .await
            .ok(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Reading is not changing: the back office cannot annul or rectify the CAF's DSU.
    let prima = b.impronta().await;
    b.invia("POST", &format!("/api/v1/dsu/{p}/annullamento"), INPS, None)
        .await
        .problema(403, "registro.modifica_non_consentita");
    b.post(&format!("/api/v1/dsu/{p}/rettifica"), INPS, "k-i", RAVENNA)
        .await
        .problema(403, "registro.modifica_non_consentita");
    assert_eq!(b.impronta().await, prima);
    assert_eq!(b.stato(&p).await, "attiva");

    // Every read is in the table, in order, with what was shown…
    let letture = b
        .servizio
        .registro
        .store()
        .letture_back_office("inps")
        .await
        .unwrap();
    let operazioni: Vec<&str> = letture.iter().map(|l| l.operazione.as_str()).collect();
    assert_eq!(
        operazioni,
        ["dettaglio", "attestazione", "dsu_valida", "storico"]
    );
    assert!(letture.iter().all(|l| l.protocolli.len() == 1
        && l.protocolli[0].to_string() == p
        && l.cliente == "inps"));
    assert_eq!(letture[2].oggetto, "RSSMRA*********H");
    // …and in the log at info level, with no fiscal code in clear.
    let testo = String::from_utf8(raccolta.0.lock().unwrap().clone()).unwrap();
    let righe: Vec<&str> = testo
        .lines()
        .filter(|l| l.contains("lettura del back office"))
        .collect();
    assert_eq!(righe.len(), 4, "{testo}");
    assert!(
        righe.iter().all(|r| r.contains("INFO") && r.contains(&p)),
        "{testo}"
    );
    assert!(!testo.contains(MARIO), "{testo}");
    // A sender's reads are not recorded as the back office's.
    b.get(&format!("/api/v1/dsu/{p}"), RA).await.ok(200);
    assert_eq!(
        b.servizio
            .registro
            .store()
            .letture_back_office("caf-ra")
            .await
            .unwrap(),
        []
    );
}

use isee_registro::store::StoreAccesso as _;

#[tokio::test]
async fn mandato_prima_e_dopo_la_scadenza_e_fuori_ambito() {
    let b = banco().await;
    let p = b.presenta(RA, "k1", RAVENNA).await;
    let cerca = json!({"codice_fiscale": MARIO, "data": "2026-06-01"}).to_string();
    // A reading mandate: caf-bo reads and finds the DSU, but may not change it.
    let m = b
        .mandato("caf-bo", "lettura", &tra_giorni(30))
        .await
        .ok(201);
    assert_eq!(m["registrato_da"], "inps");
    assert_eq!(m["ambito"], "lettura");
    b.get(&format!("/api/v1/dsu/{p}"), BO).await.ok(200);
    assert_eq!(
        b.post("/api/v1/ricerche/dsu-valida", BO, "", &cerca)
            .await
            .ok(200)["protocollo"],
        p.as_str()
    );
    let prima = b.impronta().await;
    b.post(&format!("/api/v1/dsu/{p}/rettifica"), BO, "b1", RAVENNA)
        .await
        .problema(403, "registro.modifica_non_consentita");
    b.invia("POST", &format!("/api/v1/dsu/{p}/annullamento"), BO, None)
        .await
        .problema(403, "registro.modifica_non_consentita");
    assert_eq!(b.impronta().await, prima);
    // The mandate to file: caf-bo rectifies; the new DSU is caf-bo's.
    b.mandato("caf-bo", "presentazione", &tra_giorni(30))
        .await
        .ok(201);
    let r = b
        .post(&format!("/api/v1/dsu/{p}/rettifica"), BO, "b2", RAVENNA)
        .await
        .ok(201);
    assert_eq!(r["mittente"], "caf-bo");
    let p2 = r["protocollo"].as_str().unwrap().to_string();
    // The first sender, without a mandate, sees its own old DSU but not caf-bo's.
    b.get(&format!("/api/v1/dsu/{p2}"), RA)
        .await
        .problema(404, "registro.protocollo_sconosciuto");
    b.post("/api/v1/ricerche/dsu-valida", RA, "", &cerca)
        .await
        .problema(404, "ricerca.nessuna_dsu_valida");
    // After its last day (moved into the past here) the mandate gives nothing.
    sqlx::query("UPDATE mandato SET scadenza = $1 WHERE mittente = 'caf-bo'")
        .bind(tra_giorni(-1))
        .execute(b.servizio.registro.store().pool())
        .await
        .unwrap();
    b.get(&format!("/api/v1/dsu/{p}"), BO)
        .await
        .problema(404, "registro.protocollo_sconosciuto");
    // Its own filing stays its own.
    b.get(&format!("/api/v1/dsu/{p2}"), BO).await.ok(200);
    // Recorded again, then revoked: nothing again.
    b.mandato("caf-bo", "lettura", &tra_giorni(0)).await.ok(201);
    b.get(&format!("/api/v1/dsu/{p}"), BO).await.ok(200);
    let revoca = json!({"mittente": "caf-bo", "codice_fiscale_dichiarante": MARIO}).to_string();
    let v = b
        .post("/api/v1/mandati/revoca", INPS, "", &revoca)
        .await
        .ok(200);
    assert!(v["revocato_il"].is_string(), "{v}");
    b.get(&format!("/api/v1/dsu/{p}"), BO)
        .await
        .problema(404, "registro.protocollo_sconosciuto");
    b.post("/api/v1/mandati/revoca", INPS, "", &revoca)
        .await
        .problema(404, "registro.mandato_sconosciuto");
    // A mandate that has already expired, or is for a bad fiscal code, is refused.
    b.mandato("caf-bo", "lettura", &tra_giorni(-1))
        .await
        .problema(422, "registro.mandato_non_valido");
    let cattivo = json!({"mittente": "caf-bo", "codice_fiscale_dichiarante": "RSSMRA85M01H199X",
                         "ambito": "lettura", "scadenza": tra_giorni(3)});
    b.post("/api/v1/mandati", INPS, "", &cattivo.to_string())
        .await
        .problema(422, "registro.mandato_non_valido");
    b.post("/api/v1/mandati", INPS, "", "{\"mittente\": \"x\"}")
        .await
        .problema(400, "richiesta.json_non_valido");
}

#[tokio::test]
async fn una_presentazione_e_un_solo_documento() {
    let b = banco().await;
    let prima = b.impronta().await;
    for (idem, corpo) in [
        ("k1", format!("{RAVENNA}GARBAGE")),
        ("k2", format!("{RAVENNA}{RAVENNA}")),
        ("k3", format!("{}\n{}", RAVENNA.trim(), genova())),
    ] {
        let v = b
            .post("/api/v1/dsu", RA, idem, &corpo)
            .await
            .problema(400, "registro.dsu_illeggibile");
        assert!(
            v["problemi"][0]["messaggio"]
                .as_str()
                .unwrap()
                .contains("dopo la fine"),
            "{v}"
        );
    }
    assert_eq!(b.impronta().await, prima);
    // Trailing whitespace is still one document.
    b.post("/api/v1/dsu", RA, "k4", &format!("{RAVENNA}\n\n"))
        .await
        .ok(201);
}

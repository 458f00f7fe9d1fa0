//! `isee siuss` end to end on SQLite: a CSV with bad rows is refused whole, with every
//! problem of every row in Italian and fiscal codes masked; a good one is imported,
//! listed, exported as PS-PSA documents valid against INPS's XSD, and imported again
//! without new flows.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn isee(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_isee"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("esecuzione di isee")
}

fn testo(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const INTESTAZIONE: &str = "codice_fiscale,cognome,nome,anno_nascita,luogo_nascita,genere,cittadinanza,nazione_residenza,regione_residenza,comune_residenza,presenza_prova_mezzi,carattere_prestazione,protocollo_dsu,anno_protocollo_dsu,data_dsu,codice_prestazione,denominazione_prestazione,protocollo_domanda,data_inizio,importo_mensile,quota_ente,quota_utente,soglia_isee,data_erogazione,importo_prestazione,presa_carico,area_utenza,cf_operatore";

const BUONE: [&str; 2] = [
    "RSSMRA85M01H199H,ROSSI,MARIA,1985,H199,2,380,380,08,039014,1,1,INPS-ISEE-2026-00000123A-00,2026,2026-01-20,A1.16,Contributi per il trasporto,RA-2026-0001,2026-02-01,150.00,120.00,30.00,25000.00,,,1,1,VRDLGU80A01H183S",
    "RSSGLI15P10H199Z,ROSSI,GIULIA,2015,H199,F,380,380,08,039014,4,2,,,,A1.09,Telesoccorso e teleassistenza,RA-2026-0002,,,,,,2026-03-10,80.00,2,,VRDLGU80A01H183S",
];

fn scrivi(dir: &Path, nome: &str, righe: &[&str]) -> PathBuf {
    let p = dir.join(nome);
    let mut s = String::from(INTESTAZIONE);
    for r in righe {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    std::fs::write(&p, s).unwrap();
    p
}

#[test]
fn importa_elenca_esporta() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("siuss.db").display());
    let ente = [
        "--ente",
        "H199",
        "--denominazione",
        "Comune di Ravenna",
        "--db",
        &db,
    ];

    // Two bad rows among good ones: every problem, then nothing imported.
    let brutta_cf = BUONE[0]
        .replace("RSSMRA85M01H199H", "RSSMRA85M01H199X")
        .replace(",2,380,", ",9,380,");
    let brutta_importo = BUONE[1].replace(",80.00,", ",-1,");
    let csv = scrivi(
        dir.path(),
        "brutte.csv",
        &[BUONE[0], &brutta_cf, &brutta_importo],
    );
    let mut args = vec!["siuss", "importa", csv.to_str().unwrap()];
    args.extend(ente);
    let out = isee(&args);
    assert_eq!(out.status.code(), Some(1), "{}", testo(&out.stderr));
    let err = testo(&out.stderr);
    assert!(err.contains("riga 3: codice_fiscale:"), "{err}");
    assert!(err.contains("riga 3: genere:"), "{err}");
    assert!(err.contains("riga 4: importo_prestazione:"), "{err}");
    assert!(err.contains("niente importato"), "{err}");
    assert!(
        !err.contains("RSSMRA85M01H199X"),
        "codice fiscale in chiaro: {err}"
    );
    let out = isee(&["siuss", "flussi", "--db", &db]);
    assert_eq!(
        testo(&out.stdout).lines().count(),
        1,
        "solo l'intestazione: {}",
        testo(&out.stdout)
    );

    // The good file.
    let csv = scrivi(dir.path(), "buone.csv", &BUONE);
    let mut args = vec!["siuss", "importa", csv.to_str().unwrap()];
    args.extend(ente);
    let out = isee(&args);
    assert!(out.status.success(), "{}", testo(&out.stderr));
    assert!(
        testo(&out.stdout).starts_with("2 flussi nuovi"),
        "{}",
        testo(&out.stdout)
    );
    let out = isee(&args);
    assert!(
        testo(&out.stdout).contains("2 invariati"),
        "{}",
        testo(&out.stdout)
    );

    let out = isee(&["siuss", "flussi", "--db", &db]);
    let elenco = testo(&out.stdout);
    let righe: Vec<&str> = elenco.lines().skip(1).collect();
    assert_eq!(righe.len(), 2, "{elenco}");
    assert!(
        righe[0].contains("da_trasmettere") && righe[0].contains("RSSMRA*********H"),
        "{elenco}"
    );
    assert!(
        !elenco.contains("RSSMRA85M01H199H"),
        "codice fiscale in chiaro: {elenco}"
    );
    let id = righe[0].split('\t').next().unwrap();
    assert!(id.starts_with("H199.PS."), "{id}");

    let schema = isee_prova::xsd::riferimenti_waas(Path::new(env!("CARGO_MANIFEST_DIR")))
        .join("PS_PSA_SINA201812.xsd");
    let out = isee(&["siuss", "esporta", "--db", &db, "--id", id]);
    assert!(out.status.success(), "{}", testo(&out.stderr));
    assert!(testo(&out.stdout).contains(&format!("Nome=\"{id}\"")));
    isee_prova::xsd::valida(&schema, "cli-flusso", &out.stdout).unwrap();
    let file = dir.path().join("tutti.xml");
    let out = isee(&[
        "siuss",
        "esporta",
        "--db",
        &db,
        "--output",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", testo(&out.stderr));
    let xml = std::fs::read(&file).unwrap();
    assert_eq!(testo(&xml).matches("<PrestazioniSociali ").count(), 2);
    isee_prova::xsd::valida(&schema, "cli-caricamento", &xml).unwrap();

    let out = isee(&[
        "siuss",
        "esporta",
        "--db",
        &db,
        "--id",
        "H199.PS.20000101.0000001",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        testo(&out.stderr).contains("non trovato"),
        "{}",
        testo(&out.stderr)
    );
}

/// One HTTP/1.1 request on a fresh connection: the status code and the body.
fn http(
    addr: std::net::SocketAddr,
    percorso: &str,
    voucher: Option<&str>,
) -> Option<(u16, String)> {
    use std::io::{Read as _, Write as _};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    let auth = voucher
        .map(|v| format!("Authorization: Bearer {v}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {percorso} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut r = String::new();
    s.read_to_string(&mut r).ok()?;
    let codice = r.split(' ').nth(1)?.parse().ok()?;
    let corpo = r
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((codice, corpo))
}

#[test]
fn serve_protetto_dal_voucher() {
    use isee_pdnd::jwk::{ChiavePrivata, JwkSet};
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("siuss.db").display());
    let csv = scrivi(dir.path(), "buone.csv", &BUONE);
    let out = isee(&[
        "siuss",
        "importa",
        csv.to_str().unwrap(),
        "--ente",
        "H199",
        "--denominazione",
        "Comune di Ravenna",
        "--db",
        &db,
    ]);
    assert!(out.status.success(), "{}", testo(&out.stderr));
    let pdnd = ChiavePrivata::genera().unwrap();
    let jwks = dir.path().join("jwks.json");
    std::fs::write(
        &jwks,
        serde_json::to_vec(&JwkSet {
            keys: vec![pdnd.jwk_pubblica()],
        })
        .unwrap(),
    )
    .unwrap();
    let porta = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (eservice, descriptor, inps) = (
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
    );
    let mut figlio = Command::new(env!("CARGO_BIN_EXE_isee"))
        .args([
            "siuss",
            "serve",
            "--db",
            &db,
            "--addr",
            &porta.to_string(),
            "--jwks",
            jwks.to_str().unwrap(),
        ])
        .args([
            "--issuer",
            "pdnd.isee.local",
            "--audience",
            "comune-ravenna.example/waas/v1",
        ])
        .args([
            "--eservice-id",
            &eservice.to_string(),
            "--descriptor-id",
            &descriptor.to_string(),
        ])
        .args(["--consumer-id", &inps.to_string()])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let inizio = std::time::Instant::now();
    let stato = loop {
        if let Some(r) = http(porta, "/waas/v1/status", None) {
            break r;
        }
        assert!(inizio.elapsed().as_secs() < 30, "il servizio non risponde");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let senza = http(porta, "/waas/v1/flussi?since=0", None);
    let ora = chrono::Utc::now().timestamp();
    let claims = |consumer: uuid::Uuid| {
        let client = uuid::Uuid::new_v4().to_string();
        serde_json::json!({
            "iss": "pdnd.isee.local", "sub": client, "aud": ["comune-ravenna.example/waas/v1"],
            "exp": ora + 300, "nbf": ora, "iat": ora, "jti": uuid::Uuid::new_v4().to_string(),
            "client_id": client, "purposeId": uuid::Uuid::new_v4().to_string(),
            "consumerId": consumer.to_string(), "eserviceId": eservice.to_string(),
            "descriptorId": descriptor.to_string(),
        })
    };
    let v = pdnd.firma("at+jwt", &claims(inps)).unwrap();
    let con = http(porta, "/waas/v1/flussi?since=0&limit=1", Some(&v));
    let altro = pdnd.firma("at+jwt", &claims(uuid::Uuid::new_v4())).unwrap();
    let altro_fruitore = http(porta, "/waas/v1/flussi?since=0", Some(&altro));
    let _ = figlio.kill();
    let _ = figlio.wait();

    assert_eq!(stato.0, 200, "{}", stato.1);
    assert_eq!(senza.map(|r| r.0), Some(401));
    let (codice, corpo) = con.unwrap();
    assert_eq!(codice, 200, "{corpo}");
    let json: serde_json::Value = serde_json::from_str(&corpo).unwrap();
    assert_eq!(
        json["elenco_flussi"].as_array().unwrap().len(),
        1,
        "{corpo}"
    );
    assert_eq!(altro_fruitore.map(|r| r.0), Some(403));
}

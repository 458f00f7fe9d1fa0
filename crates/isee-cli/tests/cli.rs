//! End-to-end tests of the `isee` binary: exit codes, outputs, the batch's error
//! report and order, on the shipped examples and generated populations.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn isee(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_isee"))
        .args(args)
        .current_dir(radice())
        .output()
        .expect("run isee")
}

fn radice() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn testo(o: &[u8]) -> String {
    String::from_utf8_lossy(o).to_string()
}

#[test]
fn calcola_l_esempio_del_readme_con_spiegazione() {
    let o = isee(&["calcola", "esempi/ordinario-famiglia-ravenna.json"]);
    assert!(o.status.success(), "{}", testo(&o.stderr));
    let s = testo(&o.stdout);
    assert!(
        s.contains("ISEE ORDINARIO") && s.contains("16.739,13"),
        "{s}"
    );
    assert!(
        s.contains("COME È STATO CALCOLATO") && s.contains("DPCM 159/2013, art. 5, c. 2"),
        "{s}"
    );
}

/// `--formato pdf`: the attestation as a PDF on the standard output, with the figures of
/// the text report.
#[test]
fn calcola_in_pdf() {
    let o = isee(&[
        "calcola",
        "esempi/ordinario-famiglia-ravenna.json",
        "--formato",
        "pdf",
    ]);
    assert!(o.status.success(), "{}", testo(&o.stderr));
    assert!(o.stdout.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.pdf");
    std::fs::write(&file, &o.stdout).unwrap();
    if let Ok(t) = Command::new("pdftotext").arg(&file).arg("-").output() {
        let t = testo(&t.stdout);
        assert!(
            t.contains("16.739,13") && t.contains("Come è stato calcolato"),
            "{t}"
        );
    }
}

#[test]
fn calcola_in_json_con_prestazione() {
    let o = isee(&[
        "calcola",
        "esempi/ordinario-famiglia-ravenna.json",
        "--prestazione",
        "assegno-unico",
        "--formato",
        "json",
    ]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["isee"], "15804.20");
    assert_eq!(v["variante"], "familiare_inclusione_2026");
    assert!(v.get("traccia").is_none(), "no trace unless asked");
}

#[test]
fn calcola_tutti_gli_indicatori() {
    let o = isee(&[
        "calcola",
        "esempi/ordinario-famiglia-ravenna.json",
        "--tutti",
        "--formato",
        "json",
    ]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let tipi: Vec<&str> = v["indicatori"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["richiesta"]["tipo"].as_str().unwrap())
        .collect();
    // Ordinario, one minorenni per minor child, and the 2026 family ISEE.
    assert_eq!(
        tipi,
        ["ordinario", "minorenni", "minorenni", "ordinario"],
        "{v}"
    );
}

#[test]
fn valida_codici_di_uscita() {
    assert_eq!(
        isee(&["valida", "esempi/ordinario-famiglia-ravenna.json"])
            .status
            .code(),
        Some(0)
    );
    let o = isee(&["valida", "esempi/errori-multipli.json", "--formato", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let problemi: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(problemi.len() >= 5, "all problems at once: {problemi:?}");
    assert!(
        problemi
            .iter()
            .all(|p| p["percorso"].as_str().unwrap().starts_with('$'))
    );
    let dir = tempfile::tempdir().unwrap();
    let rotto = dir.path().join("rotto.json");
    std::fs::write(&rotto, "{ non è json").unwrap();
    assert_eq!(
        isee(&["valida", rotto.to_str().unwrap()]).status.code(),
        Some(2)
    );
    assert_eq!(isee(&["valida", "/non/esiste.json"]).status.code(), Some(2));
    let strano = dir.path().join("strano.json");
    std::fs::write(
        &strano,
        r#"{"data_presentazione":"2026-01-01","componenti":[],"abitazione":{"titolo":"castello"}}"#,
    )
    .unwrap();
    let o = isee(&["valida", strano.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a document of the wrong shape is invalid, not unreadable"
    );
    assert!(
        testo(&o.stdout).contains("$.abitazione.titolo"),
        "{}",
        testo(&o.stdout)
    );
}

#[test]
fn parametri_a_una_data_con_fonti() {
    let o = isee(&["parametri", "--data", "2016-06-01"]);
    assert!(o.status.success());
    let s = testo(&o.stdout);
    assert!(
        s.contains("scala.maggiorazione_disabilita")
            && s.contains("0.50")
            && s.contains("2-sexies"),
        "{s}"
    );
    let o = isee(&["parametri", "--data", "2016-05-28"]);
    assert!(testo(&o.stdout).contains("valore: 0   (dal 01/01/2015)"));
    assert_eq!(
        isee(&["parametri", "--data", "2014-01-01"]).status.code(),
        Some(2)
    );
}

#[test]
fn genera_e_riproducibile() {
    let a = isee(&["genera", "--nuclei", "50", "--seed", "11"]);
    let b = isee(&["genera", "--nuclei", "50", "--seed", "11"]);
    let c = isee(&["genera", "--nuclei", "50", "--seed", "12"]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(a.stdout, c.stdout);
    assert_eq!(testo(&a.stdout).lines().count(), 50);
}

#[test]
fn batch_riporta_gli_errori_per_riga_e_mantiene_l_ordine() {
    let dir = tempfile::tempdir().unwrap();
    let pop = isee(&["genera", "--nuclei", "3000", "--seed", "5"]);
    let mut righe: Vec<String> = testo(&pop.stdout).lines().map(str::to_string).collect();
    righe[10] = "{ rotto".into();
    righe[20] = righe[20].replacen("\"D\"", "\"C\"", 1); // no dichiarante: invalid
    righe.insert(30, String::new()); // a blank line is skipped, but counted
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, righe.join("\n") + "\n").unwrap();
    let out = dir.path().join("out.jsonl");
    let o = isee(&[
        "batch",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", testo(&o.stderr));
    assert!(
        testo(&o.stderr).contains("2998 DSU calcolate, 2 con errori"),
        "{}",
        testo(&o.stderr)
    );
    let risultati: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(risultati.len(), 2998);
    let numeri: Vec<u64> = risultati
        .iter()
        .map(|r| r["riga"].as_u64().unwrap())
        .collect();
    assert!(
        numeri.windows(2).all(|w| w[0] < w[1]),
        "results in input order"
    );
    assert!(!numeri.contains(&11) && !numeri.contains(&21) && !numeri.contains(&31));
    let errori = std::fs::read_to_string(dir.path().join("out.jsonl.errori.jsonl")).unwrap();
    let errori: Vec<serde_json::Value> = errori
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(errori.len(), 2);
    assert_eq!(errori[0]["riga"], 11);
    assert_eq!(errori[1]["riga"], 21);
    assert!(
        errori[1]["errori"][0]["messaggio"]
            .as_str()
            .unwrap()
            .contains("dichiarante")
    );
    // The batch and the single calculation agree.
    let prima: serde_json::Value = serde_json::from_str(&righe[0]).unwrap();
    let singola = dir.path().join("uno.json");
    std::fs::write(&singola, prima.to_string()).unwrap();
    let uno = isee(&["calcola", singola.to_str().unwrap(), "--formato", "json"]);
    let uno: serde_json::Value = serde_json::from_slice(&uno.stdout).unwrap();
    assert_eq!(uno["isee"], risultati[0]["isee"]);
    assert_eq!(uno["righe"], risultati[0]["righe"]);
}

#[test]
fn schema_stampato_uguale_a_quello_committato() {
    let o = isee(&["schema"]);
    let committato = std::fs::read_to_string(radice().join("schema/dsu.schema.json")).unwrap();
    assert_eq!(testo(&o.stdout), committato);
}

#[test]
fn tariffa_dal_binario_isee() {
    let o = isee(&[
        "tariffa",
        "calcola",
        "crates/isee-tariffe/regole/ravenna-nido.toml",
        "--isee",
        "20000",
        "--presenze",
        "18",
    ]);
    assert!(o.status.success(), "{}", testo(&o.stderr));
    assert!(testo(&o.stdout).contains("226,60"), "{}", testo(&o.stdout));
}

#[test]
fn registro_ente_importa_e_segnala_scadenze_e_tipo_sbagliato() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("domande.csv");
    std::fs::write(
        &csv,
        "ente,id,servizio,codice_fiscale,tipo_richiesto,isee_tipo,isee,protocollo_dsu,data_presentazione_dsu,valida_al,fonte,evidenza\n\
         c_h199,A1,nido,RSSSRA24C50H199R,minorenni,minorenni,15804.20,INPS-ISEE-2026-00000017K-00,2026-02-10,2026-12-31,attestazione_presentata,prot. 1234\n\
         c_h199,A2,nido,RSSGLI15P10H199Z,minorenni,ordinario,9000.00,,2026-01-15,2026-12-31,consultazione_inps,\n\
         c_h199,A3,nido,BNCLRA88R45H199W,minorenni,,,,,,,\n\
         c_h199,A4,nido,XXX,minorenni,minorenni,12.345,,,,,\n",
    )
    .unwrap();
    let db = format!("sqlite://{}", dir.path().join("ente.db").display());
    let o = isee(&[
        "registro-ente",
        "importa",
        csv.to_str().unwrap(),
        "--db",
        &db,
    ]);
    assert_eq!(o.status.code(), Some(1), "one row refused");
    assert!(
        testo(&o.stderr).contains("riga 5") && !testo(&o.stderr).contains("XXX"),
        "{}",
        testo(&o.stderr)
    );
    let o = isee(&[
        "registro-ente",
        "scadenze",
        "--entro",
        "2027-01-01",
        "--db",
        &db,
    ]);
    let s = testo(&o.stdout);
    assert!(s.starts_with("3 domande"), "{s}");
    assert!(s.contains("A3") && s.contains("nessun ISEE"));
    assert!(
        s.contains("ATTENZIONE: ISEE ordinario presentato, il servizio richiede l'ISEE minorenni"),
        "{s}"
    );
    assert!(
        !s.contains("RSSSRA24C50H199R"),
        "fiscal codes masked in text: {s}"
    );
    let o = isee(&[
        "registro-ente",
        "scadenze",
        "--entro",
        "2026-12-31",
        "--db",
        &db,
    ]);
    assert!(
        testo(&o.stdout).starts_with("1 domande"),
        "validity to 31-12 is not 'before 31-12': {}",
        testo(&o.stdout)
    );
}

#[test]
fn consultazione_sandbox_e_catalogo() {
    let dir = tempfile::tempdir().unwrap();
    let sb = dir.path().join("sandbox");
    let registro = dir.path().join("registro.db");
    let o = isee(&[
        "consultazione",
        "sandbox",
        "--dir",
        sb.to_str().unwrap(),
        "--registro",
        registro.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", testo(&o.stderr));
    let s = testo(&o.stdout);
    assert!(s.contains("Comune di Ravenna (c_h199)"), "{s}");
    for f in [
        "consultazione.toml",
        "pdnd/stato.json",
        "pdnd/jwks.json",
        "pdnd/chiave-pdnd.pem",
        "ca/ca.pem",
        "tls-server.pem",
        "fruitori/fruitori.json",
        "fruitori/c_h199-client.pem",
        "fruitori/c_h199-cert.pem",
        "fruitori/c_h199-cert-chiave.pem",
        "accessi.chiave",
        "enti.db",
    ] {
        assert!(sb.join(f).is_file(), "manca {f} nella sandbox");
    }
    // A second sandbox in the same directory is refused, not overwritten.
    let o = isee(&[
        "consultazione",
        "sandbox",
        "--dir",
        sb.to_str().unwrap(),
        "--registro",
        registro.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", testo(&o.stderr));

    let o = isee(&["consultazione", "catalogo"]);
    assert!(o.status.success(), "{}", testo(&o.stderr));
    let s = testo(&o.stdout);
    assert_eq!(s.matches("  eserviceId ").count(), 9, "{s}");
    for nome in [
        "Consultazione Indicatore ISEE",
        "Consultazione Attestazione ISEE",
        "Consultazione Indicatore Residenti ISEE",
        "Consultazione Attestazione Residenti ISEE",
        "Consultazione Indicatore Riscontro ISEE",
        "Consultazione Indicatore Nucleo Riscontro ISEE",
        "Consultazione Indicatore ISEE Operatori",
        "Consultazione Attestazione ISEE Operatori",
        "Consultazione Dichiarazione ISEE",
    ] {
        assert!(s.contains(&format!(" — {nome}\n")), "manca {nome}: {s}");
    }
    assert!(
        s.contains(
            "audience      api.isee.local/pdnd/soap/ConsultazioneISEE/v2/ConsultazioneIndicatore\n"
        ),
        "{s}"
    );
}

#[test]
fn consultazione_openapi_con_i_tre_percorsi_rest() {
    let o = isee(&["consultazione", "openapi"]);
    assert!(o.status.success(), "{}", testo(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let percorsi = v["paths"].as_object().unwrap();
    for p in [
        "/rest/v1/{eservizio}/indicatore",
        "/rest/v1/{eservizio}/attestazione",
        "/rest/v1/{eservizio}/soglia",
    ] {
        assert!(percorsi.contains_key(p), "manca {p}: {:?}", percorsi.keys());
    }
}

#[test]
fn i_nuovi_comandi_sono_montati() {
    for c in [
        "consultazione",
        "pdnd",
        "audit",
        "enti",
        "operatori",
        "certificati",
        "eventi",
        "siuss",
        "backup",
    ] {
        let o = isee(&[c, "--help"]);
        assert!(o.status.success(), "{c}: {}", testo(&o.stderr));
    }
}

/// Kills the demo when the test ends, however it ends.
#[cfg(unix)]
struct Processo(std::process::Child);

#[cfg(unix)]
impl Drop for Processo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `isee demo` on free ports: the self-check of the PDND flow succeeds, and the
/// printed commands work as printed (the curl ones only where curl is installed).
#[cfg(unix)]
#[test]
fn demo_verifica_il_flusso_pdnd_e_stampa_comandi_che_funzionano() {
    use std::io::BufRead as _;
    use std::process::Stdio;
    use std::time::Duration;

    let dir = tempfile::tempdir().unwrap();
    let mut p = Processo(
        Command::new(env!("CARGO_BIN_EXE_isee"))
            .args(["demo", "--porta", "0", "--nuclei", "3", "--dir"])
            .arg(dir.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let uscita = p.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for riga in std::io::BufReader::new(uscita).lines() {
            let Ok(riga) = riga else { break };
            let fine = riga.contains(" audit verifica ") || riga.contains("NON avviata");
            if tx.send(riga).is_err() || fine {
                break;
            }
        }
    });
    let mut righe = Vec::new();
    while let Ok(r) = rx.recv_timeout(Duration::from_secs(120)) {
        righe.push(r);
    }
    let s = righe.join("\n");
    assert!(
        s.contains("Consultazione ISEE via PDND (sandbox in "),
        "{s}"
    );
    let verifica = righe
        .iter()
        .find(|r| r.contains("Verifica"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(
        verifica.contains("ISEE Ordinario di ") && verifica.contains(" euro (DSU INPS-ISEE-"),
        "{verifica}"
    );
    assert!(
        s.contains("?wsdl") && s.contains("/rest/v1/openapi.json"),
        "{s}"
    );
    assert!(
        dir.path()
            .join("consultazione/richiesta-indicatore.xml")
            .is_file()
    );

    // The printed flow, as a shell script: the lines after the section's heading.
    let comandi: Vec<&str> = righe
        .iter()
        .skip_while(|r| !r.contains("con «isee» e curl"))
        .skip(1)
        .map(|r| r.trim_start())
        .collect();
    assert_eq!(comandi.len(), 6, "{s}");
    assert!(comandi[0].starts_with("S="), "{s}");
    let curl = Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let script = if curl {
        // An `echo` between commands ends the answers' lines.
        comandi.join("\necho\n")
    } else {
        eprintln!("curl non disponibile: provo solo i comandi di isee");
        [comandi[0], comandi[1], comandi[5]].join("\n")
    };
    let o = Command::new("sh")
        .args(["-eu", "-c", &script])
        .output()
        .unwrap();
    let out = testo(&o.stdout);
    assert!(o.status.success(), "{out}\n{}", testo(&o.stderr));
    if curl {
        assert!(out.contains("\"esito\":\"OK\""), "REST: {out}");
        assert!(out.contains("<Esito>OK</Esito>"), "SOAP: {out}");
    }
    assert!(out.contains("catena integra"), "{out}");
}

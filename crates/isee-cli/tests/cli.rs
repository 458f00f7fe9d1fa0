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

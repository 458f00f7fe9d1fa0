//! `isee tariffa fattura` end to end: a small month of applications with bad rows, billed into a
//! CSV with per-row errors and a summary; `verifica` on a broken file.

use std::path::PathBuf;
use std::process::ExitCode;

use isee_cli::comandi::tariffa::{Avanzamento, ComandoTariffa, esegui};

fn cartella(nome: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("isee-tariffe-{nome}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn regole(nome: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../isee-tariffe/regole")
        .join(nome)
}

#[test]
fn fattura_un_mese_con_errori_per_riga() {
    let dir = cartella("fattura");
    let domande = dir.join("domande.csv");
    std::fs::write(
        &domande,
        "id,isee,presenze,condizioni,residente,mese\n\
         a1,20000,18,,si,2021-09\n\
         a2,4000,10,,si,2021-09\n\
         a3,,5,,si,2021-09\n\
         a4,20000,18,mutuo_prima_casa,si,2021-09\n\
         a5,1.234,3,,forse,2021-09\n\
         a6,20000,,,si,2021-09\n\
         a7,20000,18,mutuo,si,2021-09\n\
         a8,\"20000,00\",18,,si,2021-09\n\
         a9,50000,20,,no,2021-09\n",
    )
    .unwrap();
    let uscita = dir.join("importi.csv");
    let riepilogo = dir.join("riepilogo.json");
    let codice = esegui(ComandoTariffa::Fattura {
        regole: regole("ravenna-nido.toml"),
        domande: domande.clone(),
        uscita: uscita.clone(),
        riepilogo: Some(riepilogo.clone()),
        mese: None,
        avanzamento: Avanzamento::Mai,
    })
    .unwrap();
    assert_eq!(codice, ExitCode::from(2));
    let out = std::fs::read_to_string(&uscita).unwrap();
    let righe: Vec<&str> = out.lines().collect();
    assert_eq!(righe.len(), 10, "{out}");
    assert!(
        righe[1].starts_with("a1,dovuto,tratti,20000,fissa=1;giornaliera=1,226.60,"),
        "{}",
        righe[1]
    );
    assert!(
        righe[2].starts_with("a2,esente,esenzione,4000,,0,"),
        "{}",
        righe[2]
    );
    assert!(
        righe[3].starts_with("a3,dovuto,senza ISEE (default),,,435.00,"),
        "{}",
        righe[3]
    );
    assert!(
        righe[4].starts_with("a4,dovuto,tratti,18000,"),
        "{}",
        righe[4]
    );
    assert!(
        righe[5].starts_with("a5,errore,") && righe[5].contains("residente: `forse` non è sì/no"),
        "{}",
        righe[5]
    );
    assert!(
        righe[6].starts_with("a6,errore,") && righe[6].contains("mancano le presenze"),
        "{}",
        righe[6]
    );
    assert!(
        righe[7].contains("condizione sconosciuta `mutuo`"),
        "{}",
        righe[7]
    );
    assert!(righe[8].contains("usare il punto"), "{}", righe[8]);
    assert!(
        righe[9].starts_with("a9,dovuto,non residente (default),,,495.00,"),
        "{}",
        righe[9]
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&riepilogo).unwrap()).unwrap();
    assert_eq!(json["righe"], 9);
    assert_eq!(json["errori"], 4);
    assert_eq!(json["esenti"], 1);
    assert_eq!(json["dovuti"], 4);
    // 226.60 + 435.00 + 203.39 (mortgage) + 495.00
    assert_eq!(json["totale"], "1359.99");
    assert_eq!(json["per_fascia"]["fissa: tratto 1"], 2);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn verifica_rifiuta_un_file_rotto() {
    let dir = cartella("verifica");
    let rotto = dir.join("rotto.toml");
    let testo = std::fs::read_to_string(regole("rapallo-nido.toml"))
        .unwrap()
        .replace("oltre = \"6456.00\"", "da = \"6456.50\"");
    std::fs::write(&rotto, testo).unwrap();
    let codice = esegui(ComandoTariffa::Verifica {
        file: vec![rotto],
        avvisi_come_errori: false,
    })
    .unwrap();
    assert_eq!(codice, ExitCode::from(1));
    let codice = esegui(ComandoTariffa::Verifica {
        file: vec![
            regole("rapallo-nido.toml"),
            regole("ravenna-nido.toml"),
            regole("manfredonia-mensa.toml"),
        ],
        avvisi_come_errori: true,
    })
    .unwrap();
    assert_eq!(codice, ExitCode::SUCCESS);
    std::fs::remove_dir_all(&dir).ok();
}

//! Golden whole-attestation cases: each file in `tests/golden/` holds a DSU, a request
//! and the expected attestation lines, computed by hand from the rules (the arithmetic
//! is written in the file's `calcolo_a_mano`). Every line must match to the cent.
// Tests read their fixtures from disk; the no-I/O rule is for the library.
#![allow(clippy::disallowed_methods)]

use isee_core::calcolo::{Esito, Motore, Richiesta};
use isee_core::{Dsu, Opzioni};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Caso {
    descrizione: String,
    #[allow(dead_code)]
    riferimenti: Vec<String>,
    #[allow(dead_code)]
    calcolo_a_mano: Vec<String>,
    /// Options other than the defaults, if the case is about an interpretive choice.
    #[serde(default)]
    opzioni: Option<Opzioni>,
    dsu: Value,
    richiesta: Richiesta,
    atteso: Atteso,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Atteso {
    /// Expected attestation lines (any subset of `Righe`'s fields), as strings.
    #[serde(default)]
    righe: serde_json::Map<String, Value>,
    /// The final value of the requested ISEE.
    #[serde(default)]
    isee: Option<String>,
    /// Expected componenti aggiuntive, in order.
    #[serde(default)]
    componenti_aggiuntive: Vec<String>,
    /// Expected validity end.
    #[serde(default)]
    validita_al: Option<String>,
    /// The request must fail with a message containing this text.
    #[serde(default)]
    non_calcolabile: Option<String>,
    #[serde(default)]
    variante: Option<String>,
}

fn controlla(percorso: &Path) -> Result<(), String> {
    let testo = std::fs::read_to_string(percorso).map_err(|e| e.to_string())?;
    let caso: Caso = serde_json::from_str(&testo).map_err(|e| format!("case file: {e}"))?;
    let dsu = Dsu::da_json(&caso.dsu.to_string()).map_err(|e| format!("DSU: {e}"))?;
    let dsu = isee_core::valida(dsu).map_err(|p| format!("invalid DSU: {p:#?}"))?;
    let motore = Motore::new(
        isee_core::Normativa::ufficiale(),
        caso.opzioni.unwrap_or_default(),
    );
    let esito = motore.calcola_con_traccia(&dsu, &caso.richiesta);
    if let Some(atteso) = &caso.atteso.non_calcolabile {
        return match esito {
            Err(e) if e.to_string().contains(atteso.as_str()) => Ok(()),
            Err(e) => Err(format!("expected failure containing «{atteso}», got «{e}»")),
            Ok(e) => Err(format!("expected failure, got ISEE {}", e.isee)),
        };
    }
    let esito: Esito = esito.map_err(|e| format!("calculation failed: {e}"))?;
    let righe = serde_json::to_value(&esito.righe).map_err(|e| e.to_string())?;
    let mut diff = Vec::new();
    for (k, v) in &caso.atteso.righe {
        let got = righe.get(k).ok_or_else(|| format!("unknown line {k}"))?;
        if got != v {
            diff.push(format!("{k}: expected {v}, got {got}"));
        }
    }
    if let Some(i) = &caso.atteso.isee
        && esito.isee.to_string() != *i
    {
        diff.push(format!("isee: expected {i}, got {}", esito.isee));
    }
    let aggiuntive: Vec<String> = esito
        .componenti_aggiuntive
        .iter()
        .map(|a| a.importo.to_string())
        .collect();
    if aggiuntive != caso.atteso.componenti_aggiuntive {
        diff.push(format!(
            "componenti_aggiuntive: expected {:?}, got {aggiuntive:?}",
            caso.atteso.componenti_aggiuntive
        ));
    }
    if let Some(v) = &caso.atteso.validita_al
        && esito.validita.al.to_string() != *v
    {
        diff.push(format!(
            "validita_al: expected {v}, got {}",
            esito.validita.al
        ));
    }
    if let Some(v) = &caso.atteso.variante {
        let got = serde_json::to_value(esito.variante).map_err(|e| e.to_string())?;
        if got != Value::String(v.clone()) {
            diff.push(format!("variante: expected {v}, got {got}"));
        }
    }
    // The trace ends with the final value.
    if esito.traccia.last().map(|p| p.risultato) != Some(esito.isee.normalize()) {
        diff.push("the last trace step is not the result".into());
    }
    if diff.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n  {}", caso.descrizione, diff.join("\n  ")))
    }
}

#[test]
fn casi_golden() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut file: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    file.sort();
    assert!(!file.is_empty(), "no golden cases in {}", dir.display());
    let errori: Vec<String> = file
        .iter()
        .filter_map(|p| {
            controlla(p)
                .err()
                .map(|e| format!("{}: {e}", p.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(
        errori.is_empty(),
        "{} of {} golden cases failed:\n{}",
        errori.len(),
        file.len(),
        errori.join("\n")
    );
    eprintln!("{} golden cases passed", file.len());
}

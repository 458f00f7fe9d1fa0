//! docs/CONSULTAZIONE.md, "Error codes", against the codes the service sends: every
//! code of the table is sent, every code sent is in the table, with the HTTP status
//! the table gives; `VOUCHER_*` and `EVIDENZA_*` rows name as many codes as
//! isee-pdnd has. The codes are read off the sources: the consultation's refusals
//! (`Rifiuto::accesso("…", status, …)`, `accesso_negato("…", …)` = 403, the data
//! outcomes of `Rifiuto::esito`), isee-pdnd's voucher and evidence codes and
//! isee-enti's authorisation codes (`… => "CODICE"`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn radice() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .unwrap()
}

fn leggi(relativo: &str) -> String {
    std::fs::read_to_string(radice().join(relativo)).unwrap_or_else(|e| panic!("{relativo}: {e}"))
}

fn e_codice(s: &str) -> bool {
    s.len() > 2
        && s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_uppercase() || c == '_')
}

/// The string literal right after `prefisso` (whitespace and newlines skipped), for
/// every occurrence, with what follows it.
fn dopo<'a>(testo: &'a str, prefisso: &str) -> Vec<(&'a str, &'a str)> {
    let mut v = Vec::new();
    for (i, _) in testo.match_indices(prefisso) {
        let resto = testo[i + prefisso.len()..].trim_start();
        if let Some(r) = resto.strip_prefix('"')
            && let Some(fine) = r.find('"')
            && e_codice(&r[..fine])
        {
            v.push((&r[..fine], &r[fine + 1..]));
        }
    }
    v
}

/// code → HTTP statuses the consultation sends it with.
fn codici_consultazione() -> BTreeMap<String, BTreeSet<u16>> {
    let mut m: BTreeMap<String, BTreeSet<u16>> = BTreeMap::new();
    let dir = radice().join("crates/isee-consultazione/src");
    for f in std::fs::read_dir(&dir).unwrap() {
        let testo = std::fs::read_to_string(f.unwrap().path()).unwrap();
        for (c, resto) in dopo(&testo, "Rifiuto::accesso(") {
            let stato: u16 = resto
                .trim_start_matches([',', ' ', '\n'])
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("stato di {c} non letto"));
            m.entry(c.to_string()).or_default().insert(stato);
        }
        for (c, _) in dopo(&testo, "accesso_negato(") {
            m.entry(c.to_string()).or_default().insert(403);
        }
    }
    // The data outcomes (`Rifiuto::esito`): `Esito::X => ("CODICE", status)`.
    let rifiuto = leggi("crates/isee-consultazione/src/rifiuto.rs");
    for (c, resto) in dopo(&rifiuto, "=> (") {
        let stato: u16 = resto
            .trim_start_matches([',', ' '])
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap();
        if c != "OK" {
            m.entry(c.to_string()).or_default().insert(stato);
        }
    }
    m
}

/// The codes of a `match … { X => "CODICE" }` in another crate's file.
fn codici_di(file: &str, prefisso: &str) -> BTreeSet<String> {
    dopo(&leggi(file), "=> ")
        .into_iter()
        .map(|(c, _)| c.to_string())
        .filter(|c| c.starts_with(prefisso))
        .collect()
}

struct Riga {
    codici: Vec<String>,
    http: String,
}

/// The table of "## Error codes": each row's codes (backticked) and HTTP cell.
fn tabella() -> Vec<Riga> {
    let doc = leggi("docs/CONSULTAZIONE.md");
    let sezione = doc
        .split("## Error codes")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("sezione Error codes");
    sezione
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let celle: Vec<&str> = l.split('|').map(str::trim).collect();
            let codici = celle[1]
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect();
            Riga {
                codici,
                http: celle[2].to_string(),
            }
        })
        .collect()
}

#[test]
fn la_tabella_dei_codici_e_quella_del_codice() {
    let emessi = codici_consultazione();
    let voucher = codici_di("crates/isee-pdnd/src/voucher.rs", "VOUCHER_");
    let evidenza = codici_di("crates/isee-pdnd/src/evidenza.rs", "EVIDENZA_");
    let abilitazioni = codici_di("crates/isee-enti/src/cache.rs", "");
    assert!(voucher.len() > 10 && evidenza.len() > 10 && abilitazioni.len() > 3);

    let doc = leggi("docs/CONSULTAZIONE.md");
    let mut documentati = BTreeSet::new();
    let mut errori = Vec::new();
    for r in tabella() {
        for c in &r.codici {
            if let Some(famiglia) = c.strip_suffix('*') {
                let n = match famiglia {
                    "VOUCHER_" => voucher.len(),
                    "EVIDENZA_" => evidenza.len(),
                    _ => {
                        errori.push(format!("famiglia sconosciuta {c}"));
                        continue;
                    }
                };
                if !doc.contains(&format!("`{c}` ({n} codes)")) {
                    errori.push(format!("{c}: il codice ne ha {n}"));
                }
                continue;
            }
            documentati.insert(c.clone());
            match emessi.get(c) {
                Some(stati) => {
                    for s in stati {
                        if !r.http.contains(&s.to_string()) {
                            errori.push(format!("{c}: inviato con {s}, documentato «{}»", r.http));
                        }
                    }
                }
                None if abilitazioni.contains(c) => {
                    if !r.http.contains("403") {
                        errori.push(format!("{c}: documentato «{}», inviato con 403", r.http));
                    }
                }
                None => errori.push(format!("{c} documentato ma mai inviato")),
            }
        }
    }
    for c in emessi.keys().chain(abilitazioni.iter()) {
        if !documentati.contains(c) {
            errori.push(format!("{c} inviato ma non documentato"));
        }
    }
    assert!(
        errori.is_empty(),
        "docs/CONSULTAZIONE.md:\n{}",
        errori.join("\n")
    );
}

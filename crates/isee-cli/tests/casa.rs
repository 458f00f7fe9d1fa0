//! The house rules that can be read off the manifests (CONTRIBUTING.md, issue 9):
//! every dependency comes from `[workspace.dependencies]`, every crate takes the
//! workspace lints, only the binary knows the command line, the register's REST service
//! does not pull in the consultation stack, and docs/DIPENDENZE.md names every
//! dependency with the crates that use it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn radice() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn leggi(p: &Path) -> toml::Table {
    let testo = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    toml::from_str(&testo).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

const SEZIONI: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

struct Crate {
    nome: String,
    manifesto: toml::Table,
}

impl Crate {
    /// (section, dependency name, its entry) for every dependency.
    fn dipendenze(&self) -> Vec<(&'static str, &str, &toml::Value)> {
        let mut v = Vec::new();
        for s in SEZIONI {
            if let Some(t) = self.manifesto.get(s).and_then(|t| t.as_table()) {
                for (n, e) in t {
                    v.push((s, n.as_str(), e));
                }
            }
        }
        v
    }

    fn normali(&self) -> BTreeSet<String> {
        self.dipendenze()
            .into_iter()
            .filter(|(s, _, _)| *s == "dependencies")
            .map(|(_, n, _)| n.to_string())
            .collect()
    }
}

fn crates() -> Vec<Crate> {
    let mut v: Vec<Crate> = std::fs::read_dir(radice().join("crates"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| {
            let manifesto = leggi(&e.path().join("Cargo.toml"));
            let nome = manifesto["package"]["name"].as_str().unwrap().to_string();
            Crate { nome, manifesto }
        })
        .collect();
    v.sort_by(|a, b| a.nome.cmp(&b.nome));
    v
}

#[test]
fn ogni_dipendenza_viene_dal_workspace_e_ogni_crate_ne_prende_i_lint() {
    let mut errori = Vec::new();
    for c in crates() {
        for (s, n, e) in c.dipendenze() {
            let eredita = e.get("workspace").and_then(|w| w.as_bool()) == Some(true);
            if !eredita {
                errori.push(format!("{}: [{s}] {n} non usa `workspace = true`", c.nome));
            }
        }
        let lint = c
            .manifesto
            .get("lints")
            .and_then(|l| l.get("workspace"))
            .and_then(|w| w.as_bool());
        if lint != Some(true) {
            errori.push(format!("{}: manca `[lints] workspace = true`", c.nome));
        }
    }
    assert!(errori.is_empty(), "{}", errori.join("\n"));
}

/// The crates a crate reaches through normal (non-dev) dependencies, itself excluded.
fn chiusura(nome: &str, tutti: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<String> {
    let mut visti = BTreeSet::new();
    let mut da_fare = vec![nome.to_string()];
    while let Some(n) = da_fare.pop() {
        for d in tutti.get(&n).into_iter().flatten() {
            if visti.insert(d.clone()) {
                da_fare.push(d.clone());
            }
        }
    }
    visti
}

#[test]
fn solo_il_binario_conosce_la_riga_di_comando() {
    let tutti: BTreeMap<String, BTreeSet<String>> = crates()
        .into_iter()
        .map(|c| (c.nome.clone(), c.normali()))
        .collect();
    let mut errori = Vec::new();
    for (nome, dip) in &tutti {
        // The binary, and the dev tooling no service links (the "and dev-tooling").
        if nome == "isee-cli" || nome == "isee-sandbox" {
            continue;
        }
        for vietata in ["clap", "anyhow", "indicatif"] {
            if dip.contains(vietata) {
                errori.push(format!("{nome} dipende da {vietata}"));
            }
        }
    }
    assert!(errori.is_empty(), "{}", errori.join("\n"));
}

#[test]
fn il_servizio_del_registro_non_contiene_la_consultazione() {
    let tutti: BTreeMap<String, BTreeSet<String>> = crates()
        .into_iter()
        .map(|c| (c.nome.clone(), c.normali()))
        .collect();
    let raggiunti = chiusura("isee-server", &tutti);
    for vietato in [
        "isee-consultazione",
        "isee-pdnd",
        "isee-soap",
        "isee-genera",
        "isee-sandbox",
    ] {
        assert!(
            !raggiunti.contains(vietato),
            "isee-server raggiunge {vietato}: {raggiunti:?}"
        );
    }
    // What ships does not contain the test harness, and no service the dev tooling.
    for servizio in ["isee-server", "isee-consultazione", "isee-pdnd"] {
        assert!(
            !chiusura(servizio, &tutti).contains("isee-sandbox"),
            "{servizio} dipende da isee-sandbox"
        );
    }
    for c in tutti.keys() {
        assert!(
            !chiusura(c, &tutti).contains("isee-prova"),
            "{c} dipende (non in dev) da isee-prova"
        );
    }
}

/// Every external dependency of the workspace has a row in docs/DIPENDENZE.md whose
/// "used by" cell names every crate that uses it.
#[test]
fn dipendenze_md_nomina_ogni_dipendenza_e_chi_la_usa() {
    let doc = std::fs::read_to_string(radice().join("docs/DIPENDENZE.md")).unwrap();
    let mut righe: BTreeMap<String, String> = BTreeMap::new();
    // The first table only: the later ones (duplicate versions) are not one row a crate.
    let tabella = doc.split("\n## ").next().unwrap_or("");
    for r in tabella.lines().filter(|l| l.starts_with("| `")) {
        let celle: Vec<&str> = r.split('|').map(str::trim).collect();
        if celle.len() < 4 {
            continue;
        }
        // The names are the backquoted words before any parenthesis: `a`, `b` (notes).
        let nomi = celle[1].split(" (").next().unwrap_or("");
        for nome in nomi.split('`').skip(1).step_by(2) {
            let nome = nome.split_whitespace().next().unwrap_or("");
            righe.insert(nome.to_string(), celle[2].to_string());
        }
    }
    let mut usi: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in crates() {
        for (_, n, _) in c.dipendenze() {
            if !n.starts_with("isee-") {
                usi.entry(n.to_string()).or_default().insert(c.nome.clone());
            }
        }
    }
    let mut errori = Vec::new();
    for (dip, chi) in &usi {
        match righe.get(dip) {
            None => errori.push(format!(
                "`{dip}` manca in docs/DIPENDENZE.md (usata da {chi:?})"
            )),
            Some(cella) => {
                for c in chi {
                    let breve = c.trim_start_matches("isee-");
                    if !cella
                        .split([',', ' ', '(', ')'])
                        .any(|p| p == breve || p == c)
                    {
                        errori.push(format!("`{dip}`: la riga non nomina {c} ({cella})"));
                    }
                }
            }
        }
    }
    for dip in righe.keys() {
        if !usi.contains_key(dip) {
            errori.push(format!(
                "`{dip}` è in docs/DIPENDENZE.md ma nessun crate la usa"
            ));
        }
    }
    assert!(errori.is_empty(), "{}", errori.join("\n"));
}

//! The committed JSON Schema of the DSU format must match the Rust types, and the
//! shipped examples must be valid DSUs.
// Tests read their fixtures from disk; the no-I/O rule is for the library.
#![allow(clippy::disallowed_methods)]

use std::path::Path;

fn radice() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .parent()
        .unwrap()
}

#[test]
fn lo_schema_committato_corrisponde_ai_tipi() {
    isee_prova::file_generato(
        &radice().join("schema/dsu.schema.json"),
        &isee_core::schema::schema_dsu(),
        "cargo run -p isee-cli -- schema > schema/dsu.schema.json",
    );
}

#[test]
fn lo_schema_descrive_i_campi_principali() {
    let s: serde_json::Value = serde_json::from_str(&isee_core::schema::schema_dsu()).unwrap();
    let props = &s["properties"];
    for campo in [
        "data_presentazione",
        "componenti",
        "abitazione",
        "corrente",
        "residenziale",
    ] {
        assert!(props.get(campo).is_some(), "missing {campo}");
    }
    let req: Vec<&str> = s["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(req.contains(&"data_presentazione") && req.contains(&"componenti"));
    // Amounts are integers or decimal strings, never JSON floats.
    let importo = &s["$defs"]["Importo"]["oneOf"];
    assert_eq!(importo[0]["type"], "integer");
    assert_eq!(importo[1]["type"], "string");
}

#[test]
fn gli_esempi_sono_dsu_valide_tranne_quello_con_errori() {
    let dir = radice().join("esempi");
    let mut visti = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        visti += 1;
        let testo = std::fs::read_to_string(&p).unwrap();
        let nome = p.file_name().unwrap().to_string_lossy().to_string();
        let letto = isee_core::Dsu::da_json(&testo);
        if nome.starts_with("errori") {
            let problemi = letto
                .map(|d| isee_core::valida(d).err().unwrap_or_default())
                .unwrap_or_default();
            assert!(
                problemi.len() >= 3,
                "{nome}: expected several problems, got {problemi:?}"
            );
        } else {
            let d = letto.unwrap_or_else(|e| panic!("{nome}: {e}"));
            if let Err(p) = isee_core::valida(d) {
                panic!("{nome}: {p:#?}");
            }
        }
    }
    assert!(visti >= 1);
}

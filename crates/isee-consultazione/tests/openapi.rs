//! The committed OpenAPI document (`openapi.json`) is the one the code serves:
//! integrators generate clients from the file, so a change to the REST types must
//! regenerate it (`cargo run -p isee-cli -- consultazione openapi > crates/isee-consultazione/openapi.json`).

#[test]
fn il_documento_openapi_committato_e_aggiornato() {
    let servito = isee_consultazione::rest::openapi_json();
    let percorso = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
    isee_prova::file_generato(
        std::path::Path::new(percorso),
        &format!("{}\n", servito.trim_end()),
        "cargo run -p isee-cli -- consultazione openapi > crates/isee-consultazione/openapi.json",
    );
    let committato = std::fs::read_to_string(percorso).unwrap();
    let v: serde_json::Value = serde_json::from_str(&committato).unwrap();
    for p in ["indicatore", "attestazione", "soglia"] {
        assert!(
            v["paths"][format!("/rest/v1/{{eservizio}}/{p}")].is_object(),
            "{p}"
        );
    }
    assert!(v["components"]["schemas"]["ProblemaRest"].is_object());
}

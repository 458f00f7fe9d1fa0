//! The committed OpenAPI document (`crates/isee-server/openapi.json`) must be the one
//! the server serves: an API change shows up in review as a diff of that file.
//!
//! When they differ the test fails; `ISEE_AGGIORNA=1` rewrites the file (then review
//! and commit the new document).

#[test]
fn openapi_committato_uguale_a_quello_servito() {
    isee_prova::file_generato(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json")),
        isee_server::documento_openapi(),
        "ISEE_AGGIORNA=1 cargo test -p isee-server --test openapi",
    );
}

#[test]
fn openapi_descrive_ogni_percorso_e_la_dsu() {
    let v: serde_json::Value = serde_json::from_str(isee_server::documento_openapi()).unwrap();
    assert_eq!(v["openapi"], "3.1.0");
    for p in [
        "/api/v1/dsu",
        "/api/v1/dsu/{protocollo}",
        "/api/v1/dsu/{protocollo}/attestazione.html",
        "/api/v1/dsu/{protocollo}/rettifica",
        "/api/v1/dsu/{protocollo}/sostituzione",
        "/api/v1/dsu/{protocollo}/annullamento",
        "/api/v1/dsu/{protocollo}/corrente",
        "/api/v1/ricerche/dsu-valida",
        "/api/v1/ricerche/storico",
        "/api/v1/openapi.json",
        "/salute",
    ] {
        assert!(v["paths"][p].is_object(), "{p}");
    }
    let schemi = &v["components"]["schemas"];
    assert!(schemi["Dsu"]["properties"]["componenti"].is_object());
    assert!(schemi["ModuloCorrente"]["properties"].is_object());
    assert!(schemi["Componente"].is_object());
    // Every reference resolves.
    let testo = v.to_string();
    for r in testo.split("\"$ref\":\"").skip(1) {
        let r = &r[..r.find('"').unwrap()];
        let nome = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r}"));
        assert!(schemi[nome].is_object(), "{r}");
    }
    assert!(v["components"]["securitySchemes"]["chiave_api"].is_object());
}

/// The document is put together without error (no DSU schema clashes with one of the
/// API's): what `documento_openapi` would otherwise log and replace.
#[test]
fn openapi_generato_senza_errori() {
    let generato = isee_server::api::genera_openapi().unwrap();
    assert_eq!(generato, isee_server::documento_openapi());
}

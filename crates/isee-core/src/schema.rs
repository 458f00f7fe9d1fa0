//! The JSON Schema of the DSU format, generated from the Rust types.
//!
//! The committed copy is `schema/dsu.schema.json`; a test fails when the types and the
//! committed file differ.

/// The schema as pretty-printed JSON, with a trailing newline.
pub fn schema_dsu() -> String {
    let mut s = schemars::schema_for!(crate::dsu::Dsu);
    s.insert(
        "$id".into(),
        "https://isee.example.invalid/schema/dsu.schema.json".into(),
    );
    s.insert(
        "title".into(),
        "DSU — Dichiarazione Sostitutiva Unica (formato isee, versione 1)".into(),
    );
    let mut out = serde_json::to_string_pretty(&s).unwrap_or_default();
    out.push('\n');
    out
}

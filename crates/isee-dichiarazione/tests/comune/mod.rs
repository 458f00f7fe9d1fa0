//! Shared by the tests: the INPS schema, and DSUs completed with the data INPS
//! requires (isee-genera's made-up `dati_inps`).

#![allow(dead_code)]

use isee_core::Dsu;
use std::path::{Path, PathBuf};

pub(crate) fn schema() -> PathBuf {
    isee_prova::xsd::riferimenti_inps(Path::new(env!("CARGO_MANIFEST_DIR")))
        .join("ISEE_Dichiarazione.xsd")
}

/// The DSU with every datum INPS requires in its `dati_inps`.
pub(crate) fn completa(mut dsu: Dsu) -> Dsu {
    isee_genera::completa_per_inps(&mut dsu);
    dsu
}

//! This crate's fixture for the shared harness (`isee-prova`): the ente's register
//! opened on a test's fresh database.

// Each test binary uses part of it.
#![allow(dead_code)]

use isee_erogatore::store::Configurazione;
use isee_erogatore::{RegistroDomande, StoreDomandeSql};
use isee_prova::Ambiente;

pub(crate) async fn store(amb: &Ambiente) -> StoreDomandeSql {
    let mut cfg = Configurazione::new(&amb.url);
    cfg.schema = amb.schema.clone();
    if amb.schema.is_some() {
        cfg.max_connessioni = 3;
    }
    StoreDomandeSql::connetti_con(cfg)
        .await
        .expect("apertura del registro dell'ente")
}

pub(crate) async fn apri(amb: Ambiente) -> RegistroDomande<StoreDomandeSql> {
    RegistroDomande::new(store(&amb).await)
}

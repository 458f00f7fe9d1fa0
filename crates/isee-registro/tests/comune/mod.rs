//! This crate's fixture for the shared harness (`isee-prova`): the register's store
//! opened on a test's fresh database.

use isee_prova::Ambiente;
use isee_registro::StoreSql;
use isee_registro::store::Configurazione;

/// The store on the test's database: on PostgreSQL in the test's schema, with the
/// pool size the contract tests have always used.
pub(crate) async fn apri(amb: Ambiente) -> StoreSql {
    let mut cfg = Configurazione::new(&amb.url);
    cfg.schema = amb.schema.clone();
    if amb.schema.is_some() {
        cfg.max_connessioni = 3;
    }
    StoreSql::connetti_con(cfg)
        .await
        .expect("apertura del registro")
}

//! This crate's fixture for the shared harness (`isee-prova`, which finds or starts
//! PostgreSQL and gives each test a fresh SQLite file or PostgreSQL schema): the
//! register of the enti opened on it, and [`Banco`], the entry point the test files'
//! `su_entrambi!` calls.

use isee_enti::{ConfigurazioneDb, StoreEnti};
use isee_prova::{Ambiente, Backend};
use std::future::Future;

/// What a test body gets: the register, and the way to open a second connection
/// pool on the same database (another server instance).
#[derive(Clone)]
pub(crate) struct Contesto {
    pub registro: StoreEnti,
    cfg: ConfigurazioneDb,
}

impl Contesto {
    pub(crate) async fn riapri(&self) -> StoreEnti {
        StoreEnti::apri_con(self.cfg.clone())
            .await
            .expect("riapertura")
    }
}

/// The register on the test's database (created by the register itself: no
/// `mode=rwc`).
pub(crate) async fn apri(amb: Ambiente) -> Contesto {
    let mut cfg = ConfigurazioneDb::new(&amb.url);
    cfg.schema = amb.schema.clone();
    if amb.schema.is_some() {
        cfg.max_connessioni = 3;
    }
    let registro = StoreEnti::apri_con(cfg.clone())
        .await
        .expect("apertura del registro degli enti");
    Contesto { registro, cfg }
}

/// One backend for one test body.
pub(crate) struct Banco(Backend);

impl Banco {
    pub(crate) async fn sqlite() -> Banco {
        Banco(Backend::Sqlite)
    }

    /// `None` when PostgreSQL is not there and `CI` is not set (the test skips).
    pub(crate) async fn postgres() -> Option<Banco> {
        isee_prova::pg_disponibile().then_some(Banco(Backend::Postgres))
    }

    /// Runs a body on a fresh database, then closes the register and drops what the
    /// test created, also when the body panics.
    pub(crate) async fn esegui<F, Fut>(self, corpo: F)
    where
        F: FnOnce(Contesto) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        isee_prova::esegui(self.0, |amb| async move {
            let c = apri(amb).await;
            let registro = c.registro.clone();
            // The body's panic goes through after the pool is closed.
            let esito = tokio::spawn(corpo(c)).await;
            registro.chiudi().await;
            if let Err(e) = esito {
                if e.is_panic() {
                    std::panic::resume_unwind(e.into_panic());
                }
                panic!("test interrotto: {e}");
            }
        })
        .await;
    }
}

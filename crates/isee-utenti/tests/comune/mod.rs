//! This crate's fixture for the shared harness (`isee-prova`, which finds or starts
//! PostgreSQL and gives each test a fresh SQLite file or PostgreSQL schema, dropped at
//! the end): the store opened on the test's database, and the service over it with
//! fast Argon2 parameters (the OWASP ones are tested in the unit tests).

#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use isee_prova::Ambiente;
use isee_utenti::{Configurazione, ParametriArgon2, Regole, Segreto, StoreSql, Utenti};

/// The store on the test's database: on PostgreSQL in the test's schema.
pub(crate) async fn apri(amb: Ambiente) -> StoreSql {
    let mut cfg = Configurazione::new(&amb.url);
    cfg.schema = amb.schema.clone();
    StoreSql::apri_con(cfg)
        .await
        .expect("apertura dello store degli utenti")
}

/// Cheap parameters: the rules under test do not depend on the cost.
pub(crate) const VELOCI: ParametriArgon2 = ParametriArgon2 {
    memoria_kib: 256,
    passaggi: 1,
    parallelismo: 1,
};

pub(crate) fn regole() -> Regole {
    Regole {
        argon2: VELOCI,
        ..Regole::default()
    }
}

pub(crate) fn servizio(store: StoreSql) -> Utenti<StoreSql> {
    Utenti::new(store, Segreto::da_byte([9; 32]), regole()).expect("servizio")
}

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 9, 0, 0).unwrap()
}

/// One test body on both backends: `su_entrambi!(nome)` makes `nome::sqlite` and
/// `nome::postgres` out of `async fn nome(store: StoreSql)`.
#[macro_export]
macro_rules! su_entrambi {
    ($($nome:ident),* $(,)?) => {
        isee_prova::su_entrambi!(apri = $crate::comune::apri; $($nome),*);
    };
}

//! This crate's fixture for the shared harness (`isee-prova`, which finds or starts
//! PostgreSQL and gives each test a fresh SQLite file or PostgreSQL schema, dropped at
//! the end): the access log is opened by URL, on PostgreSQL with the test's schema as
//! `search_path`, and a test can tamper with the tables.

#![allow(dead_code)]

use sqlx::Connection;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tipo {
    Sqlite,
    Postgres,
}

/// What a test body gets: the URL to open, and a way to tamper with the tables.
#[derive(Clone, Debug)]
pub(crate) struct Ambiente {
    pub url: String,
    pub tipo: Tipo,
    /// SQLite: the database file.
    pub file: Option<PathBuf>,
}

impl Ambiente {
    /// Runs statements on a connection of their own, as an attacker (or an
    /// administrator) with database access but no key would.
    pub(crate) async fn sql(&self, istruzioni: &[&str]) {
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("connessione di manomissione");
        if self.tipo == Tipo::Sqlite {
            sqlx::query("PRAGMA busy_timeout = 10000")
                .execute(&mut c)
                .await
                .expect("busy_timeout");
        }
        for s in istruzioni {
            sqlx::query(sqlx::AssertSqlSafe(s.to_string()))
                .execute(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        c.close().await.expect("chiusura");
    }
}

/// The shared harness's database as this crate's tests reach it.
pub(crate) async fn apri(amb: isee_prova::Ambiente) -> Ambiente {
    match amb.backend {
        isee_prova::Backend::Sqlite => Ambiente {
            url: format!("{}?mode=rwc", amb.url),
            tipo: Tipo::Sqlite,
            file: amb.file.clone(),
        },
        isee_prova::Backend::Postgres => Ambiente {
            url: amb.url_con_schema(),
            tipo: Tipo::Postgres,
            file: None,
        },
    }
}

/// One test body on both backends: `su_entrambi!(nome)` makes `nome::sqlite` and
/// `nome::postgres` out of `async fn nome(amb: Ambiente)`.
#[macro_export]
macro_rules! su_entrambi {
    ($($nome:ident),* $(,)?) => {
        isee_prova::su_entrambi!(apri = $crate::comune::apri; $($nome),*);
    };
}

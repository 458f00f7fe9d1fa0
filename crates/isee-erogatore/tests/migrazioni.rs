//! A database made before the ente's register left isee-registro still opens: its
//! tables were created by the register's migrations 0001–0003, recorded in sqlx's
//! default `_sqlx_migrations`. Both crates now record theirs in tables of their own,
//! and their first migrations create only what is missing (docs/REGISTRO.md,
//! "Migrazioni"). On SQLite and on PostgreSQL.

mod comune;

use isee_erogatore::RegistroDomande;
use isee_prova::{Ambiente, Backend};
use isee_registro::store::{Configurazione, StoreOmissioni};
use isee_registro::{Operazione, PresentazioneDsu, RegistroDsu, StoreSql};
use sqlx::Connection;

const VECCHIO_SQLITE: &str = include_str!("dati/registro_prima_della_separazione_sqlite.sql");
const VECCHIO_POSTGRES: &str = include_str!("dati/registro_prima_della_separazione_postgres.sql");
const RAVENNA: &str = include_str!("../../../esempi/ordinario-famiglia-ravenna.json");

/// The old code's database: its three migrations and its migration table (the rows
/// as sqlx wrote them, without the checksums nobody reads any more), and one
/// application of the ente.
async fn database_vecchio(amb: &Ambiente) {
    sqlx::any::install_default_drivers();
    let (url, ddl) = match amb.backend {
        Backend::Sqlite => (format!("{}?mode=rwc", amb.url), VECCHIO_SQLITE),
        Backend::Postgres => (amb.url_con_schema(), VECCHIO_POSTGRES),
    };
    let mut c = sqlx::AnyConnection::connect(&url)
        .await
        .expect("connessione");
    sqlx::raw_sql(sqlx::AssertSqlSafe(ddl))
        .execute(&mut c)
        .await
        .expect("schema vecchio");
    for s in [
        "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL)",
        "INSERT INTO _sqlx_migrations VALUES (1, 'registro dsu'), (2, 'registro ente'), (3, 'omissioni')",
        "INSERT INTO domanda_ente (ente, id, servizio, codice_fiscale, tipo_richiesto, \
         isee_tipo, isee_centesimi, valida_al, aggiornata_il) \
         VALUES ('RA', '1', 'nido', 'RSSMRA85M01H199H', 'minorenni', 'minorenni', 1234567, '2026-12-31', 1)",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(s))
            .execute(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    c.close().await.expect("chiusura");
}

async fn il_database_vecchio_si_apre(amb: Ambiente) {
    database_vecchio(&amb).await;
    // Twice: the first opening records the migrations, the second finds them.
    for _ in 0..2 {
        let ente = RegistroDomande::new(comune::store(&amb).await);
        let d = ente
            .domanda("RA", "1")
            .await
            .unwrap()
            .expect("la domanda c'è");
        assert_eq!(d.isee.unwrap().isee.to_string(), "12345.67");
        assert_eq!(
            ente.in_scadenza("2027-01-01".parse().unwrap())
                .await
                .unwrap()
                .len(),
            1
        );
        ente.store().chiudi().await;

        let mut cfg = Configurazione::new(&amb.url);
        cfg.schema = amb.schema.clone();
        let r = RegistroDsu::new(StoreSql::connetti_con(cfg).await.expect("registro"));
        let ricevuta = r
            .presenta(PresentazioneDsu {
                dsu_json: RAVENNA.to_string(),
                chiave_idempotenza: "k1".into(),
                mittente: "CAF".into(),
                protocollo_mittente: None,
                operazione: Operazione::Nuova,
            })
            .await
            .unwrap();
        assert!(
            r.store()
                .annotazioni(&ricevuta.protocollo)
                .await
                .unwrap()
                .is_empty()
        );
        r.store().chiudi().await;
    }
}

isee_prova::su_entrambi!(il_database_vecchio_si_apre);

//! The whole service on PostgreSQL — the DSU register, the enti and authorisations,
//! the access log — in a database of its own: consultations answer, the operator's
//! authorisation is read from PostgreSQL, the log verifies, and quotas resume from it
//! after a restart. `ISEE_TEST_PG_URL` (default `postgres://root@127.0.0.1:5432/test`)
//! names the server; when it is unreachable the test fails under CI and skips
//! otherwise, like the other PostgreSQL suites.

mod comune;

use comune::*;
use isee_consultazione::{app::app, avvio};
use isee_enti::StoreEnti;
use isee_pdnd::jwk::ChiavePrivata;
use isee_registro::store::sql::Configurazione as ConfigStore;
use isee_registro::{Operazione, PresentazioneDsu, RegistroDsu, StoreSql};
use isee_sandbox::{OPERATORE_DEMO, OpzioniSandbox, enti_campione, prepara};
use sqlx::Connection as _;
use std::sync::Arc;
use std::time::Duration;

fn pg_url() -> String {
    std::env::var("ISEE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".to_string())
}

/// A fresh database next to the configured one; dropped by [`Database::elimina`].
struct Database {
    nome: String,
    url: String,
}

async fn database() -> Option<Database> {
    sqlx::any::install_default_drivers();
    let base = pg_url();
    let connessione =
        tokio::time::timeout(Duration::from_secs(3), sqlx::AnyConnection::connect(&base)).await;
    let mut c = match connessione {
        Ok(Ok(c)) => c,
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI: PostgreSQL non raggiungibile ({base}; ISEE_TEST_PG_URL)"
            );
            eprintln!("PostgreSQL non raggiungibile: test saltato");
            return None;
        }
    };
    let nome = format!("isee_consultazione_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {nome}")))
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    let radice = base.rsplit_once('/').map(|(r, _)| r).unwrap_or(&base);
    Some(Database {
        url: format!("{radice}/{nome}"),
        nome,
    })
}

impl Database {
    async fn elimina(self) {
        let mut c = sqlx::AnyConnection::connect(&pg_url()).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.nome
        )))
        .execute(&mut c)
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn il_servizio_intero_su_postgresql() {
    let Some(db) = database().await else { return };
    let tmp = tempfile::tempdir().unwrap();
    let registro = RegistroDsu::new(
        StoreSql::connetti_con(ConfigStore::new(&db.url))
            .await
            .unwrap(),
    );
    let mut protocolli = Vec::new();
    for (i, dsu) in [RAVENNA, ROMA].iter().enumerate() {
        let r = registro
            .presenta(PresentazioneDsu {
                dsu_json: dsu.to_string(),
                chiave_idempotenza: format!("pg{i}"),
                mittente: "CAF-PROVA".into(),
                protocollo_mittente: None,
                operazione: Operazione::Nuova,
            })
            .await
            .unwrap();
        protocolli.push(r.protocollo.to_string());
    }
    let mut sandbox = prepara(&OpzioniSandbox {
        dir: tmp.path().join("sandbox"),
        db_registro: db.url.clone(),
        indirizzo: "127.0.0.1:0".parse().unwrap(),
        tls: true,
        chiamate_giornaliere: 3,
    })
    .await
    .unwrap();
    // The enti register and the access log on PostgreSQL too.
    let enti = StoreEnti::apri(&db.url).await.unwrap();
    enti.sostituisci_anagrafe(&enti_campione().unwrap(), "campione")
        .await
        .unwrap();
    enti.abilita(isee_enti::registro::NuovaAbilitazione {
        codice_fiscale_operatore: OPERATORE_DEMO.into(),
        ente_ipa: "c_h183".into(),
        eservizi: vec!["indicatore-operatori".into()],
        dal: "2026-01-01".parse().unwrap(),
        al: "2026-12-31".parse().unwrap(),
        riferimento: None,
    })
    .await
    .unwrap();
    sandbox.configurazione.enti.db = db.url.clone();
    sandbox.configurazione.accessi.db = db.url.clone();
    let pdnd = ChiavePrivata::da_pem(
        &std::fs::read_to_string(sandbox.dir_pdnd.join("chiave-pdnd.pem")).unwrap(),
    )
    .unwrap();
    let avviato = avvio::costruisci_con_orologio(&sandbox.configurazione, Arc::new(adesso))
        .await
        .unwrap();
    let a = Ambiente {
        _tmp: tmp,
        app: app(avviato.servizio.clone()),
        servizio: avviato.servizio,
        sandbox,
        pdnd,
        adesso: adesso(),
        protocolli,
    };

    let cert = |ipa: &str, v: String| Credenziali {
        voucher: Some(v),
        certificato: Some(ipa.into()),
        evidenza: None,
    };
    let r = a
        .rest(
            "indicatore",
            "indicatore",
            &cert("c_h199", a.voucher("c_h199", "indicatore")),
            per_cf(CF_RAVENNA),
        )
        .await;
    assert_eq!(r.stato, 200, "{}", r.corpo);
    assert_eq!(r.json()["indicatore"]["protocollo_dsu"], a.protocolli[0]);
    let r = a
        .rest(
            "indicatore-operatori",
            "indicatore",
            &a.operatore("c_h183", "indicatore-operatori", OPERATORE_DEMO),
            per_cf(CF_RAVENNA),
        )
        .await;
    assert_eq!(
        r.stato, 200,
        "autorizzazione letta da PostgreSQL: {}",
        r.corpo
    );
    let r = a
        .rest(
            "indicatore-residenti",
            "indicatore",
            &cert("c_h183", a.voucher("c_h183", "indicatore-residenti")),
            per_cf(CF_RAVENNA),
        )
        .await;
    assert_eq!(r.codice(), "DATI_NON_TROVATI", "{}", r.corpo);
    assert_eq!(a.registro_accessi().await.len(), 3);

    // Restart: the quota of Ravenna's indicatore purpose (3 a day) resumes at 1 used.
    a.servizio.accessi.chiudi().await;
    let b = avvio::costruisci_con_orologio(&a.sandbox.configurazione, Arc::new(adesso))
        .await
        .unwrap();
    let a = Ambiente {
        app: app(b.servizio.clone()),
        servizio: b.servizio,
        ..a
    };
    for atteso in [200, 200, 429] {
        let r = a
            .rest(
                "indicatore",
                "indicatore",
                &cert("c_h199", a.voucher("c_h199", "indicatore")),
                per_cf(CF_RAVENNA),
            )
            .await;
        assert_eq!(r.stato, atteso, "{}", r.corpo);
    }
    assert_eq!(a.registro_accessi().await.len(), 6);
    a.servizio.accessi.chiudi().await;
    drop(a);
    db.elimina().await;
}

//! `isee enti` and `isee operatori` end to end on SQLite: import the shipped extracts, then
//! authorise, list and revoke an operator.

use isee_cli::comandi::enti::{ComandoEnti, ComandoOperatori, esegui_enti, esegui_operatori};
use isee_enti::StoreEnti;
use std::path::PathBuf;
use std::process::ExitCode;

fn dati(nome: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../isee-enti/dati")
        .join(nome)
}

fn leggi<T>(db: &str, f: impl AsyncFnOnce(&StoreEnti) -> T) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let r = StoreEnti::apri(db).await.unwrap();
            let esito = f(&r).await;
            r.chiudi().await;
            esito
        })
}

#[test]
fn importa_abilita_revoca() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let importa = |prova| ComandoEnti::Importa {
        db: db.clone(),
        ipa: dati("ipa-enti-2026-10-01.json"),
        istat: dati("istat-comuni-2026-10-01.csv"),
        data_ipa: None,
        data_istat: None,
        prova,
    };

    // A dry run writes nothing.
    assert_eq!(esegui_enti(importa(true)).unwrap(), ExitCode::SUCCESS);
    assert_eq!(leggi(&db, async |r| r.info_anagrafe().await.unwrap()), None);

    // The dates come from the file names; no warnings on the shipped files.
    assert_eq!(esegui_enti(importa(false)).unwrap(), ExitCode::SUCCESS);
    let info = leggi(&db, async |r| r.info_anagrafe().await.unwrap()).unwrap();
    assert_eq!(info.enti, 40);
    assert_eq!(info.data_ipa.to_string(), "2026-10-01");
    assert!(
        info.fonte.contains("ipa-enti-2026-10-01.json"),
        "{}",
        info.fonte
    );

    let mostra = |codice: &str| ComandoEnti::Mostra {
        db: db.clone(),
        codice_ipa: codice.into(),
    };
    assert_eq!(esegui_enti(mostra("c_h199")).unwrap(), ExitCode::SUCCESS);
    assert_eq!(esegui_enti(mostra("c_nessuno")).unwrap(), ExitCode::from(1));
    assert_eq!(
        esegui_enti(ComandoEnti::Elenco {
            db: db.clone(),
            categoria: Some("l6".into()),
            capoluoghi: true
        })
        .unwrap(),
        ExitCode::SUCCESS
    );

    let abilita = |cf: &str| ComandoOperatori::Abilita {
        db: db.clone(),
        cf: cf.into(),
        ente: "c_h199".into(),
        servizi: vec!["indicatore-operatori".into()],
        dal: "2026-01-01".parse().unwrap(),
        al: "2026-12-31".parse().unwrap(),
        riferimento: Some("MV62-1".into()),
    };
    assert_eq!(
        esegui_operatori(abilita("NONVALIDO")).unwrap(),
        ExitCode::from(1)
    );
    let cf = format!(
        "RSSMRA85M01H199{}",
        isee_core::codice_fiscale::carattere_di_controllo(b"RSSMRA85M01H199") as char
    );
    assert_eq!(esegui_operatori(abilita(&cf)).unwrap(), ExitCode::SUCCESS);
    let elenco = leggi(&db, async |r| r.elenco(None).await.unwrap());
    assert_eq!(elenco.len(), 1);
    let id = elenco[0].id;
    assert_eq!(
        esegui_operatori(ComandoOperatori::Elenco {
            db: db.clone(),
            ente: Some("c_h199".into()),
            formato: isee_cli::comandi::enti::Formato::Json
        })
        .unwrap(),
        ExitCode::SUCCESS
    );
    let revoca = || ComandoOperatori::Revoca {
        db: db.clone(),
        id,
        quando: None,
    };
    assert_eq!(esegui_operatori(revoca()).unwrap(), ExitCode::SUCCESS);
    assert_eq!(esegui_operatori(revoca()).unwrap(), ExitCode::from(1));
    let a = leggi(&db, async |r| r.abilitazione(id).await.unwrap()).unwrap();
    assert!(a.revocata_il.is_some());
}

#[test]
fn importa_senza_data_nel_nome_chiede_la_data() {
    let dir = tempfile::tempdir().unwrap();
    let ipa = dir.path().join("enti.json");
    std::fs::copy(dati("ipa-enti-2026-10-01.json"), &ipa).unwrap();
    let e = esegui_enti(ComandoEnti::Importa {
        db: format!("sqlite://{}", dir.path().join("x.db").display()),
        ipa,
        istat: dati("istat-comuni-2026-10-01.csv"),
        data_ipa: None,
        data_istat: None,
        prova: true,
    })
    .unwrap_err();
    assert!(e.to_string().contains("--data-ipa"), "{e}");
}

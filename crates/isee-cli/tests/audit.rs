//! `isee audit …` end to end on SQLite: key file, exit codes, the CLI's own access
//! records (written directly, or deposited when a server holds the writer's lock).

use isee_accessi::{ChiaviAudit, Filtro, NuovoAccesso, OpzioniScrittura, RegistroAccessi};
use isee_cli::comandi::audit::{ComandoAudit, DatabaseChiave, Formato, esegui};
use std::process::ExitCode;

fn accesso(i: i64, cf_hash: &str) -> NuovoAccesso {
    NuovoAccesso {
        eservizio: "indicatore".into(),
        operazione: "ConsultazioneIndicatore".into(),
        canale: "rest".into(),
        esito: "OK".into(),
        http_status: 200,
        purpose_id: Some("p".into()),
        cf_ricercato_hash: Some(cf_hash.into()),
        id_richiesta: Some(i),
        ts: chrono::Utc::now(),
        ..NuovoAccesso::default()
    }
}

#[test]
fn comandi_audit() {
    let dir = tempfile::tempdir().unwrap();
    let chiave = dir.path().join("audit.key");
    let url = format!("sqlite://{}", dir.path().join("accessi.db").display());
    let db = DatabaseChiave {
        db: url.clone(),
        chiave: chiave.clone(),
    };
    assert_eq!(
        esegui(ComandoAudit::Chiave {
            file: chiave.clone()
        })
        .unwrap(),
        ExitCode::SUCCESS
    );
    assert!(
        esegui(ComandoAudit::Chiave {
            file: chiave.clone()
        })
        .is_err(),
        "non sovrascrive"
    );
    let chiavi = ChiaviAudit::da_file(&chiave).unwrap();
    let cf = "RSSMRA85T10A562S";

    // The "server": a writer on a runtime of its own, like `isee serve`.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let opzioni = OpzioniScrittura {
        intervallo_manutenzione: std::time::Duration::from_millis(50),
        ..OpzioniScrittura::default()
    };
    let server = rt
        .block_on(RegistroAccessi::apri(&url, chiavi.clone(), opzioni))
        .unwrap();
    rt.block_on(async {
        for i in 0..5 {
            server
                .registra(accesso(i, &server.hash_cf(cf)))
                .await
                .unwrap();
        }
    });

    // While the server is the writer, the CLI works read-only and deposits its record.
    assert_eq!(
        esegui(ComandoAudit::Verifica {
            db: db.clone(),
            testa: None,
            vuoto_ammesso: false
        })
        .unwrap(),
        ExitCode::SUCCESS
    );
    assert_eq!(
        esegui(ComandoAudit::Elenco {
            db: db.clone(),
            cf: Some(cf.to_lowercase()),
            operatore: None,
            purpose: None,
            ente: None,
            dal: Some("2020-01-01".into()),
            al: None,
            limite: Some(2),
            formato: Formato::Csv,
        })
        .unwrap(),
        ExitCode::SUCCESS
    );
    rt.block_on(async {
        let mut attese = 0;
        while server.in_attesa().await.unwrap() > 0 {
            attese += 1;
            assert!(attese < 100, "record della CLI non acquisiti dal server");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    });
    let testa_server = rt.block_on(server.testa()).unwrap().unwrap();
    assert_eq!(testa_server.0, 7);
    rt.block_on(server.chiudi());

    // Without a server, the CLI is the writer itself.
    assert_eq!(
        esegui(ComandoAudit::Testa { db: db.clone() }).unwrap(),
        ExitCode::SUCCESS
    );
    let testa = format!("{}:{}", testa_server.0, testa_server.1);
    assert_eq!(
        esegui(ComandoAudit::Verifica {
            db: db.clone(),
            testa: Some(testa),
            vuoto_ammesso: false
        })
        .unwrap(),
        ExitCode::SUCCESS
    );
    assert_eq!(
        esegui(ComandoAudit::Conserva {
            db: db.clone(),
            giorni: 30
        })
        .unwrap(),
        ExitCode::SUCCESS
    );

    let lettore = rt
        .block_on(RegistroAccessi::apri_lettore(&url, chiavi.clone()))
        .unwrap();
    let tutti = rt.block_on(lettore.elenca(&Filtro::default())).unwrap();
    let audit: Vec<(&str, &str)> = tutti
        .iter()
        .filter(|r| r.accesso.eservizio == "audit")
        .map(|r| (r.accesso.operazione.as_str(), r.accesso.esito.as_str()))
        .collect();
    assert_eq!(
        audit,
        vec![
            ("verifica", "OK"),
            ("elenco", "OK"),
            ("testa", "OK"),
            ("verifica", "OK"),
            ("conserva", "OK")
        ]
    );
    let elenco = tutti
        .iter()
        .find(|r| r.accesso.operazione == "elenco")
        .unwrap();
    assert_eq!(elenco.accesso.canale, "cli");
    assert_eq!(
        elenco.accesso.cf_ricercato_hash.as_deref(),
        Some(chiavi.hash_cf(cf).as_str())
    );
    assert!(elenco.accesso.purpose_id.is_none(), "non consuma quote");
    rt.block_on(lettore.chiudi());

    // Tampering: exit 1. Unreadable: exit 2.
    rt.block_on(async {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::query("UPDATE accessi_record SET esito = 'KO' WHERE seq = 2")
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    });
    assert_eq!(
        esegui(ComandoAudit::Verifica {
            db: db.clone(),
            testa: None,
            vuoto_ammesso: false
        })
        .unwrap(),
        ExitCode::from(1)
    );
    let illeggibile = DatabaseChiave {
        db: "mysql://localhost/x".into(),
        chiave: chiave.clone(),
    };
    assert_eq!(
        esegui(ComandoAudit::Verifica {
            db: illeggibile,
            testa: None,
            vuoto_ammesso: false
        })
        .unwrap(),
        ExitCode::from(2)
    );
    let senza_chiave = DatabaseChiave {
        db: url.clone(),
        chiave: dir.path().join("manca.key"),
    };
    assert_eq!(
        esegui(ComandoAudit::Verifica {
            db: senza_chiave,
            testa: None,
            vuoto_ammesso: false
        })
        .unwrap(),
        ExitCode::from(2)
    );
}

/// `isee audit verifica …` as a monitoring job runs it: exit code, stdout, stderr.
fn verifica_cli(argomenti: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_isee"))
        .arg("audit")
        .arg("verifica")
        .args(argomenti)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Issue 10 point 5: a typo in the URL must not report green forever.
#[test]
fn verifica_di_un_registro_assente_o_vuoto_non_e_verde() {
    let dir = tempfile::tempdir().unwrap();
    let chiave = dir.path().join("audit.key");
    ChiaviAudit::genera_file(&chiave).unwrap();
    let chiave = chiave.display().to_string();
    let manca = dir.path().join("refuso.db");
    for db in [
        format!("sqlite://{}", manca.display()),
        format!("sqlite://{}?mode=rwc", manca.display()),
        manca.display().to_string(),
    ] {
        let (codice, out, err) = verifica_cli(&["--db", &db, "--chiave", &chiave]);
        assert_eq!(codice, 2, "{db}: {out}{err}");
        assert!(!out.contains("catena integra"), "{out}");
        assert!(err.contains("non esiste"), "{err}");
        assert!(!manca.exists(), "la verifica ha creato {}", manca.display());
        // Expected on a new installation: then it is fine, and still nothing is created.
        let (codice, out, err) =
            verifica_cli(&["--db", &db, "--chiave", &chiave, "--vuoto-ammesso"]);
        assert_eq!(codice, 0, "{out}{err}");
        assert!(out.contains("assente"), "{out}");
        assert!(!manca.exists());
    }

    // A log with its tables and no record: empty is an error too, unless expected.
    let vuoto = dir.path().join("vuoto.db");
    let url = format!("sqlite://{}?mode=rwc", vuoto.display());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let chiavi = ChiaviAudit::da_file(std::path::Path::new(&chiave)).unwrap();
    rt.block_on(async {
        RegistroAccessi::apri(&url, chiavi.clone(), OpzioniScrittura::default())
            .await
            .unwrap()
            .chiudi()
            .await;
    });
    let db = format!("sqlite://{}", vuoto.display());
    let (codice, out, err) = verifica_cli(&["--db", &db, "--chiave", &chiave]);
    assert_eq!(codice, 1, "{out}{err}");
    assert!(
        err.contains("vuoto") && err.contains("--vuoto-ammesso"),
        "{err}"
    );
    assert!(!out.contains("catena integra"), "{out}");
    let (codice, out, err) = verifica_cli(&["--db", &db, "--chiave", &chiave, "--vuoto-ammesso"]);
    assert_eq!(codice, 0, "{out}{err}");
    assert!(out.contains("catena integra"), "{out}");
}

/// Issue 10 point 6: a tampered fingerprint is named as such.
#[test]
fn verifica_con_impronta_alterata_lo_dice() {
    let dir = tempfile::tempdir().unwrap();
    let chiave = dir.path().join("audit.key");
    let chiavi = ChiaviAudit::genera_file(&chiave).unwrap();
    let file = dir.path().join("accessi.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let reg = RegistroAccessi::apri(&url, chiavi.clone(), OpzioniScrittura::default())
            .await
            .unwrap();
        for i in 0..3 {
            reg.registra(accesso(i, "h")).await.unwrap();
        }
        reg.chiudi().await;
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::query(
            "UPDATE accessi_meta SET valore = '0000000000000000' WHERE chiave = 'impronta_chiave'",
        )
        .execute(&mut c)
        .await
        .unwrap();
        c.close().await.unwrap();
    });
    let (codice, out, err) = verifica_cli(&[
        "--db",
        &file.display().to_string(),
        "--chiave",
        &chiave.display().to_string(),
    ]);
    assert_eq!(codice, 1, "{out}{err}");
    assert!(out.contains("IMPRONTA_ALTERATA"), "{out}");
    assert!(out.contains("la chiave è quella giusta"), "{out}");
    assert!(!out.contains("CHIAVE_ERRATA"), "{out}");
}

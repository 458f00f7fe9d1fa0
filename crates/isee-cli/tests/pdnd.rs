//! `isee pdnd …` on a temporary directory: a local PDND created, filled and read back.
//! (Moved from isee-pdnd's tests/chiavi_stato.rs with the command line.)

use std::process::ExitCode;

use isee_cli::comandi::pdnd::{ComandoPdnd, esegui};
use isee_pdnd::jwk::{ChiavePrivata, Jwk};
use isee_pdnd::stato::StatoPdnd;

const PKCS1_PUBBLICA: &str = include_str!("../../isee-pdnd/tests/dati/pkcs1-pubblica.pem");

/// The fixtures of isee-pdnd's tests/comune this test uses.
mod comune {
    use uuid::Uuid;

    pub(crate) const AUD_ESERVICE: &str = "https://inps.isee.local/consultazione/operatori/v1";

    pub(crate) fn id(n: u8) -> Uuid {
        Uuid::from_bytes([n; 16])
    }
    pub(crate) fn eservice() -> Uuid {
        id(10)
    }
    pub(crate) fn descriptor() -> Uuid {
        id(11)
    }
}
use comune::*;

fn ok(c: ComandoPdnd) {
    assert_eq!(esegui(c).unwrap(), ExitCode::SUCCESS);
}

#[test]
fn cli_crea_un_pdnd_locale() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pdnd");
    ok(ComandoPdnd::Inizializza {
        dir: dir.clone(),
        issuer: "pdnd.prova".into(),
    });
    // Refuses to overwrite.
    assert!(
        esegui(ComandoPdnd::Inizializza {
            dir: dir.clone(),
            issuer: "x".into()
        })
        .is_err()
    );
    let s = StatoPdnd::carica(&dir.join("stato.json")).unwrap();
    assert_eq!(s.audience_asserzione, "pdnd.prova/client-assertion");
    assert!(
        ChiavePrivata::da_pem(&std::fs::read_to_string(dir.join("chiave-pdnd.pem")).unwrap())
            .is_ok()
    );

    ok(ComandoPdnd::Tenant {
        dir: dir.clone(),
        nome: "INPS".into(),
        ipa: "inps".into(),
    });
    let inps = StatoPdnd::carica(&dir.join("stato.json")).unwrap().tenants[0].id;
    ok(ComandoPdnd::Eservizio {
        dir: dir.clone(),
        nome: "Operatori".into(),
        audience: AUD_ESERVICE.into(),
        producer: inps,
        id: Some(eservice()),
        descriptor: Some(descriptor()),
        durata: 600,
    });
    // A producer that does not exist is refused.
    assert!(
        esegui(ComandoPdnd::Eservizio {
            dir: dir.clone(),
            nome: "x".into(),
            audience: "x".into(),
            producer: comune::id(99),
            id: None,
            descriptor: None,
            durata: 600,
        })
        .is_err()
    );
    ok(ComandoPdnd::Client {
        dir: dir.clone(),
        nome: "c".into(),
        tenant: inps,
    });
    let client = StatoPdnd::carica(&dir.join("stato.json")).unwrap().clients[0].id;
    let pem = tmp.path().join("chiave.pem");
    std::fs::write(&pem, PKCS1_PUBBLICA).unwrap();
    ok(ComandoPdnd::Chiave {
        dir: dir.clone(),
        client,
        pem: Some(pem.clone()),
        genera: None,
    });
    // The same key twice is refused.
    assert!(
        esegui(ComandoPdnd::Chiave {
            dir: dir.clone(),
            client,
            pem: Some(pem),
            genera: None
        })
        .is_err()
    );
    ok(ComandoPdnd::Finalita {
        dir: dir.clone(),
        tenant: inps,
        eservizio: eservice(),
        chiamate_giornaliere: 100,
        nome: None,
    });
    let s = StatoPdnd::carica(&dir.join("stato.json")).unwrap();
    assert_eq!(
        s.clients[0].chiavi[0].kid,
        Jwk::da_pem(PKCS1_PUBBLICA).unwrap().kid
    );
    assert_eq!(s.purposes.len(), 1);
    assert!(s.purposes[0].attiva);
    assert_eq!(s.eservices[0].descriptor_id, descriptor());
}

//! `isee registro omissioni`: the command annotates a stored DSU from the tax
//! agency's data and leaves its ISEE unchanged.

use isee_cli::comandi::registro::{ComandoRegistro, esegui_registro};
use isee_registro::store::StoreOmissioni;
use isee_registro::{Operazione, PresentazioneDsu, RegistroDsu, StoreSql};
use std::process::ExitCode;

const RAVENNA: &str = include_str!("../../../esempi/ordinario-famiglia-ravenna.json");

#[test]
fn il_comando_annota_la_dsu_senza_cambiare_l_isee() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("registro.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (protocollo, prima) = rt.block_on(async {
        let r = RegistroDsu::new(StoreSql::connetti(&db).await.unwrap());
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
        let prima = r
            .per_protocollo(&ricevuta.protocollo)
            .await
            .unwrap()
            .unwrap();
        (ricevuta.protocollo, prima)
    });
    // The tax agency knows a postal bond (tipo 07) the DSU does not declare; one line
    // is malformed and is reported, not fatal.
    let dati = dir.path().join("ae.jsonl");
    std::fs::write(
        &dati,
        r#"{"codice_fiscale":"RSSMRA85M01H199H","data_controllo":"2026-03-01","rapporti":[{"tipo":"07","identificativo":"BFP-1","valore":"5000"}]}
{ non json
"#,
    )
    .unwrap();
    let esito = esegui_registro(ComandoRegistro::Omissioni {
        file: dati,
        db: db.clone(),
    })
    .unwrap();
    assert_eq!(esito, ExitCode::from(1), "one line refused");
    rt.block_on(async {
        let store = StoreSql::connetti(&db).await.unwrap();
        let note = store.annotazioni(&protocollo).await.unwrap();
        assert_eq!(note.len(), 1, "{note:?}");
        assert_eq!(note[0].riferimento, "BFP-1");
        assert!(note[0].dichiarato.is_none(), "an omitted relationship");
        let dopo = RegistroDsu::new(store)
            .per_protocollo(&protocollo)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            prima.indicatori, dopo.indicatori,
            "the ISEE values do not change"
        );
    });
}

/// `isee registro mandato aggiungi | elenco | revoca` records the mandate the REST
/// service then honours (isee-server's tests/autorizzazione.rs).
#[test]
fn mandato_dalla_riga_di_comando() {
    use isee_cli::comandi::registro::ComandoMandato;
    use isee_registro::store::StoreAccesso;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("registro.db").display());
    let cf = isee_core::codice_fiscale::CodiceFiscale::new("RSSMRA85M01H199H");
    let scadenza = chrono::Local::now().date_naive() + chrono::Days::new(30);
    let esito = esegui_registro(ComandoRegistro::Mandato(ComandoMandato::Aggiungi {
        mittente: "caf-bo".into(),
        cf: cf.as_str().into(),
        ambito: "presentazione".into(),
        scadenza,
        db: db.clone(),
    }))
    .unwrap();
    assert_eq!(esito, ExitCode::SUCCESS);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let letto = rt.block_on(async {
        let store = StoreSql::connetti(&db).await.unwrap();
        store.mandato("caf-bo", &cf).await.unwrap().unwrap()
    });
    assert_eq!(letto.ambito, isee_registro::Ambito::Presentazione);
    assert_eq!(letto.scadenza, scadenza);
    assert_eq!(letto.registrato_da, "cli");
    esegui_registro(ComandoRegistro::Mandato(ComandoMandato::Revoca {
        mittente: "caf-bo".into(),
        cf: cf.as_str().into(),
        db: db.clone(),
    }))
    .unwrap();
    let revocato = rt.block_on(async {
        let store = StoreSql::connetti(&db).await.unwrap();
        store.mandato("caf-bo", &cf).await.unwrap().unwrap()
    });
    assert!(revocato.revocato_il.is_some());
    // A second revocation finds nothing in force: an error, not a silent success.
    assert!(
        esegui_registro(ComandoRegistro::Mandato(ComandoMandato::Revoca {
            mittente: "caf-bo".into(),
            cf: cf.as_str().into(),
            db,
        }))
        .is_err()
    );
}

//! "Le mie DSU" over a real register (SQLite): the declarant sees the DSU's data and
//! the attestation, another member of the nucleus the attestation only, a citizen of
//! another family gets the 404 of an unknown page for the same address, the PDF is a
//! PDF with the attestation's figures, and nothing is shown without signing in.

mod comune;

use axum::http::{StatusCode, header};
use comune::{PASSWORD, accedi, get};
use isee_core::calcolo::Motore;
use isee_portale::Portale;
use isee_registro::{Operazione, PresentazioneDsu, RegistroDsu, StoreSql};
use isee_utenti::{NuovoUtente, Ruolo};
use serde_json::Value;
use std::sync::Arc;

const RAVENNA: &str = include_str!("../../../esempi/ordinario-famiglia-ravenna.json");
const GENOVA: &str = include_str!("../../../esempi/corrente-perdita-lavoro-genova.json");

struct Banco {
    app: axum::Router,
    /// The Ravenna family's protocol and ISEE ordinario as the register stored them.
    ravenna: String,
    isee_ravenna: String,
    genova: String,
    _dir: tempfile::TempDir,
}

async fn banco() -> Banco {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("registro.db").display()
    );
    let registro = RegistroDsu::new(StoreSql::connetti(&url).await.unwrap());
    let mut protocolli = Vec::new();
    for (i, dsu) in [RAVENNA.to_string(), {
        let mut v: Value = serde_json::from_str(GENOVA).unwrap();
        v.as_object_mut().unwrap().remove("corrente");
        v.to_string()
    }]
    .into_iter()
    .enumerate()
    {
        let r = registro
            .presenta(PresentazioneDsu {
                dsu_json: dsu,
                chiave_idempotenza: format!("k{i}"),
                mittente: "caf-ra".into(),
                protocollo_mittente: None,
                operazione: Operazione::Nuova,
            })
            .await
            .unwrap();
        protocolli.push(r);
    }
    let utenti = comune::utenti(&dir).await;
    let adesso = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 1, 9, 0, 0).unwrap();
    for (nome, cf, ruolo) in [
        ("mario.rossi", Some("RSSMRA85M01H199H"), Ruolo::Cittadino),
        ("laura.bianchi", Some("BNCLRA88R45H199W"), Ruolo::Cittadino),
        (
            "stefano.lombardi",
            Some("LMBSFN78M08D969R"),
            Ruolo::Cittadino,
        ),
        ("operatore", None, Ruolo::OperatoreCaf),
    ] {
        utenti
            .registra(
                &NuovoUtente {
                    nome_utente: nome.into(),
                    nome_visualizzato: nome.replace('.', " "),
                    ruolo,
                    codice_fiscale: cf.map(str::to_string),
                    codice_caf: None,
                },
                PASSWORD,
                adesso,
            )
            .await
            .unwrap();
    }
    let valori = protocolli[0].indicatori[0].valori.as_ref().unwrap();
    Banco {
        ravenna: protocolli[0].protocollo.to_string(),
        isee_ravenna: isee_core::report::euro(valori.isee),
        genova: protocolli[1].protocollo.to_string(),
        app: Portale::new(Motore::predefinito())
            .unwrap()
            .con_utenti(Arc::new(utenti))
            .con_registro(Arc::new(registro))
            .router(),
        _dir: dir,
    }
}

#[tokio::test]
async fn dichiarante_componente_e_estraneo() {
    let b = banco().await;
    let pagina = format!("/le-mie-dsu/{}", b.ravenna);

    // Nothing without signing in.
    for uri in ["/le-mie-dsu", pagina.as_str()] {
        let r = get(&b.app, uri, &[]).await;
        assert_eq!(r.stato, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(r.intestazioni[header::LOCATION], "/accedi");
    }

    // The declarant: the list, the attestation with its lines and their trace, and
    // the declared data.
    let mario = accedi(&b.app, "mario.rossi").await;
    let elenco = get(&b.app, "/le-mie-dsu", &mario).await;
    assert_eq!(elenco.stato, StatusCode::OK);
    assert!(elenco.testo.contains(&b.ravenna) && !elenco.testo.contains(&b.genova));
    assert!(elenco.testo.contains("Dichiarante"), "{}", elenco.testo);
    assert!(elenco.testo.contains(&format!("{} €", b.isee_ravenna)));
    let att = get(&b.app, &pagina, &mario).await;
    assert_eq!(att.stato, StatusCode::OK);
    assert!(att.testo.contains(&b.isee_ravenna));
    assert!(att.testo.contains("Come è stato calcolato"));
    assert!(att.testo.contains("DPCM"), "the rules' references");
    assert!(att.testo.contains("Dati dichiarati"));
    assert!(att.testo.contains("32.000,00"), "Mario's declared income");

    // Another member: the same attestation, not the DSU's data.
    let laura = accedi(&b.app, "laura.bianchi").await;
    let elenco = get(&b.app, "/le-mie-dsu", &laura).await;
    assert!(elenco.testo.contains(&b.ravenna) && elenco.testo.contains("Componente del nucleo"));
    let att = get(&b.app, &pagina, &laura).await;
    assert_eq!(att.stato, StatusCode::OK);
    assert!(att.testo.contains(&b.isee_ravenna));
    assert!(!att.testo.contains("Dati dichiarati"));
    assert!(!att.testo.contains("32.000,00"));
    assert!(!att.testo.contains("ricevuta.pdf"));
    // The receipt is the declarant's filing: a member gets the 404 page.
    let r = get(&b.app, &format!("{pagina}/ricevuta.pdf"), &laura).await;
    assert_eq!(r.stato, StatusCode::NOT_FOUND);

    // Another family: the Ravenna address is a page that does not exist, as are a
    // malformed protocol and an unknown one.
    let stefano = accedi(&b.app, "stefano.lombardi").await;
    let elenco = get(&b.app, "/le-mie-dsu", &stefano).await;
    assert!(elenco.testo.contains(&b.genova) && !elenco.testo.contains(&b.ravenna));
    let estraneo = get(&b.app, &pagina, &stefano).await;
    let malformato = get(&b.app, "/le-mie-dsu/non-un-protocollo", &stefano).await;
    for r in [&estraneo, &malformato] {
        assert_eq!(r.stato, StatusCode::NOT_FOUND);
        assert!(!r.testo.contains(&b.isee_ravenna));
        assert!(r.testo.contains("Pagina non trovata"));
    }
    let pdf = get(&b.app, &format!("{pagina}/attestazione.pdf"), &stefano).await;
    assert_eq!(pdf.stato, StatusCode::NOT_FOUND);
    let ricevuta = get(&b.app, &format!("{pagina}/ricevuta.pdf"), &stefano).await;
    assert_eq!(ricevuta.stato, StatusCode::NOT_FOUND);

    // A CAF operator's account has no fiscal code: no "Le mie DSU".
    let operatore = accedi(&b.app, "operatore").await;
    let r = get(&b.app, "/le-mie-dsu", &operatore).await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN);
    assert!(r.testo.contains("codice fiscale"));
}

#[tokio::test]
async fn attestazione_in_pdf() {
    let b = banco().await;
    let laura = accedi(&b.app, "laura.bianchi").await;
    let uri = format!("/le-mie-dsu/{}/attestazione.pdf", b.ravenna);
    let r = get(&b.app, &uri, &laura).await;
    assert_eq!(r.stato, StatusCode::OK);
    assert_eq!(r.intestazioni[header::CONTENT_TYPE], "application/pdf");
    assert!(
        r.intestazioni[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains(&b.ravenna)
    );
    assert_eq!(r.intestazioni[header::CACHE_CONTROL], "private, no-store");
    let corpo = r.corpo;
    assert!(corpo.starts_with(b"%PDF-"));
    if let Some(testo) = isee_prova::pdf::testo(&corpo) {
        assert!(testo.contains(&b.ravenna), "{testo}");
        assert!(testo.contains(&b.isee_ravenna), "{testo}");
        assert!(testo.contains("Come è stato calcolato"), "{testo}");
    }
}

#[tokio::test]
async fn ricevuta_del_dichiarante() {
    let b = banco().await;
    let mario = accedi(&b.app, "mario.rossi").await;
    let uri = format!("/le-mie-dsu/{}/ricevuta.pdf", b.ravenna);
    let r = get(&b.app, &uri, &mario).await;
    assert_eq!(r.stato, StatusCode::OK);
    assert_eq!(r.intestazioni[header::CONTENT_TYPE], "application/pdf");
    let corpo = r.corpo;
    assert!(corpo.starts_with(b"%PDF-"));
    if let Some(testo) = isee_prova::pdf::testo(&corpo) {
        assert!(
            testo.contains("Ricevuta di presentazione della DSU"),
            "{testo}"
        );
        assert!(
            testo.contains(&b.ravenna) && testo.contains("caf-ra"),
            "{testo}"
        );
    }
}

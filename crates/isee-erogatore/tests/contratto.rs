//! The ente's register's store contract: every body runs on SQLite and on PostgreSQL
//! (`isee_prova::su_entrambi!`, fixture in `comune/mod.rs`).

mod comune;

use chrono::NaiveDate;
use isee_core::TipoIsee;
use isee_core::codice_fiscale::CodiceFiscale;
use isee_erogatore::store::StoreDomande;
use isee_erogatore::{DomandaEnte, FonteIsee, IseeOttenuto, RegistroDomande, sha256_hex};
use rust_decimal::{Decimal, dec};

fn mario() -> CodiceFiscale {
    CodiceFiscale::new("RSSMRA85M01H199H")
}

fn data(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn domanda(ente: &str, id: &str, isee: Option<(Decimal, Option<NaiveDate>)>) -> DomandaEnte {
    DomandaEnte {
        ente: ente.into(),
        id: id.into(),
        servizio: "nido".into(),
        codice_fiscale: mario(),
        tipo_richiesto: TipoIsee::Minorenni,
        isee: isee.map(|(x, al)| IseeOttenuto {
            tipo: TipoIsee::Minorenni,
            isee: x,
            ise: Some(x),
            isr: None,
            isp: None,
            scala: Some(dec!(2.46)),
            protocollo_dsu: Some("INPS-ISEE-2026-00012345A-00".into()),
            data_presentazione_dsu: Some(data("2026-01-20")),
            valida_al: al,
            fonte: Some(FonteIsee::ConsultazioneInps),
            evidenza: Some("consultazione PDND 2026-01-21 id 77".into()),
            hash_evidenza: None,
        }),
        aggiornata_il: 1,
    }
}

async fn registro_ente_scadenze<S: StoreDomande>(ente: RegistroDomande<S>) {
    ente.salva(domanda(
        "RA",
        "1",
        Some((dec!(9000), Some(data("2026-03-31")))),
    ))
    .await
    .unwrap();
    ente.salva(domanda(
        "RA",
        "2",
        Some((dec!(9000), Some(data("2026-12-31")))),
    ))
    .await
    .unwrap();
    ente.salva(domanda("RA", "3", None)).await.unwrap();
    ente.salva(domanda("BO", "4", Some((dec!(9000), None))))
        .await
        .unwrap();
    ente.salva(domanda(
        "RA",
        "5",
        Some((dec!(9000), Some(data("2026-06-30")))),
    ))
    .await
    .unwrap();
    let ids = |v: Vec<DomandaEnte>| v.into_iter().map(|d| d.id).collect::<Vec<_>>();
    // Before 30 June: those ending on 30 June are still valid that day.
    assert_eq!(
        ids(ente.in_scadenza(data("2026-06-30")).await.unwrap()),
        ["4", "3", "1"]
    );
    assert_eq!(
        ids(ente.in_scadenza(data("2026-07-01")).await.unwrap()),
        ["4", "3", "1", "5"]
    );
    assert_eq!(
        ids(ente.in_scadenza(data("2026-01-01")).await.unwrap()),
        ["4", "3"]
    );
    // Replacing an application updates it; the evidence hash is computed.
    ente.salva(domanda(
        "RA",
        "3",
        Some((dec!(1), Some(data("2027-01-15")))),
    ))
    .await
    .unwrap();
    assert_eq!(
        ids(ente.in_scadenza(data("2026-07-01")).await.unwrap()),
        ["4", "1", "5"]
    );
    let d = ente.domanda("RA", "3").await.unwrap().unwrap();
    let i = d.isee.unwrap();
    assert_eq!(
        i.hash_evidenza,
        Some(sha256_hex("consultazione PDND 2026-01-21 id 77"))
    );
    assert_eq!(i.fonte, Some(FonteIsee::ConsultazioneInps));
    assert_eq!(d.codice_fiscale, mario());
}

/// Awkward amounts through the ente's register (the part of the DSU register's
/// `importi_esatti_al_centesimo` that was about this register).
async fn importi_esatti_al_centesimo<S: StoreDomande>(ente: RegistroDomande<S>) {
    for (i, x) in [
        dec!(0.01),
        dec!(12345.67),
        dec!(9999999999.99),
        dec!(-0.99),
        dec!(7.10),
    ]
    .into_iter()
    .enumerate()
    {
        let d = domanda("RA", &format!("m{i}"), Some((x, Some(data("2026-12-31")))));
        ente.salva(d.clone()).await.unwrap();
        let letta = ente.domanda("RA", &format!("m{i}")).await.unwrap().unwrap();
        let li = letta.isee.unwrap();
        assert_eq!(li.isee, x);
        assert_eq!(
            li.isee.to_string(),
            format!("{x:.2}"),
            "sempre due decimali"
        );
        assert_eq!(li.ise, Some(x));
        assert_eq!(li.scala, Some(dec!(2.46)));
    }
    let e = ente
        .salva(domanda("RA", "frazione", Some((dec!(1.005), None))))
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.importo");
}

isee_prova::su_entrambi!(
    apri = crate::comune::apri;
    registro_ente_scadenze,
    importi_esatti_al_centesimo,
);

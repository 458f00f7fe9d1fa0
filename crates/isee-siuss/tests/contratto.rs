//! The store contract: every body runs on SQLite and on PostgreSQL
//! (`isee_prova::su_entrambi!`, fixture in `comune/mod.rs`).

mod comune;

use comune::{ente, occasionale, periodica, periodica_n};
use isee_siuss::flusso::{CodiceEsito, Esito, StatoFlusso, TipoFlusso};
use isee_siuss::{Ente, RecordGrezzo, StoreFlussi, StoreSiussSql};

/// 2026-03-15T10:00:00Z in Unix ms.
const ADESSO: i64 = 1_773_568_800_000;

fn esito(id: &str, ts: i64, codice: CodiceEsito) -> Esito {
    Esito {
        id_flusso: id.into(),
        tipo: TipoFlusso::PsPsaSina,
        ts_flusso_ms: ts,
        ts_acquisizione_ms: ts + 60_000,
        codice,
        descrizione: None,
        id_acquisizione_siuss: (codice == CodiceEsito::Ok).then(|| "22738".into()),
    }
}

async fn importa_e_pagina(s: StoreSiussSql) {
    let r = s
        .importa(
            &ente(),
            &[periodica(), occasionale(), periodica_n(1)],
            ADESSO,
        )
        .await
        .unwrap();
    assert_eq!((r.nuovi, r.aggiornati, r.invariati), (3, 0, 0));
    let tutti = s.elenco().await.unwrap();
    let id: Vec<&str> = tutti.iter().map(|f| f.id_flusso.as_str()).collect();
    assert_eq!(
        id,
        vec![
            "H199.PS.20260315.0000001",
            "H199.PS.20260315.0000002",
            "H199.PS.20260315.0000003"
        ]
    );
    // ts_flusso strictly increasing, from now on.
    assert_eq!(tutti[0].ts_ms, ADESSO);
    assert!(tutti.windows(2).all(|w| w[0].ts_ms < w[1].ts_ms));
    assert_eq!(tutti[1].record, occasionale());
    // Paging by since and limit, as INPS does.
    let p1 = s.flussi_dopo(0, 2).await.unwrap();
    assert_eq!(p1.len(), 2);
    let p2 = s.flussi_dopo(p1[1].ts_ms, 2).await.unwrap();
    assert_eq!(p2.len(), 1);
    assert_eq!(p2[0].id_flusso, tutti[2].id_flusso);
    assert!(s.flussi_dopo(p2[0].ts_ms, 10).await.unwrap().is_empty());
    assert!(s.flussi_dopo(0, 0).await.unwrap().is_empty());
    // The XML is rebuilt from the stored record.
    assert!(
        tutti[0]
            .xml()
            .unwrap()
            .contains("Nome=\"H199.PS.20260315.0000001\"")
    );
}

async fn reimportazione(s: StoreSiussSql) {
    s.importa(&ente(), &[periodica(), occasionale()], ADESSO)
        .await
        .unwrap();
    let prima = s.elenco().await.unwrap();
    // The same records: nothing changes.
    let r = s
        .importa(&ente(), &[periodica(), occasionale()], ADESSO + 5)
        .await
        .unwrap();
    assert_eq!((r.nuovi, r.aggiornati, r.invariati), (0, 0, 2));
    assert_eq!(s.elenco().await.unwrap(), prima);
    // A corrected amount: the same flow id, reissued after everything else.
    let corretta = RecordGrezzo {
        importo_mensile: Some("160.00".into()),
        quota_ente: Some("130.50".into()),
        ..periodica()
    };
    let r = s
        .importa(&ente(), std::slice::from_ref(&corretta), ADESSO + 10)
        .await
        .unwrap();
    assert_eq!((r.nuovi, r.aggiornati, r.invariati), (0, 1, 0));
    let f = s.flusso(&prima[0].id_flusso).await.unwrap().unwrap();
    assert_eq!(f.record, corretta);
    assert!(f.ts_ms > prima[1].ts_ms);
    let dopo = s.flussi_dopo(prima[1].ts_ms, 10).await.unwrap();
    assert_eq!(dopo.len(), 1);
    assert_eq!(dopo[0].id_flusso, prima[0].id_flusso);
    // The next day's progressive starts again.
    s.importa(&ente(), &[periodica_n(7)], ADESSO + 86_400_000)
        .await
        .unwrap();
    let ultimo = s.elenco().await.unwrap().pop().unwrap();
    assert_eq!(ultimo.id_flusso, "H199.PS.20260316.0000001");
}

async fn importazione_tutto_o_niente(s: StoreSiussSql) {
    let brutto = RecordGrezzo {
        genere: Some("9".into()),
        ..periodica_n(2)
    };
    let e = s
        .importa(&ente(), &[periodica(), brutto], ADESSO)
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "siuss.record_non_valido");
    assert!(e.to_string().contains("genere"), "{e}");
    assert!(s.elenco().await.unwrap().is_empty(), "niente scritto");
}

async fn esiti_e_ritrasmissione(s: StoreSiussSql) {
    s.importa(
        &ente(),
        &[periodica(), occasionale(), periodica_n(1)],
        ADESSO,
    )
    .await
    .unwrap();
    let f = s.elenco().await.unwrap();
    let esiti = [
        esito(&f[0].id_flusso, f[0].ts_ms, CodiceEsito::Ok),
        esito(&f[1].id_flusso, f[1].ts_ms, CodiceEsito::ErroreGenerico),
        esito(&f[2].id_flusso, f[2].ts_ms, CodiceEsito::RichiestaInvalida),
        esito("H199.PS.20200101.0000009", 1, CodiceEsito::Ok),
    ];
    let r = s.registra_esiti(&esiti, ADESSO + 1_000).await.unwrap();
    assert_eq!(r.registrati, 3);
    assert_eq!(r.da_ritrasmettere, 1);
    assert_eq!(r.sconosciuti, vec!["H199.PS.20200101.0000009".to_string()]);

    let ok = s.flusso(&f[0].id_flusso).await.unwrap().unwrap();
    assert_eq!(ok.stato, StatoFlusso::Acquisito);
    assert_eq!(ok.id_acquisizione_siuss.as_deref(), Some("22738"));
    let scartato = s.flusso(&f[2].id_flusso).await.unwrap().unwrap();
    assert_eq!(scartato.stato, StatoFlusso::Scartato);
    // The failed one is served again after the last since INPS holds.
    let ritentato = s.flussi_dopo(f[2].ts_ms, 10).await.unwrap();
    assert_eq!(ritentato.len(), 1);
    assert_eq!(ritentato[0].id_flusso, f[1].id_flusso);
    assert_eq!(ritentato[0].stato, StatoFlusso::DaTrasmettere);
    assert!(ritentato[0].ts_ms >= ADESSO + 1_000);

    // A repeated delivery changes nothing; an outcome about the earlier issue is
    // recorded but does not move the flow.
    let r = s.registra_esiti(&esiti[..1], ADESSO + 2_000).await.unwrap();
    assert_eq!(r.registrati, 0);
    let tardivo = esito(&f[1].id_flusso, f[1].ts_ms, CodiceEsito::Ok);
    let r = s.registra_esiti(&[tardivo], ADESSO + 3_000).await.unwrap();
    assert_eq!((r.registrati, r.da_ritrasmettere), (1, 0));
    let ancora = s.flusso(&f[1].id_flusso).await.unwrap().unwrap();
    assert_eq!(ancora.stato, StatoFlusso::DaTrasmettere);
    let storia = s.esiti(&f[1].id_flusso).await.unwrap();
    let codici: Vec<CodiceEsito> = storia.iter().map(|e| e.codice).collect();
    assert_eq!(codici, vec![CodiceEsito::ErroreGenerico, CodiceEsito::Ok]);
    // Then INPS acknowledges the new issue.
    let r = s
        .registra_esiti(
            &[esito(&ancora.id_flusso, ancora.ts_ms, CodiceEsito::Ok)],
            ADESSO + 4_000,
        )
        .await
        .unwrap();
    assert_eq!(r.registrati, 1);
    assert_eq!(
        s.flusso(&f[1].id_flusso).await.unwrap().unwrap().stato,
        StatoFlusso::Acquisito
    );
}

async fn enti_distinti(s: StoreSiussSql) {
    let roma = Ente::new("H501", "Comune di Roma").unwrap();
    s.importa(&ente(), &[periodica()], ADESSO).await.unwrap();
    let r = s.importa(&roma, &[periodica()], ADESSO).await.unwrap();
    assert_eq!(r.nuovi, 1, "stessa domanda, altro ente: altro flusso");
    let f = s.elenco().await.unwrap();
    assert_eq!(f[1].id_flusso, "H501.PS.20260315.0000001");
    assert_eq!(f[1].ente, roma);
}

isee_prova::su_entrambi!(
    apri = crate::comune::apri;
    importa_e_pagina,
    reimportazione,
    importazione_tutto_o_niente,
    esiti_e_ritrasmissione,
    enti_distinti,
);

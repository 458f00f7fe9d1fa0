//! The access log on both backends: group commit under concurrency, every kind of
//! tampering, retention, the single writer, quota counts, keyed fiscal codes, and a
//! failing commit.

mod comune;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use comune::{Ambiente, Tipo};
use isee_accessi::{
    ChiaviAudit, ErroreAccessi, EsitoVerifica, Filtro, NuovoAccesso, OpzioniLimite,
    OpzioniScrittura, Protezioni, RegistroAccessi, SogliaSpazio, TipoProblema,
};
use std::collections::HashSet;

fn chiavi() -> ChiaviAudit {
    ChiaviAudit::da_segreto(&[7u8; 32])
}

fn altre_chiavi() -> ChiaviAudit {
    ChiaviAudit::da_segreto(&[8u8; 32])
}

async fn apri(amb: &Ambiente) -> RegistroAccessi {
    RegistroAccessi::apri(&amb.url, chiavi(), OpzioniScrittura::default())
        .await
        .expect("apertura del registro")
}

fn istante() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 9, 30, 0).unwrap() + Duration::microseconds(123_456)
}

fn accesso(i: i64) -> NuovoAccesso {
    NuovoAccesso {
        eservizio: "indicatore".into(),
        operazione: "ConsultazioneIndicatore".into(),
        canale: if i % 2 == 0 { "soap" } else { "rest" }.into(),
        esito: "OK".into(),
        http_status: 200,
        voucher_jti: Some(format!("jti-{i}")),
        client_id: Some("client-1".into()),
        consumer_id: Some("consumer-1".into()),
        purpose_id: Some(format!("purpose-{}", i % 3)),
        ente_ipa: Some("c_h501".into()),
        ente_categoria: Some("L6".into()),
        tipo_ricerca: Some("CF".into()),
        cf_ricercato_hash: Some(format!("{i:064x}")),
        prestazione: Some("A1.01".into()),
        protocollo_domanda: Some(format!("DOM-{i}")),
        stato_domanda: Some("IN_ISTRUTTORIA".into()),
        protocollo_dsu: Some("INPS-ISEE-2026-00000001A-00".into()),
        id_richiesta: Some(i),
        request_id: Some(format!("req-{i}")),
        ip_client: Some("10.0.0.1".into()),
        latenza_us: 1_000 + i,
        ts: istante() + Duration::milliseconds(i),
        ..NuovoAccesso::default()
    }
}

/// `n` records, one after the other; their MACs by seq (index 0 = seq 1).
async fn riempi(reg: &RegistroAccessi, n: i64) -> Vec<String> {
    let mut mac = Vec::new();
    for i in 1..=n {
        let r = reg.registra(accesso(i)).await.expect("registrazione");
        assert_eq!(r.seq, i);
        mac.push(r.mac);
    }
    mac
}

fn tipi(e: &EsitoVerifica) -> Vec<(i64, TipoProblema)> {
    e.problemi.iter().map(|p| (p.seq, p.tipo)).collect()
}

su_entrambi!(
    diecimila_concorrenti,
    alterazione,
    cancellazione_in_mezzo,
    cancellazione_del_primo,
    scambio_di_seq,
    scambio_adiacente,
    scambio_dei_soli_dati,
    troncamento_della_coda,
    ancora_falsificata,
    chiave_errata,
    conservazione,
    conservazione_rifiutata_su_catena_alterata,
    conservazione_durante_la_scrittura,
    secondo_scrittore_rifiutato,
    conteggi_per_giorno,
    cf_mai_in_chiaro,
    commit_fallito,
    elenco_con_filtri,
    deposito_da_altro_processo,
    riapertura_continua_la_catena,
    registro_precedente_alle_migrazioni,
    schema_piu_recente_rifiutato,
    lettore_accanto_allo_scrittore,
    impronta_alterata,
    verifica_senza_registro_non_crea_nulla,
    rifiuti_non_autenticati_limitati,
    campi_enormi_limitati,
);

async fn diecimila_concorrenti(amb: Ambiente) {
    let reg = apri(&amb).await;
    let mut compiti = Vec::new();
    for t in 0..64i64 {
        let reg = reg.clone();
        compiti.push(tokio::spawn(async move {
            let mut ricevute = Vec::new();
            let mut i = t;
            while i < 10_000 {
                ricevute.push(reg.registra(accesso(i)).await.expect("registrazione"));
                i += 64;
            }
            ricevute
        }));
    }
    let mut ricevute = Vec::new();
    for c in compiti {
        ricevute.extend(c.await.expect("compito"));
    }
    assert_eq!(ricevute.len(), 10_000);
    let seq: HashSet<i64> = ricevute.iter().map(|r| r.seq).collect();
    assert_eq!(
        seq,
        (1..=10_000).collect::<HashSet<_>>(),
        "seq senza buchi né doppioni"
    );
    let mac: HashSet<&str> = ricevute.iter().map(|r| r.mac.as_str()).collect();
    assert_eq!(mac.len(), 10_000, "ogni ricevuta è unica");
    let esito = reg.verifica().await.expect("verifica");
    assert!(esito.integro(), "{:?}", esito.problemi);
    assert_eq!(esito.record_verificati, 10_000);
    let ultima = ricevute.iter().find(|r| r.seq == 10_000).unwrap();
    assert_eq!(esito.testa, Some((10_000, ultima.mac.clone())));
    assert_eq!(reg.testa().await.unwrap(), esito.testa);
    reg.chiudi().await;
}

async fn alterazione(amb: Ambiente) {
    let reg = apri(&amb).await;
    riempi(&reg, 20).await;
    assert!(reg.verifica().await.unwrap().integro());
    amb.sql(&["UPDATE accessi_record SET esito = 'DATI_NON_TROVATI' WHERE seq = 7"])
        .await;
    let e = reg.verifica().await.unwrap();
    assert_eq!(tipi(&e), vec![(7, TipoProblema::Alterato)]);
    assert_eq!(e.record_verificati, 20);
    // A NULL in place of a value, in another record.
    amb.sql(&["UPDATE accessi_record SET purpose_id = NULL WHERE seq = 12"])
        .await;
    let e = reg.verifica().await.unwrap();
    assert_eq!(
        tipi(&e),
        vec![(7, TipoProblema::Alterato), (12, TipoProblema::Alterato)]
    );
    reg.chiudi().await;
}

async fn cancellazione_in_mezzo(amb: Ambiente) {
    let reg = apri(&amb).await;
    riempi(&reg, 20).await;
    amb.sql(&["DELETE FROM accessi_record WHERE seq = 8"]).await;
    let e = reg.verifica().await.unwrap();
    assert_eq!(tipi(&e), vec![(8, TipoProblema::Mancante)]);
    amb.sql(&["DELETE FROM accessi_record WHERE seq IN (12, 13, 14)"])
        .await;
    let e = reg.verifica().await.unwrap();
    assert_eq!(
        tipi(&e),
        vec![(8, TipoProblema::Mancante), (12, TipoProblema::Mancante)]
    );
    assert!(
        e.problemi[1].dettaglio.contains("da 12 a 14"),
        "{}",
        e.problemi[1].dettaglio
    );
    reg.chiudi().await;
}

async fn cancellazione_del_primo(amb: Ambiente) {
    let reg = apri(&amb).await;
    riempi(&reg, 5).await;
    amb.sql(&["DELETE FROM accessi_record WHERE seq = 1"]).await;
    let e = reg.verifica().await.unwrap();
    assert_eq!(tipi(&e), vec![(1, TipoProblema::Mancante)]);
    reg.chiudi().await;
}

/// Two records exchange their `seq` — the same table as exchanging every other column.
async fn scambio_di_seq(amb: Ambiente) {
    let reg = apri(&amb).await;
    riempi(&reg, 20).await;
    amb.sql(&[
        "UPDATE accessi_record SET seq = -5 WHERE seq = 5",
        "UPDATE accessi_record SET seq = 5 WHERE seq = 11",
        "UPDATE accessi_record SET seq = 11 WHERE seq = -5",
    ])
    .await;
    let e = reg.verifica().await.unwrap();
    assert_eq!(
        tipi(&e),
        vec![
            (5, TipoProblema::Riordinato),
            (11, TipoProblema::Riordinato)
        ]
    );
    assert!(
        e.problemi[0].dettaglio.contains("record autentico 11"),
        "{}",
        e.problemi[0].dettaglio
    );
    reg.chiudi().await;
}

async fn scambio_adiacente(amb: Ambiente) {
    let reg = apri(&amb).await;
    riempi(&reg, 10).await;
    amb.sql(&[
        "UPDATE accessi_record SET seq = -3 WHERE seq = 3",
        "UPDATE accessi_record SET seq = 3 WHERE seq = 4",
        "UPDATE accessi_record SET seq = 4 WHERE seq = -3",
    ])
    .await;
    let e = reg.verifica().await.unwrap();
    assert_eq!(
        tipi(&e),
        vec![(3, TipoProblema::Riordinato), (4, TipoProblema::Riordinato)]
    );
    reg.chiudi().await;
}

/// The data of two records exchanged, their MACs left in place.
async fn scambio_dei_soli_dati(amb: Ambiente) {
    let reg = apri(&amb).await;
    riempi(&reg, 10).await;
    amb.sql(&[
        "UPDATE accessi_record SET voucher_jti = 'x' WHERE seq = 2",
        "UPDATE accessi_record SET voucher_jti = 'jti-2' WHERE seq = 6",
        "UPDATE accessi_record SET voucher_jti = 'jti-6' WHERE seq = 2",
    ])
    .await;
    let e = reg.verifica().await.unwrap();
    assert_eq!(
        tipi(&e),
        vec![(2, TipoProblema::Alterato), (6, TipoProblema::Alterato)]
    );
    reg.chiudi().await;
}

async fn troncamento_della_coda(amb: Ambiente) {
    let reg = apri(&amb).await;
    let mac = riempi(&reg, 20).await;
    let testa = reg.testa().await.unwrap().unwrap();
    assert_eq!(testa, (20, mac[19].clone()));
    assert!(
        reg.verifica_con_testa(20, &mac[19])
            .await
            .unwrap()
            .integro()
    );
    reg.chiudi().await;

    amb.sql(&["DELETE FROM accessi_record WHERE seq >= 18"])
        .await;
    let reg = apri(&amb).await;
    // Without the exported head a shorter chain is still a valid chain.
    let e = reg.verifica().await.unwrap();
    assert!(e.integro(), "{:?}", e.problemi);
    assert_eq!(e.testa, Some((17, mac[16].clone())));
    let e = reg.verifica_con_testa(20, &mac[19]).await.unwrap();
    assert_eq!(tipi(&e), vec![(18, TipoProblema::Mancante)]);
    assert!(e.problemi[0].dettaglio.contains("troncamento"));
    // A head whose MAC is not the stored one.
    let e = reg.verifica_con_testa(15, &mac[3]).await.unwrap();
    assert_eq!(tipi(&e), vec![(15, TipoProblema::Alterato)]);
    reg.chiudi().await;
}

async fn ancora_falsificata(amb: Ambiente) {
    let reg = apri(&amb).await;
    let mac = riempi(&reg, 10).await;
    reg.chiudi().await;
    // Without the key: delete the first four records and plant an anchor pointing at
    // the fourth, with a made-up MAC of the anchor.
    let finta = format!(
        "INSERT INTO accessi_ancora (id, seq, mac, creata_il, eliminati_totali, mac_ancora) \
         VALUES (1, 4, '{}', '2026-03-10T00:00:00.000000Z', 4, '{}')",
        mac[3],
        "0".repeat(64)
    );
    amb.sql(&["DELETE FROM accessi_record WHERE seq <= 4", &finta])
        .await;
    let reg = RegistroAccessi::apri_lettore(&amb.url, chiavi())
        .await
        .unwrap();
    let e = reg.verifica().await.unwrap();
    assert_eq!(tipi(&e), vec![(4, TipoProblema::AncoraNonValida)]);
    assert_eq!(e.record_verificati, 6);
    reg.chiudi().await;

    // Without the planted anchor the deleted start is a hole, and retention refuses
    // to delete (and so to vouch for) a chain that does not verify.
    amb.sql(&["DELETE FROM accessi_ancora"]).await;
    let reg = apri(&amb).await;
    assert_eq!(
        tipi(&reg.verifica().await.unwrap()),
        vec![(1, TipoProblema::Mancante)]
    );
    assert!(matches!(
        reg.conserva(0, Utc::now() + Duration::days(1)).await,
        Err(ErroreAccessi::CatenaNonIntegra(_))
    ));
    reg.chiudi().await;
}

async fn chiave_errata(amb: Ambiente) {
    let reg = apri(&amb).await;
    riempi(&reg, 5).await;
    reg.conserva(0, istante() + Duration::days(1))
        .await
        .unwrap();
    riempi_da(&reg, 6, 3).await;
    reg.chiudi().await;
    // A writer with another key is refused: it would fork an unverifiable chain.
    let r = RegistroAccessi::apri(&amb.url, altre_chiavi(), OpzioniScrittura::default()).await;
    assert!(
        matches!(r, Err(ErroreAccessi::ChiaveDiversa { .. })),
        "{r:?}"
    );
    // Verification with another key reports the key, the anchor and every record.
    let reg = RegistroAccessi::apri_lettore(&amb.url, altre_chiavi())
        .await
        .unwrap();
    let e = reg.verifica().await.unwrap();
    assert_eq!(
        tipi(&e),
        vec![
            (0, TipoProblema::ChiaveErrata),
            (5, TipoProblema::AncoraNonValida),
            (6, TipoProblema::Alterato),
            (7, TipoProblema::Alterato),
            (8, TipoProblema::Alterato),
        ]
    );
    reg.chiudi().await;
    // The right writer is still accepted after the refusal.
    let reg = apri(&amb).await;
    assert_eq!(reg.registra(accesso(9)).await.unwrap().seq, 9);
    assert!(reg.verifica().await.unwrap().integro());
    reg.chiudi().await;
}

async fn riempi_da(reg: &RegistroAccessi, da: i64, quanti: i64) {
    for i in da..da + quanti {
        assert_eq!(reg.registra(accesso(i)).await.unwrap().seq, i);
    }
}

fn accesso_del_giorno(giorno: u32, i: i64) -> NuovoAccesso {
    NuovoAccesso {
        ts: Utc.with_ymd_and_hms(2026, 3, giorno, 12, 0, 0).unwrap() + Duration::seconds(i),
        ..accesso(i)
    }
}

async fn conservazione(amb: Ambiente) {
    let reg = apri(&amb).await;
    // Ten days, ten records a day: 1–10 March.
    for g in 1..=10u32 {
        for i in 0..10 {
            reg.registra(accesso_del_giorno(g, i)).await.unwrap();
        }
    }
    let testa_prima = reg.testa().await.unwrap().unwrap();
    let adesso = Utc.with_ymd_and_hms(2026, 3, 10, 18, 0, 0).unwrap();
    // Keep 5 days: the cutoff is 5 March 18:00, so 1–5 March go (50 records).
    assert_eq!(reg.conserva(5, adesso).await.unwrap(), 50);
    let e = reg.verifica().await.unwrap();
    assert!(e.integro(), "{:?}", e.problemi);
    assert_eq!(e.record_verificati, 50);
    assert_eq!(e.ancora.as_ref().map(|a| a.0), Some(50));
    // The head exported before retention still checks.
    assert!(
        reg.verifica_con_testa(testa_prima.0, &testa_prima.1)
            .await
            .unwrap()
            .integro()
    );
    // The chain goes on after the anchor.
    let r = reg.registra(accesso_del_giorno(11, 0)).await.unwrap();
    assert_eq!(r.seq, 101);
    // Nothing more to delete: no change.
    assert_eq!(reg.conserva(5, adesso).await.unwrap(), 0);
    // A second run moves the anchor.
    assert_eq!(reg.conserva(2, adesso).await.unwrap(), 30);
    let e = reg.verifica().await.unwrap();
    assert!(e.integro(), "{:?}", e.problemi);
    assert_eq!(e.record_verificati, 21);
    assert_eq!(e.ancora.as_ref().map(|a| a.0), Some(80));
    // Everything old: every record goes, the anchor becomes the head.
    let tutto = reg.conserva(0, adesso + Duration::days(30)).await.unwrap();
    assert_eq!(tutto, 21);
    let e = reg.verifica().await.unwrap();
    assert!(e.integro(), "{:?}", e.problemi);
    assert_eq!(e.record_verificati, 0);
    assert_eq!(e.testa.as_ref().map(|t| t.0), Some(101));
    assert_eq!(reg.testa().await.unwrap(), e.testa);
    assert_eq!(reg.registra(accesso(1)).await.unwrap().seq, 102);
    assert!(reg.verifica().await.unwrap().integro());
    reg.chiudi().await;
    // Reopened, the writer continues from the anchor's successor.
    let reg = apri(&amb).await;
    assert_eq!(reg.registra(accesso(2)).await.unwrap().seq, 103);
    // Deleting a record right after the anchor is a hole.
    amb.sql(&["DELETE FROM accessi_record WHERE seq = 102"])
        .await;
    let e = reg.verifica().await.unwrap();
    assert_eq!(tipi(&e), vec![(102, TipoProblema::Mancante)]);
    // An altered anchor (moved forward) no longer verifies.
    amb.sql(&["UPDATE accessi_ancora SET eliminati_totali = 1"])
        .await;
    let e = reg.verifica().await.unwrap();
    assert_eq!(tipi(&e)[0], (101, TipoProblema::AncoraNonValida));
    reg.chiudi().await;
}

async fn conservazione_rifiutata_su_catena_alterata(amb: Ambiente) {
    let reg = apri(&amb).await;
    for g in 1..=4u32 {
        for i in 0..5 {
            reg.registra(accesso_del_giorno(g, i)).await.unwrap();
        }
    }
    amb.sql(&["UPDATE accessi_record SET ente_ipa = 'altro' WHERE seq = 3"])
        .await;
    let adesso = Utc.with_ymd_and_hms(2026, 3, 4, 18, 0, 0).unwrap();
    let r = reg.conserva(1, adesso).await;
    assert!(
        matches!(r, Err(ErroreAccessi::CatenaNonIntegra(1))),
        "{r:?}"
    );
    // Nothing was deleted.
    let e = reg.verifica().await.unwrap();
    assert_eq!(e.record_verificati, 20);
    assert_eq!(tipi(&e), vec![(3, TipoProblema::Alterato)]);
    reg.chiudi().await;
}

async fn secondo_scrittore_rifiutato(amb: Ambiente) {
    let primo = apri(&amb).await;
    primo.registra(accesso(1)).await.unwrap();
    let r = RegistroAccessi::apri(&amb.url, chiavi(), OpzioniScrittura::default()).await;
    match r {
        Err(ErroreAccessi::ScrittoreAttivo(chi)) => {
            if amb.tipo == Tipo::Sqlite {
                assert!(
                    chi.contains(&format!("pid {}", std::process::id())),
                    "{chi}"
                );
            }
        }
        altro => panic!("secondo scrittore non rifiutato: {altro:?}"),
    }
    // The refusal did not disturb the first writer.
    assert_eq!(primo.registra(accesso(2)).await.unwrap().seq, 2);
    primo.chiudi().await;
    // Once the first has closed, a new writer is accepted and continues the chain.
    let secondo = apri(&amb).await;
    assert_eq!(secondo.registra(accesso(3)).await.unwrap().seq, 3);
    assert!(secondo.verifica().await.unwrap().integro());
    secondo.chiudi().await;
}

async fn conteggi_per_giorno(amb: Ambiente) {
    let reg = apri(&amb).await;
    let giorno = |g: u32, purpose: Option<&str>, esito: &str, sec: i64| NuovoAccesso {
        purpose_id: purpose.map(str::to_string),
        esito: esito.to_string(),
        ts: Utc.with_ymd_and_hms(2026, 3, g, 0, 0, 0).unwrap() + Duration::seconds(sec),
        ..accesso(sec)
    };
    for r in [
        giorno(9, Some("A"), "OK", 86_399), // 9 March 23:59:59: the day before
        giorno(10, Some("A"), "OK", 0),     // midnight: counted
        giorno(10, Some("A"), "DATI_NON_TROVATI", 10),
        giorno(10, Some("A"), "QUOTA_ESAURITA", 20), // refused for quota: not counted
        giorno(10, Some("B"), "VOUCHER_SCADUTO", 30),
        giorno(10, None, "OK", 40),
        giorno(10, Some("B"), "OK", 86_399),
        giorno(11, Some("B"), "OK", 0), // the day after
    ] {
        reg.registra(r).await.unwrap();
    }
    let c = reg
        .conteggi_giorno(NaiveDate::from_ymd_opt(2026, 3, 10).unwrap())
        .await
        .unwrap();
    assert_eq!(c.len(), 2, "{c:?}");
    assert_eq!(c["A"], 2);
    assert_eq!(c["B"], 2);
    let vuoto = reg
        .conteggi_giorno(NaiveDate::from_ymd_opt(2026, 3, 12).unwrap())
        .await
        .unwrap();
    assert!(vuoto.is_empty());
    reg.chiudi().await;
}

async fn cf_mai_in_chiaro(amb: Ambiente) {
    const CF: &str = "RSSMRA85T10A562S";
    const OPERATORE: &str = "VRDLGU70A01H501X";
    let reg = apri(&amb).await;
    let h = reg.hash_cf(CF);
    assert_eq!(h, reg.hash_cf(" rssmra85t10a562s "), "normalizzato");
    assert_eq!(h.len(), 64);
    assert_ne!(h, altre_chiavi().hash_cf(CF), "con chiave");
    assert_ne!(h, reg.hash_cf(OPERATORE));
    for i in 0..50 {
        reg.registra(NuovoAccesso {
            cf_ricercato_hash: Some(reg.hash_cf(CF)),
            operatore_cf_hash: Some(reg.hash_cf(OPERATORE)),
            ..accesso(i)
        })
        .await
        .unwrap();
    }
    let trovati = reg
        .elenca(&Filtro {
            cf_hash: Some(reg.hash_cf(CF)),
            ..Filtro::default()
        })
        .await
        .unwrap();
    assert_eq!(trovati.len(), 50);
    let testo = serde_json::to_string(&trovati).unwrap();
    assert!(!testo.contains(CF) && !testo.contains(OPERATORE));
    reg.chiudi().await;
    if let Some(file) = &amb.file {
        // Every file of the database (main, WAL, shared memory), as bytes.
        let dir = file.parent().unwrap();
        let mut letti = 0;
        for voce in std::fs::read_dir(dir).unwrap() {
            let p = voce.unwrap().path();
            let byte = std::fs::read(&p).unwrap();
            letti += byte.len();
            for cf in [CF, OPERATORE, &CF.to_lowercase()] {
                assert!(
                    !byte.windows(cf.len()).any(|w| w == cf.as_bytes()),
                    "{cf} in chiaro in {}",
                    p.display()
                );
            }
            // The check would pass trivially if the hashes were not there either.
            if p == *file {
                assert!(
                    byte.windows(64).any(|w| w == h.as_bytes()),
                    "hash non trovato nel file"
                );
            }
        }
        assert!(letti > 0);
    }
}

async fn commit_fallito(amb: Ambiente) {
    let reg = apri(&amb).await;
    let mac = riempi(&reg, 3).await;
    // The table disappears under the writer: every waiter of the batch gets an error.
    amb.sql(&["ALTER TABLE accessi_record RENAME TO accessi_record_via"])
        .await;
    let mut compiti = Vec::new();
    for i in 0..16 {
        let reg = reg.clone();
        compiti.push(tokio::spawn(
            async move { reg.registra(accesso(100 + i)).await },
        ));
    }
    for c in compiti {
        let r = c.await.unwrap();
        assert!(
            matches!(r, Err(ErroreAccessi::ScritturaFallita(_))),
            "{r:?}"
        );
    }
    amb.sql(&["ALTER TABLE accessi_record_via RENAME TO accessi_record"])
        .await;
    // The next batch continues from the last committed record, not from the failed ones.
    let r = reg.registra(accesso(4)).await.unwrap();
    assert_eq!(r.seq, 4);
    let lista = reg.elenca(&Filtro::default()).await.unwrap();
    assert_eq!(lista.len(), 4);
    assert_eq!(lista[3].mac_precedente, mac[2]);
    let e = reg.verifica().await.unwrap();
    assert!(e.integro(), "{:?}", e.problemi);
    assert_eq!(e.record_verificati, 4);
    reg.chiudi().await;
}

async fn elenco_con_filtri(amb: Ambiente) {
    let reg = apri(&amb).await;
    riempi(&reg, 30).await;
    let tutti = reg.elenca(&Filtro::default()).await.unwrap();
    assert_eq!(tutti.len(), 30);
    assert_eq!(tutti[0].accesso, accesso(1), "letto come scritto");
    assert_eq!(tutti[0].mac_precedente, "0".repeat(64));
    let p1 = reg
        .elenca(&Filtro {
            purpose_id: Some("purpose-1".into()),
            ..Filtro::default()
        })
        .await
        .unwrap();
    assert_eq!(p1.len(), 10);
    assert!(
        p1.iter()
            .all(|r| r.accesso.purpose_id.as_deref() == Some("purpose-1"))
    );
    let cf = reg
        .elenca(&Filtro {
            cf_hash: Some(format!("{:064x}", 17)),
            ..Filtro::default()
        })
        .await
        .unwrap();
    assert_eq!(cf.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![17]);
    // `dal` included, `al` excluded: records 10..=19 by their timestamps.
    let finestra = reg
        .elenca(&Filtro {
            dal: Some(istante() + Duration::milliseconds(10)),
            al: Some(istante() + Duration::milliseconds(20)),
            ..Filtro::default()
        })
        .await
        .unwrap();
    assert_eq!(
        finestra.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (10..20).collect::<Vec<_>>()
    );
    let pagina = reg
        .elenca(&Filtro {
            dopo_seq: Some(25),
            limite: Some(3),
            ente_ipa: Some("c_h501".into()),
            ..Filtro::default()
        })
        .await
        .unwrap();
    assert_eq!(
        pagina.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![26, 27, 28]
    );
    reg.chiudi().await;
}

async fn deposito_da_altro_processo(amb: Ambiente) {
    let opzioni = OpzioniScrittura {
        intervallo_manutenzione: std::time::Duration::from_millis(50),
        ..OpzioniScrittura::default()
    };
    let reg = RegistroAccessi::apri(&amb.url, chiavi(), opzioni)
        .await
        .unwrap();
    riempi(&reg, 2).await;
    let lettore = RegistroAccessi::apri_lettore(&amb.url, chiavi())
        .await
        .unwrap();
    assert!(matches!(
        lettore.registra(accesso(9)).await,
        Err(ErroreAccessi::SolaLettura)
    ));
    let mut a = accesso(3);
    a.eservizio = "audit".into();
    lettore.deposita(&a).await.unwrap();
    // Someone with database access but no key tries the same way in.
    amb.sql(&["INSERT INTO accessi_in_attesa (dati, mac) VALUES ('{}', 'falso')"])
        .await;
    let mut attese = 0;
    while lettore.in_attesa().await.unwrap() > 0 {
        attese += 1;
        assert!(attese < 100, "deposito non acquisito");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let lista = reg.elenca(&Filtro::default()).await.unwrap();
    assert_eq!(lista.len(), 3, "il record falso non entra nella catena");
    assert_eq!(lista[2].accesso, a);
    assert!(reg.verifica().await.unwrap().integro());
    lettore.chiudi().await;
    reg.chiudi().await;
}

async fn riapertura_continua_la_catena(amb: Ambiente) {
    let reg = apri(&amb).await;
    riempi(&reg, 3).await;
    reg.chiudi().await;
    assert!(matches!(
        reg.registra(accesso(9)).await,
        Err(ErroreAccessi::Chiuso)
    ));
    let reg = apri(&amb).await;
    assert_eq!(reg.registra(accesso(4)).await.unwrap().seq, 4);
    let e = reg.verifica().await.unwrap();
    assert!(e.integro(), "{:?}", e.problemi);
    assert_eq!(e.record_verificati, 4);
    reg.chiudi().await;
}

/// Retention runs while the server keeps writing: neither disturbs the other.
async fn conservazione_durante_la_scrittura(amb: Ambiente) {
    let reg = apri(&amb).await;
    let vecchio = Utc::now() - Duration::days(100);
    for i in 0..300 {
        reg.registra(NuovoAccesso {
            ts: vecchio + Duration::seconds(i),
            ..accesso(i)
        })
        .await
        .unwrap();
    }
    let mut compiti = Vec::new();
    for t in 0..8 {
        let reg = reg.clone();
        compiti.push(tokio::spawn(async move {
            for i in 0..200 {
                reg.registra(NuovoAccesso {
                    ts: Utc::now(),
                    ..accesso(t * 1000 + i)
                })
                .await
                .expect("registrazione durante la conservazione");
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let eliminati = reg.conserva(30, Utc::now()).await.unwrap();
    for c in compiti {
        c.await.unwrap();
    }
    assert_eq!(eliminati, 300);
    let e = reg.verifica().await.unwrap();
    assert!(e.integro(), "{:?}", e.problemi);
    assert_eq!(e.record_verificati, 1_600);
    assert_eq!(e.ancora.as_ref().map(|a| a.0), Some(300));
    assert_eq!(e.testa.as_ref().map(|t| t.0), Some(1_900));
    reg.chiudi().await;
}

/// A log created before the migrations (same tables, the layout version as a row of
/// `accessi_meta`, no migration table) opens as it is and its chain still verifies.
async fn registro_precedente_alle_migrazioni(amb: Ambiente) {
    let reg = apri(&amb).await;
    riempi(&reg, 5).await;
    reg.chiudi().await;
    amb.sql(&[
        "DROP TABLE _sqlx_migrations_accessi",
        "INSERT INTO accessi_meta (chiave, valore) VALUES ('versione_schema', '1')",
    ])
    .await;
    let reg = apri(&amb).await;
    let e = reg.verifica().await.unwrap();
    assert!(e.integro(), "{:?}", e.problemi);
    assert_eq!(e.record_verificati, 5);
    reg.registra(accesso(6)).await.unwrap();
    reg.chiudi().await;
    let lettore = RegistroAccessi::apri_lettore(&amb.url, chiavi())
        .await
        .unwrap();
    assert_eq!(lettore.testa().await.unwrap().map(|t| t.0), Some(6));
    lettore.chiudi().await;
}

/// A log migrated by a newer version of the program is refused, with both versions.
async fn schema_piu_recente_rifiutato(amb: Ambiente) {
    apri(&amb).await.chiudi().await;
    let checksum = match amb.tipo {
        Tipo::Sqlite => "X'00'",
        Tipo::Postgres => "decode('00', 'hex')",
    };
    let futura = format!(
        "INSERT INTO _sqlx_migrations_accessi (version, description, success, checksum, \
         execution_time) VALUES (99, 'futura', TRUE, {checksum}, 0)"
    );
    amb.sql(&[&futura]).await;
    let r = RegistroAccessi::apri_lettore(&amb.url, chiavi()).await;
    assert!(
        matches!(
            r,
            Err(ErroreAccessi::SchemaPiuRecente {
                trovata: 99,
                gestita: 1
            })
        ),
        "{r:?}"
    );
}

/// The CLI opening the log while the server writes: every opening succeeds (on
/// SQLite it waits for the write lock instead of failing with "database is locked").
async fn lettore_accanto_allo_scrittore(amb: Ambiente) {
    let reg = apri(&amb).await;
    let mut compiti = Vec::new();
    for t in 0..4 {
        let reg = reg.clone();
        compiti.push(tokio::spawn(async move {
            for i in 0..150 {
                reg.registra(accesso(t * 1000 + i)).await.unwrap();
            }
        }));
    }
    for _ in 0..8 {
        let lettore = RegistroAccessi::apri_lettore(&amb.url, chiavi())
            .await
            .expect("apertura accanto allo scrittore");
        lettore.testa().await.unwrap();
        lettore.chiudi().await;
    }
    for c in compiti {
        c.await.unwrap();
    }
    assert_eq!(reg.testa().await.unwrap().map(|t| t.0), Some(600));
    reg.chiudi().await;
}

/// Someone edits the stored key fingerprint: verification with the right key must say
/// that the fingerprint was altered, not that the key is wrong.
async fn impronta_alterata(amb: Ambiente) {
    let reg = apri(&amb).await;
    riempi(&reg, 5).await;
    reg.chiudi().await;
    amb.sql(&[
        "UPDATE accessi_meta SET valore = 'deadbeefdeadbeef' WHERE chiave = 'impronta_chiave'",
    ])
    .await;
    let reg = RegistroAccessi::apri_lettore(&amb.url, chiavi())
        .await
        .unwrap();
    let e = reg.verifica().await.unwrap();
    reg.chiudi().await;
    // The writer's start-up says the same: the fingerprint, not the key.
    let r = RegistroAccessi::apri(&amb.url, chiavi(), OpzioniScrittura::default()).await;
    match r {
        Err(ErroreAccessi::ImprontaAlterata { seq, .. }) => assert_eq!(seq, 5),
        altro => panic!("atteso ImprontaAlterata: {altro:?}"),
    }
    let testo = RegistroAccessi::apri(&amb.url, chiavi(), OpzioniScrittura::default())
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(testo.contains("impronta registrata"), "{testo}");
    assert!(!testo.contains("non è quella con cui"), "{testo}");
    // A writer with another key is still told the key is wrong.
    let r = RegistroAccessi::apri(&amb.url, altre_chiavi(), OpzioniScrittura::default()).await;
    assert!(
        matches!(r, Err(ErroreAccessi::ChiaveDiversa { .. })),
        "{r:?}"
    );
    let reg = RegistroAccessi::apri_lettore(&amb.url, chiavi())
        .await
        .unwrap();
    assert_eq!(tipi(&e), vec![(0, TipoProblema::ImprontaAlterata)]);
    let d = &e.problemi[0].dettaglio;
    assert!(d.contains("deadbeefdeadbeef"), "{d}");
    assert!(d.contains(chiavi().impronta()), "{d}");
    assert!(d.contains("5 record su 5"), "{d}");
    assert!(!d.contains("risulteranno errati"), "{d}");
    reg.chiudi().await;
    // With a wrong key it is the key that is wrong, and the message says so.
    let reg = RegistroAccessi::apri_lettore(&amb.url, altre_chiavi())
        .await
        .unwrap();
    let e = reg.verifica().await.unwrap();
    assert_eq!(e.problemi[0].tipo, TipoProblema::ChiaveErrata);
    assert!(
        e.problemi[0].dettaglio.contains("nessuno dei 5 record"),
        "{}",
        e.problemi[0].dettaglio
    );
    reg.chiudi().await;
    // The fingerprint row deleted: said as such.
    amb.sql(&["DELETE FROM accessi_meta WHERE chiave = 'impronta_chiave'"])
        .await;
    let reg = RegistroAccessi::apri_lettore(&amb.url, chiavi())
        .await
        .unwrap();
    let e = reg.verifica().await.unwrap();
    assert_eq!(tipi(&e), vec![(0, TipoProblema::ImprontaAlterata)]);
    assert!(e.problemi[0].dettaglio.contains("manca"));
    reg.chiudi().await;
}

/// Verification opens read-only: no file, no table is ever created.
async fn verifica_senza_registro_non_crea_nulla(amb: Ambiente) {
    let r = RegistroAccessi::apri_verifica(&amb.url, chiavi()).await;
    assert!(matches!(r, Err(ErroreAccessi::RegistroAssente(_))), "{r:?}");
    if let Some(f) = &amb.file {
        assert!(!f.exists(), "la verifica ha creato {}", f.display());
    } else {
        // PostgreSQL: still no table in the schema, so a writer creates the log.
        let r = RegistroAccessi::apri_verifica(&amb.url, chiavi()).await;
        assert!(matches!(r, Err(ErroreAccessi::RegistroAssente(_))));
    }
    let reg = apri(&amb).await;
    riempi(&reg, 3).await;
    reg.chiudi().await;
    let v = RegistroAccessi::apri_verifica(&amb.url, chiavi())
        .await
        .unwrap();
    let e = v.verifica().await.unwrap();
    assert!(e.integro(), "{:?}", e.problemi);
    assert_eq!(e.record_verificati, 3);
    assert!(matches!(
        v.registra(accesso(9)).await,
        Err(ErroreAccessi::SolaLettura)
    ));
    v.chiudi().await;
}

fn rifiuto_anonimo(i: i64) -> NuovoAccesso {
    NuovoAccesso {
        eservizio: "indicatore".into(),
        operazione: String::new(),
        canale: "rest".into(),
        esito: "VOUCHER_ASSENTE".into(),
        http_status: 401,
        // The flood of the issue: a huge request id on every call.
        request_id: Some(format!("{i}-{}", "X".repeat(64 * 1024))),
        ip_client: Some("203.0.113.9".into()),
        ts: istante() + Duration::milliseconds(i),
        ..NuovoAccesso::default()
    }
}

/// 10,000 refusals without a voucher from one source: the log grows by a bounded
/// number of rows, every refusal is accounted for (stored or counted in a summary),
/// and the chain verifies.
async fn rifiuti_non_autenticati_limitati(amb: Ambiente) {
    let protezioni = Protezioni {
        limite: OpzioniLimite {
            raffica: 10,
            al_minuto: 60,
            intervallo: std::time::Duration::from_millis(300),
            fonti_massime: 100,
        },
        ..Protezioni::default()
    };
    let reg =
        RegistroAccessi::apri_con(&amb.url, chiavi(), OpzioniScrittura::default(), protezioni)
            .await
            .unwrap();
    let inizio = std::time::Instant::now();
    let mut memorizzati = 0u64;
    for i in 0..10_000 {
        if reg
            .registra_non_autenticato("203.0.113.9", rifiuto_anonimo(i))
            .await
            .unwrap()
            .is_some()
        {
            memorizzati += 1;
        }
    }
    // Another source is not affected by the first one's flood.
    assert!(
        reg.registra_non_autenticato("198.51.100.4", rifiuto_anonimo(0))
            .await
            .unwrap()
            .is_some()
    );
    let secondi = inizio.elapsed().as_secs();
    reg.riepiloga_rifiuti(true).await.unwrap();
    assert_eq!(reg.metriche().rifiuti_soppressi, 10_000 - memorizzati);
    let tutti = reg
        .elenca(&Filtro {
            limite: Some(100_000),
            ..Filtro::default()
        })
        .await
        .unwrap();
    // Burst + one a second + one summary per interval.
    let massimo = 10 + (secondi + 2) + (secondi * 4 + 4);
    assert!(
        (tutti.len() as u64) <= massimo + 1,
        "{} righe (massimo {massimo})",
        tutti.len()
    );
    assert!(
        memorizzati >= 10 && memorizzati < 10 + secondi + 2,
        "{memorizzati}"
    );
    let riepiloghi: Vec<_> = tutti
        .iter()
        .filter(|r| r.accesso.esito == "RIFIUTI_SOPPRESSI")
        .collect();
    assert!(!riepiloghi.is_empty());
    let contati: i64 = riepiloghi
        .iter()
        .map(|r| r.accesso.id_richiesta.unwrap())
        .sum();
    assert_eq!(contati as u64 + memorizzati, 10_000, "nessun rifiuto perso");
    assert!(riepiloghi.iter().all(|r| {
        r.accesso
            .request_id
            .as_deref()
            .is_some_and(|t| t.contains("rifiuti soppressi da 203.0.113.9"))
    }));
    // Every stored row is small, whatever the caller sent.
    let byte: usize = tutti
        .iter()
        .map(|r| serde_json::to_string(r).unwrap().len())
        .sum();
    assert!(byte < tutti.len() * 1_200, "{byte} byte");
    let e = reg.verifica().await.unwrap();
    assert!(e.integro(), "{:?}", e.problemi);
    reg.chiudi().await;
}

/// What the caller fills is bounded and cleaned before it is chained, on both paths
/// (the writer and the deposit of another process).
async fn campi_enormi_limitati(amb: Ambiente) {
    let reg = apri(&amb).await;
    let mut a = accesso(1);
    a.request_id = Some(format!("riga1\r\nriga2\u{202e}{}", "Z".repeat(1 << 20)));
    a.operatore_postazione = Some("\0\u{1b}[31mPDL".into());
    reg.registra(a).await.unwrap();
    let r = &reg.elenca(&Filtro::default()).await.unwrap()[0];
    let id = r.accesso.request_id.as_deref().unwrap();
    assert!(id.len() <= 128, "{}", id.len());
    assert!(
        id.starts_with("riga1\\u{000d}\\u{000a}riga2\\u{202e}ZZ"),
        "{id}"
    );
    assert!(!id.contains(['\r', '\n', '\u{202e}']));
    assert_eq!(
        r.accesso.operatore_postazione.as_deref(),
        Some("\\u{0000}\\u{001b}[31mPDL")
    );
    assert!(reg.verifica().await.unwrap().integro());
    reg.chiudi().await;
}

/// A free-space threshold above the real free space: the log says so.
#[tokio::test]
async fn spazio_su_disco_in_esaurimento() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("a.db").display());
    let reg = RegistroAccessi::apri_con(
        &url,
        chiavi(),
        OpzioniScrittura::default(),
        Protezioni {
            spazio: SogliaSpazio {
                byte_minimi: u64::MAX,
                percento_minimo: 0,
            },
            ..Protezioni::default()
        },
    )
    .await
    .unwrap();
    // Measured at open already.
    let m = reg.metriche().spazio.expect("misurato all'apertura");
    assert!(m.in_esaurimento);
    assert!(m.totale > 0 && m.libero <= m.totale);
    let s = reg.controlla_spazio().unwrap();
    assert!(s.in_esaurimento);
    reg.chiudi().await;

    // The default threshold on this machine's disk, which has room.
    let url2 = format!("sqlite://{}?mode=rwc", dir.path().join("b.db").display());
    let reg = RegistroAccessi::apri(&url2, chiavi(), OpzioniScrittura::default())
        .await
        .unwrap();
    let s = reg.controlla_spazio().unwrap();
    assert_eq!(
        s.in_esaurimento,
        SogliaSpazio::default().superata(s.libero, s.totale)
    );
    reg.chiudi().await;
}

//! The contract of the drafts store, on SQLite and PostgreSQL: a draft is its
//! account's (another account neither reads, overwrites nor deletes it), saves keep
//! the latest content, the list is newest first, and the bounds refuse without
//! writing.

mod comune;

use chrono::TimeDelta;
use comune::{servizio, t0};
use isee_utenti::bozza::{LUNGHEZZA_MASSIMA, MAX_PER_UTENTE};
use isee_utenti::{
    ContenutoBozza, ErroreUtenti, IdBozza, NuovoUtente, Ruolo, StoreBozze, StoreSql, Utente,
};

async fn due_utenti(store: &StoreSql) -> (Utente, Utente) {
    let s = servizio(store.clone());
    let mut v = Vec::new();
    for (nome, cf) in [("anna", "RSSMRA80A01H501U"), ("bruno", "BNCLRA88R45H199W")] {
        v.push(
            s.registra(
                &NuovoUtente {
                    nome_utente: nome.into(),
                    nome_visualizzato: nome.into(),
                    ruolo: Ruolo::Cittadino,
                    codice_fiscale: Some(cf.into()),
                    codice_caf: None,
                },
                "cavallo batteria graffetta",
                t0(),
            )
            .await
            .expect("registrazione"),
        );
    }
    let b = v.pop().unwrap();
    (v.pop().unwrap(), b)
}

fn contenuto(passo: &str, testo: &str) -> ContenutoBozza {
    ContenutoBozza {
        titolo: "DSU di Anna".into(),
        passo: passo.into(),
        contenuto: testo.into(),
    }
}

async fn bozza_del_suo_utente(store: StoreSql) {
    let (anna, bruno) = due_utenti(&store).await;
    let b = store
        .crea_bozza(anna.id, &contenuto("nucleo", "{\"a\":1}"), t0())
        .await
        .expect("crea");
    assert_eq!(b.utente, anna.id);
    assert_eq!(b.creata_il, t0());
    // Bruno sees nothing of it and cannot change or delete it.
    assert_eq!(store.bozza(bruno.id, b.id).await.unwrap(), None);
    assert!(store.bozze(bruno.id).await.unwrap().is_empty());
    let dopo = t0() + TimeDelta::minutes(5);
    assert_eq!(
        store
            .aggiorna_bozza(bruno.id, b.id, &contenuto("redditi", "rubata"), dopo)
            .await
            .unwrap(),
        None
    );
    assert!(!store.elimina_bozza(bruno.id, b.id).await.unwrap());
    let letta = store.bozza(anna.id, b.id).await.unwrap().expect("bozza");
    assert_eq!(letta.contenuto, "{\"a\":1}");
    // Anna overwrites it: the latest content and step, the creation kept.
    let nuova = store
        .aggiorna_bozza(anna.id, b.id, &contenuto("redditi", "{\"a\":2}"), dopo)
        .await
        .unwrap()
        .expect("aggiornata");
    assert_eq!(
        (nuova.passo.as_str(), nuova.contenuto.as_str()),
        ("redditi", "{\"a\":2}")
    );
    assert_eq!((nuova.creata_il, nuova.aggiornata_il), (t0(), dopo));
    assert!(store.elimina_bozza(anna.id, b.id).await.unwrap());
    assert_eq!(store.bozza(anna.id, b.id).await.unwrap(), None);
    assert!(!store.elimina_bozza(anna.id, b.id).await.unwrap());
    assert_eq!(
        store
            .aggiorna_bozza(
                anna.id,
                IdBozza(b.id.0 + 1000),
                &contenuto("casa", "x"),
                dopo
            )
            .await
            .unwrap(),
        None
    );
}

async fn elenco_dalla_piu_recente(store: StoreSql) {
    let (anna, _) = due_utenti(&store).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let b = store
            .crea_bozza(
                anna.id,
                &contenuto("nucleo", &i.to_string()),
                t0() + TimeDelta::minutes(i),
            )
            .await
            .unwrap();
        ids.push(b.id);
    }
    // Touching the first makes it the newest.
    store
        .aggiorna_bozza(
            anna.id,
            ids[0],
            &contenuto("casa", "0"),
            t0() + TimeDelta::hours(1),
        )
        .await
        .unwrap()
        .unwrap();
    let elenco: Vec<IdBozza> = store
        .bozze(anna.id)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(elenco, vec![ids[0], ids[2], ids[1]]);
}

async fn limiti_rifiutati_senza_scrivere(store: StoreSql) {
    let (anna, _) = due_utenti(&store).await;
    let enorme = ContenutoBozza {
        titolo: "t".repeat(500),
        passo: String::new(),
        contenuto: "x".repeat(LUNGHEZZA_MASSIMA + 1),
    };
    match store.crea_bozza(anna.id, &enorme, t0()).await {
        Err(ErroreUtenti::BozzaNonValida(p)) => assert_eq!(p.len(), 3, "{p:?}"),
        altro => panic!("attesa BozzaNonValida: {altro:?}"),
    }
    let b = store
        .crea_bozza(anna.id, &contenuto("nucleo", "buona"), t0())
        .await
        .unwrap();
    assert!(matches!(
        store.aggiorna_bozza(anna.id, b.id, &enorme, t0()).await,
        Err(ErroreUtenti::BozzaNonValida(_))
    ));
    assert_eq!(
        store.bozza(anna.id, b.id).await.unwrap().unwrap().contenuto,
        "buona"
    );
    for _ in 1..MAX_PER_UTENTE {
        store
            .crea_bozza(anna.id, &contenuto("nucleo", "{}"), t0())
            .await
            .unwrap();
    }
    assert!(matches!(
        store.crea_bozza(anna.id, &contenuto("nucleo", "{}"), t0()).await,
        Err(ErroreUtenti::TroppeBozze(n)) if n == MAX_PER_UTENTE
    ));
    assert_eq!(store.bozze(anna.id).await.unwrap().len(), MAX_PER_UTENTE);
}

su_entrambi!(
    bozza_del_suo_utente,
    elenco_dalla_piu_recente,
    limiti_rifiutati_senza_scrivere
);

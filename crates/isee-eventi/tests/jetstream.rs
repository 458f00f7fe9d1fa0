//! The register's events through a real NATS JetStream server of the test's own
//! (`isee_prova::nats`), from the outbox of a real register on SQLite and PostgreSQL
//! (issue 15, "Events"): every event exactly once on the stream with two publishers
//! at once, nothing lost while NATS is down or when a publisher dies between the
//! publication and the mark, a consumer whose redeliveries change nothing, a replay
//! that rebuilds the same effect.

use async_nats::jetstream;
use futures_util::StreamExt;
use isee_eventi::consumatore::{Effetto, consuma, riproduci};
use isee_eventi::notifiche::Notifiche;
use isee_eventi::pubblicatore::assicura_flusso;
use isee_eventi::{Impostazioni, Pubblicatore};
use isee_prova::Ambiente;
use isee_prova::nats::ServerNats;
use isee_registro::store::Configurazione;
use isee_registro::{
    Evento, Operazione, PresentazioneDsu, RegistroDsu, StoreEventi, StoreSql, TipoEvento,
};
use std::collections::BTreeMap;
use std::time::Duration;

const RAVENNA: &str = include_str!("../../../esempi/ordinario-famiglia-ravenna.json");

async fn registro(amb: &Ambiente) -> RegistroDsu<StoreSql> {
    let mut cfg = Configurazione::new(&amb.url);
    cfg.schema = amb.schema.clone();
    cfg.max_connessioni = 3;
    RegistroDsu::new(StoreSql::connetti_con(cfg).await.expect("registro"))
}

async fn presenta(r: &RegistroDsu<StoreSql>, chiave: &str) {
    r.presenta(PresentazioneDsu {
        dsu_json: RAVENNA.to_string(),
        chiave_idempotenza: chiave.to_string(),
        mittente: "CAF-RAVENNA".to_string(),
        protocollo_mittente: None,
        operazione: Operazione::Nuova,
    })
    .await
    .expect("filing");
}

fn impostazioni(nodo: &str) -> Impostazioni {
    Impostazioni {
        nodo: nodo.to_string(),
        lotto: 7,
        durata_presa: Duration::from_millis(300),
        ..Impostazioni::default()
    }
}

/// Every message of the stream, by event id: (subject, how many times).
async fn sul_flusso(js: &jetstream::Context, imp: &Impostazioni) -> BTreeMap<i64, (String, u32)> {
    let flusso = assicura_flusso(js, imp).await.unwrap();
    let totale = flusso.get_info().await.unwrap().state.messages;
    let mut out: BTreeMap<i64, (String, u32)> = BTreeMap::new();
    if totale == 0 {
        return out;
    }
    let c = flusso
        .create_consumer(jetstream::consumer::pull::OrderedConfig::default())
        .await
        .unwrap();
    let mut messaggi = c.messages().await.unwrap();
    for _ in 0..totale {
        let m = messaggi.next().await.unwrap().unwrap();
        let e: Evento = serde_json::from_slice(&m.payload).unwrap();
        assert_eq!(m.subject.as_str(), e.soggetto());
        let id_messaggio = m
            .headers
            .as_ref()
            .and_then(|h| h.get("Nats-Msg-Id"))
            .map(|v| v.as_str().to_string());
        assert_eq!(id_messaggio, Some(e.id_messaggio()));
        out.entry(e.id).or_insert((e.soggetto(), 0)).1 += 1;
    }
    out
}

async fn pubblica_tutto<S: StoreEventi>(p: &Pubblicatore<S>) {
    for _ in 0..1000 {
        p.giro().await.expect("round");
        if p.stato()
            .in_attesa
            .load(std::sync::atomic::Ordering::Relaxed)
            == 0
        {
            return;
        }
    }
    panic!("the outbox never emptied");
}

async fn due_pubblicatori_ogni_evento_una_volta(amb: Ambiente) {
    let Some(nats) = ServerNats::avvia() else {
        return;
    };
    let r = registro(&amb).await;
    let js = isee_eventi::connetti(&nats.url()).await.unwrap();
    let (ix, iy) = (impostazioni("x"), impostazioni("y"));
    let px = Pubblicatore::new(r.store().clone(), js.clone(), ix.clone());
    let py = Pubblicatore::new(registro(&amb).await.store().clone(), js.clone(), iy);
    // Filings go on while both nodes publish.
    let deposito = async {
        for i in 0..30 {
            presenta(&r, &format!("k{i}")).await;
        }
    };
    let (fermo_tx, fermo_rx) = tokio::sync::watch::channel(false);
    let ferma = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|f| *f).await;
    };
    let (sx, sy) = (px.stato(), py.stato());
    let corsa = tokio::spawn(px.esegui(ferma(fermo_rx.clone())));
    let corsa_y = tokio::spawn(py.esegui(ferma(fermo_rx)));
    deposito.await;
    let inizio = std::time::Instant::now();
    while r.store().arretrato().await.unwrap().eventi > 0 {
        assert!(
            inizio.elapsed() < Duration::from_secs(20),
            "outbox not drained"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    fermo_tx.send(true).unwrap();
    corsa.await.unwrap();
    corsa_y.await.unwrap();
    let eventi = r.store().eventi(0, 1000).await.unwrap();
    assert_eq!(eventi.len(), 60);
    let flusso = sul_flusso(&js, &ix).await;
    let attesi: BTreeMap<i64, (String, u32)> =
        eventi.iter().map(|e| (e.id, (e.soggetto(), 1))).collect();
    assert_eq!(flusso, attesi, "every event exactly once on the stream");
    let (a, b) = (
        sx.pubblicati.load(std::sync::atomic::Ordering::Relaxed),
        sy.pubblicati.load(std::sync::atomic::Ordering::Relaxed),
    );
    assert_eq!(
        a + b,
        60,
        "{a} + {b}: the nodes shared the rows, none twice"
    );
}

async fn nats_giu_e_pubblicatore_morto_nulla_perso(amb: Ambiente) {
    let Some(mut nats) = ServerNats::avvia() else {
        return;
    };
    let r = registro(&amb).await;
    let js = isee_eventi::connetti(&nats.url()).await.unwrap();
    let imp = impostazioni("x");
    let p = Pubblicatore::new(r.store().clone(), js.clone(), imp.clone());
    presenta(&r, "a").await;
    pubblica_tutto(&p).await;
    // NATS goes down: filings are still accepted (the outbox keeps their events),
    // the publisher's rounds fail and publish nothing.
    nats.ferma();
    presenta(&r, "b").await;
    presenta(&r, "c").await;
    assert!(p.giro().await.is_err());
    assert_eq!(r.store().arretrato().await.unwrap().eventi, 4);
    nats.riavvia();
    // A publisher that dies after publishing and before marking: its rows are
    // published, not marked. Simulated by publishing a claim's rows by hand.
    tokio::time::sleep(Duration::from_millis(400)).await; // the failed round's claim runs out
    let presa = r
        .store()
        .prendi(
            "morto-1",
            2,
            chrono::Utc::now().timestamp_micros(),
            chrono::Utc::now().timestamp_micros() + 300_000,
        )
        .await
        .unwrap();
    assert_eq!(presa.len(), 2);
    assert_flusso_pronto(&js, &imp).await;
    for e in &presa {
        js.send_publish(
            e.soggetto(),
            jetstream::message::PublishMessage::build()
                .payload(serde_json::to_vec(e).unwrap().into())
                .message_id(e.id_messaggio()),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    }
    // The dead publisher's claim runs out; a live one takes every row left.
    tokio::time::sleep(Duration::from_millis(400)).await;
    pubblica_tutto(&p).await;
    let eventi = r.store().eventi(0, 1000).await.unwrap();
    assert_eq!(eventi.len(), 6);
    let flusso = sul_flusso(&js, &imp).await;
    assert_eq!(flusso.len(), 6);
    assert!(flusso.values().all(|(_, n)| *n == 1), "{flusso:?}");
}

async fn assert_flusso_pronto(js: &jetstream::Context, imp: &Impostazioni) {
    let inizio = std::time::Instant::now();
    while assicura_flusso(js, imp).await.is_err() {
        assert!(
            inizio.elapsed() < Duration::from_secs(15),
            "JetStream not back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn consumatore_idempotente_e_riproduzione(amb: Ambiente) {
    let Some(nats) = ServerNats::avvia() else {
        return;
    };
    let r = registro(&amb).await;
    let js = isee_eventi::connetti(&nats.url()).await.unwrap();
    let imp = impostazioni("x");
    let p = Pubblicatore::new(r.store().clone(), js.clone(), imp.clone());
    for i in 0..5 {
        presenta(&r, &format!("k{i}")).await;
    }
    pubblica_tutto(&p).await;
    let notifiche = Notifiche::connetti(&amb.url, amb.schema.as_deref())
        .await
        .unwrap();
    // Consume until the 10 messages are in, twice: the second time after the durable
    // consumer was deleted, so every message is delivered again.
    for giro in 0..2 {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let n2 = notifiche.clone();
        let (js2, imp2) = (js.clone(), imp.clone());
        let compito = tokio::spawn(async move {
            consuma(&js2, &imp2, &n2, async {
                let _ = rx.await;
            })
            .await
        });
        let inizio = std::time::Instant::now();
        loop {
            let c = isee_eventi::consumatore::consumatore(&js, &imp, "notifiche")
                .await
                .unwrap();
            let info = c.get_info().await.unwrap();
            if info.ack_floor.stream_sequence >= 10 {
                break;
            }
            assert!(inizio.elapsed() < Duration::from_secs(20), "consumer stuck");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tx.send(()).unwrap();
        let conteggio = compito.await.unwrap();
        assert_eq!(conteggio.ricevuti, 10, "round {giro}");
        // 5 attestations notify; the second round's redeliveries change nothing.
        assert_eq!(
            conteggio.applicati,
            if giro == 0 { 5 } else { 0 },
            "round {giro}"
        );
        let elenco = notifiche.elenco(100).await.unwrap();
        assert_eq!(elenco.len(), 5);
        assert!(
            elenco
                .iter()
                .all(|n| n.tipo == TipoEvento::AttestazioneRilasciata)
        );
        assert!(elenco[0].testo.contains(&elenco[0].protocollo));
        assicura_flusso(&js, &imp)
            .await
            .unwrap()
            .delete_consumer("notifiche")
            .await
            .unwrap();
    }
    let prima = notifiche.elenco(100).await.unwrap();
    let mut passi = Vec::new();
    let c = riproduci(&js, &imp, &notifiche, |fatti, totale| {
        passi.push((fatti, totale))
    })
    .await
    .unwrap();
    assert_eq!(c.ricevuti, 10);
    assert_eq!(c.applicati, 5, "the effect was cleared, then rebuilt");
    assert_eq!(passi.last(), Some(&(10, 10)));
    let dopo = notifiche.elenco(100).await.unwrap();
    assert_eq!(
        prima
            .iter()
            .map(|n| (n.evento_id, &n.testo))
            .collect::<Vec<_>>(),
        dopo.iter()
            .map(|n| (n.evento_id, &n.testo))
            .collect::<Vec<_>>()
    );
    assert_eq!(notifiche.nome(), "notifiche");
}

isee_prova::su_entrambi!(
    due_pubblicatori_ogni_evento_una_volta,
    nats_giu_e_pubblicatore_morto_nulla_perso,
    consumatore_idempotente_e_riproduzione,
);

//! The outbox's contract (issue 15, "Events"): every change of the register writes its
//! events in its own transaction, a refused change writes none, publishers on several
//! nodes take disjoint rows, a claim that runs out is taken again, and nothing in a
//! row names a person; on SQLite and on PostgreSQL (`isee_prova::su_entrambi!`).

mod comune;

use isee_registro::accesso::Chiamante;
use isee_registro::annotazioni::annota_registro;
use isee_registro::omissioni::leggi_dati_agenzia;
use isee_registro::store::{StoreAccesso, StoreDsu, StoreEventi, StoreOmissioni};
use isee_registro::{Evento, Operazione, PresentazioneDsu, RegistroDsu, TipoEvento};
use std::collections::BTreeSet;

const RAVENNA: &str = include_str!("../../../esempi/ordinario-famiglia-ravenna.json");
const GENOVA: &str = include_str!("../../../esempi/corrente-perdita-lavoro-genova.json");
const MITTENTE: &str = "CAF-RAVENNA";

fn presentazione(dsu_json: &str, chiave: &str, operazione: Operazione) -> PresentazioneDsu {
    PresentazioneDsu {
        dsu_json: dsu_json.to_string(),
        chiave_idempotenza: chiave.to_string(),
        mittente: MITTENTE.to_string(),
        protocollo_mittente: None,
        operazione,
    }
}

async fn tutti<S: StoreEventi>(s: &S) -> Vec<Evento> {
    s.eventi(0, 10_000).await.unwrap()
}

fn riassunto(eventi: &[Evento]) -> Vec<(TipoEvento, String, Option<String>)> {
    eventi
        .iter()
        .map(|e| {
            (
                e.tipo,
                e.protocollo.to_string(),
                e.riferimento.as_ref().map(|p| p.to_string()),
            )
        })
        .collect()
}

async fn ogni_cambiamento_il_suo_evento<
    S: StoreDsu + StoreOmissioni + StoreAccesso + StoreEventi + Clone + 'static,
>(
    s: S,
) {
    let r = RegistroDsu::new(s.clone());
    let a = r
        .presenta(presentazione(RAVENNA, "a", Operazione::Nuova))
        .await
        .unwrap();
    // A retry of the same filing is the same filing: no new event.
    r.presenta(presentazione(RAVENNA, "a", Operazione::Nuova))
        .await
        .unwrap();
    let b = r
        .presenta(presentazione(
            RAVENNA,
            "b",
            Operazione::Rettifica {
                di: a.protocollo.clone(),
            },
        ))
        .await
        .unwrap();
    let c = r
        .presenta(presentazione(
            RAVENNA,
            "c",
            Operazione::Sostituzione {
                di: b.protocollo.clone(),
            },
        ))
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(GENOVA).unwrap();
    let modulo = v["corrente"].to_string();
    let mut base: serde_json::Value = v.clone();
    base.as_object_mut().unwrap().remove("corrente");
    let g = r
        .presenta(presentazione(&base.to_string(), "g", Operazione::Nuova))
        .await
        .unwrap();
    let corrente = r
        .modulo_corrente(&g.protocollo, &modulo, &Chiamante::mittente(MITTENTE), "gc")
        .await
        .unwrap();
    r.annulla(&g.protocollo, &Chiamante::mittente(MITTENTE))
        .await
        .unwrap();
    let file = concat!(
        r#"{"codice_fiscale":"RSSMRA85M01H199H","data_controllo":"2026-03-01","rapporti":["#,
        r#"{"tipo":"03","identificativo":"LIB-9","saldo_31_12":"2500.50"}]}"#,
    );
    let (dati, errori) = leggi_dati_agenzia(file);
    assert!(errori.is_empty(), "{errori:?}");
    let note = annota_registro(&s, &dati).await.unwrap();
    assert_eq!(note.len(), 1);

    let p = |x: &isee_registro::Protocollo| x.to_string();
    let atteso = vec![
        (TipoEvento::DsuPresentata, p(&a.protocollo), None),
        (TipoEvento::AttestazioneRilasciata, p(&a.protocollo), None),
        (
            TipoEvento::DsuRettificata,
            p(&b.protocollo),
            Some(p(&a.protocollo)),
        ),
        (TipoEvento::AttestazioneRilasciata, p(&b.protocollo), None),
        (
            TipoEvento::DsuSostituita,
            p(&c.protocollo),
            Some(p(&b.protocollo)),
        ),
        (TipoEvento::AttestazioneRilasciata, p(&c.protocollo), None),
        (TipoEvento::DsuPresentata, p(&g.protocollo), None),
        (TipoEvento::AttestazioneRilasciata, p(&g.protocollo), None),
        (
            TipoEvento::CorrentePresentata,
            p(&corrente.protocollo),
            Some(p(&g.protocollo)),
        ),
        (
            TipoEvento::AttestazioneRilasciata,
            p(&corrente.protocollo),
            None,
        ),
        (TipoEvento::DsuAnnullata, p(&g.protocollo), None),
        (
            TipoEvento::DsuAnnullata,
            p(&corrente.protocollo),
            Some(p(&g.protocollo)),
        ),
        (TipoEvento::OmissioneAnnotata, p(&c.protocollo), None),
    ];
    let eventi = tutti(&s).await;
    assert_eq!(riassunto(&eventi), atteso);
    let ids: Vec<i64> = eventi.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    // The filing's event carries its commit time.
    assert_eq!(eventi[0].creato_il, a.registrata_il);
    // No event names a person.
    let json = serde_json::to_string(&eventi).unwrap();
    assert!(!json.contains("RSSMRA85M01H199H"), "{json}");
}

async fn un_rifiuto_non_scrive_eventi<
    S: StoreDsu + StoreOmissioni + StoreAccesso + StoreEventi + Clone + 'static,
>(
    s: S,
) {
    let r = RegistroDsu::new(s.clone());
    let a = r
        .presenta(presentazione(RAVENNA, "a", Operazione::Nuova))
        .await
        .unwrap();
    let prima = tutti(&s).await;
    assert_eq!(prima.len(), 2);
    // The key reused for another DSU, a rectification of an unknown protocol, an
    // annulment of an unknown protocol, a corrente module on nothing: all refused.
    let altra = RAVENNA.replacen("\"2026-", "\"2025-", 1);
    assert!(
        r.presenta(presentazione(&altra, "a", Operazione::Nuova))
            .await
            .is_err()
    );
    let ignoto = isee_registro::Protocollo::new("INPS-ISEE", 2026, 9_999_999, 0).unwrap();
    assert!(
        r.presenta(presentazione(
            RAVENNA,
            "r",
            Operazione::Rettifica { di: ignoto.clone() }
        ))
        .await
        .is_err()
    );
    assert!(
        r.annulla(&ignoto, &Chiamante::mittente(MITTENTE))
            .await
            .is_err()
    );
    r.annulla(&a.protocollo, &Chiamante::mittente(MITTENTE))
        .await
        .unwrap();
    // Annulling twice: the second is refused and writes nothing.
    assert!(
        r.annulla(&a.protocollo, &Chiamante::mittente(MITTENTE))
            .await
            .is_err()
    );
    let dopo = tutti(&s).await;
    assert_eq!(dopo.len(), 3, "{:?}", riassunto(&dopo));
    assert_eq!(dopo[2].tipo, TipoEvento::DsuAnnullata);
}

async fn prese_disgiunte_e_scadute<
    S: StoreDsu + StoreOmissioni + StoreAccesso + StoreEventi + Clone + 'static,
>(
    s: S,
) {
    let r = RegistroDsu::new(s.clone());
    for i in 0..20 {
        r.presenta(presentazione(RAVENNA, &format!("k{i}"), Operazione::Nuova))
            .await
            .unwrap();
    }
    let arretrato = s.arretrato().await.unwrap();
    assert_eq!(arretrato.eventi, 40);
    let primo = tutti(&s).await[0].creato_il;
    assert_eq!(arretrato.piu_vecchio, Some(primo));

    // Two publishers at once take disjoint rows that together are all of them.
    let (x, y) = tokio::join!(
        s.prendi("nodo-x-1", 25, 1_000, 2_000),
        s.prendi("nodo-y-1", 25, 1_000, 2_000)
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    let ix: BTreeSet<i64> = x.iter().map(|e| e.id).collect();
    let iy: BTreeSet<i64> = y.iter().map(|e| e.id).collect();
    assert!(ix.is_disjoint(&iy), "{ix:?} {iy:?}");
    assert_eq!(ix.len() + iy.len(), 40);
    assert!(x.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
    // Nothing is left to take while the claims hold.
    assert!(
        s.prendi("nodo-z-1", 100, 1_500, 3_000)
            .await
            .unwrap()
            .is_empty()
    );
    // x publishes its rows; y dies holding its own.
    assert_eq!(
        s.pubblicati("nodo-x-1", 1_600).await.unwrap(),
        ix.len() as u64
    );
    assert_eq!(s.arretrato().await.unwrap().eventi, iy.len() as u64);
    // After y's claim ran out another takes its rows, and only those.
    let z = s.prendi("nodo-z-2", 100, 2_001, 3_000).await.unwrap();
    assert_eq!(z.iter().map(|e| e.id).collect::<BTreeSet<_>>(), iy);
    // y's late mark touches nothing: the rows are z's now.
    assert_eq!(s.pubblicati("nodo-y-1", 2_100).await.unwrap(), 0);
    assert_eq!(
        s.pubblicati("nodo-z-2", 2_200).await.unwrap(),
        iy.len() as u64
    );
    assert_eq!(s.arretrato().await.unwrap(), Default::default());
    // Retention: only what was published before the date goes.
    assert_eq!(s.elimina_pubblicati(2_000).await.unwrap(), ix.len() as u64);
    assert_eq!(tutti(&s).await.len(), iy.len());
    // Paging by id.
    let primi = s.eventi(0, 3).await.unwrap();
    let resto = s.eventi(primi[2].id, 100).await.unwrap();
    assert_eq!(primi.len() + resto.len(), iy.len());
}

isee_prova::su_entrambi!(
    apri = crate::comune::apri;
    ogni_cambiamento_il_suo_evento,
    un_rifiuto_non_scrive_eventi,
    prese_disgiunte_e_scadute,
);

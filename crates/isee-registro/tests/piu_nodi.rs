//! Two register nodes on one database (issue 15, "Many nodes, one truth"): two stores
//! opened on the same SQLite file or PostgreSQL schema, as two `isee serve` processes
//! would be, file at once. Protocol numbers stay unique across the nodes; on SQLite
//! (one writer) they also stay without gaps; on PostgreSQL they come from the year's
//! sequence (docs/SCELTE.md §25). An idempotency key
//! sent to both nodes at once gives one DSU.

mod comune;

use isee_prova::{Ambiente, Backend};
use isee_registro::{Operazione, PresentazioneDsu, RegistroDsu, StoreSql};
use std::collections::BTreeSet;
use std::sync::Arc;

const RAVENNA: &str = include_str!("../../../esempi/ordinario-famiglia-ravenna.json");

fn presentazione(chiave: &str) -> PresentazioneDsu {
    PresentazioneDsu {
        dsu_json: RAVENNA.to_string(),
        chiave_idempotenza: chiave.to_string(),
        mittente: "CAF-RAVENNA".to_string(),
        protocollo_mittente: None,
        operazione: Operazione::Nuova,
    }
}

async fn due_nodi(amb: &Ambiente) -> [Arc<RegistroDsu<StoreSql>>; 2] {
    [
        Arc::new(RegistroDsu::new(comune::apri(amb.clone()).await)),
        Arc::new(RegistroDsu::new(comune::apri(amb.clone()).await)),
    ]
}

const PER_NODO: usize = 40;

async fn numeri_unici(amb: Ambiente) {
    let nodi = due_nodi(&amb).await;
    let mut compiti = Vec::new();
    for (n, nodo) in nodi.iter().enumerate() {
        for i in 0..PER_NODO {
            let nodo = nodo.clone();
            compiti.push(tokio::spawn(async move {
                nodo.presenta(presentazione(&format!("n{n}-{i}")))
                    .await
                    .map(|r| r.protocollo)
            }));
        }
    }
    let mut numeri = BTreeSet::new();
    let mut protocolli = BTreeSet::new();
    for c in compiti {
        let p = c.await.unwrap().expect("filing accepted");
        numeri.insert(p.numero());
        protocolli.insert(p.to_string());
    }
    assert_eq!(protocolli.len(), 2 * PER_NODO, "one protocol per filing");
    assert_eq!(numeri.len(), 2 * PER_NODO, "no number handed out twice");
    if amb.backend == Backend::Sqlite {
        let attesi: BTreeSet<u32> = (1..=u32::try_from(2 * PER_NODO).unwrap()).collect();
        assert_eq!(numeri, attesi, "SQLite numbers have no gaps");
    } else {
        // PostgreSQL took them from the year's sequence, not from the counter row.
        let store = comune::apri(amb.clone()).await;
        let ultimo: i64 = sqlx::query_scalar("SELECT last_value FROM sequenza_protocollo_2026")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(ultimo, i64::from(*numeri.last().unwrap()));
        let righe: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sequenza_protocollo")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(righe, 0, "the counter row is not used on PostgreSQL");
    }
    // A third node opened later continues above every number handed out.
    let terzo = RegistroDsu::new(comune::apri(amb.clone()).await);
    let dopo = terzo.presenta(presentazione("dopo")).await.unwrap();
    assert!(
        dopo.protocollo.numero() > *numeri.last().unwrap(),
        "{} after {:?}",
        dopo.protocollo,
        numeri.last()
    );
}

async fn stessa_chiave_due_nodi(amb: Ambiente) {
    for giro in 0..10 {
        let nodi = due_nodi(&amb).await;
        let chiave = format!("stessa-{giro}");
        let compiti: Vec<_> = nodi
            .iter()
            .map(|nodo| {
                let nodo = nodo.clone();
                let chiave = chiave.clone();
                tokio::spawn(async move { nodo.presenta(presentazione(&chiave)).await })
            })
            .collect();
        let mut ricevute = Vec::new();
        for c in compiti {
            ricevute.push(
                c.await
                    .unwrap()
                    .expect("both nodes answer with the receipt"),
            );
        }
        assert_eq!(ricevute[0], ricevute[1], "one DSU, one receipt");
    }
    let nodo = RegistroDsu::new(comune::apri(amb).await);
    let cf = isee_core::codice_fiscale::CodiceFiscale::new("RSSMRA85M01H199H");
    assert_eq!(
        nodo.storico(&cf).await.unwrap().len(),
        10,
        "one DSU per key"
    );
}

isee_prova::su_entrambi!(numeri_unici, stessa_chiave_due_nodi);

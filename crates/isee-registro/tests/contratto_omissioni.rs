//! The omissioni store's contract: the notes written from the tax agency's data, read
//! back, idempotent, and the ISEE untouched; on SQLite and on PostgreSQL
//! (`isee_prova::su_entrambi!`, fixture in `comune/mod.rs`).

mod comune;

use isee_registro::annotazioni::annota_registro;
use isee_registro::omissioni::{TipoOmissione, leggi_dati_agenzia};
use isee_registro::store::{StoreAccesso, StoreDsu, StoreOmissioni};
use isee_registro::{Operazione, PresentazioneDsu, RegistroDsu};
use rust_decimal::dec;

const RAVENNA: &str = include_str!("../../../esempi/ordinario-famiglia-ravenna.json");

fn presentazione(dsu_json: &str, chiave: &str, operazione: Operazione) -> PresentazioneDsu {
    PresentazioneDsu {
        dsu_json: dsu_json.to_string(),
        chiave_idempotenza: chiave.to_string(),
        mittente: "CAF-RAVENNA".to_string(),
        protocollo_mittente: None,
        operazione,
    }
}

fn registro<S: StoreDsu>(s: S) -> RegistroDsu<S> {
    RegistroDsu::new(s)
}

async fn omissioni_annotate_senza_cambiare_isee<
    S: StoreDsu + StoreOmissioni + StoreAccesso + Clone + 'static,
>(
    s: S,
) {
    let r = registro(s);
    let a = r
        .presenta(presentazione(RAVENNA, "k", Operazione::Nuova))
        .await
        .unwrap();
    let file = concat!(
        r#"{"codice_fiscale":"RSSMRA85M01H199H","data_controllo":"2026-03-01","rapporti":["#,
        r#"{"tipo":"01","identificativo":"IT60 X054 2811 1010 0000 0123 456","saldo_31_12":"12000","giacenza_media":"10000"},"#,
        r#"{"tipo":"03","identificativo":"LIB-9","saldo_31_12":"2500.50"}],"reddito_complessivo":"32500"}"#,
        "\n",
        "non json\n",
        r#"{"codice_fiscale":"BNCLRA88R45H199W","data_controllo":"2026-03-01","reddito_complessivo":"18000"}"#
    );
    let (dati, errori) = leggi_dati_agenzia(file);
    assert_eq!(errori.len(), 1);
    assert_eq!(errori[0].0, 2);
    let note = annota_registro(r.store(), &dati).await.unwrap();
    let mut tipi: Vec<_> = note
        .iter()
        .map(|n| (n.tipo, n.riferimento.clone()))
        .collect();
    tipi.sort_by(|x, y| x.1.cmp(&y.1));
    assert_eq!(
        tipi,
        vec![
            (TipoOmissione::PatrimoniMobiliari, "LIB-9".to_string()),
            (
                TipoOmissione::RedditiScostamento,
                "reddito_complessivo".to_string()
            )
        ]
    );
    let lette = r.store().annotazioni(&a.protocollo).await.unwrap();
    assert_eq!(lette.len(), 2);
    let lib = lette.iter().find(|n| n.riferimento == "LIB-9").unwrap();
    assert_eq!(lib.agenzia_entrate, dec!(2500.50));
    assert_eq!(lib.dichiarato, None);
    assert_eq!(lib.tipo_rapporto.as_deref(), Some("03"));
    let dopo = r.per_protocollo(&a.protocollo).await.unwrap().unwrap();
    assert_eq!(dopo, a, "l'ISEE non cambia");
    // Applying the same file again adds nothing.
    annota_registro(r.store(), &dati).await.unwrap();
    assert_eq!(r.store().annotazioni(&a.protocollo).await.unwrap().len(), 2);
}

isee_prova::su_entrambi!(
    apri = crate::comune::apri;
    omissioni_annotate_senza_cambiare_isee,
);

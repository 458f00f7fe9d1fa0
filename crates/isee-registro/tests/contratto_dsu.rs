//! The DSU register's store contract: every test body is generic over `StoreDsu` and
//! runs on SQLite and on PostgreSQL (`isee_prova::su_entrambi!`, fixture in
//! `comune/mod.rs`).

mod comune;

use chrono::NaiveDate;
use isee_core::codice_fiscale::CodiceFiscale;
use isee_core::{Dsu, Motore, TipoIsee, valida};
use isee_registro::registrazione::{OperazioneRegistrata, StatoDsu, TipoRegistrazione};
use isee_registro::store::{StoreAccesso, StoreDsu};
use isee_registro::{
    Chiamante, ErroreRegistro, Operazione, PresentazioneDsu, Protocollo, RegistroDsu,
};
use serde_json::{Value, json};

const RAVENNA: &str = include_str!("../../../esempi/ordinario-famiglia-ravenna.json");
const GENOVA: &str = include_str!("../../../esempi/corrente-perdita-lavoro-genova.json");
const ERRORI: &str = include_str!("../../../esempi/errori-multipli.json");

const MITTENTE: &str = "CAF-RAVENNA";

fn mario() -> CodiceFiscale {
    CodiceFiscale::new("RSSMRA85M01H199H")
}

fn data(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn modifica(testo: &str, f: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(testo).unwrap();
    f(&mut v);
    v.to_string()
}

fn presentazione(dsu_json: &str, chiave: &str, operazione: Operazione) -> PresentazioneDsu {
    PresentazioneDsu {
        dsu_json: dsu_json.to_string(),
        chiave_idempotenza: chiave.to_string(),
        mittente: MITTENTE.to_string(),
        protocollo_mittente: None,
        operazione,
    }
}

fn registro<S: StoreDsu>(s: S) -> RegistroDsu<S> {
    RegistroDsu::new(s)
}

// ---------------------------------------------------------------------------------
// The bodies.

async fn ritentativo_idempotente<S: StoreDsu + StoreAccesso + Clone + 'static>(s: S) {
    let r = registro(s);
    let a = r
        .presenta(presentazione(RAVENNA, "k1", Operazione::Nuova))
        .await
        .unwrap();
    // The same DSU with other whitespace is the same request.
    let spaziata = modifica(RAVENNA, |_| {});
    let b = r
        .presenta(presentazione(&spaziata, "k1", Operazione::Nuova))
        .await
        .unwrap();
    assert_eq!(a, b, "stessa ricevuta");
    assert!(
        a.protocollo
            .to_string()
            .starts_with("INPS-ISEE-2026-00000001")
    );
    assert_eq!(a.protocollo.suffisso(), 0);
    assert_eq!(a.protocollo_mittente.as_deref(), Some("CAF-RA-2026-000123"));
    assert_eq!(r.storico(&mario()).await.unwrap().len(), 1, "una sola DSU");
    // A new key is a new DSU.
    let c = r
        .presenta(presentazione(RAVENNA, "k2", Operazione::Nuova))
        .await
        .unwrap();
    assert_eq!(c.protocollo.numero(), 2);
    // The same key from another sender is another request.
    let mut p = presentazione(RAVENNA, "k1", Operazione::Nuova);
    p.mittente = "COMUNE-RA".into();
    let d = r.presenta(p).await.unwrap();
    assert_eq!(d.protocollo.numero(), 3);
}

async fn ritentativi_concorrenti<S: StoreDsu + StoreAccesso + Clone + 'static>(s: S) {
    let r = std::sync::Arc::new(registro(s));
    let mut compiti = Vec::new();
    for _ in 0..4 {
        let r = r.clone();
        compiti.push(tokio::spawn(async move {
            r.presenta(presentazione(RAVENNA, "stessa", Operazione::Nuova))
                .await
        }));
    }
    let mut ricevute = Vec::new();
    for c in compiti {
        ricevute.push(c.await.unwrap().unwrap());
    }
    assert!(ricevute.windows(2).all(|w| w[0] == w[1]), "{ricevute:?}");
    assert_eq!(r.storico(&mario()).await.unwrap().len(), 1);
}

async fn stessa_chiave_corpo_diverso<S: StoreDsu + StoreAccesso + Clone + 'static>(s: S) {
    let r = registro(s);
    r.presenta(presentazione(RAVENNA, "k", Operazione::Nuova))
        .await
        .unwrap();
    let altra = modifica(RAVENNA, |v| {
        v["componenti"][0]["redditi"]["reddito_complessivo"] = json!(33000);
    });
    let e = r
        .presenta(presentazione(&altra, "k", Operazione::Nuova))
        .await
        .unwrap_err();
    assert!(matches!(e, ErroreRegistro::ChiaveRiusata(_)), "{e}");
    assert_eq!(e.codice(), "registro.chiave_riusata");
    assert_eq!(r.storico(&mario()).await.unwrap().len(), 1);
}

async fn dsu_non_valida_nulla_memorizzato<S: StoreDsu + StoreAccesso + Clone + 'static>(s: S) {
    let r = registro(s);
    let e = r
        .presenta(presentazione(ERRORI, "k", Operazione::Nuova))
        .await
        .unwrap_err();
    let ErroreRegistro::DsuNonValida(problemi) = &e else {
        panic!("{e}")
    };
    assert!(problemi.len() > 3, "tutti i problemi insieme: {problemi:?}");
    let e = r
        .presenta(presentazione("{", "k", Operazione::Nuova))
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.dsu_illeggibile");
    let e = r
        .presenta(presentazione(RAVENNA, " ", Operazione::Nuova))
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.chiave_mancante");
    // Nothing was stored and no number was taken.
    let a = r
        .presenta(presentazione(RAVENNA, "k", Operazione::Nuova))
        .await
        .unwrap();
    assert_eq!(a.protocollo.numero(), 1);
}

async fn rettifica_di_protocollo_sconosciuto<S: StoreDsu + StoreAccesso + Clone + 'static>(s: S) {
    let r = registro(s);
    let ignoto = Protocollo::new("INPS-ISEE", 2026, 4242, 0).unwrap();
    for op in [
        Operazione::Rettifica { di: ignoto.clone() },
        Operazione::Sostituzione { di: ignoto.clone() },
    ] {
        let e = r
            .presenta(presentazione(RAVENNA, "k", op))
            .await
            .unwrap_err();
        assert!(matches!(e, ErroreRegistro::ProtocolloSconosciuto(_)), "{e}");
        assert_eq!(e.codice(), "registro.protocollo_sconosciuto");
    }
    assert!(r.storico(&mario()).await.unwrap().is_empty());
    // The failed filings rolled back their protocol numbers too.
    let a = r
        .presenta(presentazione(RAVENNA, "k", Operazione::Nuova))
        .await
        .unwrap();
    assert_eq!(a.protocollo.numero(), 1);
}

async fn rettifica_marca_la_vecchia<S: StoreDsu + StoreAccesso + Clone + 'static>(s: S) {
    let r = registro(s);
    let vecchia = r
        .presenta(presentazione(RAVENNA, "k1", Operazione::Nuova))
        .await
        .unwrap();
    let corretta = modifica(RAVENNA, |v| {
        v["componenti"][0]["redditi"]["reddito_complessivo"] = json!(30000);
        v["componenti"][0]["redditi"]["di_cui_lavoro_dipendente"] = json!(30000);
    });
    let nuova = r
        .presenta(presentazione(
            &corretta,
            "k2",
            Operazione::Rettifica {
                di: vecchia.protocollo.clone(),
            },
        ))
        .await
        .unwrap();
    assert_eq!(nuova.operazione, OperazioneRegistrata::Rettifica);
    assert_eq!(nuova.riferimento.as_ref(), Some(&vecchia.protocollo));
    assert_eq!(nuova.stato, StatoDsu::Attiva);
    let v = r
        .per_protocollo(&vecchia.protocollo)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.stato, StatoDsu::Rettificata);
    assert_eq!(v.sostituita_da.as_ref(), Some(&nuova.protocollo));
    assert_eq!(v.indicatori, vecchia.indicatori, "la vecchia resta com'era");
    // A rectified DSU cannot be rectified again, nor substituted.
    let e = r
        .presenta(presentazione(
            &corretta,
            "k3",
            Operazione::Sostituzione {
                di: vecchia.protocollo.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ErroreRegistro::ProtocolloNonAttivo { stato, .. } if stato == "rettificata"),
        "{e}"
    );
    // Substitution of the new one.
    let terza = r
        .presenta(presentazione(
            RAVENNA,
            "k4",
            Operazione::Sostituzione {
                di: nuova.protocollo.clone(),
            },
        ))
        .await
        .unwrap();
    let n = r.per_protocollo(&nuova.protocollo).await.unwrap().unwrap();
    assert_eq!(n.stato, StatoDsu::Sostituita);
    assert_eq!(n.sostituita_da.as_ref(), Some(&terza.protocollo));
}

async fn annullamento<S: StoreDsu + StoreAccesso + Clone + 'static>(s: S) {
    let r = registro(s);
    let a = r
        .presenta(presentazione(RAVENNA, "k", Operazione::Nuova))
        .await
        .unwrap();
    let trovata = r
        .dsu_valida(&mario(), data("2026-05-01"))
        .await
        .unwrap()
        .expect("valid on 2026-05-01");
    // The lookup by fiscal code (one joined query) returns exactly what the lookup by
    // protocol returns, indicators and their values included.
    assert!(!trovata.indicatori.is_empty());
    assert!(trovata.indicatori.iter().any(|i| i.valori.is_some()));
    assert_eq!(
        Some(trovata),
        r.per_protocollo(&a.protocollo).await.unwrap()
    );
    let x = r
        .annulla(&a.protocollo, &Chiamante::mittente(MITTENTE))
        .await
        .unwrap();
    assert_eq!(x.stato, StatoDsu::Annullata);
    assert!(x.annullata_il.is_some());
    assert!(
        r.dsu_valida(&mario(), data("2026-05-01"))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        r.storico(&mario()).await.unwrap()[0].stato,
        StatoDsu::Annullata
    );
    let e = r
        .annulla(&a.protocollo, &Chiamante::mittente(MITTENTE))
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.protocollo_non_attivo");
    let e = r
        .presenta(presentazione(
            RAVENNA,
            "k2",
            Operazione::Rettifica {
                di: a.protocollo.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.protocollo_non_attivo");
    let ignoto = Protocollo::new("INPS-ISEE", 2026, 999, 0).unwrap();
    assert_eq!(
        r.annulla(&ignoto, &Chiamante::mittente(MITTENTE))
            .await
            .unwrap_err()
            .codice(),
        "registro.protocollo_sconosciuto"
    );
}

async fn ricerca_per_cf_alla_data_e_storico<S: StoreDsu + StoreAccesso + Clone + 'static>(s: S) {
    let r = registro(s);
    let del_2025 = modifica(RAVENNA, |v| v["data_presentazione"] = json!("2025-03-01"));
    let a = r
        .presenta(presentazione(&del_2025, "a", Operazione::Nuova))
        .await
        .unwrap();
    assert!(
        a.protocollo
            .to_string()
            .starts_with("INPS-ISEE-2025-00000001")
    );
    assert_eq!(a.validita.al, data("2025-12-31"));
    let b = r
        .presenta(presentazione(RAVENNA, "b", Operazione::Nuova))
        .await
        .unwrap();
    assert!(
        b.protocollo
            .to_string()
            .starts_with("INPS-ISEE-2026-00000001"),
        "sequenza per anno"
    );
    let c = r
        .presenta(presentazione(
            RAVENNA,
            "c",
            Operazione::Rettifica {
                di: b.protocollo.clone(),
            },
        ))
        .await
        .unwrap();
    // Any member finds it: the youngest child.
    let sara = CodiceFiscale::new("RSSSRA24C50H199R");
    let trova = |cf: CodiceFiscale, d: &'static str| {
        let r = &r;
        async move {
            r.dsu_valida(&cf, data(d))
                .await
                .unwrap()
                .map(|x| x.protocollo)
        }
    };
    assert_eq!(
        trova(mario(), "2025-06-01").await,
        Some(a.protocollo.clone())
    );
    assert_eq!(trova(sara, "2026-06-01").await, Some(c.protocollo.clone()));
    assert_eq!(
        trova(mario(), "2026-02-09").await,
        None,
        "prima della presentazione"
    );
    assert_eq!(
        trova(mario(), "2026-02-10").await,
        Some(c.protocollo.clone())
    );
    assert_eq!(
        trova(mario(), "2026-12-31").await,
        Some(c.protocollo.clone())
    );
    assert_eq!(
        trova(mario(), "2027-01-01").await,
        None,
        "scaduta il 31 dicembre"
    );
    assert_eq!(
        trova(CodiceFiscale::new("BNCLRA88R45H199W"), "2025-12-31").await,
        Some(a.protocollo.clone())
    );
    assert_eq!(
        trova(CodiceFiscale::new("VRDGPP80A01H501U"), "2026-06-01").await,
        None
    );
    let storico: Vec<_> = r
        .storico(&mario())
        .await
        .unwrap()
        .into_iter()
        .map(|x| (x.protocollo, x.stato))
        .collect();
    assert_eq!(
        storico,
        vec![
            (a.protocollo, StatoDsu::Attiva),
            (b.protocollo, StatoDsu::Rettificata),
            (c.protocollo, StatoDsu::Attiva)
        ]
    );
}

async fn ricerca_per_protocollo_mittente<S: StoreDsu + StoreAccesso + Clone + 'static>(s: S) {
    let r = registro(s);
    let a = r
        .presenta(presentazione(RAVENNA, "a", Operazione::Nuova))
        .await
        .unwrap();
    let mut p = presentazione(RAVENNA, "b", Operazione::Nuova);
    p.protocollo_mittente = Some("MIO-1".into());
    let b = r.presenta(p).await.unwrap();
    let x = r
        .per_protocollo_mittente("CAF-RAVENNA", "CAF-RA-2026-000123")
        .await
        .unwrap();
    assert_eq!(x, vec![a]);
    let y = r
        .per_protocollo_mittente("CAF-RAVENNA", "MIO-1")
        .await
        .unwrap();
    assert_eq!(y, vec![b]);
    assert!(
        r.per_protocollo_mittente("ALTRO", "MIO-1")
            .await
            .unwrap()
            .is_empty()
    );
    let mut p = presentazione(RAVENNA, "c", Operazione::Nuova);
    p.protocollo_mittente = Some("X".repeat(30));
    assert_eq!(
        r.presenta(p).await.unwrap_err().codice(),
        "registro.protocollo_mittente_lungo"
    );
}

async fn importi_esatti_al_centesimo<S: StoreDsu + StoreAccesso + Clone + 'static>(s: S) {
    let r = registro(s);
    let a = r
        .presenta(presentazione(RAVENNA, "k", Operazione::Nuova))
        .await
        .unwrap();
    // The stored values equal the engine's, to the cent, with the versions.
    let motore = Motore::predefinito();
    let dsu = valida(Dsu::da_json(RAVENNA).unwrap()).unwrap();
    let att = isee_core::attestazione::attestazione(&motore, &dsu).unwrap();
    let ord = att.ordinario().unwrap();
    let v = a.indicatori[0].valori.as_ref().unwrap();
    assert_eq!(a.indicatori[0].tipo, TipoIsee::Ordinario);
    assert_eq!(
        (v.isee, v.ise, v.isr, v.isp),
        (ord.isee, ord.righe.ise, ord.righe.isr, ord.righe.isp)
    );
    assert_eq!(v.scala, ord.righe.scala_equivalenza);
    assert_eq!(a.indicatori.len(), att.indicatori.len());
    assert_eq!(a.versione_motore, ord.versione_motore);
    assert_eq!(a.versione_parametri, &*ord.versione_parametri);
    assert_eq!(a.validita.al, data("2026-12-31"));
    // Minors of the DSU have their own indicators, with the beneficiary.
    assert!(a.indicatori.iter().any(|i| i.tipo == TipoIsee::Minorenni
        && i.beneficiario == Some(CodiceFiscale::new("RSSSRA24C50H199R"))));
    // And the stored attestation recomputes to the same thing.
    let ric = r.ricalcola(&a.protocollo).await.unwrap();
    assert!(ric.uguale);
}

async fn modulo_corrente_sopra_una_dsu<S: StoreDsu + StoreAccesso + Clone + 'static>(s: S) {
    let r = registro(s);
    let v: Value = serde_json::from_str(GENOVA).unwrap();
    let modulo = v["corrente"].to_string();
    let base = modifica(GENOVA, |v| {
        v.as_object_mut().unwrap().remove("corrente");
    });
    let dsu = r
        .presenta(presentazione(&base, "d", Operazione::Nuova))
        .await
        .unwrap();
    let c1 = r
        .modulo_corrente(
            &dsu.protocollo,
            &modulo,
            &Chiamante::mittente(MITTENTE),
            "c1",
        )
        .await
        .unwrap();
    assert_eq!(c1.protocollo.numero(), dsu.protocollo.numero());
    assert_eq!(c1.protocollo.suffisso(), 1);
    assert_eq!(c1.tipo, TipoRegistrazione::Corrente);
    assert_eq!(c1.riferimento.as_ref(), Some(&dsu.protocollo));
    assert_eq!(c1.data_presentazione, data("2026-03-10"));
    let corrente = c1
        .indicatori
        .iter()
        .find(|i| i.tipo == TipoIsee::Corrente)
        .unwrap();
    assert_eq!(c1.validita, corrente.valori.as_ref().unwrap().validita);
    // Idempotent too.
    let again = r
        .modulo_corrente(
            &dsu.protocollo,
            &modulo,
            &Chiamante::mittente(MITTENTE),
            "c1",
        )
        .await
        .unwrap();
    assert_eq!(again, c1);
    let c2 = r
        .modulo_corrente(
            &dsu.protocollo,
            &modulo,
            &Chiamante::mittente(MITTENTE),
            "c2",
        )
        .await
        .unwrap();
    assert_eq!(c2.protocollo.suffisso(), 2);
    let stefano = CodiceFiscale::new("LMBSFN78M08D969R");
    let trovata = r
        .corrente_valida(&stefano, data("2026-04-01"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(trovata.protocollo, c2.protocollo);
    assert_eq!(
        r.dsu_valida(&stefano, data("2026-04-01"))
            .await
            .unwrap()
            .unwrap()
            .protocollo,
        dsu.protocollo
    );
    // Not on top of a corrente; not on an unknown DSU.
    let e = r
        .modulo_corrente(
            &c1.protocollo,
            &modulo,
            &Chiamante::mittente(MITTENTE),
            "c3",
        )
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.non_una_dsu");
    let e = r
        .modulo_corrente(&c1.protocollo, "{", &Chiamante::mittente(MITTENTE), "c3")
        .await
        .unwrap_err();
    assert_eq!(e.codice(), "registro.modulo_corrente_illeggibile");
    // Annulling the DSU takes its corrente modules with it.
    r.annulla(&dsu.protocollo, &Chiamante::mittente(MITTENTE))
        .await
        .unwrap();
    assert_eq!(
        r.per_protocollo(&c2.protocollo)
            .await
            .unwrap()
            .unwrap()
            .stato,
        StatoDsu::Annullata
    );
    assert!(
        r.corrente_valida(&stefano, data("2026-04-01"))
            .await
            .unwrap()
            .is_none()
    );
}

/// A sender's filings by time, and its count by nucleus size: only its own, only in
/// the window, the corrente modules listed but not counted as DSUs.
async fn filing_del_mittente<S: StoreDsu + StoreAccesso + Clone + 'static>(s: S) {
    let r = registro(s.clone());
    let prima = r
        .presenta(presentazione(RAVENNA, "a", Operazione::Nuova))
        .await
        .unwrap();
    let mut p = presentazione(RAVENNA, "b", Operazione::Nuova);
    p.mittente = "ALTRO".into();
    r.presenta(p).await.unwrap();
    let genova = modifica(GENOVA, |v| {
        v.as_object_mut().unwrap().remove("corrente");
    });
    let seconda = r
        .presenta(presentazione(&genova, "c", Operazione::Nuova))
        .await
        .unwrap();
    let corrente: Value = serde_json::from_str(GENOVA).unwrap();
    let modulo = r
        .modulo_corrente(
            &seconda.protocollo,
            &corrente["corrente"].to_string(),
            &Chiamante::mittente(MITTENTE),
            "d",
        )
        .await
        .unwrap();
    let tutte = s.del_mittente(MITTENTE, 0, i64::MAX, 100).await.unwrap();
    let protocolli: Vec<_> = tutte.iter().map(|x| x.protocollo.clone()).collect();
    assert_eq!(
        protocolli,
        vec![
            modulo.protocollo.clone(),
            seconda.protocollo.clone(),
            prima.protocollo.clone()
        ]
    );
    assert_eq!(
        s.del_mittente(MITTENTE, 0, i64::MAX, 2)
            .await
            .unwrap()
            .len(),
        2
    );
    // The window is half-open on the filing instant.
    let solo_prima = s
        .del_mittente(MITTENTE, prima.registrata_il, seconda.registrata_il, 100)
        .await
        .unwrap();
    assert!(
        solo_prima
            .iter()
            .all(|x| x.registrata_il < seconda.registrata_il)
    );
    assert!(solo_prima.iter().any(|x| x.protocollo == prima.protocollo));
    assert!(
        s.del_mittente("NESSUNO", 0, i64::MAX, 100)
            .await
            .unwrap()
            .is_empty()
    );
    let membri_genova =
        u32::try_from(s.componenti(&seconda.protocollo).await.unwrap().len()).unwrap();
    let mut attesi = vec![(4, 1), (membri_genova, 1)];
    if membri_genova == 4 {
        attesi = vec![(4, 2)];
    }
    attesi.sort();
    assert_eq!(
        s.conteggio_per_nucleo(MITTENTE, 0, i64::MAX).await.unwrap(),
        attesi
    );
    assert_eq!(
        s.conteggio_per_nucleo("ALTRO", 0, i64::MAX).await.unwrap(),
        vec![(4, 1)]
    );
    assert!(
        s.conteggio_per_nucleo(MITTENTE, 0, 1)
            .await
            .unwrap()
            .is_empty()
    );
}

isee_prova::su_entrambi!(
    apri = crate::comune::apri;
    filing_del_mittente,
    ritentativo_idempotente,
    ritentativi_concorrenti,
    stessa_chiave_corpo_diverso,
    dsu_non_valida_nulla_memorizzato,
    rettifica_di_protocollo_sconosciuto,
    rettifica_marca_la_vecchia,
    annullamento,
    ricerca_per_cf_alla_data_e_storico,
    ricerca_per_protocollo_mittente,
    importi_esatti_al_centesimo,
    modulo_corrente_sopra_una_dsu,
);

/// Every SQLite connection of the register syncs each commit to disk (`FULL` = 2), so
/// an acknowledged filing survives a power cut (docs/API.md, "Durability").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_ogni_commit_su_disco() {
    isee_prova::esegui(isee_prova::Backend::Sqlite, |amb| async move {
        let s = comune::apri(amb).await;
        let mut connessioni = Vec::new();
        for _ in 0..3 {
            connessioni.push(s.pool().acquire().await.unwrap());
        }
        for c in &mut connessioni {
            let v: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut **c)
                .await
                .unwrap();
            assert_eq!(v, 2, "synchronous = FULL");
        }
    })
    .await;
}

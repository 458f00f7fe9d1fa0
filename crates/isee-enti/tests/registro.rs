//! The register on both backends: the anagrafe snapshot, the authorisation
//! lifecycle and the cache (see `comune/mod.rs` for the harness).

mod comune;

use chrono::{DateTime, NaiveDate, Utc};
use comune::Contesto;
use isee_core::codice_fiscale::carattere_di_controllo;
use isee_enti::{
    AnagrafeEnti, CacheAbilitazioni, Ente, ErroreEnti, MotivoNegato, NuovaAbilitazione, leggi_ipa,
    leggi_istat, unisci,
};
use std::time::Duration;

const IPA: &[u8] = include_bytes!("../dati/ipa-enti-2026-10-01.json");
const ISTAT: &[u8] = include_bytes!("../dati/istat-comuni-2026-10-01.csv");
const INDICATORE: &str = "indicatore-operatori";
const ATTESTAZIONE: &str = "attestazione-operatori";

fn data(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn spedita() -> AnagrafeEnti {
    let (ipa, _) = leggi_ipa(IPA).unwrap();
    let (istat, _) = leggi_istat(ISTAT).unwrap();
    unisci(ipa, istat, data("2026-10-01"), data("2026-10-01")).0
}

/// A valid fiscal code from its first fifteen characters.
fn cf(primi15: &str) -> String {
    let c = carattere_di_controllo(primi15.as_bytes()) as char;
    format!("{primi15}{c}")
}

fn rossi() -> String {
    cf("RSSMRA85M01H199")
}

fn verdi() -> String {
    cf("VRDLGU80A41D458")
}

fn nuova(cf: &str, ente: &str, servizi: &[&str], dal: &str, al: &str) -> NuovaAbilitazione {
    NuovaAbilitazione {
        codice_fiscale_operatore: cf.to_string(),
        ente_ipa: ente.to_string(),
        eservizi: servizi.iter().map(|s| s.to_string()).collect(),
        dal: data(dal),
        al: data(al),
        riferimento: Some("MV62-2026-000123".into()),
    }
}

fn ente(ipa: &str, categoria: &str) -> Ente {
    Ente {
        codice_ipa: ipa.into(),
        denominazione: format!("Ente {ipa}"),
        codice_fiscale: "00000000000".into(),
        categoria: categoria.into(),
        tipologia: "Pubbliche Amministrazioni".into(),
        codice_istat: None,
        codice_catastale: None,
        comune: None,
        capoluogo: false,
    }
}

// ---------------------------------------------------------------------------------
// The bodies.

async fn sostituzione_atomica(c: Contesto) {
    let r = &c.registro;
    assert!(matches!(
        r.anagrafe().await,
        Err(ErroreEnti::AnagrafeAssente)
    ));
    assert_eq!(r.info_anagrafe().await.unwrap(), None);
    let v0 = r.versione_anagrafe().await.unwrap();

    let prima = spedita();
    r.sostituisci_anagrafe(&prima, "estratto di prova")
        .await
        .unwrap();
    let letta = r.anagrafe().await.unwrap();
    assert_eq!(letta.len(), 40);
    assert_eq!(letta.data_ipa, data("2026-10-01"));
    assert_eq!(
        letta.iter().collect::<Vec<_>>(),
        prima.iter().collect::<Vec<_>>(),
        "every field survives the round trip"
    );
    assert!(letta.per_ipa("c_a669").unwrap().capoluogo);
    assert!(!letta.per_ipa("c_h183").unwrap().capoluogo);
    let info = r.info_anagrafe().await.unwrap().unwrap();
    assert_eq!((info.enti, info.fonte.as_str()), (40, "estratto di prova"));
    assert_eq!(r.versione_anagrafe().await.unwrap(), v0 + 1);
    assert_eq!(
        r.ente("C_H199").await.unwrap().unwrap().denominazione,
        "Comune di Ravenna"
    );

    // A replacement that fails half-way (the last ente breaks a CHECK constraint
    // after more than a thousand rows went in) leaves the old anagrafe whole.
    let mut enti: Vec<Ente> = (0..1200)
        .map(|i| ente(&format!("e_{i:05}"), "L6"))
        .collect();
    enti.push(ente("zzz_rotto", ""));
    let rotta = AnagrafeEnti::da_enti(enti, data("2027-01-01"), data("2027-01-01"));
    let e = r.sostituisci_anagrafe(&rotta, "rotta").await.unwrap_err();
    assert!(matches!(e, ErroreEnti::Database(_)), "{e:?}");
    let dopo = r.anagrafe().await.unwrap();
    assert_eq!(dopo.len(), 40);
    assert_eq!(dopo.data_ipa, data("2026-10-01"));
    assert_eq!(
        r.info_anagrafe().await.unwrap().unwrap().fonte,
        "estratto di prova"
    );
    assert_eq!(r.versione_anagrafe().await.unwrap(), v0 + 1);

    // An empty anagrafe is refused before touching anything.
    let vuota = AnagrafeEnti::da_enti(Vec::new(), data("2027-01-01"), data("2027-01-01"));
    assert!(matches!(
        r.sostituisci_anagrafe(&vuota, "vuota").await,
        Err(ErroreEnti::AnagrafeVuota)
    ));
    assert_eq!(r.anagrafe().await.unwrap().len(), 40);

    // A good replacement replaces everything.
    let seconda = AnagrafeEnti::da_enti(
        vec![ente("c_h199", "L6"), ente("r_emiro", "L4")],
        data("2027-02-01"),
        data("2027-01-15"),
    );
    r.sostituisci_anagrafe(&seconda, "seconda").await.unwrap();
    let letta = r.anagrafe().await.unwrap();
    assert_eq!(letta.len(), 2);
    assert_eq!(
        (letta.data_ipa, letta.data_istat),
        (data("2027-02-01"), data("2027-01-15"))
    );
    assert!(r.ente("c_a669").await.unwrap().is_none());

    // Opening again (another instance, or a restart) keeps everything.
    let altro = c.riapri().await;
    assert_eq!(altro.anagrafe().await.unwrap().len(), 2);
    altro.chiudi().await;
}

async fn ciclo_di_vita_abilitazione(c: Contesto) {
    let r = &c.registro;
    r.sostituisci_anagrafe(&spedita(), "estratto")
        .await
        .unwrap();
    let cache = CacheAbilitazioni::carica(r, Duration::ZERO).await.unwrap();
    let giorno = data("2026-06-01");
    assert_eq!(
        cache
            .verifica(&rossi(), "c_h199", INDICATORE, giorno)
            .unwrap_err(),
        MotivoNegato::Nessuna
    );

    // IPA code in another case and lower-case CF: stored in canonical form.
    let a = r
        .abilita(nuova(
            &rossi().to_lowercase(),
            "C_H199",
            &[INDICATORE, ATTESTAZIONE, INDICATORE],
            "2026-01-01",
            "2026-12-31",
        ))
        .await
        .unwrap();
    assert_eq!(a.ente_ipa, "c_h199");
    assert_eq!(a.codice_fiscale_operatore, rossi());
    assert_eq!(a.eservizi, [INDICATORE, ATTESTAZIONE]);
    assert_eq!(a.riferimento.as_deref(), Some("MV62-2026-000123"));
    assert_eq!(a.revocata_il, None);
    assert_eq!(r.abilitazione(a.id).await.unwrap().as_ref(), Some(&a));

    assert!(cache.aggiorna_se_cambiata(r).await.unwrap());
    let ok = cache
        .verifica(&rossi(), "c_h199", ATTESTAZIONE, giorno)
        .unwrap();
    assert_eq!(ok.id, a.id);
    // The bounds are included.
    assert!(
        cache
            .verifica(&rossi(), "c_h199", INDICATORE, data("2026-01-01"))
            .is_ok()
    );
    assert!(
        cache
            .verifica(&rossi(), "c_h199", INDICATORE, data("2026-12-31"))
            .is_ok()
    );

    let scaduta = cache
        .verifica(&rossi(), "c_h199", INDICATORE, data("2027-01-01"))
        .unwrap_err();
    assert_eq!(
        scaduta,
        MotivoNegato::Scaduta {
            al: data("2026-12-31")
        }
    );
    assert_eq!(scaduta.codice(), "ABILITAZIONE_SCADUTA");
    assert!(scaduta.messaggio().contains("31/12/2026"), "{scaduta}");

    let presto = cache
        .verifica(&rossi(), "c_h199", INDICATORE, data("2025-12-31"))
        .unwrap_err();
    assert_eq!(
        presto,
        MotivoNegato::NonAncoraValida {
            dal: data("2026-01-01")
        }
    );
    assert_eq!(presto.codice(), "ABILITAZIONE_NON_ANCORA_VALIDA");

    let altro_ente = cache
        .verifica(&rossi(), "c_d458", INDICATORE, giorno)
        .unwrap_err();
    assert_eq!(altro_ente, MotivoNegato::AltroEnte);
    assert_eq!(altro_ente.codice(), "ABILITAZIONE_ALTRO_ENTE");

    let nessuna = cache
        .verifica(&verdi(), "c_h199", INDICATORE, giorno)
        .unwrap_err();
    assert_eq!(nessuna.codice(), "OPERATORE_NON_ABILITATO");
    assert!(
        !nessuna.messaggio().contains(&verdi()),
        "no fiscal code in messages"
    );

    // Another operator, for one e-service only.
    let b = r
        .abilita(nuova(
            &verdi(),
            "c_d458",
            &[INDICATORE],
            "2026-01-01",
            "2026-12-31",
        ))
        .await
        .unwrap();
    assert!(cache.aggiorna_se_cambiata(r).await.unwrap());
    assert!(
        cache
            .verifica(&verdi(), "c_d458", INDICATORE, giorno)
            .is_ok()
    );
    let altro_servizio = cache
        .verifica(&verdi(), "c_d458", ATTESTAZIONE, giorno)
        .unwrap_err();
    assert_eq!(altro_servizio, MotivoNegato::AltroServizio);
    assert_eq!(altro_servizio.codice(), "ABILITAZIONE_ALTRO_SERVIZIO");

    // Revocation.
    let quando: DateTime<Utc> = "2026-06-10T09:30:00Z".parse().unwrap();
    let revocata = r.revoca(a.id, quando).await.unwrap();
    assert_eq!(revocata.revocata_il, Some(quando));
    assert!(cache.aggiorna_se_cambiata(r).await.unwrap());
    let motivo = cache
        .verifica(&rossi(), "c_h199", INDICATORE, data("2026-06-10"))
        .unwrap_err();
    assert_eq!(motivo, MotivoNegato::Revocata { il: quando });
    assert_eq!(motivo.codice(), "ABILITAZIONE_REVOCATA");
    assert!(motivo.messaggio().contains("10/06/2026"));
    // Before the day of the revocation the authorisation still held.
    assert!(
        cache
            .verifica(&rossi(), "c_h199", INDICATORE, data("2026-06-09"))
            .is_ok()
    );

    assert!(matches!(
        r.revoca(a.id, Utc::now()).await,
        Err(ErroreEnti::GiaRevocata { id, il }) if id == a.id && il == quando
    ));
    assert!(matches!(
        r.revoca(987_654, Utc::now()).await,
        Err(ErroreEnti::AbilitazioneInesistente(987_654))
    ));

    // A new authorisation after the revocation admits again: any valid one counts.
    let rinnovo = r
        .abilita(nuova(
            &rossi(),
            "c_h199",
            &[INDICATORE],
            "2026-06-11",
            "2027-06-10",
        ))
        .await
        .unwrap();
    assert!(cache.aggiorna_se_cambiata(r).await.unwrap());
    assert_eq!(
        cache
            .verifica(&rossi(), "c_h199", INDICATORE, data("2026-07-01"))
            .unwrap()
            .id,
        rinnovo.id
    );

    let elenco = r.elenco(Some("C_H199")).await.unwrap();
    assert_eq!(
        elenco.iter().map(|x| x.id).collect::<Vec<_>>(),
        [a.id, rinnovo.id]
    );
    assert_eq!(elenco[0].revocata_il, Some(quando));
    assert_eq!(r.elenco(None).await.unwrap().len(), 3);
    assert_eq!(r.elenco(Some("c_d458")).await.unwrap(), [b]);
}

async fn abilitazione_rifiutata_con_tutti_i_motivi(c: Contesto) {
    let r = &c.registro;
    let codici = |e: ErroreEnti| match e {
        ErroreEnti::AbilitazioneNonValida(p) => {
            p.iter().map(|p| (p.campo, p.codice)).collect::<Vec<_>>()
        }
        altro => panic!("{altro:?}"),
    };
    // Before any import the ente cannot be checked.
    let e = r
        .abilita(nuova(
            &rossi(),
            "c_h199",
            &[INDICATORE],
            "2026-01-01",
            "2026-12-31",
        ))
        .await
        .unwrap_err();
    assert_eq!(codici(e), [("ente_ipa", "ANAGRAFE_ASSENTE")]);

    r.sostituisci_anagrafe(&spedita(), "estratto")
        .await
        .unwrap();
    let v = r.versione_abilitazioni().await.unwrap();
    let e = r
        .abilita(nuova(
            "RSSMRA85M01H199X",
            "c_x999",
            &[INDICATORE, "indicatore-residenti"],
            "2026-12-31",
            "2026-01-01",
        ))
        .await
        .unwrap_err();
    let messaggio = e.to_string();
    assert_eq!(
        codici(e),
        [
            ("codice_fiscale_operatore", "CF_NON_VALIDO"),
            ("ente_ipa", "ENTE_SCONOSCIUTO"),
            ("al", "PERIODO_NON_VALIDO"),
            ("eservizi", "SERVIZIO_SCONOSCIUTO"),
        ]
    );
    assert!(messaggio.contains("carattere di controllo"), "{messaggio}");
    assert!(messaggio.contains("c_x999") && messaggio.contains("indicatore-residenti"));

    // An ente of a category message 3269 does not admit; no e-service at all.
    let e = r
        .abilita(nuova(&rossi(), "cm_bo", &[], "2026-01-01", "2026-12-31"))
        .await
        .unwrap_err();
    assert_eq!(
        codici(e),
        [
            ("ente_ipa", "CATEGORIA_NON_AMMESSA"),
            ("eservizi", "SERVIZI_MANCANTI")
        ]
    );
    let e = r
        .abilita(nuova(
            "12345",
            "c_h199",
            &[INDICATORE],
            "2026-01-01",
            "2026-12-31",
        ))
        .await
        .unwrap_err();
    assert_eq!(codici(e), [("codice_fiscale_operatore", "CF_NON_VALIDO")]);

    // Nothing was written, and the counter did not move.
    assert!(r.elenco(None).await.unwrap().is_empty());
    assert_eq!(r.versione_abilitazioni().await.unwrap(), v);
}

async fn cache_aggiornata_dalla_versione(c: Contesto) {
    let r = &c.registro;
    r.sostituisci_anagrafe(&spedita(), "estratto")
        .await
        .unwrap();
    // The server's instance: another pool on the same database.
    let server = c.riapri().await;
    let cache = CacheAbilitazioni::carica(&server, Duration::ZERO)
        .await
        .unwrap();
    let pigra = CacheAbilitazioni::carica(&server, Duration::from_secs(3600))
        .await
        .unwrap();
    let v0 = cache.versione();
    assert_eq!(v0, r.versione_abilitazioni().await.unwrap());
    // Nothing changed: no reload.
    assert!(!cache.aggiorna_se_cambiata(&server).await.unwrap());

    let giorno = data("2026-03-01");
    let a = r
        .abilita(nuova(
            &rossi(),
            "uni_bo",
            &[ATTESTAZIONE],
            "2026-01-01",
            "2026-12-31",
        ))
        .await
        .unwrap();
    assert_eq!(r.versione_abilitazioni().await.unwrap(), v0 + 1);
    // Until refreshed, the cache answers from what it has.
    assert_eq!(
        cache
            .verifica(&rossi(), "uni_bo", ATTESTAZIONE, giorno)
            .unwrap_err(),
        MotivoNegato::Nessuna
    );
    assert!(cache.aggiorna_se_cambiata(&server).await.unwrap());
    assert_eq!(cache.versione(), v0 + 1);
    assert_eq!(
        cache
            .verifica(&rossi(), "uni_bo", ATTESTAZIONE, giorno)
            .unwrap()
            .id,
        a.id
    );
    assert!(!cache.aggiorna_se_cambiata(&server).await.unwrap());

    // The lazy cache does not even look before its interval has passed…
    assert!(!pigra.aggiorna_se_cambiata(&server).await.unwrap());
    assert!(
        pigra
            .verifica(&rossi(), "uni_bo", ATTESTAZIONE, giorno)
            .is_err()
    );
    // …unless told to.
    assert!(pigra.aggiorna_subito(&server).await.unwrap());
    assert!(
        pigra
            .verifica(&rossi(), "uni_bo", ATTESTAZIONE, giorno)
            .is_ok()
    );

    // A revocation moves the counter too; so does nothing else but a change.
    r.revoca(a.id, Utc::now()).await.unwrap();
    assert_eq!(r.versione_abilitazioni().await.unwrap(), v0 + 2);
    assert!(cache.aggiorna_se_cambiata(&server).await.unwrap());
    assert!(matches!(
        cache.verifica(&rossi(), "uni_bo", ATTESTAZIONE, Utc::now().date_naive()),
        Err(MotivoNegato::Revocata { .. })
    ));
    // Replacing the anagrafe is not a change of the authorisations.
    r.sostituisci_anagrafe(&spedita(), "di nuovo")
        .await
        .unwrap();
    assert!(!cache.aggiorna_se_cambiata(&server).await.unwrap());
    server.chiudi().await;
}

async fn abilitazioni_concorrenti(c: Contesto) {
    let r = c.registro.clone();
    r.sostituisci_anagrafe(&spedita(), "estratto")
        .await
        .unwrap();
    let v0 = r.versione_abilitazioni().await.unwrap();
    let compiti: Vec<_> = (0..8)
        .map(|i| {
            let r = r.clone();
            tokio::spawn(async move {
                let dal = format!("2026-01-{:02}", i + 1);
                r.abilita(nuova(
                    &rossi(),
                    "ausl_rom",
                    &[INDICATORE],
                    &dal,
                    "2026-12-31",
                ))
                .await
                .unwrap()
                .id
            })
        })
        .collect();
    let mut id = Vec::new();
    for c in compiti {
        id.push(c.await.unwrap());
    }
    id.sort();
    id.dedup();
    assert_eq!(id.len(), 8);
    assert_eq!(r.versione_abilitazioni().await.unwrap(), v0 + 8);
}

/// A database created before the migrations (same tables, no migration table) opens
/// as it is, data and version counters kept; and the migrations run once.
async fn database_precedente_alle_migrazioni(c: Contesto) {
    let r = &c.registro;
    r.sostituisci_anagrafe(&spedita(), "spedita").await.unwrap();
    let a = r
        .abilita(nuova(
            &rossi(),
            "c_h199",
            &[INDICATORE],
            "2026-01-01",
            "2026-12-31",
        ))
        .await
        .unwrap();
    let versione = r.versione_abilitazioni().await.unwrap();
    sqlx::query("DROP TABLE _sqlx_migrations_enti")
        .execute(r.pool())
        .await
        .unwrap();
    let riaperto = c.riapri().await;
    assert_eq!(riaperto.anagrafe().await.unwrap().len(), 40);
    assert_eq!(riaperto.abilitazione(a.id).await.unwrap(), Some(a));
    assert_eq!(riaperto.versione_abilitazioni().await.unwrap(), versione);
    let applicate: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations_enti ORDER BY version")
            .fetch_all(riaperto.pool())
            .await
            .unwrap();
    assert_eq!(applicate, vec![1]);
    riaperto.chiudi().await;
    c.riapri().await.chiudi().await;
}

/// Servers starting together on a new database, and processes opening it while
/// another one writes: every opening succeeds.
async fn aperture_concorrenti(c: Contesto) {
    c.registro
        .sostituisci_anagrafe(&spedita(), "spedita")
        .await
        .unwrap();
    let scrittore = {
        let r = c.registro.clone();
        tokio::spawn(async move {
            for i in 0..20 {
                let a = r
                    .abilita(nuova(
                        &rossi(),
                        "c_h199",
                        &[INDICATORE],
                        "2026-01-01",
                        "2026-12-31",
                    ))
                    .await
                    .unwrap();
                r.revoca(a.id, Utc::now()).await.unwrap();
                if i % 5 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        })
    };
    let aperture: Vec<_> = (0..6)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                let r = c.riapri().await;
                r.versione_abilitazioni().await.unwrap();
                r.chiudi().await;
            })
        })
        .collect();
    for a in aperture {
        a.await.unwrap();
    }
    scrittore.await.unwrap();
}

/// SQLite: several processes creating the same new file at once (here, pools).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_creato_da_piu_processi_insieme() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("nuovo.db").display());
    let aperture: Vec<_> = (0..6)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let r = isee_enti::StoreEnti::apri(&url).await.unwrap();
                assert_eq!(r.versione_anagrafe().await.unwrap(), 0);
                r.chiudi().await;
            })
        })
        .collect();
    for a in aperture {
        a.await.unwrap();
    }
}

macro_rules! su_entrambi {
    ($($nome:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $nome() {
                    crate::comune::Banco::sqlite().await.esegui(super::$nome).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $nome() {
                    let Some(banco) = crate::comune::Banco::postgres().await else { return };
                    banco.esegui(super::$nome).await;
                }
            )*
        }
    };
}

su_entrambi!(
    sostituzione_atomica,
    ciclo_di_vita_abilitazione,
    abilitazione_rifiutata_con_tutti_i_motivi,
    cache_aggiornata_dalla_versione,
    abilitazioni_concorrenti,
    database_precedente_alle_migrazioni,
    aperture_concorrenti,
);

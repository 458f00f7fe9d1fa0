//! The contract of the accounts store and service, on SQLite and PostgreSQL: accounts,
//! identical refusals, lock-out (concurrent failures included), session timeouts,
//! rotation, password reset, purge, and events without secrets.

mod comune;

use chrono::TimeDelta;
use comune::{servizio, t0};
use isee_utenti::blocco::StatoBlocco;
use isee_utenti::{
    ErroreAccesso, ErroreReset, ErroreUtenti, MotivoRifiuto, NuovoUtente, PoliticaBlocco, Ruolo,
    StoreSql, StoreUtenti, TipoEvento, Token, Utente, Utenti,
};
use sqlx::Row;
use std::time::Duration;

const PASSWORD: &str = "cavallo batteria graffetta";
const CF: &str = "RSSMRA80A01H501U";

fn cittadino(nome: &str) -> NuovoUtente {
    NuovoUtente {
        nome_utente: nome.into(),
        nome_visualizzato: "Mario Rossi".into(),
        ruolo: Ruolo::Cittadino,
        codice_fiscale: Some(CF.into()),
        codice_caf: None,
    }
}

async fn con_utente(store: StoreSql) -> (Utenti<StoreSql>, Utente) {
    let s = servizio(store);
    let u = s
        .registra(&cittadino("Mario.Rossi@Example.it"), PASSWORD, t0())
        .await
        .expect("registrazione");
    (s, u)
}

fn rifiuto(e: &Result<isee_utenti::Accesso, ErroreAccesso>) -> Option<Duration> {
    match e {
        Err(ErroreAccesso::Rifiutato { attendi }) => *attendi,
        altro => panic!("atteso un rifiuto: {altro:?}"),
    }
}

fn motivi(eventi: &[isee_utenti::EventoUtente]) -> Vec<TipoEvento> {
    eventi.iter().map(|e| e.tipo.clone()).collect()
}

async fn righe(store: &StoreSql, sql: &'static str) -> i64 {
    sqlx::query(sql)
        .fetch_one(store.pool())
        .await
        .expect(sql)
        .try_get::<i64, _>(0)
        .expect("conteggio")
}

su_entrambi!(
    registra_e_rileggi,
    accesso_crea_una_sessione_salvata_solo_come_impronta,
    rifiuti_identici_per_ogni_motivo,
    blocco_dopo_cinque_fallimenti_raddoppia_e_si_azzera,
    blocco_anche_per_nomi_inesistenti,
    fallimenti_concorrenti_tutti_contati,
    accessi_errati_concorrenti_tutti_contati,
    scadenza_per_inattivita_e_assoluta,
    ultimo_uso_scritto_al_piu_una_volta_al_minuto,
    rotazione_cambia_id_e_tiene_l_ora_di_accesso,
    rotazioni_concorrenti_una_sola_vince,
    accesso_termina_la_sessione_precedente,
    ruolo_cambiato_o_utente_disabilitato_terminano_le_sessioni,
    reset_una_volta_sola_e_termina_le_sessioni,
    reset_scaduto_sostituito_o_sconosciuto,
    pulizia_di_sessioni_token_e_contatori,
    csrf_legato_alla_sessione,
    eventi_senza_segreti,
    hash_aggiornato_ai_nuovi_parametri,
    creazioni_concorrenti_di_un_nome_un_solo_utente,
    reset_concorrenti_uno_solo_vale,
);

async fn registra_e_rileggi(store: StoreSql) {
    let (s, u) = con_utente(store).await;
    assert_eq!(u.nome_utente.as_str(), "mario.rossi@example.it");
    assert_eq!(u.ruolo, Ruolo::Cittadino);
    assert_eq!(u.codice_fiscale.as_ref().map(|c| c.as_str()), Some(CF));
    assert_eq!(u.creato_il, t0());
    assert!(u.attivo());
    assert_eq!(s.store().utente(u.id).await.unwrap(), Some(u.clone()));
    let (letto, hash) = s
        .store()
        .utente_per_nome(&u.nome_utente)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(letto, u);
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
    // The same name in another case is the same account.
    let e = s
        .registra(&cittadino("MARIO.ROSSI@example.IT"), PASSWORD, t0())
        .await
        .unwrap_err();
    assert!(matches!(e, ErroreUtenti::NomeGiaInUso(_)), "{e:?}");
    // Every problem at once.
    let e = s
        .registra(&cittadino("x"), "corta", t0())
        .await
        .unwrap_err();
    assert!(
        matches!(e, ErroreUtenti::UtenteNonValido(ref v) if v.len() == 1),
        "{e:?}"
    );
    let e = s
        .registra(&cittadino("altro@example.it"), "altro@example.it", t0())
        .await
        .unwrap_err();
    assert!(matches!(e, ErroreUtenti::PasswordNonValida(_)), "{e:?}");
    assert_eq!(
        righe(s.store(), "SELECT COUNT(*) FROM utenti_utente").await,
        1
    );
}

async fn accesso_crea_una_sessione_salvata_solo_come_impronta(store: StoreSql) {
    let (s, u) = con_utente(store).await;
    let t = s
        .accedi(" Mario.Rossi@example.it ", PASSWORD, None, t0())
        .await;
    assert_eq!(t.ritardo_minimo, Duration::from_millis(300));
    let a = t.esito.expect("accesso");
    assert_eq!(a.utente.id, u.id);
    assert_eq!(a.sessione.impronta, a.id.impronta());
    assert_eq!(motivi(&t.eventi), vec![TipoEvento::AccessoRiuscito]);
    let salvata: String = sqlx::query("SELECT impronta FROM utenti_sessione")
        .fetch_one(s.store().pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(salvata, a.id.impronta());
    assert_ne!(salvata, a.id.testo());
    let attiva = s.sessione(&a.id, t0()).await.unwrap().expect("sessione");
    assert_eq!(attiva.utente, u);
    assert_eq!(attiva.sessione, a.sessione);
    // Another random id finds nothing.
    assert!(
        s.sessione(&Token::genera().unwrap(), t0())
            .await
            .unwrap()
            .is_none()
    );
    // Logout.
    let ev = s.termina(&a.id, t0()).await.unwrap().expect("evento");
    assert_eq!(ev.tipo, TipoEvento::SessioneTerminata);
    assert_eq!(ev.utente, Some(u.id));
    assert!(s.sessione(&a.id, t0()).await.unwrap().is_none());
    assert!(s.termina(&a.id, t0()).await.unwrap().is_none());
}

async fn rifiuti_identici_per_ogni_motivo(store: StoreSql) {
    let (s, u) = con_utente(store).await;
    s.registra(&cittadino("sospeso@example.it"), PASSWORD, t0())
        .await
        .unwrap();
    let sospeso = s
        .store()
        .utente_per_nome(&isee_utenti::NomeUtente::new("sospeso@example.it").unwrap())
        .await
        .unwrap()
        .unwrap()
        .0;
    assert!(s.disabilita(sospeso.id, t0()).await.unwrap());
    let casi = [
        (
            "nessuno@example.it",
            PASSWORD,
            MotivoRifiuto::UtenteSconosciuto,
        ),
        (
            "mario.rossi@example.it",
            "password sbagliata",
            MotivoRifiuto::PasswordErrata,
        ),
        ("sospeso@example.it", PASSWORD, MotivoRifiuto::Disabilitato),
        (
            "nome non valido!",
            PASSWORD,
            MotivoRifiuto::UtenteSconosciuto,
        ),
    ];
    let mut messaggi = Vec::new();
    for (nome, password, motivo) in casi {
        let t = s.accedi(nome, password, None, t0()).await;
        assert_eq!(rifiuto(&t.esito), None, "{nome}");
        messaggi.push(t.esito.unwrap_err().to_string());
        assert_eq!(
            motivi(&t.eventi),
            vec![TipoEvento::AccessoRifiutato { motivo }]
        );
        assert_eq!(t.ritardo_minimo, Duration::from_millis(300));
    }
    assert!(
        messaggi
            .iter()
            .all(|m| m == "nome utente o password non corretti"),
        "{messaggi:?}"
    );
    assert_eq!(
        righe(s.store(), "SELECT COUNT(*) FROM utenti_sessione").await,
        0
    );
    // The real account still signs in.
    assert!(
        s.accedi("mario.rossi@example.it", PASSWORD, None, t0())
            .await
            .esito
            .is_ok()
    );
    assert_eq!(s.store().utente(u.id).await.unwrap().unwrap().id, u.id);
}

async fn blocco_dopo_cinque_fallimenti_raddoppia_e_si_azzera(store: StoreSql) {
    let (s, _) = con_utente(store).await;
    let nome = "mario.rossi@example.it";
    for i in 1..=4 {
        let t = s.accedi(nome, "sbagliata sbagliata", None, t0()).await;
        assert_eq!(rifiuto(&t.esito), None, "tentativo {i}");
    }
    let t = s.accedi(nome, "sbagliata sbagliata", None, t0()).await;
    assert_eq!(rifiuto(&t.esito), Some(Duration::from_secs(60)));
    assert!(
        t.esito
            .unwrap_err()
            .to_string()
            .contains("riprovare tra un minuto")
    );
    assert!(t.eventi.iter().any(|e| e.tipo
        == TipoEvento::Blocco {
            durata: Duration::from_secs(60),
            blocchi: 1
        }));
    // Locked: even the right password is refused, and the failure is not counted.
    let dopo_30 = t0() + TimeDelta::seconds(30);
    let t = s.accedi(nome, PASSWORD, None, dopo_30).await;
    assert_eq!(rifiuto(&t.esito), Some(Duration::from_secs(30)));
    assert_eq!(
        motivi(&t.eventi),
        vec![TipoEvento::AccessoRifiutato {
            motivo: MotivoRifiuto::Bloccato
        }]
    );
    // Five more failures after the lock: the second lock is twice as long.
    let t1 = t0() + TimeDelta::seconds(60);
    for _ in 0..4 {
        assert_eq!(
            rifiuto(&s.accedi(nome, "ancora sbagliata", None, t1).await.esito),
            None
        );
    }
    let t = s.accedi(nome, "ancora sbagliata", None, t1).await;
    assert_eq!(rifiuto(&t.esito), Some(Duration::from_secs(120)));
    // After the lock, the right password signs in and forgets everything.
    let t2 = t1 + TimeDelta::seconds(120);
    assert!(s.accedi(nome, PASSWORD, None, t2).await.esito.is_ok());
    let chiave = s.segreto().impronta_nome(nome);
    assert_eq!(
        s.store().stato_blocco(&chiave).await.unwrap(),
        StatoBlocco::LIBERO
    );
    for _ in 0..4 {
        assert_eq!(
            rifiuto(&s.accedi(nome, "sbagliata di nuovo", None, t2).await.esito),
            None
        );
    }
    let t = s.accedi(nome, "sbagliata di nuovo", None, t2).await;
    assert_eq!(
        rifiuto(&t.esito),
        Some(Duration::from_secs(60)),
        "il raddoppio riparte"
    );
}

async fn blocco_anche_per_nomi_inesistenti(store: StoreSql) {
    let (s, _) = con_utente(store).await;
    let mut attese = Vec::new();
    for nome in ["mario.rossi@example.it", "fantasma@example.it"] {
        for _ in 0..5 {
            attese.push(rifiuto(
                &s.accedi(nome, "sbagliata sbagliata", None, t0())
                    .await
                    .esito,
            ));
        }
    }
    let attese_reali = &attese[..5];
    assert_eq!(
        attese_reali,
        &attese[5..],
        "stessa sequenza per un nome inesistente"
    );
    assert_eq!(attese[4], Some(Duration::from_secs(60)));
    assert_eq!(
        righe(s.store(), "SELECT COUNT(*) FROM utenti_blocco").await,
        2
    );
    // The store holds keyed hashes, not the names.
    let chiavi: Vec<String> = sqlx::query("SELECT chiave FROM utenti_blocco")
        .fetch_all(s.store().pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        chiavi.iter().all(|c| c.len() == 64 && !c.contains('@')),
        "{chiavi:?}"
    );
}

async fn fallimenti_concorrenti_tutti_contati(store: StoreSql) {
    let politica = PoliticaBlocco::default();
    let chiave = "k".repeat(64);
    let conta = |n: usize| {
        let store = store.clone();
        let chiave = chiave.clone();
        async move {
            let mut compiti = Vec::new();
            for _ in 0..n {
                let store = store.clone();
                let chiave = chiave.clone();
                compiti.push(tokio::spawn(async move {
                    store
                        .registra_fallimento(&chiave, &politica, t0())
                        .await
                        .unwrap()
                }));
            }
            for c in compiti {
                c.await.unwrap();
            }
        }
    };
    conta(4).await;
    let s = store.stato_blocco(&chiave).await.unwrap();
    assert_eq!((s.fallimenti, s.blocchi, s.bloccato_fino), (4, 0, None));
    // Three more at once: one is the fifth and locks, the others come while locked
    // and are not counted.
    conta(3).await;
    let s = store.stato_blocco(&chiave).await.unwrap();
    assert_eq!((s.fallimenti, s.blocchi), (0, 1));
    assert_eq!(s.attesa(t0()), Some(Duration::from_secs(60)));
}

async fn accessi_errati_concorrenti_tutti_contati(store: StoreSql) {
    let (s, _) = con_utente(store).await;
    let s = std::sync::Arc::new(s);
    let mut compiti = Vec::new();
    for _ in 0..3 {
        let s = s.clone();
        compiti.push(tokio::spawn(async move {
            s.accedi("mario.rossi@example.it", "sbagliata sbagliata", None, t0())
                .await
                .esito
                .is_err()
        }));
    }
    for c in compiti {
        assert!(c.await.unwrap());
    }
    let chiave = s.segreto().impronta_nome("mario.rossi@example.it");
    assert_eq!(s.store().stato_blocco(&chiave).await.unwrap().fallimenti, 3);
}

async fn scadenza_per_inattivita_e_assoluta(store: StoreSql) {
    let (s, _) = con_utente(store).await;
    let a = s
        .accedi("mario.rossi@example.it", PASSWORD, None, t0())
        .await
        .esito
        .unwrap();
    // Used every 29 minutes it lives, up to 12 hours.
    let mut t = t0();
    while t + TimeDelta::minutes(29) < t0() + TimeDelta::hours(12) {
        t += TimeDelta::minutes(29);
        assert!(s.sessione(&a.id, t).await.unwrap().is_some(), "{t}");
    }
    assert!(
        s.sessione(&a.id, t0() + TimeDelta::hours(12))
            .await
            .unwrap()
            .is_none()
    );
    // Expired: deleted.
    assert_eq!(
        righe(s.store(), "SELECT COUNT(*) FROM utenti_sessione").await,
        0
    );
    // Idle for 30 minutes: gone.
    let b = s
        .accedi("mario.rossi@example.it", PASSWORD, None, t0())
        .await
        .esito
        .unwrap();
    assert!(
        s.sessione(&b.id, t0() + TimeDelta::minutes(30))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.sessione(&b.id, t0()).await.unwrap().is_none(),
        "cancellata, non solo scaduta"
    );
}

async fn ultimo_uso_scritto_al_piu_una_volta_al_minuto(store: StoreSql) {
    let (s, _) = con_utente(store).await;
    let a = s
        .accedi("mario.rossi@example.it", PASSWORD, None, t0())
        .await
        .esito
        .unwrap();
    let ultimo = |s: &Utenti<StoreSql>| {
        let impronta = a.id.impronta();
        let store = s.store().clone();
        async move { store.sessione(&impronta).await.unwrap().unwrap().ultimo_uso }
    };
    let v = s
        .sessione(&a.id, t0() + TimeDelta::seconds(59))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.sessione.ultimo_uso, t0());
    assert_eq!(ultimo(&s).await, t0());
    let v = s
        .sessione(&a.id, t0() + TimeDelta::seconds(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.sessione.ultimo_uso, t0() + TimeDelta::seconds(60));
    assert_eq!(ultimo(&s).await, t0() + TimeDelta::seconds(60));
    // Only forward.
    s.store()
        .tocca_sessione(&a.id.impronta(), t0())
        .await
        .unwrap();
    assert_eq!(ultimo(&s).await, t0() + TimeDelta::seconds(60));
}

async fn rotazione_cambia_id_e_tiene_l_ora_di_accesso(store: StoreSql) {
    let (s, u) = con_utente(store).await;
    let a = s
        .accedi("mario.rossi@example.it", PASSWORD, None, t0())
        .await
        .esito
        .unwrap();
    let dopo = t0() + TimeDelta::minutes(10);
    let (nuova, ev) = s.ruota(&a.id, dopo).await.unwrap().expect("rotazione");
    assert_ne!(nuova.id, a.id);
    assert_eq!(nuova.sessione.creata_il, t0());
    assert_eq!(nuova.sessione.ultimo_uso, dopo);
    assert_eq!(nuova.utente.id, u.id);
    assert!(matches!(ev.tipo, TipoEvento::SessioneRuotata { .. }));
    assert!(s.sessione(&a.id, dopo).await.unwrap().is_none());
    assert!(s.sessione(&nuova.id, dopo).await.unwrap().is_some());
    // The 12 hours still count from the login.
    assert!(
        s.sessione(&nuova.id, t0() + TimeDelta::hours(12))
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.ruota(&a.id, dopo).await.unwrap().is_none());
}

async fn rotazioni_concorrenti_una_sola_vince(store: StoreSql) {
    let (s, _) = con_utente(store).await;
    let a = s
        .accedi("mario.rossi@example.it", PASSWORD, None, t0())
        .await
        .esito
        .unwrap();
    let mut compiti = Vec::new();
    for _ in 0..4 {
        let store = s.store().clone();
        let vecchia = a.sessione.clone();
        compiti.push(tokio::spawn(async move {
            let nuova = isee_utenti::Sessione {
                impronta: Token::genera().unwrap().impronta(),
                ..vecchia.clone()
            };
            store
                .sostituisci_sessione(&vecchia.impronta, &nuova)
                .await
                .unwrap()
        }));
    }
    let mut vinte = 0;
    for c in compiti {
        vinte += usize::from(c.await.unwrap());
    }
    assert_eq!(vinte, 1);
    assert_eq!(
        righe(s.store(), "SELECT COUNT(*) FROM utenti_sessione").await,
        1
    );
}

async fn accesso_termina_la_sessione_precedente(store: StoreSql) {
    let (s, _) = con_utente(store).await;
    let a = s
        .accedi("mario.rossi@example.it", PASSWORD, None, t0())
        .await
        .esito
        .unwrap();
    let t_b = s
        .accedi("mario.rossi@example.it", PASSWORD, Some(&a.id), t0())
        .await;
    let b = t_b.esito.as_ref().unwrap().clone();
    assert_ne!(a.id, b.id);
    assert!(s.sessione(&a.id, t0()).await.unwrap().is_none());
    assert!(
        motivi(&t_b.eventi).contains(&TipoEvento::SessioneTerminata),
        "{:?}",
        t_b.eventi
    );
    assert!(s.sessione(&b.id, t0()).await.unwrap().is_some());
    // A refused login leaves the previous session alone.
    let t = s
        .accedi(
            "mario.rossi@example.it",
            "sbagliata sbagliata",
            Some(&b.id),
            t0(),
        )
        .await;
    assert!(t.esito.is_err());
    assert!(s.sessione(&b.id, t0()).await.unwrap().is_some());
}

async fn ruolo_cambiato_o_utente_disabilitato_terminano_le_sessioni(store: StoreSql) {
    let (s, u) = con_utente(store).await;
    let a = s
        .accedi("mario.rossi@example.it", PASSWORD, None, t0())
        .await
        .esito
        .unwrap();
    let b = s
        .accedi("mario.rossi@example.it", PASSWORD, None, t0())
        .await
        .esito
        .unwrap();
    assert_eq!(
        s.cambia_ruolo(u.id, Ruolo::Amministratore).await.unwrap(),
        2
    );
    assert!(s.sessione(&a.id, t0()).await.unwrap().is_none());
    assert!(s.sessione(&b.id, t0()).await.unwrap().is_none());
    let c = s
        .accedi("mario.rossi@example.it", PASSWORD, None, t0())
        .await
        .esito
        .unwrap();
    assert_eq!(c.sessione.ruolo, Ruolo::Amministratore);
    assert!(matches!(
        s.cambia_ruolo(isee_utenti::IdUtente(999_999), Ruolo::Cittadino)
            .await,
        Err(ErroreUtenti::UtenteInesistente(_))
    ));
    assert!(s.disabilita(u.id, t0()).await.unwrap());
    assert!(!s.disabilita(u.id, t0()).await.unwrap(), "già disabilitato");
    assert!(s.sessione(&c.id, t0()).await.unwrap().is_none());
    assert_eq!(
        righe(s.store(), "SELECT COUNT(*) FROM utenti_sessione").await,
        0
    );
    let t = s
        .accedi("mario.rossi@example.it", PASSWORD, None, t0())
        .await;
    assert_eq!(rifiuto(&t.esito), None);
    assert!(
        s.richiedi_reset("mario.rossi@example.it", t0())
            .await
            .unwrap()
            .invio
            .is_none()
    );
}

async fn reset_una_volta_sola_e_termina_le_sessioni(store: StoreSql) {
    let (s, u) = con_utente(store).await;
    let a = s
        .accedi("mario.rossi@example.it", PASSWORD, None, t0())
        .await
        .esito
        .unwrap();
    for _ in 0..5 {
        let _ = s
            .accedi("mario.rossi@example.it", "sbagliata sbagliata", None, t0())
            .await;
    }
    let r = s
        .richiedi_reset("Mario.Rossi@example.it", t0())
        .await
        .unwrap();
    assert_eq!(r.evento.tipo, TipoEvento::ResetRichiesto);
    let (token, per) = r.invio.expect("token");
    assert_eq!(per.id, u.id);
    let salvato: String = sqlx::query("SELECT impronta FROM utenti_reset")
        .fetch_one(s.store().pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(salvato, token.impronta());
    // A password that breaks the policy: refused, the token stays.
    let e = s.reimposta_password(&token.testo(), "corta", t0()).await;
    assert!(
        matches!(e.esito, Err(ErroreReset::PasswordNonValida(_))),
        "{:?}",
        e.esito
    );
    let nuova = "una password nuova e lunga";
    let e = s.reimposta_password(&token.testo(), nuova, t0()).await;
    assert_eq!(e.esito.expect("reset").id, u.id);
    assert_eq!(
        motivi(&e.eventi),
        vec![TipoEvento::ResetEseguito {
            sessioni_terminate: 1
        }]
    );
    assert!(s.sessione(&a.id, t0()).await.unwrap().is_none());
    // Single use.
    let e = s
        .reimposta_password(&token.testo(), "un'altra password lunga", t0())
        .await;
    assert!(matches!(e.esito, Err(ErroreReset::TokenNonValido)));
    assert_eq!(motivi(&e.eventi), vec![TipoEvento::ResetRifiutato]);
    // The lock is gone and only the new password works.
    assert!(
        s.accedi("mario.rossi@example.it", PASSWORD, None, t0())
            .await
            .esito
            .is_err()
    );
    assert!(
        s.accedi("mario.rossi@example.it", nuova, None, t0())
            .await
            .esito
            .is_ok()
    );
}

async fn reset_scaduto_sostituito_o_sconosciuto(store: StoreSql) {
    let (s, _) = con_utente(store).await;
    let nuova = "una password nuova e lunga";
    let primo = s
        .richiedi_reset("mario.rossi@example.it", t0())
        .await
        .unwrap()
        .invio
        .unwrap()
        .0;
    let secondo = s
        .richiedi_reset("mario.rossi@example.it", t0())
        .await
        .unwrap()
        .invio
        .unwrap()
        .0;
    let e = s.reimposta_password(&primo.testo(), nuova, t0()).await;
    assert!(
        matches!(e.esito, Err(ErroreReset::TokenNonValido)),
        "sostituito"
    );
    let scaduto = t0() + TimeDelta::minutes(30);
    let e = s.reimposta_password(&secondo.testo(), nuova, scaduto).await;
    assert!(
        matches!(e.esito, Err(ErroreReset::TokenNonValido)),
        "scaduto"
    );
    let e = s
        .reimposta_password(&secondo.testo(), nuova, scaduto - TimeDelta::seconds(1))
        .await;
    assert!(e.esito.is_ok(), "valido fino a 30 minuti: {:?}", e.esito);
    for cattivo in ["", "zz", &Token::genera().unwrap().testo()] {
        let e = s.reimposta_password(cattivo, nuova, t0()).await;
        assert!(
            matches!(e.esito, Err(ErroreReset::TokenNonValido)),
            "{cattivo}"
        );
    }
    let r = s.richiedi_reset("nessuno@example.it", t0()).await.unwrap();
    assert!(r.invio.is_none());
    assert_eq!(r.evento.tipo, TipoEvento::ResetRichiestoSconosciuto);
    assert_eq!(
        righe(s.store(), "SELECT COUNT(*) FROM utenti_reset").await,
        0
    );
}

async fn pulizia_di_sessioni_token_e_contatori(store: StoreSql) {
    let (s, _) = con_utente(store).await;
    let vecchia = s
        .accedi("mario.rossi@example.it", PASSWORD, None, t0())
        .await
        .esito
        .unwrap();
    let t1 = t0() + TimeDelta::minutes(45);
    let recente = s
        .accedi("mario.rossi@example.it", PASSWORD, None, t1)
        .await
        .esito
        .unwrap();
    s.richiedi_reset("mario.rossi@example.it", t0())
        .await
        .unwrap();
    let _ = s
        .accedi("fantasma@example.it", "sbagliata sbagliata", None, t0())
        .await;
    let _ = s
        .accedi("altro@example.it", "sbagliata sbagliata", None, t1)
        .await;
    let p = s.pulisci(t0() + TimeDelta::minutes(61)).await.unwrap();
    assert_eq!(
        (p.sessioni, p.reset, p.blocchi, p.attese_oidc),
        (1, 1, 1, 0)
    );
    assert!(
        s.store()
            .sessione(&vecchia.id.impronta())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.store()
            .sessione(&recente.id.impronta())
            .await
            .unwrap()
            .is_some()
    );
    let chiave = s.segreto().impronta_nome("altro@example.it");
    assert_eq!(s.store().stato_blocco(&chiave).await.unwrap().fallimenti, 1);
    // A counter whose lock is over goes too.
    for _ in 0..5 {
        let _ = s.accedi("bloccato@example.it", "x", None, t1).await;
    }
    let p = s.pulisci(t1 + TimeDelta::minutes(61)).await.unwrap();
    assert_eq!(p.blocchi, 2);
    assert_eq!(
        righe(s.store(), "SELECT COUNT(*) FROM utenti_blocco").await,
        0
    );
}

async fn csrf_legato_alla_sessione(store: StoreSql) {
    let (s, _) = con_utente(store).await;
    let a = s
        .accedi("mario.rossi@example.it", PASSWORD, None, t0())
        .await
        .esito
        .unwrap();
    let attiva = s.sessione(&a.id, t0()).await.unwrap().unwrap();
    let token = s.token_csrf(&attiva.sessione);
    assert!(s.verifica_csrf(&attiva.sessione, &token));
    let (nuova, _) = s.ruota(&a.id, t0()).await.unwrap().unwrap();
    assert!(
        !s.verifica_csrf(&nuova.sessione, &token),
        "la rotazione cambia il token"
    );
    assert!(s.verifica_csrf(&nuova.sessione, &s.token_csrf(&nuova.sessione)));
}

async fn eventi_senza_segreti(store: StoreSql) {
    let (s, _) = con_utente(store).await;
    let mut eventi = Vec::new();
    let mut segreti = vec![
        PASSWORD.to_string(),
        CF.to_string(),
        "mario.rossi".to_string(),
    ];
    for _ in 0..5 {
        eventi.extend(
            s.accedi("mario.rossi@example.it", "sbagliata sbagliata", None, t0())
                .await
                .eventi,
        );
    }
    let t1 = t0() + TimeDelta::minutes(2);
    let t = s.accedi("mario.rossi@example.it", PASSWORD, None, t1).await;
    eventi.extend(t.eventi);
    let a = t.esito.unwrap();
    segreti.push(a.id.testo());
    let (b, ev) = s.ruota(&a.id, t1).await.unwrap().unwrap();
    segreti.push(b.id.testo());
    eventi.push(ev);
    let r = s
        .richiedi_reset("mario.rossi@example.it", t1)
        .await
        .unwrap();
    eventi.push(r.evento);
    let token = r.invio.unwrap().0;
    segreti.push(token.testo());
    eventi.extend(
        s.reimposta_password(&token.testo(), "una password nuova e lunga", t1)
            .await
            .eventi,
    );
    segreti.push("una password nuova e lunga".into());
    eventi.extend(s.termina(&b.id, t1).await.unwrap());
    assert!(eventi.len() >= 10, "{eventi:?}");
    let json = serde_json::to_string(&eventi).unwrap();
    for segreto in &segreti {
        assert!(!json.contains(segreto.as_str()), "{segreto} in {json}");
    }
    assert!(json.contains("\"tipo\":\"blocco\""), "{json}");
    // Events of one session name it the same way.
    let brevi: Vec<_> = eventi.iter().filter_map(|e| e.sessione.clone()).collect();
    assert!(brevi.iter().all(|b| b.len() == 16));
}

async fn hash_aggiornato_ai_nuovi_parametri(store: StoreSql) {
    let (s, u) = con_utente(store.clone()).await;
    let prima = s
        .store()
        .utente_per_nome(&u.nome_utente)
        .await
        .unwrap()
        .unwrap()
        .1;
    assert!(prima.contains("m=256,t=1,p=1"), "{prima}");
    // The same store under stronger parameters: the next login rehashes.
    let piu_forti = isee_utenti::ParametriArgon2 {
        memoria_kib: 512,
        passaggi: 2,
        parallelismo: 1,
    };
    let s2 = Utenti::new(
        store,
        isee_utenti::Segreto::da_byte([9; 32]),
        isee_utenti::Regole {
            argon2: piu_forti,
            ..comune::regole()
        },
    )
    .unwrap();
    let t = s2
        .accedi("mario.rossi@example.it", PASSWORD, None, t0())
        .await;
    assert!(t.esito.is_ok());
    assert!(motivi(&t.eventi).contains(&TipoEvento::PasswordAggiornata));
    let dopo = s2
        .store()
        .utente_per_nome(&u.nome_utente)
        .await
        .unwrap()
        .unwrap()
        .1;
    assert!(dopo.contains("m=512,t=2,p=1"), "{dopo}");
    let t = s2
        .accedi("mario.rossi@example.it", PASSWORD, None, t0())
        .await;
    assert_eq!(motivi(&t.eventi), vec![TipoEvento::AccessoRiuscito]);
}

async fn creazioni_concorrenti_di_un_nome_un_solo_utente(store: StoreSql) {
    let s = std::sync::Arc::new(servizio(store));
    let mut compiti = Vec::new();
    for i in 0..4 {
        let s = s.clone();
        compiti.push(tokio::spawn(async move {
            let nome = if i % 2 == 0 {
                "doppio@example.it"
            } else {
                "DOPPIO@example.it"
            };
            s.registra(&cittadino(nome), PASSWORD, t0()).await
        }));
    }
    let mut creati = 0;
    for c in compiti {
        match c.await.unwrap() {
            Ok(_) => creati += 1,
            Err(ErroreUtenti::NomeGiaInUso(n)) => assert_eq!(n, "doppio@example.it"),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(creati, 1);
    assert_eq!(
        righe(s.store(), "SELECT COUNT(*) FROM utenti_utente").await,
        1
    );
}

async fn reset_concorrenti_uno_solo_vale(store: StoreSql) {
    let (s, u) = con_utente(store).await;
    let token = s
        .richiedi_reset("mario.rossi@example.it", t0())
        .await
        .unwrap()
        .invio
        .unwrap()
        .0;
    let mut compiti = Vec::new();
    for i in 0..4 {
        let store = s.store().clone();
        let impronta = token.impronta();
        compiti.push(tokio::spawn(async move {
            store
                .usa_reset(&impronta, &format!("hash-{i}"), t0())
                .await
                .unwrap()
        }));
    }
    let mut usati = Vec::new();
    for c in compiti {
        usati.extend(c.await.unwrap());
    }
    assert_eq!(usati.len(), 1, "{usati:?}");
    assert_eq!(usati[0].0, u.id);
    let hash = s
        .store()
        .utente_per_nome(&u.nome_utente)
        .await
        .unwrap()
        .unwrap()
        .1;
    assert!(hash.starts_with("hash-"), "{hash}");
}

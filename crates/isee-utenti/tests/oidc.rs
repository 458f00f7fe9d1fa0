//! The OpenID Connect side of the accounts, on SQLite and PostgreSQL: a pending login
//! works once, within its ten minutes and only from its browser; a verified identity
//! creates a citizen account at its first sign-in, links to an existing citizen account
//! with the same fiscal code, signs in to its account afterwards, and is refused for a
//! disabled account or a changed fiscal code; events carry neither `sub` nor fiscal code.

mod comune;

use chrono::TimeDelta;
use comune::{servizio, t0};
use isee_core::codice_fiscale::CodiceFiscale;
use isee_utenti::{
    ErroreAccessoOidc, ErroreAttesaOidc, ErroreRipresaOidc, IdentitaOidc, NuovoUtente, Ruolo,
    StoreOidc, StoreSql, TipoEvento,
};

const EMITTENTE: &str = "https://idp.example/realms/isee";
const CF: &str = "RSSMRA80A01H501U";
const CF2: &str = "RSSMRA85M01H199H";
const SUB: &str = "3f2a9c1e-soggetto-segreto";

fn identita(sub: &str, cf: &str) -> IdentitaOidc {
    IdentitaOidc {
        emittente: EMITTENTE.into(),
        soggetto: sub.into(),
        codice_fiscale: CodiceFiscale::new(cf),
        nome: Some("Mario".into()),
        cognome: Some("Rossi".into()),
    }
}

fn attesa(e: Result<isee_utenti::RipresaOidc, ErroreRipresaOidc>) -> ErroreAttesaOidc {
    match e {
        Err(ErroreRipresaOidc::Attesa(a)) => a,
        altro => panic!("atteso un rifiuto dello stato: {altro:?}"),
    }
}

su_entrambi!(
    attesa_una_volta_sola_entro_dieci_minuti_dallo_stesso_browser,
    prima_volta_crea_il_cittadino_poi_lo_ritrova,
    collega_per_codice_fiscale_e_rifiuta_i_casi_dubbi,
    ritorni_concorrenti_uno_solo_vale,
    attese_limitate_e_scadute_tolte_a_ogni_avvio,
);

async fn ritorni_concorrenti_uno_solo_vale(store: StoreSql) {
    let s = std::sync::Arc::new(servizio(store));
    let a = s.avvia_oidc(t0()).await.unwrap();
    let (stato, browser) = (a.stato.testo(), a.browser.testo());
    let compiti: Vec<_> = (0..8)
        .map(|_| {
            let (s, stato, browser) = (s.clone(), stato.clone(), browser.clone());
            tokio::spawn(async move { s.riprendi_oidc(&stato, Some(&browser), t0()).await.is_ok() })
        })
        .collect();
    let mut riusciti = 0;
    for c in compiti {
        if c.await.unwrap() {
            riusciti += 1;
        }
    }
    assert_eq!(riusciti, 1);
}

async fn attesa_una_volta_sola_entro_dieci_minuti_dallo_stesso_browser(store: StoreSql) {
    let s = servizio(store);
    let a = s.avvia_oidc(t0()).await.unwrap();
    assert_eq!(a.scade_il, t0() + TimeDelta::minutes(10));
    assert_eq!(a.verificatore.len(), 64);
    assert_ne!(a.nonce, a.verificatore);
    // Only digests are stored: neither the state, nor the browser value, nor the nonce.
    let riga: (String, String) = sqlx::query_as("SELECT stato, browser FROM utenti_oidc_attesa")
        .fetch_one(s.store().pool())
        .await
        .unwrap();
    assert_eq!(riga.0, a.stato.impronta());
    assert_eq!(riga.1, a.browser.impronta());
    assert!(![riga.0.as_str(), riga.1.as_str()].contains(&a.stato.testo().as_str()));

    let r = s
        .riprendi_oidc(
            &a.stato.testo(),
            Some(&a.browser.testo()),
            t0() + TimeDelta::minutes(9),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.nonce.as_str(), r.verificatore.as_str()),
        (a.nonce.as_str(), a.verificatore.as_str())
    );
    // Once only.
    let e = s
        .riprendi_oidc(&a.stato.testo(), Some(&a.browser.testo()), t0())
        .await;
    assert_eq!(attesa(e), ErroreAttesaOidc::Sconosciuta);

    // Expired.
    let b = s.avvia_oidc(t0()).await.unwrap();
    let e = s
        .riprendi_oidc(
            &b.stato.testo(),
            Some(&b.browser.testo()),
            t0() + TimeDelta::minutes(10),
        )
        .await;
    assert_eq!(attesa(e), ErroreAttesaOidc::Scaduta);

    // Another browser (no cookie, another one's cookie): refused, and used up.
    let c = s.avvia_oidc(t0()).await.unwrap();
    let altro = s.avvia_oidc(t0()).await.unwrap();
    let e = s.riprendi_oidc(&c.stato.testo(), None, t0()).await;
    assert_eq!(attesa(e), ErroreAttesaOidc::AltroBrowser);
    let e = s
        .riprendi_oidc(&altro.stato.testo(), Some(&c.browser.testo()), t0())
        .await;
    assert_eq!(attesa(e), ErroreAttesaOidc::AltroBrowser);
    let e = s
        .riprendi_oidc(&c.stato.testo(), Some(&c.browser.testo()), t0())
        .await;
    assert_eq!(attesa(e), ErroreAttesaOidc::Sconosciuta);

    // Malformed.
    for stato in ["", "abc", &"G".repeat(64)] {
        let e = s.riprendi_oidc(stato, Some(&c.browser.testo()), t0()).await;
        assert_eq!(attesa(e), ErroreAttesaOidc::Sconosciuta, "{stato:?}");
    }

    // The purge removes the expired ones.
    let _ = s.avvia_oidc(t0() + TimeDelta::minutes(30)).await.unwrap();
    let p = s.pulisci(t0() + TimeDelta::minutes(11)).await.unwrap();
    assert_eq!(
        p.attese_oidc, 0,
        "b, c and altro were used up, the new one is alive"
    );
    let p = s.pulisci(t0() + TimeDelta::minutes(41)).await.unwrap();
    assert_eq!(p.attese_oidc, 1);
}

async fn attese_limitate_e_scadute_tolte_a_ogni_avvio(store: StoreSql) {
    let conta = |s: &StoreSql| {
        let pool = s.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM utenti_oidc_attesa")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let dieci = t0() + TimeDelta::minutes(10);
    for i in 0..3 {
        store
            .salva_attesa_oidc(&format!("s{i}"), "b", t0(), dieci, 3)
            .await
            .unwrap();
    }
    let e = store
        .salva_attesa_oidc("s3", "b", t0(), dieci, 3)
        .await
        .unwrap_err();
    assert!(
        matches!(e, isee_utenti::ErroreUtenti::TroppeAttese(3)),
        "{e:?}"
    );
    assert_eq!(conta(&store).await, 3);
    // Ten minutes later the three have expired: the next start removes them.
    store
        .salva_attesa_oidc("s4", "b", dieci, dieci + TimeDelta::minutes(10), 3)
        .await
        .unwrap();
    assert_eq!(conta(&store).await, 1);
}

async fn prima_volta_crea_il_cittadino_poi_lo_ritrova(store: StoreSql) {
    let s = servizio(store);
    let t = s.accedi_oidc(&identita(SUB, CF), None, t0()).await;
    let a = t.esito.unwrap();
    assert_eq!(a.utente.ruolo, Ruolo::Cittadino);
    assert_eq!(
        a.utente.codice_fiscale.as_ref().map(|c| c.as_str()),
        Some(CF)
    );
    assert_eq!(a.utente.nome_visualizzato, "Mario Rossi");
    assert!(a.utente.nome_utente.as_str().starts_with("oidc-"));
    assert_eq!(
        t.eventi.iter().map(|e| e.tipo.clone()).collect::<Vec<_>>(),
        vec![TipoEvento::AccessoOidcRiuscito {
            account_creato: true
        }]
    );
    // The session is an ordinary one.
    let attiva = s.sessione(&a.id, t0()).await.unwrap().unwrap();
    assert_eq!(attiva.utente.id, a.utente.id);
    // No one can sign in with the account's password: it has none anyone knows.
    let p = s
        .accedi(a.utente.nome_utente.as_str(), "", None, t0())
        .await;
    assert!(p.esito.is_err());

    // The second sign-in finds the account, and ends the browser's session.
    let t2 = s
        .accedi_oidc(
            &identita(SUB, CF),
            Some(&a.id),
            t0() + TimeDelta::minutes(1),
        )
        .await;
    let a2 = t2.esito.unwrap();
    assert_eq!(a2.utente.id, a.utente.id);
    assert_ne!(a2.id, a.id);
    assert!(s.sessione(&a.id, t0()).await.unwrap().is_none());
    assert!(t2.eventi.iter().any(|e| e.tipo
        == TipoEvento::AccessoOidcRiuscito {
            account_creato: false
        }));
    assert!(
        t2.eventi
            .iter()
            .any(|e| e.tipo == TipoEvento::SessioneTerminata)
    );

    // No event holds the sub or the fiscal code; each names the identity by its
    // keyed hash.
    for e in t.eventi.iter().chain(&t2.eventi) {
        let j = serde_json::to_string(e).unwrap();
        assert!(
            !j.contains(SUB) && !j.contains(CF) && !j.contains(EMITTENTE),
            "{j}"
        );
        assert_eq!(
            e.soggetto_impronta.as_deref(),
            Some(s.segreto().impronta_soggetto(EMITTENTE, SUB).as_str())
        );
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM utenti_utente")
        .fetch_one(s.store().pool())
        .await
        .unwrap();
    assert_eq!(n, 1);
}

async fn collega_per_codice_fiscale_e_rifiuta_i_casi_dubbi(store: StoreSql) {
    let s = servizio(store);
    let locale = s
        .registra(
            &NuovoUtente {
                nome_utente: "mario.rossi".into(),
                nome_visualizzato: "Mario Rossi (sportello)".into(),
                ruolo: Ruolo::Cittadino,
                codice_fiscale: Some(CF2.into()),
                codice_caf: None,
            },
            "una password lunga abbastanza",
            t0(),
        )
        .await
        .unwrap();
    let operatore = s
        .registra(
            &NuovoUtente {
                nome_utente: "operatore".into(),
                nome_visualizzato: "Operatore".into(),
                ruolo: Ruolo::OperatoreCaf,
                codice_fiscale: None,
                codice_caf: Some("CAF1".into()),
            },
            "una password lunga abbastanza",
            t0(),
        )
        .await
        .unwrap();
    // The account with the same verified fiscal code is linked, not duplicated.
    let t = s.accedi_oidc(&identita("sub-a", CF2), None, t0()).await;
    let a = t.esito.unwrap();
    assert_eq!(a.utente.id, locale.id);
    assert!(t.eventi.iter().any(|e| e.tipo
        == TipoEvento::AccessoOidcRiuscito {
            account_creato: false
        }));
    assert_eq!(
        s.store()
            .utente_oidc(EMITTENTE, "sub-a")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(locale.id)
    );

    // A linked identity whose fiscal code changed: refused.
    let t = s.accedi_oidc(&identita("sub-a", CF), None, t0()).await;
    assert!(
        matches!(t.esito, Err(ErroreAccessoOidc::CodiceFiscaleDiverso)),
        "{:?}",
        t.esito
    );
    assert!(matches!(
        &t.eventi[..],
        [e] if e.tipo == TipoEvento::AccessoOidcRifiutato { codice: "OIDC_CF_DIVERSO".into() }
    ));

    // A disabled account: refused, and no new account in its place.
    assert!(s.disabilita(locale.id, t0()).await.unwrap());
    let t = s.accedi_oidc(&identita("sub-b", CF2), None, t0()).await;
    assert!(
        matches!(t.esito, Err(ErroreAccessoOidc::Disabilitato)),
        "{:?}",
        t.esito
    );

    // An identity linked to a non-citizen account (only by hand: OIDC never links
    // one) is refused.
    sqlx::query(
        "INSERT INTO utenti_oidc_legame (emittente, soggetto, utente, creato_il) VALUES ($1, $2, $3, 0)",
    )
    .bind(EMITTENTE)
    .bind("sub-op")
    .bind(operatore.id.0)
    .execute(s.store().pool())
    .await
    .unwrap();
    let t = s.accedi_oidc(&identita("sub-op", CF), None, t0()).await;
    assert!(
        matches!(t.esito, Err(ErroreAccessoOidc::NonCittadino)),
        "{:?}",
        t.esito
    );

    // The same person at another issuer links to the same citizen account.
    let t = s.accedi_oidc(&identita("sub-c", CF), None, t0()).await;
    let nuovo = t.esito.unwrap();
    let mut altrove = identita("sub-c", CF);
    altrove.emittente = "https://cie.example".into();
    let t = s.accedi_oidc(&altrove, None, t0()).await;
    assert_eq!(t.esito.unwrap().utente.id, nuovo.utente.id);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM utenti_utente WHERE ruolo = 'cittadino'")
        .fetch_one(s.store().pool())
        .await
        .unwrap();
    assert_eq!(n, 2, "the local account and the one made for CF");
}

//! Signing in and out of the portal with local accounts (isee-utenti on SQLite), request
//! by request: a refused login says the same for a wrong password and an unknown name,
//! a login gives a new session (never the browser's previous one) in an `HttpOnly`,
//! `SameSite=Lax` cookie, the personal area needs it, and signing out ends it.

mod comune;

use axum::http::{StatusCode, header};
use comune::{PASSWORD, coppia, get, post, sessione, utenti};
use isee_core::calcolo::Motore;
use isee_portale::Portale;
use isee_utenti::{NuovoUtente, Ruolo};
use std::sync::Arc;

async fn portale(dir: &tempfile::TempDir) -> axum::Router {
    let utenti = utenti(dir).await;
    utenti
        .registra(
            &NuovoUtente {
                nome_utente: "anna.verdi".into(),
                nome_visualizzato: "Anna Verdi".into(),
                ruolo: Ruolo::Amministratore,
                codice_fiscale: None,
                codice_caf: None,
            },
            PASSWORD,
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 1, 5, 9, 0, 0).unwrap(),
        )
        .await
        .unwrap();
    Portale::new(Motore::predefinito())
        .unwrap()
        .con_utenti(Arc::new(utenti))
        .router()
}

#[tokio::test]
async fn accesso_area_personale_e_uscita() {
    let dir = tempfile::tempdir().unwrap();
    let app = portale(&dir).await;

    // Without a session the personal area sends to the login page.
    let r = get(&app, "/area-personale", &[]).await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER);
    assert_eq!(r.intestazioni[header::LOCATION], "/accedi");

    let modulo = get(&app, "/accedi", &[]).await;
    assert_eq!(modulo.stato, StatusCode::OK);
    let pre: Vec<String> = modulo.cookie().iter().map(|c| coppia(c)).collect();
    assert!(!pre.is_empty(), "la pre-sessione");
    let token = modulo.token();

    // A wrong password and an unknown name: the same refusal.
    let sbagliata = post(
        &app,
        "/accedi",
        &pre,
        &format!("csrf={token}&nome=anna.verdi&password=sbagliata"),
    )
    .await;
    let sconosciuto = post(
        &app,
        "/accedi",
        &pre,
        &format!("csrf={token}&nome=nessuno&password=sbagliata"),
    )
    .await;
    for r in [&sbagliata, &sconosciuto] {
        assert_eq!(r.stato, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.testo.contains("Nome utente o password non corretti"),
            "{}",
            r.testo
        );
        assert!(sessione(r).is_none());
    }

    // Without the token: refused before the password is looked at.
    let r = post(&app, "/accedi", &pre, "nome=anna.verdi&password=x").await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN);

    // The login: a session cookie, HttpOnly and SameSite=Lax, and the personal area.
    let ok = post(
        &app,
        "/accedi",
        &pre,
        &format!("csrf={token}&nome=anna.verdi&password=una+password+lunga+e+nuova"),
    )
    .await;
    assert_eq!(ok.stato, StatusCode::SEE_OTHER, "{}", ok.testo);
    assert_eq!(ok.intestazioni[header::LOCATION], "/area-personale");
    let cookie = sessione(&ok).expect("il cookie di sessione");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let prima = coppia(&cookie);
    let area = get(&app, "/area-personale", std::slice::from_ref(&prima)).await;
    assert_eq!(area.stato, StatusCode::OK);
    assert!(area.testo.contains("Anna Verdi") && area.testo.contains("Amministratore"));

    // Signing in again from the same browser: a new session id, the old one ended.
    let modulo = get(&app, "/accedi", std::slice::from_ref(&prima)).await;
    let di_nuovo = post(
        &app,
        "/accedi",
        std::slice::from_ref(&prima),
        &format!(
            "csrf={}&nome=anna.verdi&password=una+password+lunga+e+nuova",
            modulo.token()
        ),
    )
    .await;
    assert_eq!(di_nuovo.stato, StatusCode::SEE_OTHER, "{}", di_nuovo.testo);
    let seconda = coppia(&sessione(&di_nuovo).expect("una nuova sessione"));
    assert_ne!(seconda, prima, "session fixation");
    let r = get(&app, "/area-personale", std::slice::from_ref(&prima)).await;
    assert_eq!(
        r.stato,
        StatusCode::SEE_OTHER,
        "la sessione precedente è finita"
    );

    // Signing out: with the session's token; afterwards the cookie opens nothing.
    let area = get(&app, "/area-personale", std::slice::from_ref(&seconda)).await;
    assert_eq!(area.stato, StatusCode::OK);
    let r = post(
        &app,
        "/esci",
        std::slice::from_ref(&seconda),
        "csrf=sbagliato",
    )
    .await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN);
    let r = post(
        &app,
        "/esci",
        std::slice::from_ref(&seconda),
        &format!("csrf={}", area.token()),
    )
    .await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER);
    let r = get(&app, "/area-personale", std::slice::from_ref(&seconda)).await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER);
    assert_eq!(r.intestazioni[header::LOCATION], "/accedi");
}

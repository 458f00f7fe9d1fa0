//! "Compila la DSU" over a real register and real accounts (SQLite): a citizen fills
//! the wizard with wrong fields and corrects them, loses the session and finds the
//! draft as typed, signs and files it (the register holds it with the portal as
//! sender, the figures are the engine's, the draft is gone); another account never
//! sees the draft; a citizen cannot file as someone else's declarant; a CAF operator
//! files only under a mandate to file that is in force, records mandates, and finds its
//! DSUs, their attestation and PDFs and its monthly report in its own pages, which
//! another CAF and a citizen do not reach.

mod comune;

use axum::http::{StatusCode, header};
use comune::{PASSWORD, Risposta, accedi, get, post};
use isee_core::calcolo::{Motore, Richiesta, TipoIsee};
use isee_core::codice_fiscale::CodiceFiscale;
use isee_portale::Portale;
use isee_portale::compila::MITTENTE_PORTALE;
use isee_registro::{Ambito, RegistroDsu, StoreSql};
use isee_utenti::{NuovoUtente, Ruolo};
use std::sync::Arc;

const MARIO: &str = "RSSMRA85M01H199H";
const LAURA: &str = "BNCLRA88R45H199W";

struct Banco {
    app: axum::Router,
    registro: Arc<RegistroDsu<StoreSql>>,
    _dir: tempfile::TempDir,
}

async fn banco() -> Banco {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("registro.db").display()
    );
    let registro = Arc::new(RegistroDsu::new(StoreSql::connetti(&url).await.unwrap()));
    let utenti = comune::utenti(&dir).await;
    let adesso = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 1, 9, 0, 0).unwrap();
    for (nome, cf, ruolo, caf) in [
        ("mario.rossi", Some(MARIO), Ruolo::Cittadino, None),
        ("laura.bianchi", Some(LAURA), Ruolo::Cittadino, None),
        ("operatore", None, Ruolo::OperatoreCaf, Some("CAF-RA-01")),
        ("altro.caf", None, Ruolo::OperatoreCaf, Some("CAF-ALTRO")),
        ("amministratore", None, Ruolo::Amministratore, None),
    ] {
        utenti
            .registra(
                &NuovoUtente {
                    nome_utente: nome.into(),
                    nome_visualizzato: nome.replace('.', " "),
                    ruolo,
                    codice_fiscale: cf.map(str::to_string),
                    codice_caf: caf.map(str::to_string),
                },
                PASSWORD,
                adesso,
            )
            .await
            .unwrap();
    }
    Banco {
        app: Portale::new(Motore::predefinito())
            .unwrap()
            .con_utenti(Arc::new(utenti))
            .con_registro(registro.clone())
            .router(),
        registro,
        _dir: dir,
    }
}

fn codifica(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A new draft: its id.
async fn nuova(app: &axum::Router, sessione: &[String]) -> String {
    let pagina = get(app, "/compila", sessione).await;
    assert_eq!(pagina.stato, StatusCode::OK, "{}", pagina.testo);
    let r = post(
        app,
        "/compila/nuova",
        sessione,
        &format!("csrf={}", pagina.token()),
    )
    .await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER, "{}", r.testo);
    let dove = r.intestazioni[header::LOCATION].to_str().unwrap();
    let id = dove
        .strip_prefix("/compila/")
        .and_then(|r| r.strip_suffix("/nucleo"))
        .expect(dove);
    id.to_string()
}

/// Posts step `passo` of draft `id` with `campi`, the CSRF token from the step's page.
async fn invia_passo(
    app: &axum::Router,
    sessione: &[String],
    id: &str,
    passo: &str,
    campi: &[(&str, &str)],
) -> Risposta {
    let uri = format!("/compila/{id}/{passo}");
    let pagina = get(app, &uri, sessione).await;
    assert_eq!(pagina.stato, StatusCode::OK, "{uri}: {}", pagina.testo);
    let mut corpo = format!("csrf={}", pagina.token());
    for (k, v) in campi {
        corpo.push_str(&format!("&{k}={}", codifica(v)));
    }
    post(app, &uri, sessione, &corpo).await
}

fn va_a(r: &Risposta, dove: &str) {
    assert_eq!(r.stato, StatusCode::SEE_OTHER, "{}", r.testo);
    assert_eq!(r.intestazioni[header::LOCATION], dove);
}

/// The two adults of the Ravenna example, Laura's code as typed in `cf_laura`.
fn nucleo(cf_laura: &str) -> Vec<(&'static str, String)> {
    vec![
        ("n", "2".into()),
        ("comune", "h199".into()),
        ("c0_cognome", "Rossi".into()),
        ("c0_nome", "Mario".into()),
        ("c0_cf", MARIO.into()),
        ("c0_nascita", "01/08/1985".into()),
        ("c0_rapporto", "D".into()),
        ("c1_cognome", "Bianchi".into()),
        ("c1_nome", "Laura".into()),
        ("c1_cf", cf_laura.into()),
        ("c1_nascita", "05/10/1988".into()),
        ("c1_rapporto", "C".into()),
    ]
}

fn coppie<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Fills every step of draft `id` correctly for the Ravenna couple, up to the summary.
async fn compila_tutto(app: &axum::Router, s: &[String], id: &str) {
    let n = nucleo(LAURA);
    va_a(
        &invia_passo(app, s, id, "nucleo", &coppie(&n)).await,
        &format!("/compila/{id}/redditi"),
    );
    va_a(
        &invia_passo(
            app,
            s,
            id,
            "redditi",
            &[
                ("c0_mesi", "12"),
                ("c0_dipendente", "32.000"),
                ("c1_mesi", "6"),
                ("c1_dipendente", "18000"),
            ],
        )
        .await,
        &format!("/compila/{id}/patrimonio"),
    );
    va_a(
        &invia_passo(
            app,
            s,
            id,
            "patrimonio",
            &[
                ("c0_saldo", "12000"),
                ("c0_giacenza", "10000"),
                ("c1_saldo", "3000"),
                ("c1_giacenza", "4000"),
            ],
        )
        .await,
        &format!("/compila/{id}/casa"),
    );
    va_a(
        &invia_passo(
            app,
            s,
            id,
            "casa",
            &[("titolo", "locazione"), ("canone", "6.000")],
        )
        .await,
        &format!("/compila/{id}/riepilogo"),
    );
}

#[tokio::test]
async fn il_cittadino_compila_corregge_riprende_e_presenta() {
    let b = banco().await;
    let mario = accedi(&b.app, "mario.rossi").await;
    let id = nuova(&b.app, &mario).await;

    // The new draft starts with the citizen as declarant.
    let pagina = get(&b.app, &format!("/compila/{id}/nucleo"), &mario).await;
    assert!(pagina.testo.contains(MARIO), "{}", pagina.testo);
    assert!(pagina.testo.contains("aria-current=\"step\""));

    // A wrong check letter in Laura's code and no birth date: both problems next to
    // their fields, every value kept.
    let mut n = nucleo("BNCLRA88R45H199X");
    n.retain(|(k, _)| *k != "c1_nascita");
    let r = invia_passo(&b.app, &mario, &id, "nucleo", &coppie(&n)).await;
    assert_eq!(r.stato, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.testo);
    assert!(r.testo.contains("id=\"c1_cf-errore\""), "{}", r.testo);
    assert!(r.testo.contains("id=\"c1_nascita-errore\""), "{}", r.testo);
    assert!(r.testo.contains("value=\"BNCLRA88R45H199X\""));
    assert!(r.testo.contains("value=\"Bianchi\""));
    assert!(
        r.testo.contains("href=\"#c1_cf\""),
        "the summary links the field"
    );

    // The session is lost: signing in again (a new session), the draft is there with
    // what was typed, wrong code included.
    let mario = accedi(&b.app, "mario.rossi").await;
    let elenco = get(&b.app, "/compila", &mario).await;
    assert!(
        elenco.testo.contains("DSU di Rossi Mario"),
        "{}",
        elenco.testo
    );
    assert!(elenco.testo.contains(&format!("/compila/{id}/nucleo")));
    let ripresa = get(&b.app, &format!("/compila/{id}/nucleo"), &mario).await;
    assert!(ripresa.testo.contains("value=\"BNCLRA88R45H199X\""));

    // An amount that is not one, on the incomes step.
    let n = nucleo(LAURA);
    va_a(
        &invia_passo(&b.app, &mario, &id, "nucleo", &coppie(&n)).await,
        &format!("/compila/{id}/redditi"),
    );
    let r = invia_passo(
        &b.app,
        &mario,
        &id,
        "redditi",
        &[("c0_dipendente", "32,000,00")],
    )
    .await;
    assert_eq!(r.stato, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.testo.contains("id=\"c0_dipendente-errore\""));
    assert!(r.testo.contains("value=\"32,000,00\""));

    compila_tutto(&b.app, &mario, &id).await;
    // "Riprendi" now opens the summary, the furthest step reached; going back to an
    // earlier step does not forget it.
    let r = invia_passo(
        &b.app,
        &mario,
        &id,
        "casa",
        &[
            ("titolo", "locazione"),
            ("canone", "6.000"),
            ("azione", "indietro"),
        ],
    )
    .await;
    va_a(&r, &format!("/compila/{id}/patrimonio"));
    let elenco = get(&b.app, "/compila", &mario).await;
    assert!(
        elenco.testo.contains(&format!("/compila/{id}/riepilogo")),
        "{}",
        elenco.testo
    );
    let riepilogo = get(&b.app, &format!("/compila/{id}/riepilogo"), &mario).await;
    assert_eq!(riepilogo.stato, StatusCode::OK, "{}", riepilogo.testo);
    assert!(riepilogo.testo.contains("ISEE ordinario che risulta"));
    assert!(riepilogo.testo.contains("Firma e presenta la DSU"));

    // Without the signature nothing is filed.
    let uri = format!("/compila/{id}/presenta");
    let r = post(&b.app, &uri, &mario, &format!("csrf={}", riepilogo.token())).await;
    assert_eq!(r.stato, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.testo.contains("dichiaro-errore"));
    let cf = CodiceFiscale::new(MARIO);
    assert!(b.registro.del_cittadino(&cf).await.unwrap().is_empty());
    // Nor without the CSRF token.
    let r = post(&b.app, &uri, &mario, "dichiaro=1").await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN);

    let r = post(
        &b.app,
        &uri,
        &mario,
        &format!("csrf={}&dichiaro=1", riepilogo.token()),
    )
    .await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER, "{}", r.testo);
    let dove = r.intestazioni[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    let righe = b.registro.del_cittadino(&cf).await.unwrap();
    assert_eq!(righe.len(), 1);
    let registrata = &righe[0].0;
    assert_eq!(
        dove,
        format!("/le-mie-dsu/{}?presentata=1", registrata.protocollo)
    );
    assert_eq!(registrata.mittente, MITTENTE_PORTALE);
    // The register's figures are the engine's on the same DSU.
    let dsu = b.registro.dsu_registrata(registrata).await.unwrap();
    assert_eq!(dsu.componenti.len(), 2);
    assert_eq!(dsu.componenti[1].cognome.as_deref(), Some("Bianchi"));
    let v = isee_core::valida(dsu).unwrap();
    let atteso = Motore::predefinito()
        .calcola(
            &v,
            &Richiesta {
                tipo: TipoIsee::Ordinario,
                prestazione: None,
                beneficiario: None,
            },
        )
        .unwrap()
        .isee;
    let valori = registrata.indicatori[0].valori.as_ref().unwrap();
    assert_eq!(valori.isee, atteso);
    let att = get(&b.app, &dove, &mario).await;
    assert_eq!(att.stato, StatusCode::OK);
    assert!(
        att.testo.contains("id=\"presentata\""),
        "the page says it was filed"
    );
    assert!(att.testo.contains(&isee_core::report::euro(atteso)));
    // The draft is gone; a second submission finds nothing to file.
    assert!(
        !get(&b.app, "/compila", &mario)
            .await
            .testo
            .contains("DSU di Rossi Mario")
    );
    let r = post(
        &b.app,
        &uri,
        &mario,
        &format!("csrf={}&dichiaro=1", riepilogo.token()),
    )
    .await;
    assert_eq!(r.stato, StatusCode::NOT_FOUND);
    assert_eq!(b.registro.del_cittadino(&cf).await.unwrap().len(), 1);
}

#[tokio::test]
async fn la_bozza_e_solo_del_suo_utente() {
    let b = banco().await;
    let mario = accedi(&b.app, "mario.rossi").await;
    let id = nuova(&b.app, &mario).await;
    let laura = accedi(&b.app, "laura.bianchi").await;
    for passo in ["nucleo", "riepilogo"] {
        let r = get(&b.app, &format!("/compila/{id}/{passo}"), &laura).await;
        assert_eq!(r.stato, StatusCode::NOT_FOUND, "{passo}");
    }
    let token = get(&b.app, "/compila", &laura).await.token();
    for azione in ["nucleo", "presenta", "elimina"] {
        let r = post(
            &b.app,
            &format!("/compila/{id}/{azione}"),
            &laura,
            &format!("csrf={token}&c0_cognome=Intrusa&dichiaro=1"),
        )
        .await;
        assert_eq!(r.stato, StatusCode::NOT_FOUND, "{azione}");
    }
    // Mario's draft is untouched.
    let r = get(&b.app, &format!("/compila/{id}/nucleo"), &mario).await;
    assert_eq!(r.stato, StatusCode::OK);
    assert!(!r.testo.contains("Intrusa"));
    // Without signing in: the sign-in page; an administrator files nothing.
    let r = get(&b.app, "/compila", &[]).await;
    va_a(&r, "/accedi");
    let admin = accedi(&b.app, "amministratore").await;
    assert_eq!(
        get(&b.app, "/compila", &admin).await.stato,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn il_cittadino_presenta_solo_come_dichiarante() {
    let b = banco().await;
    let laura = accedi(&b.app, "laura.bianchi").await;
    let id = nuova(&b.app, &laura).await;
    // Laura types Mario as the declarant.
    compila_tutto(&b.app, &laura, &id).await;
    let riepilogo = get(&b.app, &format!("/compila/{id}/riepilogo"), &laura).await;
    assert_eq!(riepilogo.stato, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        riepilogo
            .testo
            .contains("solo la DSU di cui sei il dichiarante")
    );
    let r = post(
        &b.app,
        &format!("/compila/{id}/presenta"),
        &laura,
        &format!("csrf={}&dichiaro=1", riepilogo.token()),
    )
    .await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN);
    assert!(
        b.registro
            .del_cittadino(&CodiceFiscale::new(MARIO))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn il_caf_presenta_solo_con_mandato() {
    let b = banco().await;
    let op = accedi(&b.app, "operatore").await;
    let id = nuova(&b.app, &op).await;
    compila_tutto(&b.app, &op, &id).await;
    let uri = format!("/compila/{id}/presenta");
    let firma = |token: String| format!("csrf={token}&dichiaro=1");
    let cf = CodiceFiscale::new(MARIO);

    // No mandate.
    let riepilogo = get(&b.app, &format!("/compila/{id}/riepilogo"), &op).await;
    assert!(
        riepilogo.testo.contains("non ha dato mandato"),
        "{}",
        riepilogo.testo
    );
    let r = post(&b.app, &uri, &op, &firma(riepilogo.token())).await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN);
    assert!(r.testo.contains("non ha dato mandato"));

    // A mandate to read only.
    let scadenza = chrono::NaiveDate::from_ymd_opt(2099, 12, 31).unwrap();
    b.registro
        .registra_mandato("CAF-RA-01", cf, Ambito::Lettura, scadenza, "prova")
        .await
        .unwrap();
    let r = post(&b.app, &uri, &op, &firma(riepilogo.token())).await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN);
    assert!(r.testo.contains("solo per consultare"));

    // A mandate to another CAF is none to this one.
    b.registro
        .registra_mandato("CAF-ALTRO", cf, Ambito::Presentazione, scadenza, "prova")
        .await
        .unwrap();
    let r = post(&b.app, &uri, &op, &firma(riepilogo.token())).await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN);

    // Revoked: refused as ended.
    b.registro
        .registra_mandato("CAF-RA-01", cf, Ambito::Presentazione, scadenza, "prova")
        .await
        .unwrap();
    b.registro.revoca_mandato("CAF-RA-01", &cf).await.unwrap();
    let r = post(&b.app, &uri, &op, &firma(riepilogo.token())).await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN);
    assert!(r.testo.contains("scaduto o revocato"));
    assert!(b.registro.del_cittadino(&cf).await.unwrap().is_empty());

    // In force, to file: filed with the CAF as sender.
    b.registro
        .registra_mandato("CAF-RA-01", cf, Ambito::Presentazione, scadenza, "prova")
        .await
        .unwrap();
    let r = post(&b.app, &uri, &op, &firma(riepilogo.token())).await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER, "{}", r.testo);
    let righe = b.registro.del_cittadino(&cf).await.unwrap();
    assert_eq!(righe.len(), 1);
    assert_eq!(righe[0].0.mittente, "CAF-RA-01");
    assert_eq!(
        r.intestazioni[header::LOCATION],
        format!("/caf/dsu/{}?presentata=1", righe[0].0.protocollo).as_str()
    );
}

#[tokio::test]
async fn le_pagine_del_caf() {
    let b = banco().await;
    let op = accedi(&b.app, "operatore").await;
    let cf = CodiceFiscale::new(MARIO);

    // A mandate recorded in the CAF's page: every problem at once, then recorded.
    let modulo = get(&b.app, "/caf/mandati", &op).await;
    assert_eq!(modulo.stato, StatusCode::OK, "{}", modulo.testo);
    let r = post(
        &b.app,
        "/caf/mandati",
        &op,
        &format!(
            "csrf={}&cf=RSSMRA85M01H199X&ambito=tutto&scadenza=01%2F01%2F2020",
            modulo.token()
        ),
    )
    .await;
    assert_eq!(r.stato, StatusCode::UNPROCESSABLE_ENTITY);
    for campo in ["cf-errore", "ambito-errore", "scadenza-errore"] {
        assert!(r.testo.contains(campo), "{campo}: {}", r.testo);
    }
    assert!(
        r.testo.contains("value=\"RSSMRA85M01H199X\""),
        "the value is kept"
    );
    assert!(b.registro.mandati(&cf).await.unwrap().is_empty());
    let r = post(
        &b.app,
        "/caf/mandati",
        &op,
        &format!(
            "csrf={}&cf={MARIO}&ambito=presentazione&scadenza=31%2F12%2F2099",
            modulo.token()
        ),
    )
    .await;
    assert_eq!(r.stato, StatusCode::OK, "{}", r.testo);
    assert!(r.testo.contains("Mandato registrato"));
    let mandati = b.registro.mandati(&cf).await.unwrap();
    assert_eq!(mandati.len(), 1);
    assert_eq!(mandati[0].mittente, "CAF-RA-01");
    assert_eq!(mandati[0].ambito, Ambito::Presentazione);

    // The CAF files, then finds the DSU in its list, its attestation and PDFs, its report.
    let id = nuova(&b.app, &op).await;
    compila_tutto(&b.app, &op, &id).await;
    let riepilogo = get(&b.app, &format!("/compila/{id}/riepilogo"), &op).await;
    let r = post(
        &b.app,
        &format!("/compila/{id}/presenta"),
        &op,
        &format!("csrf={}&dichiaro=1", riepilogo.token()),
    )
    .await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER, "{}", r.testo);
    let protocollo = b.registro.del_cittadino(&cf).await.unwrap()[0]
        .0
        .protocollo
        .to_string();
    let elenco = get(&b.app, "/caf", &op).await;
    assert_eq!(elenco.stato, StatusCode::OK);
    assert!(
        elenco.testo.contains(&format!("/caf/dsu/{protocollo}")),
        "{}",
        elenco.testo
    );
    assert!(elenco.testo.contains(MARIO));
    // The search by another declarant's code finds nothing; by Mario's, the DSU.
    let cerca = |cf: &str| format!("csrf={}&cf={cf}&stato=", elenco.token());
    let r = post(&b.app, "/caf", &op, &cerca(LAURA)).await;
    assert!(!r.testo.contains(&protocollo));
    let r = post(&b.app, "/caf", &op, &cerca(MARIO)).await;
    assert!(r.testo.contains(&protocollo));
    let r = post(
        &b.app,
        "/caf",
        &op,
        &format!("csrf={}&cf=&stato=annullata", elenco.token()),
    )
    .await;
    assert!(!r.testo.contains(&protocollo));
    let att = get(&b.app, &format!("/caf/dsu/{protocollo}"), &op).await;
    assert_eq!(att.stato, StatusCode::OK);
    assert!(att.testo.contains("Dati dichiarati"));
    assert!(
        att.testo
            .contains(&format!("/caf/dsu/{protocollo}/ricevuta.pdf"))
    );
    for pdf in ["attestazione.pdf", "ricevuta.pdf"] {
        let r = get(&b.app, &format!("/caf/dsu/{protocollo}/{pdf}"), &op).await;
        assert_eq!(r.stato, StatusCode::OK, "{pdf}");
        assert!(r.corpo.starts_with(b"%PDF-"), "{pdf}");
    }
    let resoconto = get(&b.app, "/caf/resoconto", &op).await;
    assert_eq!(resoconto.stato, StatusCode::OK);
    assert!(
        resoconto.testo.contains("<tr><td>2</td><td>1</td></tr>"),
        "{}",
        resoconto.testo
    );
    let vuoto = get(&b.app, "/caf/resoconto?mese=2020-01", &op).await;
    assert!(vuoto.testo.contains("gennaio 2020: 0"), "{}", vuoto.testo);

    // Mario sees the mandate he gave and revokes it: the CAF then files nothing for him.
    let mario = accedi(&b.app, "mario.rossi").await;
    let pagina = get(&b.app, "/i-miei-mandati", &mario).await;
    assert_eq!(pagina.stato, StatusCode::OK);
    assert!(
        pagina.testo.contains("CAF-RA-01") && pagina.testo.contains("In vigore"),
        "{}",
        pagina.testo
    );
    let laura = accedi(&b.app, "laura.bianchi").await;
    assert!(
        !get(&b.app, "/i-miei-mandati", &laura)
            .await
            .testo
            .contains("CAF-RA-01"),
        "another citizen's mandates"
    );
    let r = post(
        &b.app,
        "/i-miei-mandati/revoca",
        &laura,
        &format!(
            "csrf={}&caf=CAF-RA-01",
            get(&b.app, "/i-miei-mandati", &laura).await.token()
        ),
    )
    .await;
    assert_eq!(
        r.stato,
        StatusCode::NOT_FOUND,
        "Laura cannot revoke Mario's mandate"
    );
    assert_eq!(
        post(&b.app, "/i-miei-mandati/revoca", &mario, "caf=CAF-RA-01")
            .await
            .stato,
        StatusCode::FORBIDDEN,
        "CSRF"
    );
    let r = post(
        &b.app,
        "/i-miei-mandati/revoca",
        &mario,
        &format!("csrf={}&caf=CAF-RA-01", pagina.token()),
    )
    .await;
    assert_eq!(r.stato, StatusCode::OK, "{}", r.testo);
    assert!(r.testo.contains("Revocato"));
    assert!(
        !b.registro.mandati(&cf).await.unwrap()[0]
            .in_vigore(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
    );
    let id = nuova(&b.app, &op).await;
    compila_tutto(&b.app, &op, &id).await;
    let riepilogo = get(&b.app, &format!("/compila/{id}/riepilogo"), &op).await;
    assert!(
        riepilogo.testo.contains("scaduto o revocato"),
        "{}",
        riepilogo.testo
    );

    // Another CAF: the protocol does not exist for it; a citizen has no CAF pages.
    let altro = accedi(&b.app, "altro.caf").await;
    assert_eq!(
        get(&b.app, &format!("/caf/dsu/{protocollo}"), &altro)
            .await
            .stato,
        StatusCode::NOT_FOUND
    );
    assert!(
        !get(&b.app, "/caf", &altro)
            .await
            .testo
            .contains(&protocollo)
    );
    let mario = accedi(&b.app, "mario.rossi").await;
    assert_eq!(
        get(&b.app, "/caf", &mario).await.stato,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&b.app, "/caf/mandati", &mario).await.stato,
        StatusCode::FORBIDDEN
    );
}

/// Files the Ravenna couple's DSU through the wizard as Mario: its protocol.
async fn presenta_dal_portale(b: &Banco, mario: &[String]) -> String {
    let id = nuova(&b.app, mario).await;
    compila_tutto(&b.app, mario, &id).await;
    let riepilogo = get(&b.app, &format!("/compila/{id}/riepilogo"), mario).await;
    let r = post(
        &b.app,
        &format!("/compila/{id}/presenta"),
        mario,
        &format!("csrf={}&dichiaro=1", riepilogo.token()),
    )
    .await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER, "{}", r.testo);
    let dove = r.intestazioni[header::LOCATION].to_str().unwrap();
    dove.strip_prefix("/le-mie-dsu/")
        .and_then(|r| r.strip_suffix("?presentata=1"))
        .expect(dove)
        .to_string()
}

/// "Rettifica la DSU" from its page: the declarant gets a draft with the DSU's data,
/// corrects an income and files it as the rectification (the old DSU "Rettificata",
/// the new one in force with the new figure); a member who is not the declarant, a
/// request without the CSRF token, an unknown protocol and a DSU no longer in force
/// are refused; a DSU holding more than the form can show is not rectified here.
#[tokio::test]
async fn il_dichiarante_rettifica_la_dsu_dal_portale() {
    use isee_registro::registrazione::StatoDsu;
    let b = banco().await;
    let mario = accedi(&b.app, "mario.rossi").await;
    let protocollo = presenta_dal_portale(&b, &mario).await;
    let pagina = get(&b.app, &format!("/le-mie-dsu/{protocollo}"), &mario).await;
    let azione = format!("/le-mie-dsu/{protocollo}/rettifica");
    assert!(pagina.testo.contains(&azione), "{}", pagina.testo);

    // Laura is in the nucleus and sees the attestation, not the button; posting
    // anyway is refused.
    let laura = accedi(&b.app, "laura.bianchi").await;
    let sua = get(&b.app, &format!("/le-mie-dsu/{protocollo}"), &laura).await;
    assert_eq!(sua.stato, StatusCode::OK);
    assert!(!sua.testo.contains(&azione));
    let r = post(&b.app, &azione, &laura, &format!("csrf={}", sua.token())).await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN, "{}", r.testo);
    assert!(r.testo.contains("Solo il dichiarante"));
    // No CSRF token; an unknown protocol.
    assert_eq!(
        post(&b.app, &azione, &mario, "").await.stato,
        StatusCode::FORBIDDEN
    );
    let r = post(
        &b.app,
        "/le-mie-dsu/INPS-ISEE-2026-99999999X-00/rettifica",
        &mario,
        &format!("csrf={}", pagina.token()),
    )
    .await;
    assert_eq!(r.stato, StatusCode::NOT_FOUND);

    // The draft holds the DSU as filed.
    let r = post(&b.app, &azione, &mario, &format!("csrf={}", pagina.token())).await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER, "{}", r.testo);
    let dove = r.intestazioni[header::LOCATION].to_str().unwrap();
    let id = dove
        .strip_prefix("/compila/")
        .and_then(|r| r.strip_suffix("/nucleo"))
        .expect(dove)
        .to_string();
    let elenco = get(&b.app, "/compila", &mario).await;
    assert!(
        elenco.testo.contains("Rettifica della DSU di Rossi Mario"),
        "{}",
        elenco.testo
    );
    let redditi = get(&b.app, &format!("/compila/{id}/redditi"), &mario).await;
    assert!(
        redditi.testo.contains("value=\"32000\""),
        "{}",
        redditi.testo
    );
    assert!(redditi.testo.contains("value=\"18000\""));
    let casa = get(&b.app, &format!("/compila/{id}/casa"), &mario).await;
    assert!(casa.testo.contains("value=\"6000\""), "{}", casa.testo);

    // Mario corrects his income and files.
    va_a(
        &invia_passo(
            &b.app,
            &mario,
            &id,
            "redditi",
            &[
                ("c0_mesi", "12"),
                ("c0_dipendente", "30.500"),
                ("c1_mesi", "6"),
                ("c1_dipendente", "18000"),
            ],
        )
        .await,
        &format!("/compila/{id}/patrimonio"),
    );
    let riepilogo = get(&b.app, &format!("/compila/{id}/riepilogo"), &mario).await;
    assert_eq!(riepilogo.stato, StatusCode::OK, "{}", riepilogo.testo);
    let r = post(
        &b.app,
        &format!("/compila/{id}/presenta"),
        &mario,
        &format!("csrf={}&dichiaro=1", riepilogo.token()),
    )
    .await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER, "{}", r.testo);
    let righe = b
        .registro
        .del_cittadino(&CodiceFiscale::new(MARIO))
        .await
        .unwrap();
    assert_eq!(righe.len(), 2);
    let vecchia = righe
        .iter()
        .find(|r| r.0.protocollo.to_string() == protocollo)
        .unwrap();
    let nuova_dsu = righe
        .iter()
        .find(|r| r.0.protocollo.to_string() != protocollo)
        .unwrap();
    assert_eq!(vecchia.0.stato, StatoDsu::Rettificata);
    assert_eq!(nuova_dsu.0.stato, StatoDsu::Attiva);
    let dsu = b.registro.dsu_registrata(&nuova_dsu.0).await.unwrap();
    assert_eq!(
        dsu.componenti[0].redditi.di_cui_lavoro_dipendente.valore(),
        rust_decimal::Decimal::from(30_500)
    );
    assert_eq!(dsu.componenti[1].cognome.as_deref(), Some("Bianchi"));

    // The old DSU is no longer in force: no button, and a post is refused.
    let pagina = get(&b.app, &format!("/le-mie-dsu/{protocollo}"), &mario).await;
    assert!(!pagina.testo.contains(&azione));
    let r = post(&b.app, &azione, &mario, &format!("csrf={}", pagina.token())).await;
    assert_eq!(r.stato, StatusCode::CONFLICT, "{}", r.testo);

    // A DSU with more than the form shows (the Ravenna example, filed by a CAF, has
    // several financial relationships): not rectified here, nothing lost.
    let esempio = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../esempi/ordinario-famiglia-ravenna.json"
    ))
    .unwrap();
    let ricevuta = b
        .registro
        .presenta(isee_registro::PresentazioneDsu {
            dsu_json: esempio,
            chiave_idempotenza: "esempio".into(),
            mittente: MITTENTE_PORTALE.into(),
            protocollo_mittente: None,
            operazione: isee_registro::Operazione::Nuova,
        })
        .await
        .unwrap();
    let p = ricevuta.protocollo.to_string();
    let pagina = get(&b.app, &format!("/le-mie-dsu/{p}"), &mario).await;
    assert_eq!(pagina.stato, StatusCode::OK, "{}", pagina.testo);
    let bozze_prima = get(&b.app, "/compila", &mario).await.testo;
    let r = post(
        &b.app,
        &format!("/le-mie-dsu/{p}/rettifica"),
        &mario,
        &format!("csrf={}", pagina.token()),
    )
    .await;
    assert_eq!(r.stato, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.testo);
    assert!(r.testo.contains("CAF"), "{}", r.testo);
    assert_eq!(get(&b.app, "/compila", &mario).await.testo, bozze_prima);
}

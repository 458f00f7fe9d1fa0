//! OpenID Connect sign-in, end to end over HTTP: the portal's router and a real local
//! provider (`isee_prova::oidc`, on 127.0.0.1) that signs its ID tokens with a key
//! generated at start-up. The browser is played by the test: it posts the login
//! page's button, follows the redirect to the provider's `/authorize`, and brings the
//! provider's redirect back to the portal with its cookies.
//!
//! A sign-in creates the citizen's account with the fiscal code of the claim and opens
//! a session whose "Le mie DSU" lists the DSUs; every way the answer can be wrong is
//! refused, each with its test: another nonce, another audience, another issuer, an
//! expired token, a token from the future, a signature of a key not in the JWKS, no
//! signature, no ID token, a replayed `state`, a `state` from another browser, a
//! missing or invalid fiscal code, the provider's `access_denied`.

mod comune;

use axum::http::{StatusCode, header};
use comune::{Risposta, coppia, get};
use isee_core::calcolo::Motore;
use isee_portale::Portale;
use isee_portale::oidc::{AutenticazioneClient, ConfigOidc, SegretoClient};
use isee_prova::oidc::{
    Algoritmo, ConfigProvider, Manomissione, MetodoClient, ProviderOidc, UtenteProva,
};
use isee_registro::{Operazione, PresentazioneDsu, RegistroDsu};
use std::sync::Arc;
use std::time::Duration;

const RAVENNA: &str = include_str!("../../../esempi/ordinario-famiglia-ravenna.json");
/// The declarant of the Ravenna example.
const CF_MARIO: &str = "RSSMRA85M01H199H";
/// Where the provider sends the browser back: the portal's callback (the test carries
/// the path to the router).
const RITORNO: &str = "http://127.0.0.1:9/accedi/oidc/ritorno";
const SEGRETO: &str = "segreto-del-client-di-prova";

struct Banco {
    app: axum::Router,
    provider: ProviderOidc,
    protocollo: String,
    utenti: Arc<isee_utenti::Utenti<isee_utenti::StoreSql>>,
    _dir: tempfile::TempDir,
}

async fn banco_con(metodo: MetodoClient, algoritmo: Algoritmo) -> Banco {
    banco_completo(metodo, algoritmo, Duration::ZERO).await
}

async fn banco_con_intervallo(intervallo: Duration) -> Banco {
    banco_completo(MetodoClient::Basic, Algoritmo::Rs256, intervallo).await
}

async fn banco_completo(
    metodo: MetodoClient,
    algoritmo: Algoritmo,
    intervallo_chiavi: Duration,
) -> Banco {
    let provider = ProviderOidc::avvia(ConfigProvider {
        client_id: "isee-portale".into(),
        client_secret: SEGRETO.into(),
        metodo,
        algoritmo,
        redirect: vec![RITORNO.into()],
        utente: UtenteProva::spid("sub-mario-7f3a", CF_MARIO, "Mario", "Rossi"),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("registro.db").display()
    );
    let registro = RegistroDsu::new(isee_registro::StoreSql::connetti(&url).await.unwrap());
    let r = registro
        .presenta(PresentazioneDsu {
            dsu_json: RAVENNA.into(),
            chiave_idempotenza: "k1".into(),
            mittente: "caf-ra".into(),
            protocollo_mittente: None,
            operazione: Operazione::Nuova,
        })
        .await
        .unwrap();
    let utenti = Arc::new(comune::utenti(&dir).await);
    let mut config = ConfigOidc::new(
        provider.emittente(),
        "isee-portale",
        SegretoClient::new(SEGRETO),
        RITORNO,
    );
    config.intervallo_chiavi = intervallo_chiavi;
    config.autenticazione = match metodo {
        MetodoClient::Basic => AutenticazioneClient::Basic,
        MetodoClient::Post => AutenticazioneClient::Post,
    };
    let app = Portale::new(Motore::predefinito())
        .unwrap()
        .con_utenti(utenti.clone())
        .con_registro(Arc::new(registro))
        .con_oidc(config)
        .unwrap()
        .router();
    Banco {
        app,
        provider,
        protocollo: r.protocollo.to_string(),
        utenti,
        _dir: dir,
    }
}

async fn banco() -> Banco {
    banco_con(MetodoClient::Basic, Algoritmo::Rs256).await
}

/// A browser's cookies (`nome=valore`), updated by each answer's `Set-Cookie`.
#[derive(Default, Clone)]
struct Browser(Vec<String>);

impl Browser {
    fn aggiorna(&mut self, r: &Risposta) {
        for c in r.cookie() {
            let c = coppia(&c);
            let nome = c.split('=').next().unwrap().to_string();
            self.0.retain(|x| !x.starts_with(&format!("{nome}=")));
            if !c.ends_with('=') {
                self.0.push(c);
            }
        }
    }

    fn ha(&self, nome: &str) -> bool {
        self.0.iter().any(|c| c.starts_with(&format!("{nome}=")))
    }
}

/// The login page, then its OIDC button: the provider's authorization URL.
async fn avvia(app: &axum::Router, b: &mut Browser) -> String {
    let modulo = get(app, "/accedi", &b.0).await;
    assert_eq!(modulo.stato, StatusCode::OK);
    b.aggiorna(&modulo);
    assert!(modulo.testo.contains("href=\"/accedi/oidc\""));
    let r = get(app, "/accedi/oidc", &b.0).await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER, "{}", r.testo);
    b.aggiorna(&r);
    assert!(b.ha("__Host-isee_oidc"), "the pending-login cookie");
    let set = r.cookie().join("\n");
    assert!(
        set.contains("__Host-isee_oidc=")
            && set.contains("HttpOnly")
            && set.contains("SameSite=Lax")
            && set.contains("Max-Age=600"),
        "{set}"
    );
    r.intestazioni[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string()
}

/// The browser at the provider: where it is sent back to, as a path for the router.
async fn dal_provider(url: &str) -> String {
    let r = isee_http::Client::http().get(url).await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let dove = r.headers()[header::LOCATION].to_str().unwrap();
    dove.strip_prefix("http://127.0.0.1:9")
        .expect("back to the portal's redirect URI")
        .to_string()
}

/// The whole sign-in: the callback's answer.
async fn accedi(app: &axum::Router, b: &mut Browser) -> (Risposta, String) {
    let url = avvia(app, b).await;
    let ritorno = dal_provider(&url).await;
    let r = get(app, &ritorno, &b.0).await;
    b.aggiorna(&r);
    (r, ritorno)
}

/// The accounts the store holds (their ids are 1, 2, …).
async fn conta_account(banco: &Banco) -> i64 {
    let mut n = 0;
    while isee_utenti::StoreUtenti::utente(banco.utenti.store(), isee_utenti::IdUtente(n + 1))
        .await
        .unwrap()
        .is_some()
    {
        n += 1;
    }
    n
}

fn sessione(b: &Browser) -> bool {
    b.ha("__Host-isee_sessione")
}

#[tokio::test]
async fn accesso_crea_il_cittadino_e_le_mie_dsu_funziona() {
    let banco = banco().await;
    let mut b = Browser::default();
    let (r, _) = accedi(&banco.app, &mut b).await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER, "{}", r.testo);
    assert_eq!(r.intestazioni[header::LOCATION], "/area-personale");
    assert!(sessione(&b), "{:?}", b.0);
    assert!(
        !b.ha("__Host-isee_oidc"),
        "the pending-login cookie is cleared"
    );

    // What the portal asked of the provider.
    let q = banco.provider.autorizzazioni().pop().unwrap();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert_eq!(q["redirect_uri"], RITORNO);
    assert_eq!(q["scope"], "openid profile");
    assert_eq!(q["state"].len(), 64);
    assert_eq!(q["nonce"].len(), 64);
    assert_eq!(banco.provider.richieste_token().last().unwrap().stato, 200);

    let area = get(&banco.app, "/area-personale", &b.0).await;
    assert_eq!(area.stato, StatusCode::OK);
    assert!(area.testo.contains("Mario Rossi"), "{}", area.testo);
    assert!(area.testo.contains("Cittadino"));
    let elenco = get(&banco.app, "/le-mie-dsu", &b.0).await;
    assert_eq!(elenco.stato, StatusCode::OK, "{}", elenco.testo);
    assert!(elenco.testo.contains(&banco.protocollo), "{}", elenco.testo);
    assert!(elenco.testo.contains("Dichiarante"));
    let att = get(
        &banco.app,
        &format!("/le-mie-dsu/{}", banco.protocollo),
        &b.0,
    )
    .await;
    assert_eq!(att.stato, StatusCode::OK);
    assert!(att.testo.contains("Dati dichiarati"));

    // Signing in again from the same browser: the same account, a new session, the
    // old one ended.
    let vecchia = b.clone();
    let (r, _) = accedi(&banco.app, &mut b).await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER);
    assert_ne!(vecchia.0, b.0);
    let r = get(&banco.app, "/area-personale", &vecchia.0).await;
    assert_eq!(
        r.stato,
        StatusCode::SEE_OTHER,
        "the previous session is over"
    );
    assert!(conta_account(&banco).await == 1);
}

#[tokio::test]
async fn chiave_ruotata_dal_provider_riletta() {
    let banco = banco().await;
    let mut b = Browser::default();
    let (r, _) = accedi(&banco.app, &mut b).await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER, "{}", r.testo);
    // The provider signs with a new key under a new kid: the portal, whose cached key
    // set does not have it, reads the JWKS again (the interval is 0 in this test).
    banco.provider.ruota_chiave("chiave-2");
    let mut b = Browser::default();
    let (r, _) = accedi(&banco.app, &mut b).await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER, "{}", r.testo);
    assert!(sessione(&b));
}

#[tokio::test]
async fn chiave_sconosciuta_non_riletta_prima_dell_intervallo() {
    let banco = banco_con_intervallo(Duration::from_secs(3600)).await;
    let mut b = Browser::default();
    let (r, _) = accedi(&banco.app, &mut b).await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER, "{}", r.testo);
    banco.provider.ruota_chiave("chiave-2");
    let mut b = Browser::default();
    let (r, _) = accedi(&banco.app, &mut b).await;
    assert_eq!(r.stato, StatusCode::UNAUTHORIZED, "{}", r.testo);
    assert!(r.testo.contains("OIDC_CHIAVE_SCONOSCIUTA"), "{}", r.testo);
}

#[tokio::test]
async fn client_secret_post_e_chiave_es256() {
    let banco = banco_con(MetodoClient::Post, Algoritmo::Es256).await;
    let mut b = Browser::default();
    let (r, _) = accedi(&banco.app, &mut b).await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER, "{}", r.testo);
    assert!(sessione(&b));
    let elenco = get(&banco.app, "/le-mie-dsu", &b.0).await;
    assert!(elenco.testo.contains(&banco.protocollo));
}

#[tokio::test]
async fn segreto_del_client_sbagliato_rifiutato() {
    let provider = ProviderOidc::avvia(ConfigProvider {
        client_id: "isee-portale".into(),
        client_secret: "un altro segreto".into(),
        metodo: MetodoClient::Basic,
        algoritmo: Algoritmo::Rs256,
        redirect: vec![RITORNO.into()],
        utente: UtenteProva::spid("s", CF_MARIO, "Mario", "Rossi"),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let app = Portale::new(Motore::predefinito())
        .unwrap()
        .con_utenti(Arc::new(comune::utenti(&dir).await))
        .con_oidc(ConfigOidc::new(
            provider.emittente(),
            "isee-portale",
            SegretoClient::new(SEGRETO),
            RITORNO,
        ))
        .unwrap()
        .router();
    let mut b = Browser::default();
    let (r, _) = accedi(&app, &mut b).await;
    assert_eq!(r.stato, StatusCode::BAD_REQUEST);
    assert!(r.testo.contains("OIDC_TOKEN_RIFIUTATO"), "{}", r.testo);
    assert!(!sessione(&b));
    assert_eq!(
        provider.richieste_token().last().unwrap().errore.as_deref(),
        Some("invalid_client")
    );
}

/// One wrong ID token: refused with `stato`, an Italian page, no session; and the
/// `state` is used up (its callback replayed is refused as a used one).
async fn rifiutato(m: Manomissione, stato: StatusCode, codice: &str) {
    let banco = banco().await;
    banco.provider.manometti(m.clone());
    let mut b = Browser::default();
    let (r, ritorno) = accedi(&banco.app, &mut b).await;
    assert_eq!(r.stato, stato, "{m:?}: {}", r.testo);
    assert!(
        r.testo.contains("Accesso non riuscito") && r.testo.contains("controlli di sicurezza"),
        "{m:?}: {}",
        r.testo
    );
    assert!(r.testo.contains(codice), "{m:?}: {}", r.testo);
    assert!(!sessione(&b), "{m:?}");
    assert!(!b.ha("__Host-isee_oidc"), "{m:?}");
    let ancora = get(&banco.app, &ritorno, &b.0).await;
    assert_eq!(ancora.stato, StatusCode::BAD_REQUEST, "{m:?}");
}

#[tokio::test]
async fn nonce_sbagliato_rifiutato() {
    rifiutato(
        Manomissione::Nonce,
        StatusCode::UNAUTHORIZED,
        "OIDC_NONCE_ERRATO",
    )
    .await;
}

#[tokio::test]
async fn audience_sbagliata_rifiutata() {
    rifiutato(
        Manomissione::Audience,
        StatusCode::UNAUTHORIZED,
        "OIDC_AUDIENCE_ERRATA",
    )
    .await;
}

#[tokio::test]
async fn emittente_sbagliato_rifiutato() {
    rifiutato(
        Manomissione::Emittente,
        StatusCode::UNAUTHORIZED,
        "OIDC_EMITTENTE_ERRATO",
    )
    .await;
}

#[tokio::test]
async fn token_scaduto_rifiutato() {
    rifiutato(
        Manomissione::Scaduto,
        StatusCode::UNAUTHORIZED,
        "OIDC_ID_TOKEN_SCADUTO",
    )
    .await;
}

#[tokio::test]
async fn token_dal_futuro_rifiutato() {
    rifiutato(
        Manomissione::EmessoNelFuturo,
        StatusCode::UNAUTHORIZED,
        "OIDC_EMESSO_NEL_FUTURO",
    )
    .await;
}

#[tokio::test]
async fn firma_di_una_chiave_estranea_rifiutata() {
    rifiutato(
        Manomissione::Firma,
        StatusCode::UNAUTHORIZED,
        "OIDC_FIRMA_NON_VALIDA",
    )
    .await;
}

#[tokio::test]
async fn token_senza_firma_rifiutato() {
    rifiutato(
        Manomissione::SenzaFirma,
        StatusCode::UNAUTHORIZED,
        "OIDC_ID_TOKEN_MALFORMATO",
    )
    .await;
}

#[tokio::test]
async fn risposta_senza_id_token_rifiutata() {
    rifiutato(
        Manomissione::SenzaIdToken,
        StatusCode::UNAUTHORIZED,
        "OIDC_ID_TOKEN_ASSENTE",
    )
    .await;
}

#[tokio::test]
async fn stato_riusato_rifiutato() {
    let banco = banco().await;
    let mut b = Browser::default();
    let (r, ritorno) = accedi(&banco.app, &mut b).await;
    assert_eq!(r.stato, StatusCode::SEE_OTHER);
    // The same callback again, from the same browser (its pending-login cookie put
    // back): the state was used.
    let _ = avvia(&banco.app, &mut b).await;
    let r = get(&banco.app, &ritorno, &b.0).await;
    assert_eq!(r.stato, StatusCode::BAD_REQUEST);
    assert!(
        r.testo.contains("già stata usata o è scaduta"),
        "{}",
        r.testo
    );
    assert!(r.testo.contains("OIDC_STATO_SCONOSCIUTO"), "{}", r.testo);
    let richieste = banco.provider.richieste_token().len();
    assert_eq!(richieste, 1, "the code was not sent to the provider again");
}

#[tokio::test]
async fn stato_di_un_altro_browser_rifiutato() {
    let banco = banco().await;
    // The victim starts a login; the callback arrives in another browser (an
    // attacker's link, or the victim's code in the attacker's browser).
    let mut vittima = Browser::default();
    let url = avvia(&banco.app, &mut vittima).await;
    let ritorno = dal_provider(&url).await;
    let mut altro = Browser::default();
    let pagina = get(&banco.app, "/accedi", &[]).await;
    altro.aggiorna(&pagina);
    let _ = avvia(&banco.app, &mut altro).await;
    let r = get(&banco.app, &ritorno, &altro.0).await;
    assert_eq!(r.stato, StatusCode::BAD_REQUEST);
    assert!(r.testo.contains("OIDC_STATO_ALTRO_BROWSER"), "{}", r.testo);
    altro.aggiorna(&r);
    assert!(!sessione(&altro));
    // And without any pending-login cookie.
    let url = avvia(&banco.app, &mut vittima).await;
    let ritorno = dal_provider(&url).await;
    let r = get(&banco.app, &ritorno, &[]).await;
    assert_eq!(r.stato, StatusCode::BAD_REQUEST);
    assert!(r.testo.contains("OIDC_STATO_ALTRO_BROWSER"), "{}", r.testo);
    assert!(
        banco.provider.richieste_token().is_empty(),
        "no code exchanged"
    );
}

#[tokio::test]
async fn codice_fiscale_mancante_rifiutato() {
    let banco = banco().await;
    let mut u = UtenteProva::spid("sub-x", CF_MARIO, "Mario", "Rossi");
    u.claim.remove("fiscal_number");
    banco.provider.utente(u);
    let mut b = Browser::default();
    let (r, _) = accedi(&banco.app, &mut b).await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN);
    assert!(r.testo.contains("codice fiscale valido"), "{}", r.testo);
    assert!(r.testo.contains("OIDC_CODICE_FISCALE"), "{}", r.testo);
    assert!(!sessione(&b));
}

#[tokio::test]
async fn codice_fiscale_non_valido_rifiutato() {
    let banco = banco().await;
    banco.provider.utente(UtenteProva::spid(
        "sub-x",
        "RSSMRA85M01H199X",
        "Mario",
        "Rossi",
    ));
    let mut b = Browser::default();
    let (r, _) = accedi(&banco.app, &mut b).await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN);
    assert!(r.testo.contains("codice fiscale valido"), "{}", r.testo);
    assert!(r.testo.contains("OIDC_CODICE_FISCALE"), "{}", r.testo);
    assert!(!sessione(&b));
    assert_eq!(conta_account(&banco).await, 0, "no account made");
}

#[tokio::test]
async fn errore_del_provider_access_denied() {
    let banco = banco().await;
    banco.provider.errore_autorizzazione(Some("access_denied"));
    let mut b = Browser::default();
    let (r, ritorno) = accedi(&banco.app, &mut b).await;
    assert!(ritorno.contains("error=access_denied"), "{ritorno}");
    assert_eq!(r.stato, StatusCode::FORBIDDEN);
    assert!(
        r.testo.contains("annullato o non è stato autorizzato"),
        "{}",
        r.testo
    );
    assert!(r.testo.contains("OIDC_ERRORE_PROVIDER"), "{}", r.testo);
    assert!(!sessione(&b));
    assert!(banco.provider.richieste_token().is_empty());
}

#[tokio::test]
async fn ritorno_senza_stato_o_senza_codice_rifiutato() {
    let banco = banco().await;
    let r = get(&banco.app, "/accedi/oidc/ritorno?code=abc", &[]).await;
    assert_eq!(r.stato, StatusCode::BAD_REQUEST);
    assert!(r.testo.contains("OIDC_STATO_SCONOSCIUTO"), "{}", r.testo);
    // A malformed query gets the same Italian page, not the extractor's plain 400.
    let r = get(&banco.app, "/accedi/oidc/ritorno?state=%ZZ&state", &[]).await;
    assert_eq!(r.stato, StatusCode::BAD_REQUEST);
    assert!(
        r.testo.contains("Torna alla pagina di accesso"),
        "{}",
        r.testo
    );
    let mut b = Browser::default();
    let url = avvia(&banco.app, &mut b).await;
    let ritorno = dal_provider(&url).await;
    let senza_codice: String = ritorno
        .split(['?', '&'])
        .filter(|p| p.starts_with("state="))
        .map(|p| format!("/accedi/oidc/ritorno?{p}"))
        .collect();
    let r = get(&banco.app, &senza_codice, &b.0).await;
    assert_eq!(r.stato, StatusCode::BAD_REQUEST, "{senza_codice}");
}

#[tokio::test]
async fn pulsante_solo_se_configurato_e_un_collegamento() {
    let banco = banco().await;
    let r = get(&banco.app, "/accedi", &[]).await;
    assert!(r.testo.contains("id=\"accedi-oidc\""), "{}", r.testo);
    assert!(r.testo.contains("Entra con SPID o CIE"));
    assert!(r.testo.contains("href=\"/accedi/oidc\""));
    // A link, not a form: a POST answered by a redirect to the provider would be
    // refused by the browser under `form-action 'self'`.
    assert!(!r.testo.contains("action=\"/accedi/oidc\""));
    let csp = r.intestazioni[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("form-action 'self'"), "{csp}");
    assert!(banco.provider.autorizzazioni().is_empty());

    let dir = tempfile::tempdir().unwrap();
    let senza = Portale::new(Motore::predefinito())
        .unwrap()
        .con_utenti(Arc::new(comune::utenti(&dir).await))
        .router();
    let r = get(&senza, "/accedi", &[]).await;
    assert_eq!(r.stato, StatusCode::OK);
    assert!(
        !r.testo.contains("accedi-oidc") && !r.testo.contains("SPID"),
        "{}",
        r.testo
    );
    let r = get(&senza, "/accedi/oidc", &[]).await;
    assert_eq!(r.stato, StatusCode::NOT_FOUND);
    let r = get(&senza, "/accedi/oidc/ritorno?state=x&code=y", &[]).await;
    assert_eq!(r.stato, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn provider_irraggiungibile_pagina_chiara() {
    // A port nothing listens on (bound, then closed).
    let porta = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let app = Portale::new(Motore::predefinito())
        .unwrap()
        .con_utenti(Arc::new(comune::utenti(&dir).await))
        .con_oidc(ConfigOidc::new(
            &format!("http://127.0.0.1:{porta}"),
            "isee-portale",
            SegretoClient::new(SEGRETO),
            RITORNO,
        ))
        .unwrap()
        .router();
    let r = get(&app, "/accedi/oidc", &[]).await;
    assert_eq!(r.stato, StatusCode::BAD_GATEWAY);
    assert!(r.testo.contains("non risponde"), "{}", r.testo);
    assert!(
        r.testo.contains("OIDC_PROVIDER_NON_RAGGIUNGIBILE"),
        "{}",
        r.testo
    );
}

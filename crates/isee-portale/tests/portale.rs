//! The portal through its router, request by request (tower's `oneshot`).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use isee_core::calcolo::{Motore, Richiesta, TipoIsee};
use isee_portale::simulatore::{Modulo, codice_segnaposto, leggi_data};
use isee_portale::{CSP, risorse, router};
use tower::ServiceExt;

struct Risposta {
    stato: StatusCode,
    intestazioni: axum::http::HeaderMap,
    corpo: Vec<u8>,
}

impl Risposta {
    fn testo(&self) -> String {
        String::from_utf8(self.corpo.clone()).expect("UTF-8")
    }
}

/// One router for the whole test binary: its CSRF key signs the pre-session of a GET
/// that a later POST sends back.
fn portale() -> axum::Router {
    static PORTALE: std::sync::OnceLock<axum::Router> = std::sync::OnceLock::new();
    PORTALE
        .get_or_init(|| router(Motore::predefinito()))
        .clone()
}

async fn invia(req: Request<Body>) -> Risposta {
    let r = portale().oneshot(req).await.expect("risposta");
    let stato = r.status();
    let intestazioni = r.headers().clone();
    let corpo = r
        .into_body()
        .collect()
        .await
        .expect("corpo")
        .to_bytes()
        .to_vec();
    Risposta {
        stato,
        intestazioni,
        corpo,
    }
}

async fn get(uri: &str) -> Risposta {
    invia(Request::get(uri).body(Body::empty()).unwrap()).await
}

fn codifica(coppie: &[(&str, &str)]) -> String {
    coppie
        .iter()
        .map(|(k, v)| {
            let v: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The pre-session a browser gets with the form: its cookie and the form's token.
async fn presessione() -> (String, String) {
    let r = get("/simulatore").await;
    let cookie = r.intestazioni[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let html = r.testo();
    let i = html.find("name=\"csrf\" value=\"").expect("il campo csrf") + 19;
    let token = html[i..i + html[i..].find('"').unwrap()].to_string();
    (cookie, token)
}

/// The simulatore's form as a browser sends it: with the pre-session's cookie and token.
async fn post(coppie: &[(&str, &str)]) -> Risposta {
    let (cookie, token) = presessione().await;
    let mut tutte = coppie.to_vec();
    tutte.push(("csrf", &token));
    post_con(&tutte, Some(&cookie), None).await
}

async fn post_con(
    coppie: &[(&str, &str)],
    cookie: Option<&str>,
    origine: Option<&str>,
) -> Risposta {
    let mut r = Request::post("/simulatore")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    if let Some(o) = origine {
        r = r.header(header::ORIGIN, o);
    }
    invia(r.body(Body::from(codifica(coppie))).unwrap()).await
}

#[tokio::test]
async fn il_simulatore_rifiuta_un_post_senza_token_o_da_altra_origine() {
    let (cookie, token) = presessione().await;
    let campi = [("data_presentazione", "2026-03-01")];
    // No token; a wrong token; the right token without its cookie; another origin.
    let r = post_con(&campi, Some(&cookie), None).await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN);
    assert!(r.testo().contains("La richiesta non è valida o è scaduta"));
    sicurezza(&r);
    let r = post_con(&[campi[0], ("csrf", "0000")], Some(&cookie), None).await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN);
    let r = post_con(&[campi[0], ("csrf", &token)], None, None).await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN);
    let r = post_con(
        &[campi[0], ("csrf", &token)],
        Some(&cookie),
        Some("https://attaccante.example"),
    )
    .await;
    assert_eq!(r.stato, StatusCode::FORBIDDEN);
    // The same token and cookie, from the page itself, pass.
    let r = post_con(&[campi[0], ("csrf", &token)], Some(&cookie), None).await;
    assert_ne!(r.stato, StatusCode::FORBIDDEN, "{}", r.testo());
}

fn sicurezza(r: &Risposta) {
    assert_eq!(r.intestazioni[header::CONTENT_SECURITY_POLICY], CSP);
    assert_eq!(r.intestazioni[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(r.intestazioni[header::REFERRER_POLICY], "same-origin");
}

#[tokio::test]
async fn ogni_pagina_risponde_con_la_csp() {
    for uri in ["/", "/simulatore", "/accessibilita"] {
        let r = get(uri).await;
        assert_eq!(r.stato, StatusCode::OK, "{uri}");
        sicurezza(&r);
        let html = r.testo();
        assert!(html.contains("<html lang=\"it\">"), "{uri}");
        assert!(html.contains("href=\"#contenuto\""), "{uri}: skip link");
        assert!(
            html.contains("ISEE — Indicatore della Situazione Economica Equivalente"),
            "{uri}"
        );
        assert!(
            html.contains(risorse::CSS) && html.contains(risorse::JS),
            "{uri}"
        );
        // No inline script or style: every <script> has a src, no style attribute.
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script src=").count(),
            "{uri}"
        );
        assert!(
            !html.contains("<style") && !html.contains(" style="),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn percorso_sconosciuto_404_con_pagina() {
    let r = get("/non-esiste").await;
    assert_eq!(r.stato, StatusCode::NOT_FOUND);
    sicurezza(&r);
    assert!(r.testo().contains("Pagina non trovata"));
}

/// FNV-1a 64, as build.rs names the files.
fn fnv(b: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h ^= u64::from(x);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[tokio::test]
async fn risorse_con_nome_del_contenuto_e_cache_immutabile() {
    assert!(risorse::RISORSE.len() > 4, "font inclusi");
    for (nome, dati, tipo) in risorse::RISORSE {
        assert!(
            nome.contains(&fnv(dati)),
            "{nome}: nome senza l'hash del contenuto"
        );
        let r = get(&format!("/static/{nome}")).await;
        assert_eq!(r.stato, StatusCode::OK, "{nome}");
        assert_eq!(r.intestazioni[header::CONTENT_TYPE], *tipo);
        assert_eq!(
            r.intestazioni[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(&r.corpo, dati);
    }
    for (c, tipo) in [
        (risorse::CSS, "text/css"),
        (risorse::JS, "text/javascript"),
        (risorse::SPRITE, "image/svg+xml"),
        (risorse::FONTS, "text/css"),
    ] {
        let r = get(c).await;
        assert!(
            r.intestazioni[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with(tipo),
            "{c}"
        );
    }
    // The generated font stylesheet points only at embedded fonts.
    let fonts = get(risorse::FONTS).await.testo();
    for url in fonts.split("url(\"").skip(1) {
        let nome = url.split('"').next().unwrap();
        assert!(risorse::trova(nome).is_some(), "{nome} non incluso");
    }
    let r = get("/static/bootstrap-italia.min.css").await;
    assert_eq!(r.stato, StatusCode::NOT_FOUND);
    assert!(r.intestazioni.get(header::CACHE_CONTROL).is_none());
}

const FAMIGLIA: &[(&str, &str)] = &[
    ("n", "2"),
    ("data", "10/02/2026"),
    ("titolo", "locazione"),
    ("canone", "7.200,00"),
    ("c0_rapporto", "D"),
    ("c0_nascita", "01/08/1985"),
    ("c0_mesi", "12"),
    ("c0_dipendente", "28.500,50"),
    ("c0_saldo", "12000"),
    ("c0_giacenza", "9.800,20"),
    ("c1_rapporto", "F"),
    ("c1_nascita", "2015-09-10"),
    ("c1_disabilita", "DIM"),
    ("azione", "calcola"),
];

#[tokio::test]
async fn un_campo_sbagliato_torna_accanto_al_campo_con_i_valori() {
    let mut coppie = FAMIGLIA.to_vec();
    coppie.retain(|(k, _)| *k != "c0_dipendente");
    coppie.push(("c0_dipendente", "28,500.50"));
    let r = post(&coppie).await;
    assert_eq!(r.stato, StatusCode::UNPROCESSABLE_ENTITY);
    sicurezza(&r);
    let html = r.testo();
    // The summary links to the field, the field says why, every value is kept.
    assert!(html.contains("href=\"#c0_dipendente\""), "{html}");
    let campo = html.find("id=\"c0_dipendente\"").expect("campo");
    let errore = html.find("id=\"c0_dipendente-errore\"").expect("errore");
    assert!(
        errore > campo
            && html[errore..].starts_with("id=\"c0_dipendente-errore\">importo non valido")
    );
    assert!(html.contains("value=\"28,500.50\""));
    assert!(html.contains("value=\"9.800,20\""));
    assert!(html.contains("value=\"2015-09-10\""));
    assert!(html.contains("<option value=\"DIM\" selected>"));
    assert!(!html.contains("ISEE ordinario:"));
}

#[tokio::test]
async fn gli_errori_del_motore_vanno_sul_loro_campo() {
    // Two dichiaranti and rent without a rent: the engine's own validation.
    let mut coppie = FAMIGLIA.to_vec();
    coppie.retain(|(k, _)| *k != "c1_rapporto" && *k != "canone");
    coppie.push(("c1_rapporto", "D"));
    let r = post(&coppie).await;
    assert_eq!(r.stato, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.testo();
    assert!(html.contains("href=\"#canone\""), "{html}");
    assert!(html.contains("id=\"canone-errore\""));
    assert!(
        html.contains("id=\"c1_rapporto-errore\"") || html.contains("id=\"c0_rapporto-errore\"")
    );
}

#[tokio::test]
async fn aggiungi_componente_conserva_i_valori() {
    let mut coppie = FAMIGLIA.to_vec();
    coppie.retain(|(k, _)| *k != "azione");
    coppie.push(("azione", "aggiungi"));
    let r = post(&coppie).await;
    assert_eq!(r.stato, StatusCode::OK);
    let html = r.testo();
    assert!(html.contains("id=\"c2_nascita\""));
    assert!(html.contains("name=\"n\" value=\"3\""));
    assert!(html.contains("value=\"28.500,50\"") && html.contains("value=\"7.200,00\""));
}

#[tokio::test]
async fn il_risultato_e_quello_del_motore() {
    let r = post(FAMIGLIA).await;
    assert_eq!(r.stato, StatusCode::OK, "{}", r.testo());
    let html = r.testo();
    // The same DSU written by hand, computed directly.
    let dsu = serde_json::json!({
        "data_presentazione": "2026-02-10",
        "componenti": [
            {
                "codice_fiscale": codice_segnaposto(0, leggi_data("01/08/1985").unwrap()),
                "data_nascita": "1985-08-01", "rapporto": "D", "mesi_lavoro": 12,
                "redditi": { "reddito_complessivo": "28500.50", "di_cui_lavoro_dipendente": "28500.50" },
                "patrimonio_mobiliare": [{ "tipo": "01", "saldo_31_12": 12000, "giacenza_media": "9800.20" }]
            },
            {
                "codice_fiscale": codice_segnaposto(1, leggi_data("10/09/2015").unwrap()),
                "data_nascita": "2015-09-10", "rapporto": "F", "disabilita": "DIM"
            }
        ],
        "abitazione": { "titolo": "locazione", "codice_comune": "H501", "canone_annuo": 7200 }
    });
    let dsu = isee_core::Dsu::da_json(&dsu.to_string()).expect("DSU");
    let dsu = isee_core::valida(dsu).expect("valida");
    let e = Motore::predefinito()
        .calcola(
            &dsu,
            &Richiesta {
                tipo: TipoIsee::Ordinario,
                prestazione: None,
                beneficiario: None,
            },
        )
        .expect("calcolo");
    let atteso = format!("ISEE ordinario: {}", isee_portale::simulatore::euro(e.isee));
    assert!(html.contains(&atteso), "{atteso} non in pagina");
    assert!(html.contains(&isee_portale::simulatore::euro(e.righe.isr)));
    // The trace, with its legal references.
    assert!(html.contains("DPCM 159/2013"));
    // The placeholder codes are never shown.
    assert!(!html.contains("SIMAAA"));
}

#[tokio::test]
async fn modulo_troppo_grande_rifiutato() {
    let grande = "x".repeat(isee_portale::CORPO_MASSIMO + 1);
    let r = post(&[("c0_altri", &grande)]).await;
    assert_eq!(r.stato, StatusCode::PAYLOAD_TOO_LARGE);
}

#[test]
fn righe_oltre_il_massimo_ignorate() {
    let coppie: Vec<(String, String)> = (0..50)
        .map(|i| (format!("c{i}_rapporto"), "F".to_owned()))
        .collect();
    let m = Modulo::da_coppie(&coppie);
    assert_eq!(m.componenti.len(), isee_portale::simulatore::MAX_COMPONENTI);
}

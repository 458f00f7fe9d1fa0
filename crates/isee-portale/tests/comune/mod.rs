//! What the portal's integration tests share: requests through the router, the
//! cookies and CSRF tokens of the answers, accounts with fast hashing, signing in.

#![allow(dead_code, unreachable_pub)]

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use isee_utenti::{Configurazione, ParametriArgon2, Regole, Segreto, StoreSql, Utenti};
use tower::ServiceExt;

pub const PASSWORD: &str = "una password lunga e nuova";

pub struct Risposta {
    pub stato: StatusCode,
    pub intestazioni: HeaderMap,
    pub testo: String,
    /// The body as received (a PDF is not text).
    pub corpo: Vec<u8>,
}

impl Risposta {
    /// The `nome=valore` of each cookie set.
    pub fn cookie(&self) -> Vec<String> {
        self.intestazioni
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }

    pub fn token(&self) -> String {
        let i = self
            .testo
            .find("name=\"csrf\" value=\"")
            .expect("il campo csrf")
            + 19;
        self.testo[i..i + self.testo[i..].find('"').unwrap()].to_string()
    }
}

/// The accounts on a SQLite file of `dir`, with hashing cheap enough for tests.
pub async fn utenti(dir: &tempfile::TempDir) -> Utenti<StoreSql> {
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("utenti.db").display()
    );
    let store = StoreSql::apri_con(Configurazione::new(&url)).await.unwrap();
    let regole = Regole {
        argon2: ParametriArgon2 {
            memoria_kib: 256,
            passaggi: 1,
            parallelismo: 1,
        },
        ..Regole::default()
    };
    Utenti::new(store, Segreto::da_byte([7; 32]), regole).unwrap()
}

pub async fn invia(app: &axum::Router, req: Request<Body>) -> Risposta {
    let r = app.clone().oneshot(req).await.unwrap();
    let stato = r.status();
    let intestazioni = r.headers().clone();
    let corpo = r.into_body().collect().await.unwrap().to_bytes();
    Risposta {
        stato,
        intestazioni,
        testo: String::from_utf8_lossy(&corpo).into_owned(),
        corpo: corpo.to_vec(),
    }
}

pub async fn get(app: &axum::Router, uri: &str, cookie: &[String]) -> Risposta {
    let mut r = Request::get(uri);
    if !cookie.is_empty() {
        r = r.header(header::COOKIE, cookie.join("; "));
    }
    invia(app, r.body(Body::empty()).unwrap()).await
}

pub async fn post(app: &axum::Router, uri: &str, cookie: &[String], corpo: &str) -> Risposta {
    let mut r =
        Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if !cookie.is_empty() {
        r = r.header(header::COOKIE, cookie.join("; "));
    }
    invia(app, r.body(Body::from(corpo.to_string())).unwrap()).await
}

/// `nome=valore` of a `Set-Cookie` line.
pub fn coppia(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

pub fn sessione(r: &Risposta) -> Option<String> {
    r.cookie()
        .into_iter()
        .find(|c| c.contains("isee_sessione=") && !c.contains("Max-Age=0"))
}

/// Signs `nome` in with [`PASSWORD`]: the session cookie (`nome=valore`).
pub async fn accedi(app: &axum::Router, nome: &str) -> Vec<String> {
    let modulo = get(app, "/accedi", &[]).await;
    let pre: Vec<String> = modulo.cookie().iter().map(|c| coppia(c)).collect();
    let ok = post(
        app,
        "/accedi",
        &pre,
        &format!(
            "csrf={}&nome={nome}&password={}",
            modulo.token(),
            PASSWORD.replace(' ', "+")
        ),
    )
    .await;
    assert_eq!(ok.stato, StatusCode::SEE_OTHER, "{}", ok.testo);
    vec![coppia(&sessione(&ok).expect("il cookie di sessione"))]
}

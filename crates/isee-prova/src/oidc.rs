//! A small, real OpenID Connect provider for tests (feature `oidc`): axum on
//! `127.0.0.1:0`, discovery, a JWKS with a key generated at start-up, an
//! `/authorize` that at once sends the browser back with a code for the configured
//! user (or with the configured error), and a `/token` that checks the code (once),
//! the redirect URI, the PKCE verifier (S256) and the client's secret
//! (`client_secret_basic` or `client_secret_post`) before it returns a signed ID token.
//!
//! [`Manomissione`] makes the next ID tokens wrong in one way (another nonce, another
//! audience, expired, signed by a key not in the JWKS, …), so that a relying party's
//! tests can check each refusal against a real signature.

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _, RsaKeyPair,
};
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How the client authenticates at the token endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetodoClient {
    /// HTTP Basic with the client id and secret (`client_secret_basic`).
    Basic,
    /// `client_id` and `client_secret` in the form (`client_secret_post`).
    Post,
}

/// The signature algorithm of the provider's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algoritmo {
    Rs256,
    Es256,
}

/// One way to make the next ID tokens wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Manomissione {
    Nessuna,
    /// A nonce other than the one the authorization request carried.
    Nonce,
    /// `aud` another client.
    Audience,
    /// `iss` another issuer.
    Emittente,
    /// `exp` ten minutes ago.
    Scaduto,
    /// `iat` an hour from now.
    EmessoNelFuturo,
    /// Signed by a key that is not in the JWKS (with the JWKS key's `kid`).
    Firma,
    /// `alg: none`, no signature.
    SenzaFirma,
    /// A token endpoint answer without `id_token`.
    SenzaIdToken,
}

/// The person the provider signs in: `sub` and the other claims of the ID token
/// (`fiscal_number`, `given_name`, `family_name`…).
#[derive(Clone, Debug)]
pub struct UtenteProva {
    pub sub: String,
    pub claim: Map<String, Value>,
}

impl UtenteProva {
    /// A SPID-like user: `fiscal_number` `TINIT-{cf}`, given and family name.
    pub fn spid(sub: &str, cf: &str, nome: &str, cognome: &str) -> UtenteProva {
        let mut claim = Map::new();
        claim.insert("fiscal_number".into(), json!(format!("TINIT-{cf}")));
        claim.insert("given_name".into(), json!(nome));
        claim.insert("family_name".into(), json!(cognome));
        UtenteProva {
            sub: sub.into(),
            claim,
        }
    }
}

/// The provider's configuration.
#[derive(Clone, Debug)]
pub struct ConfigProvider {
    pub client_id: String,
    pub client_secret: String,
    pub metodo: MetodoClient,
    pub algoritmo: Algoritmo,
    /// The redirect URIs registered for the client (exact match).
    pub redirect: Vec<String>,
    pub utente: UtenteProva,
}

/// A token request as the provider saw it.
#[derive(Clone, Debug)]
pub struct RichiestaToken {
    /// The status it answered with.
    pub stato: u16,
    /// Why it refused, or `None`.
    pub errore: Option<String>,
}

struct Chiave {
    /// `kid`, the signing key and the JWK.
    kid: String,
    firma: jsonwebtoken::EncodingKey,
    jwk: Value,
    alg: jsonwebtoken::Algorithm,
}

struct Codice {
    client_id: String,
    redirect_uri: String,
    nonce: Option<String>,
    sfida: String,
}

struct Interno {
    config: ConfigProvider,
    manomissione: Manomissione,
    errore: Option<String>,
    codici: HashMap<String, Codice>,
    richieste: Vec<RichiestaToken>,
    autorizzazioni: Vec<HashMap<String, String>>,
}

struct Condiviso {
    emittente: String,
    /// The key in the JWKS, replaced by [`ProviderOidc::ruota_chiave`].
    chiave: Mutex<Arc<Chiave>>,
    /// Not in the JWKS: [`Manomissione::Firma`].
    estranea: Chiave,
    interno: Mutex<Interno>,
}

/// A running provider; it stops when dropped.
pub struct ProviderOidc {
    condiviso: Arc<Condiviso>,
    compito: tokio::task::JoinHandle<()>,
}

impl Drop for ProviderOidc {
    fn drop(&mut self) {
        self.compito.abort();
    }
}

fn pem(etichetta: &str, der: &[u8]) -> String {
    let b = STANDARD.encode(der);
    let righe: Vec<&str> = b
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    format!(
        "-----BEGIN {etichetta}-----\n{}\n-----END {etichetta}-----\n",
        righe.join("\n")
    )
}

#[allow(clippy::expect_used)]
fn genera_chiave(algoritmo: Algoritmo, kid: &str) -> Chiave {
    match algoritmo {
        Algoritmo::Rs256 => {
            let coppia = RsaKeyPair::generate(KeySize::Rsa2048).expect("chiave RSA");
            let pkcs8 = coppia.as_der().expect("PKCS#8");
            let firma = jsonwebtoken::EncodingKey::from_rsa_pem(
                pem("PRIVATE KEY", pkcs8.as_ref()).as_bytes(),
            )
            .expect("chiave di firma RSA");
            let pubblica = coppia.public_key();
            let jwk = json!({
                "kty": "RSA",
                "kid": kid,
                "use": "sig",
                "alg": "RS256",
                "n": URL_SAFE_NO_PAD.encode(pubblica.modulus().big_endian_without_leading_zero()),
                "e": URL_SAFE_NO_PAD.encode(pubblica.exponent().big_endian_without_leading_zero()),
            });
            Chiave {
                kid: kid.into(),
                firma,
                jwk,
                alg: jsonwebtoken::Algorithm::RS256,
            }
        }
        Algoritmo::Es256 => {
            let coppia =
                EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("chiave EC");
            let pkcs8 = coppia.to_pkcs8v1().expect("PKCS#8");
            let firma = jsonwebtoken::EncodingKey::from_ec_pem(
                pem("PRIVATE KEY", pkcs8.as_ref()).as_bytes(),
            )
            .expect("chiave di firma EC");
            // The uncompressed point: 0x04 || x || y.
            let punto = coppia.public_key().as_ref().to_vec();
            let jwk = json!({
                "kty": "EC",
                "crv": "P-256",
                "kid": kid,
                "use": "sig",
                "alg": "ES256",
                "x": URL_SAFE_NO_PAD.encode(&punto[1..33]),
                "y": URL_SAFE_NO_PAD.encode(&punto[33..65]),
            });
            Chiave {
                kid: kid.into(),
                firma,
                jwk,
                alg: jsonwebtoken::Algorithm::ES256,
            }
        }
    }
}

fn casuale() -> String {
    let mut b = [0u8; 24];
    getrandom::fill(&mut b).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(b)
}

fn adesso() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

impl ProviderOidc {
    /// Generates the keys, binds `127.0.0.1:0` and serves.
    ///
    /// # Panics
    ///
    /// When the port cannot be bound or a key cannot be generated.
    #[allow(clippy::expect_used)]
    pub async fn avvia(config: ConfigProvider) -> ProviderOidc {
        let ascolto = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("porta del provider OIDC");
        let indirizzo = ascolto.local_addr().expect("indirizzo del provider");
        let emittente = format!("http://{indirizzo}");
        let algoritmo = config.algoritmo;
        let condiviso = Arc::new(Condiviso {
            emittente,
            chiave: Mutex::new(Arc::new(genera_chiave(algoritmo, "chiave-1"))),
            estranea: genera_chiave(algoritmo, "chiave-1"),
            interno: Mutex::new(Interno {
                config,
                manomissione: Manomissione::Nessuna,
                errore: None,
                codici: HashMap::new(),
                richieste: Vec::new(),
                autorizzazioni: Vec::new(),
            }),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(scoperta))
            .route("/jwks", get(jwks))
            .route("/authorize", get(autorizza))
            .route("/token", post(token))
            .with_state(condiviso.clone());
        let compito = tokio::spawn(async move {
            let _ = axum::serve(ascolto, app).await;
        });
        ProviderOidc { condiviso, compito }
    }

    /// `http://127.0.0.1:PORT`: the issuer, and the base of every endpoint.
    pub fn emittente(&self) -> &str {
        &self.condiviso.emittente
    }

    fn interno(&self) -> std::sync::MutexGuard<'_, Interno> {
        self.condiviso
            .interno
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Replaces the signing key with a new one under a new `kid` (key rotation): the
    /// JWKS then lists only the new key.
    pub fn ruota_chiave(&self, kid: &str) {
        let algoritmo = self.interno().config.algoritmo;
        let nuova = Arc::new(genera_chiave(algoritmo, kid));
        *self
            .condiviso
            .chiave
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = nuova;
    }

    /// The next ID tokens are wrong this way.
    pub fn manometti(&self, m: Manomissione) {
        self.interno().manomissione = m;
    }

    /// `/authorize` answers with this error (`access_denied`…) instead of a code.
    pub fn errore_autorizzazione(&self, errore: Option<&str>) {
        self.interno().errore = errore.map(str::to_string);
    }

    /// The user the next sign-ins are of.
    pub fn utente(&self, u: UtenteProva) {
        self.interno().config.utente = u;
    }

    /// Every token request so far.
    pub fn richieste_token(&self) -> Vec<RichiestaToken> {
        self.interno().richieste.clone()
    }

    /// The query of every authorization request so far.
    pub fn autorizzazioni(&self) -> Vec<HashMap<String, String>> {
        self.interno().autorizzazioni.clone()
    }
}

async fn scoperta(State(c): State<Arc<Condiviso>>) -> Json<Value> {
    let e = &c.emittente;
    let (metodo, alg) = {
        let i = c
            .interno
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (
            match i.config.metodo {
                MetodoClient::Basic => "client_secret_basic",
                MetodoClient::Post => "client_secret_post",
            },
            match i.config.algoritmo {
                Algoritmo::Rs256 => "RS256",
                Algoritmo::Es256 => "ES256",
            },
        )
    };
    Json(json!({
        "issuer": e,
        "authorization_endpoint": format!("{e}/authorize"),
        "token_endpoint": format!("{e}/token"),
        "jwks_uri": format!("{e}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [alg],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": [metodo],
        "scopes_supported": ["openid", "profile"],
    }))
}

async fn jwks(State(c): State<Arc<Condiviso>>) -> Json<Value> {
    let chiave = c
        .chiave
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    Json(json!({ "keys": [chiave.jwk.clone()] }))
}

fn con_query(base: &str, coppie: &[(&str, &str)]) -> String {
    let q = serde_urlencoded::to_string(coppie).unwrap_or_default();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{q}")
}

async fn autorizza(
    State(c): State<Arc<Condiviso>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut i = c
        .interno
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    i.autorizzazioni.push(q.clone());
    let v = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let redirect = v("redirect_uri");
    if v("client_id") != i.config.client_id || !i.config.redirect.iter().any(|r| r == redirect) {
        return (
            StatusCode::BAD_REQUEST,
            "client_id o redirect_uri sconosciuti",
        )
            .into_response();
    }
    let stato = v("state");
    if let Some(errore) = i.errore.clone() {
        return Redirect::to(&con_query(
            redirect,
            &[("error", &errore), ("state", stato)],
        ))
        .into_response();
    }
    let errore = if v("response_type") != "code" {
        Some("unsupported_response_type")
    } else if !v("scope").split(' ').any(|s| s == "openid") {
        Some("invalid_scope")
    } else if v("code_challenge_method") != "S256" || v("code_challenge").len() != 43 {
        Some("invalid_request")
    } else {
        None
    };
    if let Some(errore) = errore {
        return Redirect::to(&con_query(redirect, &[("error", errore), ("state", stato)]))
            .into_response();
    }
    let codice = casuale();
    i.codici.insert(
        codice.clone(),
        Codice {
            client_id: v("client_id").into(),
            redirect_uri: redirect.into(),
            nonce: q.get("nonce").cloned(),
            sfida: v("code_challenge").into(),
        },
    );
    Redirect::to(&con_query(redirect, &[("code", &codice), ("state", stato)])).into_response()
}

fn errore_token(i: &mut Interno, stato: StatusCode, errore: &str) -> Response {
    i.richieste.push(RichiestaToken {
        stato: stato.as_u16(),
        errore: Some(errore.into()),
    });
    (stato, Json(json!({ "error": errore }))).into_response()
}

/// The client's credentials from the Basic header (RFC 6749 §2.3.1: each part
/// form-urlencoded) or from the form.
fn credenziali(
    h: &HeaderMap,
    f: &HashMap<String, String>,
    metodo: MetodoClient,
) -> Option<(String, String)> {
    match metodo {
        MetodoClient::Basic => {
            let v = h.get(header::AUTHORIZATION)?.to_str().ok()?;
            let b = STANDARD.decode(v.strip_prefix("Basic ")?).ok()?;
            let s = String::from_utf8(b).ok()?;
            let (id, segreto) = s.split_once(':')?;
            let dec = |x: &str| {
                serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("x={x}"))
                    .ok()
                    .and_then(|v| v.into_iter().next())
                    .map(|(_, v)| v)
            };
            Some((dec(id)?, dec(segreto)?))
        }
        MetodoClient::Post => Some((f.get("client_id")?.clone(), f.get("client_secret")?.clone())),
    }
}

async fn token(
    State(c): State<Arc<Condiviso>>,
    h: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let mut i = c
        .interno
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let metodo = i.config.metodo;
    match credenziali(&h, &f, metodo) {
        Some((id, segreto)) if id == i.config.client_id && segreto == i.config.client_secret => {}
        _ => return errore_token(&mut i, StatusCode::UNAUTHORIZED, "invalid_client"),
    }
    if f.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return errore_token(&mut i, StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let Some(codice) = f.get("code").and_then(|k| i.codici.remove(k)) else {
        return errore_token(&mut i, StatusCode::BAD_REQUEST, "invalid_grant");
    };
    if codice.client_id != i.config.client_id || f.get("redirect_uri") != Some(&codice.redirect_uri)
    {
        return errore_token(&mut i, StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let verificatore = f.get("code_verifier").map(String::as_str).unwrap_or("");
    let sfida = URL_SAFE_NO_PAD.encode(isee_hash::sha256(verificatore.as_bytes()));
    if verificatore.len() < 43 || sfida != codice.sfida {
        return errore_token(&mut i, StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let t = adesso();
    let m = i.manomissione.clone();
    let mut claim = i.config.utente.claim.clone();
    claim.insert(
        "iss".into(),
        json!(if m == Manomissione::Emittente {
            "https://altro.example".to_string()
        } else {
            c.emittente.clone()
        }),
    );
    claim.insert("sub".into(), json!(i.config.utente.sub));
    claim.insert(
        "aud".into(),
        json!(if m == Manomissione::Audience {
            "altro-client".to_string()
        } else {
            i.config.client_id.clone()
        }),
    );
    claim.insert(
        "iat".into(),
        json!(if m == Manomissione::EmessoNelFuturo {
            t + 3600
        } else {
            t
        }),
    );
    claim.insert(
        "exp".into(),
        json!(if m == Manomissione::Scaduto {
            t - 600
        } else {
            t + 300
        }),
    );
    claim.insert("auth_time".into(), json!(t));
    let nonce = if m == Manomissione::Nonce {
        Some("un-altro-nonce".to_string())
    } else {
        codice.nonce
    };
    if let Some(n) = nonce {
        claim.insert("nonce".into(), json!(n));
    }
    let attuale = c
        .chiave
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let chiave = if m == Manomissione::Firma {
        &c.estranea
    } else {
        &attuale
    };
    let mut intestazione = jsonwebtoken::Header::new(chiave.alg);
    intestazione.kid = Some(chiave.kid.clone());
    let id_token = if m == Manomissione::SenzaFirma {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let p = URL_SAFE_NO_PAD.encode(Value::Object(claim).to_string());
        format!("{h}.{p}.")
    } else {
        match jsonwebtoken::encode(&intestazione, &Value::Object(claim), &chiave.firma) {
            Ok(t) => t,
            Err(_) => {
                return errore_token(&mut i, StatusCode::INTERNAL_SERVER_ERROR, "server_error");
            }
        }
    };
    i.richieste.push(RichiestaToken {
        stato: 200,
        errore: None,
    });
    let mut corpo = json!({
        "access_token": casuale(),
        "token_type": "Bearer",
        "expires_in": 300,
    });
    if m != Manomissione::SenzaIdToken {
        corpo["id_token"] = json!(id_token);
    }
    ([(header::CACHE_CONTROL, "no-store")], Json(corpo)).into_response()
}

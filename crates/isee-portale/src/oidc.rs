//! OpenID Connect sign-in: the portal as a relying party of an identity provider
//! (a SPID/CIE OIDC gateway, Keycloak…), by configuration ([`ConfigOidc`]).
//!
//! The Authorization Code flow with PKCE (S256), `state` and `nonce`:
//!
//! 1. `GET /accedi/oidc` (the button on the login page, a link: a form's POST answered
//!    by a redirect to another origin is refused by browsers under the portal's
//!    `form-action 'self'`): [`isee_utenti::Utenti::avvia_oidc`] stores the pending
//!    login; the browser gets the pending-login cookie and a 303 to the provider's
//!    authorization endpoint, found by discovery
//!    (`{issuer}/.well-known/openid-configuration`). Starting a login changes nothing
//!    the browser had, so it needs no CSRF token: a forged start only leads the
//!    victim to the provider's own page, and the callback is bound to the browser
//!    that started it.
//! 2. `GET /accedi/oidc/ritorno?code&state` (or `?error&state`): the pending login is
//!    used up ([`isee_utenti::Utenti::riprendi_oidc`]: once, within 10 minutes, from
//!    the browser that started it); the code is exchanged at the token endpoint with
//!    the PKCE verifier and the client's secret (`client_secret_basic` or
//!    `client_secret_post`); the ID token is verified ([`Oidc::verifica_id_token`]:
//!    RS256 or ES256 with a key of the provider's JWKS, `iss`, `aud`/`azp`, `exp` and
//!    `iat` with a small leeway, `nonce`); the fiscal code comes from the configured
//!    claim; [`isee_utenti::Utenti::accedi_oidc`] opens the session.
//!
//! Every call to the provider is bounded ([`isee_http::Limits`]: time to connect,
//! time for the answer, body size) and goes over rustls (https, public roots or a
//! configured CA; plain http only to a loopback address, for tests). Every refusal
//! is an Italian page with a 4xx status (502 when the provider cannot be reached)
//! and a log line with a stable code (`portale::oidc`), never a secret, a code, a
//! token, a `sub` or a fiscal code.

use crate::accesso::{Contesto, adesso, errore_interno};
use crate::{Layout, pagina};
use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use isee_core::codice_fiscale::{CodiceFiscale, verifica};
use isee_utenti::{ErroreAccessoOidc, ErroreAttesaOidc, ErroreRipresaOidc, IdentitaOidc};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq as _;

/// The callback's path: the configured redirect URL must end with it.
pub const PERCORSO_RITORNO: &str = "/accedi/oidc/ritorno";

/// The pending-login cookie over HTTPS (`__Host-`: only `Secure`, `Path=/`).
pub const NOME_COOKIE_OIDC: &str = "__Host-isee_oidc";
/// The same on plain HTTP (the local demo, tests).
pub const NOME_COOKIE_OIDC_HTTP: &str = "isee_oidc";

/// SPID's prefix of the fiscal number (`TINIT-` and the code), stripped.
const PREFISSO_CF: &str = "TINIT-";

/// How the portal authenticates at the token endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AutenticazioneClient {
    /// HTTP Basic (`client_secret_basic`, the default of OpenID Connect).
    #[default]
    Basic,
    /// In the form body (`client_secret_post`).
    Post,
}

impl AutenticazioneClient {
    /// From the configuration's name (`client_secret_basic`, `client_secret_post`).
    pub fn da_nome(s: &str) -> Option<AutenticazioneClient> {
        match s {
            "client_secret_basic" => Some(AutenticazioneClient::Basic),
            "client_secret_post" => Some(AutenticazioneClient::Post),
            _ => None,
        }
    }
}

/// The client's secret. Its `Debug` does not show it.
#[derive(Clone)]
pub struct SegretoClient(String);

impl SegretoClient {
    pub fn new(s: &str) -> SegretoClient {
        SegretoClient(s.trim().to_string())
    }
}

impl std::fmt::Debug for SegretoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SegretoClient(***)")
    }
}

/// The OpenID Connect configuration (the `[oidc]` section of `isee serve`).
#[derive(Clone, Debug)]
pub struct ConfigOidc {
    /// The issuer, exactly as the provider names itself (`https://idp.example/realms/isee`).
    pub emittente: String,
    pub client_id: String,
    pub segreto_client: SegretoClient,
    pub autenticazione: AutenticazioneClient,
    /// The redirect URL registered at the provider, ending in [`PERCORSO_RITORNO`].
    pub redirect: String,
    /// The scopes asked for; `openid` is always added.
    pub ambiti: Vec<String>,
    /// The claim with the fiscal code: `fiscal_number` (SPID's) by default.
    pub claim_codice_fiscale: String,
    /// The button's label ("Entra con SPID o CIE").
    pub etichetta: String,
    /// A CA certificate (PEM) to trust instead of the public roots (a provider on a
    /// private network).
    pub ca_pem: Option<String>,
    /// Bounds of every call to the provider.
    pub limiti: isee_http::Limits,
    /// Leeway on `exp` and `iat`.
    pub scarto: Duration,
    /// The key set is read again for an unknown `kid` at most this often (the
    /// provider rotated its keys): 30 s.
    pub intervallo_chiavi: Duration,
}

impl ConfigOidc {
    /// The configuration with its defaults: scopes `openid profile`, claim
    /// `fiscal_number`, `client_secret_basic`, 5 s to connect, 10 s for an answer,
    /// 256 KiB of body, 60 s of leeway.
    pub fn new(
        emittente: &str,
        client_id: &str,
        segreto_client: SegretoClient,
        redirect: &str,
    ) -> ConfigOidc {
        ConfigOidc {
            emittente: emittente.trim().to_string(),
            client_id: client_id.trim().to_string(),
            segreto_client,
            autenticazione: AutenticazioneClient::Basic,
            redirect: redirect.trim().to_string(),
            ambiti: vec!["openid".into(), "profile".into()],
            claim_codice_fiscale: "fiscal_number".into(),
            etichetta: "Entra con SPID o CIE".into(),
            ca_pem: None,
            limiti: isee_http::Limits {
                connect_timeout: Duration::from_secs(5),
                timeout: Duration::from_secs(10),
                max_body: 256 * 1024,
            },
            scarto: Duration::from_secs(60),
            intervallo_chiavi: Duration::from_secs(30),
        }
    }

    /// Every problem of the configuration, in Italian.
    pub fn problemi(&self) -> Vec<String> {
        let mut p = Vec::new();
        if let Err(e) = url_ammesso(&self.emittente) {
            p.push(format!("emittente: {e}"));
        } else if self.emittente.contains('?') || self.emittente.contains('#') {
            p.push("emittente: senza query né frammento".into());
        }
        match url_ammesso(&self.redirect) {
            Err(e) => p.push(format!("redirect: {e}")),
            Ok(u) if u.path() != PERCORSO_RITORNO || u.query().is_some() => p.push(format!(
                "redirect: il percorso deve essere {PERCORSO_RITORNO}, senza query"
            )),
            Ok(_) => {}
        }
        if self.client_id.is_empty() {
            p.push("client_id: obbligatorio".into());
        }
        if self.segreto_client.0.is_empty() {
            p.push("segreto del client: vuoto".into());
        }
        if self.claim_codice_fiscale.trim().is_empty() {
            p.push("claim del codice fiscale: obbligatorio".into());
        }
        let n = self.etichetta.trim().chars().count();
        if n == 0 || n > 80 {
            p.push("etichetta del pulsante: da 1 a 80 caratteri".into());
        }
        if self
            .ambiti
            .iter()
            .any(|a| a.is_empty() || !a.bytes().all(|b| b.is_ascii_graphic() && b != b'"'))
        {
            p.push("ambiti: parole senza spazi".into());
        }
        p
    }
}

/// `https://…`, or `http://` to a loopback address only (tests, a provider on the
/// same host).
fn url_ammesso(s: &str) -> Result<Uri, String> {
    let u: Uri = s
        .parse()
        .map_err(|_| format!("«{s}» non è un indirizzo valido"))?;
    let host = u.host().unwrap_or("");
    let locale = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match u.scheme_str() {
        Some("https") if !host.is_empty() => Ok(u),
        Some("http") if locale => Ok(u),
        _ => Err(format!(
            "«{s}»: serve https:// (http:// solo verso un indirizzo locale)"
        )),
    }
}

/// Why a sign-in through the provider failed: a stable code for the log, a status and
/// an Italian message for the page.
#[derive(Debug, thiserror::Error)]
pub enum ErroreOidc {
    /// The provider sent the browser back with `error=…`.
    #[error("il gestore dell'identità ha risposto «{0}»")]
    Provider(String),
    #[error(transparent)]
    Attesa(#[from] ErroreAttesaOidc),
    #[error("risposta senza codice di autorizzazione")]
    SenzaCodice,
    /// The provider could not be reached, or its discovery or keys are unusable.
    #[error("gestore dell'identità non raggiungibile o non conforme: {0}")]
    Rete(String),
    /// The token endpoint refused the code (`invalid_grant`, `invalid_client`…).
    #[error("il gestore dell'identità ha rifiutato il codice: {0}")]
    TokenRifiutato(String),
    /// The ID token failed a check (its code).
    #[error("ID token non valido: {0}")]
    IdToken(&'static str),
    /// The fiscal-code claim is missing or not a valid fiscal code.
    #[error("codice fiscale assente o non valido nel claim «{0}»")]
    CodiceFiscale(String),
    #[error(transparent)]
    Account(#[from] ErroreAccessoOidc),
    /// Too many logins under way ([`isee_utenti::oidc::MAX_ATTESE`]).
    #[error("troppi accessi in corso")]
    Sovraccarico,
}

impl ErroreOidc {
    /// The stable code written to the log.
    pub fn codice(&self) -> &'static str {
        match self {
            ErroreOidc::Provider(_) => "OIDC_ERRORE_PROVIDER",
            ErroreOidc::Attesa(e) => e.codice(),
            ErroreOidc::SenzaCodice => "OIDC_SENZA_CODICE",
            ErroreOidc::Rete(_) => "OIDC_PROVIDER_NON_RAGGIUNGIBILE",
            ErroreOidc::TokenRifiutato(_) => "OIDC_TOKEN_RIFIUTATO",
            ErroreOidc::IdToken(c) => c,
            ErroreOidc::CodiceFiscale(_) => "OIDC_CODICE_FISCALE",
            ErroreOidc::Account(e) => e.codice(),
            ErroreOidc::Sovraccarico => "OIDC_TROPPI_ACCESSI_IN_CORSO",
        }
    }

    fn stato(&self) -> StatusCode {
        match self {
            ErroreOidc::Provider(_) | ErroreOidc::CodiceFiscale(_) | ErroreOidc::Account(_) => {
                StatusCode::FORBIDDEN
            }
            ErroreOidc::Attesa(_) | ErroreOidc::SenzaCodice | ErroreOidc::TokenRifiutato(_) => {
                StatusCode::BAD_REQUEST
            }
            ErroreOidc::IdToken(_) => StatusCode::UNAUTHORIZED,
            ErroreOidc::Rete(_) => StatusCode::BAD_GATEWAY,
            ErroreOidc::Sovraccarico => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The page's title and text.
    fn testo(&self) -> (&'static str, String) {
        match self {
            ErroreOidc::Provider(e) if e == "access_denied" => (
                "Accesso non riuscito",
                "L'accesso è stato annullato o non è stato autorizzato dal gestore dell'identità digitale. Puoi riprovare quando vuoi.".into(),
            ),
            ErroreOidc::Provider(_) => (
                "Accesso non riuscito",
                "Il gestore dell'identità digitale non ha completato l'accesso. Riprova tra qualche minuto.".into(),
            ),
            ErroreOidc::Attesa(_) | ErroreOidc::SenzaCodice => (
                "Accesso scaduto o non valido",
                "La richiesta di accesso non è valida, è già stata usata o è scaduta (vale 10 minuti, e solo nel browser da cui è partita). Torna alla pagina di accesso e riprova.".into(),
            ),
            ErroreOidc::Rete(_) => (
                "Servizio di identità non disponibile",
                "Il gestore dell'identità digitale non risponde in questo momento. Riprova tra qualche minuto o accedi con nome utente e password.".into(),
            ),
            ErroreOidc::TokenRifiutato(_) | ErroreOidc::IdToken(_) => (
                "Accesso non riuscito",
                "La risposta del gestore dell'identità digitale non ha superato i controlli di sicurezza. Torna alla pagina di accesso e riprova.".into(),
            ),
            ErroreOidc::CodiceFiscale(_) => (
                "Codice fiscale non disponibile",
                "Il gestore dell'identità digitale non ha fornito un codice fiscale valido: senza codice fiscale non è possibile accedere alle proprie DSU.".into(),
            ),
            ErroreOidc::Sovraccarico => (
                "Servizio non disponibile",
                "Ci sono troppi accessi in corso in questo momento: riprova tra qualche minuto.".into(),
            ),
            ErroreOidc::Account(ErroreAccessoOidc::Interno(_)) => (
                "Servizio non disponibile",
                "Il servizio non è disponibile in questo momento: riprova tra qualche minuto.".into(),
            ),
            ErroreOidc::Account(_) => (
                "Accesso non consentito",
                "L'identità digitale è valida, ma non consente l'accesso a questo servizio: rivolgiti all'assistenza.".into(),
            ),
        }
    }
}

/// What discovery gave, with the keys.
#[derive(Clone)]
struct Scoperta {
    autorizzazione: String,
    token: String,
    jwks_uri: String,
    chiavi: JwkSet,
    letta: Instant,
    chiavi_lette: Instant,
}

/// How long discovery is trusted before it is read again.
const VALIDITA_SCOPERTA: Duration = Duration::from_secs(3600);

/// The relying party: the configuration, a bounded HTTP client and the cached
/// discovery and keys.
pub struct Oidc {
    config: ConfigOidc,
    http: isee_http::Client,
    cache: tokio::sync::Mutex<Option<Scoperta>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("configurazione OIDC non valida: {}", .0.join("; "))]
pub struct ErroreConfigOidc(pub Vec<String>);

fn campo<'a>(v: &'a Value, nome: &str) -> Result<&'a str, ErroreOidc> {
    v.get(nome)
        .and_then(Value::as_str)
        .ok_or_else(|| ErroreOidc::Rete(format!("scoperta: manca «{nome}»")))
}

impl Oidc {
    /// Checks the configuration and builds the HTTP client (the public roots, or the
    /// configured CA). Nothing is fetched until the first sign-in.
    pub fn new(config: ConfigOidc) -> Result<Oidc, ErroreConfigOidc> {
        let problemi = config.problemi();
        if !problemi.is_empty() {
            return Err(ErroreConfigOidc(problemi));
        }
        let tls = match &config.ca_pem {
            Some(pem) => isee_http::Tls::builder()
                .trust_pem(pem)
                .and_then(isee_http::TlsBuilder::build),
            None => isee_http::Tls::public_roots(),
        }
        .map_err(|e| ErroreConfigOidc(vec![format!("TLS: {}", e.full_message())]))?;
        let http = isee_http::Client::https(tls).with_limits(config.limiti);
        Ok(Oidc {
            config,
            http,
            cache: tokio::sync::Mutex::new(None),
        })
    }

    pub fn config(&self) -> &ConfigOidc {
        &self.config
    }

    async fn leggi_json(
        &self,
        richiesta: Request<Bytes>,
    ) -> Result<(StatusCode, Value), ErroreOidc> {
        let r = self
            .http
            .request(richiesta)
            .await
            .map_err(|e| ErroreOidc::Rete(e.full_message()))?;
        let stato = r.status();
        let v = serde_json::from_slice(r.body())
            .map_err(|_| ErroreOidc::Rete(format!("risposta {stato} non JSON")))?;
        Ok((stato, v))
    }

    async fn get_json(&self, url: &str) -> Result<Value, ErroreOidc> {
        url_ammesso(url).map_err(ErroreOidc::Rete)?;
        let uri: Uri = url
            .parse()
            .map_err(|_| ErroreOidc::Rete(format!("indirizzo «{url}» non valido")))?;
        let richiesta = Request::get(uri)
            .header(header::ACCEPT, "application/json")
            .body(Bytes::new())
            .map_err(|e| ErroreOidc::Rete(e.to_string()))?;
        match self.leggi_json(richiesta).await? {
            (s, v) if s.is_success() => Ok(v),
            (s, _) => Err(ErroreOidc::Rete(format!("{url}: stato {s}"))),
        }
    }

    async fn leggi_chiavi(&self, url: &str) -> Result<JwkSet, ErroreOidc> {
        let v = self.get_json(url).await?;
        serde_json::from_value(v).map_err(|_| ErroreOidc::Rete("JWKS non leggibile".into()))
    }

    /// Discovery and keys, from the cache when fresh.
    async fn scoperta(&self) -> Result<Scoperta, ErroreOidc> {
        let mut cache = self.cache.lock().await;
        if let Some(s) = cache
            .as_ref()
            .filter(|s| s.letta.elapsed() < VALIDITA_SCOPERTA)
        {
            return Ok(s.clone());
        }
        let base = self.config.emittente.trim_end_matches('/');
        let v = self
            .get_json(&format!("{base}/.well-known/openid-configuration"))
            .await?;
        // OpenID Connect Discovery §4.3: the issuer must be exactly the one configured.
        if campo(&v, "issuer")? != self.config.emittente {
            return Err(ErroreOidc::Rete(
                "scoperta: «issuer» diverso da quello configurato".into(),
            ));
        }
        if let Some(metodi) = v
            .get("code_challenge_methods_supported")
            .and_then(Value::as_array)
            && !metodi.iter().any(|m| m.as_str() == Some("S256"))
        {
            return Err(ErroreOidc::Rete(
                "il provider non supporta PKCE S256".into(),
            ));
        }
        let autorizzazione = campo(&v, "authorization_endpoint")?.to_string();
        let token = campo(&v, "token_endpoint")?.to_string();
        let jwks_uri = campo(&v, "jwks_uri")?.to_string();
        for u in [&autorizzazione, &token, &jwks_uri] {
            url_ammesso(u).map_err(ErroreOidc::Rete)?;
        }
        let chiavi = self.leggi_chiavi(&jwks_uri).await?;
        let s = Scoperta {
            autorizzazione,
            token,
            jwks_uri,
            chiavi,
            letta: Instant::now(),
            chiavi_lette: Instant::now(),
        };
        *cache = Some(s.clone());
        Ok(s)
    }

    /// The authorization request's URL for a pending login.
    pub async fn url_autorizzazione(
        &self,
        stato: &str,
        nonce: &str,
        verificatore: &str,
    ) -> Result<String, ErroreOidc> {
        let s = self.scoperta().await?;
        let sfida = URL_SAFE_NO_PAD.encode(isee_hash::sha256(verificatore.as_bytes()));
        let mut ambiti = vec!["openid".to_string()];
        ambiti.extend(
            self.config
                .ambiti
                .iter()
                .filter(|a| *a != "openid")
                .cloned(),
        );
        let q = serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", &self.config.client_id),
            ("redirect_uri", &self.config.redirect),
            ("scope", &ambiti.join(" ")),
            ("state", stato),
            ("nonce", nonce),
            ("code_challenge", &sfida),
            ("code_challenge_method", "S256"),
        ])
        .map_err(|e| ErroreOidc::Rete(e.to_string()))?;
        let sep = if s.autorizzazione.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!("{}{sep}{q}", s.autorizzazione))
    }

    /// Exchanges the code at the token endpoint: the ID token.
    pub async fn scambia(&self, codice: &str, verificatore: &str) -> Result<String, ErroreOidc> {
        let s = self.scoperta().await?;
        let mut campi = vec![
            ("grant_type", "authorization_code"),
            ("code", codice),
            ("redirect_uri", self.config.redirect.as_str()),
            ("code_verifier", verificatore),
        ];
        let c = &self.config;
        if c.autenticazione == AutenticazioneClient::Post {
            campi.push(("client_id", &c.client_id));
            campi.push(("client_secret", &c.segreto_client.0));
        }
        let corpo =
            serde_urlencoded::to_string(&campi).map_err(|e| ErroreOidc::Rete(e.to_string()))?;
        let uri: Uri = s
            .token
            .parse()
            .map_err(|_| ErroreOidc::Rete("token_endpoint non valido".into()))?;
        let mut r = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if c.autenticazione == AutenticazioneClient::Basic {
            // RFC 6749 §2.3.1: each part form-urlencoded, then Basic.
            let parte = |x: &str| {
                serde_urlencoded::to_string([("", x)])
                    .map(|s| s.trim_start_matches('=').to_string())
                    .unwrap_or_default()
            };
            let credenziali = format!("{}:{}", parte(&c.client_id), parte(&c.segreto_client.0));
            r = r.header(
                header::AUTHORIZATION,
                format!("Basic {}", STANDARD.encode(credenziali)),
            );
        }
        let richiesta = r
            .body(Bytes::from(corpo))
            .map_err(|e| ErroreOidc::Rete(e.to_string()))?;
        let (stato, v) = self.leggi_json(richiesta).await?;
        if !stato.is_success() {
            let errore: String = v
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("senza codice")
                .chars()
                .filter(|c| c.is_ascii_graphic())
                .take(64)
                .collect();
            return Err(ErroreOidc::TokenRifiutato(format!("{stato} {errore}")));
        }
        v.get("id_token")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or(ErroreOidc::IdToken("OIDC_ID_TOKEN_ASSENTE"))
    }

    /// The key that signed `kid` (the only key when the token names none); the key set
    /// is read again, at most every [`ConfigOidc::intervallo_chiavi`], for a `kid` it
    /// does not have (the provider rotated its keys).
    async fn chiave(&self, kid: Option<&str>, alg: Algorithm) -> Result<DecodingKey, ErroreOidc> {
        let trova = |set: &JwkSet| -> Option<jsonwebtoken::jwk::Jwk> {
            match kid {
                Some(k) => set.find(k).cloned(),
                None if set.keys.len() == 1 => set.keys.first().cloned(),
                None => None,
            }
        };
        let s = self.scoperta().await?;
        let jwk = match trova(&s.chiavi) {
            Some(j) => j,
            None => {
                let mut cache = self.cache.lock().await;
                let recente = cache
                    .as_ref()
                    .is_some_and(|c| c.chiavi_lette.elapsed() < self.config.intervallo_chiavi);
                if recente {
                    return Err(ErroreOidc::IdToken("OIDC_CHIAVE_SCONOSCIUTA"));
                }
                let chiavi = self.leggi_chiavi(&s.jwks_uri).await?;
                let trovata = trova(&chiavi);
                if let Some(c) = cache.as_mut() {
                    c.chiavi = chiavi;
                    c.chiavi_lette = Instant::now();
                }
                trovata.ok_or(ErroreOidc::IdToken("OIDC_CHIAVE_SCONOSCIUTA"))?
            }
        };
        if let Some(a) = jwk.common.key_algorithm {
            let stessa = matches!(
                (a, alg),
                (jsonwebtoken::jwk::KeyAlgorithm::RS256, Algorithm::RS256)
                    | (jsonwebtoken::jwk::KeyAlgorithm::ES256, Algorithm::ES256)
            );
            if !stessa {
                return Err(ErroreOidc::IdToken("OIDC_ALGORITMO_NON_AMMESSO"));
            }
        }
        DecodingKey::from_jwk(&jwk).map_err(|_| ErroreOidc::IdToken("OIDC_CHIAVE_NON_VALIDA"))
    }

    /// Verifies an ID token: the signature (RS256 or ES256, the algorithm checked before
    /// any key is looked up) with a key of the provider's JWKS, `iss` the configured
    /// issuer, `aud` containing the client (and `azp` the client when there are
    /// several audiences), `exp` not past and `iat` not in the future (with
    /// [`ConfigOidc::scarto`]), `sub` present, `nonce` the pending login's. The claims.
    pub async fn verifica_id_token(
        &self,
        token: &str,
        nonce: &str,
    ) -> Result<Map<String, Value>, ErroreOidc> {
        let intestazione = jsonwebtoken::decode_header(token)
            .map_err(|_| ErroreOidc::IdToken("OIDC_ID_TOKEN_MALFORMATO"))?;
        let alg = intestazione.alg;
        if !matches!(alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(ErroreOidc::IdToken("OIDC_ALGORITMO_NON_AMMESSO"));
        }
        let chiave = self.chiave(intestazione.kid.as_deref(), alg).await?;
        let c = &self.config;
        let mut v = Validation::new(alg);
        v.set_issuer(&[&c.emittente]);
        v.set_audience(&[&c.client_id]);
        v.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        v.leeway = c.scarto.as_secs();
        let dati = jsonwebtoken::decode::<Map<String, Value>>(token, &chiave, &v).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            ErroreOidc::IdToken(match e.kind() {
                K::InvalidSignature => "OIDC_FIRMA_NON_VALIDA",
                K::ExpiredSignature => "OIDC_ID_TOKEN_SCADUTO",
                K::InvalidIssuer => "OIDC_EMITTENTE_ERRATO",
                K::InvalidAudience => "OIDC_AUDIENCE_ERRATA",
                K::MissingRequiredClaim(_) => "OIDC_CLAIM_MANCANTE",
                K::InvalidAlgorithm => "OIDC_ALGORITMO_NON_AMMESSO",
                _ => "OIDC_ID_TOKEN_NON_VALIDO",
            })
        })?;
        let claim = dati.claims;
        let ora = adesso().timestamp();
        let iat = claim.get("iat").and_then(Value::as_i64).unwrap_or(i64::MAX);
        if iat > ora.saturating_add(i64::try_from(c.scarto.as_secs()).unwrap_or(0)) {
            return Err(ErroreOidc::IdToken("OIDC_EMESSO_NEL_FUTURO"));
        }
        if let Some(Value::Array(aud)) = claim.get("aud")
            && aud.len() > 1
            && claim.get("azp").and_then(Value::as_str) != Some(c.client_id.as_str())
        {
            return Err(ErroreOidc::IdToken("OIDC_AZP_ERRATO"));
        }
        let nonce_ok = claim
            .get("nonce")
            .and_then(Value::as_str)
            .is_some_and(|n| bool::from(n.as_bytes().ct_eq(nonce.as_bytes())));
        if !nonce_ok {
            return Err(ErroreOidc::IdToken("OIDC_NONCE_ERRATO"));
        }
        let sub = claim.get("sub").and_then(Value::as_str).unwrap_or("");
        if sub.is_empty() || sub.len() > 255 {
            return Err(ErroreOidc::IdToken("OIDC_SUB_NON_VALIDO"));
        }
        Ok(claim)
    }

    /// The identity in verified claims: `sub`, the fiscal code of the configured claim
    /// (`TINIT-` stripped, checksum verified), given and family name.
    pub fn identita(&self, claim: &Map<String, Value>) -> Result<IdentitaOidc, ErroreOidc> {
        let nome_claim = &self.config.claim_codice_fiscale;
        let grezzo = claim
            .get(nome_claim)
            .and_then(Value::as_str)
            .ok_or_else(|| ErroreOidc::CodiceFiscale(nome_claim.clone()))?
            .trim()
            .to_ascii_uppercase();
        let testo = grezzo.strip_prefix(PREFISSO_CF).unwrap_or(&grezzo);
        if testo.len() != 16 {
            return Err(ErroreOidc::CodiceFiscale(nome_claim.clone()));
        }
        let cf = CodiceFiscale::new(testo);
        verifica(&cf).map_err(|_| ErroreOidc::CodiceFiscale(nome_claim.clone()))?;
        let testo_claim = |k: &str| {
            claim
                .get(k)
                .and_then(Value::as_str)
                .map(|s| s.chars().take(200).collect::<String>())
        };
        Ok(IdentitaOidc {
            emittente: self.config.emittente.clone(),
            soggetto: claim
                .get("sub")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            codice_fiscale: cf,
            nome: testo_claim("given_name"),
            cognome: testo_claim("family_name"),
        })
    }
}

fn nome_cookie(p: &crate::Portale) -> &'static str {
    if p.cookie.sicuro {
        NOME_COOKIE_OIDC
    } else {
        NOME_COOKIE_OIDC_HTTP
    }
}

fn cookie_oidc(p: &crate::Portale, valore: &str, max_age: u64) -> String {
    let mut s = format!(
        "{}={valore}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax",
        nome_cookie(p)
    );
    if p.cookie.sicuro {
        s.push_str("; Secure");
    }
    s
}

fn leggi_cookie_oidc(p: &crate::Portale, h: &HeaderMap) -> Option<String> {
    let nome = nome_cookie(p);
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(n, _)| *n == nome)
        .map(|(_, v)| v.trim().to_string())
}

fn con_cookie(mut r: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Template)]
#[template(path = "oidc_errore.html")]
struct PaginaErrore {
    l: Layout,
    titolo: &'static str,
    testo: String,
    /// The stable code, for the help desk (it names the check, never a value).
    codice: &'static str,
}

fn pagina_errore(p: &crate::Portale, c: &Contesto, e: &ErroreOidc) -> Response {
    match e {
        ErroreOidc::Rete(_)
        | ErroreOidc::Sovraccarico
        | ErroreOidc::Account(ErroreAccessoOidc::Interno(_)) => {
            tracing::error!(target: "portale::oidc", codice = e.codice(), errore = %e, "accesso OIDC non riuscito");
        }
        _ => {
            tracing::warn!(target: "portale::oidc", codice = e.codice(), errore = %e, "accesso OIDC rifiutato");
        }
    }
    let (titolo, testo) = e.testo();
    let stato = match e {
        ErroreOidc::Account(ErroreAccessoOidc::Interno(_)) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => e.stato(),
    };
    let r = pagina(
        &PaginaErrore {
            l: Layout::new(titolo, "accedi", c),
            titolo,
            testo,
            codice: e.codice(),
        },
        stato,
    );
    con_cookie(r, &cookie_oidc(p, "", 0))
}

/// `GET /accedi/oidc`: stores the pending login, sets the pending-login cookie and
/// sends the browser to the provider.
pub(crate) async fn avvia(
    State(p): State<Arc<crate::Portale>>,
    Extension(c): Extension<Contesto>,
) -> Response {
    let (Some(utenti), Some(oidc)) = (&p.utenti, &p.oidc) else {
        return crate::pagina_non_trovata(&c);
    };
    let avvio = match utenti.avvia_oidc(adesso()).await {
        Ok(a) => a,
        Err(isee_utenti::ErroreUtenti::TroppeAttese(_)) => {
            return pagina_errore(&p, &c, &ErroreOidc::Sovraccarico);
        }
        Err(e) => return errore_interno(&c, &e),
    };
    let url = match oidc
        .url_autorizzazione(&avvio.stato.testo(), &avvio.nonce, &avvio.verificatore)
        .await
    {
        Ok(u) => u,
        Err(e) => return pagina_errore(&p, &c, &e),
    };
    tracing::info!(target: "portale::oidc", "accesso OIDC avviato");
    let durata = utenti.regole().durata_attesa_oidc.as_secs();
    let Ok(dove) = HeaderValue::from_str(&url) else {
        return pagina_errore(&p, &c, &ErroreOidc::Rete("URL di autorizzazione".into()));
    };
    let r = (StatusCode::SEE_OTHER, [(header::LOCATION, dove)]).into_response();
    con_cookie(r, &cookie_oidc(&p, &avvio.browser.testo(), durata))
}

/// The callback's query, read as pairs so that a malformed or repeated parameter
/// gets the Italian page rather than the extractor's plain 400: the first value of
/// each name counts.
fn parametro<'a>(coppie: &'a [(String, String)], nome: &str) -> Option<&'a str> {
    coppie
        .iter()
        .find(|(k, _)| k == nome)
        .map(|(_, v)| v.as_str())
}

/// `GET /accedi/oidc/ritorno`: the provider's answer.
pub(crate) async fn ritorno(
    State(p): State<Arc<crate::Portale>>,
    Extension(c): Extension<Contesto>,
    h: HeaderMap,
    q: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let coppie = q.map(|Query(c)| c).unwrap_or_default();
    let (Some(utenti), Some(oidc)) = (&p.utenti, &p.oidc) else {
        return crate::pagina_non_trovata(&c);
    };
    let browser = leggi_cookie_oidc(&p, &h);
    let esito = async {
        let stato = parametro(&coppie, "state").ok_or(ErroreAttesaOidc::Sconosciuta)?;
        // The pending login is used up first, whatever the answer: a `state` works once.
        let ripresa = utenti
            .riprendi_oidc(stato, browser.as_deref(), adesso())
            .await
            .map_err(|e| match e {
                ErroreRipresaOidc::Attesa(a) => ErroreOidc::Attesa(a),
                ErroreRipresaOidc::Interno(i) => ErroreOidc::Account(ErroreAccessoOidc::Interno(i)),
            })?;
        if let Some(errore) = parametro(&coppie, "error") {
            let errore: String = errore
                .chars()
                .filter(|c| c.is_ascii_graphic())
                .take(64)
                .collect();
            return Err(ErroreOidc::Provider(errore));
        }
        let codice = parametro(&coppie, "code").filter(|c| !c.is_empty() && c.len() <= 2048);
        let codice = codice.ok_or(ErroreOidc::SenzaCodice)?;
        let id_token = oidc.scambia(codice, &ripresa.verificatore).await?;
        let claim = oidc.verifica_id_token(&id_token, &ripresa.nonce).await?;
        let identita = oidc.identita(&claim)?;
        let t = utenti.accedi_oidc(&identita, c.id.as_ref(), adesso()).await;
        for e in &t.eventi {
            tracing::info!(evento = ?e, "evento degli account");
        }
        Ok(t.esito?)
    }
    .await;
    match esito {
        Ok(a) => {
            let r = crate::accesso::vai("/area-personale");
            let r = con_cookie(r, &p.cookie.imposta(&a.id, &utenti.regole().sessione));
            con_cookie(r, &cookie_oidc(&p, "", 0))
        }
        Err(e) => pagina_errore(&p, &c, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ConfigOidc {
        ConfigOidc::new(
            "https://idp.example/realms/isee",
            "isee",
            SegretoClient::new("s3greto"),
            "https://isee.example/accedi/oidc/ritorno",
        )
    }

    #[test]
    fn configurazione_valida_e_problemi_tutti_insieme() {
        assert!(config().problemi().is_empty(), "{:?}", config().problemi());
        let mut c = config();
        c.emittente = "http://idp.example".into();
        c.redirect = "https://isee.example/altro".into();
        c.client_id = String::new();
        c.etichetta = String::new();
        assert_eq!(c.problemi().len(), 4, "{:?}", c.problemi());
        let mut locale = config();
        locale.emittente = "http://127.0.0.1:8080".into();
        locale.redirect = "http://localhost:8080/accedi/oidc/ritorno".into();
        assert!(locale.problemi().is_empty(), "{:?}", locale.problemi());
    }

    #[test]
    fn segreto_mai_nel_debug() {
        let d = format!("{:?}", config());
        assert!(!d.contains("s3greto"), "{d}");
    }

    fn identita(valore: Value) -> Result<IdentitaOidc, ErroreOidc> {
        let o = Oidc::new(config()).unwrap();
        let mut m = Map::new();
        m.insert("sub".into(), Value::from("x"));
        m.insert("fiscal_number".into(), valore);
        o.identita(&m)
    }

    #[test]
    fn codice_fiscale_dal_claim_spid() {
        let i = identita(Value::from("TINIT-RSSMRA80A01H501U")).unwrap();
        assert_eq!(i.codice_fiscale.as_str(), "RSSMRA80A01H501U");
        let i = identita(Value::from("rssmra80a01h501u")).unwrap();
        assert_eq!(i.codice_fiscale.as_str(), "RSSMRA80A01H501U");
        for cattivo in [
            Value::from("TINIT-RSSMRA80A01H501X"),
            Value::from("TINIT-"),
            Value::from("RSSMRA80A01H501UU"),
            Value::from(12),
        ] {
            assert!(
                matches!(identita(cattivo.clone()), Err(ErroreOidc::CodiceFiscale(_))),
                "{cattivo}"
            );
        }
    }
}

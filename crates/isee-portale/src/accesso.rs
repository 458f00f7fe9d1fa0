//! Accounts in the portal: the portal's state ([`Portale`]), what each request knows
//! of its browser ([`Contesto`]: the session, the CSRF token), and the pages to sign in
//! and out, the personal area and the password reset.
//!
//! CSRF: every POST form carries a hidden `csrf` field. With a session it is the
//! session's synchronizer token ([`Segreto::token_csrf`]); without one (login,
//! password reset, simulatore) it is the token of a *pre-session*: a random value in
//! the `__Host-isee_pre` cookie (`isee_pre` on plain HTTP; `HttpOnly`,
//! `SameSite=Lax`), signed with the server's key ([`Segreto::token_csrf_presessione`],
//! a signed double submit). Nothing is stored for it. A POST is also refused when its
//! `Origin` (or, without one, its `Referer`) is not the portal's own
//! ([`verifica_origine`]).

use crate::{Layout, pagina};
use askama::Template;
use axum::extract::{Form, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use chrono::{DateTime, Utc};
use isee_core::calcolo::Motore;
use isee_utenti::{
    ConfigCookie, ErroreAccesso, ErroreReset, EventoUtente, Ruolo, Segreto, SessioneAttiva,
    StoreSql, Token, Utente, Utenti, verifica_origine,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The pre-session cookie's name over HTTPS (`__Host-`: only `Secure`, `Path=/`).
pub const NOME_PRE: &str = "__Host-isee_pre";
/// The pre-session cookie's name on plain HTTP (the local demo).
pub const NOME_PRE_HTTP: &str = "isee_pre";

/// The refusal of a POST whose CSRF token or origin is wrong.
pub const RICHIESTA_NON_VALIDA: &str =
    "La richiesta non è valida o è scaduta: ricarica la pagina e riprova.";

/// How a password-reset link reaches its user: the account and the full link.
pub type InvioReset = Arc<dyn Fn(&Utente, &str) + Send + Sync>;

/// What the portal serves with: the engine, and optionally the accounts.
#[derive(Clone)]
pub struct Portale {
    pub(crate) motore: Arc<Motore>,
    pub(crate) utenti: Option<Arc<Utenti<StoreSql>>>,
    /// The DSU register the citizens' pages read ("Le mie DSU").
    pub(crate) registro: Option<Arc<crate::dsu::Registro>>,
    pub(crate) segreto: Segreto,
    pub(crate) cookie: ConfigCookie,
    /// The portal's origin (`https://isee.example.it`); without it, the scheme of the
    /// cookie configuration and the request's `Host`.
    pub(crate) origine: Option<String>,
    pub(crate) invio_reset: InvioReset,
    /// OpenID Connect sign-in, when configured ([`crate::oidc`]).
    pub(crate) oidc: Option<Arc<crate::oidc::Oidc>>,
}

impl Portale {
    /// The portal without accounts: the simulatore and the information pages; the
    /// CSRF key is random (forms do not survive a restart).
    pub fn new(motore: Motore) -> Result<Portale, isee_utenti::sessione::ErroreCasuale> {
        Ok(Portale {
            motore: Arc::new(motore),
            utenti: None,
            registro: None,
            segreto: Segreto::genera()?,
            cookie: ConfigCookie::default(),
            origine: None,
            invio_reset: Arc::new(registra_collegamento),
            oidc: None,
        })
    }

    /// With accounts: the pages to sign in, the personal area, the password reset.
    /// The CSRF key and the cookie configuration become the service's.
    pub fn con_utenti(mut self, utenti: Arc<Utenti<StoreSql>>) -> Portale {
        self.segreto = utenti.segreto().clone();
        self.cookie = utenti.regole().cookie;
        self.utenti = Some(utenti);
        self
    }

    /// With the DSU register: a signed-in citizen's "Le mie DSU", the attestations
    /// and their PDF (see [`crate::dsu`]).
    pub fn con_registro(mut self, registro: Arc<crate::dsu::Registro>) -> Portale {
        self.registro = Some(registro);
        self
    }

    /// The portal's own origin, what `Origin` must be (and what reset links start with).
    /// Its scheme decides the cookies: `Secure` with the `__Host-` prefix for `https://`,
    /// neither for `http://` (browsers drop a `Secure` cookie sent over plain HTTP).
    pub fn con_origine(mut self, origine: &str) -> Portale {
        self.cookie.sicuro = origine.starts_with("https://");
        self.origine = Some(origine.trim_end_matches('/').to_string());
        self
    }

    /// Served over plain HTTP at whatever host the browser used (the local demo, `isee
    /// serve` without a public origin): cookies without `Secure`, and the expected
    /// `Origin` is `http://` and the request's `Host`.
    pub fn su_http(mut self) -> Portale {
        self.cookie.sicuro = false;
        self
    }

    /// With OpenID Connect sign-in: the login page shows the provider's button
    /// (needs the accounts too, [`Portale::con_utenti`]). The configuration is
    /// checked now; the provider is first called at the first sign-in.
    pub fn con_oidc(
        mut self,
        config: crate::oidc::ConfigOidc,
    ) -> Result<Portale, crate::oidc::ErroreConfigOidc> {
        self.oidc = Some(Arc::new(crate::oidc::Oidc::new(config)?));
        Ok(self)
    }

    /// How reset links are sent. The default writes them to the log (`tracing`, level
    /// info): right for the demo, where there is no mail.
    pub fn con_invio_reset(mut self, invio: InvioReset) -> Portale {
        self.invio_reset = invio;
        self
    }

    /// The routes (see [`crate::router`]).
    pub fn router(self) -> Router {
        crate::rotte(Arc::new(self))
    }

    fn nome_pre(&self) -> &'static str {
        if self.cookie.sicuro {
            NOME_PRE
        } else {
            NOME_PRE_HTTP
        }
    }

    fn origine_attesa(&self, h: &HeaderMap) -> Option<String> {
        self.origine.clone().or_else(|| {
            let host = h.get(header::HOST)?.to_str().ok()?;
            let schema = if self.cookie.sicuro { "https" } else { "http" };
            Some(format!("{schema}://{host}"))
        })
    }
}

fn registra_collegamento(u: &Utente, collegamento: &str) {
    tracing::info!(
        utente = %u.id,
        collegamento,
        "collegamento per reimpostare la password (nessuna e-mail inviata)"
    );
}

fn registra_eventi(eventi: &[EventoUtente]) {
    for e in eventi {
        tracing::info!(evento = ?e, "evento degli account");
    }
}

/// Now, from the system clock (chrono without its `clock` feature).
pub(crate) fn adesso() -> DateTime<Utc> {
    let micro = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros());
    DateTime::from_timestamp_micros(i64::try_from(micro).unwrap_or(0)).unwrap_or_default()
}

/// What a request knows of its browser.
#[derive(Clone, Debug)]
pub struct Contesto {
    /// The valid session of the cookie, with its account.
    pub attiva: Option<SessioneAttiva>,
    /// The session id the browser sent, valid or not.
    pub id: Option<Token>,
    /// The pre-session value and whether the browser sent it.
    pre: String,
    pre_ricevuta: bool,
    /// The token the forms of this page carry.
    pub csrf: String,
    /// Whether accounts are configured.
    pub accesso: bool,
}

fn cookie(h: &HeaderMap) -> String {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The middleware: reads the cookies, loads (and touches) the session, makes the CSRF
/// token, and gives a browser without one its pre-session cookie.
pub(crate) async fn contesto(
    State(p): State<Arc<Portale>>,
    mut req: Request,
    next: Next,
) -> Response {
    let biscotti = cookie(req.headers());
    let id = p.cookie.leggi(&biscotti);
    let attiva = match (&p.utenti, &id) {
        (Some(u), Some(id)) => u.sessione(id, adesso()).await.unwrap_or_else(|e| {
            tracing::warn!(errore = %e, "lettura della sessione non riuscita");
            None
        }),
        _ => None,
    };
    let ricevuta = biscotti
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(n, _)| *n == p.nome_pre())
        .map(|(_, v)| v.trim())
        .filter(|v| Token::da_testo(v).is_some())
        .map(str::to_string);
    let pre_ricevuta = ricevuta.is_some();
    let pre = match ricevuta {
        Some(v) => v,
        None => match Token::genera() {
            Ok(t) => t.testo(),
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
    };
    let csrf = match &attiva {
        Some(a) => p.segreto.token_csrf(&a.sessione),
        None => p.segreto.token_csrf_presessione(&pre),
    };
    let statico = req.uri().path().starts_with("/static/");
    req.extensions_mut().insert(Contesto {
        attiva,
        id,
        pre: pre.clone(),
        pre_ricevuta,
        csrf,
        accesso: p.utenti.is_some(),
    });
    let mut r = next.run(req).await;
    if !pre_ricevuta && !statico {
        let mut v = format!("{}={pre}; Path=/; HttpOnly; SameSite=Lax", p.nome_pre());
        if p.cookie.sicuro {
            v.push_str("; Secure");
        }
        if let Ok(v) = HeaderValue::from_str(&v) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

/// A form field's value (the first), or "".
pub(crate) fn valore<'a>(coppie: &'a [(String, String)], nome: &str) -> &'a str {
    coppie
        .iter()
        .find(|(k, _)| k == nome)
        .map_or("", |(_, v)| v.as_str())
}

/// Whether a POST may go on: its `csrf` field is this browser's token, and its
/// `Origin` (or `Referer`), when sent, is the portal's.
pub(crate) fn richiesta_valida(
    p: &Portale,
    c: &Contesto,
    h: &HeaderMap,
    coppie: &[(String, String)],
) -> bool {
    let token = valore(coppie, "csrf");
    let token_ok = match &c.attiva {
        Some(a) => p.segreto.verifica_csrf(&a.sessione, token),
        None => c.pre_ricevuta && p.segreto.verifica_csrf_presessione(&c.pre, token),
    };
    let fonte = h.get(header::ORIGIN).or_else(|| h.get(header::REFERER));
    let origine_ok = match fonte {
        None => true,
        Some(v) => match (v.to_str(), p.origine_attesa(h)) {
            (Ok(v), Some(atteso)) => verifica_origine(v, &atteso),
            _ => false,
        },
    };
    token_ok && origine_ok
}

#[derive(Template)]
#[template(path = "rifiuto.html")]
struct Rifiuto {
    l: Layout,
    messaggio: &'static str,
}

/// The 403 page of a refused POST.
pub(crate) fn rifiuto(c: &Contesto) -> Response {
    pagina(
        &Rifiuto {
            l: Layout::new("Richiesta non valida", "", c),
            messaggio: RICHIESTA_NON_VALIDA,
        },
        StatusCode::FORBIDDEN,
    )
}

pub(crate) fn vai(dove: &'static str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, dove)]).into_response()
}

fn vai_con_cookie(dove: &'static str, cookie: &str) -> Response {
    let mut r = vai(dove);
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

pub(crate) fn errore_interno(c: &Contesto, e: &dyn std::fmt::Display) -> Response {
    tracing::error!(errore = %e, "errore degli account");
    pagina(
        &Messaggio {
            l: Layout::new("Servizio non disponibile", "", c),
            titolo: "Servizio non disponibile",
            testo: "Il servizio non è disponibile in questo momento: riprova tra qualche minuto."
                .into(),
        },
        StatusCode::INTERNAL_SERVER_ERROR,
    )
}

#[derive(Template)]
#[template(path = "messaggio.html")]
pub(crate) struct Messaggio {
    pub(crate) l: Layout,
    pub(crate) titolo: &'static str,
    pub(crate) testo: String,
}

#[derive(Template)]
#[template(path = "accedi.html")]
struct Accedi {
    l: Layout,
    nome: String,
    errore: Option<String>,
    /// The OpenID Connect button's label, when configured.
    oidc: Option<String>,
}

fn etichetta_oidc(p: &Portale) -> Option<String> {
    p.oidc.as_ref().map(|o| o.config().etichetta.clone())
}

/// The one answer to every refused login.
pub fn messaggio_rifiuto(attendi: Option<Duration>) -> String {
    let base = "Nome utente o password non corretti, oppure accesso temporaneamente bloccato";
    match attendi.map(|d| d.as_secs().div_ceil(60).max(1)) {
        None => format!("{base}."),
        Some(1) => format!("{base}: riprova tra 1 minuto."),
        Some(m) => format!("{base}: riprova tra {m} minuti."),
    }
}

pub(crate) async fn accedi_modulo(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
) -> Response {
    if p.utenti.is_none() {
        return crate::pagina_non_trovata(&c);
    }
    pagina(
        &Accedi {
            l: Layout::new("Accedi", "accedi", &c),
            nome: String::new(),
            errore: None,
            oidc: etichetta_oidc(&p),
        },
        StatusCode::OK,
    )
}

pub(crate) async fn accedi_invio(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    h: HeaderMap,
    Form(coppie): Form<Vec<(String, String)>>,
) -> Response {
    let inizio = Instant::now();
    let Some(utenti) = &p.utenti else {
        return crate::pagina_non_trovata(&c);
    };
    if !richiesta_valida(&p, &c, &h, &coppie) {
        return rifiuto(&c);
    }
    let nome = valore(&coppie, "nome");
    let t = utenti
        .accedi(nome, valore(&coppie, "password"), c.id.as_ref(), adesso())
        .await;
    registra_eventi(&t.eventi);
    if let Some(resto) = t.ritardo_minimo.checked_sub(inizio.elapsed()) {
        tokio::time::sleep(resto).await;
    }
    match t.esito {
        Ok(a) => vai_con_cookie(
            "/area-personale",
            &p.cookie.imposta(&a.id, &utenti.regole().sessione),
        ),
        Err(ErroreAccesso::Rifiutato { attendi }) => pagina(
            &Accedi {
                l: Layout::new("Accedi", "accedi", &c),
                nome: nome.to_string(),
                errore: Some(messaggio_rifiuto(attendi)),
                oidc: etichetta_oidc(&p),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(ErroreAccesso::Interno(e)) => errore_interno(&c, &e),
    }
}

pub(crate) async fn esci(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    h: HeaderMap,
    Form(coppie): Form<Vec<(String, String)>>,
) -> Response {
    if !richiesta_valida(&p, &c, &h, &coppie) {
        return rifiuto(&c);
    }
    if let (Some(u), Some(id)) = (&p.utenti, &c.id) {
        match u.termina(id, adesso()).await {
            Ok(ev) => registra_eventi(ev.as_slice()),
            Err(e) => return errore_interno(&c, &e),
        }
    }
    vai_con_cookie("/", &p.cookie.cancella())
}

/// A role in plain Italian.
pub fn nome_ruolo(r: Ruolo) -> &'static str {
    match r {
        Ruolo::Cittadino => "Cittadino",
        Ruolo::OperatoreCaf => "Operatore CAF",
        Ruolo::Amministratore => "Amministratore",
    }
}

#[derive(Template)]
#[template(path = "area_personale.html")]
struct AreaPersonale {
    l: Layout,
    nome: String,
    nome_utente: String,
    ruolo: &'static str,
    codice_caf: Option<String>,
}

pub(crate) async fn area_personale(Extension(c): Extension<Contesto>) -> Response {
    let Some(a) = &c.attiva else {
        return vai("/accedi");
    };
    pagina(
        &AreaPersonale {
            l: Layout::new("Area personale", "area", &c),
            nome: a.utente.nome_visualizzato.clone(),
            nome_utente: a.utente.nome_utente.to_string(),
            ruolo: nome_ruolo(a.utente.ruolo),
            codice_caf: a.utente.codice_caf.clone(),
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "password_dimenticata.html")]
struct PasswordDimenticata {
    l: Layout,
    inviata: bool,
}

pub(crate) async fn dimenticata_modulo(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
) -> Response {
    if p.utenti.is_none() {
        return crate::pagina_non_trovata(&c);
    }
    pagina(
        &PasswordDimenticata {
            l: Layout::new("Password dimenticata", "", &c),
            inviata: false,
        },
        StatusCode::OK,
    )
}

pub(crate) async fn dimenticata_invio(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    h: HeaderMap,
    Form(coppie): Form<Vec<(String, String)>>,
) -> Response {
    let Some(utenti) = &p.utenti else {
        return crate::pagina_non_trovata(&c);
    };
    if !richiesta_valida(&p, &c, &h, &coppie) {
        return rifiuto(&c);
    }
    match utenti
        .richiedi_reset(valore(&coppie, "nome"), adesso())
        .await
    {
        Ok(r) => {
            registra_eventi(std::slice::from_ref(&r.evento));
            if let Some((token, u)) = r.invio {
                let base = p.origine_attesa(&h).unwrap_or_default();
                let link = format!("{base}/reimposta-password?t={}", token.testo());
                (p.invio_reset)(&u, &link);
            }
        }
        Err(e) => return errore_interno(&c, &e),
    }
    pagina(
        &PasswordDimenticata {
            l: Layout::new("Password dimenticata", "", &c),
            inviata: true,
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "reimposta_password.html")]
struct Reimposta {
    l: Layout,
    token: String,
    /// The link's problem (unknown, expired, used).
    errore_token: Option<String>,
    errore_password: Vec<String>,
    errore_conferma: Option<&'static str>,
    fatto: bool,
}

impl Reimposta {
    fn new(c: &Contesto, token: String) -> Reimposta {
        Reimposta {
            l: Layout::new("Reimposta la password", "", c),
            token,
            errore_token: None,
            errore_password: Vec::new(),
            errore_conferma: None,
            fatto: false,
        }
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct ParametroToken {
    #[serde(default)]
    t: String,
}

pub(crate) async fn reimposta_modulo(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    Query(q): Query<ParametroToken>,
) -> Response {
    if p.utenti.is_none() {
        return crate::pagina_non_trovata(&c);
    }
    pagina(&Reimposta::new(&c, q.t), StatusCode::OK)
}

pub(crate) async fn reimposta_invio(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    h: HeaderMap,
    Form(coppie): Form<Vec<(String, String)>>,
) -> Response {
    let Some(utenti) = &p.utenti else {
        return crate::pagina_non_trovata(&c);
    };
    if !richiesta_valida(&p, &c, &h, &coppie) {
        return rifiuto(&c);
    }
    let token = valore(&coppie, "t").trim().to_string();
    let nuova = valore(&coppie, "password");
    let mut m = Reimposta::new(&c, token.clone());
    if nuova != valore(&coppie, "conferma") {
        m.errore_conferma = Some("Le due password non coincidono");
        return pagina(&m, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let esito = utenti.reimposta_password(&token, nuova, adesso()).await;
    registra_eventi(&esito.eventi);
    match esito.esito {
        Ok(_) => {
            m.fatto = true;
            m.token = String::new();
            pagina(&m, StatusCode::OK)
        }
        Err(ErroreReset::PasswordNonValida(v)) => {
            m.errore_password = v;
            pagina(&m, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ErroreReset::TokenNonValido) => {
            m.errore_token = Some(
                "Il collegamento per reimpostare la password non è valido o è scaduto: chiedine uno nuovo."
                    .into(),
            );
            pagina(&m, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ErroreReset::Interno(e)) => errore_interno(&c, &e),
    }
}

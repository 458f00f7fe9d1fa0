//! "Compila la DSU": the DSU mini step by step, saved as a draft at every step,
//! validated with the engine at every step, then signed and filed into the register.
//!
//! * **Steps** ([`Passo`]): the nucleus (names, fiscal codes, birth dates, relations,
//!   disability; the comune of residence), incomes, assets, the home, the summary.
//! * **Drafts**: every POST of a step first writes what was typed into the account's
//!   draft ([`isee_utenti::StoreBozze`]), errors or not, so that a lost session or a
//!   closed browser loses nothing; then the whole form is validated by the engine
//!   ([`crate::simulatore::verifica`]) and the step comes back with the problems of its
//!   own fields next to them, or goes on. Problems of later steps wait for their step;
//!   the summary lists them all, each linked to its field.
//! * **Who files** (docs/SCELTE.md §22): a citizen files the DSU of which they are the
//!   declarant (the declarant's fiscal code must be the account's), with the portal as
//!   the register's sender ([`MITTENTE_PORTALE`]); a CAF operator files as its CAF (the
//!   account's CAF code is the sender) and only for a declarant whose mandate to that
//!   CAF with scope `presentazione` is in force today: no mandate, no filing. An
//!   administrator files nothing here.
//! * **Filing** is one call of the register with the draft's idempotency key, so a
//!   double submission gives the one receipt; the draft is deleted once the register
//!   has the DSU.
//! * **Rectification** (`rettifica`, from the DSU's page): a draft holding the form
//!   of a DSU in force, which the declarant (or the CAF under mandate) corrects and
//!   files as `Operazione::Rettifica` of it. Only a DSU the form holds whole can be
//!   rectified here ([`Modulo::da_dsu`]): filing the form of any other would drop
//!   what the form cannot show, so the page says to rectify it through a CAF.

// The helpers below return the page to answer instead as their error: one response per
// request, built on the unhappy path only.
#![allow(clippy::result_large_err)]

use crate::accesso::{Messaggio, adesso, errore_interno, richiesta_valida, rifiuto, vai, valore};
use crate::dsu::Registro;
use crate::simulatore::{self, CAMPI_COMPONENTE, Errore, MAX_COMPONENTI, Modulo, RigaComponente};
use crate::{
    Campo, Contesto, Layout, Portale, RigaPagina, campo, campo_componente, etichetta, pagina,
    pagina_non_trovata,
};
use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use isee_core::codice_fiscale::CodiceFiscale;
use isee_registro::registrazione::StatoDsu;
use isee_registro::{
    Ambito, Chiamante, ErroreRegistro, Operazione, PresentazioneDsu, Protocollo, StoreAccesso,
    Vista,
};
use isee_utenti::{
    Bozza, ContenutoBozza, ErroreUtenti, IdBozza, Ruolo, SessioneAttiva, StoreBozze, StoreSql,
    Utenti,
};
use std::sync::Arc;

/// The register's sender of the DSUs citizens file themselves in the portal, as INPS's
/// own portal is the channel of the DSUs filed online.
pub const MITTENTE_PORTALE: &str = "portale";

/// The wizard's steps, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passo {
    Nucleo,
    Redditi,
    Patrimonio,
    Casa,
    Riepilogo,
}

pub const PASSI: [Passo; 5] = [
    Passo::Nucleo,
    Passo::Redditi,
    Passo::Patrimonio,
    Passo::Casa,
    Passo::Riepilogo,
];

impl Passo {
    pub fn nome(self) -> &'static str {
        match self {
            Passo::Nucleo => "nucleo",
            Passo::Redditi => "redditi",
            Passo::Patrimonio => "patrimonio",
            Passo::Casa => "casa",
            Passo::Riepilogo => "riepilogo",
        }
    }

    pub fn da_nome(s: &str) -> Option<Passo> {
        PASSI.into_iter().find(|p| p.nome() == s)
    }

    pub fn titolo(self) -> &'static str {
        match self {
            Passo::Nucleo => "Il nucleo familiare",
            Passo::Redditi => "I redditi",
            Passo::Patrimonio => "Il patrimonio",
            Passo::Casa => "La casa di abitazione",
            Passo::Riepilogo => "Riepilogo e firma",
        }
    }

    /// What the step asks, in the words of the DSU mini (quadri and fogli FC).
    pub fn spiegazione(self) -> &'static str {
        match self {
            Passo::Nucleo => {
                "Quadro A della DSU: ogni persona del nucleo familiare, a partire da chi dichiara. Il nucleo è quello anagrafico alla data di presentazione."
            }
            Passo::Redditi => {
                "Foglio FC, quadro FC8: i redditi di ogni componente nel secondo anno precedente la presentazione. I campi vuoti valgono zero."
            }
            Passo::Patrimonio => {
                "Fogli FC, quadri FC2 e FC3: conti e depositi al 31 dicembre dell'anno precedente e gli immobili posseduti. I campi vuoti valgono zero."
            }
            Passo::Casa => "Quadro B della DSU: la casa in cui vive il nucleo.",
            Passo::Riepilogo => {
                "Controlla i dati e l'ISEE che ne risulta; poi firma la dichiarazione e presentala."
            }
        }
    }

    /// The member fields the step shows.
    pub fn campi_componente(self) -> &'static [&'static str] {
        match self {
            Passo::Nucleo => &["cognome", "nome", "cf", "nascita", "rapporto", "disabilita"],
            Passo::Redditi => &["mesi", "dipendente", "pensione", "altri"],
            Passo::Patrimonio => &["saldo", "giacenza", "imu", "mutuo", "casa"],
            Passo::Casa | Passo::Riepilogo => &[],
        }
    }

    /// The household fields the step shows.
    pub fn campi_generali(self) -> &'static [&'static str] {
        match self {
            Passo::Nucleo => &["comune"],
            Passo::Casa => &["titolo", "canone"],
            _ => &[],
        }
    }

    /// The step that shows field `id` (`c2_pensione`, `titolo`); the nucleus for a
    /// field no step shows (the filing date).
    pub fn del_campo(id: &str) -> Passo {
        let nome = id
            .strip_prefix('c')
            .and_then(|r| r.split_once('_'))
            .filter(|(i, _)| i.parse::<usize>().is_ok())
            .map_or(id, |(_, n)| n);
        PASSI
            .into_iter()
            .find(|p| p.campi_componente().contains(&nome) || p.campi_generali().contains(&nome))
            .unwrap_or(Passo::Nucleo)
    }

    fn indice(self) -> usize {
        PASSI.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn successivo(self) -> Option<Passo> {
        PASSI.get(self.indice() + 1).copied()
    }

    pub fn precedente(self) -> Option<Passo> {
        self.indice().checked_sub(1).map(|i| PASSI[i])
    }
}

/// Copies into the draft `m` the fields of `passo` the posted form sends (a checkbox
/// absent from the form is unticked, any other absent field keeps its value); on the nucleus step the form's member count
/// decides the rows (rows dropped lose their data, new rows start empty as children).
pub fn applica(m: &mut Modulo, passo: Passo, coppie: &[(String, String)]) {
    let inviato = Modulo::da_coppie(coppie);
    if passo == Passo::Nucleo {
        let n = inviato.componenti.len().clamp(1, MAX_COMPONENTI);
        m.componenti.resize_with(n, || RigaComponente {
            rapporto: "F".into(),
            ..RigaComponente::default()
        });
    }
    let inviati: std::collections::HashSet<&str> = coppie.iter().map(|(k, _)| k.as_str()).collect();
    for nome in passo.campi_generali() {
        if !inviati.contains(nome) {
            continue;
        }
        match *nome {
            "comune" => m.comune = inviato.comune.trim().to_uppercase(),
            "titolo" => m.titolo = inviato.titolo.clone(),
            "canone" => m.canone = inviato.canone.clone(),
            _ => {}
        }
    }
    for (n, (r, i)) in m.componenti.iter_mut().zip(&inviato.componenti).enumerate() {
        for nome in passo.campi_componente() {
            // A field the form did not send keeps its value (a checkbox is sent only
            // when ticked).
            if *nome != "casa" && !inviati.contains(simulatore::id_campo(n, nome).as_str()) {
                continue;
            }
            match *nome {
                "cognome" => r.cognome = i.cognome.trim().to_string(),
                "nome" => r.nome = i.nome.trim().to_string(),
                "cf" => r.cf = i.cf.trim().to_uppercase(),
                "nascita" => r.nascita = i.nascita.clone(),
                "rapporto" => r.rapporto = i.rapporto.clone(),
                "disabilita" => r.disabilita = i.disabilita.clone(),
                "mesi" => r.mesi = i.mesi.clone(),
                "dipendente" => r.dipendente = i.dipendente.clone(),
                "pensione" => r.pensione = i.pensione.clone(),
                "altri" => r.altri = i.altri.clone(),
                "saldo" => r.saldo = i.saldo.clone(),
                "giacenza" => r.giacenza = i.giacenza.clone(),
                "imu" => r.imu = i.imu.clone(),
                "mutuo" => r.mutuo = i.mutuo.clone(),
                "casa" => r.casa = i.casa,
                _ => {}
            }
        }
    }
}

/// The problems a step shows: those of its own fields, and, on the nucleus step,
/// those of no other step's field.
pub fn errori_del_passo(errori: &[Errore], passo: Passo) -> Vec<Errore> {
    errori
        .iter()
        .filter(|e| Passo::del_campo(&e.campo) == passo)
        .cloned()
        .collect()
}

/// The birth date a fiscal code encodes (omocodia letters read as their digits), in
/// the century that puts it at or before `oggi`; `None` when the code does not encode
/// one. Only a convenience to fill the field: the engine checks the code against the
/// date typed.
pub fn nascita_da_cf(cf: &str, oggi: chrono::NaiveDate) -> Option<chrono::NaiveDate> {
    use chrono::Datelike;
    let b = cf.trim().as_bytes();
    if b.len() != 16 {
        return None;
    }
    let cifra = |c: u8| -> Option<u32> {
        match c {
            b'0'..=b'9' => Some(u32::from(c - b'0')),
            _ => b"LMNPQRSTUV"
                .iter()
                .position(|&x| x == c.to_ascii_uppercase())
                .and_then(|i| u32::try_from(i).ok()),
        }
    };
    let anno = cifra(b[6])? * 10 + cifra(b[7])?;
    let mese = b"ABCDEHLMPRST"
        .iter()
        .position(|&x| x == b[8].to_ascii_uppercase())
        .and_then(|i| u32::try_from(i + 1).ok())?;
    let giorno = cifra(b[9])? * 10 + cifra(b[10])?;
    let giorno = if giorno > 40 { giorno - 40 } else { giorno };
    let secolo = oggi.year() - oggi.year().rem_euclid(100);
    let mut a = secolo + i32::try_from(anno).ok()?;
    if a > oggi.year() {
        a -= 100;
    }
    chrono::NaiveDate::from_ymd_opt(a, mese, giorno)
}

/// Who is filling the DSU in.
#[derive(Clone, Debug)]
enum Chi {
    /// A citizen, for their own DSU.
    Cittadino(CodiceFiscale),
    /// A CAF operator, for a family under mandate to the CAF.
    Caf(String),
}

impl Chi {
    fn mittente(&self) -> &str {
        match self {
            Chi::Cittadino(_) => MITTENTE_PORTALE,
            Chi::Caf(codice) => codice,
        }
    }
}

struct Compilatore<'a> {
    motore: &'a isee_core::calcolo::Motore,
    attiva: &'a SessioneAttiva,
    chi: Chi,
    utenti: &'a Utenti<StoreSql>,
    registro: &'a Registro,
}

fn compilatore<'a>(p: &'a Portale, c: &'a Contesto) -> Result<Compilatore<'a>, Response> {
    let (Some(utenti), Some(registro)) = (p.utenti.as_deref(), p.registro.as_deref()) else {
        return Err(pagina_non_trovata(c));
    };
    let Some(a) = &c.attiva else {
        return Err(vai("/accedi"));
    };
    let chi = match (
        a.utente.ruolo,
        &a.utente.codice_fiscale,
        &a.utente.codice_caf,
    ) {
        (Ruolo::Cittadino, Some(cf), _) => Chi::Cittadino(*cf),
        (Ruolo::OperatoreCaf, _, Some(caf)) if !caf.is_empty() => Chi::Caf(caf.clone()),
        _ => {
            return Err(pagina(
                &Messaggio {
                    l: Layout::new("Compila la DSU", "compila", c),
                    titolo: "Compila la DSU",
                    testo: "Il tuo profilo non può presentare DSU: serve il profilo di cittadino con il codice fiscale, o di operatore CAF con il codice del CAF.".into(),
                },
                StatusCode::FORBIDDEN,
            ));
        }
    };
    Ok(Compilatore {
        motore: &p.motore,
        attiva: a,
        chi,
        utenti,
        registro,
    })
}

/// [`compilatore`] for a POST, whose CSRF token and origin are checked first.
fn compilatore_post<'a>(
    p: &'a Portale,
    c: &'a Contesto,
    h: &HeaderMap,
    coppie: &[(String, String)],
) -> Result<Compilatore<'a>, Response> {
    if !richiesta_valida(p, c, h, coppie) {
        return Err(rifiuto(c));
    }
    compilatore(p, c)
}

fn vai_a(dove: String) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(&dove) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn data(t: chrono::DateTime<chrono::Utc>) -> String {
    // Italian time is what people read; the offset is not worth a time-zone database
    // here: the date and minute in UTC, said so.
    t.format("%d/%m/%Y %H:%M UTC").to_string()
}

fn leggi_modulo(b: &Bozza) -> Modulo {
    // A draft the portal wrote always reads back; one that does not (an older format)
    // starts empty rather than failing the page.
    serde_json::from_str(&b.contenuto).unwrap_or_default()
}

fn titolo_bozza(m: &Modulo) -> String {
    let che = if m.rettifica_di.is_empty() {
        "DSU"
    } else {
        "Rettifica della DSU"
    };
    match m.componenti.first() {
        Some(d) if !(d.cognome.is_empty() && d.nome.is_empty()) => {
            let t = format!("{che} di {} {}", d.cognome, d.nome);
            t.chars()
                .take(isee_utenti::bozza::LUNGHEZZA_MASSIMA_TITOLO)
                .collect()
        }
        _ => "Nuova DSU".into(),
    }
}

fn contenuto(m: &Modulo, passo: Passo) -> ContenutoBozza {
    ContenutoBozza {
        titolo: titolo_bozza(m),
        passo: passo.nome().into(),
        contenuto: serde_json::to_string(m).unwrap_or_default(),
    }
}

async fn la_bozza(k: &Compilatore<'_>, c: &Contesto, id: i64) -> Result<Bozza, Response> {
    match k
        .utenti
        .store()
        .bozza(k.attiva.utente.id, IdBozza(id))
        .await
    {
        Ok(Some(b)) => Ok(b),
        Ok(None) => {
            tracing::warn!(target: "portale::bozze", utente = %k.attiva.utente.id, bozza = id, "bozza non dell'utente o inesistente");
            Err(pagina_non_trovata(c))
        }
        Err(e) => Err(errore_interno(c, &e)),
    }
}

struct VoceBozza {
    id: i64,
    titolo: String,
    passo: &'static str,
    passo_nome: &'static str,
    aggiornata: String,
}

#[derive(Template)]
#[template(path = "compila_elenco.html")]
struct Elenco {
    l: Layout,
    bozze: Vec<VoceBozza>,
    caf: bool,
    errore: Option<String>,
}

pub(crate) async fn elenco(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
) -> Response {
    let k = match compilatore(&p, &c) {
        Ok(k) => k,
        Err(r) => return r,
    };
    pagina_elenco(&k, &c, None, StatusCode::OK).await
}

async fn pagina_elenco(
    k: &Compilatore<'_>,
    c: &Contesto,
    errore: Option<String>,
    stato: StatusCode,
) -> Response {
    let bozze = match k.utenti.store().bozze(k.attiva.utente.id).await {
        Ok(b) => b,
        Err(e) => return errore_interno(c, &e),
    };
    let bozze = bozze
        .iter()
        .map(|b| {
            let passo = Passo::da_nome(&b.passo).unwrap_or(Passo::Nucleo);
            VoceBozza {
                id: b.id.0,
                titolo: b.titolo.clone(),
                passo: passo.nome(),
                passo_nome: passo.titolo(),
                aggiornata: data(b.aggiornata_il),
            }
        })
        .collect();
    pagina(
        &Elenco {
            l: Layout::new("Compila la DSU", "compila", c),
            bozze,
            caf: matches!(k.chi, Chi::Caf(_)),
            errore,
        },
        stato,
    )
}

pub(crate) async fn nuova(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    h: HeaderMap,
    Form(coppie): Form<Vec<(String, String)>>,
) -> Response {
    let k = match compilatore_post(&p, &c, &h, &coppie) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let adesso = adesso();
    let mut m = Modulo::nuovo(adesso.date_naive());
    if let Chi::Cittadino(cf) = &k.chi {
        // The citizen is the declarant: the first row is theirs.
        m.componenti[0].cf = cf.as_str().to_string();
        if let Some(d) = nascita_da_cf(cf.as_str(), adesso.date_naive()) {
            m.componenti[0].nascita = d.format("%d/%m/%Y").to_string();
        }
    }
    crea(&k, &c, &m, adesso).await
}

/// Stores `m` as a new draft of the account and sends the browser to its first step;
/// past the account's limit of drafts, the list with the reason (409).
async fn crea(
    k: &Compilatore<'_>,
    c: &Contesto,
    m: &Modulo,
    adesso: chrono::DateTime<chrono::Utc>,
) -> Response {
    match k
        .utenti
        .store()
        .crea_bozza(k.attiva.utente.id, &contenuto(m, Passo::Nucleo), adesso)
        .await
    {
        Ok(b) => {
            tracing::info!(target: "portale::bozze", utente = %k.attiva.utente.id, bozza = %b.id, rettifica = !m.rettifica_di.is_empty(), "bozza creata");
            vai_a(format!("/compila/{}/nucleo", b.id))
        }
        Err(e @ ErroreUtenti::TroppeBozze(_)) => {
            pagina_elenco(k, c, Some(e.to_string()), StatusCode::CONFLICT).await
        }
        Err(e) => errore_interno(c, &e),
    }
}

pub(crate) async fn elimina(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    Path(id): Path<i64>,
    h: HeaderMap,
    Form(coppie): Form<Vec<(String, String)>>,
) -> Response {
    let k = match compilatore_post(&p, &c, &h, &coppie) {
        Ok(k) => k,
        Err(r) => return r,
    };
    match k
        .utenti
        .store()
        .elimina_bozza(k.attiva.utente.id, IdBozza(id))
        .await
    {
        Ok(true) => {
            tracing::info!(target: "portale::bozze", utente = %k.attiva.utente.id, bozza = id, "bozza eliminata");
            vai("/compila")
        }
        Ok(false) => pagina_non_trovata(&c),
        Err(e) => errore_interno(&c, &e),
    }
}

struct VocePasso {
    nome: &'static str,
    titolo: &'static str,
    numero: usize,
    corrente: bool,
}

fn voci_passi(corrente: Passo) -> Vec<VocePasso> {
    PASSI
        .iter()
        .enumerate()
        .map(|(i, p)| VocePasso {
            nome: p.nome(),
            titolo: p.titolo(),
            numero: i + 1,
            corrente: *p == corrente,
        })
        .collect()
}

/// One problem in a summary: its step, field, label and message.
struct VoceErrore {
    passo: &'static str,
    campo: String,
    etichetta: String,
    messaggio: String,
}

fn voci_errore(errori: &[Errore]) -> Vec<VoceErrore> {
    errori
        .iter()
        .map(|e| VoceErrore {
            passo: Passo::del_campo(&e.campo).nome(),
            campo: e.campo.clone(),
            etichetta: etichetta(&e.campo),
            messaggio: e.messaggio.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "compila_passo.html")]
struct PaginaPasso {
    l: Layout,
    id: i64,
    passo: Passo,
    passi: Vec<VocePasso>,
    n: usize,
    generali: Vec<Campo>,
    righe: Vec<RigaPagina>,
    riepilogo: Vec<VoceErrore>,
    pieno: bool,
    salvata: String,
}

fn campo_generale(m: &Modulo, nome: &str, errori: &[Errore]) -> Campo {
    match nome {
        "comune" => {
            let mut c = campo(
                "comune".into(),
                "Comune di residenza",
                "nome",
                m.comune.clone(),
                errori,
            );
            c.aiuto = "Codice catastale di 4 caratteri, ad esempio H501 per Roma (è nel codice fiscale, caratteri 12-15, di chi vi è nato)";
            c
        }
        "titolo" => {
            let mut c = campo(
                "titolo".into(),
                "Abitazione del nucleo",
                "select",
                m.titolo.clone(),
                errori,
            );
            c.opzioni = crate::TITOLI.to_vec();
            c
        }
        _ => {
            let mut c = campo(
                "canone".into(),
                "Canone annuo di affitto",
                "testo",
                m.canone.clone(),
                errori,
            );
            c.aiuto = "In euro, dal contratto registrato; solo se in affitto";
            c
        }
    }
}

fn pagina_passo(
    c: &Contesto,
    b: &Bozza,
    m: &Modulo,
    passo: Passo,
    errori: &[Errore],
    stato: StatusCode,
) -> Response {
    let errori = errori_del_passo(errori, passo);
    let righe = m
        .componenti
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let nome = format!("{} {}", r.cognome, r.nome);
            RigaPagina {
                intestazione: if nome.trim().is_empty() {
                    format!("Componente {}", i + 1)
                } else {
                    format!("Componente {}: {}", i + 1, nome.trim())
                },
                campi: passo
                    .campi_componente()
                    .iter()
                    .filter_map(|n| CAMPI_COMPONENTE.iter().find(|(k, _)| k == n))
                    .map(|&(nome, etichetta)| {
                        let mut c = campo_componente(i, r, nome, etichetta, &errori);
                        if nome == "imu" {
                            c.aiuto =
                                "Valore ai fini IMU della quota posseduta, nel comune di residenza";
                        }
                        c
                    })
                    .collect(),
            }
        })
        .filter(|r| !r.campi.is_empty())
        .collect();
    pagina(
        &PaginaPasso {
            l: Layout::new("Compila la DSU", "compila", c),
            id: b.id.0,
            passo,
            passi: voci_passi(passo),
            n: m.componenti.len(),
            generali: passo
                .campi_generali()
                .iter()
                .map(|n| campo_generale(m, n, &errori))
                .collect(),
            righe,
            riepilogo: voci_errore(&errori),
            pieno: m.componenti.len() >= MAX_COMPONENTI,
            salvata: data(b.aggiornata_il),
        },
        stato,
    )
}

struct ComponenteRiepilogo {
    nome: String,
    cf: String,
    rapporto: &'static str,
}

#[derive(Template)]
#[template(path = "compila_riepilogo.html")]
struct Riepilogo {
    l: Layout,
    id: i64,
    passi: Vec<VocePasso>,
    componenti: Vec<ComponenteRiepilogo>,
    errori: Vec<VoceErrore>,
    isee: Option<(String, String, String, String, String)>,
    /// Why the DSU cannot be signed beside the form's problems (no mandate…).
    impedimento: Option<String>,
    /// The signature checkbox was not ticked.
    senza_firma: bool,
    caf: bool,
}

/// How a summary page comes back after a refused signature.
struct Avviso {
    /// Why the DSU cannot be filed, beside its own problems (no mandate…).
    impedimento: Option<String>,
    senza_firma: bool,
    stato: StatusCode,
}

impl Avviso {
    const NESSUNO: Avviso = Avviso {
        impedimento: None,
        senza_firma: false,
        stato: StatusCode::OK,
    };

    fn rifiuto(motivo: String, stato: StatusCode) -> Avviso {
        Avviso {
            impedimento: Some(motivo),
            senza_firma: false,
            stato,
        }
    }
}

async fn pagina_riepilogo(
    k: &Compilatore<'_>,
    c: &Contesto,
    b: &Bozza,
    m: &Modulo,
    avviso: Avviso,
) -> Response {
    let Avviso {
        impedimento: extra,
        senza_firma,
        stato,
    } = avviso;
    let (errori, isee) = match simulatore::verifica(m) {
        Ok((dsu, _)) => {
            let r = isee_core::calcolo::Richiesta {
                tipo: isee_core::calcolo::TipoIsee::Ordinario,
                prestazione: None,
                beneficiario: None,
            };
            match k.motore.calcola(&dsu, &r) {
                Ok(e) => (
                    Vec::new(),
                    Some((
                        simulatore::euro(e.isee),
                        simulatore::euro(e.righe.ise),
                        simulatore::euro(e.righe.isr),
                        simulatore::euro(e.righe.isp),
                        format!("{:.2}", e.righe.scala_equivalenza).replace('.', ","),
                    )),
                ),
                Err(e) => (
                    vec![Errore {
                        campo: "data".into(),
                        messaggio: e.to_string(),
                    }],
                    None,
                ),
            }
        }
        Err(e) => (e, None),
    };
    let impedimento = match extra {
        Some(x) => Some(x),
        None if errori.is_empty() => impedimento(k, m).await.err(),
        None => None,
    };
    let stato = if stato == StatusCode::OK && (!errori.is_empty() || impedimento.is_some()) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        stato
    };
    pagina(
        &Riepilogo {
            l: Layout::new("Compila la DSU", "compila", c),
            id: b.id.0,
            passi: voci_passi(Passo::Riepilogo),
            componenti: m
                .componenti
                .iter()
                .map(|r| ComponenteRiepilogo {
                    nome: format!("{} {}", r.cognome, r.nome).trim().to_string(),
                    cf: r.cf.clone(),
                    rapporto: crate::RAPPORTI
                        .iter()
                        .find(|(k, _)| *k == r.rapporto)
                        .map_or("", |(_, e)| e),
                })
                .collect(),
            errori: voci_errore(&errori),
            isee,
            impedimento,
            senza_firma,
            caf: matches!(k.chi, Chi::Caf(_)),
        },
        stato,
    )
}

/// Why `k` may not file this DSU (other than its own problems): the citizen is not its
/// declarant; the CAF has no mandate in force from the declarant.
async fn impedimento(k: &Compilatore<'_>, m: &Modulo) -> Result<(), String> {
    let Some(dichiarante) = m.componenti.iter().find(|r| r.rapporto == "D") else {
        return Err("manca il dichiarante".into());
    };
    let cf = CodiceFiscale::new(&dichiarante.cf);
    match &k.chi {
        Chi::Cittadino(mio) => {
            if *mio != cf {
                return Err("Puoi presentare solo la DSU di cui sei il dichiarante: il codice fiscale del dichiarante deve essere il tuo. Per un'altra persona serve il suo accesso, o un CAF con il suo mandato.".into());
            }
        }
        Chi::Caf(caf) => {
            let oggi = adesso().date_naive();
            let mandato = k.registro.store().mandato(caf, &cf).await.map_err(|e| {
                tracing::error!(errore = %e, "lettura del mandato");
                "Il servizio non è disponibile in questo momento: riprova tra qualche minuto."
                    .to_string()
            })?;
            match mandato {
                Some(m) if m.in_vigore(oggi) && m.ambito == Ambito::Presentazione => {}
                Some(m) if m.in_vigore(oggi) => {
                    return Err("Il mandato del dichiarante a questo CAF vale solo per consultare le DSU, non per presentarle.".into());
                }
                Some(_) => {
                    return Err("Il mandato del dichiarante a questo CAF è scaduto o revocato: serve un nuovo mandato firmato dal dichiarante.".into());
                }
                None => {
                    return Err("Il dichiarante non ha dato mandato a questo CAF: senza un mandato registrato il CAF non può presentare la sua DSU.".into());
                }
            }
        }
    }
    Ok(())
}

pub(crate) async fn passo_modulo(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    Path((id, passo)): Path<(i64, String)>,
) -> Response {
    let k = match compilatore(&p, &c) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let Some(passo) = Passo::da_nome(&passo) else {
        return pagina_non_trovata(&c);
    };
    let b = match la_bozza(&k, &c, id).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let m = leggi_modulo(&b);
    if passo == Passo::Riepilogo {
        return pagina_riepilogo(&k, &c, &b, &m, Avviso::NESSUNO).await;
    }
    // A step reopened shows the problems its fields already have.
    let errori = match simulatore::verifica(&m) {
        Ok(_) => Vec::new(),
        Err(e) => e,
    };
    let gia_visto = Passo::da_nome(&b.passo).is_some_and(|v| v.indice() > passo.indice());
    let errori = if gia_visto { errori } else { Vec::new() };
    pagina_passo(&c, &b, &m, passo, &errori, StatusCode::OK)
}

pub(crate) async fn passo_invio(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    Path((id, passo)): Path<(i64, String)>,
    h: HeaderMap,
    Form(coppie): Form<Vec<(String, String)>>,
) -> Response {
    let k = match compilatore_post(&p, &c, &h, &coppie) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let Some(passo) = Passo::da_nome(&passo).filter(|p| *p != Passo::Riepilogo) else {
        return pagina_non_trovata(&c);
    };
    let b = match la_bozza(&k, &c, id).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut m = leggi_modulo(&b);
    applica(&mut m, passo, &coppie);
    let azione = valore(&coppie, "azione");
    if passo == Passo::Nucleo {
        match azione {
            "aggiungi" if m.componenti.len() < MAX_COMPONENTI => {
                m.aggiungi();
            }
            "rimuovi" if m.componenti.len() > 1 => {
                m.componenti.pop();
            }
            _ => {}
        }
    }
    // Where the browser goes next, and the problems that keep it here.
    let errori = match azione {
        "aggiungi" | "rimuovi" | "indietro" => Vec::new(),
        _ => match simulatore::verifica(&m) {
            Ok(_) => Vec::new(),
            Err(e) => errori_del_passo(&e, passo),
        },
    };
    let prossimo = match azione {
        "aggiungi" | "rimuovi" => passo,
        "indietro" => passo.precedente().unwrap_or(Passo::Nucleo),
        _ if errori.is_empty() => passo.successivo().unwrap_or(Passo::Riepilogo),
        _ => passo,
    };
    // The furthest step reached is recorded (going back does not forget it): "Riprendi"
    // opens it.
    let raggiunto = Passo::da_nome(&b.passo).unwrap_or(Passo::Nucleo);
    let registrato = if raggiunto.indice() > prossimo.indice() {
        raggiunto
    } else {
        prossimo
    };
    let b = match k
        .utenti
        .store()
        .aggiorna_bozza(
            k.attiva.utente.id,
            b.id,
            &contenuto(&m, registrato),
            adesso(),
        )
        .await
    {
        Ok(Some(b)) => b,
        Ok(None) => return pagina_non_trovata(&c),
        Err(e @ ErroreUtenti::BozzaNonValida(_)) => {
            tracing::warn!(target: "portale::bozze", utente = %k.attiva.utente.id, bozza = id, errore = %e, "bozza rifiutata dallo store");
            return pagina_passo(
                &c,
                &b,
                &m,
                passo,
                &[Errore {
                    campo: "data".into(),
                    messaggio: e.to_string(),
                }],
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        Err(e) => return errore_interno(&c, &e),
    };
    if matches!(azione, "aggiungi" | "rimuovi") {
        return pagina_passo(&c, &b, &m, passo, &[], StatusCode::OK);
    }
    if !errori.is_empty() {
        return pagina_passo(&c, &b, &m, passo, &errori, StatusCode::UNPROCESSABLE_ENTITY);
    }
    vai_a(format!("/compila/{}/{}", b.id, prossimo.nome()))
}

pub(crate) async fn presenta(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    Path(id): Path<i64>,
    h: HeaderMap,
    Form(coppie): Form<Vec<(String, String)>>,
) -> Response {
    let k = match compilatore_post(&p, &c, &h, &coppie) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let b = match la_bozza(&k, &c, id).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut m = leggi_modulo(&b);
    // The DSU is filed today: its rules are today's.
    m.data = adesso().date_naive().format("%d/%m/%Y").to_string();
    let firmata = valore(&coppie, "dichiaro") == "1";
    let json = match simulatore::verifica(&m) {
        Ok((_, json)) if firmata => json,
        _ => {
            let avviso = Avviso {
                impedimento: None,
                senza_firma: !firmata,
                stato: StatusCode::UNPROCESSABLE_ENTITY,
            };
            return pagina_riepilogo(&k, &c, &b, &m, avviso).await;
        }
    };
    if let Err(motivo) = impedimento(&k, &m).await {
        tracing::warn!(target: "portale::bozze", utente = %k.attiva.utente.id, bozza = id, "presentazione rifiutata: {motivo}");
        let avviso = Avviso::rifiuto(motivo, StatusCode::FORBIDDEN);
        return pagina_riepilogo(&k, &c, &b, &m, avviso).await;
    }
    let operazione = if m.rettifica_di.is_empty() {
        Operazione::Nuova
    } else {
        match m.rettifica_di.parse::<Protocollo>() {
            Ok(di) => Operazione::Rettifica { di },
            Err(_) => return pagina_non_trovata(&c),
        }
    };
    let richiesta = PresentazioneDsu {
        dsu_json: json.to_string(),
        chiave_idempotenza: format!("portale-bozza-{}", b.id),
        mittente: k.chi.mittente().to_string(),
        protocollo_mittente: None,
        operazione,
    };
    let ricevuta = match k.registro.presenta(richiesta).await {
        Ok(r) => r,
        Err(ErroreRegistro::DsuNonValida(problemi)) => {
            let testo = problemi
                .iter()
                .map(|p| p.messaggio.clone())
                .collect::<Vec<_>>()
                .join("; ");
            let avviso = Avviso::rifiuto(testo, StatusCode::UNPROCESSABLE_ENTITY);
            return pagina_riepilogo(&k, &c, &b, &m, avviso).await;
        }
        // A rectification must keep the declarant and the nucleus, of a DSU still in
        // force (SCELTE §17): the register says which rule, in Italian.
        Err(
            e @ (ErroreRegistro::DichiaranteDiverso(_)
            | ErroreRegistro::NucleoDiverso(_)
            | ErroreRegistro::ProtocolloNonAttivo { .. }
            | ErroreRegistro::ModificaNonConsentita(_)),
        ) => {
            let avviso = Avviso::rifiuto(e.to_string(), StatusCode::CONFLICT);
            return pagina_riepilogo(&k, &c, &b, &m, avviso).await;
        }
        Err(e) => return errore_interno(&c, &e),
    };
    tracing::info!(
        target: "portale::bozze",
        utente = %k.attiva.utente.id,
        bozza = id,
        protocollo = %ricevuta.protocollo,
        mittente = k.chi.mittente(),
        "DSU presentata dal portale"
    );
    // The register has the DSU: the draft has done its work. Should the deletion
    // fail, a new submission of the draft gets the same receipt (idempotency key).
    if let Err(e) = k
        .utenti
        .store()
        .elimina_bozza(k.attiva.utente.id, b.id)
        .await
    {
        tracing::error!(errore = %e, bozza = id, "bozza presentata non eliminata");
    }
    match k.chi {
        Chi::Cittadino(_) => vai_a(format!("/le-mie-dsu/{}?presentata=1", ricevuta.protocollo)),
        Chi::Caf(_) => vai_a(format!("/caf/dsu/{}?presentata=1", ricevuta.protocollo)),
    }
}

fn messaggio(c: &Contesto, testo: String, stato: StatusCode) -> Response {
    pagina(
        &Messaggio {
            l: Layout::new("Rettifica la DSU", "compila", c),
            titolo: "Rettifica la DSU",
            testo,
        },
        stato,
    )
}

/// "Rettifica la DSU": a new draft holding the form of DSU `protocollo`, to be
/// corrected and filed as its rectification. The citizen must be its declarant, the
/// CAF its sender or under mandate (the filing then checks the mandate to file, as
/// for a new DSU); another family's or an unknown protocol is the same 404.
pub(crate) async fn rettifica(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    Path(testo): Path<String>,
    h: HeaderMap,
    Form(coppie): Form<Vec<(String, String)>>,
) -> Response {
    let k = match compilatore_post(&p, &c, &h, &coppie) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let Ok(protocollo) = testo.parse::<Protocollo>() else {
        return pagina_non_trovata(&c);
    };
    let letta = match &k.chi {
        Chi::Cittadino(cf) => k.registro.per_cittadino(cf, &protocollo).await,
        Chi::Caf(caf) => k
            .registro
            .consulta(
                &Chiamante::mittente(caf),
                &protocollo,
                "rettifica dal portale",
            )
            .await
            .map(|r| (r, Vista::Dichiarante)),
    };
    let r = match letta {
        Ok((r, Vista::Dichiarante)) => r,
        Ok((_, _)) => {
            return messaggio(
                &c,
                "Solo il dichiarante può rettificare la DSU: chiedi a chi l'ha presentata, o a un CAF con il suo mandato.".into(),
                StatusCode::FORBIDDEN,
            );
        }
        Err(ErroreRegistro::ProtocolloSconosciuto(_)) => return pagina_non_trovata(&c),
        Err(e) => return errore_interno(&c, &e),
    };
    if r.stato != StatoDsu::Attiva {
        return messaggio(
            &c,
            format!(
                "La DSU {protocollo} non è più in vigore (è stata rettificata, sostituita o annullata): si può rettificare solo la DSU in vigore."
            ),
            StatusCode::CONFLICT,
        );
    }
    let dsu = match k.registro.dsu_registrata(&r).await {
        Ok(d) => d,
        Err(e) => return errore_interno(&c, &e),
    };
    let Some(mut m) = Modulo::da_dsu(&dsu) else {
        return messaggio(
            &c,
            format!(
                "La DSU {protocollo} contiene dati che questo modulo non gestisce (più immobili o rapporti finanziari, quadri per prestazioni specifiche, dati di sottoscrizione): rettificarla qui li perderebbe. Rivolgiti a un CAF, che può rettificarla per intero."
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    m.rettifica_di = protocollo.to_string();
    let adesso = adesso();
    m.data = adesso.date_naive().format("%d/%m/%Y").to_string();
    crea(&k, &c, &m, adesso).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(a: i32, m: u32, g: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(a, m, g).unwrap()
    }

    #[test]
    fn nascita_dal_codice() {
        let oggi = d(2026, 12, 3);
        assert_eq!(nascita_da_cf("RSSMRA85M01H199H", oggi), Some(d(1985, 8, 1)));
        assert_eq!(
            nascita_da_cf("BNCLRA88R45H199W", oggi),
            Some(d(1988, 10, 5))
        );
        assert_eq!(
            nascita_da_cf("RSSSRA24C50H199R", oggi),
            Some(d(2024, 3, 10))
        );
        // Omocodia: digits replaced by letters.
        assert_eq!(nascita_da_cf("RSSMRAURMLMH199H", oggi), Some(d(1985, 8, 1)));
        for cattivo in [
            "",
            "RSSMRA85M01H199",
            "RSSMRA85Z01H199H",
            "RSSMRA85B31H199H",
        ] {
            assert_eq!(nascita_da_cf(cattivo, oggi), None, "{cattivo}");
        }
    }

    #[test]
    fn ogni_campo_in_un_passo() {
        for (nome, _) in CAMPI_COMPONENTE {
            let p = Passo::del_campo(&crate::simulatore::id_campo(3, nome));
            assert!(p.campi_componente().contains(nome), "{nome} in {p:?}");
        }
        for g in ["comune", "titolo", "canone"] {
            assert!(Passo::del_campo(g).campi_generali().contains(&g));
        }
        assert_eq!(Passo::del_campo("data"), Passo::Nucleo);
        assert_eq!(Passo::Nucleo.precedente(), None);
        assert_eq!(Passo::Casa.successivo(), Some(Passo::Riepilogo));
    }

    #[test]
    fn applica_tocca_solo_il_suo_passo() {
        let mut m = Modulo::nuovo(d(2026, 12, 3));
        m.componenti[0].dipendente = "1000".into();
        let coppie: Vec<(String, String)> = [
            ("n", "2"),
            ("c0_cognome", "Rossi"),
            ("c0_dipendente", "99"),
            ("c1_cf", "bnclra88r45h199w"),
            ("titolo", "locazione"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        applica(&mut m, Passo::Nucleo, &coppie);
        assert_eq!(m.componenti.len(), 2);
        assert_eq!(m.componenti[0].cognome, "Rossi");
        assert_eq!(m.componenti[1].cf, "BNCLRA88R45H199W");
        assert_eq!(m.componenti[1].rapporto, "F", "a new row is a child");
        assert_eq!(
            m.componenti[0].dipendente, "1000",
            "another step's field is kept"
        );
        assert_eq!(m.titolo, "proprieta");
        // The patrimonio step: an unticked checkbox is unticked.
        m.componenti[0].casa = true;
        applica(&mut m, Passo::Patrimonio, &coppie);
        assert!(!m.componenti[0].casa);
        assert_eq!(m.componenti[0].cognome, "Rossi");
    }
}

//! The citizen's DSUs: "Le mie DSU" (every DSU and ISEE corrente module listing the
//! signed-in citizen's fiscal code, with its state, validity and notes), the
//! attestation as INPS shows it with "come è stato calcolato" under each line, and its
//! PDF; for the declarant only, what the DSU declares member by member.
//!
//! Who sees what is the register's rule ([`isee_registro::Vista`]): the declarant the
//! DSU and the attestation, every other member the attestation only; a protocol that
//! does not list the citizen answers the same 404 page as an unknown one. Every read is
//! logged (`portale::letture`: account id, operation, protocol), and so is every
//! refused one, without fiscal codes in clear.

// The helpers below return the page to answer instead as their error: one response per
// request, built on the unhappy path only, so its size does not matter.
#![allow(clippy::result_large_err)]

use crate::accesso::{errore_interno, vai};
use crate::{Contesto, Layout, Portale, pagina, pagina_non_trovata};
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use isee_core::attestazione::{Attestazione, EsitoIndicatore};
use isee_core::codice_fiscale::CodiceFiscale;
use isee_core::report::{euro, numero};
use isee_registro::registrazione::{Registrazione, StatoDsu, TipoRegistrazione};
use isee_registro::{ErroreRegistro, Fascicolo, Protocollo, RegistroDsu, StoreOmissioni, Vista};
use isee_utenti::SessioneAttiva;
use std::sync::Arc;

/// The register the portal reads.
pub type Registro = RegistroDsu<isee_registro::StoreSql>;

/// Through which pages a DSU is read: "Le mie DSU" (a citizen, as a member of the
/// nucleus) or the CAF's pages (an operator, as the CAF: what it filed or holds a
/// mandate for, the register's sender rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Canale {
    Cittadino,
    Caf,
}

impl Canale {
    /// The channel of a route: the CAF's pages or "Le mie DSU".
    const fn di(caf: bool) -> Canale {
        if caf { Canale::Caf } else { Canale::Cittadino }
    }

    fn base(self) -> &'static str {
        match self {
            Canale::Cittadino => "/le-mie-dsu",
            Canale::Caf => "/caf/dsu",
        }
    }

    fn elenco(self) -> &'static str {
        match self {
            Canale::Cittadino => "Le mie DSU",
            Canale::Caf => "Le DSU del CAF",
        }
    }
}

/// What the CAF's pages need: the signed-in operator's session, the CAF's code and the
/// register; otherwise the answer to give instead (403 for any other profile).
pub(crate) fn operatore<'p, 'c>(
    p: &'p Portale,
    c: &'c Contesto,
) -> Result<(&'c SessioneAttiva, &'c str, &'p Registro), Response> {
    let Some(registro) = p.registro.as_deref() else {
        return Err(pagina_non_trovata(c));
    };
    let Some(a) = &c.attiva else {
        return Err(vai("/accedi"));
    };
    match (&a.utente.ruolo, a.utente.codice_caf.as_deref()) {
        (isee_utenti::Ruolo::OperatoreCaf, Some(caf)) if !caf.is_empty() => Ok((a, caf, registro)),
        _ => Err(pagina(
            &crate::accesso::Messaggio {
                l: Layout::new("Area CAF", "caf", c),
                titolo: "Area CAF",
                testo: "Queste pagine sono per gli operatori dei CAF: il tuo profilo non ha un codice CAF.".into(),
            },
            StatusCode::FORBIDDEN,
        )),
    }
}

/// What "Le mie DSU" needs: the signed-in citizen's session, fiscal code and the
/// register; otherwise the answer to give instead.
fn cittadino<'p, 'c>(
    p: &'p Portale,
    c: &'c Contesto,
) -> Result<(&'c SessioneAttiva, &'c CodiceFiscale, &'p Registro), Response> {
    let Some(registro) = p.registro.as_deref() else {
        return Err(pagina_non_trovata(c));
    };
    let Some(a) = &c.attiva else {
        return Err(vai("/accedi"));
    };
    match &a.utente.codice_fiscale {
        Some(cf) => Ok((a, cf, registro)),
        None => Err(pagina(
            &SenzaCodice {
                l: Layout::new("Le mie DSU", "dsu", c),
            },
            StatusCode::FORBIDDEN,
        )),
    }
}

#[derive(Template)]
#[template(path = "senza_codice.html")]
struct SenzaCodice {
    l: Layout,
}

fn nome_stato(s: StatoDsu) -> &'static str {
    match s {
        StatoDsu::Attiva => "Attiva",
        StatoDsu::Rettificata => "Rettificata",
        StatoDsu::Sostituita => "Sostituita",
        StatoDsu::Annullata => "Annullata",
    }
}

fn nome_tipo(t: TipoRegistrazione) -> &'static str {
    match t {
        TipoRegistrazione::Dsu => "DSU",
        TipoRegistrazione::Corrente => "ISEE corrente",
    }
}

fn nome_vista(v: Vista) -> &'static str {
    match v {
        Vista::Dichiarante => "Dichiarante",
        Vista::Componente => "Componente del nucleo",
    }
}

fn data(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// One row of "Le mie DSU".
struct Voce {
    protocollo: String,
    tipo: &'static str,
    presentata: String,
    stato: &'static str,
    attiva: bool,
    validita: String,
    /// The first computed indicator (the ordinario where there is one).
    isee: String,
    vista: &'static str,
    note: usize,
}

#[derive(Template)]
#[template(path = "le_mie_dsu.html")]
struct LeMieDsu {
    l: Layout,
    voci: Vec<Voce>,
}

fn registra_lettura(a: &SessioneAttiva, operazione: &str, protocolli: &str) {
    tracing::info!(
        target: "portale::letture",
        utente = %a.utente.id,
        operazione,
        protocolli,
        "lettura del cittadino"
    );
}

pub(crate) async fn elenco(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
) -> Response {
    let (a, cf, registro) = match cittadino(&p, &c) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let righe = match registro.del_cittadino(cf).await {
        Ok(r) => r,
        Err(e) => return errore_interno(&c, &e),
    };
    let mut voci = Vec::with_capacity(righe.len());
    // The newest first, as a citizen looks for it.
    for (r, vista) in righe.into_iter().rev() {
        let note = match registro.store().annotazioni(&r.protocollo).await {
            Ok(n) => n.len(),
            Err(e) => return errore_interno(&c, &e),
        };
        voci.push(Voce {
            protocollo: r.protocollo.to_string(),
            tipo: nome_tipo(r.tipo),
            presentata: data(r.data_presentazione),
            stato: nome_stato(r.stato),
            attiva: r.stato == StatoDsu::Attiva,
            validita: format!("dal {} al {}", data(r.validita.dal), data(r.validita.al)),
            isee: r
                .indicatori
                .iter()
                .find_map(|i| i.valori.as_ref())
                .map_or_else(
                    || "non calcolabile".into(),
                    |v| format!("{} €", euro(v.isee)),
                ),
            vista: nome_vista(vista),
            note,
        });
    }
    let elenco: Vec<&str> = voci.iter().map(|v| v.protocollo.as_str()).collect();
    registra_lettura(a, "le_mie_dsu", &elenco.join(" "));
    pagina(
        &LeMieDsu {
            l: Layout::new("Le mie DSU", "dsu", &c),
            voci,
        },
        StatusCode::OK,
    )
}

/// The row `testo` names, as the citizen (or the CAF) may see it; or the page to
/// answer instead (404 for unknown, unreadable and malformed alike). The read is
/// logged.
async fn riga<'a>(
    p: &'a Portale,
    c: &Contesto,
    testo: &str,
    operazione: &str,
    canale: Canale,
) -> Result<(Registrazione, Vista, &'a Registro), Response> {
    let (a, chi, registro) = match canale {
        Canale::Cittadino => {
            let (a, cf, registro) = cittadino(p, c)?;
            (a, Ok(cf), registro)
        }
        Canale::Caf => {
            let (a, caf, registro) = operatore(p, c)?;
            (a, Err(caf), registro)
        }
    };
    let Ok(protocollo) = testo.parse::<Protocollo>() else {
        tracing::warn!(target: "portale::letture", utente = %a.utente.id, operazione, "protocollo non valido nell'indirizzo");
        return Err(pagina_non_trovata(c));
    };
    let letta = match chi {
        Ok(cf) => registro.per_cittadino(cf, &protocollo).await,
        // The CAF reads as the register's sender: what it filed, or holds a mandate
        // for; the DSU's data with it.
        Err(caf) => registro
            .consulta(
                &isee_registro::Chiamante::mittente(caf),
                &protocollo,
                operazione,
            )
            .await
            .map(|r| (r, Vista::Dichiarante)),
    };
    let (r, vista) = match letta {
        Ok(x) => x,
        Err(ErroreRegistro::ProtocolloSconosciuto(_)) => {
            tracing::warn!(
                target: "portale::letture",
                utente = %a.utente.id,
                operazione,
                protocollo = %protocollo,
                "DSU non consultabile dal cittadino: rifiutata"
            );
            return Err(pagina_non_trovata(c));
        }
        Err(e) => return Err(errore_interno(c, &e)),
    };
    registra_lettura(a, operazione, &protocollo.to_string());
    Ok((r, vista, registro))
}

/// [`riga`] with its dossier (the DSU validated again, the notes).
async fn leggi(
    p: &Portale,
    c: &Contesto,
    testo: &str,
    operazione: &str,
    canale: Canale,
) -> Result<(Fascicolo, Vista), Response> {
    let (r, vista, registro) = riga(p, c, testo, operazione, canale).await?;
    match registro.fascicolo(r).await {
        Ok(f) => Ok((f, vista)),
        Err(e) => Err(errore_interno(c, &e)),
    }
}

struct PassoPagina {
    descrizione: String,
    voci: String,
    risultato: String,
    riferimento: String,
    parametri: Vec<String>,
}

struct RigaPagina {
    etichetta: &'static str,
    valore: String,
    totale: bool,
    passi: Vec<PassoPagina>,
}

struct IndicatorePagina {
    titolo: String,
    nota: String,
    righe: Vec<RigaPagina>,
    aggiuntive: Vec<String>,
    non_calcolabile: Option<String>,
}

struct Componente {
    relazione: &'static str,
    nome: String,
    codice_fiscale: String,
}

/// What the DSU declares for one member (shown to the declarant only).
struct Dichiarato {
    nome: String,
    reddito: String,
    lavoro_dipendente: String,
    pensione: String,
    rapporti: usize,
    saldi: String,
    immobili: usize,
}

#[derive(Template)]
#[template(path = "attestazione.html")]
struct PaginaAttestazione {
    l: Layout,
    /// Where the list and the downloads are ("/le-mie-dsu", "/caf/dsu").
    base: &'static str,
    elenco: &'static str,
    /// Just filed by the wizard.
    appena_presentata: bool,
    protocollo: String,
    protocollo_mittente: Option<String>,
    tipo: &'static str,
    stato: &'static str,
    presentata: String,
    rilascio: String,
    vista: &'static str,
    vede_dsu: bool,
    /// The DSU is in force and the reader its declarant (or the CAF): "Rettifica".
    rettificabile: bool,
    nucleo: Vec<Componente>,
    dichiarato: Vec<Dichiarato>,
    indicatori: Vec<IndicatorePagina>,
    note: Vec<(String, &'static str, String)>,
}

fn passi(e: &isee_core::calcolo::Esito, chiave: &str) -> Vec<PassoPagina> {
    isee_stampa::passi_per_riga(e, chiave)
        .into_iter()
        .map(|p| PassoPagina {
            descrizione: match &p.componente {
                Some(cf) => format!("{} [{cf}]", p.descrizione),
                None => p.descrizione.clone(),
            },
            voci: p
                .voci
                .iter()
                .map(|v| format!("{}: {}", v.nome.replace('_', " "), numero(v.valore)))
                .collect::<Vec<_>>()
                .join("; "),
            risultato: numero(p.risultato),
            riferimento: p.riferimento.to_string(),
            parametri: p
                .parametri
                .iter()
                .map(|f| {
                    format!(
                        "{} = {} dal {} — {}",
                        f.nome,
                        f.valore,
                        data(f.dal),
                        f.fonte
                    )
                })
                .collect(),
        })
        .collect()
}

fn indicatori(att: &Attestazione) -> Vec<IndicatorePagina> {
    att.indicatori
        .iter()
        .map(|i| match &i.esito {
            EsitoIndicatore::Calcolato(e) => IndicatorePagina {
                titolo: isee_stampa::titolo(e),
                nota: format!(
                    "Valido dal {} al {}. Redditi dell'anno {}, patrimonio al 31/12/{}.",
                    data(e.validita.dal),
                    data(e.validita.al),
                    e.anno_redditi,
                    e.anno_patrimonio
                ),
                righe: isee_stampa::righe(e)
                    .into_iter()
                    .map(|(chiave, etichetta, valore, totale)| RigaPagina {
                        etichetta,
                        valore,
                        totale,
                        passi: passi(e, chiave),
                    })
                    .collect(),
                aggiuntive: e
                    .componenti_aggiuntive
                    .iter()
                    .map(|a| {
                        format!(
                            "Componente aggiuntiva per {}: {} €",
                            a.codice_fiscale,
                            euro(a.importo)
                        )
                    })
                    .chain(
                        e.neutralizzazioni
                            .iter()
                            .map(|n| format!("{}: − {} €", n.descrizione, euro(n.riduzione_isee))),
                    )
                    .collect(),
                non_calcolabile: None,
            },
            EsitoIndicatore::NonCalcolabile(m) => IndicatorePagina {
                titolo: i.richiesta.tipo.etichetta().to_string(),
                nota: String::new(),
                righe: Vec::new(),
                aggiuntive: Vec::new(),
                non_calcolabile: Some(m.clone()),
            },
        })
        .collect()
}

fn nome_di(m: &isee_core::dsu::Componente) -> String {
    format!(
        "{} {}",
        m.cognome.as_deref().unwrap_or(""),
        m.nome.as_deref().unwrap_or("")
    )
    .trim()
    .to_string()
}

fn dichiarato(dsu: &isee_core::Dsu) -> Vec<Dichiarato> {
    dsu.componenti
        .iter()
        .map(|m| Dichiarato {
            nome: nome_di(m),
            reddito: euro(m.redditi.reddito_complessivo.valore()),
            lavoro_dipendente: euro(m.redditi.di_cui_lavoro_dipendente.valore()),
            pensione: euro(m.redditi.di_cui_pensione.valore()),
            rapporti: m.patrimonio_mobiliare.len(),
            saldi: euro(
                m.patrimonio_mobiliare
                    .iter()
                    .map(|r| r.saldo_31_12.valore())
                    .sum(),
            ),
            immobili: m.patrimonio_immobiliare.len(),
        })
        .collect()
}

fn note(f: &Fascicolo) -> Vec<isee_stampa::Annotazione> {
    f.annotazioni
        .iter()
        .map(|a| isee_stampa::Annotazione {
            codice_fiscale: a.codice_fiscale.as_str().to_string(),
            tipo: a.tipo.nome().to_string(),
            specifiche: a.specifiche(),
        })
        .collect()
}

/// `?presentata=1`: the wizard has just filed the DSU (the page says so).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct Arrivo {
    presentata: Option<String>,
}

/// The attestation page; `CAF` picks the channel (the route says which).
pub(crate) async fn attestazione<const CAF: bool>(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    Path(testo): Path<String>,
    Query(q): Query<Arrivo>,
) -> Response {
    let (p, c, testo, canale) = (&*p, &c, testo.as_str(), Canale::di(CAF));
    let presentata = q.presentata.is_some();
    let (f, vista) = match leggi(p, c, testo, "attestazione", canale).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let att = isee_stampa::attestazione_con_traccia(&p.motore, &f.dsu);
    let r: &Registrazione = &f.registrazione;
    let modello = PaginaAttestazione {
        l: Layout::new(
            "Attestazione ISEE",
            if canale == Canale::Caf { "caf" } else { "dsu" },
            c,
        ),
        base: canale.base(),
        elenco: canale.elenco(),
        appena_presentata: presentata,
        protocollo: r.protocollo.to_string(),
        protocollo_mittente: r.protocollo_mittente.clone(),
        tipo: nome_tipo(r.tipo),
        stato: nome_stato(r.stato),
        presentata: data(r.data_presentazione),
        rilascio: data(f.data_rilascio()),
        vista: nome_vista(vista),
        vede_dsu: vista.vede_dsu(),
        rettificabile: vista.vede_dsu() && r.stato == StatoDsu::Attiva,
        nucleo: f
            .dsu
            .dsu()
            .componenti
            .iter()
            .map(|m| Componente {
                relazione: isee_stampa::relazione(m.rapporto),
                nome: nome_di(m),
                codice_fiscale: m.codice_fiscale.as_str().to_string(),
            })
            .collect(),
        dichiarato: if vista.vede_dsu() {
            dichiarato(f.dsu.dsu())
        } else {
            Vec::new()
        },
        indicatori: indicatori(&att),
        note: f
            .annotazioni
            .iter()
            .map(|a| {
                (
                    a.codice_fiscale.as_str().to_string(),
                    a.tipo.nome(),
                    a.specifiche(),
                )
            })
            .collect(),
    };
    pagina(&modello, StatusCode::OK)
}

/// A download: its type, a file name that names the protocol, no caching by proxies.
fn scaricamento(tipo: &'static str, nome: String, corpo: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, tipo.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{nome}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        corpo,
    )
        .into_response()
}

pub(crate) async fn attestazione_pdf<const CAF: bool>(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    Path(testo): Path<String>,
) -> Response {
    let (p, c, testo, canale) = (&*p, &c, testo.as_str(), Canale::di(CAF));
    let (f, _) = match leggi(p, c, testo, "attestazione_pdf", canale).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let att = isee_stampa::attestazione_con_traccia(&p.motore, &f.dsu);
    let protocollo = f.registrazione.protocollo.to_string();
    let note = note(&f);
    let int = isee_stampa::Intestazione {
        protocollo: Some(&protocollo),
        protocollo_mittente: f.registrazione.protocollo_mittente.as_deref(),
        data_rilascio: f.data_rilascio(),
        annotazioni: &note,
    };
    match isee_stampa::pdf::attestazione(f.dsu.dsu(), &att, &int) {
        Ok(pdf) => scaricamento(
            "application/pdf",
            format!("attestazione-isee-{protocollo}.pdf"),
            pdf,
        ),
        Err(e) => errore_interno(c, &e),
    }
}

/// The filing receipt: the declarant only (it is the declarant's filing), or the CAF.
pub(crate) async fn ricevuta_pdf<const CAF: bool>(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    Path(testo): Path<String>,
) -> Response {
    let (p, c, testo, canale) = (&*p, &c, testo.as_str(), Canale::di(CAF));
    let (r, vista, registro) = match riga(p, c, testo, "ricevuta_pdf", canale).await {
        Ok(x) => x,
        Err(risposta) => return risposta,
    };
    if !vista.vede_dsu() {
        tracing::warn!(
            target: "portale::letture",
            protocollo = %r.protocollo,
            "ricevuta chiesta da un componente che non è il dichiarante: rifiutata"
        );
        return pagina_non_trovata(c);
    }
    let dsu = match registro.dsu_registrata(&r).await {
        Ok(d) => d,
        Err(e) => return errore_interno(c, &e),
    };
    let protocollo = r.protocollo.to_string();
    let dati = isee_stampa::pdf::DatiRicevuta {
        protocollo: &protocollo,
        protocollo_mittente: r.protocollo_mittente.as_deref(),
        mittente: &r.mittente,
        operazione: &r.descrizione_operazione(),
        valida_dal: r.validita.dal,
        valida_al: r.validita.al,
        registrata_il: r.registrata_il_data(),
    };
    match isee_stampa::pdf::ricevuta(&dsu, &dati) {
        Ok(pdf) => scaricamento(
            "application/pdf",
            format!("ricevuta-dsu-{protocollo}.pdf"),
            pdf,
        ),
        Err(e) => errore_interno(c, &e),
    }
}

/// One of the citizen's mandates, as "I miei mandati" shows it.
struct VoceMandato {
    caf: String,
    ambito: &'static str,
    scadenza: String,
    stato: &'static str,
    in_vigore: bool,
}

#[derive(Template)]
#[template(path = "i_miei_mandati.html")]
struct IMieiMandati {
    l: Layout,
    voci: Vec<VoceMandato>,
    revocato: Option<String>,
}

async fn pagina_mandati(
    c: &Contesto,
    cf: &CodiceFiscale,
    registro: &Registro,
    revocato: Option<String>,
) -> Response {
    let mandati = match registro.mandati(cf).await {
        Ok(m) => m,
        Err(e) => return errore_interno(c, &e),
    };
    let oggi = crate::accesso::adesso().date_naive();
    let voci = mandati
        .iter()
        .map(|m| VoceMandato {
            caf: m.mittente.clone(),
            ambito: match m.ambito {
                isee_registro::Ambito::Lettura => "Consultare le DSU",
                isee_registro::Ambito::Presentazione => "Presentare e consultare le DSU",
            },
            scadenza: data(m.scadenza),
            stato: if m.revocato_il.is_some() {
                "Revocato"
            } else if m.in_vigore(oggi) {
                "In vigore"
            } else {
                "Scaduto"
            },
            in_vigore: m.in_vigore(oggi),
        })
        .collect();
    pagina(
        &IMieiMandati {
            l: Layout::new("I miei mandati ai CAF", "dsu", c),
            voci,
            revocato,
        },
        StatusCode::OK,
    )
}

/// "I miei mandati": the mandates the signed-in citizen gave as declarant, with their
/// scope, last day and state, each in force one revocable here.
pub(crate) async fn mandati(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
) -> Response {
    let (a, cf, registro) = match cittadino(&p, &c) {
        Ok(x) => x,
        Err(r) => return r,
    };
    registra_lettura(a, "i_miei_mandati", "");
    pagina_mandati(&c, cf, registro, None).await
}

/// Revokes the citizen's mandate to the CAF named in the body (`caf`): from now on it
/// gives that CAF nothing.
pub(crate) async fn revoca_mandato(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    h: axum::http::HeaderMap,
    axum::extract::Form(coppie): axum::extract::Form<Vec<(String, String)>>,
) -> Response {
    if !crate::accesso::richiesta_valida(&p, &c, &h, &coppie) {
        return crate::accesso::rifiuto(&c);
    }
    let (a, cf, registro) = match cittadino(&p, &c) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let caf = crate::accesso::valore(&coppie, "caf");
    match registro.revoca_mandato(caf, cf).await {
        Ok(m) => {
            tracing::info!(target: "portale::letture", utente = %a.utente.id, caf = %m.mittente, "mandato revocato dal dichiarante");
            let testo = format!("Il mandato al CAF {} è revocato.", m.mittente);
            pagina_mandati(&c, cf, registro, Some(testo)).await
        }
        Err(ErroreRegistro::MandatoSconosciuto { .. }) => pagina_non_trovata(&c),
        Err(e) => errore_interno(&c, &e),
    }
}

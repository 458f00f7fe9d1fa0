//! The CAF's pages, for a signed-in CAF operator, acting as the CAF (the account's CAF
//! code is the register's sender):
//!
//! * **Le DSU del CAF** (`/caf`): the DSUs the CAF filed in a month, newest first, with
//!   their state and ISEE, narrowed by the declarant's fiscal code (sent in the body of
//!   a POST, never in the address) or by state; each opens the attestation as the CAF
//!   may read it (`/caf/dsu/{protocollo}`, with the attestation's and the receipt's
//!   PDF: [`crate::dsu`]).
//! * **Resoconto mensile** (`/caf/resoconto`): the month's DSUs by nucleus size, the
//!   basis of the CAF's fee bands.
//! * **Mandati** (`/caf/mandati`): records the mandate a declarant signed at the CAF
//!   (scope and last day), which the wizard requires to file for that declarant
//!   (docs/SCELTE.md §22).
//!
//! Every page is the register's sender rule: the CAF sees what it filed, or holds a
//! mandate for; every read is logged (`portale::letture`).

#![allow(clippy::result_large_err)]

use crate::accesso::{errore_interno, richiesta_valida, rifiuto, valore};
use crate::dsu::operatore;
use crate::simulatore::leggi_data;
use crate::{Contesto, Layout, Portale, pagina};
use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use isee_core::codice_fiscale::CodiceFiscale;
use isee_core::report::euro;
use isee_registro::registrazione::StatoDsu;
use isee_registro::{Ambito, ErroreRegistro, StoreDsu};
use serde::Deserialize;
use std::sync::Arc;

/// The most rows the month's list shows.
pub const MAX_RIGHE: u32 = 500;

/// A calendar month (`aaaa-mm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mese(pub NaiveDate);

impl Mese {
    pub fn di(d: NaiveDate) -> Mese {
        Mese(d.with_day(1).unwrap_or(d))
    }

    /// `aaaa-mm`; `None` for anything else.
    pub fn leggi(s: &str) -> Option<Mese> {
        let (a, m) = s.trim().split_once('-')?;
        if a.len() != 4 || m.len() != 2 {
            return None;
        }
        NaiveDate::from_ymd_opt(a.parse().ok()?, m.parse().ok()?, 1).map(Mese)
    }

    pub fn successivo(self) -> Mese {
        Mese(
            self.0
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(self.0),
        )
    }

    pub fn precedente(self) -> Mese {
        Mese(
            self.0
                .checked_sub_months(chrono::Months::new(1))
                .unwrap_or(self.0),
        )
    }

    /// `[first instant, first instant of the next month)` in unix microseconds (UTC).
    pub fn intervallo(self) -> (i64, i64) {
        let us = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .unwrap_or_default()
                .and_utc()
                .timestamp_micros()
        };
        (us(self.0), us(self.successivo().0))
    }

    pub fn codice(self) -> String {
        self.0.format("%Y-%m").to_string()
    }

    pub fn nome(self) -> String {
        const MESI: [&str; 12] = [
            "gennaio",
            "febbraio",
            "marzo",
            "aprile",
            "maggio",
            "giugno",
            "luglio",
            "agosto",
            "settembre",
            "ottobre",
            "novembre",
            "dicembre",
        ];
        format!("{} {}", MESI[self.0.month0() as usize], self.0.year())
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Scelta {
    mese: Option<String>,
    stato: Option<String>,
}

fn mese_scelto(s: Option<&str>) -> Mese {
    s.and_then(Mese::leggi)
        .unwrap_or_else(|| Mese::di(crate::accesso::adesso().date_naive()))
}

fn nome_stato(s: StatoDsu) -> &'static str {
    match s {
        StatoDsu::Attiva => "attiva",
        StatoDsu::Rettificata => "rettificata",
        StatoDsu::Sostituita => "sostituita",
        StatoDsu::Annullata => "annullata",
    }
}

struct VoceCaf {
    protocollo: String,
    dichiarante: String,
    operazione: String,
    presentata: String,
    stato: &'static str,
    attiva: bool,
    isee: String,
}

#[derive(Template)]
#[template(path = "caf.html")]
struct PaginaCaf {
    l: Layout,
    caf: String,
    mese: String,
    nome_mese: String,
    prima: String,
    dopo: String,
    stato: String,
    cf: String,
    voci: Vec<VoceCaf>,
    troncato: bool,
}

pub(crate) async fn elenco(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    Query(q): Query<Scelta>,
) -> Response {
    let mese = mese_scelto(q.mese.as_deref());
    pagina_elenco(&p, &c, mese, q.stato.unwrap_or_default(), String::new()).await
}

/// The search by the declarant's fiscal code: a POST, so that the code is not in the
/// address (nor in the proxies' logs).
pub(crate) async fn cerca(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    h: HeaderMap,
    Form(coppie): Form<Vec<(String, String)>>,
) -> Response {
    if !richiesta_valida(&p, &c, &h, &coppie) {
        return rifiuto(&c);
    }
    let mese = mese_scelto(Some(valore(&coppie, "mese")));
    let cf: String = valore(&coppie, "cf")
        .trim()
        .to_uppercase()
        .chars()
        .take(16)
        .collect();
    pagina_elenco(&p, &c, mese, valore(&coppie, "stato").to_string(), cf).await
}

async fn pagina_elenco(
    p: &Portale,
    c: &Contesto,
    mese: Mese,
    stato: String,
    cf: String,
) -> Response {
    let (a, caf, registro) = match operatore(p, c) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (dal, al) = mese.intervallo();
    let righe = match registro.store().del_mittente(caf, dal, al, MAX_RIGHE).await {
        Ok(r) => r,
        Err(e) => return errore_interno(c, &e),
    };
    let troncato = righe.len() >= MAX_RIGHE as usize;
    let voci: Vec<VoceCaf> = righe
        .iter()
        .filter(|r| stato.is_empty() || nome_stato(r.stato) == stato)
        .filter(|r| cf.is_empty() || r.cf_dichiarante.as_str() == cf)
        .map(|r| VoceCaf {
            protocollo: r.protocollo.to_string(),
            dichiarante: r.cf_dichiarante.as_str().to_string(),
            operazione: r.descrizione_operazione(),
            presentata: r.data_presentazione.format("%d/%m/%Y").to_string(),
            stato: nome_stato(r.stato),
            attiva: r.stato == StatoDsu::Attiva,
            isee: r
                .indicatori
                .iter()
                .find_map(|i| i.valori.as_ref())
                .map_or_else(
                    || "non calcolabile".into(),
                    |v| format!("{} €", euro(v.isee)),
                ),
        })
        .collect();
    let elenco: Vec<&str> = voci.iter().map(|v| v.protocollo.as_str()).collect();
    tracing::info!(
        target: "portale::letture",
        utente = %a.utente.id,
        caf,
        operazione = "dsu_del_caf",
        mese = %mese.codice(),
        ricerca_per_cf = !cf.is_empty(),
        protocolli = %elenco.join(" "),
        "lettura del CAF"
    );
    pagina(
        &PaginaCaf {
            l: Layout::new("Le DSU del CAF", "caf", c),
            caf: caf.to_string(),
            mese: mese.codice(),
            nome_mese: mese.nome(),
            prima: mese.precedente().codice(),
            dopo: mese.successivo().codice(),
            stato,
            cf,
            voci,
            troncato,
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "caf_resoconto.html")]
struct Resoconto {
    l: Layout,
    caf: String,
    nome_mese: String,
    prima: String,
    dopo: String,
    /// (members, DSUs)
    righe: Vec<(u32, u64)>,
    totale: u64,
}

pub(crate) async fn resoconto(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    Query(q): Query<Scelta>,
) -> Response {
    let (a, caf, registro) = match operatore(&p, &c) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mese = mese_scelto(q.mese.as_deref());
    let (dal, al) = mese.intervallo();
    let righe = match registro.store().conteggio_per_nucleo(caf, dal, al).await {
        Ok(r) => r,
        Err(e) => return errore_interno(&c, &e),
    };
    tracing::info!(target: "portale::letture", utente = %a.utente.id, caf, operazione = "resoconto", mese = %mese.codice(), "lettura del CAF");
    pagina(
        &Resoconto {
            l: Layout::new("Resoconto mensile del CAF", "caf", &c),
            caf: caf.to_string(),
            nome_mese: mese.nome(),
            prima: mese.precedente().codice(),
            dopo: mese.successivo().codice(),
            totale: righe.iter().map(|(_, n)| n).sum(),
            righe,
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "caf_mandati.html")]
struct Mandati {
    l: Layout,
    caf: String,
    cf: String,
    ambito: String,
    scadenza: String,
    /// (field id, message)
    errori: Vec<(&'static str, String)>,
    registrato: Option<String>,
}

impl Mandati {
    fn errore(&self, campo: &str) -> Option<&str> {
        self.errori
            .iter()
            .find(|(c, _)| *c == campo)
            .map(|(_, m)| m.as_str())
    }
}

pub(crate) async fn mandati(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
) -> Response {
    let caf = match operatore(&p, &c) {
        Ok((_, caf, _)) => caf,
        Err(r) => return r,
    };
    pagina(
        &Mandati {
            l: Layout::new("Mandati al CAF", "caf", &c),
            caf: caf.to_string(),
            cf: String::new(),
            ambito: "presentazione".into(),
            scadenza: String::new(),
            errori: Vec::new(),
            registrato: None,
        },
        StatusCode::OK,
    )
}

/// Records a mandate: every problem of the three fields at once, nothing recorded
/// until all are right.
pub(crate) async fn registra_mandato(
    State(p): State<Arc<Portale>>,
    Extension(c): Extension<Contesto>,
    h: HeaderMap,
    Form(coppie): Form<Vec<(String, String)>>,
) -> Response {
    if !richiesta_valida(&p, &c, &h, &coppie) {
        return rifiuto(&c);
    }
    let (a, caf, registro) = match operatore(&p, &c) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let cf: String = valore(&coppie, "cf")
        .trim()
        .to_uppercase()
        .chars()
        .take(16)
        .collect();
    let ambito_testo = valore(&coppie, "ambito").to_string();
    let scadenza_testo: String = valore(&coppie, "scadenza").chars().take(16).collect();
    let mut errori = Vec::new();
    let codice = CodiceFiscale::new(&cf);
    if let Err(d) = isee_core::codice_fiscale::verifica(&codice) {
        errori.push((
            "cf",
            format!("codice fiscale non valido: {}", d.messaggio()),
        ));
    }
    let ambito = Ambito::da_nome(&ambito_testo);
    if ambito.is_none() {
        errori.push(("ambito", "scegliere che cosa consente il mandato".into()));
    }
    let oggi = crate::accesso::adesso().date_naive();
    let scadenza = leggi_data(&scadenza_testo);
    match scadenza {
        None => errori.push((
            "scadenza",
            "scrivere la data come gg/mm/aaaa, ad esempio 31/12/2027".into(),
        )),
        Some(d) if d < oggi => errori.push(("scadenza", "la scadenza è già passata".into())),
        Some(_) => {}
    }
    let mut modello = Mandati {
        l: Layout::new("Mandati al CAF", "caf", &c),
        caf: caf.to_string(),
        cf,
        ambito: ambito_testo,
        scadenza: scadenza_testo,
        errori: Vec::new(),
        registrato: None,
    };
    let (Some(ambito), Some(scadenza), true) = (ambito, scadenza, errori.is_empty()) else {
        modello.errori = errori;
        return pagina(&modello, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let chi = format!("portale:{}", a.utente.id);
    match registro
        .registra_mandato(caf, codice, ambito, scadenza, &chi)
        .await
    {
        Ok(m) => {
            modello.registrato = Some(format!(
                "Mandato registrato: il dichiarante {} ha dato mandato al CAF {} per {} fino al {}.",
                m.cf_dichiarante.as_str(),
                m.mittente,
                match m.ambito {
                    Ambito::Lettura => "consultare le sue DSU",
                    Ambito::Presentazione => "presentare e consultare le sue DSU",
                },
                m.scadenza.format("%d/%m/%Y")
            ));
            modello.cf.clear();
            modello.scadenza.clear();
            pagina(&modello, StatusCode::OK)
        }
        Err(ErroreRegistro::MandatoNonValido(m)) => {
            modello.errori = vec![("cf", m)];
            pagina(&modello, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => errore_interno(&c, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mesi() {
        let m = Mese::leggi("2026-12").unwrap();
        assert_eq!(m.successivo().codice(), "2027-01");
        assert_eq!(m.precedente().codice(), "2026-11");
        assert_eq!(m.nome(), "dicembre 2026");
        let (dal, al) = m.intervallo();
        assert_eq!(al - dal, 31 * 86_400 * 1_000_000);
        for cattivo in ["2026-13", "2026-1", "26-12", "", "2026-12-01", "aaaa-bb"] {
            assert_eq!(Mese::leggi(cattivo), None, "{cattivo}");
        }
    }
}

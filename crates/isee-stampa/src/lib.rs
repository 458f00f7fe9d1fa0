//! The printable attestation: a self-contained HTML page (no scripts, no external
//! resources) laid out like INPS's "Attestazione ISEE", with, under each indicator,
//! the calculation lines and, behind each line, the trace steps that produced it.
//!
//! Pure function of its input: no I/O, no clock (the issue date is passed in).

#![forbid(unsafe_code)]

use chrono::NaiveDate;
use isee_core::attestazione::{Attestazione, EsitoIndicatore};
use isee_core::calcolo::Esito;
use isee_core::dsu::{Dsu, Rapporto};
use isee_core::report::{euro, numero};
use isee_core::traccia::Passo;
use std::fmt::Write as _;

pub mod pdf;

/// A note printed in the omissioni/difformità table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotazione {
    pub codice_fiscale: String,
    /// `PatrimoniMobiliari`, `RedditiScostamento`…
    pub tipo: String,
    pub specifiche: String,
}

/// What the page needs besides the results.
pub struct Intestazione<'a> {
    pub protocollo: Option<&'a str>,
    pub protocollo_mittente: Option<&'a str>,
    pub data_rilascio: NaiveDate,
    pub annotazioni: &'a [Annotazione],
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STILE: &str = "body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:52rem;margin:2rem auto;color:#111;font-size:11pt}\
h1{font-size:1.3rem;border-bottom:2px solid #06c;padding-bottom:.3rem}h2{font-size:1.1rem;margin-top:2rem;background:#eef3fa;padding:.3rem .5rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}\
td.importo{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}tr.totale td{font-weight:bold;background:#f6f6f6}\
details{margin:.1rem 0}summary{cursor:pointer}ol.traccia{font-size:.85rem;color:#333}ol.traccia li{margin:.3rem 0}\
.rif{color:#555;font-style:italic}.nota{font-size:.85rem;color:#444}@media print{details{display:block}summary{list-style:none}}";

/// A member's relation to the declarant, as the attestation prints it.
pub fn relazione(r: Rapporto) -> &'static str {
    match r {
        Rapporto::D => "Dichiarante",
        Rapporto::C => "Coniuge",
        Rapporto::F => "Figlio/a",
        Rapporto::MA => "Minore in affidamento",
        Rapporto::FC => "Figlio/a del coniuge",
        Rapporto::FNC => "Figlio/a non convivente",
        Rapporto::P => "Altra persona",
        Rapporto::GNC => "Genitore non convivente",
    }
}

/// Which trace steps explain which attestation line (a rule key of [`righe`]): rule
/// identifiers, where a trailing `*` matches a family of rules.
pub fn passi_per_riga<'a>(e: &'a Esito, riga: &str) -> Vec<&'a Passo> {
    let regole: &[&str] = match riga {
        "somma_redditi_componenti" => &["isr.reddito_componente", "corrente.reddito_componente"],
        "reddito_figurativo_patrimonio_mobiliare" => &["isr.reddito_figurativo"],
        "detrazioni" => &[
            "isr.detrazioni_componente",
            "isr.detrazione_locazione",
            "isr.franchigia_disabilita_originaria",
        ],
        "isr" => &["isr"],
        "patrimonio_mobiliare" => &[
            "isp.patrimonio_mobiliare_componente",
            "isp.esclusione_titoli_di_stato",
        ],
        "detrazione_patrimonio_mobiliare" => &["isp.franchigia_mobiliare"],
        "patrimonio_immobiliare" => &["isp.immobile", "isp.immobile_aggiunto"],
        "detrazione_patrimonio_immobiliare" => &["isp.casa_di_abitazione"],
        "isp" => &["isp"],
        "ise" => &["ise"],
        "parametro_nucleo" => &["scala.parametro_nucleo"],
        "maggiorazioni" => &["scala.genitore_non_convivente", "scala.maggiorazioni"],
        "scala_equivalenza" => &["scala.parametro_nucleo", "scala.maggiorazioni"],
        "isee" => &[
            "isee",
            "isee.valore_finale",
            "aggiuntiva.*",
            "art6.*",
            "art7.*",
            "art8.*",
            "corrente.condizion*",
        ],
        _ => &[],
    };
    let corrisponde = |regola: &str, modello: &str| match modello.strip_suffix('*') {
        Some(prefisso) => regola.starts_with(prefisso),
        None => regola == modello,
    };
    e.traccia
        .iter()
        .filter(|p| regole.iter().any(|m| corrisponde(&p.regola, m)))
        .collect()
}

fn traccia(s: &mut String, passi: &[&Passo]) {
    if passi.is_empty() {
        return;
    }
    s.push_str("<details><summary>come è stato calcolato</summary><ol class=\"traccia\">");
    for p in passi {
        let _ = write!(s, "<li>{}", escape(&p.descrizione));
        if let Some(c) = &p.componente {
            let _ = write!(s, " [{}]", escape(c));
        }
        s.push_str("<br>");
        for v in &p.voci {
            let _ = write!(
                s,
                "{}: {}; ",
                escape(&v.nome.replace('_', " ")),
                escape(&numero(v.valore))
            );
        }
        let _ = write!(
            s,
            "<b>risultato {}</b><br><span class=\"rif\">{}</span>",
            escape(&numero(p.risultato)),
            escape(&p.riferimento)
        );
        for f in &p.parametri {
            let _ = write!(
                s,
                "<br><span class=\"rif\">{} = {} dal {} — {} [{}]</span>",
                escape(&f.nome),
                escape(&f.valore),
                f.dal.format("%d/%m/%Y"),
                escape(&f.fonte),
                escape(&f.affidabilita)
            );
        }
        s.push_str("</li>");
    }
    s.push_str("</ol></details>");
}

/// The attestation lines of one indicator, as printed (HTML and PDF share them, so
/// the figures are identical): `(rule key, label, formatted value, is a total)`.
pub fn righe(e: &Esito) -> [(&'static str, &'static str, String, bool); 14] {
    let r = &e.righe;
    [
        (
            "somma_redditi_componenti",
            "Somma dei redditi dei componenti del nucleo",
            euro(r.somma_redditi_componenti),
            false,
        ),
        (
            "reddito_figurativo_patrimonio_mobiliare",
            "Reddito figurativo del patrimonio mobiliare del nucleo",
            euro(r.reddito_figurativo_patrimonio_mobiliare),
            false,
        ),
        (
            "detrazioni",
            "Detrazioni per spese e franchigie del nucleo",
            euro(r.detrazioni),
            false,
        ),
        (
            "isr",
            "ISR — Indicatore della situazione reddituale",
            euro(r.isr),
            true,
        ),
        (
            "patrimonio_mobiliare",
            "Patrimonio mobiliare del nucleo",
            euro(r.patrimonio_mobiliare),
            false,
        ),
        (
            "detrazione_patrimonio_mobiliare",
            "Detrazione patrimonio mobiliare",
            euro(r.detrazione_patrimonio_mobiliare),
            false,
        ),
        (
            "patrimonio_immobiliare",
            "Patrimonio immobiliare del nucleo",
            euro(r.patrimonio_immobiliare),
            false,
        ),
        (
            "detrazione_patrimonio_immobiliare",
            "Detrazione patrimonio immobiliare",
            euro(r.detrazione_patrimonio_immobiliare),
            false,
        ),
        (
            "isp",
            "ISP — Indicatore della situazione patrimoniale",
            euro(r.isp),
            true,
        ),
        (
            "ise",
            "ISE — Indicatore della situazione economica",
            euro(r.ise),
            true,
        ),
        (
            "parametro_nucleo",
            "Parametro per numero componenti",
            format!("{:.2}", r.parametro_nucleo).replace('.', ","),
            false,
        ),
        (
            "maggiorazioni",
            "Eventuali maggiorazioni",
            format!("{:.2}", r.maggiorazioni).replace('.', ","),
            false,
        ),
        (
            "scala_equivalenza",
            "Valore scala di equivalenza",
            format!("{:.2}", r.scala_equivalenza).replace('.', ","),
            true,
        ),
        ("isee", "ISEE", euro(e.isee), true),
    ]
}

fn indicatore(s: &mut String, e: &Esito, titolo: &str) {
    let _ = write!(s, "<h2>{}</h2>", escape(titolo));
    let _ = write!(
        s,
        "<p class=\"nota\">Valido dal {} al {}. Redditi dell'anno {}, patrimonio al 31/12/{}.</p><table>",
        e.validita.dal.format("%d/%m/%Y"),
        e.validita.al.format("%d/%m/%Y"),
        e.anno_redditi,
        e.anno_patrimonio
    );
    for (chiave, etichetta, valore, totale) in righe(e) {
        let _ = write!(
            s,
            "<tr{}><td>{}",
            if totale { " class=\"totale\"" } else { "" },
            escape(etichetta)
        );
        traccia(s, &passi_per_riga(e, chiave));
        let _ = write!(
            s,
            "</td><td class=\"importo\">{}</td></tr>",
            escape(&valore)
        );
    }
    s.push_str("</table>");
    for a in &e.componenti_aggiuntive {
        let _ = write!(
            s,
            "<p>Componente aggiuntiva per {}: {} €.</p>",
            escape(&a.codice_fiscale),
            escape(&euro(a.importo))
        );
    }
    for n in &e.neutralizzazioni {
        let _ = write!(
            s,
            "<p>{}: − {} €.</p>",
            escape(&n.descrizione),
            escape(&euro(n.riduzione_isee))
        );
    }
    let _ = write!(
        s,
        "<p class=\"nota\">Regole in vigore dal {} (parametri {}, motore {}).</p>",
        e.regole_dal.format("%d/%m/%Y"),
        escape(&e.versione_parametri),
        escape(&e.versione_motore)
    );
}

/// An indicator's heading: its type, the 2026 family variant, the beneficiary.
pub fn titolo(e: &Esito) -> String {
    let mut t = e.tipo.etichetta().to_string();
    if e.variante == isee_core::Variante::FamiliareInclusione2026 {
        t = "ISEE per specifiche prestazioni familiari e per l'inclusione".into();
    }
    if let Some(b) = &e.beneficiario {
        t.push_str(&format!(" — beneficiario {}", b.as_str()));
    }
    t
}

/// The whole page. Results must have been computed with the trace for the lines to
/// carry their explanation; without it, the page shows the lines alone.
pub fn pagina(dsu: &Dsu, att: &Attestazione, int: &Intestazione) -> String {
    let mut s = String::with_capacity(32 * 1024);
    s.push_str("<!DOCTYPE html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>Attestazione ISEE</title><style>");
    s.push_str(STILE);
    s.push_str("</style></head><body><h1>Attestazione ISEE</h1><table>");
    let riga = |s: &mut String, k: &str, v: &str| {
        let _ = write!(s, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v));
    };
    if let Some(p) = int.protocollo {
        riga(&mut s, "Numero di protocollo DSU", p);
    }
    if let Some(p) = int.protocollo_mittente {
        riga(&mut s, "Protocollo mittente", p);
    }
    let presentazione = dsu
        .data_presentazione
        .get()
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|| dsu.data_presentazione.to_string());
    riga(&mut s, "Data di presentazione", &presentazione);
    if let Some(d) = dsu.dichiarante() {
        riga(
            &mut s,
            "Codice fiscale del dichiarante",
            d.codice_fiscale.as_str(),
        );
    }
    riga(
        &mut s,
        "Data di rilascio",
        &int.data_rilascio.format("%d/%m/%Y").to_string(),
    );
    s.push_str("</table><h2>Nucleo familiare</h2><table><tr><th>Relazione</th><th>Cognome e nome</th><th>Codice fiscale</th></tr>");
    for c in &dsu.componenti {
        let nome = format!(
            "{} {}",
            c.cognome.as_deref().unwrap_or(""),
            c.nome.as_deref().unwrap_or("")
        )
        .trim()
        .to_string();
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            relazione(c.rapporto),
            escape(&nome),
            escape(c.codice_fiscale.as_str())
        );
    }
    s.push_str("</table>");
    for i in &att.indicatori {
        match &i.esito {
            EsitoIndicatore::Calcolato(e) => indicatore(&mut s, e, &titolo(e)),
            EsitoIndicatore::NonCalcolabile(m) => {
                let _ = write!(
                    s,
                    "<h2>{}</h2><p>Non calcolabile: {}</p>",
                    escape(i.richiesta.tipo.etichetta()),
                    escape(m)
                );
            }
        }
    }
    s.push_str("<h2>Omissioni e difformità</h2>");
    if int.annotazioni.is_empty() {
        s.push_str("<p>Nessuna omissione o difformità rilevata.</p>");
    } else {
        s.push_str("<table><tr><th>Codice fiscale</th><th>Tipologia</th><th>Specifiche</th></tr>");
        for a in int.annotazioni {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&a.codice_fiscale),
                escape(&a.tipo),
                escape(&a.specifiche)
            );
        }
        s.push_str("</table><p class=\"nota\">Le omissioni e difformità non modificano il valore dell'ISEE; l'ente erogatore può chiedere documentazione (DPCM 159/2013, art. 11).</p>");
    }
    s.push_str("</body></html>\n");
    s
}

/// Computes every indicator with its trace (for the page).
pub fn attestazione_con_traccia(
    motore: &isee_core::Motore,
    dsu: &isee_core::DsuValidata,
) -> Attestazione {
    let indicatori = isee_core::attestazione::richieste(motore, dsu)
        .into_iter()
        .map(|richiesta| {
            let esito = match motore.calcola_con_traccia(dsu, &richiesta) {
                Ok(e) => EsitoIndicatore::Calcolato(Box::new(e)),
                Err(e) => EsitoIndicatore::NonCalcolabile(e.to_string()),
            };
            isee_core::attestazione::Indicatore { richiesta, esito }
        })
        .collect();
    Attestazione { indicatori }
}

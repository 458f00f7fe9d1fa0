//! The PS-PSA document of one flow (`PS_PSA_SINA201812.xsd`, namespace
//! `http://inps.it/Casellario`): `Flusso` with `IdentificazioneFlusso` (named after the
//! flow's id, with the ente and its operator) and one `Beneficiario` with one
//! `PrestazioniSociali`, as INPS requires of each flow served through the API.
//!
//! The SINA section (the assessment of a non-self-sufficient person) and SINBA flows
//! are not produced: docs/SIUSS.md.

use crate::ente::Ente;
use crate::prestazione::{
    AreaUtenza, Carattere, Genere, PrestazioneErogata, ProvaMezzi, TipoOperazione,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::fmt::Write as _;

/// The namespace of INPS's SIUSS schemas.
pub const NAMESPACE: &str = "http://inps.it/Casellario";

/// The XML text of the flow `id_flusso` (UTF-8, with its declaration): one
/// beneficiary, one benefit, as each flow served through the API must be.
pub fn documento_ps(ente: &Ente, id_flusso: &str, p: &PrestazioneErogata) -> String {
    documento_ps_multiplo(ente, id_flusso, std::slice::from_ref(p))
}

/// A PS-PSA document with several benefits, for the upload on INPS's web application
/// (the XSD's `Beneficiario` and `PrestazioniSociali` are unbounded there): one
/// `Beneficiario` per fiscal code, in order of first appearance, with each of its
/// benefits; the operator is the first benefit's. `nome` is `IdentificazioneFlusso/@Nome`.
pub fn documento_ps_multiplo(
    ente: &Ente,
    nome: &str,
    prestazioni: &[PrestazioneErogata],
) -> String {
    let mut x = String::with_capacity(1024 + 1024 * prestazioni.len());
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(x, "<Flusso xmlns=\"{NAMESPACE}\">");
    let _ = writeln!(x, "  <IdentificazioneFlusso Nome=\"{}\">", esc(nome));
    let operatore = prestazioni
        .first()
        .map(|p| p.cf_operatore.as_str())
        .unwrap_or_default();
    let _ = writeln!(
        x,
        "    <Ente Codice=\"{}\" Denominazione=\"{}\" Indirizzo=\"{}\" CFOperatore=\"{}\"/>",
        esc(ente.codice()),
        esc(ente.denominazione()),
        esc(ente.codice()),
        esc(operatore)
    );
    x.push_str("  </IdentificazioneFlusso>\n");
    // Grouped by fiscal code in order of first appearance, in linear time.
    let mut indice: HashMap<&str, usize> = HashMap::new();
    let mut gruppi: Vec<Vec<&PrestazioneErogata>> = Vec::new();
    for p in prestazioni {
        let cf = p.beneficiario.codice_fiscale.as_str();
        let i = *indice.entry(cf).or_insert_with(|| {
            gruppi.push(Vec::new());
            gruppi.len() - 1
        });
        gruppi[i].push(p);
    }
    for gruppo in &gruppi {
        beneficiario(&mut x, gruppo[0]);
        for q in gruppo {
            prestazione(&mut x, q);
        }
        x.push_str("  </Beneficiario>\n");
    }
    x.push_str("</Flusso>\n");
    x
}

/// `<Beneficiario …>` with `Anagrafica` and `Indirizzo`, left open.
fn beneficiario(x: &mut String, p: &PrestazioneErogata) {
    let b = &p.beneficiario;
    let _ = writeln!(
        x,
        "  <Beneficiario CodiceFiscale=\"{}\">",
        esc(b.codice_fiscale.as_str())
    );
    let mut a = Attributi::default();
    a.metti("Cognome", &b.cognome);
    a.metti("Nome", &b.nome);
    a.metti("AnnoNascita", &format!("{:04}", b.anno_nascita));
    a.metti("LuogoNascita", &b.luogo_nascita);
    a.metti(
        "Genere",
        match b.genere {
            Genere::Maschio => "1",
            Genere::Femmina => "2",
        },
    );
    a.metti("CodiceCittadinanza", &b.cittadinanza);
    a.opz(
        "CodiceSecondaCittadinanza",
        b.seconda_cittadinanza.as_deref(),
    );
    let _ = writeln!(x, "    <Anagrafica{}/>", a.0);
    let mut a = Attributi::default();
    a.opz("CodiceRegione", b.residenza.regione.as_deref());
    a.opz("CodiceComune", b.residenza.comune.as_deref());
    a.metti("CodiceNazione", &b.residenza.nazione);
    let _ = writeln!(x, "    <Indirizzo{}/>", a.0);
}

/// One `<PrestazioniSociali/>`.
fn prestazione(x: &mut String, p: &PrestazioneErogata) {
    let mut a = Attributi::default();
    a.metti(
        "TipoOperazione",
        match p.tipo_operazione {
            TipoOperazione::Inserimento => "I",
            TipoOperazione::Cancellazione => "C",
        },
    );
    a.metti(
        "PresenzaProvaMezzi",
        match p.prova_mezzi {
            ProvaMezzi::Isee => "1",
            ProvaMezzi::AltraProva => "2",
            ProvaMezzi::IseeEsentato => "3",
            ProvaMezzi::Nessuna => "4",
        },
    );
    a.metti(
        "CaratterePrestazione",
        match p.carattere {
            Carattere::Periodico { .. } => "1",
            Carattere::Occasionale { .. } => "2",
        },
    );
    if let Some(d) = &p.dsu {
        a.metti("NumeroProtocolloDSU", &d.numero_protocollo);
        a.metti("AnnoProtocolloDSU", &format!("{:04}", d.anno_protocollo));
        a.metti("DataDSU", &data(d.data));
    }
    a.metti("CodicePrestazione", &p.codice_prestazione);
    a.metti("DenominazionePrestazione", &p.denominazione_prestazione);
    a.metti("ProtocolloDomanda", &p.protocollo_domanda);
    a.opz("DataEvento", p.data_evento.map(data).as_deref());
    match &p.carattere {
        Carattere::Periodico {
            data_inizio,
            data_fine,
            importo_mensile,
            periodo_erogazione,
        } => {
            a.metti("DataInizioPrestazione", &data(*data_inizio));
            a.opz("DataFinePrestazione", data_fine.map(data).as_deref());
            a.opz(
                "PeriodoErogazione",
                periodo_erogazione.map(|n| n.to_string()).as_deref(),
            );
            a.metti("ImportoMensile", &importo(*importo_mensile));
        }
        Carattere::Occasionale {
            data_erogazione,
            importo: i,
        } => {
            a.metti("DataErogazionePrestazione", &data(*data_erogazione));
            a.metti("ImportoPrestazione", &importo(*i));
        }
    }
    a.opz("ImportoQuotaEnte", p.quote.ente.map(importo).as_deref());
    a.opz("ImportoQuotaUtente", p.quote.utente.map(importo).as_deref());
    a.opz("ImportoQuotaSSN", p.quote.ssn.map(importo).as_deref());
    a.opz(
        "ImportoQuotaRichiesta",
        p.quota_richiesta.map(importo).as_deref(),
    );
    a.opz("ImportoSogliaISEE", p.soglia_isee.map(importo).as_deref());
    a.opz(
        "OreServizioMensile",
        p.ore_servizio_mensile.map(importo).as_deref(),
    );
    a.metti(
        "PresaCarico",
        if p.presa_carico.is_some() { "1" } else { "2" },
    );
    a.opz(
        "AreaUtenza",
        p.presa_carico.map(|a| match a {
            AreaUtenza::FamigliaMinori => "1",
            AreaUtenza::DisabilitaNonAutosufficienza => "2",
            AreaUtenza::PovertaEsclusione => "3",
        }),
    );
    let _ = writeln!(x, "    <PrestazioniSociali{}/>", a.0);
}

fn data(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `xs:decimal`: the amount with its two decimals, never an exponent.
fn importo(d: Decimal) -> String {
    let mut d = d;
    d.rescale(2);
    d.to_string()
}

#[derive(Default)]
struct Attributi(String);

impl Attributi {
    fn metti(&mut self, nome: &str, valore: &str) {
        let _ = write!(self.0, " {nome}=\"{}\"", esc(valore));
    }

    fn opz(&mut self, nome: &str, valore: Option<&str>) {
        if let Some(v) = valore {
            self.metti(nome, v);
        }
    }
}

/// Escapes an attribute value (the five XML specials, and tab/newline as character
/// references so that attribute normalisation keeps them).
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' => o.push_str("&#9;"),
            '\n' => o.push_str("&#10;"),
            '\r' => o.push_str("&#13;"),
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caratteri_speciali_negli_attributi() {
        assert_eq!(esc(r#"A&B "C" <D>"#), "A&amp;B &quot;C&quot; &lt;D&gt;");
    }

    #[test]
    fn importi_con_due_decimali() {
        assert_eq!(importo(Decimal::new(15, 0)), "15.00");
        assert_eq!(importo(Decimal::new(12345, 2)), "123.45");
    }
}

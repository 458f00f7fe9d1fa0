//! ISTAT's *Elenco comuni italiani*: semicolon-separated, Windows-1252 (UTF-8 with or
//! without BOM is accepted too).
//!
//! Headers are matched case-insensitively with whitespace normalised, because ISTAT
//! has changed their capitalisation and wraps some over two lines inside quotes. The
//! capoluogo flag has two known headers: `Flag Comune capoluogo di provincia` (older
//! files) and `Flag Comune capoluogo di provincia/città metropolitana/libero
//! consorzio` (newer); any header starting with the former is taken.

use crate::errore::{Avviso, ErroreImport, Fonte};
use crate::testo::{
    ContaRighe, codice_catastale, codice_istat, decodifica, normalizza_intestazione, separatore,
};
use serde::Serialize;
use std::collections::HashSet;

/// One comune of the ISTAT list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ComuneIstat {
    /// The line of the file (see [`Avviso::riga`]).
    pub riga: usize,
    /// `Codice Comune formato alfanumerico`, six digits.
    pub codice_istat: String,
    /// `Codice Catastale del comune` (Belfiore).
    pub codice_catastale: String,
    /// `Denominazione in italiano`.
    pub denominazione: String,
    /// `Sigla automobilistica` (the province), when the column is there.
    pub sigla_automobilistica: Option<String>,
    /// `Denominazione dell'Unità territoriale sovracomunale`, when the column is there.
    pub unita_sovracomunale: Option<String>,
    /// The ISTAT flag: capoluogo of a provincia, città metropolitana or libero
    /// consorzio (older files: of a provincia).
    pub capoluogo: bool,
}

pub(crate) const CODICE: &str = "Codice Comune formato alfanumerico";
pub(crate) const CATASTALE: &str = "Codice Catastale del comune";
pub(crate) const DENOMINAZIONE: &str = "Denominazione in italiano";
const SIGLA: &str = "Sigla automobilistica";
const UNITA: &str =
    "Denominazione dell'Unità territoriale sovracomunale (valida a fini statistici)";
pub(crate) const FLAG: &str = "Flag Comune capoluogo di provincia";

fn non_leggibile(motivo: impl Into<String>) -> ErroreImport {
    ErroreImport::NonLeggibile {
        fonte: Fonte::Istat,
        motivo: motivo.into(),
    }
}

/// Reads the ISTAT list. A row without a valid code, Belfiore code or name is
/// skipped with an [`Avviso`]; a flag that is not the integer 0 or 1 is reported and
/// the comune kept as *not* capoluogo (the safe side: it denies the certificate
/// services rather than granting them). A repeated ISTAT code keeps the first row.
pub fn leggi_istat(byte: &[u8]) -> Result<(Vec<ComuneIstat>, Vec<Avviso>), ErroreImport> {
    let testo = decodifica(byte);
    if testo.trim().is_empty() {
        return Err(non_leggibile("il file è vuoto"));
    }
    let mut lettore = csv::ReaderBuilder::new()
        .delimiter(separatore(&testo, b';'))
        .flexible(true)
        .has_headers(true)
        .from_reader(testo.as_bytes());
    let intestazione: Vec<String> = lettore
        .headers()
        .map_err(|e| non_leggibile(format!("intestazione CSV: {e}")))?
        .iter()
        .map(normalizza_intestazione)
        .collect();
    let trova = |nome: &str| {
        let cercato = normalizza_intestazione(nome);
        intestazione.iter().position(|h| *h == cercato)
    };
    let flag_breve = normalizza_intestazione(FLAG);
    let flag_lungo = format!("{flag_breve}/");
    let i_flag = intestazione
        .iter()
        .position(|h| *h == flag_breve || h.starts_with(&flag_lungo));
    let (i_codice, i_catastale, i_den) = (trova(CODICE), trova(CATASTALE), trova(DENOMINAZIONE));
    let mancanti: Vec<String> = [
        (CODICE, i_codice),
        (CATASTALE, i_catastale),
        (DENOMINAZIONE, i_den),
        (FLAG, i_flag),
    ]
    .iter()
    .filter(|(_, i)| i.is_none())
    .map(|(n, _)| n.to_string())
    .collect();
    let (Some(i_codice), Some(i_catastale), Some(i_den), Some(i_flag)) =
        (i_codice, i_catastale, i_den, i_flag)
    else {
        return Err(ErroreImport::ColonneMancanti {
            fonte: Fonte::Istat,
            colonne: mancanti,
        });
    };
    let (i_sigla, i_unita) = (trova(SIGLA), trova(UNITA));

    let mut comuni = Vec::new();
    let mut avvisi = Vec::new();
    let mut visti = HashSet::new();
    let mut righe_file = ContaRighe::new(&testo);
    for r in lettore.records() {
        let r = r.map_err(|e| non_leggibile(format!("CSV: {e}")))?;
        let riga = r.position().map_or(0, |p| righe_file.riga(p.byte()));
        // ISTAT files sometimes end with a blank line of semicolons.
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cella = |i: usize| r.get(i).map(str::trim).unwrap_or("");
        let cella_opz =
            |i: Option<usize>| i.map(cella).filter(|s| !s.is_empty()).map(str::to_string);
        let mut avviso = |campo: &str, messaggio: String| {
            avvisi.push(Avviso {
                fonte: Fonte::Istat,
                riga,
                campo: campo.to_string(),
                messaggio,
            })
        };
        let codice = codice_istat(cella(i_codice));
        if codice.is_none() {
            avviso(
                CODICE,
                format!(
                    "«{}» non è un codice ISTAT di comune (6 cifre): comune non importato",
                    cella(i_codice)
                ),
            );
        }
        let catastale = codice_catastale(cella(i_catastale));
        if catastale.is_none() {
            avviso(
                CATASTALE,
                format!(
                    "«{}» non è un codice catastale (una lettera e tre cifre): comune non importato",
                    cella(i_catastale)
                ),
            );
        }
        let denominazione = cella(i_den).to_string();
        if denominazione.is_empty() {
            avviso(
                DENOMINAZIONE,
                "denominazione vuota: comune non importato".into(),
            );
        }
        let (Some(codice), Some(catastale)) = (codice, catastale) else {
            continue;
        };
        if denominazione.is_empty() {
            continue;
        }
        // An integer, never a truthiness test: "0" is a non-empty string.
        let testo_flag = cella(i_flag);
        let capoluogo = match testo_flag.parse::<i64>() {
            Ok(0) => false,
            Ok(1) => true,
            _ => {
                avviso(
                    FLAG,
                    format!(
                        "flag capoluogo «{testo_flag}» non valido (atteso 0 o 1): {denominazione} considerato non capoluogo"
                    ),
                );
                false
            }
        };
        if !visti.insert(codice.clone()) {
            avviso(
                CODICE,
                format!("codice ISTAT {codice} ripetuto: vale la prima riga"),
            );
            continue;
        }
        comuni.push(ComuneIstat {
            riga,
            codice_istat: codice,
            codice_catastale: catastale,
            denominazione,
            sigla_automobilistica: cella_opz(i_sigla),
            unita_sovracomunale: cella_opz(i_unita),
            capoluogo,
        });
    }
    Ok((comuni, avvisi))
}

//! IPA open data: the list of enti (`Enti` dataset on indicepa.gov.it).
//!
//! Two shapes of the same dataset are read:
//! * the CKAN datastore dump in JSON, `{"fields": [{"id": …}, …], "records": [[…], …]}`
//!   (what PDND's own importer reads), also with records as objects or wrapped in
//!   CKAN's `{"result": {…}}`;
//! * its CSV export (comma-separated, the same column names as header).
//!
//! Columns are looked up by name, case-insensitively: their order is not fixed.

use crate::errore::{Avviso, ErroreImport, Fonte};
use crate::testo::{
    ContaRighe, codice_catastale, codice_istat, decodifica, normalizza_intestazione, separatore,
};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashSet;

/// One record of the IPA list, as read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnteIpa {
    /// Where the record is in the file (see [`Avviso::riga`]), for later warnings.
    pub riga: usize,
    pub codice_ipa: String,
    pub denominazione: String,
    pub codice_fiscale: String,
    /// `Codice_Categoria`, upper case (`L6`).
    pub categoria: String,
    /// `Tipologia` (e.g. "Pubbliche Amministrazioni"); empty when absent.
    pub tipologia: String,
    /// `Codice_comune_ISTAT` padded to six digits: the Comune itself for L6, the
    /// comune of the seat for the others.
    pub codice_istat: Option<String>,
    /// `Codice_catastale_comune` (Belfiore), upper case.
    pub codice_catastale: Option<String>,
    /// `Data_aggiornamento` as written by IPA.
    pub data_aggiornamento: Option<String>,
}

const CODICE_IPA: &str = "Codice_IPA";
const DENOMINAZIONE: &str = "Denominazione_ente";
const CODICE_FISCALE: &str = "Codice_fiscale_ente";
const CATEGORIA: &str = "Codice_Categoria";
const TIPOLOGIA: &str = "Tipologia";
const CODICE_ISTAT: &str = "Codice_comune_ISTAT";
const CODICE_CATASTALE: &str = "Codice_catastale_comune";
const DATA_AGGIORNAMENTO: &str = "Data_aggiornamento";

/// Columns without which the file cannot be used.
const OBBLIGATORIE: [&str; 6] = [
    CODICE_IPA,
    DENOMINAZIONE,
    CODICE_FISCALE,
    CATEGORIA,
    TIPOLOGIA,
    CODICE_ISTAT,
];

/// A table read from either shape: the header and the rows, each with its position.
struct Tabella {
    intestazione: Vec<String>,
    righe: Vec<(usize, Vec<Option<String>>)>,
}

impl Tabella {
    fn colonna(&self, nome: &str) -> Option<usize> {
        let cercato = normalizza_intestazione(nome);
        self.intestazione
            .iter()
            .position(|h| normalizza_intestazione(h) == cercato)
    }
}

fn non_leggibile(motivo: impl Into<String>) -> ErroreImport {
    ErroreImport::NonLeggibile {
        fonte: Fonte::Ipa,
        motivo: motivo.into(),
    }
}

/// A JSON cell as text; `null` and blank are absent. Numbers appear when a dump
/// types `Codice_comune_ISTAT` as an integer.
fn cella_json(v: &Value) -> Option<String> {
    let s = match v {
        Value::Null => return None,
        Value::String(s) => s.trim().to_string(),
        altro => altro.to_string(),
    };
    (!s.is_empty()).then_some(s)
}

fn tabella_json(testo: &str) -> Result<Tabella, ErroreImport> {
    let radice: Value =
        serde_json::from_str(testo).map_err(|e| non_leggibile(format!("JSON non valido: {e}")))?;
    // The datastore API (`datastore_search`) wraps the same object in `result`.
    let radice = match radice.get("result") {
        Some(r) if r.is_object() => r,
        _ => &radice,
    };
    let campi = radice
        .get("fields")
        .and_then(Value::as_array)
        .ok_or_else(|| non_leggibile("manca l'elenco «fields» del dump CKAN"))?;
    let intestazione = campi
        .iter()
        .map(|c| {
            c.get("id")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| non_leggibile("un elemento di «fields» non ha «id»"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let record = radice
        .get("records")
        .and_then(Value::as_array)
        .ok_or_else(|| non_leggibile("manca l'elenco «records» del dump CKAN"))?;
    let mut righe = Vec::with_capacity(record.len());
    for (i, r) in record.iter().enumerate() {
        let celle = match r {
            Value::Array(a) => (0..intestazione.len())
                .map(|j| a.get(j).and_then(cella_json))
                .collect(),
            Value::Object(o) => intestazione
                .iter()
                .map(|h| o.get(h).and_then(cella_json))
                .collect(),
            _ => vec![None; intestazione.len()],
        };
        righe.push((i + 1, celle));
    }
    Ok(Tabella {
        intestazione,
        righe,
    })
}

fn tabella_csv(testo: &str) -> Result<Tabella, ErroreImport> {
    let mut lettore = csv::ReaderBuilder::new()
        .delimiter(separatore(testo, b','))
        .flexible(true)
        .has_headers(true)
        .from_reader(testo.as_bytes());
    let intestazione = lettore
        .headers()
        .map_err(|e| non_leggibile(format!("intestazione CSV: {e}")))?
        .iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    let mut righe = Vec::new();
    let mut righe_file = ContaRighe::new(testo);
    for r in lettore.records() {
        let r = r.map_err(|e| non_leggibile(format!("CSV: {e}")))?;
        let riga = r.position().map_or(0, |p| righe_file.riga(p.byte()));
        let celle = (0..intestazione.len())
            .map(|j| {
                r.get(j)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            })
            .collect();
        righe.push((riga, celle));
    }
    Ok(Tabella {
        intestazione,
        righe,
    })
}

/// Reads the IPA list of enti, JSON (CKAN dump) or CSV, told apart by the first
/// character. A record missing a required field (code, name, fiscal code, category)
/// is skipped with an [`Avviso`]; a malformed optional field is dropped with one.
/// A repeated IPA code keeps the first record.
pub fn leggi_ipa(byte: &[u8]) -> Result<(Vec<EnteIpa>, Vec<Avviso>), ErroreImport> {
    let testo = decodifica(byte);
    let testo = testo.trim_start();
    if testo.is_empty() {
        return Err(non_leggibile("il file è vuoto"));
    }
    let tabella = if testo.starts_with('{') {
        tabella_json(testo)?
    } else {
        tabella_csv(testo)?
    };
    let mancanti: Vec<String> = OBBLIGATORIE
        .iter()
        .filter(|c| tabella.colonna(c).is_none())
        .map(|c| c.to_string())
        .collect();
    if !mancanti.is_empty() {
        return Err(ErroreImport::ColonneMancanti {
            fonte: Fonte::Ipa,
            colonne: mancanti,
        });
    }
    let indice = |nome: &str| tabella.colonna(nome);
    let (i_ipa, i_den, i_cf, i_cat, i_tip, i_istat) = (
        indice(CODICE_IPA),
        indice(DENOMINAZIONE),
        indice(CODICE_FISCALE),
        indice(CATEGORIA),
        indice(TIPOLOGIA),
        indice(CODICE_ISTAT),
    );
    let (i_catastale, i_data) = (indice(CODICE_CATASTALE), indice(DATA_AGGIORNAMENTO));

    let mut enti = Vec::with_capacity(tabella.righe.len());
    let mut avvisi = Vec::new();
    let mut visti = HashSet::new();
    for (riga, celle) in &tabella.righe {
        let riga = *riga;
        let cella = |i: Option<usize>| i.and_then(|i| celle.get(i).cloned().flatten());
        let mut avviso = |campo: &str, messaggio: String| {
            avvisi.push(Avviso {
                fonte: Fonte::Ipa,
                riga,
                campo: campo.to_string(),
                messaggio,
            })
        };
        let obbligatori = [
            (CODICE_IPA, cella(i_ipa)),
            (DENOMINAZIONE, cella(i_den)),
            (CODICE_FISCALE, cella(i_cf)),
            (CATEGORIA, cella(i_cat)),
        ];
        let mut saltato = false;
        for (campo, valore) in &obbligatori {
            if valore.is_none() {
                avviso(campo, "campo obbligatorio vuoto: ente non importato".into());
                saltato = true;
            }
        }
        if saltato {
            continue;
        }
        let [codice_ipa, denominazione, codice_fiscale, categoria] =
            obbligatori.map(|(_, v)| v.unwrap_or_default());
        if !visti.insert(codice_ipa.to_lowercase()) {
            avviso(
                CODICE_IPA,
                format!("codice IPA «{codice_ipa}» ripetuto: vale il primo record"),
            );
            continue;
        }
        let categoria = categoria.to_ascii_uppercase();
        let codice_istat = match cella(i_istat) {
            None => None,
            Some(v) => {
                let c = codice_istat(&v);
                if c.is_none() {
                    avviso(
                        CODICE_ISTAT,
                        format!("«{v}» non è un codice ISTAT di comune (fino a 6 cifre): ignorato"),
                    );
                }
                c
            }
        };
        let codice_catastale = match cella(i_catastale) {
            None => None,
            Some(v) => {
                let c = codice_catastale(&v);
                if c.is_none() {
                    avviso(
                        CODICE_CATASTALE,
                        format!(
                            "«{v}» non è un codice catastale (una lettera e tre cifre): ignorato"
                        ),
                    );
                }
                c
            }
        };
        enti.push(EnteIpa {
            riga,
            codice_ipa,
            denominazione,
            codice_fiscale,
            categoria,
            tipologia: cella(i_tip).unwrap_or_default(),
            codice_istat,
            codice_catastale,
            data_aggiornamento: cella(i_data),
        });
    }
    Ok((enti, avvisi))
}

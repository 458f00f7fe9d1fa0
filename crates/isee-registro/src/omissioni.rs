//! Omissions and discrepancies ("omissioni e difformità"): the tax agency's data
//! compared with the declared DSU, noted on the stored attestation without changing
//! its ISEE value (DPCM 159/2013 art. 11 c.3; INPS `OmissioneDifformita`).
//!
//! Input file: JSON Lines, one object per fiscal code (format in docs/REGISTRO.md):
//!
//! ```json
//! {"codice_fiscale":"RSSMRA85M01H199H","data_controllo":"2026-03-01",
//!  "rapporti":[{"tipo":"01","identificativo":"IT60X…","saldo_31_12":"12000","giacenza_media":"10000"}],
//!  "reddito_complessivo":"32000"}
//! ```
//!
//! Checks for each member of the DSU:
//! * **PatrimoniMobiliari**: a relationship known to the tax agency whose identifier
//!   is not declared, or whose declared balance (or average balance, or value) is
//!   lower than the agency's;
//! * **RedditiScostamento**: the declared reddito complessivo is lower than the
//!   agency's.
//!
//! This module holds the records and the pure comparison; [`crate::annotazioni`]
//! applies them to the stored DSUs through the store traits.

use crate::protocollo::Protocollo;
use chrono::NaiveDate;
use isee_core::Dsu;
use isee_core::codice_fiscale::CodiceFiscale;
use isee_core::dsu::TipoRapporto;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TipoOmissione {
    PatrimoniMobiliari,
    RedditiScostamento,
}

impl TipoOmissione {
    pub fn nome(self) -> &'static str {
        match self {
            TipoOmissione::PatrimoniMobiliari => "PatrimoniMobiliari",
            TipoOmissione::RedditiScostamento => "RedditiScostamento",
        }
    }

    pub fn da_nome(s: &str) -> Option<TipoOmissione> {
        match s {
            "PatrimoniMobiliari" => Some(TipoOmissione::PatrimoniMobiliari),
            "RedditiScostamento" => Some(TipoOmissione::RedditiScostamento),
            _ => None,
        }
    }
}

/// A note on a stored attestation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotazione {
    pub protocollo: Protocollo,
    pub codice_fiscale: CodiceFiscale,
    pub tipo: TipoOmissione,
    /// The relationship's identifier, or `reddito_complessivo`.
    pub riferimento: String,
    /// INPS `@TipoRapporto` code (`01`…) of an omitted relationship.
    pub tipo_rapporto: Option<String>,
    /// What the DSU declares (`None`: the relationship is missing).
    pub dichiarato: Option<Decimal>,
    /// What the tax agency knows.
    pub agenzia_entrate: Decimal,
    pub data_controllo: NaiveDate,
}

impl Annotazione {
    /// The note's text as the attestation prints it: what was declared and what the
    /// tax agency knows.
    pub fn specifiche(&self) -> String {
        format!(
            "{}: dichiarato {}, Agenzia delle Entrate {}",
            self.riferimento,
            self.dichiarato
                .map(|d| d.to_string())
                .unwrap_or_else(|| "nulla".into()),
            self.agenzia_entrate
        )
    }
}

/// A financial relationship known to the tax agency.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RapportoAe {
    pub tipo: TipoRapporto,
    pub identificativo: String,
    #[serde(default)]
    pub saldo_31_12: Decimal,
    #[serde(default)]
    pub giacenza_media: Decimal,
    #[serde(default)]
    pub valore: Decimal,
}

/// One line of the tax agency's file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatiAgenzia {
    pub codice_fiscale: CodiceFiscale,
    pub data_controllo: NaiveDate,
    #[serde(default)]
    pub rapporti: Vec<RapportoAe>,
    #[serde(default)]
    pub reddito_complessivo: Option<Decimal>,
}

/// The notes for one member of a DSU: pure, so it is tested without a database.
pub fn confronta(protocollo: &Protocollo, dsu: &Dsu, ae: &DatiAgenzia) -> Vec<Annotazione> {
    let Some(c) = dsu.componente(&ae.codice_fiscale) else {
        return Vec::new();
    };
    let nota =
        |tipo, riferimento: String, tipo_rapporto, dichiarato, agenzia_entrate| Annotazione {
            protocollo: protocollo.clone(),
            codice_fiscale: ae.codice_fiscale,
            tipo,
            riferimento,
            tipo_rapporto,
            dichiarato,
            agenzia_entrate,
            data_controllo: ae.data_controllo,
        };
    let mut out = Vec::new();
    for r in &ae.rapporti {
        let codice = serde_json::to_value(r.tipo)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string));
        let dichiarato = c.patrimonio_mobiliare.iter().find(|d| {
            d.identificativo
                .as_deref()
                .is_some_and(|i| normalizza(i) == normalizza(&r.identificativo))
        });
        // The agency's figure that matters for this kind: balances for deposits and
        // current accounts, the value for the rest.
        let (ae_val, dich_val) = if r.tipo.e_deposito() {
            let ae_val = r.saldo_31_12.max(r.giacenza_media);
            let d = dichiarato.map(|d| d.saldo_31_12.valore().max(d.giacenza_media.valore()));
            (ae_val, d)
        } else {
            (r.valore, dichiarato.map(|d| d.valore.valore()))
        };
        match dich_val {
            None => out.push(nota(
                TipoOmissione::PatrimoniMobiliari,
                r.identificativo.clone(),
                codice,
                None,
                ae_val,
            )),
            Some(d) if d < ae_val => out.push(nota(
                TipoOmissione::PatrimoniMobiliari,
                r.identificativo.clone(),
                codice,
                Some(d),
                ae_val,
            )),
            Some(_) => {}
        }
    }
    if let Some(reddito) = ae.reddito_complessivo {
        let dichiarato = c.redditi.reddito_complessivo.valore();
        if dichiarato < reddito {
            out.push(nota(
                TipoOmissione::RedditiScostamento,
                "reddito_complessivo".into(),
                None,
                Some(dichiarato),
                reddito,
            ));
        }
    }
    out
}

fn normalizza(id: &str) -> String {
    id.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Reads the tax agency's JSON Lines file: per-line errors are collected, the rest
/// is returned.
pub fn leggi_dati_agenzia(testo: &str) -> (Vec<DatiAgenzia>, Vec<(usize, String)>) {
    let mut dati = Vec::new();
    let mut errori = Vec::new();
    for (i, riga) in testo.lines().enumerate() {
        if riga.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<DatiAgenzia>(riga) {
            Ok(d) => dati.push(d),
            Err(e) => errori.push((i + 1, format!("riga non leggibile: {e}"))),
        }
    }
    (dati, errori)
}

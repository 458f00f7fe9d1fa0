//! The anagrafe of enti: IPA joined with ISTAT, one [`Ente`] per IPA code.
//!
//! Join rules ([`unisci`]):
//! * every ente with an ISTAT code found in the ISTAT list gets the comune's Italian
//!   name; its Belfiore code is taken from ISTAT when IPA lacks it, and when the two
//!   differ ISTAT wins (it is the register of comuni) with a warning;
//! * `capoluogo` is the ISTAT flag, and only for a Comune: an ente of category L6
//!   whose IPA code is `c_<Belfiore>` (IPA's code for every Comune). L6 also holds
//!   consortia and associations of Comuni, seated in a comune but not one: without
//!   this test an association seated in Roma would pass for a capoluogo (this is
//!   the normal case, so it is not warned about);
//! * an L6 ente without an ISTAT code, or with one the ISTAT list lacks, is kept with
//!   `capoluogo = false` and a warning.

use crate::categorie::COMUNI;
use crate::errore::{Avviso, ErroreImport, Fonte};
use crate::ipa::EnteIpa;
use crate::istat::ComuneIstat;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// An ente of the IPA list, with what ISTAT adds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ente {
    pub codice_ipa: String,
    pub denominazione: String,
    pub codice_fiscale: String,
    /// IPA category code (`L6`), upper case.
    pub categoria: String,
    pub tipologia: String,
    /// Six digits. For a Comune, the Comune; for the others, the comune of the seat.
    pub codice_istat: Option<String>,
    /// Belfiore code, the same comune as `codice_istat`.
    pub codice_catastale: Option<String>,
    /// The comune's Italian name according to ISTAT.
    pub comune: Option<String>,
    /// A Comune capoluogo according to ISTAT's flag (see the crate README on which
    /// capoluoghi the flag covers). Always false for an ente that is not a Comune.
    pub capoluogo: bool,
}

impl Ente {
    /// Whether this ente is a Comune itself: category L6 and IPA code `c_<Belfiore>`
    /// (consortia and associations of Comuni are L6 too).
    pub fn e_comune(&self) -> bool {
        self.categoria.eq_ignore_ascii_case(COMUNI)
            && self
                .codice_catastale
                .as_deref()
                .is_some_and(|c| codice_ipa_di_comune(&self.codice_ipa, c))
    }
}

fn codice_ipa_di_comune(codice_ipa: &str, catastale: &str) -> bool {
    codice_ipa
        .get(..2)
        .is_some_and(|p| p.eq_ignore_ascii_case("c_"))
        && codice_ipa[2..].eq_ignore_ascii_case(catastale)
}

/// The enti with lookups by IPA code and by fiscal code, and the dates of the two
/// snapshots they come from.
#[derive(Clone, Debug)]
pub struct AnagrafeEnti {
    /// The date of the IPA snapshot.
    pub data_ipa: NaiveDate,
    /// The date of the ISTAT snapshot.
    pub data_istat: NaiveDate,
    enti: Vec<Ente>,
    per_ipa: HashMap<String, usize>,
    per_cf: HashMap<String, usize>,
}

impl AnagrafeEnti {
    /// Builds the lookups. Enti are kept in IPA-code order; a repeated IPA code
    /// (compared case-insensitively) keeps the first, and a repeated fiscal code
    /// resolves to the first ente in that order. [`unisci`] warns about both.
    pub fn da_enti(enti: Vec<Ente>, data_ipa: NaiveDate, data_istat: NaiveDate) -> AnagrafeEnti {
        let mut enti = enti;
        // Stable: among repeated codes the first given stays first.
        enti.sort_by_key(|e| e.codice_ipa.to_lowercase());
        enti.dedup_by(|b, a| a.codice_ipa.eq_ignore_ascii_case(&b.codice_ipa));
        let mut per_ipa = HashMap::with_capacity(enti.len());
        let mut per_cf = HashMap::with_capacity(enti.len());
        for (i, e) in enti.iter().enumerate() {
            per_ipa.insert(e.codice_ipa.to_lowercase(), i);
            per_cf
                .entry(e.codice_fiscale.trim().to_ascii_uppercase())
                .or_insert(i);
        }
        AnagrafeEnti {
            data_ipa,
            data_istat,
            enti,
            per_ipa,
            per_cf,
        }
    }

    /// The ente with this IPA code (case-insensitive).
    pub fn per_ipa(&self, codice: &str) -> Option<&Ente> {
        self.per_ipa
            .get(&codice.trim().to_lowercase())
            .map(|&i| &self.enti[i])
    }

    /// The ente with this fiscal code (the first, in IPA-code order, if several).
    pub fn per_codice_fiscale(&self, cf: &str) -> Option<&Ente> {
        self.per_cf
            .get(&cf.trim().to_ascii_uppercase())
            .map(|&i| &self.enti[i])
    }

    pub fn len(&self) -> usize {
        self.enti.len()
    }

    pub fn is_empty(&self) -> bool {
        self.enti.is_empty()
    }

    /// The enti in IPA-code order.
    pub fn iter(&self) -> std::slice::Iter<'_, Ente> {
        self.enti.iter()
    }
}

impl<'a> IntoIterator for &'a AnagrafeEnti {
    type Item = &'a Ente;
    type IntoIter = std::slice::Iter<'a, Ente>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// An import ready to be stored: the joined anagrafe, how many comuni ISTAT listed,
/// and every warning of the two files and of the join, in that order.
#[derive(Clone, Debug)]
pub struct Importazione {
    pub anagrafe: AnagrafeEnti,
    pub comuni: usize,
    pub avvisi: Vec<Avviso>,
}

/// Reads both files (bytes, as [`leggi_ipa`](crate::leggi_ipa) and
/// [`leggi_istat`](crate::leggi_istat)) and joins them ([`unisci`]): what
/// `isee enti importa` stores. Only a file that cannot be read at all is an error.
pub fn importa(
    ipa: &[u8],
    istat: &[u8],
    data_ipa: NaiveDate,
    data_istat: NaiveDate,
) -> Result<Importazione, ErroreImport> {
    let (enti_ipa, mut avvisi) = crate::ipa::leggi_ipa(ipa)?;
    let (comuni, avvisi_istat) = crate::istat::leggi_istat(istat)?;
    avvisi.extend(avvisi_istat);
    let n_comuni = comuni.len();
    let (anagrafe, avvisi_unione) = unisci(enti_ipa, comuni, data_ipa, data_istat);
    avvisi.extend(avvisi_unione);
    Ok(Importazione {
        anagrafe,
        comuni: n_comuni,
        avvisi,
    })
}

/// Joins IPA and ISTAT (rules in the module docs). Warnings carry the IPA record's
/// position.
pub fn unisci(
    ipa: Vec<EnteIpa>,
    istat: Vec<ComuneIstat>,
    data_ipa: NaiveDate,
    data_istat: NaiveDate,
) -> (AnagrafeEnti, Vec<Avviso>) {
    let comuni: HashMap<&str, &ComuneIstat> =
        istat.iter().map(|c| (c.codice_istat.as_str(), c)).collect();
    let mut avvisi = Vec::new();
    let mut enti = Vec::with_capacity(ipa.len());
    let mut codici_visti: HashMap<String, String> = HashMap::new();
    let mut cf_visti: HashMap<String, String> = HashMap::new();
    for e in ipa {
        let mut avviso = |campo: &str, messaggio: String| {
            avvisi.push(Avviso {
                fonte: Fonte::Ipa,
                riga: e.riga,
                campo: campo.to_string(),
                messaggio,
            })
        };
        if let Some(primo) = codici_visti.get(&e.codice_ipa.to_lowercase()) {
            avviso(
                "Codice_IPA",
                format!(
                    "codice IPA «{}» ripetuto (già usato da «{primo}»): vale il primo",
                    e.codice_ipa
                ),
            );
            continue;
        }
        codici_visti.insert(e.codice_ipa.to_lowercase(), e.denominazione.clone());
        let cf = e.codice_fiscale.trim().to_ascii_uppercase();
        if let Some(primo) = cf_visti.get(&cf) {
            avviso(
                "Codice_fiscale_ente",
                format!(
                    "codice fiscale {cf} già usato dall'ente «{primo}»: la ricerca per codice fiscale restituisce uno solo dei due"
                ),
            );
        } else {
            cf_visti.insert(cf, e.codice_ipa.clone());
        }

        let l6 = e.categoria.eq_ignore_ascii_case(COMUNI);
        let trovato = e
            .codice_istat
            .as_deref()
            .and_then(|c| comuni.get(c))
            .copied();
        let mut codice_catastale = e.codice_catastale.clone();
        let mut comune = None;
        let mut capoluogo = false;
        match (trovato, &e.codice_istat) {
            (Some(c), _) => {
                match &codice_catastale {
                    Some(da_ipa) if *da_ipa != c.codice_catastale => avviso(
                        "Codice_catastale_comune",
                        format!(
                            "codice catastale {da_ipa} diverso da quello ISTAT {} del comune {} ({}): vale quello ISTAT",
                            c.codice_catastale, c.denominazione, c.codice_istat
                        ),
                    ),
                    _ => {}
                }
                codice_catastale = Some(c.codice_catastale.clone());
                comune = Some(c.denominazione.clone());
                // Only a Comune itself takes the flag; an L6 consortium or
                // association seated in a capoluogo does not (no warning: it is the
                // normal case, not a data problem).
                if l6 && codice_ipa_di_comune(&e.codice_ipa, &c.codice_catastale) {
                    capoluogo = c.capoluogo;
                }
            }
            (None, Some(codice)) if l6 => avviso(
                "Codice_comune_ISTAT",
                format!(
                    "codice ISTAT {codice} assente dall'elenco dei comuni ISTAT: l'ente è considerato non capoluogo"
                ),
            ),
            (None, None) if l6 => avviso(
                "Codice_comune_ISTAT",
                "ente della categoria L6 senza codice ISTAT: l'ente è considerato non capoluogo"
                    .into(),
            ),
            // The seat of an ente that is not a Comune matters to no check here.
            (None, _) => {}
        }
        enti.push(Ente {
            codice_ipa: e.codice_ipa,
            denominazione: e.denominazione,
            codice_fiscale: e.codice_fiscale,
            categoria: e.categoria,
            tipologia: e.tipologia,
            codice_istat: e.codice_istat,
            codice_catastale,
            comune,
            capoluogo,
        });
    }
    (AnagrafeEnti::da_enti(enti, data_ipa, data_istat), avvisi)
}

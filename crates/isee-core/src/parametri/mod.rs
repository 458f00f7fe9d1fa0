//! Dated parameters: the numbers of the law, each with its validity and source.
//!
//! The official set lives in `parametri/isee.toml`, compiled into the crate; another
//! file of the same format can be given instead. [`Normativa`] reads a file once and
//! prepares the resolved [`Regole`] of every period between two changes, so that the
//! calculation of a DSU only looks up the period of its filing date.

mod regole;

pub use regole::{Frazione, Regole, ScadenzaDsu};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

/// The official parameter file, as shipped.
pub const PARAMETRI_UFFICIALI: &str = include_str!("../../parametri/isee.toml");

/// A parameter value, as written in the file.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Valore {
    Decimale(Decimal),
    Booleano(bool),
    Testo(String),
    Frazione(Frazione),
    Elenco(Vec<Valore>),
}

impl std::fmt::Display for Valore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Valore::Decimale(d) => write!(f, "{d}"),
            Valore::Booleano(b) => f.write_str(if *b { "sì" } else { "no" }),
            Valore::Testo(t) => f.write_str(t),
            Valore::Frazione(q) => write!(f, "{}/{}", q.numeratore, q.denominatore),
            Valore::Elenco(v) => {
                f.write_str("[")?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// One version of a parameter.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Versione {
    pub dal: NaiveDate,
    pub valore: Valore,
    pub fonte: String,
    pub affidabilita: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nota: Option<String>,
}

/// A parameter with all its versions, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Parametro {
    pub nome: String,
    pub descrizione: String,
    pub versioni: Vec<Versione>,
}

impl Parametro {
    /// The version in force on `data`, if the parameter exists then.
    pub fn in_vigore(&self, data: NaiveDate) -> Option<&Versione> {
        self.versioni.iter().rev().find(|v| v.dal <= data)
    }
}

/// Where a value used by the calculation comes from: cited in the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Fonte {
    pub nome: String,
    pub valore: String,
    pub dal: NaiveDate,
    pub fonte: String,
    pub affidabilita: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ErroreParametri {
    #[error("il file dei parametri non è TOML valido: {0}")]
    Toml(String),
    #[error("parametro {nome}: {messaggio}")]
    Parametro { nome: String, messaggio: String },
    #[error("manca il parametro {0}")]
    Mancante(String),
}

fn errore(nome: &str, messaggio: impl Into<String>) -> ErroreParametri {
    ErroreParametri::Parametro {
        nome: nome.to_string(),
        messaggio: messaggio.into(),
    }
}

/// Reads a parameter file.
pub fn leggi(testo: &str) -> Result<Vec<Parametro>, ErroreParametri> {
    let tabella: toml::Table =
        toml::from_str(testo).map_err(|e| ErroreParametri::Toml(e.to_string()))?;
    let mut out = Vec::new();
    raccogli("", &tabella, &mut out)?;
    Ok(out)
}

fn raccogli(
    prefisso: &str,
    t: &toml::Table,
    out: &mut Vec<Parametro>,
) -> Result<(), ErroreParametri> {
    for (chiave, v) in t {
        let nome = if prefisso.is_empty() {
            chiave.clone()
        } else {
            format!("{prefisso}.{chiave}")
        };
        let Some(sotto) = v.as_table() else {
            return Err(errore(
                &nome,
                "atteso un gruppo o un parametro con «versioni»",
            ));
        };
        if sotto.contains_key("versioni") {
            out.push(parametro(&nome, sotto)?);
        } else {
            raccogli(&nome, sotto, out)?;
        }
    }
    Ok(())
}

fn parametro(nome: &str, t: &toml::Table) -> Result<Parametro, ErroreParametri> {
    let descrizione = t
        .get("descrizione")
        .and_then(|d| d.as_str())
        .unwrap_or_default()
        .to_string();
    let Some(versioni) = t.get("versioni").and_then(|v| v.as_array()) else {
        return Err(errore(nome, "«versioni» deve essere un elenco"));
    };
    let mut vs = Vec::with_capacity(versioni.len());
    for (i, v) in versioni.iter().enumerate() {
        let Some(v) = v.as_table() else {
            return Err(errore(
                nome,
                format!("versione {}: attesa una tabella", i + 1),
            ));
        };
        let testo = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let dal = testo("dal")
            .and_then(|d| NaiveDate::from_str(&d).ok())
            .ok_or_else(|| {
                errore(
                    nome,
                    format!("versione {}: «dal» deve essere una data AAAA-MM-GG", i + 1),
                )
            })?;
        let fonte = testo("fonte")
            .filter(|f| !f.trim().is_empty())
            .ok_or_else(|| {
                errore(
                    nome,
                    format!("versione {}: ogni valore deve citare la sua «fonte»", i + 1),
                )
            })?;
        let affidabilita = testo("affidabilita").unwrap_or_else(|| "M".into());
        if !matches!(affidabilita.as_str(), "V" | "S" | "M" | "U") {
            return Err(errore(
                nome,
                format!("versione {}: «affidabilita» deve essere V, S, M o U", i + 1),
            ));
        }
        let valore = v
            .get("valore")
            .ok_or_else(|| errore(nome, format!("versione {}: manca «valore»", i + 1)))
            .and_then(|x| valore(nome, x))?;
        if let Some(prec) = vs.last().map(|p: &Versione| p.dal)
            && prec >= dal
        {
            return Err(errore(
                nome,
                "le versioni devono essere in ordine di data «dal» crescente",
            ));
        }
        vs.push(Versione {
            dal,
            valore,
            fonte,
            affidabilita,
            nota: testo("nota"),
        });
    }
    if vs.is_empty() {
        return Err(errore(nome, "nessuna versione"));
    }
    Ok(Parametro {
        nome: nome.to_string(),
        descrizione,
        versioni: vs,
    })
}

fn valore(nome: &str, v: &toml::Value) -> Result<Valore, ErroreParametri> {
    Ok(match v {
        toml::Value::Integer(i) => Valore::Decimale(Decimal::from(*i)),
        toml::Value::Boolean(b) => Valore::Booleano(*b),
        toml::Value::Float(f) => {
            return Err(errore(
                nome,
                format!(
                    "{f} è un numero in virgola mobile: scriverlo come stringa decimale (\"{f}\")"
                ),
            ));
        }
        toml::Value::String(s) => {
            if let Some((n, d)) = s.split_once('/') {
                let n = Decimal::from_str(n.trim())
                    .map_err(|_| errore(nome, format!("frazione non valida «{s}»")))?;
                let d = Decimal::from_str(d.trim())
                    .map_err(|_| errore(nome, format!("frazione non valida «{s}»")))?;
                if d.is_zero() {
                    return Err(errore(nome, "denominatore zero"));
                }
                Valore::Frazione(Frazione {
                    numeratore: n,
                    denominatore: d,
                })
            } else if s
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_digit() || b == b'-')
                && Decimal::from_str(s).is_ok()
            {
                Valore::Decimale(Decimal::from_str(s).unwrap_or_default())
            } else {
                Valore::Testo(s.clone())
            }
        }
        toml::Value::Array(a) => Valore::Elenco(
            a.iter()
                .map(|x| valore(nome, x))
                .collect::<Result<_, _>>()?,
        ),
        _ => return Err(errore(nome, "tipo di valore non ammesso")),
    })
}

/// A parameter set ready for calculation: the resolved rules of every period.
#[derive(Clone, Debug)]
pub struct Normativa {
    parametri: Arc<Vec<Parametro>>,
    /// `(first day, rules)`, sorted by first day.
    periodi: Vec<(NaiveDate, Arc<Regole>)>,
    /// A label for the parameter set, recorded with each result.
    versione: Arc<str>,
}

impl Normativa {
    /// The official parameters shipped with this version of the engine.
    pub fn ufficiale() -> Normativa {
        // The file is part of the crate and a unit test parses it, so this cannot fail
        // in a released build.
        Normativa::da_toml(PARAMETRI_UFFICIALI, "ufficiale").expect("parametri/isee.toml is valid")
    }

    /// Reads a parameter file and resolves every period. `etichetta` names the set.
    pub fn da_toml(testo: &str, etichetta: &str) -> Result<Normativa, ErroreParametri> {
        let parametri = leggi(testo)?;
        let mut date: Vec<NaiveDate> = parametri
            .iter()
            .flat_map(|p| p.versioni.iter().map(|v| v.dal))
            .collect();
        date.sort_unstable();
        date.dedup();
        let indice: BTreeMap<&str, &Parametro> =
            parametri.iter().map(|p| (p.nome.as_str(), p)).collect();
        let mut periodi = Vec::with_capacity(date.len());
        for d in date {
            periodi.push((d, Arc::new(Regole::risolvi(d, &indice)?)));
        }
        let impronta = impronta(testo);
        Ok(Normativa {
            parametri: Arc::new(parametri),
            periodi,
            versione: Arc::from(format!("{etichetta}-{impronta:016x}")),
        })
    }

    /// The rules in force on a DSU filing date, or `None` before the first rules.
    #[inline]
    pub fn regole(&self, data: NaiveDate) -> Option<&Arc<Regole>> {
        let i = self.periodi.partition_point(|(d, _)| *d <= data);
        if i == 0 {
            None
        } else {
            Some(&self.periodi[i - 1].1)
        }
    }

    pub fn parametri(&self) -> &[Parametro] {
        &self.parametri
    }

    /// Label and fingerprint of the parameter set (recorded with every result, so a
    /// stored attestation can be recomputed with the same numbers).
    pub fn versione(&self) -> &str {
        &self.versione
    }

    /// The same label, shared (no copy per result).
    pub fn versione_condivisa(&self) -> Arc<str> {
        Arc::clone(&self.versione)
    }

    /// First day on which any rule applies.
    pub fn inizio(&self) -> Option<NaiveDate> {
        self.periodi.first().map(|(d, _)| *d)
    }
}

/// FNV-1a over the file text: a stable fingerprint without another dependency.
fn impronta(testo: &str) -> u64 {
    testo.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn il_file_ufficiale_si_legge_e_ogni_valore_cita_la_fonte() {
        let n = Normativa::ufficiale();
        assert!(n.parametri().len() > 40);
        for p in n.parametri() {
            for v in &p.versioni {
                assert!(!v.fonte.is_empty(), "{}", p.nome);
            }
        }
    }

    #[test]
    fn un_float_toml_e_rifiutato() {
        let e = leggi("[x]\nversioni = [{ dal = \"2015-01-01\", valore = 0.2, fonte = \"a\" }]")
            .unwrap_err();
        assert!(e.to_string().contains("virgola mobile"), "{e}");
    }

    #[test]
    fn una_versione_senza_fonte_e_rifiutata() {
        let e = leggi("[x]\nversioni = [{ dal = \"2015-01-01\", valore = 1 }]").unwrap_err();
        assert!(e.to_string().contains("fonte"), "{e}");
    }

    #[test]
    fn versioni_fuori_ordine_rifiutate() {
        let e = leggi(
            "[x]\nversioni = [{ dal = \"2016-01-01\", valore = 1, fonte = \"a\" }, { dal = \"2015-01-01\", valore = 2, fonte = \"b\" }]",
        )
        .unwrap_err();
        assert!(e.to_string().contains("ordine"), "{e}");
    }

    #[test]
    fn prima_del_2015_non_ci_sono_regole() {
        let n = Normativa::ufficiale();
        assert!(
            n.regole(NaiveDate::from_ymd_opt(2014, 12, 31).unwrap())
                .is_none()
        );
        assert!(
            n.regole(NaiveDate::from_ymd_opt(2015, 1, 1).unwrap())
                .is_some()
        );
    }
}

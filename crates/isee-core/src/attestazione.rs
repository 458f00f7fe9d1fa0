//! Every indicator a DSU allows, as INPS's attestation lists them.

use crate::calcolo::{ErroreCalcolo, Esito, Motore, Prestazione, Richiesta, TipoIsee};
use crate::data::eta_compiuta;
use crate::validazione::DsuValidata;
use serde::Serialize;

/// One indicator of the attestation: computed, or why not.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Indicatore {
    pub richiesta: Richiesta,
    #[serde(flatten)]
    pub esito: EsitoIndicatore,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EsitoIndicatore {
    Calcolato(Box<Esito>),
    NonCalcolabile(String),
}

/// The indicators of an attestation: the ordinario first, then each specific one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attestazione {
    pub indicatori: Vec<Indicatore>,
}

impl Attestazione {
    pub fn ordinario(&self) -> Option<&Esito> {
        self.indicatori.iter().find_map(|i| match &i.esito {
            EsitoIndicatore::Calcolato(e)
                if e.tipo == TipoIsee::Ordinario && e.prestazione.is_none() =>
            {
                Some(e.as_ref())
            }
            _ => None,
        })
    }
}

/// The requests an attestation answers for this DSU: the ordinario; the minorenni for
/// each minor child; the università for each student; the dottorato, sociosanitario,
/// residenziale and corrente where the DSU has their modules; and, where the rules
/// have it, the 2026 ISEE for family benefits.
pub fn richieste(motore: &Motore, dsu: &DsuValidata) -> Vec<Richiesta> {
    let d = dsu.dsu();
    let data = d.data_presentazione.o_minima();
    let mut out = vec![Richiesta::ordinario()];
    for c in &d.componenti {
        if c.rapporto.e_figlio()
            && c.data_nascita
                .get()
                .is_some_and(|n| eta_compiuta(n, data) < 18)
        {
            out.push(Richiesta {
                tipo: TipoIsee::Minorenni,
                prestazione: None,
                beneficiario: Some(c.codice_fiscale),
            });
        }
    }
    for u in &d.universitari {
        out.push(Richiesta {
            tipo: TipoIsee::Universitario,
            prestazione: None,
            beneficiario: Some(u.studente),
        });
    }
    if let Some(x) = &d.dottorato {
        out.push(Richiesta {
            tipo: TipoIsee::Dottorato,
            prestazione: None,
            beneficiario: Some(x.dottorando),
        });
    }
    if let Some(x) = &d.nucleo_ristretto {
        out.push(Richiesta {
            tipo: TipoIsee::Sociosanitario,
            prestazione: None,
            beneficiario: Some(x.beneficiario),
        });
    }
    if let Some(x) = &d.residenziale {
        out.push(Richiesta {
            tipo: TipoIsee::Residenziale,
            prestazione: None,
            beneficiario: Some(x.beneficiario),
        });
    }
    if d.corrente.is_some() {
        out.push(Richiesta {
            tipo: TipoIsee::Corrente,
            prestazione: None,
            beneficiario: None,
        });
    }
    if motore
        .normativa()
        .regole(data)
        .is_some_and(|r| r.variante_famiglia_2026)
    {
        out.push(Richiesta {
            tipo: TipoIsee::Ordinario,
            prestazione: Some(Prestazione::AssegnoUnico),
            beneficiario: None,
        });
    }
    out
}

/// Computes every indicator (without trace).
pub fn attestazione(motore: &Motore, dsu: &DsuValidata) -> Result<Attestazione, ErroreCalcolo> {
    let mut indicatori = Vec::new();
    for richiesta in richieste(motore, dsu) {
        let esito = match motore.calcola(dsu, &richiesta) {
            Ok(e) => EsitoIndicatore::Calcolato(Box::new(e)),
            Err(e @ ErroreCalcolo::RegoleNonInVigore(_)) => return Err(e),
            Err(e) => EsitoIndicatore::NonCalcolabile(e.to_string()),
        };
        indicatori.push(Indicatore { richiesta, esito });
    }
    Ok(Attestazione { indicatori })
}

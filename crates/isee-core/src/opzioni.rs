//! Interpretive choices where the sources disagree (`isee-regole.md` §11).
//!
//! Each option names the open point it settles. [`Opzioni::predefinite`] holds the
//! project's documented choices (see `docs/SCELTE.md`); every result records the
//! options it was computed with.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How a member in convivenza anagrafica who stays in the nucleus weighs on the scala
/// (§11.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConvivenzaAnagrafica {
    /// The member counts as a nucleus of one: parameter of the others + 1 (DSU
    /// instructions; INPS outputs reported in public answers).
    PiuUno,
    /// The member counts as any other member.
    ConteggioOrdinario,
}

/// How deposits are valued: the higher of balance and average balance (§11.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConfrontoDepositi {
    /// Per member, on the sums of balances and of average balances (current practice).
    PerComponente,
    /// Account by account (the 2013 text).
    PerRapporto,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Opzioni {
    /// §11.1: the 1,000 pension franchigia is an alternative to the 3,000 employee one
    /// for a member with both incomes (the larger applies). Default: both apply.
    pub franchigia_pensione_alternativa: bool,
    /// §11.1 / §3.4: the art. 4 c.3 deductions are capped member by member ("fino a
    /// concorrenza" of each member's income). `false` pools them over the nucleus.
    pub detrazioni_per_componente: bool,
    /// §11.6.
    pub convivenza_anagrafica: ConvivenzaAnagrafica,
    /// §11.7: the componente aggiuntiva is also computed on the restricted nucleus.
    /// Default true: INPS's attestation model has the restricted residential ISEE with
    /// componenti aggiuntive (`ISEESocioSanResRistretto`).
    pub aggiuntiva_con_nucleo_ristretto: bool,
    /// §11.4: the titoli di Stato exclusion also applies for ADI and SFL. Default true
    /// (msg INPS 102/2026 confirms the exclusion without an ADI exception).
    pub esclusione_titoli_adi_sfl: bool,
    /// §11.10.
    pub confronto_depositi: ConfrontoDepositi,
    /// §11.3: a fixed reddito figurativo rate instead of the dated table.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub tasso_reddito_figurativo: Option<Decimal>,
}

impl Opzioni {
    /// The project's choices, documented in `docs/SCELTE.md`.
    pub fn predefinite() -> Opzioni {
        Opzioni {
            franchigia_pensione_alternativa: false,
            detrazioni_per_componente: true,
            convivenza_anagrafica: ConvivenzaAnagrafica::PiuUno,
            aggiuntiva_con_nucleo_ristretto: true,
            esclusione_titoli_adi_sfl: true,
            confronto_depositi: ConfrontoDepositi::PerComponente,
            tasso_reddito_figurativo: None,
        }
    }
}

impl Default for Opzioni {
    fn default() -> Self {
        Opzioni::predefinite()
    }
}

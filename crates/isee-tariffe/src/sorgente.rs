//! The rule file as written: serde structures mirroring the TOML, with spans for error messages.
//!
//! Nothing here is checked beyond its shape; `compila` turns these structures into a `Tariffa`
//! and reports every semantic problem with the line it comes from.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::numero::{Metodo, Numero};
use crate::tipo_isee::TipoIsee;

/// The whole rule file: one file per benefit.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileRegole {
    pub tariffa: Spanned<Intestazione>,
    #[serde(default)]
    pub isee: Option<Spanned<SezioneIsee>>,
    /// Declared application flags (name → description).
    #[serde(default)]
    pub condizioni: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub trasformazione: Vec<Spanned<TrasformazioneSrc>>,
    #[serde(default)]
    pub soglie: Option<Spanned<SoglieSrc>>,
    #[serde(default, rename = "default")]
    pub predefiniti: Option<Spanned<PredefinitiSrc>>,
    #[serde(default)]
    pub componente: Vec<Spanned<ComponenteSrc>>,
    #[serde(default)]
    pub riduzione: Vec<Spanned<RiduzioneSrc>>,
    #[serde(default)]
    pub arrotondamento: Option<Spanned<ArrotondamentoSrc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Intestazione {
    pub nome: String,
    pub ente: String,
    pub riferimento: String,
    pub isee_richiesto: TipoIsee,
    #[serde(default)]
    pub isee_ammessi_anche: Vec<TipoIsee>,
    /// What one unit of the amount is ("mese", "pasto"…), for the letter.
    #[serde(default)]
    pub importo_per: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub decrescente_ammessa: bool,
    /// The order in which reductions and rounding apply.
    #[serde(default)]
    pub ordine: Option<Spanned<Vec<Spanned<String>>>>,
}

/// Whether thresholds and tratti are on the yearly or the monthly ISEE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scala {
    /// The ISEE as attested (yearly).
    Annuale,
    /// The ISEE divided by 12 ("ISEE mensile").
    Mensile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SezioneIsee {
    #[serde(default)]
    pub scala: Option<Scala>,
    #[serde(default)]
    pub arrotondamento: Option<Spanned<PassoArrotondamento>>,
    #[serde(default)]
    pub riferimento: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PassoArrotondamento {
    pub passo: Spanned<Numero>,
    pub metodo: Metodo,
    #[serde(default)]
    pub riferimento: Option<String>,
}

/// Open or closed bounds on the ISEE, written in words an office reads aloud:
/// `da` (≥), `oltre` (>), `fino_a` (≤), `sotto` (<). A borrowed view over the four keys, which
/// are repeated in each table because serde's `flatten` would lose the spans.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LimitiSrc<'a> {
    pub da: Option<&'a Spanned<Numero>>,
    pub oltre: Option<&'a Spanned<Numero>>,
    pub fino_a: Option<&'a Spanned<Numero>>,
    pub sotto: Option<&'a Spanned<Numero>>,
}

macro_rules! limiti {
    ($t:ty) => {
        impl $t {
            pub(crate) fn limiti(&self) -> LimitiSrc<'_> {
                LimitiSrc {
                    da: self.da.as_ref(),
                    oltre: self.oltre.as_ref(),
                    fino_a: self.fino_a.as_ref(),
                    sotto: self.sotto.as_ref(),
                }
            }
        }
    };
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SogliaSrc {
    #[serde(default)]
    pub da: Option<Spanned<Numero>>,
    #[serde(default)]
    pub oltre: Option<Spanned<Numero>>,
    #[serde(default)]
    pub fino_a: Option<Spanned<Numero>>,
    #[serde(default)]
    pub sotto: Option<Spanned<Numero>>,
    pub riferimento: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SoglieSrc {
    #[serde(default)]
    pub esenzione: Option<Spanned<SogliaSrc>>,
    #[serde(default)]
    pub costo_pieno: Option<Spanned<SogliaSrc>>,
    #[serde(default)]
    pub accesso: Option<Spanned<SogliaSrc>>,
}

/// What a household without a valid ISEE, or a non-resident one, gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EsitoPredefinito {
    /// The household pays every component's `massimo`.
    Massimo,
    /// The household cannot have the benefit.
    Escluso,
    /// Non-residents are treated like residents (only for `non_residente`).
    ComeResidenti,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PredefinitiSrc {
    pub senza_isee: Spanned<EsitoPredefinito>,
    pub non_residente: Spanned<EsitoPredefinito>,
    pub riferimento: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrasformazioneSrc {
    pub id: Spanned<String>,
    pub descrizione: String,
    pub riduzione_percentuale: Spanned<Numero>,
    #[serde(default)]
    pub quando: Option<Spanned<CondizioneSrc>>,
    #[serde(default)]
    pub quando_uno_di: Vec<Spanned<CondizioneSrc>>,
    pub riferimento: String,
}

/// What a component's unit amount is multiplied by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    /// Once per billing period.
    Periodo,
    /// Times the number of presences (days, meals, hours) in the application.
    Presenza,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ComponenteSrc {
    pub id: Spanned<String>,
    pub descrizione: String,
    pub per: Per,
    #[serde(default)]
    pub unita_presenza: Option<String>,
    #[serde(default)]
    pub massimo: Option<Spanned<Numero>>,
    #[serde(default)]
    pub costo: Option<Spanned<Numero>>,
    #[serde(default)]
    pub riferimento: Option<String>,
    #[serde(default)]
    pub tratto: Vec<Spanned<TrattoSrc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProporzionaleSrc {
    pub tariffa: Spanned<Numero>,
    pub isee: Spanned<Numero>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PassiSrc {
    pub percentuale_iniziale: Spanned<Numero>,
    pub incremento: Spanned<Numero>,
    pub ogni: Spanned<Numero>,
    pub percentuale_massima: Spanned<Numero>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrattoSrc {
    #[serde(default)]
    pub nome: Option<String>,
    #[serde(default)]
    pub da: Option<Spanned<Numero>>,
    #[serde(default)]
    pub oltre: Option<Spanned<Numero>>,
    #[serde(default)]
    pub fino_a: Option<Spanned<Numero>>,
    #[serde(default)]
    pub sotto: Option<Spanned<Numero>>,
    // Exactly one of the following shapes.
    #[serde(default)]
    pub importo: Option<Spanned<Numero>>,
    #[serde(default)]
    pub tariffa_min: Option<Spanned<Numero>>,
    #[serde(default)]
    pub tariffa_max: Option<Spanned<Numero>>,
    #[serde(default)]
    pub isee_min: Option<Spanned<Numero>>,
    #[serde(default)]
    pub isee_max: Option<Spanned<Numero>>,
    #[serde(default)]
    pub proporzionale: Option<Spanned<ProporzionaleSrc>>,
    #[serde(default)]
    pub percentuale_costo: Option<Spanned<Numero>>,
    #[serde(default)]
    pub passi: Option<Spanned<PassiSrc>>,
    #[serde(default)]
    pub decrescente: bool,
    #[serde(default)]
    pub salto_voluto: bool,
    #[serde(default)]
    pub riferimento: Option<String>,
}

/// Conditions on the application; every key present must hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CondizioneSrc {
    #[serde(default)]
    pub isee_da: Option<Spanned<Numero>>,
    #[serde(default)]
    pub isee_oltre: Option<Spanned<Numero>>,
    #[serde(default)]
    pub isee_fino_a: Option<Spanned<Numero>>,
    #[serde(default)]
    pub isee_sotto: Option<Spanned<Numero>>,
    #[serde(default)]
    pub ordine_figlio: Option<u16>,
    #[serde(default)]
    pub ordine_figlio_da: Option<u16>,
    #[serde(default)]
    pub figli_minori_min: Option<u16>,
    #[serde(default)]
    pub disabilita: Option<bool>,
    #[serde(default)]
    pub residente: Option<bool>,
    #[serde(default)]
    pub condizione: Option<Spanned<String>>,
    #[serde(default)]
    pub presenze_da: Option<Spanned<Numero>>,
    #[serde(default)]
    pub presenze_fino_a: Option<Spanned<Numero>>,
    #[serde(default)]
    pub mese_da: Option<Spanned<String>>,
    #[serde(default)]
    pub mese_a: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RiduzioneSrc {
    pub id: Spanned<String>,
    pub descrizione: String,
    #[serde(default)]
    pub sconto: Option<Spanned<Numero>>,
    #[serde(default)]
    pub quota: Option<Spanned<Numero>>,
    #[serde(default)]
    pub sottrai: Option<Spanned<Numero>>,
    #[serde(default)]
    pub fascia_inferiore: Option<Spanned<u16>>,
    #[serde(default)]
    pub componenti: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub quando: Option<Spanned<CondizioneSrc>>,
    #[serde(default)]
    pub quando_uno_di: Vec<Spanned<CondizioneSrc>>,
    #[serde(default)]
    pub non_cumulabile_con: Vec<Spanned<String>>,
    #[serde(default)]
    pub anche_a_tariffa_massima: bool,
    pub riferimento: String,
}

/// Where rounding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Livello {
    /// Each component's unit rate is rounded (what the family sees as "retta giornaliera").
    Componente,
    /// Only the total is rounded.
    Totale,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ArrotondamentoSrc {
    pub livello: Livello,
    pub passo: Spanned<Numero>,
    pub metodo: Metodo,
    pub riferimento: String,
}

limiti!(SogliaSrc);
limiti!(TrattoSrc);

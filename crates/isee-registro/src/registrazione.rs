//! The DSU register's records: what a row of the register is, its lifecycle, the
//! values of its indicators, and what is written for a new filing. The store traits
//! ([`crate::store`]) and the register ([`crate::registro`]) both speak in these; this
//! module depends on neither.

use crate::protocollo::Protocollo;
use chrono::NaiveDate;
use isee_core::calcolo::Validita;
use isee_core::codice_fiscale::CodiceFiscale;
use isee_core::{Prestazione, TipoIsee};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What a row of the register is: a DSU, or an ISEE corrente module on top of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TipoRegistrazione {
    Dsu,
    Corrente,
}

/// The lifecycle of a registered DSU (docs/REGISTRO.md, "Stati").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatoDsu {
    Attiva,
    /// Replaced by a rectification (`sostituita_da` names it).
    Rettificata,
    /// Replaced by a substitution (`sostituita_da` names it).
    Sostituita,
    Annullata,
}

/// The operation that created a row (INPS `Operazione/@Tipo`, simplified).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperazioneRegistrata {
    Nuova,
    Rettifica,
    Sostituzione,
    Corrente,
}

macro_rules! nomi {
    ($t:ty { $($v:ident => $n:literal),* $(,)? }) => {
        impl $t {
            /// The name stored in the database and used in JSON.
            pub fn nome(self) -> &'static str {
                match self { $(<$t>::$v => $n),* }
            }

            pub fn da_nome(s: &str) -> Option<Self> {
                match s { $($n => Some(<$t>::$v),)* _ => None }
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.nome())
            }
        }
    };
}

nomi!(TipoRegistrazione { Dsu => "dsu", Corrente => "corrente" });
nomi!(StatoDsu {
    Attiva => "attiva",
    Rettificata => "rettificata",
    Sostituita => "sostituita",
    Annullata => "annullata",
});
nomi!(OperazioneRegistrata {
    Nuova => "nuova",
    Rettifica => "rettifica",
    Sostituzione => "sostituzione",
    Corrente => "corrente",
});

/// The values of one computed indicator, as stored (money exact to the cent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Valori {
    pub isee: Decimal,
    pub ise: Decimal,
    pub isr: Decimal,
    pub isp: Decimal,
    pub scala: Decimal,
    pub validita: Validita,
}

/// One indicator of a stored attestation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValoreIndicatore {
    pub tipo: TipoIsee,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prestazione: Option<Prestazione>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beneficiario: Option<CodiceFiscale>,
    /// `None` when the indicator is not computable (`motivo_non_calcolabile` says why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valori: Option<Valori>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motivo_non_calcolabile: Option<String>,
}

/// A row of the register as read back: the receipt of a filing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registrazione {
    pub protocollo: Protocollo,
    pub tipo: TipoRegistrazione,
    pub operazione: OperazioneRegistrata,
    /// The DSU rectified, substituted, or (for a corrente) the DSU it stands on.
    pub riferimento: Option<Protocollo>,
    pub mittente: String,
    /// The declarant (the access model's key: mandates are given by the declarant).
    pub cf_dichiarante: CodiceFiscale,
    pub protocollo_mittente: Option<String>,
    pub data_presentazione: NaiveDate,
    pub validita: Validita,
    pub stato: StatoDsu,
    pub sostituita_da: Option<Protocollo>,
    pub versione_motore: String,
    pub versione_parametri: String,
    pub regole_dal: NaiveDate,
    /// Unix microseconds.
    pub registrata_il: i64,
    pub annullata_il: Option<i64>,
    pub indicatori: Vec<ValoreIndicatore>,
}

impl Registrazione {
    /// The filing in words, as the receipt prints it.
    pub fn descrizione_operazione(&self) -> String {
        let rif = self
            .riferimento
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default();
        match self.operazione {
            OperazioneRegistrata::Nuova => "Nuova DSU".into(),
            OperazioneRegistrata::Rettifica => format!("Rettifica della DSU {rif}"),
            OperazioneRegistrata::Sostituzione => format!("Sostituzione della DSU {rif}"),
            OperazioneRegistrata::Corrente => format!("Modulo ISEE corrente sulla DSU {rif}"),
        }
    }

    /// The day the register recorded the row (its filing date when the timestamp is
    /// unreadable): the attestation's issue date.
    pub fn registrata_il_data(&self) -> NaiveDate {
        chrono::DateTime::from_timestamp_micros(self.registrata_il)
            .map(|t| t.date_naive())
            .unwrap_or(self.data_presentazione)
    }
}

/// The receipt returned to the sender.
pub type Ricevuta = Registrazione;

/// Everything the store writes for a new row, in one transaction.
#[derive(Clone, Debug)]
pub struct NuovaRegistrazione {
    /// Prefix of the protocol of a new DSU (a corrente keeps its DSU's).
    pub prefisso: String,
    /// Year of the per-year sequence (the filing year).
    pub anno: i32,
    pub tipo: TipoRegistrazione,
    pub operazione: OperazioneRegistrata,
    pub riferimento: Option<Protocollo>,
    pub mittente: String,
    pub chiave_idempotenza: String,
    /// SHA-256 of the request (operation, reference, sender protocol, canonical DSU).
    pub hash_richiesta: String,
    pub protocollo_mittente: Option<String>,
    pub data_presentazione: NaiveDate,
    pub validita: Validita,
    pub cf_dichiarante: CodiceFiscale,
    pub componenti: Vec<CodiceFiscale>,
    /// The canonical DSU JSON, from which the attestation can be recomputed.
    pub dsu_json: String,
    pub attestazione_json: String,
    pub versione_motore: String,
    pub versione_parametri: String,
    pub regole_dal: NaiveDate,
    pub registrata_il: i64,
    pub indicatori: Vec<ValoreIndicatore>,
}

/// The documents stored with a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Documenti {
    pub dsu_json: String,
    pub attestazione_json: String,
}

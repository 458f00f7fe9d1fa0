//! The JSON bodies of the API, with their OpenAPI schemas.
//!
//! The register's records are converted into these types rather than serialized as
//! they are, so that the published document and the bytes on the wire come from the
//! same struct and cannot drift. Amounts are strings (exact decimals, never JSON
//! numbers); dates are `YYYY-MM-DD`; instants are RFC 3339 in UTC.

use chrono::{DateTime, NaiveDate, SecondsFormat};
use isee_registro::omissioni::Annotazione;
use isee_registro::registrazione::{
    OperazioneRegistrata, Registrazione, StatoDsu, TipoRegistrazione, ValoreIndicatore,
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;
use utoipa::ToSchema;
use utoipa::openapi::{ObjectBuilder, RefOr, Schema};

/// A period of validity.
#[derive(Debug, Serialize, ToSchema)]
pub struct Periodo {
    #[schema(format = Date, example = "2026-03-02")]
    pub dal: String,
    #[schema(format = Date, example = "2026-12-31")]
    pub al: String,
}

/// Kind of row: a DSU or an ISEE corrente module on top of one.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tipo {
    Dsu,
    Corrente,
}

/// State of a registered DSU.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stato {
    Attiva,
    Rettificata,
    Sostituita,
    Annullata,
}

/// The operation that created the row.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Operazione {
    Nuova,
    Rettifica,
    Sostituzione,
    Corrente,
}

/// The values of a computed indicator (euro amounts as exact decimal strings).
#[derive(Debug, Serialize, ToSchema)]
pub struct ValoriIndicatore {
    #[schema(example = "12345.67")]
    pub isee: String,
    pub ise: String,
    pub isr: String,
    pub isp: String,
    /// Scala di equivalenza.
    #[schema(example = "2.04")]
    pub scala: String,
    pub validita: Periodo,
}

/// One indicator of the attestation: its values, or why it cannot be computed.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatoreRegistrato {
    /// ISEE type (`ordinario`, `minorenni`, `universitario`, `sociosanitario`…).
    pub tipo: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prestazione: Option<String>,
    /// Fiscal code of the beneficiary, for indicators computed for one member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beneficiario: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valori: Option<ValoriIndicatore>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub motivo_non_calcolabile: Option<String>,
}

/// The receipt of a filing: a row of the register with its indicator values.
#[derive(Debug, Serialize, ToSchema)]
pub struct RicevutaDsu {
    #[schema(example = "INPS-ISEE-2026-00000001C-00")]
    pub protocollo: String,
    pub tipo: Tipo,
    pub operazione: Operazione,
    /// The DSU rectified or substituted, or (for a corrente module) its DSU.
    pub riferimento: Option<String>,
    /// The client that filed it.
    pub mittente: String,
    pub protocollo_mittente: Option<String>,
    #[schema(format = Date)]
    pub data_presentazione: String,
    pub validita: Periodo,
    pub stato: Stato,
    pub sostituita_da: Option<String>,
    pub versione_motore: String,
    pub versione_parametri: String,
    #[schema(format = Date)]
    pub regole_dal: String,
    #[schema(format = DateTime)]
    pub registrata_il: String,
    #[schema(format = DateTime)]
    pub annullata_il: Option<String>,
    pub indicatori: Vec<IndicatoreRegistrato>,
}

fn data(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn istante(us: i64) -> String {
    DateTime::from_timestamp_micros(us)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true))
        .unwrap_or_default()
}

/// The serde name of a core enum (`ordinario`, `bonus_nido`…).
fn nome_serde<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

impl From<&ValoreIndicatore> for IndicatoreRegistrato {
    fn from(v: &ValoreIndicatore) -> IndicatoreRegistrato {
        IndicatoreRegistrato {
            tipo: nome_serde(&v.tipo),
            prestazione: v.prestazione.as_ref().map(nome_serde),
            beneficiario: v.beneficiario.map(|b| b.as_str().to_string()),
            valori: v.valori.as_ref().map(|x| ValoriIndicatore {
                isee: x.isee.to_string(),
                ise: x.ise.to_string(),
                isr: x.isr.to_string(),
                isp: x.isp.to_string(),
                scala: x.scala.to_string(),
                validita: Periodo {
                    dal: data(x.validita.dal),
                    al: data(x.validita.al),
                },
            }),
            motivo_non_calcolabile: v.motivo_non_calcolabile.clone(),
        }
    }
}

impl From<&Registrazione> for RicevutaDsu {
    fn from(r: &Registrazione) -> RicevutaDsu {
        RicevutaDsu {
            protocollo: r.protocollo.to_string(),
            tipo: match r.tipo {
                TipoRegistrazione::Dsu => Tipo::Dsu,
                TipoRegistrazione::Corrente => Tipo::Corrente,
            },
            operazione: match r.operazione {
                OperazioneRegistrata::Nuova => Operazione::Nuova,
                OperazioneRegistrata::Rettifica => Operazione::Rettifica,
                OperazioneRegistrata::Sostituzione => Operazione::Sostituzione,
                OperazioneRegistrata::Corrente => Operazione::Corrente,
            },
            riferimento: r.riferimento.as_ref().map(|p| p.to_string()),
            mittente: r.mittente.clone(),
            protocollo_mittente: r.protocollo_mittente.clone(),
            data_presentazione: data(r.data_presentazione),
            validita: Periodo {
                dal: data(r.validita.dal),
                al: data(r.validita.al),
            },
            stato: match r.stato {
                StatoDsu::Attiva => Stato::Attiva,
                StatoDsu::Rettificata => Stato::Rettificata,
                StatoDsu::Sostituita => Stato::Sostituita,
                StatoDsu::Annullata => Stato::Annullata,
            },
            sostituita_da: r.sostituita_da.as_ref().map(|p| p.to_string()),
            versione_motore: r.versione_motore.clone(),
            versione_parametri: r.versione_parametri.clone(),
            regole_dal: data(r.regole_dal),
            registrata_il: istante(r.registrata_il),
            annullata_il: r.annullata_il.map(istante),
            indicatori: r
                .indicatori
                .iter()
                .map(IndicatoreRegistrato::from)
                .collect(),
        }
    }
}

/// A member of the nucleus, as declared.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembroNucleo {
    pub codice_fiscale: String,
    pub cognome: Option<String>,
    pub nome: Option<String>,
    /// Relation to the dichiarante (INPS codes: `D`, `C`, `F`…).
    pub rapporto: String,
}

/// An omission or discrepancy noted on the attestation (DPCM 159/2013 art. 11 c.3).
#[derive(Debug, Serialize, ToSchema)]
pub struct AnnotazioneDsu {
    pub codice_fiscale: String,
    /// `PatrimoniMobiliari` or `RedditiScostamento`.
    pub tipo: String,
    pub riferimento: String,
    pub tipo_rapporto: Option<String>,
    /// What the DSU declares (absent: the relationship is not declared).
    pub dichiarato: Option<String>,
    pub agenzia_entrate: String,
    #[schema(format = Date)]
    pub data_controllo: String,
}

impl From<&Annotazione> for AnnotazioneDsu {
    fn from(a: &Annotazione) -> AnnotazioneDsu {
        AnnotazioneDsu {
            codice_fiscale: a.codice_fiscale.as_str().to_string(),
            tipo: a.tipo.nome().to_string(),
            riferimento: a.riferimento.clone(),
            tipo_rapporto: a.tipo_rapporto.clone(),
            dichiarato: a.dichiarato.map(|d| d.to_string()),
            agenzia_entrate: a.agenzia_entrate.to_string(),
            data_controllo: data(a.data_controllo),
        }
    }
}

/// A registered DSU in full: the receipt, the nucleus, the stored attestation (every
/// indicator with every calculation line) and the annotations.
#[derive(Debug, Serialize, ToSchema)]
pub struct DettaglioDsu {
    pub registrazione: RicevutaDsu,
    pub nucleo: Vec<MembroNucleo>,
    /// The attestation as computed at filing time: `indicatori`, each with its
    /// request, its calculation lines (`righe`), ISEE, validity and versions.
    #[schema(value_type = Object)]
    pub attestazione: Box<RawValue>,
    pub annotazioni: Vec<AnnotazioneDsu>,
}

/// Lookup of the DSU valid on a date for a fiscal code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RicercaDsuValida {
    #[schema(example = "RSSMRA85M01H199H")]
    pub codice_fiscale: String,
    /// The date of interest; today when absent.
    #[schema(format = Date)]
    pub data: Option<String>,
}

/// Lookup of every DSU that lists a fiscal code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RicercaStorico {
    pub codice_fiscale: String,
}

/// What a mandate allows.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AmbitoMandato {
    /// Read the declarant's DSUs.
    Lettura,
    /// Read them and file rectifications, substitutions, annulments and ISEE corrente
    /// modules on them.
    Presentazione,
}

impl From<AmbitoMandato> for isee_registro::Ambito {
    fn from(a: AmbitoMandato) -> isee_registro::Ambito {
        match a {
            AmbitoMandato::Lettura => isee_registro::Ambito::Lettura,
            AmbitoMandato::Presentazione => isee_registro::Ambito::Presentazione,
        }
    }
}

/// A declarant's mandate to a sender (back office only).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RichiestaMandato {
    /// The client id of the sender (a CAF) that receives the mandate.
    #[schema(example = "caf-bo")]
    pub mittente: String,
    /// The declarant who gives it.
    #[schema(example = "RSSMRA85M01H199H")]
    pub codice_fiscale_dichiarante: String,
    pub ambito: AmbitoMandato,
    /// The last day it is valid (not in the past).
    #[schema(format = Date, example = "2026-12-31")]
    pub scadenza: String,
}

/// The mandate to revoke (back office only).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevocaMandato {
    #[schema(example = "caf-bo")]
    pub mittente: String,
    #[schema(example = "RSSMRA85M01H199H")]
    pub codice_fiscale_dichiarante: String,
}

/// A mandate as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct MandatoRegistrato {
    pub mittente: String,
    pub codice_fiscale_dichiarante: String,
    pub ambito: AmbitoMandato,
    #[schema(format = Date)]
    pub scadenza: String,
    /// The back-office client (or `cli`) that recorded it.
    pub registrato_da: String,
    #[schema(format = DateTime)]
    pub registrato_il: String,
    #[schema(format = DateTime)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocato_il: Option<String>,
}

impl From<&isee_registro::Mandato> for MandatoRegistrato {
    fn from(m: &isee_registro::Mandato) -> MandatoRegistrato {
        MandatoRegistrato {
            mittente: m.mittente.clone(),
            codice_fiscale_dichiarante: m.cf_dichiarante.as_str().to_string(),
            ambito: match m.ambito {
                isee_registro::Ambito::Lettura => AmbitoMandato::Lettura,
                isee_registro::Ambito::Presentazione => AmbitoMandato::Presentazione,
            },
            scadenza: data(m.scadenza),
            registrato_da: m.registrato_da.clone(),
            registrato_il: istante(m.registrato_il),
            revocato_il: m.revocato_il.map(istante),
        }
    }
}

/// The query of `GET /api/v1/dsu`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiltroMittente {
    /// The caller's own protocol for the DSU.
    pub protocollo_mittente: String,
}

/// The liveness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Salute {
    #[schema(example = "ok")]
    pub stato: String,
    pub versione: String,
}

/// The DSU request body. Its schema is the project's DSU JSON Schema
/// (`schema/dsu.schema.json`), inserted into the OpenAPI document by
/// [`crate::api::documento_openapi`]; this placeholder only names it.
pub struct Dsu;

impl utoipa::PartialSchema for Dsu {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().into()
    }
}

impl ToSchema for Dsu {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Dsu")
    }
}

/// The ISEE corrente module (the `corrente` object of the DSU format); its schema
/// comes from the DSU JSON Schema like [`Dsu`]'s.
pub struct ModuloCorrente;

impl utoipa::PartialSchema for ModuloCorrente {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().into()
    }
}

impl ToSchema for ModuloCorrente {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ModuloCorrente")
    }
}

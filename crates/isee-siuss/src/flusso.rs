//! Flows and outcomes as INPS's OpenAPI (`api-comuni.yaml` v2.0.1) names them: a
//! [`Flusso`] is one record (one beneficiary, one benefit) with its id
//! (`EEEE.PS.AAAAMMGG.NNNNNNN`) and its `ts_flusso`, the instant it was (re)issued,
//! by which INPS pages with `since`; an [`Esito`] is what INPS posts back for one flow.

use crate::ente::Ente;
use crate::errore::{ErroreSiuss, Risultato};
use crate::prestazione::{PrestazioneErogata, RecordGrezzo};
use chrono::{DateTime, NaiveDate, Utc};

/// `TipoFlusso`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TipoFlusso {
    #[serde(rename = "PS_PSA_SINA")]
    PsPsaSina,
    #[serde(rename = "SINBA")]
    Sinba,
}

impl TipoFlusso {
    pub fn nome(self) -> &'static str {
        match self {
            TipoFlusso::PsPsaSina => "PS_PSA_SINA",
            TipoFlusso::Sinba => "SINBA",
        }
    }

    /// The `TIPO` part of the flow id (`PS` or `SINBA`).
    pub fn sigla(self) -> &'static str {
        match self {
            TipoFlusso::PsPsaSina => "PS",
            TipoFlusso::Sinba => "SINBA",
        }
    }

    pub fn da_nome(s: &str) -> Option<TipoFlusso> {
        match s {
            "PS_PSA_SINA" => Some(TipoFlusso::PsPsaSina),
            "SINBA" => Some(TipoFlusso::Sinba),
            _ => None,
        }
    }
}

/// Where a flow stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatoFlusso {
    /// Issued (or reissued) and not yet acknowledged: served to a `since` before its
    /// `ts_flusso`.
    DaTrasmettere,
    /// INPS said `OK`.
    Acquisito,
    /// INPS said `RICHIESTA_INVALIDA` or `DATI_NON_TROVATI`: the data must be corrected
    /// (a new import of the same application and benefit reissues it).
    Scartato,
}

impl StatoFlusso {
    pub fn nome(self) -> &'static str {
        match self {
            StatoFlusso::DaTrasmettere => "da_trasmettere",
            StatoFlusso::Acquisito => "acquisito",
            StatoFlusso::Scartato => "scartato",
        }
    }

    pub fn da_nome(s: &str) -> Option<StatoFlusso> {
        match s {
            "da_trasmettere" => Some(StatoFlusso::DaTrasmettere),
            "acquisito" => Some(StatoFlusso::Acquisito),
            "scartato" => Some(StatoFlusso::Scartato),
            _ => None,
        }
    }
}

/// One flow as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flusso {
    pub id_flusso: String,
    pub tipo: TipoFlusso,
    /// `ts_flusso` in Unix milliseconds: strictly increasing over the store's flows.
    pub ts_ms: i64,
    pub ente: Ente,
    /// The ente's record as imported.
    pub record: RecordGrezzo,
    pub stato: StatoFlusso,
    pub id_acquisizione_siuss: Option<String>,
}

impl Flusso {
    /// The record read again (the store keeps the ente's raw record).
    pub fn prestazione(&self) -> Risultato<PrestazioneErogata> {
        PrestazioneErogata::leggi(&self.record)
            .map_err(|p| ErroreSiuss::DatoCorrotto(format!("flusso {}: {p}", self.id_flusso)))
    }

    /// The flow's XML document.
    pub fn xml(&self) -> Risultato<String> {
        Ok(crate::xml::documento_ps(
            &self.ente,
            &self.id_flusso,
            &self.prestazione()?,
        ))
    }

    /// `ts_flusso` as the OpenAPI's date-time (`2023-11-27T11:04:56.852Z`).
    pub fn ts_flusso(&self) -> String {
        ts_testo(self.ts_ms)
    }
}

/// Unix milliseconds as RFC 3339 with milliseconds, UTC.
pub fn ts_testo(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// An RFC 3339 date-time as Unix milliseconds.
pub fn ts_da_testo(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp_millis())
}

/// The id of a flow: `{ente}.{PS|SINBA}.{AAAAMMGG}.{NNNNNNN}` (the daily progressive
/// on seven digits).
pub fn id_flusso(ente: &Ente, tipo: TipoFlusso, giorno: NaiveDate, progressivo: i64) -> String {
    format!(
        "{}.{}.{}.{:07}",
        ente.codice(),
        tipo.sigla(),
        giorno.format("%Y%m%d"),
        progressivo
    )
}

/// `codice_esito`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CodiceEsito {
    Ok,
    DatiNonTrovati,
    RichiestaInvalida,
    ErroreGenerico,
}

impl CodiceEsito {
    pub fn nome(self) -> &'static str {
        match self {
            CodiceEsito::Ok => "OK",
            CodiceEsito::DatiNonTrovati => "DATI_NON_TROVATI",
            CodiceEsito::RichiestaInvalida => "RICHIESTA_INVALIDA",
            CodiceEsito::ErroreGenerico => "ERRORE_GENERICO",
        }
    }

    pub fn da_nome(s: &str) -> Option<CodiceEsito> {
        [
            CodiceEsito::Ok,
            CodiceEsito::DatiNonTrovati,
            CodiceEsito::RichiestaInvalida,
            CodiceEsito::ErroreGenerico,
        ]
        .into_iter()
        .find(|c| c.nome() == s)
    }
}

/// One outcome INPS posted (`EsitoFlusso`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Esito {
    pub id_flusso: String,
    pub tipo: TipoFlusso,
    pub ts_flusso_ms: i64,
    pub ts_acquisizione_ms: i64,
    pub codice: CodiceEsito,
    pub descrizione: Option<String>,
    pub id_acquisizione_siuss: Option<String>,
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RiepilogoImportazione {
    /// New flows.
    pub nuovi: usize,
    /// Records of an application and benefit already there, changed: reissued.
    pub aggiornati: usize,
    /// Records identical to the stored ones: nothing done.
    pub invariati: usize,
}

/// What a batch of outcomes did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RiepilogoEsiti {
    /// Outcomes recorded (a repeated delivery of the same outcome counts once).
    pub registrati: usize,
    /// Flows reissued after `ERRORE_GENERICO`.
    pub da_ritrasmettere: usize,
    /// Ids that name no flow of this store (not recorded).
    pub sconosciuti: Vec<String>,
}

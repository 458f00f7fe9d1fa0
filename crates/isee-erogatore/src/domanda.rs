//! The records of the ente's local ISEE register ("banca dati ISEE comunale",
//! issue 4): each application with the ISEE obtained for it and where the value came
//! from. The store ([`crate::store`]) and the register ([`crate::registro`]) speak in
//! these; this module depends on neither.
//!
//! The DSU protocol is kept as text, unchecked: a value read from INPS carries
//! INPS's own check letter, which this project does not compute (isee-registro's
//! `protocollo`).

use chrono::NaiveDate;
use isee_core::TipoIsee;
use isee_core::codice_fiscale::CodiceFiscale;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Where an ISEE value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FonteIsee {
    /// Read from INPS's consultation service (PDND).
    ConsultazioneInps,
    /// Read from the attestation the citizen handed in.
    AttestazionePresentata,
    /// Taken from this project's DSU register.
    RegistroLocale,
}

impl FonteIsee {
    pub fn nome(self) -> &'static str {
        match self {
            FonteIsee::ConsultazioneInps => "consultazione_inps",
            FonteIsee::AttestazionePresentata => "attestazione_presentata",
            FonteIsee::RegistroLocale => "registro_locale",
        }
    }

    pub fn da_nome(s: &str) -> Option<FonteIsee> {
        [
            FonteIsee::ConsultazioneInps,
            FonteIsee::AttestazionePresentata,
            FonteIsee::RegistroLocale,
        ]
        .into_iter()
        .find(|f| f.nome() == s)
    }
}

/// The ISEE obtained for an application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IseeOttenuto {
    pub tipo: TipoIsee,
    pub isee: Decimal,
    pub ise: Option<Decimal>,
    pub isr: Option<Decimal>,
    pub isp: Option<Decimal>,
    pub scala: Option<Decimal>,
    pub protocollo_dsu: Option<String>,
    pub data_presentazione_dsu: Option<NaiveDate>,
    /// Last day of validity.
    pub valida_al: Option<NaiveDate>,
    pub fonte: Option<FonteIsee>,
    /// Where the value came from (a consultation's reference, a file name…).
    pub evidenza: Option<String>,
    /// SHA-256 (hex) of `evidenza`, so a later change of the text shows.
    pub hash_evidenza: Option<String>,
}

/// One application to a service of the ente.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomandaEnte {
    pub ente: String,
    pub id: String,
    pub servizio: String,
    pub codice_fiscale: CodiceFiscale,
    /// The ISEE type the service requires.
    pub tipo_richiesto: TipoIsee,
    pub isee: Option<IseeOttenuto>,
    /// Unix microseconds of the last write.
    pub aggiornata_il: i64,
}

/// SHA-256 of a text, lower-case hex.
pub fn sha256_hex(testo: &str) -> String {
    isee_hash::sha256_hex(testo.as_bytes())
}

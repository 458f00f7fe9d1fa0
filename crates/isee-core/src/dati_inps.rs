//! What INPS's DSU document (`ISEE_Dichiarazione` v1.3) asks beyond what the
//! calculation uses: the signature, the home's address and its registered lease, and
//! for each person the registry data, the disability certificate and the vehicles.
//!
//! No rule of the calculation reads these fields: they travel with the DSU so that it
//! is a complete INPS document (`isee xml esporta`, the register's XML filings, the
//! ConsultazioneDichiarazione e-service) and so that an XML document read back loses
//! nothing. A DSU written by hand or by the simulator may leave them out
//! ([`DatiInps::is_vuoto`]); the XML writer then reports each missing datum that INPS
//! requires, with its path (`$.dati_inps.sottoscrizione`,
//! `$.dati_inps.persone["RSSMRA80A01H501U"]`…).

use crate::codice_fiscale::CodiceFiscale;
use crate::data::Data;
use crate::testo_corto::CodiceComune;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The data of INPS's document that the calculation does not use (`Dsu::dati_inps`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatiInps {
    /// `Sottoscrizione` (required by INPS): who signs, where, when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sottoscrizione: Option<Sottoscrizione>,
    /// `Abitazione/IndirizzoAbitazione` (required by INPS): the home's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indirizzo_abitazione: Option<Indirizzo>,
    /// `Abitazione/Locazione`: the registered lease, when the home is rented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locazione: Option<ContrattoLocazione>,
    /// Per person, by fiscal code: registry data, certificate, vehicles. A person may
    /// be a member, a non-cohabiting parent or a componente aggiuntiva.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub persone: BTreeMap<String, DatiPersona>,
}

impl DatiInps {
    /// Nothing given (the DSU's JSON then has no `dati_inps`).
    pub fn is_vuoto(&self) -> bool {
        self == &DatiInps::default()
    }
}

/// `Sottoscrizione`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sottoscrizione {
    /// Who signs (the dichiarante, or a legal representative).
    pub codice_fiscale: CodiceFiscale,
    pub luogo: String,
    /// `@DataSottoscrizione`; the DSU's filing date when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Data>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `@FlagImpedimentoTemporaneo`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub impedimento_temporaneo: bool,
    /// `@FlagRappresentanzaLegale`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rappresentanza_legale: bool,
    /// `@IndirizzoPEC`; `@FlagPEC` is true when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pec: Option<String>,
    /// `@FlagAutorizzazioneRitiro`: the sender (a CAF) may collect the attestation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub autorizzazione_ritiro: bool,
    /// `@NumeroRicevuta`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numero_ricevuta: Option<String>,
}

/// `TypeIndirizzo`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Indirizzo {
    pub indirizzo: String,
    pub civico: String,
    pub codice_comune: CodiceComune,
    /// Province plate code (`RM`).
    pub provincia: String,
    pub cap: String,
}

/// `Abitazione/Locazione`: the registered contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContrattoLocazione {
    /// `@DataRegistrazione`.
    pub data: Data,
    pub serie: String,
    pub numero: String,
    /// `@CodUfficio`: the tax office.
    pub codice_ufficio: String,
    /// `Intestatario`: at least one.
    pub intestatari: Vec<CodiceFiscale>,
}

/// A person's data that INPS asks and the calculation does not use.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatiPersona {
    /// `@Cittadinanza` (required by INPS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cittadinanza: Option<String>,
    /// `@ProvinciaNascita` (required by INPS; `EE` abroad).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provincia_nascita: Option<String>,
    /// `@Sesso`; from the fiscal code when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sesso: Option<Sesso>,
    /// `@CodiceComuneNascita`; from the fiscal code when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comune_nascita: Option<CodiceComune>,
    /// Surname and name of a person the DSU does not name elsewhere (an excluded
    /// non-cohabiting parent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cognome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nome: Option<String>,
    /// `DatiComponente/Residenza`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residenza: Option<Indirizzo>,
    /// FC7: the disability certificate, required by INPS with the disability level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificazione: Option<Certificazione>,
    /// FC6: vehicles and boats.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub veicoli: Vec<Veicolo>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Sesso {
    M,
    F,
}

/// `Disabilita`'s certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Certificazione {
    /// `@EnteCertif`.
    pub ente: String,
    /// `@DocCertif`.
    pub documento: String,
    /// `@DataCertif`.
    pub data: Data,
    /// `@FlagPrestResidenziale`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prestazioni_residenziali: bool,
}

/// FC6 `Veicolo`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Veicolo {
    pub tipo: TipoVeicolo,
    pub targa: String,
}

/// `@TipoVeicolo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TipoVeicolo {
    /// Autoveicolo.
    A,
    /// Motoveicolo.
    M,
    /// Nave.
    N,
    /// Imbarcazione.
    I,
}

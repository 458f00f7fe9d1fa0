//! isee-dichiarazione: the DSU as INPS's document, `ISEE_Dichiarazione` v1.3
//! (namespace `http://inps.it/ISEERiforma`, root `Dichiarazione`).
//!
//! * [`esporta`] (and [`esporta_con_avvisi`], with the warnings) writes a [`Dsu`] as an XML document encoded in **ISO-8859-1**, as INPS
//!   writes it (the XML declaration says so). INPS's amounts are whole euros: an amount
//!   with cents is refused ([`Decimali::Rifiuta`], every such field listed) or rounded
//!   half away from zero with a warning per field ([`Decimali::Arrotonda`]). A
//!   character outside Latin-1 is an error naming the field (INPS stores Latin-1: a
//!   numeric character reference would pass the parser and be lost behind it). Names
//!   are written upper-case, as INPS's `TypeNome` requires.
//! * [`importa`] reads such a document back (ISO-8859-1, or UTF-8 when declared),
//!   bounded (size, depth, nodes; no DTD, so no entity) and, on an invalid document,
//!   returns **every** problem at once, each with its element path
//!   (`/Dichiarazione/NucleoFamiliare/ComponenteNucleo[2]/FoglioComponenteNucleo/@CodiceFiscale`)
//!   and an Italian message.
//!
//! ## What goes where
//!
//! Every field of our DSU that has an INPS element or attribute is written there
//! (quadri A–E of the `ModelloBase`, FC1–FC8 of each member's sheet, FC9 for the
//! componenti aggiuntive, `ISEECorrente`, `Sottoscrizione`). The data INPS requires
//! and the calculation does not use (citizenship, province of birth, the home's
//! address, the signature, the disability certificate, the registered lease,
//! vehicles) are the DSU's [`DatiInps`] (`dati_inps` in its JSON), and [`importa`]
//! puts them back there. A datum INPS requires and the DSU lacks is refused, or with
//! [`Assenti::Segnala`] left out with a warning.
//!
//! The fields INPS's model has no place for (months worked, the "di cui" of the
//! incomes, the doctorate, a share of a financial relationship…) travel, as JSON, in
//! a processing instruction `<?isee {…}?>` inside the element they belong to: XSD
//! validation ignores processing instructions, INPS's reader too, and the round trip
//! JSON → XML → JSON is lossless. [`Opzioni::estensioni`] `false` leaves them out
//! (a document for INPS only; reading it back loses those fields).
//!
//! Not mapped yet: the later integrations (`IntegrazioneComponenteAggiuntiva`,
//! `IntegrazioneRedditi`, `IntegrazioneResidenziale`: refused on import), `Delegato`,
//! `AbitazioneComponenteAggiuntiva`, the relationships' `DataInizio`/`DataFine` and
//! `Incremento` amounts, `RedditiFondiariEstero`, `AssegniGenitore`, FC8's other
//! figures and flags (written false), the students' parent's code and protocol, the
//! corrente's updated assets as INPS elements (they travel in the extension), and a
//! person given only by the protocol of his or her own DSU (refused on import).
//! `docs/SCELTE.md` has the choices.

#![forbid(unsafe_code)]

mod lettura;
mod scrittura;

pub use isee_core::Dsu;
use isee_core::codice_fiscale::CodiceFiscale;
pub use isee_core::dati_inps::{
    Certificazione, ContrattoLocazione, DatiInps, DatiPersona, Indirizzo, Sesso, Sottoscrizione,
    TipoVeicolo, Veicolo,
};
use isee_core::dsu::CodiceComune;
use serde::{Deserialize, Serialize};
use std::fmt;

pub use lettura::{importa, importa_documento};
pub use scrittura::{esporta, esporta_con_avvisi};

/// The namespace of INPS's ISEERiforma documents.
pub const NAMESPACE: &str = "http://inps.it/ISEERiforma";

/// The largest document [`importa`] reads (bytes).
pub const DIMENSIONE_MASSIMA: usize = 4 * 1024 * 1024;

/// The deepest element nesting [`importa`] accepts (INPS's schema needs 9).
pub const PROFONDITA_MASSIMA: usize = 32;

/// How to write a DSU. The default refuses cents and missing data, writes a new
/// declaration and the extensions.
#[derive(Clone, Debug, PartialEq)]
pub struct Opzioni {
    /// What to do with an amount that has cents.
    pub decimali: Decimali,
    /// What to do when a datum INPS requires is not in the DSU.
    pub assenti: Assenti,
    /// The operation (`Operazione`); a new declaration by default.
    pub operazione: Operazione,
    /// Write the `<?isee …?>` instructions that carry the fields INPS lacks.
    pub estensioni: bool,
}

impl Default for Opzioni {
    fn default() -> Opzioni {
        Opzioni {
            decimali: Decimali::Rifiuta,
            assenti: Assenti::Rifiuta,
            operazione: Operazione::default(),
            estensioni: true,
        }
    }
}

/// A datum INPS's document requires (the signature, the home's address, a person's
/// citizenship…) that the DSU does not hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assenti {
    /// Refuse the DSU, listing every missing datum with its path: a document for INPS
    /// must be complete.
    Rifiuta,
    /// Leave the element or attribute out, with an [`Avviso`] per datum: the document
    /// then says only what the DSU says (it is not valid against INPS's schema where
    /// a required datum is missing). For reading a DSU filed without them, as the
    /// ConsultazioneDichiarazione e-service does: never made-up values.
    Segnala,
}

/// INPS's amounts are whole euros: what to do with cents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decimali {
    /// Round half away from zero to the euro; each rounded field is an [`Avviso`].
    Arrotonda,
    /// Refuse the DSU, listing every field with cents.
    Rifiuta,
}

/// `Operazione/@Tipo` with its references.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operazione {
    pub tipo: TipoOperazione,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codice_fiscale_riferimento: Option<CodiceFiscale>,
    /// `INPS-ISEE-AAAA-NNNNNNNNX-NN`; required by INPS for every type but `N`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocollo_riferimento: Option<String>,
}

/// `Operazione/@Tipo`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TipoOperazione {
    /// Nuova dichiarazione.
    #[default]
    N,
    /// Integrazione componente aggiuntiva.
    A,
    /// Integrazione redditi.
    I,
    /// Integrazione socio-sanitario residenziale.
    S,
    /// ISEE corrente.
    C,
    /// Rettifica.
    R,
    /// Annullamento.
    X,
}

impl TipoOperazione {
    fn codice(self) -> &'static str {
        match self {
            TipoOperazione::N => "N",
            TipoOperazione::A => "A",
            TipoOperazione::I => "I",
            TipoOperazione::S => "S",
            TipoOperazione::C => "C",
            TipoOperazione::R => "R",
            TipoOperazione::X => "X",
        }
    }

    fn da_codice(s: &str) -> Option<TipoOperazione> {
        Some(match s {
            "N" => TipoOperazione::N,
            "A" => TipoOperazione::A,
            "I" => TipoOperazione::I,
            "S" => TipoOperazione::S,
            "C" => TipoOperazione::C,
            "R" => TipoOperazione::R,
            "X" => TipoOperazione::X,
            _ => return None,
        })
    }
}

/// The written document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Esportazione {
    /// ISO-8859-1 bytes.
    pub xml: Vec<u8>,
    /// One per amount rounded to the euro ([`Decimali::Arrotonda`]) and per datum
    /// INPS will miss.
    pub avvisi: Vec<Avviso>,
}

impl From<Esportazione> for Vec<u8> {
    fn from(e: Esportazione) -> Vec<u8> {
        e.xml
    }
}

/// A warning about an exported document: the DSU's JSON path, its kind and what
/// happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Avviso {
    pub percorso: String,
    pub tipo: TipoAvviso,
    pub messaggio: String,
}

/// What an [`Avviso`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TipoAvviso {
    /// An amount with cents, rounded to the euro ([`Decimali::Arrotonda`]).
    Arrotondato,
    /// A datum INPS's document asks that the DSU does not hold: left out
    /// ([`Assenti::Segnala`], or the registered lease of a rented home, which INPS does
    /// not require).
    Assente,
}

/// One problem: where (a JSON path of the DSU on export, an element path of the
/// document on import) and what, in Italian.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problema {
    pub percorso: String,
    pub messaggio: String,
}

impl fmt::Display for Problema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.percorso, self.messaggio)
    }
}

fn elenca(f: &mut fmt::Formatter<'_>, problemi: &[Problema]) -> fmt::Result {
    for (i, p) in problemi.iter().enumerate() {
        if i > 0 {
            f.write_str("; ")?;
        }
        write!(f, "{p}")?;
    }
    Ok(())
}

/// The DSU cannot be written as INPS's document: every reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct ErroreEsportazione {
    pub problemi: Vec<Problema>,
}

impl fmt::Display for ErroreEsportazione {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DSU non esportabile: ")?;
        elenca(f, &self.problemi)
    }
}

/// The document is not a readable `ISEE_Dichiarazione`: every problem found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct ErroreImportazione {
    pub problemi: Vec<Problema>,
}

impl fmt::Display for ErroreImportazione {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("documento non valido: ")?;
        elenca(f, &self.problemi)
    }
}

/// A document read back: the DSU (with its `dati_inps`) and the operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Documento {
    pub dsu: Dsu,
    pub operazione: Operazione,
}

/// The sex and the comune of birth written in a fiscal code (omocodia decoded), when
/// it has the 16-character form.
pub(crate) fn da_codice_fiscale(cf: &CodiceFiscale) -> Option<(Sesso, CodiceComune)> {
    let b = cf.as_bytes();
    if b.len() != 16 {
        return None;
    }
    let cifra = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            _ => b"LMNPQRSTUV".iter().position(|&x| x == c).map(|p| p as u8),
        }
    };
    let giorno = cifra(b[9])? * 10 + cifra(b[10])?;
    let sesso = if giorno > 40 { Sesso::F } else { Sesso::M };
    let mut comune = String::with_capacity(4);
    comune.push(char::from(b[11]));
    for &c in &b[12..15] {
        comune.push(char::from(b'0' + cifra(c)?));
    }
    Some((sesso, CodiceComune::new(&comune)))
}

//! The register's access model (docs/REGISTRO.md, "Modello di accesso al registro"):
//! who may read and who may change a registered DSU.
//!
//! * A **sender** (`Ruolo::Mittente`: a CAF, an ente, a citizen's client) may read and
//!   change the rows it filed, and the rows of a declarant who gave it a mandate
//!   ([`Mandato`]) that is valid today: scope `lettura` reads, scope `presentazione`
//!   reads and changes (rectification, substitution, annulment, ISEE corrente).
//! * A **back-office** client (`Ruolo::BackOffice`, configured explicitly) may also
//!   read every row; each of its reads is recorded ([`LetturaBackOffice`]) before the
//!   answer, and logged. It changes only what it filed, like a sender.
//! * Enti read through the consultation e-services (`isee-consultazione`), which call
//!   the register as a library with their own checks: the REST register has no ente
//!   role.
//!
//! A row the caller may not read is, to the caller, a row that does not exist: the
//! register answers `registro.protocollo_sconosciuto` for both, so that trying
//! protocols reveals nothing. Searches by fiscal code see only readable rows
//! ([`Visibilita`]).

use crate::protocollo::Protocollo;
use chrono::NaiveDate;
use isee_core::codice_fiscale::CodiceFiscale;
use serde::{Deserialize, Serialize};

/// A client's role, from the API key file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ruolo {
    /// Reads and changes only what it filed or holds a mandate for.
    #[default]
    Mittente,
    /// May read every DSU; every read is recorded.
    BackOffice,
}

/// Who is calling: the client id (the register's `mittente`) and its role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chiamante {
    pub id: String,
    pub ruolo: Ruolo,
}

impl Chiamante {
    pub fn mittente(id: &str) -> Chiamante {
        Chiamante {
            id: id.to_string(),
            ruolo: Ruolo::Mittente,
        }
    }

    pub fn back_office(id: &str) -> Chiamante {
        Chiamante {
            id: id.to_string(),
            ruolo: Ruolo::BackOffice,
        }
    }
}

/// What a mandate allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ambito {
    /// Read the declarant's DSUs.
    Lettura,
    /// Read them and file rectifications, substitutions, annulments and ISEE corrente
    /// modules on them.
    Presentazione,
}

impl Ambito {
    /// The name stored in the database and used in JSON.
    pub fn nome(self) -> &'static str {
        match self {
            Ambito::Lettura => "lettura",
            Ambito::Presentazione => "presentazione",
        }
    }

    pub fn da_nome(s: &str) -> Option<Ambito> {
        match s {
            "lettura" => Some(Ambito::Lettura),
            "presentazione" => Some(Ambito::Presentazione),
            _ => None,
        }
    }
}

/// A declarant's mandate to a sender (a CAF), recorded in the register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mandato {
    /// The client id of the sender who holds it.
    pub mittente: String,
    pub cf_dichiarante: CodiceFiscale,
    pub ambito: Ambito,
    /// The last day it is valid.
    pub scadenza: NaiveDate,
    /// Who recorded it (a back-office client id, or `cli` for the command line).
    pub registrato_da: String,
    /// Unix microseconds.
    pub registrato_il: i64,
    pub revocato_il: Option<i64>,
}

impl Mandato {
    /// In force on `oggi`: not revoked and not past its last day.
    pub fn in_vigore(&self, oggi: NaiveDate) -> bool {
        self.revocato_il.is_none() && oggi <= self.scadenza
    }
}

/// What a caller may do with one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permesso {
    /// The row does not exist for the caller.
    Nessuno,
    Lettura,
    /// Read and change (rectify, substitute, annul, add an ISEE corrente).
    Modifica,
}

/// The caller's permission on a row filed by `mittente_riga`, given the caller's
/// mandate from the row's declarant (if any).
pub fn permesso(
    chiamante: &Chiamante,
    mittente_riga: &str,
    mandato: Option<&Mandato>,
    oggi: NaiveDate,
) -> Permesso {
    if chiamante.id == mittente_riga {
        return Permesso::Modifica;
    }
    let da_mandato = match mandato {
        Some(m) if m.mittente == chiamante.id && m.in_vigore(oggi) => match m.ambito {
            Ambito::Presentazione => Permesso::Modifica,
            Ambito::Lettura => Permesso::Lettura,
        },
        _ => Permesso::Nessuno,
    };
    let da_ruolo = match chiamante.ruolo {
        Ruolo::BackOffice => Permesso::Lettura,
        Ruolo::Mittente => Permesso::Nessuno,
    };
    da_mandato.max(da_ruolo)
}

/// How a citizen, signed in to the portal with fiscal code `cf`, sees a row listing
/// `cf` among its members (docs/REGISTRO.md, "Il cittadino"): the declarant sees the
/// whole DSU and may start a rectification from it; every other member sees the
/// attestation only (INPS issues it to any member of the nucleus), not the others'
/// data. A row that does not list `cf` does not exist for that citizen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vista {
    /// A member other than the declarant: the attestation.
    Componente,
    /// The declarant: the DSU and the attestation.
    Dichiarante,
}

impl Vista {
    /// `cf`'s view of a row declared by `cf_dichiarante`, given that `cf` is among its
    /// members.
    pub fn di(cf: &CodiceFiscale, cf_dichiarante: &CodiceFiscale) -> Vista {
        if cf == cf_dichiarante {
            Vista::Dichiarante
        } else {
            Vista::Componente
        }
    }

    /// Whether the DSU's content (members' incomes, assets, the home) may be shown.
    pub fn vede_dsu(self) -> bool {
        self == Vista::Dichiarante
    }
}

/// Which rows a search by fiscal code may return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Visibilita {
    /// Every row (the e-services, the command line, a back-office client).
    Tutte,
    /// Rows filed by `mittente`, or whose declarant gave `mittente` a mandate in force
    /// on `oggi` (either scope).
    Di { mittente: String, oggi: NaiveDate },
}

impl Visibilita {
    /// What `chiamante` may see.
    pub fn di(chiamante: &Chiamante, oggi: NaiveDate) -> Visibilita {
        match chiamante.ruolo {
            Ruolo::BackOffice => Visibilita::Tutte,
            Ruolo::Mittente => Visibilita::Di {
                mittente: chiamante.id.clone(),
                oggi,
            },
        }
    }
}

/// One read by a back-office client, recorded before the answer leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LetturaBackOffice {
    pub cliente: String,
    /// `dettaglio`, `attestazione`, `dsu_valida`, `storico`.
    pub operazione: String,
    /// The protocol asked for, or the masked fiscal code of a search.
    pub oggetto: String,
    /// The rows shown.
    pub protocolli: Vec<Protocollo>,
    /// Unix microseconds.
    pub letta_il: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mandato(ambito: Ambito, scadenza: &str) -> Mandato {
        Mandato {
            mittente: "caf-bo".into(),
            cf_dichiarante: CodiceFiscale::new("RSSMRA85M01H199H"),
            ambito,
            scadenza: scadenza.parse().unwrap(),
            registrato_da: "cli".into(),
            registrato_il: 0,
            revocato_il: None,
        }
    }

    #[test]
    fn permessi() {
        let oggi: NaiveDate = "2026-06-01".parse().unwrap();
        let caf = Chiamante::mittente("caf-bo");
        let bo = Chiamante::back_office("inps-bo");
        assert_eq!(permesso(&caf, "caf-bo", None, oggi), Permesso::Modifica);
        assert_eq!(permesso(&caf, "caf-ra", None, oggi), Permesso::Nessuno);
        assert_eq!(permesso(&bo, "caf-ra", None, oggi), Permesso::Lettura);
        let l = mandato(Ambito::Lettura, "2026-06-01");
        let p = mandato(Ambito::Presentazione, "2026-06-01");
        assert_eq!(permesso(&caf, "caf-ra", Some(&l), oggi), Permesso::Lettura);
        assert_eq!(permesso(&caf, "caf-ra", Some(&p), oggi), Permesso::Modifica);
        // The day after its last day, or revoked, it gives nothing.
        let domani: NaiveDate = "2026-06-02".parse().unwrap();
        assert_eq!(
            permesso(&caf, "caf-ra", Some(&p), domani),
            Permesso::Nessuno
        );
        let mut revocato = p.clone();
        revocato.revocato_il = Some(1);
        assert_eq!(
            permesso(&caf, "caf-ra", Some(&revocato), oggi),
            Permesso::Nessuno
        );
        // Someone else's mandate is no mandate.
        let altro = Chiamante::mittente("caf-fe");
        assert_eq!(
            permesso(&altro, "caf-ra", Some(&p), oggi),
            Permesso::Nessuno
        );
        // A back office with a mandate to change may change.
        let mut p_bo = p.clone();
        p_bo.mittente = "inps-bo".into();
        assert_eq!(
            permesso(&bo, "caf-ra", Some(&p_bo), oggi),
            Permesso::Modifica
        );
    }
}

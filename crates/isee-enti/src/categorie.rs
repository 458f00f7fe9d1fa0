//! IPA categories and who may use which e-service (INPS message 3269 of 30-10-2025).
//!
//! Categories are compared by code (`L6`), never by name: IPA names use `'` for
//! accents (`Universita'`) and have changed over time.
//!
//! | Group | E-services | Who |
//! |---|---|---|
//! | [`GruppoEservizi::Operatori`] | Consultazione Indicatore / Attestazione ISEE Operatori | the seven categories, and the operator needs an MV62 authorisation ([`crate::registro`]) |
//! | [`GruppoEservizi::Residenti`] | Consultazione Indicatore / Attestazione Residenti ISEE | Comuni only |
//! | [`GruppoEservizi::Riscontro`] | Consultazione Indicatore (Nucleo) Riscontro ISEE | the seven categories |
//! | [`GruppoEservizi::ConCertificato`] | Consultazione Indicatore / Attestazione ISEE | the seven categories; among Comuni, capoluoghi di provincia only |

use crate::anagrafe::Ente;
use serde::Serialize;

/// Comuni e loro Consorzi e Associazioni.
pub const COMUNI: &str = "L6";

/// The seven categories of message 3269, the same list for every group.
pub const CATEGORIE_AMMESSE: [&str; 7] = ["L6", "L4", "L7", "L17", "L43", "L15", "L39"];

/// IPA's names of the categories this system meets: the admitted ones and their
/// neighbours that operators ask about (consultazione-pdnd.md §4.1).
const NOMI: [(&str, &str); 16] = [
    ("L6", "Comuni e loro Consorzi e Associazioni"),
    (
        "L4",
        "Regioni, Province Autonome e loro Consorzi e Associazioni",
    ),
    ("L7", "Aziende Sanitarie Locali"),
    (
        "L17",
        "Universita' e Istituti di Istruzione Universitaria Pubblici",
    ),
    (
        "L43",
        "Istituzioni per l'Alta Formazione Artistica, Musicale e Coreutica - AFAM",
    ),
    (
        "L15",
        "Agenzie, Enti e Consorzi Pubblici per il Diritto allo Studio Universitario",
    ),
    (
        "L39",
        "Aziende e Consorzi Pubblici Territoriali per l'Edilizia Residenziale",
    ),
    ("L18", "Unioni di Comuni e loro Consorzi e Associazioni"),
    ("L45", "Citta' Metropolitane"),
    ("L5", "Province e loro Consorzi e Associazioni"),
    ("L12", "Comunita' Montane e loro Consorzi e Associazioni"),
    ("L36", "Consorzi tra Amministrazioni Locali"),
    ("L34", "Aziende Pubbliche di Servizi alla Persona"),
    ("L22", "Agenzie Regionali Sanitarie"),
    ("L37", "Gestori di Pubblici Servizi"),
    (
        "L8",
        "Aziende Ospedaliere, Aziende Ospedaliere Universitarie, Policlinici e Istituti di Ricovero e Cura a Carattere Scientifico Pubblici",
    ),
];

/// IPA's name of a category, when it is one this crate knows.
pub fn nome(codice: &str) -> Option<&'static str> {
    NOMI.iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(codice.trim()))
        .map(|(_, n)| *n)
}

/// Whether a category is one of the seven of message 3269.
pub fn ammessa(codice: &str) -> bool {
    CATEGORIE_AMMESSE
        .iter()
        .any(|c| c.eq_ignore_ascii_case(codice.trim()))
}

/// The groups of INPS e-services that differ in who may use them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GruppoEservizi {
    Operatori,
    Residenti,
    Riscontro,
    ConCertificato,
}

impl GruppoEservizi {
    pub const TUTTI: [GruppoEservizi; 4] = [
        GruppoEservizi::Operatori,
        GruppoEservizi::Residenti,
        GruppoEservizi::Riscontro,
        GruppoEservizi::ConCertificato,
    ];

    /// The INPS names of the e-services of the group.
    pub fn nome(self) -> &'static str {
        match self {
            GruppoEservizi::Operatori => "Consultazione Indicatore/Attestazione ISEE Operatori",
            GruppoEservizi::Residenti => "Consultazione Indicatore/Attestazione Residenti ISEE",
            GruppoEservizi::Riscontro => "Consultazione Indicatore (Nucleo) Riscontro ISEE",
            GruppoEservizi::ConCertificato => "Consultazione Indicatore/Attestazione ISEE",
        }
    }
}

/// Why an ente may not use a group of e-services.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "codice", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Esclusione {
    /// The ente's IPA category is not among the seven.
    CategoriaNonAmmessa { categoria: String },
    /// The Residenti services are for Comuni only.
    SoloComuni { categoria: String },
    /// The certificate services admit, among Comuni, only capoluoghi di provincia.
    SoloCapoluoghi,
}

impl Esclusione {
    pub fn codice(&self) -> &'static str {
        match self {
            Esclusione::CategoriaNonAmmessa { .. } => "CATEGORIA_NON_AMMESSA",
            Esclusione::SoloComuni { .. } => "SOLO_COMUNI",
            Esclusione::SoloCapoluoghi => "SOLO_CAPOLUOGHI",
        }
    }

    pub fn messaggio(&self) -> String {
        let con_nome = |c: &str| match nome(c) {
            Some(n) => format!("{c} ({n})"),
            None => c.to_string(),
        };
        match self {
            Esclusione::CategoriaNonAmmessa { categoria } => format!(
                "la categoria IPA {} non è tra quelle ammesse ai servizi ISEE (messaggio INPS 3269/2025)",
                con_nome(categoria)
            ),
            Esclusione::SoloComuni { categoria } => format!(
                "i servizi Residenti sono riservati ai Comuni; l'ente è della categoria IPA {}",
                con_nome(categoria)
            ),
            Esclusione::SoloCapoluoghi => "tra i Comuni, i servizi Consultazione Indicatore/Attestazione ISEE sono riservati ai capoluoghi di provincia (messaggio INPS 3269/2025)".to_string(),
        }
    }
}

/// Whether an ente may use a group of e-services, by its IPA category (and, for
/// Comuni, by the capoluogo flag). The operator's own authorisation, needed by the
/// Operatori group, is checked by [`crate::CacheAbilitazioni::verifica`].
pub fn ammesso(ente: &Ente, gruppo: GruppoEservizi) -> Result<(), Esclusione> {
    let categoria = ente.categoria.as_str();
    if gruppo == GruppoEservizi::Residenti {
        // A consortium or association in L6 has no residents of its own: the
        // residence check needs a Comune's Belfiore code.
        return if ente.e_comune() {
            Ok(())
        } else {
            Err(Esclusione::SoloComuni {
                categoria: categoria.to_string(),
            })
        };
    }
    if !ammessa(categoria) {
        return Err(Esclusione::CategoriaNonAmmessa {
            categoria: categoria.to_string(),
        });
    }
    if gruppo == GruppoEservizi::ConCertificato
        && categoria.eq_ignore_ascii_case(COMUNI)
        && !ente.capoluogo
    {
        return Err(Esclusione::SoloCapoluoghi);
    }
    Ok(())
}

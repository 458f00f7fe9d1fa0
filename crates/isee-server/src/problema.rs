//! Errors as RFC 9457 problem documents (`application/problem+json`).
//!
//! Every refusal of the API is one [`Problema`] (the type shared by the services, in
//! isee-http): the HTTP status, a stable `codice` for programs (the register's own
//! codes, `registro.*`, or the service's: `auth.*`, `richiesta.*`, `ricerca.*`,
//! `servizio.*`), an Italian `detail` for people and, for a DSU, `problemi`: every
//! validation problem with its JSON path. Server-side failures (5xx) log their cause
//! and return a generic message: database errors can carry SQL text or data that the
//! client must not see.
//!
//! The register uses the `type` form `urn:isee:problema:<codice>`, the status's
//! Italian title, `problemi`, and never `id_richiesta`: [`SchemaProblema`] documents
//! exactly these members in the OpenAPI document.

use isee_registro::ErroreRegistro;
use serde::Serialize;
use utoipa::ToSchema;

pub use isee_http::{PROBLEM_JSON, Problema, ProblemaCampo};

// The OpenAPI description of the register's `Problema`s (the component `Problema`);
// a test checks that it names the members the documents carry. The doc comment below
// is the schema's description in openapi.json.
/// A problem document (RFC 9457), with the register's extension members.
#[derive(Serialize, ToSchema)]
#[schema(as = Problema)]
pub struct SchemaProblema {
    /// A URI naming the kind of problem: `urn:isee:problema:<codice>`.
    #[serde(rename = "type")]
    pub tipo: String,
    /// A short Italian summary of the status.
    pub title: String,
    pub status: u16,
    /// The Italian explanation of this occurrence.
    pub detail: String,
    /// Stable code, for programs (`registro.dsu_non_valida`, `auth.chiave_non_valida`…).
    pub codice: String,
    /// Every problem found in the DSU, with its JSON path (validation errors only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problemi: Vec<ProblemaCampo>,
}

/// The problem document of a register error: its status, its code, and for an
/// invalid or unreadable DSU every problem with its path.
pub fn da_registro(e: ErroreRegistro) -> Problema {
    use ErroreRegistro as E;
    let status = match &e {
        E::DsuIlleggibile(_)
        | E::ModuloCorrenteIlleggibile(_)
        | E::ChiaveMancante
        | E::MittenteMancante
        | E::ProtocolloMittenteTroppoLungo
        | E::ProtocolloNonValido(_) => 400,
        E::ModificaNonConsentita(_) => 403,
        E::ProtocolloSconosciuto(_) | E::MandatoSconosciuto { .. } => 404,
        E::ProtocolloNonAttivo { .. }
        | E::NonUnaDsu(_)
        | E::DichiaranteDiverso(_)
        | E::NucleoDiverso(_)
        | E::MotoreCambiato { .. } => 409,
        // draft-ietf-httpapi-idempotency-key-header §2.7: a key reused with another
        // payload is 422.
        E::ChiaveRiusata(_)
        | E::DsuNonValida(_)
        | E::Calcolo(_)
        | E::CorrenteNonCalcolabile(_)
        | E::MandatoNonValido(_)
        | E::Importo(_) => 422,
        E::NumerazioneEsaurita(_) => 503,
        E::UrlNonSupportato(_) | E::DatoCorrotto(_) | E::Database(_) | E::Migrazione(_) => {
            return Problema::interno(&e);
        }
    };
    let problemi = match &e {
        E::DsuNonValida(v) => v
            .iter()
            .map(|p| ProblemaCampo {
                percorso: p.percorso.clone(),
                codice: p.codice.to_string(),
                messaggio: p.messaggio.clone(),
                gravita: match p.gravita {
                    isee_core::validazione::Gravita::Errore => "errore",
                    isee_core::validazione::Gravita::Avviso => "avviso",
                }
                .to_string(),
            })
            .collect(),
        E::DsuIlleggibile(l) => vec![ProblemaCampo {
            percorso: l.percorso.clone(),
            codice: "dsu.illeggibile".into(),
            messaggio: format!("{} (riga {}, colonna {})", l.messaggio, l.riga, l.colonna),
            gravita: "errore".into(),
        }],
        _ => Vec::new(),
    };
    Problema::new(status, e.codice(), e.to_string()).con_problemi(problemi)
}

#[cfg(test)]
mod test {
    use super::*;
    use std::collections::BTreeSet;

    fn chiavi(v: &serde_json::Value) -> BTreeSet<String> {
        v.as_object().unwrap().keys().cloned().collect()
    }

    /// The documented members are those of the register's documents, and the required
    /// ones are always there.
    #[test]
    fn lo_schema_descrive_i_documenti_del_registro() {
        let schema =
            serde_json::to_value(<SchemaProblema as utoipa::PartialSchema>::schema()).unwrap();
        let documentati = chiavi(&schema["properties"]);
        let obbligatori: BTreeSet<String> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let pieno =
            Problema::new(422, "registro.dsu_non_valida", "x").con_problemi(vec![ProblemaCampo {
                percorso: "$".into(),
                codice: "c".into(),
                messaggio: "m".into(),
                gravita: "errore".into(),
            }]);
        let pieno = chiavi(&serde_json::to_value(&pieno).unwrap());
        assert_eq!(documentati, pieno);
        let minimo = chiavi(&serde_json::to_value(Problema::new(404, "a", "b")).unwrap());
        assert_eq!(obbligatori, minimo);
    }
}

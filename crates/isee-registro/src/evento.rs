//! The register's events: what changed, written in the change's own transaction
//! (the transactional outbox, [`crate::store::StoreEventi`]) and published by
//! `isee-eventi` to NATS JetStream.
//!
//! An event names the protocol and the kind of change, never a fiscal code or an
//! amount: a consumer that needs the DSU reads the register, through the same access
//! rules as everyone else (docs/SCELTE.md §28). The JSON of [`Evento`] is the
//! message body on the stream; its `id` is the outbox row's, and the message's
//! `Nats-Msg-Id` (the stream drops a second publication of the same id).

use crate::protocollo::Protocollo;
use serde::{Deserialize, Serialize};

/// The kind of change. The name is the last part of the message subject
/// (`isee.dsu.presentata`…) and the `tipo` of the JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TipoEvento {
    /// A new DSU (not a rectification or a substitution).
    #[serde(rename = "dsu.presentata")]
    DsuPresentata,
    /// A DSU that rectifies `riferimento` (which is now `rettificata`).
    #[serde(rename = "dsu.rettificata")]
    DsuRettificata,
    /// A DSU that substitutes `riferimento` (which is now `sostituita`).
    #[serde(rename = "dsu.sostituita")]
    DsuSostituita,
    /// An ISEE corrente module on the DSU `riferimento`.
    #[serde(rename = "corrente.presentata")]
    CorrentePresentata,
    /// An annulled DSU or corrente module (each corrente annulled with its DSU has
    /// its own event, with the DSU as `riferimento`).
    #[serde(rename = "dsu.annullata")]
    DsuAnnullata,
    /// The attestation of a DSU or corrente module, issued with its filing.
    #[serde(rename = "attestazione.rilasciata")]
    AttestazioneRilasciata,
    /// An omission or discrepancy noted on the attestation of `protocollo`.
    #[serde(rename = "omissione.annotata")]
    OmissioneAnnotata,
}

impl TipoEvento {
    pub const TUTTI: [TipoEvento; 7] = [
        TipoEvento::DsuPresentata,
        TipoEvento::DsuRettificata,
        TipoEvento::DsuSostituita,
        TipoEvento::CorrentePresentata,
        TipoEvento::DsuAnnullata,
        TipoEvento::AttestazioneRilasciata,
        TipoEvento::OmissioneAnnotata,
    ];

    /// The name stored in the outbox, in the JSON and in the subject.
    pub fn nome(self) -> &'static str {
        match self {
            TipoEvento::DsuPresentata => "dsu.presentata",
            TipoEvento::DsuRettificata => "dsu.rettificata",
            TipoEvento::DsuSostituita => "dsu.sostituita",
            TipoEvento::CorrentePresentata => "corrente.presentata",
            TipoEvento::DsuAnnullata => "dsu.annullata",
            TipoEvento::AttestazioneRilasciata => "attestazione.rilasciata",
            TipoEvento::OmissioneAnnotata => "omissione.annotata",
        }
    }

    pub fn da_nome(s: &str) -> Option<TipoEvento> {
        TipoEvento::TUTTI.into_iter().find(|t| t.nome() == s)
    }
}

impl std::fmt::Display for TipoEvento {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.nome())
    }
}

/// The prefix of every subject; a stream that takes `isee.>` takes every event.
pub const PREFISSO_SOGGETTO: &str = "isee";

/// One change of the register, as the outbox keeps it and the stream carries it.
/// Unknown fields are ignored when read: a consumer of this version reads the events
/// of a later one that adds a field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evento {
    /// The outbox row's id: unique, increasing in the order rows were written (not
    /// always in commit order on PostgreSQL).
    pub id: i64,
    pub tipo: TipoEvento,
    pub protocollo: Protocollo,
    /// The DSU rectified, substituted, or under the corrente module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub riferimento: Option<Protocollo>,
    /// When the change was committed (unix µs).
    pub creato_il: i64,
}

impl Evento {
    /// The message subject: `isee.` and the kind (`isee.dsu.presentata`).
    pub fn soggetto(&self) -> String {
        format!("{PREFISSO_SOGGETTO}.{}", self.tipo.nome())
    }

    /// The message id the stream deduplicates on.
    pub fn id_messaggio(&self) -> String {
        format!("isee-evento-{}", self.id)
    }
}

/// What the outbox still holds unpublished (the outbox lag of `/metrics`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Arretrato {
    pub eventi: u64,
    /// The oldest unpublished event's `creato_il` (unix µs), if any.
    pub piu_vecchio: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nomi_in_andata_e_ritorno() {
        for t in TipoEvento::TUTTI {
            assert_eq!(TipoEvento::da_nome(t.nome()), Some(t));
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.nome()));
        }
        assert_eq!(TipoEvento::da_nome("dsu"), None);
    }

    #[test]
    fn json_e_soggetto() {
        let e = Evento {
            id: 7,
            tipo: TipoEvento::DsuRettificata,
            protocollo: Protocollo::new("INPS-ISEE", 2026, 2, 0).unwrap(),
            riferimento: Protocollo::new("INPS-ISEE", 2026, 1, 0),
            creato_il: 1,
        };
        assert_eq!(e.soggetto(), "isee.dsu.rettificata");
        assert_eq!(e.id_messaggio(), "isee-evento-7");
        let json = serde_json::to_string(&e).unwrap();
        assert!(!json.contains("codice"), "{json}");
        assert_eq!(serde_json::from_str::<Evento>(&json).unwrap(), e);
        // A later version's extra field does not make the event unreadable.
        let piu = json.replacen('{', r#"{"nuovo":1,"#, 1);
        assert_eq!(serde_json::from_str::<Evento>(&piu).unwrap(), e);
    }
}

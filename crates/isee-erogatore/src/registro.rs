//! The ente's register over a store: an application saved with the hash of its
//! evidence, read back, and the expiry monitoring.

use crate::domanda::{DomandaEnte, sha256_hex};
use crate::errore::Risultato;
use crate::store::StoreDomande;
use chrono::NaiveDate;

/// The ente's register on a store.
pub struct RegistroDomande<S: StoreDomande> {
    store: S,
}

impl<S: StoreDomande> RegistroDomande<S> {
    pub fn new(store: S) -> RegistroDomande<S> {
        RegistroDomande { store }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Inserts or replaces an application; the evidence hash is (re)computed here.
    pub async fn salva(&self, mut domanda: DomandaEnte) -> Risultato<()> {
        if let Some(i) = &mut domanda.isee {
            i.hash_evidenza = i.evidenza.as_deref().map(sha256_hex);
        }
        self.store.salva_domanda(&domanda).await
    }

    pub async fn domanda(&self, ente: &str, id: &str) -> Risultato<Option<DomandaEnte>> {
        self.store.domanda(ente, id).await
    }

    /// Applications whose ISEE validity ends before `entro`, or that have no ISEE or
    /// no validity end: those with none come first, then by validity end.
    pub async fn in_scadenza(&self, entro: NaiveDate) -> Risultato<Vec<DomandaEnte>> {
        self.store.in_scadenza(entro).await
    }
}

//! The provider's cache of PDND's signing keys.
//!
//! PDND rotates its keys; a provider that never refreshes its copy rejects every voucher
//! signed with a new key (PDND incident of 2025-03-07). So an unknown `kid` triggers a
//! refresh, but at most once per `intervallo_minimo`: a client sending random `kid`s must
//! not turn the provider into an amplifier against PDND's JWKS endpoint.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use serde_json::Value;

use crate::errore::{ErrorePdnd, Result};
use crate::jwk::{Jwk, JwkSet};

/// Where the key set comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SorgenteJwks {
    File(PathBuf),
    /// An `http://` URL (the local PDND); `https://` is not supported by this client.
    Url(String),
}

type Mappa = HashMap<String, Arc<DecodingKey>>;

pub struct CacheJwks {
    sorgente: Option<SorgenteJwks>,
    intervallo_minimo: Duration,
    // A std lock, not tokio's: the fast path never awaits while holding it and is
    // cheaper this way; the refresh path is serialised by `ultimo_aggiornamento`.
    chiavi: RwLock<Arc<Mappa>>,
    ultimo_aggiornamento: tokio::sync::Mutex<Option<Instant>>,
    aggiornamenti: AtomicU64,
}

impl std::fmt::Debug for CacheJwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheJwks")
            .field("sorgente", &self.sorgente)
            .field("intervallo_minimo", &self.intervallo_minimo)
            .field("aggiornamenti", &self.aggiornamenti())
            .finish_non_exhaustive()
    }
}

impl CacheJwks {
    /// An empty cache; call [`CacheJwks::carica`] at start-up, or let the first
    /// unknown `kid` load it.
    pub fn new(sorgente: SorgenteJwks, intervallo_minimo: Duration) -> Self {
        CacheJwks {
            sorgente: Some(sorgente),
            intervallo_minimo,
            chiavi: RwLock::new(Arc::new(Mappa::new())),
            ultimo_aggiornamento: tokio::sync::Mutex::new(None),
            aggiornamenti: AtomicU64::new(0),
        }
    }

    /// A fixed in-memory key set with no source (never refreshed).
    pub fn da_set(set: JwkSet) -> Self {
        let mappa = mappa_da_jwk(set.keys);
        CacheJwks {
            sorgente: None,
            intervallo_minimo: Duration::MAX,
            chiavi: RwLock::new(Arc::new(mappa)),
            ultimo_aggiornamento: tokio::sync::Mutex::new(None),
            aggiornamenti: AtomicU64::new(0),
        }
    }

    /// Loads the key set from the source now, whatever the interval; returns how many
    /// RSA keys were kept. Without a source it only counts the keys held.
    pub async fn carica(&self) -> Result<usize> {
        let Some(sorgente) = &self.sorgente else {
            return Ok(self.istantanea().len());
        };
        let mut ultimo = self.ultimo_aggiornamento.lock().await;
        *ultimo = Some(Instant::now());
        self.aggiornamenti.fetch_add(1, Ordering::Relaxed);
        let mappa = mappa_da_jwk(scarica(sorgente).await?);
        let n = mappa.len();
        self.sostituisci(mappa);
        Ok(n)
    }

    /// The key with this `kid`. An unknown `kid` refreshes the set from the source at
    /// most once per `intervallo_minimo`, then the lookup is retried once.
    pub async fn chiave(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        if let Some(k) = self.istantanea().get(kid) {
            return Some(Arc::clone(k));
        }
        let sorgente = self.sorgente.as_ref()?;
        let mut ultimo = self.ultimo_aggiornamento.lock().await;
        // Another task may have refreshed while this one waited for the lock.
        if let Some(k) = self.istantanea().get(kid) {
            return Some(Arc::clone(k));
        }
        if ultimo.is_some_and(|t| t.elapsed() < self.intervallo_minimo) {
            return None;
        }
        *ultimo = Some(Instant::now());
        self.aggiornamenti.fetch_add(1, Ordering::Relaxed);
        match scarica(sorgente).await {
            Ok(chiavi) => self.sostituisci(mappa_da_jwk(chiavi)),
            // Keep the old set: a PDND outage must not also drop the keys we had.
            Err(e) => tracing::warn!(errore = %e, "aggiornamento JWKS non riuscito"),
        }
        drop(ultimo);
        self.istantanea().get(kid).cloned()
    }

    /// How many times the set was fetched from its source (successfully or not).
    pub fn aggiornamenti(&self) -> u64 {
        self.aggiornamenti.load(Ordering::Relaxed)
    }

    /// The `kid`s currently held, sorted.
    pub fn kid(&self) -> Vec<String> {
        let mut v: Vec<String> = self.istantanea().keys().cloned().collect();
        v.sort();
        v
    }

    fn istantanea(&self) -> Arc<Mappa> {
        let g = self.chiavi.read().unwrap_or_else(|p| p.into_inner());
        Arc::clone(&g)
    }

    fn sostituisci(&self, mappa: Mappa) {
        let mut g = self.chiavi.write().unwrap_or_else(|p| p.into_inner());
        *g = Arc::new(mappa);
    }
}

fn mappa_da_jwk(chiavi: Vec<Jwk>) -> Mappa {
    let mut m = Mappa::new();
    for jwk in chiavi {
        if jwk.kid.is_empty() {
            continue;
        }
        match jwk.chiave_verifica() {
            Ok(k) => {
                m.insert(jwk.kid.clone(), Arc::new(k));
            }
            Err(e) => tracing::debug!(kid = %jwk.kid, errore = %e, "chiave JWKS ignorata"),
        }
    }
    m
}

/// Parses a JWKS document and keeps the RSA signing keys only: keys of another type,
/// without `kid`, meant for encryption or for another algorithm are skipped.
pub fn chiavi_rsa_da_json(testo: &[u8]) -> Result<Vec<Jwk>> {
    let v: Value = serde_json::from_slice(testo).map_err(|errore| ErrorePdnd::Json {
        origine: "JWKS".into(),
        errore,
    })?;
    let Some(chiavi) = v.get("keys").and_then(Value::as_array) else {
        return Err(ErrorePdnd::Stato(
            "il JWKS non contiene l'array «keys»".into(),
        ));
    };
    Ok(chiavi
        .iter()
        .filter(|k| k.get("kty").and_then(Value::as_str) == Some("RSA"))
        .filter(|k| {
            k.get("use")
                .and_then(Value::as_str)
                .is_none_or(|u| u == "sig")
        })
        .filter(|k| {
            k.get("alg")
                .and_then(Value::as_str)
                .is_none_or(|a| a == "RS256")
        })
        .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
        .filter(|k| !k.kid.is_empty())
        .collect())
}

async fn scarica(sorgente: &SorgenteJwks) -> Result<Vec<Jwk>> {
    match sorgente {
        SorgenteJwks::File(p) => {
            let testo = tokio::fs::read(p)
                .await
                .map_err(|errore| ErrorePdnd::File {
                    percorso: p.clone(),
                    errore,
                })?;
            chiavi_rsa_da_json(&testo)
        }
        SorgenteJwks::Url(url) => {
            let r = crate::http::get(url).await?;
            if r.status != 200 {
                return Err(ErrorePdnd::Http {
                    url: url.clone(),
                    motivo: format!("stato HTTP {}", r.status),
                });
            }
            chiavi_rsa_da_json(&r.corpo)
        }
    }
}

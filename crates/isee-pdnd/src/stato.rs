//! The state of a local PDND: tenants, e-services, clients with their keys, purposes.
//!
//! Kept as one JSON file, written atomically (temporary file in the same directory,
//! then rename) so a crash or a concurrent reader never sees half a file.

use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::errore::{ErrorePdnd, Result};
use crate::evidenza::ChiaviClient;
use crate::jwk::Jwk;

/// A PDND tenant (an organisation). On PDND it carries `externalId {origin: "IPA", value}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: Uuid,
    pub nome: String,
    pub codice_ipa: String,
}

/// An e-service with its (single, current) descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EServizio {
    pub id: Uuid,
    pub nome: String,
    pub descriptor_id: Uuid,
    /// The descriptor's audience: the voucher's `aud`.
    pub audience: String,
    pub producer_id: Uuid,
    /// The descriptor's `voucherLifespan`.
    pub durata_voucher_s: i64,
}

/// A consumer's client with its registered public keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub id: Uuid,
    pub nome: String,
    pub consumer_id: Uuid,
    #[serde(default)]
    pub chiavi: Vec<Jwk>,
}

/// A purpose (finalità): a consumer's declared use of an e-service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finalita {
    pub id: Uuid,
    pub nome: String,
    pub consumer_id: Uuid,
    pub eservice_id: Uuid,
    pub chiamate_giornaliere: u32,
    pub attiva: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatoPdnd {
    /// The vouchers' `iss`, e.g. `pdnd.isee.local`.
    pub issuer: String,
    /// The `aud` client assertions must carry, without scheme like PDND's
    /// (`pdnd.isee.local/client-assertion`).
    pub audience_asserzione: String,
    #[serde(default)]
    pub tenants: Vec<Tenant>,
    #[serde(default)]
    pub eservices: Vec<EServizio>,
    #[serde(default)]
    pub clients: Vec<Client>,
    #[serde(default)]
    pub purposes: Vec<Finalita>,
}

impl StatoPdnd {
    /// An empty state for `issuer`; the assertion audience is `<issuer>/client-assertion`.
    pub fn nuovo(issuer: &str) -> Self {
        StatoPdnd {
            issuer: issuer.to_owned(),
            audience_asserzione: format!("{issuer}/client-assertion"),
            tenants: Vec::new(),
            eservices: Vec::new(),
            clients: Vec::new(),
            purposes: Vec::new(),
        }
    }

    pub fn carica(path: &Path) -> Result<Self> {
        let testo = std::fs::read(path).map_err(|errore| ErrorePdnd::File {
            percorso: path.to_owned(),
            errore,
        })?;
        serde_json::from_slice(&testo).map_err(|errore| ErrorePdnd::Json {
            origine: path.display().to_string(),
            errore,
        })
    }

    /// Writes the state atomically: a temporary file next to `path`, synced, renamed.
    pub fn salva(&self, path: &Path) -> Result<()> {
        let errore_file = |percorso: &Path| {
            let percorso = percorso.to_owned();
            move |errore| ErrorePdnd::File { percorso, errore }
        };
        let mut testo = serde_json::to_vec_pretty(self).map_err(|errore| ErrorePdnd::Json {
            origine: "stato PDND".into(),
            errore,
        })?;
        testo.push(b'\n');
        let nome = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "stato.json".into());
        let tmp = path.with_file_name(format!(".{nome}.{}.tmp", std::process::id()));
        {
            use std::io::Write as _;
            let mut f = std::fs::File::create(&tmp).map_err(errore_file(&tmp))?;
            f.write_all(&testo).map_err(errore_file(&tmp))?;
            f.sync_all().map_err(errore_file(&tmp))?;
        }
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            ErrorePdnd::File {
                percorso: path.to_owned(),
                errore: e,
            }
        })
    }

    pub fn tenant(&self, id: Uuid) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.id == id)
    }
    pub fn eservizio(&self, id: Uuid) -> Option<&EServizio> {
        self.eservices.iter().find(|e| e.id == id)
    }
    pub fn client(&self, id: Uuid) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }
    pub fn finalita(&self, id: Uuid) -> Option<&Finalita> {
        self.purposes.iter().find(|f| f.id == id)
    }
    /// The client key with this `kid`, and its client.
    pub fn chiave_client(&self, kid: &str) -> Option<(&Client, &Jwk)> {
        self.clients
            .iter()
            .find_map(|c| c.chiavi.iter().find(|k| k.kid == kid).map(|k| (c, k)))
    }
}

/// What a provider asks PDND's directory about a caller (Interop API `GET /purposes`,
/// `GET /tenants`, `GET /keys`).
pub trait DirectoryPdnd: ChiaviClient {
    fn finalita(&self, id: Uuid) -> Option<Finalita>;
    fn tenant(&self, id: Uuid) -> Option<Tenant>;
}

/// A [`DirectoryPdnd`] over a local PDND's `stato.json`, reloaded on an unknown id at
/// most once per interval (the same bound as the JWKS cache, for the same reason).
pub struct DirectoryFile {
    percorso: Option<PathBuf>,
    intervallo_minimo: Duration,
    stato: RwLock<StatoPdnd>,
    ultimo: std::sync::Mutex<Option<Instant>>,
    ricariche: AtomicU64,
}

impl std::fmt::Debug for DirectoryFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryFile")
            .field("percorso", &self.percorso)
            .field("ricariche", &self.ricariche())
            .finish_non_exhaustive()
    }
}

impl DirectoryFile {
    pub fn apri(percorso: &Path, intervallo_minimo: Duration) -> Result<Self> {
        let stato = StatoPdnd::carica(percorso)?;
        Ok(DirectoryFile {
            percorso: Some(percorso.to_owned()),
            intervallo_minimo,
            stato: RwLock::new(stato),
            ultimo: std::sync::Mutex::new(Some(Instant::now())),
            ricariche: AtomicU64::new(0),
        })
    }

    /// In memory, never reloaded.
    pub fn da_stato(stato: StatoPdnd) -> Self {
        DirectoryFile {
            percorso: None,
            intervallo_minimo: Duration::MAX,
            stato: RwLock::new(stato),
            ultimo: std::sync::Mutex::new(None),
            ricariche: AtomicU64::new(0),
        }
    }

    /// How many times the file was re-read after the first load.
    pub fn ricariche(&self) -> u64 {
        self.ricariche.load(Ordering::Relaxed)
    }

    fn cerca<T>(&self, f: impl Fn(&StatoPdnd) -> Option<T>) -> Option<T> {
        if let Some(x) = f(&self.stato.read().unwrap_or_else(|p| p.into_inner())) {
            return Some(x);
        }
        let percorso = self.percorso.as_ref()?;
        {
            let mut ultimo = self.ultimo.lock().unwrap_or_else(|p| p.into_inner());
            if ultimo.is_some_and(|t| t.elapsed() < self.intervallo_minimo) {
                return None;
            }
            *ultimo = Some(Instant::now());
        }
        self.ricariche.fetch_add(1, Ordering::Relaxed);
        match StatoPdnd::carica(percorso) {
            Ok(nuovo) => *self.stato.write().unwrap_or_else(|p| p.into_inner()) = nuovo,
            Err(e) => tracing::warn!(errore = %e, "ricarica dello stato PDND non riuscita"),
        }
        f(&self.stato.read().unwrap_or_else(|p| p.into_inner()))
    }
}

impl ChiaviClient for DirectoryFile {
    async fn chiave(&self, kid: &str) -> Option<(String, Jwk)> {
        // The state file is small and local: a blocking read is cheaper than a thread hop.
        self.cerca(|s| {
            s.chiave_client(kid)
                .map(|(c, k)| (c.id.to_string(), k.clone()))
        })
    }
}

impl DirectoryPdnd for DirectoryFile {
    fn finalita(&self, id: Uuid) -> Option<Finalita> {
        self.cerca(|s| s.finalita(id).cloned())
    }
    fn tenant(&self, id: Uuid) -> Option<Tenant> {
        self.cerca(|s| s.tenant(id).cloned())
    }
}

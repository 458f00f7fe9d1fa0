//! Wiring: from a [`Configurazione`] to a running service, with its background
//! tasks (operator authorisations and IPA snapshot refresh, log retention).

use crate::app::app;
use crate::configurazione::{Configurazione, url_db};
use crate::quote::Quote;
use crate::servizio::{Attesi, Impostazioni, Orologio, Servizio};
use chrono::Utc;
use isee_accessi::{ChiaviAudit, OpzioniScrittura, RegistroAccessi};
use isee_enti::{CacheAbilitazioni, StoreEnti};
use isee_pdnd::jwks::{CacheJwks, SorgenteJwks};
use isee_pdnd::stato::DirectoryFile;
use isee_pdnd::voucher::ValidatoreVoucher;
use isee_registro::store::sql::Configurazione as ConfigStore;
use isee_registro::{RegistroDsu, StoreSql};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The cause of an [`ErroreAvvio`]: the error of the store, key set or file that
/// failed, as its crate reports it.
pub type Causa = Box<dyn std::error::Error + Send + Sync>;

/// Why the service could not start: the first unusable piece, with its cause.
#[derive(Debug, thiserror::Error)]
pub enum ErroreAvvio {
    #[error("apertura del registro delle DSU")]
    RegistroDsu(#[source] Causa),
    #[error("lettura delle chiavi PDND da {jwks}")]
    ChiaviPdnd {
        jwks: String,
        #[source]
        causa: Causa,
    },
    #[error("lettura della directory PDND {}", percorso.display())]
    DirectoryPdnd {
        percorso: PathBuf,
        #[source]
        causa: Causa,
    },
    #[error("apertura del registro degli enti")]
    RegistroEnti(#[source] Causa),
    #[error("lettura dell'anagrafe degli enti")]
    Anagrafe(#[source] Causa),
    #[error("lettura delle abilitazioni degli operatori")]
    Abilitazioni(#[source] Causa),
    #[error("chiave del registro accessi {}", percorso.display())]
    ChiaveAccessi {
        percorso: PathBuf,
        #[source]
        causa: Causa,
    },
    #[error("apertura del registro degli accessi")]
    RegistroAccessi(#[source] Causa),
    #[error("configurazione della cooperazione applicativa: {0}")]
    Cooperazione(String),
    #[error("ripristino delle quote dal registro degli accessi")]
    Quote(#[source] Causa),
    #[error("ascolto su {indirizzo}")]
    Ascolto {
        indirizzo: SocketAddr,
        #[source]
        causa: std::io::Error,
    },
    /// The bound listener's own address could not be read.
    #[error(transparent)]
    IndirizzoLocale(std::io::Error),
    #[error("lettura di {}", percorso.display())]
    FileTls {
        percorso: PathBuf,
        #[source]
        causa: std::io::Error,
    },
    /// The server certificate, its key, the client CA or the CRL is unusable.
    #[error(transparent)]
    Tls(Causa),
}

/// The service and what its background tasks need.
pub struct Avviato {
    pub servizio: Arc<Servizio>,
    pub registro_enti: StoreEnti,
    /// The anagrafe counter read before the snapshot was loaded.
    pub versione_anagrafe: Option<i64>,
}

/// Opens every store and loads every key set; fails with the first unusable piece.
pub async fn costruisci(c: &Configurazione) -> Result<Avviato, ErroreAvvio> {
    costruisci_con_orologio(c, Arc::new(Utc::now)).await
}

/// [`costruisci`] with a given clock (tests pin the date, so that DSU validity and
/// voucher times do not depend on the day the tests run).
pub async fn costruisci_con_orologio(
    c: &Configurazione,
    orologio: Orologio,
) -> Result<Avviato, ErroreAvvio> {
    crate::configurazione::verifica_convenzioni(&c.cooperazione_applicativa)
        .map_err(ErroreAvvio::Cooperazione)?;
    let mut cs = ConfigStore::new(&crate::configurazione::url_db(&c.registro.db));
    cs.max_connessioni = c.registro.connessioni;
    let store = StoreSql::connetti_con(cs)
        .await
        .map_err(|e| ErroreAvvio::RegistroDsu(e.into()))?;

    let sorgente = if c.pdnd.jwks.starts_with("http://") || c.pdnd.jwks.starts_with("https://") {
        SorgenteJwks::Url(c.pdnd.jwks.clone())
    } else {
        SorgenteJwks::File(c.pdnd.jwks.clone().into())
    };
    let jwks = Arc::new(CacheJwks::new(
        sorgente,
        Duration::from_secs(c.pdnd.aggiornamento_min_s),
    ));
    jwks.carica().await.map_err(|e| ErroreAvvio::ChiaviPdnd {
        jwks: c.pdnd.jwks.clone(),
        causa: e.into(),
    })?;
    let directory = Arc::new(
        DirectoryFile::apri(
            &c.pdnd.stato,
            Duration::from_secs(c.pdnd.aggiornamento_min_s),
        )
        .map_err(|e| ErroreAvvio::DirectoryPdnd {
            percorso: c.pdnd.stato.clone(),
            causa: e.into(),
        })?,
    );

    let registro_enti = StoreEnti::apri(&url_db(&c.enti.db))
        .await
        .map_err(|e| ErroreAvvio::RegistroEnti(e.into()))?;
    // Read before the snapshot: an import in between is then seen as a change.
    let versione_anagrafe = registro_enti.versione_anagrafe().await.ok();
    let anagrafe = registro_enti
        .anagrafe()
        .await
        .map_err(|e| ErroreAvvio::Anagrafe(e.into()))?;
    if anagrafe.is_empty() {
        tracing::warn!("anagrafe degli enti vuota: importare IPA e ISTAT con `isee enti importa`");
    }
    let abilitazioni = Arc::new(
        CacheAbilitazioni::carica(
            &registro_enti,
            Duration::from_secs(c.enti.aggiornamento_s.max(1)),
        )
        .await
        .map_err(|e| ErroreAvvio::Abilitazioni(e.into()))?,
    );

    let chiavi =
        ChiaviAudit::da_file(&c.accessi.chiave).map_err(|e| ErroreAvvio::ChiaveAccessi {
            percorso: c.accessi.chiave.clone(),
            causa: e.into(),
        })?;
    let accessi = RegistroAccessi::apri_con(
        &url_db(&c.accessi.db),
        chiavi,
        OpzioniScrittura::default(),
        c.accessi.protezioni.protezioni(),
    )
    .await
    .map_err(|e| ErroreAvvio::RegistroAccessi(e.into()))?;
    let oggi = orologio().date_naive();
    let usate = accessi
        .conteggi_giorno(oggi)
        .await
        .map_err(|e| ErroreAvvio::Quote(e.into()))?;

    let impostazioni = Impostazioni {
        issuer: c.pdnd.issuer.clone(),
        base_audience: c.base_audience.clone(),
        producer_id: c.pdnd.producer_id.clone(),
        tolleranza_s: c.tolleranza_s,
        soglie: c.soglie.clone(),
        indirizzo_pubblico: c.indirizzo_pubblico(),
        convenzioni: c.cooperazione_applicativa.clone(),
    };
    let servizio = Servizio {
        attesi: Attesi::new(&impostazioni),
        registro: RegistroDsu::new(store),
        voucher: ValidatoreVoucher::new(jwks),
        directory,
        enti: RwLock::new(Arc::new(anagrafe)),
        abilitazioni,
        accessi,
        quote: Quote::da_conteggi(oggi, usate),
        impostazioni,
        orologio,
    };
    Ok(Avviato {
        servizio: Arc::new(servizio),
        registro_enti,
        versione_anagrafe,
    })
}

/// Background work: refresh authorisations and the IPA snapshot; apply retention
/// once at start and then daily.
pub fn attivita(a: &Avviato, c: &Configurazione) {
    let (s, r, mut versione) = (
        a.servizio.clone(),
        a.registro_enti.clone(),
        a.versione_anagrafe,
    );
    let ogni = Duration::from_secs(c.enti.aggiornamento_s.max(1));
    tokio::spawn(async move {
        let mut t = tokio::time::interval(ogni);
        loop {
            t.tick().await;
            if let Err(e) = s.abilitazioni.aggiorna_se_cambiata(&r).await {
                tracing::warn!(errore = %e, "aggiornamento delle abilitazioni non riuscito");
            }
            let attuale = r.versione_anagrafe().await.ok();
            if attuale.is_some() && attuale != versione {
                match r.anagrafe().await {
                    Ok(nuova) => {
                        tracing::info!(enti = nuova.len(), "nuova anagrafe degli enti caricata");
                        *s.enti.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(nuova);
                        versione = attuale;
                    }
                    Err(e) => {
                        tracing::warn!(errore = %e, "lettura della nuova anagrafe non riuscita")
                    }
                }
            }
        }
    });
    let (s, giorni) = (a.servizio.clone(), c.accessi.conservazione_giorni);
    tokio::spawn(async move {
        let mut t = tokio::time::interval(Duration::from_secs(24 * 3600));
        loop {
            t.tick().await;
            match s.accessi.conserva(giorni, Utc::now()).await {
                Ok(n) if n > 0 => {
                    tracing::info!(eliminati = n, giorni, "conservazione del registro accessi")
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(errore = %e, "conservazione del registro accessi non riuscita")
                }
            }
        }
    });
}

/// The service, listening.
#[derive(Debug)]
pub struct InAscolto {
    /// The bound address (the chosen port when it was 0).
    pub indirizzo: SocketAddr,
    fine: tokio::task::JoinHandle<()>,
}

impl InAscolto {
    /// Resolves once the service has stopped: the shutdown future completed, the
    /// requests in flight were answered (within `[ascolto] arresto_s`), and the access
    /// log wrote what was queued and released its writer's lease, so that a new
    /// process can open it at once.
    pub async fn fine(self) {
        let _ = self.fine.await;
    }
}

/// Binds, serves (HTTPS with optional client certificates when `[tls]` is set,
/// plain HTTP otherwise, on the bounded listener of `[ascolto]`) and returns once
/// listening. When `arresto` completes the listener drains and the access log is
/// closed ([`InAscolto::fine`]).
pub async fn servi(
    c: Configurazione,
    arresto: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<InAscolto, ErroreAvvio> {
    let a = costruisci(&c).await?;
    let listener = tokio::net::TcpListener::bind(c.indirizzo)
        .await
        .map_err(|causa| ErroreAvvio::Ascolto {
            indirizzo: c.indirizzo,
            causa,
        })?;
    let locale = listener
        .local_addr()
        .map_err(ErroreAvvio::IndirizzoLocale)?;
    let tls = match &c.tls {
        Some(t) => {
            let leggi = |p: &std::path::Path| {
                std::fs::read_to_string(p).map_err(|causa| ErroreAvvio::FileTls {
                    percorso: p.to_path_buf(),
                    causa,
                })
            };
            let crl = match &t.crl {
                Some(p) if p.exists() => Some(leggi(p)?),
                _ => None,
            };
            Some(
                isee_tls::config_server(
                    &leggi(&t.certificato)?,
                    &leggi(&t.chiave)?,
                    &leggi(&t.ca_client)?,
                    crl.as_deref(),
                )
                .map_err(|e| ErroreAvvio::Tls(e.into()))?,
            )
        }
        None => None,
    };
    attivita(&a, &c);
    let router = app(a.servizio.clone());
    let limiti = c.ascolto.limiti();
    let servizio = a.servizio.clone();
    let fine = tokio::spawn(async move {
        let esito = match tls {
            Some(tls) => isee_tls::servi_tls_con(listener, tls, router, arresto, limiti).await,
            None => isee_tls::servi_http_con(listener, router, arresto, limiti).await,
        };
        if let Err(e) = esito {
            tracing::error!(errore = %e, "servizio interrotto");
        }
        // Every answer has left (or the drain time is up): the log writes what is
        // queued and gives its lease back.
        servizio.accessi.chiudi().await;
        tracing::info!("registro degli accessi chiuso");
    });
    Ok(InAscolto {
        indirizzo: locale,
        fine,
    })
}

//! The authorisation check of the Operatori e-services, from memory.
//!
//! The server checks an authorisation on every Operatori call, thousands a second;
//! the register is read only when its `versione` counter has moved, and the counter
//! itself at most once per configured interval. Between two checks a change can go
//! unseen for up to that interval: keep it short (seconds) where revocations must
//! bite at once.

use crate::errore::ErroreEnti;
use crate::registro::{Abilitazione, StoreEnti};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Why an operator may not call an e-service for an ente on a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
/// Serialised with the same `codice` as [`MotivoNegato::codice`].
#[serde(tag = "codice")]
pub enum MotivoNegato {
    /// The operator has no authorisation at all.
    #[serde(rename = "OPERATORE_NON_ABILITATO")]
    Nessuna,
    /// The latest authorisation for this ente and e-service ended on `al`.
    #[serde(rename = "ABILITAZIONE_SCADUTA")]
    Scaduta { al: NaiveDate },
    /// The latest authorisation for this ente and e-service starts on `dal`.
    #[serde(rename = "ABILITAZIONE_NON_ANCORA_VALIDA")]
    NonAncoraValida { dal: NaiveDate },
    /// The latest authorisation for this ente and e-service was revoked.
    #[serde(rename = "ABILITAZIONE_REVOCATA")]
    Revocata { il: DateTime<Utc> },
    /// Authorised for this ente, but not for this e-service.
    #[serde(rename = "ABILITAZIONE_ALTRO_SERVIZIO")]
    AltroServizio,
    /// Authorised, but for other enti only.
    #[serde(rename = "ABILITAZIONE_ALTRO_ENTE")]
    AltroEnte,
}

impl MotivoNegato {
    /// A stable code for programs and problem+json answers.
    pub fn codice(&self) -> &'static str {
        match self {
            MotivoNegato::Nessuna => "OPERATORE_NON_ABILITATO",
            MotivoNegato::Scaduta { .. } => "ABILITAZIONE_SCADUTA",
            MotivoNegato::NonAncoraValida { .. } => "ABILITAZIONE_NON_ANCORA_VALIDA",
            MotivoNegato::Revocata { .. } => "ABILITAZIONE_REVOCATA",
            MotivoNegato::AltroServizio => "ABILITAZIONE_ALTRO_SERVIZIO",
            MotivoNegato::AltroEnte => "ABILITAZIONE_ALTRO_ENTE",
        }
    }

    /// The message for the operator. It never names the operator: it goes into
    /// answers and logs.
    pub fn messaggio(&self) -> String {
        match self {
            MotivoNegato::Nessuna => "l'operatore non è abilitato alla consultazione della banca dati ISEE (abilitazione da richiedere all'INPS con il modulo MV62)".into(),
            MotivoNegato::Scaduta { al } => format!(
                "l'abilitazione dell'operatore è scaduta il {}",
                al.format("%d/%m/%Y")
            ),
            MotivoNegato::NonAncoraValida { dal } => format!(
                "l'abilitazione dell'operatore è valida dal {}",
                dal.format("%d/%m/%Y")
            ),
            MotivoNegato::Revocata { il } => format!(
                "l'abilitazione dell'operatore è stata revocata il {}",
                il.format("%d/%m/%Y")
            ),
            MotivoNegato::AltroServizio => "l'operatore è abilitato per questo ente ma non per questo servizio".into(),
            MotivoNegato::AltroEnte => "l'operatore è abilitato soltanto per altri enti".into(),
        }
    }
}

impl std::fmt::Display for MotivoNegato {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.messaggio())
    }
}

/// The authorisations in memory, by operator.
#[derive(Debug, Default)]
struct Indice {
    versione: i64,
    /// Upper-case fiscal code → that operator's authorisations, newest first.
    per_operatore: HashMap<String, Vec<Arc<Abilitazione>>>,
}

impl Indice {
    fn nuovo(versione: i64, abilitazioni: Vec<Abilitazione>) -> Indice {
        let mut per_operatore: HashMap<String, Vec<Arc<Abilitazione>>> = HashMap::new();
        for a in abilitazioni {
            per_operatore
                .entry(a.codice_fiscale_operatore.to_ascii_uppercase())
                .or_default()
                .push(Arc::new(a));
        }
        for v in per_operatore.values_mut() {
            v.sort_by(|a, b| b.creata_il.cmp(&a.creata_il).then(b.id.cmp(&a.id)));
        }
        Indice {
            versione,
            per_operatore,
        }
    }
}

/// The authorisations of the register, kept in memory.
#[derive(Debug)]
pub struct CacheAbilitazioni {
    indice: RwLock<Arc<Indice>>,
    intervallo: Duration,
    /// When the counter was last read. A `try_lock` on it also keeps concurrent
    /// callers from all reading the register at once.
    ultimo_controllo: tokio::sync::Mutex<Instant>,
}

impl CacheAbilitazioni {
    /// Loads every authorisation; the version counter is then read at most once
    /// per `intervallo` by [`CacheAbilitazioni::aggiorna_se_cambiata`].
    pub async fn carica(
        registro: &StoreEnti,
        intervallo: Duration,
    ) -> Result<CacheAbilitazioni, ErroreEnti> {
        let (versione, tutte) = registro.istantanea_abilitazioni().await?;
        Ok(CacheAbilitazioni {
            indice: RwLock::new(Arc::new(Indice::nuovo(versione, tutte))),
            intervallo,
            ultimo_controllo: tokio::sync::Mutex::new(Instant::now()),
        })
    }

    /// The version of the register the cache reflects.
    pub fn versione(&self) -> i64 {
        self.indice().versione
    }

    fn indice(&self) -> Arc<Indice> {
        // A poisoned lock only means a panic elsewhere while swapping an Arc:
        // the value inside is still whole.
        match self.indice.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Whether `cf_operatore` may call `eservizio` for `ente_ipa` on `giorno`. With
    /// several authorisations for the ente and e-service, any valid one admits; when
    /// none does, the reason given is that of the newest one.
    pub fn verifica(
        &self,
        cf_operatore: &str,
        ente_ipa: &str,
        eservizio: &str,
        giorno: NaiveDate,
    ) -> Result<Arc<Abilitazione>, MotivoNegato> {
        let indice = self.indice();
        let Some(tutte) = indice
            .per_operatore
            .get(&cf_operatore.trim().to_ascii_uppercase())
        else {
            return Err(MotivoNegato::Nessuna);
        };
        let ente_ipa = ente_ipa.trim();
        let dell_ente: Vec<&Arc<Abilitazione>> = tutte
            .iter()
            .filter(|a| a.ente_ipa.eq_ignore_ascii_case(ente_ipa))
            .collect();
        if dell_ente.is_empty() {
            return Err(MotivoNegato::AltroEnte);
        }
        let candidate: Vec<&Arc<Abilitazione>> = dell_ente
            .into_iter()
            .filter(|a| a.copre(eservizio))
            .collect();
        if let Some(valida) = candidate
            .iter()
            .find(|a| !a.revocata_nel_giorno(giorno) && a.dal <= giorno && giorno <= a.al)
        {
            return Ok(Arc::clone(valida));
        }
        let Some(ultima) = candidate.first() else {
            return Err(MotivoNegato::AltroServizio);
        };
        Err(match ultima.revocata_il {
            Some(il) if ultima.revocata_nel_giorno(giorno) => MotivoNegato::Revocata { il },
            _ if giorno < ultima.dal => MotivoNegato::NonAncoraValida { dal: ultima.dal },
            _ => MotivoNegato::Scaduta { al: ultima.al },
        })
    }

    /// Reloads when the register's counter has moved, reading the counter at most
    /// once per interval. Returns whether it reloaded. When another task is already
    /// checking, returns at once: that task's reload serves everyone.
    pub async fn aggiorna_se_cambiata(&self, registro: &StoreEnti) -> Result<bool, ErroreEnti> {
        let Ok(mut ultimo) = self.ultimo_controllo.try_lock() else {
            return Ok(false);
        };
        if ultimo.elapsed() < self.intervallo {
            return Ok(false);
        }
        let esito = self.ricarica_se_cambiata(registro).await;
        // A failed read is retried after the interval too, not on every call:
        // a database outage must not turn into a storm of connection attempts.
        *ultimo = Instant::now();
        esito
    }

    /// Reads the counter now, whatever the interval, and reloads if it moved.
    pub async fn aggiorna_subito(&self, registro: &StoreEnti) -> Result<bool, ErroreEnti> {
        let mut ultimo = self.ultimo_controllo.lock().await;
        let esito = self.ricarica_se_cambiata(registro).await;
        *ultimo = Instant::now();
        esito
    }

    async fn ricarica_se_cambiata(&self, registro: &StoreEnti) -> Result<bool, ErroreEnti> {
        let attuale = registro.versione_abilitazioni().await?;
        if attuale == self.versione() {
            return Ok(false);
        }
        let (versione, tutte) = registro.istantanea_abilitazioni().await?;
        let nuovo = Arc::new(Indice::nuovo(versione, tutte));
        match self.indice.write() {
            Ok(mut g) => *g = nuovo,
            Err(p) => *p.into_inner() = nuovo,
        }
        tracing::debug!(versione, "abilitazioni ricaricate");
        Ok(true)
    }

    /// Spawns a task that calls [`CacheAbilitazioni::aggiorna_se_cambiata`] once per
    /// interval (at least once a second), logging failures; for servers that prefer
    /// not to refresh on the request path.
    pub fn aggiorna_periodicamente(
        cache: Arc<CacheAbilitazioni>,
        registro: StoreEnti,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let passo = cache.intervallo.max(Duration::from_secs(1));
            loop {
                tokio::time::sleep(passo).await;
                if let Err(e) = cache.aggiorna_se_cambiata(&registro).await {
                    tracing::warn!(errore = %e, "aggiornamento delle abilitazioni non riuscito");
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn il_json_porta_lo_stesso_codice() {
        let motivi = [
            MotivoNegato::Nessuna,
            MotivoNegato::Scaduta {
                al: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            },
            MotivoNegato::NonAncoraValida {
                dal: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            },
            MotivoNegato::Revocata {
                il: DateTime::from_timestamp(1_780_000_000, 0).unwrap(),
            },
            MotivoNegato::AltroServizio,
            MotivoNegato::AltroEnte,
        ];
        for m in motivi {
            let v = serde_json::to_value(&m).unwrap();
            assert_eq!(v["codice"], m.codice(), "{v}");
        }
    }
}

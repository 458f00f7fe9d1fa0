//! How much an unauthenticated caller can make the log store.
//!
//! Every refusal is logged, by design, and a refusal before the voucher is validated
//! costs the caller nothing: without a limit, one client can grow the log at line
//! rate. So the records of such refusals go through a token bucket per source (the
//! client certificate's fingerprint, or the peer's IP): a burst of
//! [`OpzioniLimite::raffica`] full records, then [`OpzioniLimite::al_minuto`] per
//! minute. Beyond that a refusal is not dropped but *counted*: once per
//! [`OpzioniLimite::intervallo`] the count becomes one record
//! (`esito = RIFIUTI_SOPPRESSI`, `id_richiesta` = how many, `request_id` =
//! `N rifiuti soppressi da <fonte> in <s> s`), so that the log still says what happened
//! but grows by at most one row per source and interval.
//!
//! At most [`OpzioniLimite::fonti_massime`] sources are tracked (IPv6 gives an
//! attacker many addresses); beyond that every new source shares one bucket,
//! `altre fonti`.

use crate::record::{NuovoAccesso, limiti, pulisci_campo};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The limits of [`crate::RegistroAccessi::registra_non_autenticato`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpzioniLimite {
    /// Full records a source may cause at once (the bucket's size).
    pub raffica: u32,
    /// Full records a source may cause per minute once the burst is spent.
    pub al_minuto: u32,
    /// How often suppressed refusals become one counter record per source.
    pub intervallo: Duration,
    /// Sources tracked one by one; the others share the bucket [`ALTRE_FONTI`].
    pub fonti_massime: usize,
}

impl Default for OpzioniLimite {
    fn default() -> Self {
        OpzioniLimite {
            raffica: 20,
            al_minuto: 60,
            intervallo: Duration::from_secs(60),
            fonti_massime: 10_000,
        }
    }
}

/// The shared source of the callers beyond [`OpzioniLimite::fonti_massime`].
pub const ALTRE_FONTI: &str = "altre fonti";

/// `esito` of a counter record.
pub const ESITO_SOPPRESSI: &str = "RIFIUTI_SOPPRESSI";

struct Fonte {
    /// Tokens left.
    gettoni: u32,
    /// When the bucket last gained a token.
    ricarica: Instant,
    /// Refusals counted and not yet written.
    soppressi: u64,
    /// The first of them: the start of the interval.
    dal: Option<(Instant, DateTime<Utc>)>,
    /// What the counter record copies (e-service, channel, IP) from the first refusal.
    modello: Option<NuovoAccesso>,
}

pub(crate) struct Limitatore {
    opzioni: OpzioniLimite,
    fonti: Mutex<HashMap<String, Fonte>>,
    soppressi_totali: AtomicU64,
}

impl Limitatore {
    pub(crate) fn new(mut opzioni: OpzioniLimite) -> Limitatore {
        opzioni.raffica = opzioni.raffica.max(1);
        opzioni.intervallo = opzioni.intervallo.max(Duration::from_millis(10));
        Limitatore {
            opzioni,
            fonti: Mutex::new(HashMap::new()),
            soppressi_totali: AtomicU64::new(0),
        }
    }

    pub(crate) fn opzioni(&self) -> &OpzioniLimite {
        &self.opzioni
    }

    /// Refusals suppressed since start (also those already summarised).
    pub(crate) fn soppressi_totali(&self) -> u64 {
        self.soppressi_totali.load(Ordering::Relaxed)
    }

    /// Whether `a` from `fonte` may be stored in full now; if not, it is counted.
    pub(crate) fn ammetti(&self, fonte: &str, a: &NuovoAccesso, adesso: Instant) -> bool {
        let mut fonti = self.fonti.lock().unwrap_or_else(|p| p.into_inner());
        let chiave = if fonti.contains_key(fonte) || fonti.len() < self.opzioni.fonti_massime {
            pulisci_campo(fonte, limiti::CODICE).into_owned()
        } else {
            ALTRE_FONTI.to_string()
        };
        let f = fonti.entry(chiave).or_insert_with(|| Fonte {
            gettoni: self.opzioni.raffica,
            ricarica: adesso,
            soppressi: 0,
            dal: None,
            modello: None,
        });
        // Refill: one token per 60 s / al_minuto.
        if self.opzioni.al_minuto > 0 {
            let passo = Duration::from_secs(60) / self.opzioni.al_minuto;
            let trascorso = adesso.saturating_duration_since(f.ricarica);
            let nuovi = (trascorso.as_nanos() / passo.as_nanos().max(1)).min(u128::from(u32::MAX));
            if nuovi > 0 {
                let nuovi = nuovi as u32;
                f.gettoni = f.gettoni.saturating_add(nuovi).min(self.opzioni.raffica);
                f.ricarica = if f.gettoni == self.opzioni.raffica {
                    adesso
                } else {
                    f.ricarica + passo * nuovi
                };
            }
        }
        if f.gettoni > 0 {
            f.gettoni -= 1;
            return true;
        }
        f.soppressi += 1;
        if f.dal.is_none() {
            f.dal = Some((adesso, a.ts));
            f.modello = Some(a.clone());
        }
        self.soppressi_totali.fetch_add(1, Ordering::Relaxed);
        false
    }

    /// The counter records due: for every source whose first suppressed refusal is
    /// at least an interval old (every source with a count, when `tutti`). Resets the
    /// counts and forgets the sources that are idle with a full bucket.
    pub(crate) fn riepiloghi(&self, adesso: Instant, tutti: bool) -> Vec<NuovoAccesso> {
        let mut fonti = self.fonti.lock().unwrap_or_else(|p| p.into_inner());
        let mut record = Vec::new();
        let intervallo = self.opzioni.intervallo;
        let passo = Duration::from_secs(60) / self.opzioni.al_minuto.max(1);
        fonti.retain(|nome, f| {
            if let Some((inizio, ts)) = f.dal
                && (tutti || adesso.saturating_duration_since(inizio) >= intervallo)
            {
                let secondi = adesso.saturating_duration_since(inizio).as_secs().max(1);
                let modello = f.modello.take().unwrap_or_default();
                record.push(NuovoAccesso {
                    eservizio: modello.eservizio,
                    operazione: "RifiutiSoppressi".into(),
                    canale: modello.canale,
                    esito: ESITO_SOPPRESSI.into(),
                    http_status: 0,
                    id_richiesta: Some(i64::try_from(f.soppressi).unwrap_or(i64::MAX)),
                    request_id: Some(format!(
                        "{} rifiuti soppressi da {nome} in {secondi} s",
                        f.soppressi
                    )),
                    ip_client: modello.ip_client,
                    latenza_us: 0,
                    ts,
                    ..NuovoAccesso::default()
                });
                f.soppressi = 0;
                f.dal = None;
            }
            // Keep what still has a count or a bucket that is refilling.
            let pieno = f.gettoni >= self.opzioni.raffica
                || adesso.saturating_duration_since(f.ricarica)
                    >= passo * self.opzioni.raffica.saturating_sub(f.gettoni);
            f.dal.is_some() || !pieno
        });
        record
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn rifiuto() -> NuovoAccesso {
        NuovoAccesso {
            eservizio: "indicatore".into(),
            canale: "rest".into(),
            esito: "VOUCHER_ASSENTE".into(),
            ip_client: Some("192.0.2.7".into()),
            ..NuovoAccesso::default()
        }
    }

    #[test]
    fn raffica_poi_ritmo_poi_riepilogo() {
        let l = Limitatore::new(OpzioniLimite {
            raffica: 3,
            al_minuto: 60,
            intervallo: Duration::from_secs(10),
            fonti_massime: 10,
        });
        let t0 = Instant::now();
        let a = rifiuto();
        let ammessi = (0..100).filter(|_| l.ammetti("192.0.2.7", &a, t0)).count();
        assert_eq!(ammessi, 3);
        assert_eq!(l.soppressi_totali(), 97);
        // One token per second.
        assert!(l.ammetti("192.0.2.7", &a, t0 + Duration::from_millis(1_000)));
        assert!(!l.ammetti("192.0.2.7", &a, t0 + Duration::from_millis(1_500)));
        // Another source has its own bucket.
        assert!(l.ammetti("198.51.100.1", &a, t0));
        // Not yet an interval: no summary; then one, with the count.
        assert!(l.riepiloghi(t0 + Duration::from_secs(5), false).is_empty());
        let r = l.riepiloghi(t0 + Duration::from_secs(10), false);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].esito, ESITO_SOPPRESSI);
        assert_eq!(r[0].id_richiesta, Some(98));
        assert_eq!(
            r[0].request_id.as_deref(),
            Some("98 rifiuti soppressi da 192.0.2.7 in 10 s")
        );
        assert_eq!(r[0].ip_client.as_deref(), Some("192.0.2.7"));
        assert!(l.riepiloghi(t0 + Duration::from_secs(30), true).is_empty());
    }

    #[test]
    fn fonti_oltre_il_massimo_condividono_un_secchio() {
        let l = Limitatore::new(OpzioniLimite {
            raffica: 1,
            al_minuto: 1,
            intervallo: Duration::from_secs(60),
            fonti_massime: 2,
        });
        let t0 = Instant::now();
        let a = rifiuto();
        assert!(l.ammetti("a", &a, t0));
        assert!(l.ammetti("b", &a, t0));
        assert!(l.ammetti("c", &a, t0), "il primo di «altre fonti»");
        assert!(!l.ammetti("d", &a, t0), "stesso secchio di c");
        let r = l.riepiloghi(t0, true);
        assert_eq!(r.len(), 1);
        assert!(r[0].request_id.as_deref().unwrap().contains(ALTRE_FONTI));
        assert!(l.fonti.lock().unwrap().len() <= 3);
    }
}

//! Daily quotas per PDND purpose (`dailyCalls` of the purpose, §2.4 item 8).
//!
//! The day is the UTC day, the same day the access log is partitioned by, so that
//! the counters can be rebuilt from the log after a restart
//! (`RegistroAccessi::conteggi_giorno`): a restart must not hand every purpose a
//! fresh quota. Refused calls count too (except quota refusals themselves): a caller
//! hammering the service with bad requests is the abuse quotas exist for.

use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Quote {
    stato: Mutex<Stato>,
}

#[derive(Debug, Default)]
struct Stato {
    giorno: Option<NaiveDate>,
    usate: HashMap<String, u64>,
}

/// The answer of [`Quote::consuma`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EsitoQuota {
    Concessa { usate: u64, limite: u64 },
    Esaurita { limite: u64 },
}

impl Quote {
    /// Counters restored from the access log for `giorno`.
    pub fn da_conteggi(giorno: NaiveDate, usate: HashMap<String, u64>) -> Quote {
        Quote {
            stato: Mutex::new(Stato {
                giorno: Some(giorno),
                usate,
            }),
        }
    }

    /// Takes one call from the purpose's quota for `giorno`; a new day starts from zero.
    pub fn consuma(&self, purpose: &str, limite: u64, giorno: NaiveDate) -> EsitoQuota {
        let mut s = self.stato.lock().unwrap_or_else(|p| p.into_inner());
        if s.giorno != Some(giorno) {
            s.giorno = Some(giorno);
            s.usate.clear();
        }
        let usate = s.usate.entry(purpose.to_string()).or_insert(0);
        if *usate >= limite {
            return EsitoQuota::Esaurita { limite };
        }
        *usate += 1;
        EsitoQuota::Concessa {
            usate: *usate,
            limite,
        }
    }

    pub fn usate(&self, purpose: &str) -> u64 {
        let s = self.stato.lock().unwrap_or_else(|p| p.into_inner());
        s.usate.get(purpose).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn g(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn la_quota_si_esaurisce_e_rinasce_il_giorno_dopo() {
        let q = Quote::default();
        assert_eq!(
            q.consuma("p", 2, g("2026-11-22")),
            EsitoQuota::Concessa {
                usate: 1,
                limite: 2
            }
        );
        assert!(matches!(
            q.consuma("p", 2, g("2026-11-22")),
            EsitoQuota::Concessa { .. }
        ));
        assert_eq!(
            q.consuma("p", 2, g("2026-11-22")),
            EsitoQuota::Esaurita { limite: 2 }
        );
        assert!(matches!(
            q.consuma("altra", 2, g("2026-11-22")),
            EsitoQuota::Concessa { .. }
        ));
        assert!(matches!(
            q.consuma("p", 2, g("2026-11-23")),
            EsitoQuota::Concessa { usate: 1, .. }
        ));
    }

    #[test]
    fn i_conteggi_ripristinati_valgono_solo_per_il_loro_giorno() {
        let q = Quote::da_conteggi(g("2026-11-22"), HashMap::from([("p".to_string(), 5)]));
        assert_eq!(
            q.consuma("p", 5, g("2026-11-22")),
            EsitoQuota::Esaurita { limite: 5 }
        );
        assert!(matches!(
            q.consuma("p", 5, g("2026-11-23")),
            EsitoQuota::Concessa { usate: 1, .. }
        ));
    }
}

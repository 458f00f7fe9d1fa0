//! Lock-out after repeated failed logins.
//!
//! The counter is kept per username, whether or not an account has it: an unknown
//! name locks exactly as a real one does, so the answers (and their `attendi`) do not
//! tell which names exist. The key in the store is a keyed hash of the name
//! ([`crate::Segreto::impronta_nome`]), never the name itself.

use chrono::{DateTime, TimeDelta, Utc};
use std::time::Duration;

/// When an account locks and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoliticaBlocco {
    /// Failed logins in a row that lock the account.
    pub tentativi: u32,
    /// The first lock's duration; each further lock doubles it.
    pub primo_blocco: Duration,
    /// The longest lock.
    pub blocco_massimo: Duration,
}

impl Default for PoliticaBlocco {
    /// 5 failures; 1 minute, doubling, at most 1 hour (docs/SCELTE.md).
    fn default() -> PoliticaBlocco {
        PoliticaBlocco {
            tentativi: 5,
            primo_blocco: Duration::from_secs(60),
            blocco_massimo: Duration::from_secs(3600),
        }
    }
}

impl PoliticaBlocco {
    /// How long the `n`-th lock in a row lasts (`n` ≥ 1; 0 counts as 1):
    /// `primo_blocco · 2^(n-1)`, at most `blocco_massimo`.
    pub fn durata(&self, n: u32) -> Duration {
        let esponente = n.saturating_sub(1).min(63);
        let fattore = 1u64 << esponente;
        let ms = u64::try_from(self.primo_blocco.as_millis()).unwrap_or(u64::MAX);
        let d = Duration::from_millis(ms.saturating_mul(fattore));
        d.min(self.blocco_massimo)
    }
}

/// The failures and locks recorded for one username.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatoBlocco {
    /// Failures since the last lock or the last success.
    pub fallimenti: u32,
    /// Locks since the last success.
    pub blocchi: u32,
    /// Until when logins are refused.
    pub bloccato_fino: Option<DateTime<Utc>>,
}

impl StatoBlocco {
    pub const LIBERO: StatoBlocco = StatoBlocco {
        fallimenti: 0,
        blocchi: 0,
        bloccato_fino: None,
    };

    /// How long logins are still refused at `adesso`; `None` when not locked.
    pub fn attesa(&self, adesso: DateTime<Utc>) -> Option<Duration> {
        let fino = self.bloccato_fino?;
        (fino > adesso).then(|| (fino - adesso).to_std().unwrap_or_default())
    }

    /// The state after one more failure at `adesso` (not called while locked): the
    /// `tentativi`-th failure locks for [`PoliticaBlocco::durata`] of the next lock and
    /// starts the count again.
    pub fn dopo_fallimento(&self, politica: &PoliticaBlocco, adesso: DateTime<Utc>) -> StatoBlocco {
        let fallimenti = self.fallimenti.saturating_add(1);
        if fallimenti >= politica.tentativi.max(1) {
            let blocchi = self.blocchi.saturating_add(1);
            let durata = TimeDelta::from_std(politica.durata(blocchi)).unwrap_or(TimeDelta::MAX);
            StatoBlocco {
                fallimenti: 0,
                blocchi,
                bloccato_fino: Some(adesso.checked_add_signed(durata).unwrap_or(adesso)),
            }
        } else {
            StatoBlocco {
                fallimenti,
                blocchi: self.blocchi,
                bloccato_fino: self.bloccato_fino,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn durate_raddoppiano_fino_a_un_ora() {
        let p = PoliticaBlocco::default();
        let minuti: Vec<u64> = (1..=8).map(|n| p.durata(n).as_secs() / 60).collect();
        assert_eq!(minuti, vec![1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(p.durata(0), p.durata(1));
        assert_eq!(p.durata(u32::MAX), Duration::from_secs(3600));
    }

    #[test]
    fn il_quinto_fallimento_blocca() {
        let p = PoliticaBlocco::default();
        let t = Utc.with_ymd_and_hms(2026, 5, 1, 10, 0, 0).unwrap();
        let mut s = StatoBlocco::LIBERO;
        for i in 1..=4 {
            s = s.dopo_fallimento(&p, t);
            assert_eq!((s.fallimenti, s.attesa(t)), (i, None));
        }
        s = s.dopo_fallimento(&p, t);
        assert_eq!(s.fallimenti, 0);
        assert_eq!(s.blocchi, 1);
        assert_eq!(s.attesa(t), Some(Duration::from_secs(60)));
        assert_eq!(s.attesa(t + TimeDelta::seconds(60)), None);
        for _ in 0..5 {
            s = s.dopo_fallimento(&p, t + TimeDelta::seconds(61));
        }
        assert_eq!(
            s.attesa(t + TimeDelta::seconds(61)),
            Some(Duration::from_secs(120))
        );
    }

    proptest! {
        #[test]
        fn durate_monotone_e_limitate(
            primo_ms in 1u64..10_000_000,
            massimo_ms in 1u64..100_000_000,
            n in 0u32..200,
        ) {
            let p = PoliticaBlocco {
                tentativi: 5,
                primo_blocco: Duration::from_millis(primo_ms),
                blocco_massimo: Duration::from_millis(massimo_ms),
            };
            let a = p.durata(n);
            let b = p.durata(n + 1);
            prop_assert!(a <= b);
            prop_assert!(b <= p.blocco_massimo);
            prop_assert!(a >= p.primo_blocco.min(p.blocco_massimo));
            if n >= 1 && b < p.blocco_massimo {
                prop_assert_eq!(b, a * 2);
            }
        }
    }
}

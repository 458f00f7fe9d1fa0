//! Property tests: invariants that must hold for every household.
//!
//! Households come from the synthetic generator (realistic shapes), perturbed by
//! proptest; a failure shrinks to the smallest seed and change that breaks the law.

use isee_core::calcolo::{Motore, Richiesta};
use isee_core::dsu::{Dsu, Immobile, RapportoFinanziario, TipoPatrimonio, TipoRapporto};
use isee_core::importo::{Importo, Percentuale};
use isee_core::{TipoIsee, valida};
use isee_genera::{Impostazioni, nucleo};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::sync::LazyLock;

static MOTORE: LazyLock<Motore> = LazyLock::new(Motore::predefinito);

fn famiglia(seme: u64, anno: i32) -> Dsu {
    nucleo(&Impostazioni::new(seme, anno), seme % 1000)
}

fn isee(d: &Dsu, r: &Richiesta) -> isee_core::Esito {
    let v = valida(d.clone()).unwrap_or_else(|p| panic!("{p:#?}"));
    MOTORE.calcola(&v, r).unwrap()
}

fn anni() -> impl Strategy<Value = i32> {
    prop_oneof![
        Just(2015),
        Just(2016),
        Just(2020),
        Just(2024),
        Just(2025),
        Just(2026)
    ]
}

fn richieste() -> impl Strategy<Value = Richiesta> {
    prop_oneof![
        Just(Richiesta::ordinario()),
        Just(Richiesta {
            tipo: TipoIsee::Ordinario,
            prestazione: Some(isee_core::Prestazione::AssegnoUnico),
            beneficiario: None
        }),
        Just(Richiesta {
            tipo: TipoIsee::Ordinario,
            prestazione: Some(isee_core::Prestazione::Adi),
            beneficiario: None
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn piu_reddito_non_abbassa_mai_l_isee(seme in any::<u64>(), anno in anni(), chi in 0usize..6, delta in 1i64..200_000, dipendente in any::<bool>(), r in richieste()) {
        let base = famiglia(seme, anno);
        let mut piu = base.clone();
        let i = chi % piu.componenti.len();
        let red = &mut piu.componenti[i].redditi;
        red.reddito_complessivo = Importo::new(red.reddito_complessivo.valore() + Decimal::from(delta));
        if dipendente {
            red.di_cui_lavoro_dipendente = Importo::new(red.di_cui_lavoro_dipendente.valore() + Decimal::from(delta));
        }
        let (a, b) = (isee(&base, &r), isee(&piu, &r));
        prop_assert!(b.isee >= a.isee, "ISEE fell from {} to {} adding {delta} of income", a.isee, b.isee);
        prop_assert!(b.righe.isr >= a.righe.isr);
    }

    #[test]
    fn piu_patrimonio_non_abbassa_mai_l_isee(seme in any::<u64>(), anno in anni(), chi in 0usize..6, delta in 1i64..500_000, tipo in 0u8..4, r in richieste()) {
        let base = famiglia(seme, anno);
        let mut piu = base.clone();
        let i = chi % piu.componenti.len();
        let c = &mut piu.componenti[i];
        match tipo {
            0 => c.patrimonio_mobiliare.push(RapportoFinanziario {
                tipo: TipoRapporto::ContoCorrente, identificativo: None, codice_intermediario: None,
                saldo_31_12: Importo::euro(delta), giacenza_media: Importo::euro(delta / 2), valore: Importo::ZERO,
                quota: Percentuale::CENTO, di_cui_titoli_di_stato: Importo::ZERO, incremento_patrimoniale: false,
            }),
            1 => c.patrimonio_mobiliare.push(RapportoFinanziario {
                tipo: TipoRapporto::DepositoTitoli, identificativo: None, codice_intermediario: None,
                saldo_31_12: Importo::ZERO, giacenza_media: Importo::ZERO, valore: Importo::euro(delta),
                quota: Percentuale::CENTO, di_cui_titoli_di_stato: Importo::euro(delta / 3), incremento_patrimoniale: false,
            }),
            2 => c.patrimonio_immobiliare.push(Immobile {
                tipo: TipoPatrimonio::F, codice_comune: "H199".into(), quota: Percentuale::new(Decimal::from(50)),
                valore_imu: Importo::euro(delta), mutuo_residuo: Importo::euro(delta / 4), casa_abitazione: false,
                inagibile_calamita: false, ricevuto_in_donazione: false,
            }),
            _ => {
                // A higher value of the home, if the nucleus owns it.
                for x in &mut c.patrimonio_immobiliare {
                    x.valore_imu = Importo::new(x.valore_imu.valore() + Decimal::from(delta));
                }
            }
        }
        let (a, b) = (isee(&base, &r), isee(&piu, &r));
        prop_assert!(b.isee >= a.isee, "ISEE fell from {} to {} adding {delta} of assets (kind {tipo})", a.isee, b.isee);
        prop_assert!(b.righe.isp >= a.righe.isp);
    }

    #[test]
    fn la_scala_dipende_solo_dalla_composizione(seme in any::<u64>(), anno in anni(), delta in 0i64..300_000) {
        let base = famiglia(seme, anno);
        let mut altra = base.clone();
        for c in &mut altra.componenti {
            c.redditi.reddito_complessivo = Importo::new(c.redditi.reddito_complessivo.valore() + Decimal::from(delta));
            c.patrimonio_mobiliare.clear();
            c.patrimonio_immobiliare.clear();
        }
        altra.abitazione.titolo = isee_core::dsu::TitoloAbitazione::Altro;
        altra.abitazione.canone_annuo = None;
        let r = Richiesta::ordinario();
        prop_assert_eq!(isee(&base, &r).righe.scala_equivalenza, isee(&altra, &r).righe.scala_equivalenza);
    }

    #[test]
    fn coerenza_delle_righe_e_ultimo_passo(seme in any::<u64>(), anno in anni(), r in richieste()) {
        let d = famiglia(seme, anno);
        let v = valida(d).unwrap();
        let e = MOTORE.calcola_con_traccia(&v, &r).unwrap();
        let x = &e.righe;
        let cent = Decimal::new(1, 2);
        prop_assert!(x.isr >= Decimal::ZERO && x.isp >= Decimal::ZERO && x.isee >= Decimal::ZERO);
        prop_assert_eq!(x.isr, (x.somma_redditi_componenti + x.reddito_figurativo_patrimonio_mobiliare - x.detrazioni).max(Decimal::ZERO));
        prop_assert_eq!(x.isp, (x.patrimonio_mobiliare - x.detrazione_patrimonio_mobiliare + x.patrimonio_immobiliare - x.detrazione_patrimonio_immobiliare).max(Decimal::ZERO));
        prop_assert!((x.ise - (x.isr + x.isp / Decimal::from(5))).abs() <= cent / Decimal::TWO);
        prop_assert!((x.isee * x.scala_equivalenza - x.ise).abs() <= x.scala_equivalenza * cent / Decimal::TWO);
        prop_assert_eq!(x.scala_equivalenza, x.parametro_nucleo + x.maggiorazioni);
        // Every line has exactly two decimals, as on the attestation.
        for v in [x.somma_redditi_componenti, x.isr, x.isp, x.ise, x.isee, x.scala_equivalenza] {
            prop_assert_eq!(v.scale(), 2);
        }
        prop_assert_eq!(e.traccia.last().map(|p| p.risultato), Some(e.isee.normalize()));
        // Without the trace, the same numbers.
        let senza = MOTORE.calcola(&v, &r).unwrap();
        prop_assert_eq!(&senza.righe, &e.righe);
        prop_assert!(senza.traccia.is_empty());
    }

    #[test]
    fn andata_e_ritorno_in_json(seme in any::<u64>(), anno in anni()) {
        let d = famiglia(seme, anno);
        let testo = serde_json::to_string(&d).unwrap();
        let di_nuovo = Dsu::da_json(&testo).unwrap();
        prop_assert_eq!(&d, &di_nuovo);
        let e = MOTORE.calcola_con_traccia(&valida(d).unwrap(), &Richiesta::ordinario()).unwrap();
        let j = serde_json::to_string(&e).unwrap();
        let e2: isee_core::Esito = serde_json::from_str(&j).unwrap();
        prop_assert_eq!(e, e2);
    }

    #[test]
    fn il_genitore_non_convivente_conta_solo_per_la_maggiorazione(seme in any::<u64>(), anno in anni(), mesi in 0u8..13, reddito in 0i64..100_000, r in richieste()) {
        // Allegato 1 lett. c), second sentence: declaring the attracted father of a minor
        // child leaves incomes, assets and the number of members of the ordinary nucleus
        // as they are, and can only take a maggiorazione away (one more parent who must
        // have worked; no longer a lone parent), so the ISEE never falls.
        let base = famiglia(seme, anno);
        let data = base.data_presentazione.get().unwrap();
        let minore = base.componenti.iter().find(|c| {
            c.rapporto.e_figlio()
                && c.data_nascita.get().is_some_and(|n| isee_core::data::eta_compiuta(n, data) < 18)
        });
        prop_assume!(minore.is_some());
        let minore = minore.unwrap().codice_fiscale;
        let nascita = chrono::NaiveDate::from_ymd_opt(1980, 5, 17).unwrap();
        let padre = isee_core::codice_fiscale::componi("QZX", "WKJ", nascita, false, "H199");
        let mut v = serde_json::to_value(&base).unwrap();
        v["componenti"].as_array_mut().unwrap().push(serde_json::json!({
            "codice_fiscale": padre, "data_nascita": "1980-05-17", "rapporto": "GNC", "mesi_lavoro": mesi,
            "redditi": { "reddito_complessivo": reddito, "di_cui_lavoro_dipendente": reddito }
        }));
        v["genitori_non_conviventi"] = serde_json::json!([{ "codice_fiscale": padre, "figli": [minore], "situazione": { "tipo": "attratto" } }]);
        let con = Dsu::da_json(&v.to_string()).unwrap();
        let (a, b) = (isee(&base, &r), isee(&con, &r));
        prop_assert_eq!(a.righe.isr, b.righe.isr);
        prop_assert_eq!(a.righe.isp, b.righe.isp);
        prop_assert_eq!(a.righe.parametro_nucleo, b.righe.parametro_nucleo);
        prop_assert!(b.righe.maggiorazioni <= a.righe.maggiorazioni);
        prop_assert!(b.isee >= a.isee);
    }
}

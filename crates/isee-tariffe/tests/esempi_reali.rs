//! The real Comuni rule files reproduce the published tables, row by row and at every boundary.

use isee_tariffe::{Domanda, Percorso, Stato, Tariffa, TipoIsee, carica};
use rust_decimal::Decimal;
use rust_decimal::dec;

fn carica_file(testo: &str) -> Tariffa {
    match carica(testo) {
        Ok(c) => {
            assert!(c.avvisi.is_empty(), "avvisi inattesi: {:#?}", c.avvisi);
            c.tariffa
        }
        Err(e) => panic!("{e}"),
    }
}

fn ravenna() -> Tariffa {
    carica_file(include_str!("../regole/ravenna-nido.toml"))
}
fn rapallo() -> Tariffa {
    carica_file(include_str!("../regole/rapallo-nido.toml"))
}
fn manfredonia() -> Tariffa {
    carica_file(include_str!("../regole/manfredonia-mensa.toml"))
}

fn minorenni(isee: Decimal) -> Domanda {
    Domanda::nuova(Some(isee), TipoIsee::Minorenni)
}

/// Ravenna: (fixed, daily) unit rates for one application.
fn rette(t: &Tariffa, d: &Domanda) -> (Decimal, Decimal) {
    let mut d = d.clone();
    d.presenze = Some(Decimal::ZERO);
    let e = t.valuta(&d).unwrap();
    (e.unitario(0).unwrap(), e.unitario(1).unwrap())
}

// ---------------------------------------------------------------- Ravenna

#[test]
fn ravenna_tabella_pubblicata() {
    let t = ravenna();
    let casi = [
        (dec!(4500.00), dec!(0.00), dec!(0.00)),
        (dec!(4500.01), dec!(30.00), dec!(0.90)),
        (dec!(10000.00), dec!(83.92), dec!(1.46)),
        (dec!(20000.00), dec!(181.96), dec!(2.48)),
        (dec!(30000.00), dec!(280.00), dec!(3.50)),
        (dec!(30000.01), dec!(280.00), dec!(3.50)),
        (dec!(32500.00), dec!(347.50), dec!(3.75)),
        (dec!(35000.00), dec!(415.00), dec!(4.00)),
    ];
    for (isee, fissa, giornaliera) in casi {
        assert_eq!(
            rette(&t, &minorenni(isee)),
            (fissa, giornaliera),
            "ISEE {isee}"
        );
    }
}

#[test]
fn ravenna_confini() {
    let t = ravenna();
    // Just below, on and just above each boundary.
    let casi = [
        (dec!(0), dec!(0), dec!(0)),
        (dec!(4499.99), dec!(0), dec!(0)),
        (dec!(4500.02), dec!(30.00), dec!(0.90)), // 30.0000098…
        (dec!(29999.99), dec!(280.00), dec!(3.50)),
        (dec!(30000.02), dec!(280.00), dec!(3.50)),
        (dec!(34999.99), dec!(415.00), dec!(4.00)),
        (dec!(35000.01), dec!(415.00), dec!(4.00)), // RA1: full cost
        (dec!(1000000), dec!(415.00), dec!(4.00)),
    ];
    for (isee, fissa, giornaliera) in casi {
        assert_eq!(
            rette(&t, &minorenni(isee)),
            (fissa, giornaliera),
            "ISEE {isee}"
        );
    }
    assert_eq!(
        t.valuta(&minorenni(dec!(4500.00))).unwrap().percorso,
        Percorso::Esenzione
    );
    assert_eq!(
        t.valuta(&minorenni(dec!(4500.00))).unwrap().stato,
        Stato::Esente
    );
    let mut d = minorenni(dec!(35000.01));
    d.presenze = Some(dec!(1));
    assert_eq!(t.valuta(&d).unwrap().percorso, Percorso::CostoPieno);
    let mut d = minorenni(dec!(35000.00));
    d.presenze = Some(dec!(1));
    assert_eq!(t.valuta(&d).unwrap().percorso, Percorso::Tratti);
}

#[test]
fn ravenna_ordine_di_arrotondamento() {
    // ISEE 20,000 and 18 days: rounding each rate gives 226.60, rounding only the total 226.61.
    let t = ravenna();
    let mut d = minorenni(dec!(20000));
    d.presenze = Some(dec!(18));
    assert_eq!(t.valuta(&d).unwrap().importo, dec!(226.60));

    let testo = include_str!("../regole/ravenna-nido.toml")
        .replace("livello = \"componente\"", "livello = \"totale\"");
    // With rounding on the total it must be the last step: move the regional discounts before it.
    let testo = testo.replace(
        "ordine = [\"arrotondamento\", \"regione_40\", \"regione_30\"]",
        "ordine = [\"regione_40\", \"regione_30\", \"arrotondamento\"]",
    );
    let totale = carica(&testo).unwrap().tariffa;
    assert_eq!(totale.valuta(&d).unwrap().importo, dec!(226.61));
}

#[test]
fn ravenna_mutuo_prima_casa() {
    let t = ravenna();
    let mut d = minorenni(dec!(20000));
    d.condizioni = t.condizioni(["mutuo_prima_casa"]).unwrap();
    let (fissa, _) = rette(&t, &d);
    assert_eq!(fissa, dec!(162.35));
    d.presenze = Some(dec!(0));
    assert_eq!(t.valuta(&d).unwrap().isee_considerato, Some(dec!(18000)));
    // RA3: 5000.01 × 0.9 = 4500.009, truncated to 4500.00 → exempt.
    let mut d = minorenni(dec!(5000.01));
    d.condizioni = t.condizioni(["mutuo_prima_casa"]).unwrap();
    let e = t.valuta(&d).unwrap();
    assert_eq!(e.isee_considerato, Some(dec!(4500.00)));
    assert_eq!(e.stato, Stato::Esente);
}

#[test]
fn ravenna_sconto_regionale_applicato_per_ultimo() {
    let t = ravenna();
    let mut d = minorenni(dec!(20000));
    d.mese = Some("2020-10".parse().unwrap());
    assert_eq!(rette(&t, &d), (dec!(109.18), dec!(1.49)));
    // Outside the school year 2020/21 it does not apply.
    d.mese = Some("2021-09".parse().unwrap());
    assert_eq!(rette(&t, &d).0, dec!(181.96));
    // −30% between 21,000.01 and 26,000.
    let mut d = minorenni(dec!(21000.01));
    d.mese = Some("2021-07".parse().unwrap());
    let (fissa, _) = rette(&t, &d);
    // 30 + 16499.99 × 250 / 25499.99 = 191.7647… → 191.76; × 0.70 = 134.232 → 134.23.
    assert_eq!(fissa, dec!(134.23));
    let mut d = minorenni(dec!(21000.00));
    d.mese = Some("2021-07".parse().unwrap());
    // 191.7646… → 191.76 × 0.60 = 115.056 → 115.06.
    assert_eq!(rette(&t, &d).0, dec!(115.06));
    let mut d = minorenni(dec!(26000.01));
    d.mese = Some("2021-07".parse().unwrap());
    assert_eq!(rette(&t, &d).0, dec!(240.78));
}

#[test]
fn ravenna_senza_isee_e_non_residente() {
    let t = ravenna();
    let mut d = Domanda::nuova(None, TipoIsee::Minorenni);
    d.presenze = Some(dec!(10));
    let e = t.valuta(&d).unwrap();
    assert_eq!(e.percorso, Percorso::SenzaIsee);
    assert_eq!(e.importo, dec!(455.00));
    let mut d = minorenni(dec!(3000));
    d.residente = false;
    d.presenze = Some(dec!(10));
    assert_eq!(t.valuta(&d).unwrap().importo, dec!(455.00));
    // ISEE ordinario where minorenni is required: treated as no valid ISEE.
    let mut d = Domanda::nuova(Some(dec!(3000)), TipoIsee::Ordinario);
    d.presenze = Some(dec!(10));
    assert_eq!(t.valuta(&d).unwrap().percorso, Percorso::TipoIseeNonAmmesso);
}

#[test]
fn ravenna_presenze_mancanti_sono_un_errore() {
    let t = ravenna();
    assert!(t.valuta(&minorenni(dec!(20000))).is_err());
    // But an exempt household needs no presences.
    assert!(t.valuta(&minorenni(dec!(100))).is_ok());
}

#[test]
fn ravenna_spiegazione() {
    let t = ravenna();
    let mut d = minorenni(dec!(20000));
    d.presenze = Some(dec!(18));
    d.condizioni = t.condizioni(["mutuo_prima_casa"]).unwrap();
    let (esito, sp) = t.valuta_spiegata(&d).unwrap();
    assert_eq!(esito, t.valuta(&d).unwrap());
    let testo = sp.testo(&t);
    assert!(
        testo.contains("ISEE minorenni presentato: 20.000,00 €."),
        "{testo}"
    );
    assert!(testo.contains("Abbattimento per mutuo sulla prima casa: ISEE ridotto del 10%, da 20.000,00 € a 18.000,00 €."), "{testo}");
    assert!(testo.contains("Retta fissa mensile: ISEE 18.000,00 nel tratto 1 (da 4.500,01 fino a 30.000,00), interpolazione lineare"), "{testo}");
    assert!(
        testo.contains("arrotondamento a 0,01 (per eccesso dalla metà) da 162,3528… € a 162,35 €"),
        "{testo}"
    );
    assert!(
        testo.contains("Retta giornaliera: 2,28 € × 18 giorni di presenza = 41,04 €."),
        "{testo}"
    );
    assert!(
        testo.contains("Importo dovuto per mese: 203,39 €."),
        "{testo}"
    );
    assert!(testo.contains("[RA2: scelta del progetto"), "{testo}");
    assert_eq!(esito.importo, dec!(203.39));
}

// ---------------------------------------------------------------- Rapallo

#[test]
fn rapallo_tabella_delle_fasce() {
    let t = rapallo();
    let fasce = [
        (dec!(0), dec!(2658.00), 59),
        (dec!(2658.01), dec!(3038.00), 107),
        (dec!(3038.01), dec!(3418.00), 140),
        (dec!(3418.01), dec!(3797.00), 170),
        (dec!(3797.01), dec!(4177.00), 199),
        (dec!(4177.01), dec!(6456.00), 232),
        (dec!(6456.01), dec!(8734.00), 263),
        (dec!(8734.01), dec!(11013.00), 292),
        (dec!(11013.01), dec!(13200.00), 331),
        (dec!(13200.01), dec!(15400.00), 358),
        (dec!(15400.01), dec!(17600.00), 386),
        (dec!(17600.01), dec!(20000.00), 400),
        (dec!(20000.01), dec!(1000000), 420),
    ];
    for (i, (da, a, importo)) in fasce.into_iter().enumerate() {
        for isee in [da, a, (da + a) / dec!(2)] {
            let e = t.valuta(&minorenni(isee)).unwrap();
            assert_eq!(e.importo, Decimal::from(importo), "ISEE {isee}");
            assert_eq!(e.tratto(0), Some(i), "ISEE {isee}");
        }
        // Just above the upper end: next band (RP1: even with three decimals).
        if i < 12 {
            let sopra = t.valuta(&minorenni(a + dec!(0.001))).unwrap();
            assert_eq!(sopra.tratto(0), Some(i + 1), "ISEE {a} + 0,001");
        }
    }
}

#[test]
fn rapallo_casi_pubblicati() {
    let t = rapallo();
    let con = |isee: Decimal, figli: u16| {
        let mut d = minorenni(isee);
        d.figli_minori = figli;
        t.valuta(&d).unwrap().importo
    };
    assert_eq!(con(dec!(5000), 1), dec!(232));
    assert_eq!(con(dec!(5000), 3), dec!(199));
    assert_eq!(con(dec!(1000), 3), dec!(59));
    assert_eq!(con(dec!(25000), 3), dec!(420));
    // RP2: the shift ends at 20,000.00 included.
    assert_eq!(con(dec!(20000.00), 3), dec!(386));
    assert_eq!(con(dec!(20000.01), 3), dec!(420));
    assert_eq!(con(dec!(5000), 2), dec!(232));
}

#[test]
fn rapallo_disabilita_cumulata_con_lo_spostamento() {
    let t = rapallo();
    let mut d = minorenni(dec!(5000));
    d.disabilita = true;
    d.condizioni = t.condizioni(["tempo_pieno"]).unwrap();
    // RP3: 75% of band 5 (after the shift), not of band 6.
    assert_eq!(t.valuta(&d).unwrap().importo, dec!(149.25));
    d.condizioni = t.condizioni(["part_time_con_pasto"]).unwrap();
    assert_eq!(t.valuta(&d).unwrap().importo, dec!(99.50));
    d.condizioni = t.condizioni(["part_time_senza_pasto"]).unwrap();
    assert_eq!(t.valuta(&d).unwrap().importo, dec!(59.70));
    // RP7: two attendance flags: only the first percentage.
    d.condizioni = t
        .condizioni(["tempo_pieno", "part_time_senza_pasto"])
        .unwrap();
    assert_eq!(t.valuta(&d).unwrap().importo, dec!(149.25));
    // Above 20,000: no shift, but the percentage still applies.
    let mut d = minorenni(dec!(25000));
    d.disabilita = true;
    d.condizioni = t.condizioni(["tempo_pieno"]).unwrap();
    assert_eq!(t.valuta(&d).unwrap().importo, dec!(315.00));
}

#[test]
fn rapallo_variante_non_cumulabile() {
    let testo = include_str!("../regole/rapallo-nido.toml").replace(
        "quota = 75\n",
        "quota = 75\nnon_cumulabile_con = [\"spostamento_fascia\"]\n",
    );
    let t = carica(&testo).unwrap().tariffa;
    let mut d = minorenni(dec!(5000));
    d.disabilita = true;
    d.condizioni = t.condizioni(["tempo_pieno"]).unwrap();
    // The shift applied (199) and the 75% is not cumulated.
    assert_eq!(t.valuta(&d).unwrap().importo, dec!(199));
}

#[test]
fn rapallo_spiegazione_spostamento() {
    let t = rapallo();
    let mut d = minorenni(dec!(5000));
    d.figli_minori = 3;
    let (_, sp) = t.valuta_spiegata(&d).unwrap();
    let testo = sp.testo(&t);
    assert!(
        testo.contains("Retta mensile passa dalla fascia 6 alla fascia 5, importo 199,00 €."),
        "{testo}"
    );
    let d = minorenni(dec!(1000));
    let mut d = d;
    d.figli_minori = 4;
    let (_, sp) = t.valuta_spiegata(&d).unwrap();
    assert!(sp.testo(&t).contains("già nella prima fascia"));
}

// ---------------------------------------------------------------- Manfredonia

fn pasto(t: &Tariffa, d: &Domanda) -> Decimal {
    let mut d = d.clone();
    d.presenze = Some(dec!(1));
    t.valuta(&d).unwrap().importo
}

#[test]
fn manfredonia_tabella_e_confini() {
    let t = manfredonia();
    let casi = [
        (dec!(0), dec!(2.00)),
        (dec!(5999.99), dec!(2.00)),
        (dec!(6000.00), dec!(2.00)),
        (dec!(6000.01), dec!(3.50)),
        (dec!(9359.99), dec!(3.50)),
        (dec!(9360.00), dec!(3.50)),
        (dec!(9360.01), dec!(4.00)),
        (dec!(14999.99), dec!(4.00)),
        (dec!(15000.00), dec!(4.00)),
        (dec!(15000.005), dec!(4.50)), // MA1
        (dec!(15000.01), dec!(4.50)),
        (dec!(80000), dec!(4.50)),
    ];
    for (isee, atteso) in casi {
        assert_eq!(pasto(&t, &minorenni(isee)), atteso, "ISEE {isee}");
    }
}

#[test]
fn manfredonia_senza_isee_e_non_residenti() {
    let t = manfredonia();
    assert_eq!(
        pasto(&t, &Domanda::nuova(None, TipoIsee::Minorenni)),
        dec!(4.50)
    );
    let mut d = minorenni(dec!(3000));
    d.residente = false;
    assert_eq!(pasto(&t, &d), dec!(4.50)); // MA4: residency beats ISEE
    // A month of 20 meals in band 2.
    let mut d = minorenni(dec!(7000));
    d.presenze = Some(dec!(20));
    assert_eq!(t.valuta(&d).unwrap().importo, dec!(70.00));
}

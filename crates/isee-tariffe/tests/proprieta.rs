//! Property tests: more ISEE never means less to pay (unless the file declares a decreasing
//! segment), the explained and the fast evaluation agree, and amounts sit on the rounding step.
//!
//! Rule files are generated at random, including broken ones: the property is that a file the
//! loader accepts without declaring `decrescente` is monotone, whatever the loader refused.

use isee_tariffe::{Domanda, Passo, Stato, Tariffa, TipoIsee, carica};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use rust_decimal::Decimal;

fn euro(cent: i64) -> String {
    Decimal::new(cent, 2).to_string()
}

#[derive(Debug, Clone)]
struct Tratto {
    lineare: bool,
    /// Amount at the start (and at the end for a band), in cents.
    inizio: i64,
    /// Increase along a linear segment, in cents; may be negative (the loader must refuse it).
    salita: i64,
}

#[derive(Debug, Clone)]
struct Regole {
    confini: Vec<i64>,
    tratti: Vec<Tratto>,
    gap: bool,
    esenzione: bool,
    costo_pieno: Option<i64>,
    sconto_fratelli: Option<u8>,
    quota_disabili: Option<u8>,
    sconto_isee: Option<(i64, i64, u8)>,
    sottrai: Option<i64>,
    livello_totale: bool,
    passo: &'static str,
    metodo: &'static str,
    presenza: bool,
}

fn regole() -> impl Strategy<Value = Regole> {
    (
        (
            proptest::collection::btree_set(1i64..6_000_000, 1..6),
            proptest::collection::vec((any::<bool>(), 0i64..20_000, -2_000i64..20_000), 6),
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(0i64..60_000),
            proptest::option::of(0u8..=100),
            proptest::option::of(0u8..=100),
        ),
        (
            proptest::option::of((0i64..6_000_000, 0i64..6_000_000, 0u8..=100)),
            proptest::option::of(0i64..5_000),
            any::<bool>(),
            prop::sample::select(vec!["0.01", "0.05", "1"]),
            prop::sample::select(vec![
                "mezzo_per_eccesso",
                "per_difetto",
                "per_eccesso",
                "mezzo_pari",
            ]),
            any::<bool>(),
            0u8..10,
        ),
    )
        .prop_map(
            |(
                (confini, grezzi, gap, esenzione, costo_pieno, fr, dis),
                (sci, sot, tot, passo, metodo, presenza, rotto),
            )| {
                let confini: Vec<i64> = confini.into_iter().collect();
                // Amounts mostly non-decreasing by construction; `rotto == 0` lets one drop.
                let mut livello = 0i64;
                let mut tratti = Vec::new();
                for (i, (lineare, inc, salita)) in
                    grezzi.into_iter().take(confini.len() + 1).enumerate()
                {
                    livello += inc;
                    let salita = if lineare {
                        salita.max(if rotto == 0 { -2_000 } else { 0 })
                    } else {
                        0
                    };
                    let inizio = if rotto == 0 && i == 1 {
                        (livello - 30_000).max(0)
                    } else {
                        livello
                    };
                    tratti.push(Tratto {
                        lineare,
                        inizio,
                        salita,
                    });
                    livello = inizio + salita.max(0);
                }
                Regole {
                    confini,
                    tratti,
                    gap: gap && rotto == 1,
                    esenzione,
                    costo_pieno: costo_pieno.map(|m| m + livello),
                    sconto_fratelli: fr,
                    quota_disabili: dis,
                    sconto_isee: sci,
                    sottrai: sot,
                    livello_totale: tot,
                    passo,
                    metodo,
                    presenza,
                }
            },
        )
}

fn testo(r: &Regole) -> String {
    let mut riduzioni = Vec::new();
    let mut s = String::new();
    let mut blocchi = String::new();
    if let Some(p) = r.sconto_fratelli {
        riduzioni.push("fratelli");
        blocchi += &format!(
            "[[riduzione]]\nid = \"fratelli\"\ndescrizione = \"Secondo figlio\"\nsconto = {p}\nquando = {{ ordine_figlio = 2 }}\nriferimento = \"art. 5\"\n\n"
        );
    }
    if let Some(p) = r.quota_disabili {
        riduzioni.push("disabili");
        blocchi += &format!(
            "[[riduzione]]\nid = \"disabili\"\ndescrizione = \"Disabilità\"\nquota = {p}\nquando = {{ disabilita = true }}\nriferimento = \"art. 6\"\n\n"
        );
    }
    if let Some((a, b, p)) = r.sconto_isee {
        riduzioni.push("isee");
        blocchi += &format!(
            "[[riduzione]]\nid = \"isee\"\ndescrizione = \"Fascia protetta\"\nsconto = {p}\nquando = {{ isee_oltre = \"{}\", isee_fino_a = \"{}\" }}\nriferimento = \"art. 7\"\n\n",
            euro(a.min(b)),
            euro(a.max(b))
        );
    }
    if let Some(v) = r.sottrai {
        riduzioni.push("contributo");
        blocchi += &format!(
            "[[riduzione]]\nid = \"contributo\"\ndescrizione = \"Contributo\"\nsottrai = \"{}\"\nriferimento = \"art. 8\"\n\n",
            euro(v)
        );
    }
    let mut ordine: Vec<String> = riduzioni.iter().map(|r| format!("\"{r}\"")).collect();
    ordine.push("\"arrotondamento\"".to_string());
    s += &format!(
        "[tariffa]\nnome = \"P\"\nente = \"E\"\nriferimento = \"R\"\nisee_richiesto = \"ordinario\"\nordine = [{}]\n\n",
        ordine.join(", ")
    );
    let primo = r.confini[0];
    let ultimo = *r.confini.last().unwrap();
    if r.esenzione || r.costo_pieno.is_some() {
        s += "[soglie]\n";
        if r.esenzione {
            s += &format!(
                "esenzione = {{ fino_a = \"{}\", riferimento = \"s\" }}\n",
                euro(primo / 2)
            );
        }
        if r.costo_pieno.is_some() {
            s += &format!(
                "costo_pieno = {{ oltre = \"{}\", riferimento = \"s\" }}\n",
                euro(ultimo)
            );
        }
        s += "\n";
    }
    s +=
        "[default]\nsenza_isee = \"massimo\"\nnon_residente = \"massimo\"\nriferimento = \"d\"\n\n";
    s += &format!(
        "[arrotondamento]\nlivello = \"{}\"\npasso = \"{}\"\nmetodo = \"{}\"\nriferimento = \"a\"\n\n",
        if r.livello_totale {
            "totale"
        } else {
            "componente"
        },
        r.passo,
        r.metodo
    );
    s += &blocchi;
    let massimo = r.costo_pieno.unwrap_or(10_000_000);
    s += &format!(
        "[[componente]]\nid = \"c\"\ndescrizione = \"C\"\nper = \"{}\"\nmassimo = \"{}\"\n\n",
        if r.presenza { "presenza" } else { "periodo" },
        euro(massimo)
    );
    for (i, t) in r.tratti.iter().enumerate() {
        s += "[[componente.tratto]]\n";
        if i > 0 {
            let c = r.confini[i - 1];
            if r.gap && i == 1 {
                s += &format!("da = \"{}\"\n", euro(c + 1));
            } else {
                s += &format!("oltre = \"{}\"\n", euro(c));
            }
        } else {
            s += "da = 0\n";
        }
        let alto = r.confini.get(i);
        if let Some(&c) = alto {
            s += &format!("fino_a = \"{}\"\n", euro(c));
        }
        if t.lineare && (alto.is_some() || i > 0) {
            // An unbounded last linear segment interpolates up to an explicit isee_max and goes on.
            let alto = alto.copied().unwrap_or_else(|| r.confini[i - 1] + 100_000);
            s += &format!(
                "tariffa_min = \"{}\"\ntariffa_max = \"{}\"\nisee_max = \"{}\"\nsalto_voluto = true\n\n",
                euro(t.inizio),
                euro((t.inizio + t.salita).max(0)),
                euro(alto)
            );
        } else {
            s += &format!("importo = \"{}\"\nsalto_voluto = true\n\n", euro(t.inizio));
        }
    }
    s
}

#[derive(Debug, Clone)]
struct Caso {
    ordine_figlio: u16,
    disabilita: bool,
    presenze: i64,
    residente: bool,
}

fn caso() -> impl Strategy<Value = Caso> {
    (1u16..4, any::<bool>(), 0i64..30, prop::bool::weighted(0.9)).prop_map(|(o, d, p, r)| Caso {
        ordine_figlio: o,
        disabilita: d,
        presenze: p,
        residente: r,
    })
}

fn domanda(isee: Decimal, c: &Caso) -> Domanda {
    let mut d = Domanda::nuova(Some(isee), TipoIsee::Ordinario);
    d.ordine_figlio = c.ordine_figlio;
    d.disabilita = c.disabilita;
    d.presenze = Some(Decimal::from(c.presenze));
    d.residente = c.residente;
    d
}

fn monotona(t: &Tariffa, a: Decimal, b: Decimal, c: &Caso) -> Result<(), TestCaseError> {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let ea = t.valuta(&domanda(lo, c)).unwrap();
    let eb = t.valuta(&domanda(hi, c)).unwrap();
    if ea.stato != Stato::Escluso && eb.stato != Stato::Escluso {
        prop_assert!(
            ea.importo <= eb.importo,
            "ISEE {lo} paga {} ma ISEE {hi} paga {}",
            ea.importo,
            eb.importo
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("tests/proptest-regressions/proprieta.txt"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn file_generati_accettati_sono_monotoni(
        r in regole(),
        c in caso(),
        a in 0i64..7_000_000,
        b in 0i64..7_000_000,
        delta in 0i64..3,
    ) {
        let testo = testo(&r);
        let Ok(caricata) = carica(&testo) else { return Ok(()) };
        let t = caricata.tariffa;
        monotona(&t, Decimal::new(a, 2), Decimal::new(b, 2), &c)?;
        // Neighbours of every boundary: just below, on, just above.
        for &x in &r.confini {
            monotona(&t, Decimal::new(x, 2), Decimal::new(x + 1 + delta, 2), &c)?;
            monotona(&t, Decimal::new((x - 1 - delta).max(0), 2), Decimal::new(x, 2), &c)?;
        }
    }

    #[test]
    fn spiegata_e_veloce_coincidono(r in regole(), c in caso(), a in 0i64..7_000_000) {
        let Ok(caricata) = carica(&testo(&r)) else { return Ok(()) };
        let t = caricata.tariffa;
        let d = domanda(Decimal::new(a, 2), &c);
        let veloce = t.valuta(&d).unwrap();
        let (spiegata, sp) = t.valuta_spiegata(&d).unwrap();
        prop_assert_eq!(veloce, spiegata);
        if veloce.stato != Stato::Escluso {
            prop_assert_eq!(sp.passi.last(), Some(&Passo::Totale { importo: veloce.importo }));
            let passo: Decimal = r.passo.parse().unwrap();
            prop_assert!((veloce.importo / passo).fract().is_zero(), "{} non è multiplo di {}", veloce.importo, passo);
        }
        prop_assert!(veloce.importo >= Decimal::ZERO);
        prop_assert!(!sp.testo(&t).is_empty());
    }

    #[test]
    fn comuni_reali_monotoni(
        quale in 0usize..3,
        c in caso(),
        mutuo in any::<bool>(),
        figli in 1u16..5,
        a in 0i64..5_000_000,
        b in 0i64..5_000_000,
    ) {
        let testo = [
            include_str!("../regole/ravenna-nido.toml"),
            include_str!("../regole/rapallo-nido.toml"),
            include_str!("../regole/manfredonia-mensa.toml"),
        ][quale];
        let t = carica(testo).unwrap().tariffa;
        let costruisci = |isee: i64| {
            let mut d = domanda(Decimal::new(isee, 2), &c);
            d.tipo_isee = TipoIsee::Minorenni;
            d.figli_minori = figli;
            d.mese = Some("2020-11".parse().unwrap());
            if mutuo && quale == 0 {
                d.condizioni = t.condizioni(["mutuo_prima_casa"]).unwrap();
            }
            if quale == 1 {
                d.condizioni = t.condizioni(["tempo_pieno"]).unwrap();
            }
            d
        };
        let (lo, hi) = (a.min(b), a.max(b));
        let ea = t.valuta(&costruisci(lo)).unwrap();
        let eb = t.valuta(&costruisci(hi)).unwrap();
        prop_assert!(ea.importo <= eb.importo, "{} → {}, {} → {}", lo, ea.importo, hi, eb.importo);
    }
}

#[test]
fn il_generatore_produce_file_accettati() {
    // Guard against a generator whose files are all refused (the properties would be vacuous).
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut accettati = 0;
    for _ in 0..200 {
        let r = regole().new_tree(&mut runner).unwrap().current();
        if carica(&testo(&r)).is_ok() {
            accettati += 1;
        }
    }
    assert!(accettati > 60, "solo {accettati} file su 200 accettati");
}

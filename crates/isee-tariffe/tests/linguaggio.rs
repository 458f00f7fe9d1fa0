//! Every construct of the rule language on small synthetic tariffs: proportional formulas,
//! percentage-of-cost steps on the monthly ISEE, access thresholds, sibling reductions by order,
//! fixed deductions, rounding to other units, defaults that exclude.

use isee_tariffe::{Domanda, Passo, Percorso, Stato, Tariffa, TipoIsee, carica};
use rust_decimal::Decimal;
use rust_decimal::dec;

fn carica_ok(testo: &str) -> Tariffa {
    match carica(testo) {
        Ok(c) => {
            assert!(c.avvisi.is_empty(), "{:#?}", c.avvisi);
            c.tariffa
        }
        Err(e) => panic!("{e}"),
    }
}

fn importo(t: &Tariffa, isee: Decimal) -> Decimal {
    t.valuta(&Domanda::nuova(Some(isee), TipoIsee::Sociosanitario))
        .unwrap()
        .importo
}

/// Monopoli-style home care: exempt below a threshold, then proportional, then a full-cost jump.
const PROPORZIONALE: &str = r#"
[tariffa]
nome = "Assistenza domiciliare (SAD), quota oraria"
ente = "Comune di esempio"
riferimento = "Regolamento SAD art. 9"
isee_richiesto = "sociosanitario"
importo_per = "ora"

[soglie]
esenzione = { sotto = "6000.00", riferimento = "art. 9 c. 1" }
costo_pieno = { oltre = "20000.00", riferimento = "art. 9 c. 3" }
accesso = { fino_a = "40000.00", riferimento = "art. 4" }

[default]
senza_isee = "escluso"
non_residente = "escluso"
riferimento = "art. 3"

[arrotondamento]
livello = "totale"
passo = "0.05"
metodo = "mezzo_per_eccesso"
riferimento = "art. 9 c. 5"

[[componente]]
id = "ora"
descrizione = "Quota oraria"
per = "periodo"
massimo = "13.80"

[[componente.tratto]]
da = "6000.00"
fino_a = "20000.00"
proporzionale = { tariffa = "8.00", isee = "20000.00" }
salto_voluto = true
"#;

#[test]
fn proporzionale_con_soglie_e_arrotondamento_a_cinque_centesimi() {
    let c = carica(PROPORZIONALE).unwrap();
    // The jump 8.00 → 13.80 at the full-cost threshold is reported, not refused.
    assert_eq!(c.avvisi.len(), 1, "{:#?}", c.avvisi);
    assert!(
        c.avvisi[0]
            .messaggio
            .contains("salto da 8,00 € a 13,80 € (costo pieno)")
    );
    let t = c.tariffa;
    assert_eq!(importo(&t, dec!(5999.99)), dec!(0));
    assert_eq!(importo(&t, dec!(6000.00)), dec!(2.40));
    assert_eq!(importo(&t, dec!(12345.67)), dec!(4.95)); // 4.938268 → 4.95 (step 0.05)
    assert_eq!(importo(&t, dec!(20000.00)), dec!(8.00));
    assert_eq!(importo(&t, dec!(20000.01)), dec!(13.80));
    assert_eq!(importo(&t, dec!(40000.00)), dec!(13.80));
    let e = t
        .valuta(&Domanda::nuova(
            Some(dec!(40000.01)),
            TipoIsee::Sociosanitario,
        ))
        .unwrap();
    assert_eq!(
        (e.stato, e.percorso),
        (Stato::Escluso, Percorso::FuoriAccesso)
    );
    let e = t
        .valuta(&Domanda::nuova(None, TipoIsee::Sociosanitario))
        .unwrap();
    assert_eq!(e.stato, Stato::Escluso);
}

/// Ascoli-style: percentage of the cost in steps of the monthly ISEE.
const PASSI_MENSILI: &str = r#"
[tariffa]
nome = "Compartecipazione al costo del servizio"
ente = "Comune di esempio"
riferimento = "Regolamento compartecipazione, tabella A"
isee_richiesto = "sociosanitario"
isee_ammessi_anche = ["corrente"]

[isee]
scala = "mensile"
riferimento = "Tabella A: soglie sull'ISEE mensile (ISEE / 12)"

[soglie]
esenzione = { fino_a = "630.08", riferimento = "Tabella A, esenzione" }
costo_pieno = { oltre = "1043.24", riferimento = "Tabella A, 100%" }

[default]
senza_isee = "massimo"
non_residente = "come_residenti"
riferimento = "art. 2"

[arrotondamento]
livello = "componente"
passo = "0.01"
metodo = "mezzo_per_eccesso"
riferimento = "art. 7"

[[componente]]
id = "quota"
descrizione = "Quota mensile"
per = "periodo"
massimo = "500.00"
costo = "500.00"

[[componente.tratto]]
oltre = "630.08"
fino_a = "1043.24"
passi = { percentuale_iniziale = 20, incremento = 1, ogni = "5.16", percentuale_massima = 100 }
salto_voluto = true
"#;

#[test]
fn percentuale_del_costo_a_passi_sull_isee_mensile() {
    let c = carica(PASSI_MENSILI).unwrap();
    let t = c.tariffa;
    // 630.08 × 12 = 7560.96 → exempt; one cent more → 20%.
    assert_eq!(importo(&t, dec!(7560.96)), dec!(0));
    assert_eq!(importo(&t, dec!(7561.08)), dec!(100.00)); // 630.09/month: 20% of 500
    // 630.08 + 5.16 = 635.24 → 21%.
    assert_eq!(importo(&t, dec!(7622.88)), dec!(105.00));
    assert_eq!(importo(&t, dec!(7622.87)), dec!(100.00));
    assert_eq!(importo(&t, dec!(12518.88)), dec!(500.00)); // 1043.24/month: capped
    assert_eq!(importo(&t, dec!(20000)), dec!(500.00));
    // ISEE corrente accepted too; ordinario is not.
    let d = Domanda::nuova(Some(dec!(7561.08)), TipoIsee::Corrente);
    assert_eq!(t.valuta(&d).unwrap().importo, dec!(100.00));
    let d = Domanda::nuova(Some(dec!(7561.08)), TipoIsee::Ordinario);
    assert_eq!(t.valuta(&d).unwrap().percorso, Percorso::TipoIseeNonAmmesso);
    // Non-residents as residents.
    let mut d = Domanda::nuova(Some(dec!(7561.08)), TipoIsee::Sociosanitario);
    d.residente = false;
    assert_eq!(t.valuta(&d).unwrap().importo, dec!(100.00));
    let (_, sp) = t.valuta_spiegata(&d).unwrap();
    assert!(
        sp.passi
            .iter()
            .any(|p| matches!(p, Passo::ScalaMensile { .. }))
    );
    assert!(
        sp.testo(&t)
            .contains("ISEE mensile: 7.561,08 € / 12 = 630,09 €."),
        "{}",
        sp.testo(&t)
    );
}

/// Sibling reductions by order, a fixed deduction, rounding to the euro, percentage of cost bands.
const FRATELLI: &str = r#"
[tariffa]
nome = "Trasporto scolastico"
ente = "Comune di esempio"
riferimento = "Delibera G.C. 12/2024"
isee_richiesto = "minorenni"
ordine = ["secondo", "terzo_e_oltre", "arrotondamento", "bonus"]

[condizioni]
bonus_comunale = "Contributo comunale di 10 euro"

[default]
senza_isee = "massimo"
non_residente = "massimo"
riferimento = "art. 2"

[arrotondamento]
livello = "componente"
passo = "1"
metodo = "per_difetto"
riferimento = "art. 8: importi arrotondati all'euro inferiore"

[[componente]]
id = "abbonamento"
descrizione = "Abbonamento mensile"
per = "periodo"
massimo = "45.50"
costo = "45.50"

[[componente.tratto]]
fino_a = "8000.00"
percentuale_costo = 50

[[componente.tratto]]
oltre = "8000.00"
percentuale_costo = 100

[[riduzione]]
id = "secondo"
descrizione = "Secondo figlio iscritto"
sconto = 30
quando = { ordine_figlio = 2 }
riferimento = "art. 5 c. 1"

[[riduzione]]
id = "terzo_e_oltre"
descrizione = "Dal terzo figlio iscritto"
sconto = 100
quando = { ordine_figlio_da = 3 }
riferimento = "art. 5 c. 2"

[[riduzione]]
id = "bonus"
descrizione = "Contributo comunale"
sottrai = "10.00"
quando = { condizione = "bonus_comunale" }
anche_a_tariffa_massima = true
riferimento = "art. 6"
"#;

#[test]
fn fratelli_per_ordine_sottrazione_e_arrotondamento_all_euro() {
    let t = carica_ok(FRATELLI);
    let valuta = |isee: Option<Decimal>, ordine: u16, bonus: bool| {
        let mut d = Domanda::nuova(isee, TipoIsee::Minorenni);
        d.ordine_figlio = ordine;
        if bonus {
            d.condizioni = t.condizioni(["bonus_comunale"]).unwrap();
        }
        t.valuta(&d).unwrap()
    };
    assert_eq!(valuta(Some(dec!(5000)), 1, false).importo, dec!(22)); // 22.75 → 22
    assert_eq!(valuta(Some(dec!(5000)), 2, false).importo, dec!(15)); // 15.925 → 15
    let terzo = valuta(Some(dec!(5000)), 3, false);
    assert_eq!((terzo.importo, terzo.stato), (dec!(0), Stato::Esente));
    assert_eq!(valuta(Some(dec!(5000)), 4, false).importo, dec!(0));
    assert_eq!(valuta(Some(dec!(9000)), 1, false).importo, dec!(45)); // 45.50 → 45
    assert_eq!(valuta(Some(dec!(9000)), 1, true).importo, dec!(35));
    assert_eq!(valuta(Some(dec!(5000)), 3, true).importo, dec!(0)); // never below zero
    // No ISEE: the maximum, siblings not applied, the bonus applies (anche_a_tariffa_massima).
    assert_eq!(valuta(None, 2, false).importo, dec!(45));
    assert_eq!(valuta(None, 2, true).importo, dec!(35));
}

#[test]
fn condizione_sconosciuta_nella_domanda() {
    let t = carica_ok(FRATELLI);
    let e = t.condizioni(["bonus_comunal"]).unwrap_err();
    assert!(e.contains("condizione sconosciuta `bonus_comunal`"), "{e}");
    assert!(e.contains("bonus_comunale"));
}

#[test]
fn presenze_frazionarie_arrotondate_sul_totale() {
    let testo = PROPORZIONALE.replace(
        "per = \"periodo\"",
        "per = \"presenza\"\nunita_presenza = \"ore\"",
    );
    let t = carica(&testo).unwrap().tariffa;
    let mut d = Domanda::nuova(Some(dec!(12345.67)), TipoIsee::Sociosanitario);
    d.presenze = Some(dec!(2.5));
    // 4.938268… × 2.5 = 12.3456… → 12.35 (total rounded to 0.05).
    assert_eq!(t.valuta(&d).unwrap().importo, dec!(12.35));
    let (e, sp) = t.valuta_spiegata(&d).unwrap();
    assert_eq!(sp.passi.last(), Some(&Passo::Totale { importo: e.importo }));
}

#[test]
fn metodi_di_arrotondamento() {
    for (metodo, atteso) in [
        ("mezzo_per_eccesso", dec!(8.07)),
        ("mezzo_per_difetto", dec!(8.06)),
        ("mezzo_pari", dec!(8.06)),
        ("per_eccesso", dec!(8.07)),
        ("per_difetto", dec!(8.06)),
    ] {
        // 50% of 16.13 is 8.065, exactly half a cent.
        let testo = FRATELLI
            .replace("passo = \"1\"", "passo = \"0.01\"")
            .replace(
                "metodo = \"per_difetto\"",
                &format!("metodo = \"{metodo}\""),
            )
            .replace("costo = \"45.50\"", "costo = \"16.13\"")
            .replace("massimo = \"45.50\"", "massimo = \"16.13\"");
        let t = carica_ok(&testo);
        let e = t
            .valuta(&Domanda::nuova(Some(dec!(5000)), TipoIsee::Minorenni))
            .unwrap();
        assert_eq!(e.importo, atteso, "{metodo}");
    }
}

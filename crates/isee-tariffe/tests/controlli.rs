//! Load-time checks on deliberately broken rule files: each is refused (or warned about) with a
//! message that points at the right line.

use isee_tariffe::{Diagnostica, Gravita, carica};

/// A small valid file; tests break it on purpose.
const BASE: &str = r#"[tariffa]
nome = "Prova"
ente = "Comune di Prova"
riferimento = "Delibera G.C. n. 1/2025"
isee_richiesto = "ordinario"

[default]
senza_isee = "massimo"
non_residente = "massimo"
riferimento = "Regolamento art. 3"

[arrotondamento]
livello = "componente"
passo = "0.01"
metodo = "mezzo_per_eccesso"
riferimento = "Regolamento art. 4"

[[componente]]
id = "retta"
descrizione = "Retta"
per = "periodo"
massimo = 300

[[componente.tratto]]
fino_a = "10000.00"
importo = 100

[[componente.tratto]]
oltre = "10000.00"
fino_a = "20000.00"
importo = 200

[[componente.tratto]]
oltre = "20000.00"
importo = 300
"#;

fn errori(testo: &str) -> Vec<Diagnostica> {
    match carica(testo) {
        Ok(c) => panic!("il file doveva essere rifiutato; avvisi: {:?}", c.avvisi),
        Err(e) => e.errori().cloned().collect(),
    }
}

fn avvisi(testo: &str) -> Vec<Diagnostica> {
    match carica(testo) {
        Ok(c) => c.avvisi,
        Err(e) => panic!("il file doveva caricarsi: {e}"),
    }
}

fn riga_di(testo: &str, frammento: &str) -> usize {
    testo
        .lines()
        .position(|l| l.contains(frammento))
        .expect("frammento presente")
        + 1
}

fn contiene(d: &[Diagnostica], parte: &str) -> Diagnostica {
    d.iter()
        .find(|d| d.messaggio.contains(parte))
        .unwrap_or_else(|| panic!("nessun messaggio con «{parte}» in {d:#?}"))
        .clone()
}

#[test]
fn base_valida_senza_avvisi() {
    assert!(avvisi(BASE).is_empty());
}

#[test]
fn lacuna_tra_fasce() {
    let t = BASE.replace("oltre = \"10000.00\"", "da = \"10000.01\"");
    let e = errori(&t);
    let d = contiene(&e, "lacuna prima del tratto `2`");
    assert!(
        d.messaggio.contains("oltre 10.000,00 sotto 10.000,01"),
        "{d}"
    );
    assert_eq!(d.riga, riga_di(&t, "da = \"10000.01\"") - 1);
}

#[test]
fn lacuna_irraggiungibile_con_isee_arrotondato_al_centesimo() {
    let t = BASE.replace("oltre = \"10000.00\"", "da = \"10000.01\"").replace(
        "[default]",
        "[isee]\narrotondamento = { passo = \"0.01\", metodo = \"mezzo_per_eccesso\" }\n\n[default]",
    );
    assert!(avvisi(&t).is_empty());
}

#[test]
fn sovrapposizione_tra_fasce() {
    let t = BASE.replace("oltre = \"10000.00\"", "da = \"10000.00\"");
    let d = contiene(&errori(&t), "si sovrappongono");
    assert!(d.messaggio.contains("`1` e `2`"), "{d}");
    assert_eq!(d.gravita, Gravita::Errore);
}

#[test]
fn lacuna_dopo_l_ultima_fascia() {
    let t = BASE.replace(
        "oltre = \"20000.00\"\nimporto = 300",
        "oltre = \"20000.00\"\nfino_a = \"30000.00\"\nimporto = 300",
    );
    contiene(&errori(&t), "lacuna dopo l'ultimo tratto");
}

#[test]
fn salto_tra_segmenti_e_un_avviso() {
    let t = BASE
        .replace(
            "fino_a = \"10000.00\"\nimporto = 100",
            "fino_a = \"10000.00\"\ntariffa_min = 50\ntariffa_max = 100\nisee_min = 0",
        )
        .replace(
            "oltre = \"10000.00\"\nfino_a = \"20000.00\"\nimporto = 200",
            "oltre = \"10000.00\"\nfino_a = \"20000.00\"\ntariffa_min = 120\ntariffa_max = 200",
        );
    let a = avvisi(&t);
    let d = contiene(&a, "salto da 100,00 € a 120,00 €");
    assert_eq!(d.gravita, Gravita::Avviso);
    // Declared as intended: no warning.
    let t2 = t
        .replace(
            "tariffa_min = 120",
            "tariffa_min = 120\nsalto_voluto = true",
        )
        .replace("importo = 300", "importo = 300\nsalto_voluto = true");
    assert!(
        avvisi(&t2).iter().all(|d| !d.messaggio.contains("salto")),
        "{:?}",
        avvisi(&t2)
    );
}

#[test]
fn soglie_fuori_ordine() {
    let t = BASE.replace(
        "[default]",
        "[soglie]\nesenzione = { fino_a = \"25000\", riferimento = \"x\" }\ncosto_pieno = { oltre = \"15000\", riferimento = \"y\" }\n\n[default]",
    );
    let d = contiene(&errori(&t), "soglie fuori ordine");
    assert_eq!(d.riga, riga_di(&t, "[soglie]"));
}

#[test]
fn limiti_fuori_ordine_in_un_tratto() {
    let t = BASE.replace(
        "oltre = \"10000.00\"\nfino_a = \"20000.00\"",
        "oltre = \"20000.00\"\nfino_a = \"10000.00\"",
    );
    contiene(&errori(&t), "limiti fuori ordine");
}

#[test]
fn tratto_irraggiungibile_sotto_l_esenzione() {
    let t = BASE.replace(
        "[default]",
        "[soglie]\nesenzione = { fino_a = \"10000.00\", riferimento = \"x\" }\n\n[default]",
    );
    let d = contiene(&avvisi(&t), "non si applica mai");
    assert_eq!(d.riga, riga_di(&t, "importo = 100") - 2);
}

#[test]
fn riduzione_irraggiungibile() {
    let t = BASE.replace(
        "[[componente]]",
        "[soglie]\naccesso = { fino_a = \"30000\", riferimento = \"x\" }\n\n[[riduzione]]\nid = \"ricchi\"\ndescrizione = \"x\"\nsconto = 10\nquando = { isee_fino_a = \"50000\", isee_oltre = \"40000\" }\nriferimento = \"y\"\n\n[[componente]]",
    ).replace("isee_richiesto = \"ordinario\"", "isee_richiesto = \"ordinario\"\nordine = [\"ricchi\", \"arrotondamento\"]\ndecrescente_ammessa = true");
    let d = contiene(&avvisi(&t), "la riduzione `ricchi` non si applica mai");
    assert_eq!(d.riga, riga_di(&t, "id = \"ricchi\""));
}

#[test]
fn arrotondamento_mancante() {
    let t = BASE.replace("[arrotondamento]\nlivello = \"componente\"\npasso = \"0.01\"\nmetodo = \"mezzo_per_eccesso\"\nriferimento = \"Regolamento art. 4\"\n", "");
    let d = contiene(&errori(&t), "manca la sezione [arrotondamento]");
    assert_eq!(d.riga, 1);
}

#[test]
fn numero_in_virgola_mobile_rifiutato() {
    let t = BASE.replace("importo = 200", "importo = 200.50");
    let e = errori(&t);
    let d = contiene(&e, "vanno scritti tra virgolette");
    assert_eq!(d.riga, riga_di(&t, "importo = 200.50"));
    assert_eq!(d.colonna, 11);
}

#[test]
fn virgola_decimale_italiana_rifiutata() {
    let t = BASE.replace("importo = 200", "importo = \"200,50\"");
    let d = contiene(&errori(&t), "usare il punto");
    assert_eq!(d.riga, riga_di(&t, "\"200,50\""));
}

#[test]
fn chiave_sconosciuta_in_italiano() {
    let t = BASE.replace("importo = 300", "importo = 300\nimporot = 3");
    let d = contiene(&errori(&t), "chiave sconosciuta `imporot`");
    assert_eq!(d.riga, riga_di(&t, "imporot"));
}

#[test]
fn tipo_isee_sconosciuto() {
    let t = BASE.replace("\"ordinario\"", "\"minori\"");
    let d = contiene(&errori(&t), "valore sconosciuto `minori`");
    assert!(d.messaggio.contains("`minorenni`"));
}

#[test]
fn riduzione_assente_dall_ordine() {
    let t = BASE.replace(
        "[[componente]]",
        "[[riduzione]]\nid = \"fratelli\"\ndescrizione = \"Secondo figlio\"\nsconto = 20\nquando = { ordine_figlio = 2 }\nriferimento = \"art. 5\"\n\n[[componente]]",
    );
    contiene(&errori(&t), "ci sono riduzioni ma manca `ordine`");
    let t2 = t.replace(
        "isee_richiesto = \"ordinario\"",
        "isee_richiesto = \"ordinario\"\nordine = [\"arrotondamento\"]",
    );
    contiene(
        &errori(&t2),
        "la riduzione `fratelli` non compare in `ordine`",
    );
    let t3 = t.replace(
        "isee_richiesto = \"ordinario\"",
        "isee_richiesto = \"ordinario\"\nordine = [\"fratelli\"]",
    );
    contiene(&errori(&t3), "aggiungere \"arrotondamento\"");
    let t4 = t.replace(
        "isee_richiesto = \"ordinario\"",
        "isee_richiesto = \"ordinario\"\nordine = [\"fratelli\", \"arrotondamento\", \"sorelle\"]",
    );
    contiene(
        &errori(&t4),
        "`sorelle` in `ordine` non è una riduzione dichiarata",
    );
    let ok = t.replace(
        "isee_richiesto = \"ordinario\"",
        "isee_richiesto = \"ordinario\"\nordine = [\"fratelli\", \"arrotondamento\"]",
    );
    assert!(avvisi(&ok).is_empty());
}

#[test]
fn arrotondamento_sul_totale_va_per_ultimo() {
    let t = BASE
        .replace(
            "[[componente]]",
            "[[riduzione]]\nid = \"fratelli\"\ndescrizione = \"Secondo figlio\"\nsconto = 20\nquando = { ordine_figlio = 2 }\nriferimento = \"art. 5\"\n\n[[componente]]",
        )
        .replace("isee_richiesto = \"ordinario\"", "isee_richiesto = \"ordinario\"\nordine = [\"arrotondamento\", \"fratelli\"]")
        .replace("livello = \"componente\"", "livello = \"totale\"");
    contiene(&errori(&t), "va per ultimo");
}

#[test]
fn spostamento_di_fascia_dopo_una_riduzione() {
    let t = BASE
        .replace(
            "[[componente]]",
            "[[riduzione]]\nid = \"fratelli\"\ndescrizione = \"Secondo figlio\"\nsconto = 20\nquando = { ordine_figlio = 2 }\nriferimento = \"art. 5\"\n\n[[riduzione]]\nid = \"giu\"\ndescrizione = \"Famiglia numerosa\"\nfascia_inferiore = 1\nquando = { figli_minori_min = 3 }\nriferimento = \"art. 6\"\n\n[[componente]]",
        )
        .replace("isee_richiesto = \"ordinario\"", "isee_richiesto = \"ordinario\"\nordine = [\"fratelli\", \"giu\", \"arrotondamento\"]");
    contiene(&errori(&t), "`giu` sposta la fascia");
}

#[test]
fn condizione_non_dichiarata() {
    let t = BASE
        .replace(
            "[[componente]]",
            "[[riduzione]]\nid = \"mutuo\"\ndescrizione = \"Mutuo\"\nsconto = 5\nquando = { condizione = \"mutuo\" }\nriferimento = \"art. 5\"\n\n[[componente]]",
        )
        .replace("isee_richiesto = \"ordinario\"", "isee_richiesto = \"ordinario\"\nordine = [\"mutuo\", \"arrotondamento\"]");
    let d = contiene(&errori(&t), "condizione `mutuo` non dichiarata");
    assert_eq!(d.riga, riga_di(&t, "quando = { condizione = \"mutuo\" }"));
}

#[test]
fn default_mancante() {
    let t = BASE.replace("[default]\nsenza_isee = \"massimo\"\nnon_residente = \"massimo\"\nriferimento = \"Regolamento art. 3\"\n", "");
    contiene(&errori(&t), "manca la sezione [default]");
}

#[test]
fn massimo_mancante_quando_serve() {
    let t = BASE.replace("massimo = 300\n", "");
    contiene(&errori(&t), "non ha `massimo`");
}

#[test]
fn fasce_decrescenti_vanno_dichiarate() {
    let t = BASE.replace("importo = 300", "importo = 150");
    let d = contiene(&errori(&t), "la tariffa scende da 200,00 € a 150,00 €");
    assert_eq!(d.riga, riga_di(&t, "oltre = \"20000.00\"") - 1);
    let ok = t.replace("importo = 150", "importo = 150\ndecrescente = true");
    carica(&ok).unwrap();
}

#[test]
fn segmento_decrescente_va_dichiarato() {
    let t = BASE.replace(
        "oltre = \"10000.00\"\nfino_a = \"20000.00\"\nimporto = 200",
        "oltre = \"10000.00\"\nfino_a = \"20000.00\"\ntariffa_min = 200\ntariffa_max = 150",
    );
    contiene(&errori(&t), "tariffa_max è minore di tariffa_min");
}

#[test]
fn riduzione_che_comincia_oltre_un_isee() {
    let t = BASE
        .replace(
            "[[componente]]",
            "[[riduzione]]\nid = \"ceto_medio\"\ndescrizione = \"x\"\nsconto = 10\nquando = { isee_oltre = \"15000\" }\nriferimento = \"art. 5\"\n\n[[componente]]",
        )
        .replace("isee_richiesto = \"ordinario\"", "isee_richiesto = \"ordinario\"\nordine = [\"ceto_medio\", \"arrotondamento\"]");
    contiene(&errori(&t), "comincia oltre un valore ISEE");
}

#[test]
fn forma_del_tratto_ambigua() {
    let t = BASE.replace("importo = 300", "importo = 300\npercentuale_costo = 50");
    contiene(&errori(&t), "esattamente una forma");
}

#[test]
fn piu_errori_insieme() {
    let t = BASE
        .replace("oltre = \"10000.00\"", "da = \"10000.01\"")
        .replace("massimo = 300\n", "");
    let e = errori(&t);
    assert!(e.len() >= 2, "{e:#?}");
}

#[test]
fn messaggio_completo_con_riga() {
    let t = BASE.replace("oltre = \"10000.00\"", "da = \"10000.01\"");
    let e = carica(&t).unwrap_err();
    let testo = e.to_string();
    assert!(
        testo.starts_with("file delle regole rifiutato: 1 errori"),
        "{testo}"
    );
    assert!(
        testo.contains("riga 28, colonna 1: errore: lacuna"),
        "{testo}"
    );
}

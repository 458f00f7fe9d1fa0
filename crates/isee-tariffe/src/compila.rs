//! Turns a rule file into a `Tariffa`, checking it on the way.
//!
//! Every check the issue asks for lives here: gaps and overlaps between tratti, jumps at segment
//! ends, thresholds out of order, unreachable rules, a missing rounding rule, an order of
//! application that does not name every reduction, and the monotonicity that the property tests
//! rely on. Errors refuse the file; warnings let it load and are returned alongside.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use rust_decimal::Decimal;
use toml::Spanned;

use crate::diagnostica::{Diagnostica, ErroreCaricamento, Raccolta, traduci};
use crate::modello::{
    Arrotondamento, Componente, Condizione, Effetto, Estremo, Forma, Guardia, Intervallo,
    MAX_COMPONENTI, Quantizzazione, Riduzione, Soglia, Tariffa, Trasformazione, Tratto,
    percentuale_di,
};
use crate::numero::{Numero, euro, formato_it};
use crate::sorgente::{
    ComponenteSrc, CondizioneSrc, EsitoPredefinito, FileRegole, LimitiSrc, Livello, Per,
    RiduzioneSrc, Scala, SogliaSrc, TrattoSrc,
};
use crate::valuta::Mese;

/// The word that stands for the rounding step in `ordine`.
pub const ARROTONDAMENTO: &str = "arrotondamento";

/// A rule file that loaded, with the warnings found while checking it.
#[derive(Debug, Clone)]
pub struct Caricata {
    /// The compiled tariff.
    pub tariffa: Tariffa,
    /// Warnings (the file is usable, but the office should read these).
    pub avvisi: Vec<Diagnostica>,
}

/// Compiles a rule file; the text is passed in, the library reads no files.
pub fn carica(testo: &str) -> Result<Caricata, ErroreCaricamento> {
    let mut r = Raccolta::nuova(testo);
    let file: FileRegole = match toml::from_str(testo) {
        Ok(f) => f,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            r.errore(span, traduci(e.message()));
            return Err(ErroreCaricamento {
                diagnostiche: r.ordinate(),
            });
        }
    };
    let tariffa = compila(&file, &mut r);
    match tariffa {
        Some(tariffa) if !r.ha_errori() => Ok(Caricata {
            tariffa,
            avvisi: r.ordinate(),
        }),
        _ => Err(ErroreCaricamento {
            diagnostiche: r.ordinate(),
        }),
    }
}

fn d(n: &Spanned<Numero>) -> Decimal {
    n.get_ref().0
}

fn span<T>(s: &Spanned<T>) -> Range<usize> {
    s.span()
}

fn fmt(x: Decimal) -> String {
    formato_it(x, 2)
}

/// Reads the lower and upper bound keys; `None` if they contradict each other.
fn intervallo(r: &mut Raccolta<'_>, l: LimitiSrc<'_>, dove: Range<usize>) -> Option<Intervallo> {
    let mut ok = true;
    if let (Some(_), Some(o)) = (l.da, l.oltre) {
        r.errore(
            span(o),
            "indicare solo uno tra `da` (incluso) e `oltre` (escluso)",
        );
        ok = false;
    }
    if let (Some(_), Some(s)) = (l.fino_a, l.sotto) {
        r.errore(
            span(s),
            "indicare solo uno tra `fino_a` (incluso) e `sotto` (escluso)",
        );
        ok = false;
    }
    let basso =
        l.da.map(|v| Estremo {
            valore: d(v),
            incluso: true,
        })
        .or(l.oltre.map(|v| Estremo {
            valore: d(v),
            incluso: false,
        }));
    let alto = l
        .fino_a
        .map(|v| Estremo {
            valore: d(v),
            incluso: true,
        })
        .or(l.sotto.map(|v| Estremo {
            valore: d(v),
            incluso: false,
        }));
    let iv = Intervallo { basso, alto };
    if ok && iv.vuoto(None) {
        r.errore(
            dove,
            format!(
                "limiti fuori ordine: {} non contiene alcun valore",
                descrivi(&iv)
            ),
        );
        ok = false;
    }
    ok.then_some(iv)
}

/// Italian description of an interval, as in "oltre 2.658,00 fino a 3.038,00".
pub(crate) fn descrivi(iv: &Intervallo) -> String {
    let basso = iv.basso.map(|e| {
        if e.incluso {
            format!("da {}", fmt(e.valore))
        } else {
            format!("oltre {}", fmt(e.valore))
        }
    });
    let alto = iv.alto.map(|e| {
        if e.incluso {
            format!("fino a {}", fmt(e.valore))
        } else {
            format!("sotto {}", fmt(e.valore))
        }
    });
    match (basso, alto) {
        (Some(b), Some(a)) => format!("{b} {a}"),
        (Some(b), None) => b,
        (None, Some(a)) => a,
        (None, None) => "qualsiasi valore".to_string(),
    }
}

fn compila(f: &FileRegole, r: &mut Raccolta<'_>) -> Option<Tariffa> {
    let intest = f.tariffa.get_ref();
    let mut isee_ammessi = intest.isee_richiesto.bit();
    for t in &intest.isee_ammessi_anche {
        isee_ammessi |= t.bit();
    }

    // ISEE scale and quantisation.
    let mut scala = Scala::Annuale;
    let mut quantizzazione = None;
    let mut rif_isee = None;
    if let Some(sez) = &f.isee {
        let sez = sez.get_ref();
        scala = sez.scala.unwrap_or(Scala::Annuale);
        rif_isee.clone_from(&sez.riferimento);
        if let Some(q) = &sez.arrotondamento {
            let q = q.get_ref();
            if d(&q.passo) <= Decimal::ZERO {
                r.errore(
                    span(&q.passo),
                    "il passo di arrotondamento dell'ISEE deve essere positivo",
                );
            } else {
                quantizzazione = Some(Quantizzazione {
                    passo: d(&q.passo),
                    metodo: q.metodo,
                    riferimento: q.riferimento.clone(),
                });
            }
        }
    }
    let passo_isee = quantizzazione.as_ref().map(|q: &Quantizzazione| q.passo);

    // Declared application flags.
    let mut condizioni = Vec::new();
    let mut indice_flag = HashMap::new();
    for (nome, descr) in &f.condizioni {
        if condizioni.len() == 64 {
            r.errore(span(descr), "al massimo 64 condizioni dichiarate");
            break;
        }
        if nome.trim().is_empty() || nome.contains(char::is_whitespace) || nome.contains(';') {
            r.errore(
                span(descr),
                format!("nome di condizione non valido `{nome}`: niente spazi o `;`"),
            );
        }
        indice_flag.insert(nome.clone(), condizioni.len());
        condizioni.push((nome.clone(), descr.get_ref().clone()));
    }
    let ctx_flag = ContestoCondizioni {
        indice_flag: &indice_flag,
    };

    // Thresholds.
    let (mut esenzione, mut costo_pieno, mut accesso) = (None, None, None);
    if let Some(s) = &f.soglie {
        let s = s.get_ref();
        esenzione = soglia(r, s.esenzione.as_ref(), Verso::Superiore, "esenzione");
        costo_pieno = soglia(r, s.costo_pieno.as_ref(), Verso::Inferiore, "costo_pieno");
        accesso = soglia(r, s.accesso.as_ref(), Verso::Superiore, "accesso");
    }
    let span_soglie = f.soglie.as_ref().map_or(span(&f.tariffa), span);

    // The region where amounts come from the tratti: ISEE ≥ 0, not exempt, not full cost, admitted.
    let mut regione = Intervallo {
        basso: Some(Estremo {
            valore: Decimal::ZERO,
            incluso: true,
        }),
        alto: None,
    };
    if let Some(s) = &esenzione {
        let e = s.intervallo.alto.expect("checked by soglia()");
        regione = regione.interseca(&Intervallo {
            basso: Some(Estremo {
                valore: e.valore,
                incluso: !e.incluso,
            }),
            alto: None,
        });
    }
    if let Some(s) = &costo_pieno {
        let e = s.intervallo.basso.expect("checked by soglia()");
        regione = regione.interseca(&Intervallo {
            basso: None,
            alto: Some(Estremo {
                valore: e.valore,
                incluso: !e.incluso,
            }),
        });
    }
    if let Some(s) = &accesso {
        regione = regione.interseca(&s.intervallo);
    }
    if regione.vuoto(passo_isee) {
        r.errore(
            span_soglie.clone(),
            format!(
                "soglie fuori ordine: nessun valore ISEE resta tra esenzione, costo pieno e accesso ({})",
                descrivi(&regione)
            ),
        );
    }
    if let (Some(cp), Some(acc)) = (&costo_pieno, &accesso)
        && cp.intervallo.interseca(&acc.intervallo).vuoto(passo_isee)
    {
        r.avviso(
            span_soglie.clone(),
            "la soglia di costo pieno è oltre la soglia di accesso: non si applica mai",
        );
    }
    if let (Some(es), Some(acc)) = (&esenzione, &accesso)
        && es.intervallo.interseca(&acc.intervallo).vuoto(passo_isee)
    {
        r.errore(
            span_soglie.clone(),
            "soglie fuori ordine: la soglia di esenzione è oltre quella di accesso",
        );
    }

    // Defaults.
    let Some(pred) = &f.predefiniti else {
        r.errore(
            span(&f.tariffa),
            "manca la sezione [default]: stabilire `senza_isee` e `non_residente` (massimo, escluso…)",
        );
        return None;
    };
    let pred_ref = pred.get_ref();
    let senza_isee = *pred_ref.senza_isee.get_ref();
    let non_residente = *pred_ref.non_residente.get_ref();
    if senza_isee == EsitoPredefinito::ComeResidenti {
        r.errore(
            span(&pred_ref.senza_isee),
            "`come_residenti` vale solo per `non_residente`",
        );
    }
    let serve_massimo = senza_isee == EsitoPredefinito::Massimo
        || non_residente == EsitoPredefinito::Massimo
        || costo_pieno.is_some();

    // Components.
    if f.componente.is_empty() {
        r.errore(
            span(&f.tariffa),
            "nessuna [[componente]]: la tariffa non ha importi",
        );
        return None;
    }
    if f.componente.len() > MAX_COMPONENTI {
        r.errore(
            span(&f.componente[MAX_COMPONENTI]),
            format!("al massimo {MAX_COMPONENTI} componenti"),
        );
        return None;
    }
    let mut componenti = Vec::new();
    let mut indice_comp = HashMap::new();
    for c in &f.componente {
        let id = c.get_ref().id.get_ref();
        if indice_comp.insert(id.clone(), componenti.len()).is_some() {
            r.errore(span(&c.get_ref().id), format!("componente `{id}` ripetuta"));
        }
        let comp = componente(
            r,
            c,
            &regione,
            passo_isee,
            serve_massimo,
            &costo_pieno,
            intest.decrescente_ammessa,
        );
        componenti.push(comp);
    }

    // Massimo below what some tariffs reach: the no-ISEE default would pay less.
    for (c, src) in componenti.iter().zip(&f.componente) {
        if let Some(m) = c.massimo {
            let picco = c
                .tratti
                .iter()
                .filter(|t| !t.intervallo.interseca(&regione).vuoto(passo_isee))
                .map(|t| valore_finale(t, &regione))
                .max();
            if let Some(p) = picco
                && p > m
            {
                r.avviso(
                        src.get_ref().massimo.as_ref().map_or(span(src), span),
                        format!(
                            "il massimo {} della componente `{}` è inferiore a un importo dei tratti ({}): \
                             chi paga il massimo pagherebbe meno",
                            euro(m),
                            c.id,
                            euro(p)
                        ),
                    );
            }
        }
    }

    // Transformations of the ISEE, applied first and in file order.
    let mut trasformazioni = Vec::new();
    let mut id_visti = HashMap::new();
    for t in &f.trasformazione {
        let ts = t.get_ref();
        let id = ts.id.get_ref().clone();
        if id_visti.insert(id.clone(), ()).is_some() {
            r.errore(span(&ts.id), format!("trasformazione `{id}` ripetuta"));
        }
        let p = d(&ts.riduzione_percentuale);
        if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED {
            r.errore(
                span(&ts.riduzione_percentuale),
                "la percentuale deve essere tra 0 e 100",
            );
        }
        let guardia = guardia(r, &ctx_flag, ts.quando.as_ref(), &ts.quando_uno_di);
        if let Some(g) = &guardia
            && !intest.decrescente_ammessa
            && ha_limite_inferiore_isee(g)
        {
            r.errore(
                    span(t),
                    format!(
                        "la trasformazione `{id}` vale solo oltre un valore ISEE: chi lo supera di poco \
                         pagherebbe meno (dichiarare `decrescente_ammessa = true` se è voluto)"
                    ),
                );
        }
        trasformazioni.push(Trasformazione {
            id,
            descrizione: ts.descrizione.clone(),
            percentuale: p,
            guardia: guardia.unwrap_or_default(),
            riferimento: ts.riferimento.clone(),
        });
    }

    // Indices live in u8 and bit sets in u64 on the hot path.
    if f.riduzione.len() > 64 {
        r.errore(span(&f.riduzione[64]), "al massimo 64 riduzioni");
        return None;
    }
    if f.trasformazione.len() > 64 {
        r.errore(span(&f.trasformazione[64]), "al massimo 64 trasformazioni");
        return None;
    }
    for c in &f.componente {
        if c.get_ref().tratto.len() > 250 {
            r.errore(
                span(&c.get_ref().tratto[250]),
                "al massimo 250 tratti per componente",
            );
            return None;
        }
    }

    // Reductions, indexed by id before the order is known.
    let mut riduzioni_src: BTreeMap<String, (&Spanned<RiduzioneSrc>, usize)> = BTreeMap::new();
    for (i, rs) in f.riduzione.iter().enumerate() {
        let id = rs.get_ref().id.get_ref();
        if id == ARROTONDAMENTO {
            r.errore(
                span(&rs.get_ref().id),
                "`arrotondamento` è riservato: scegliere un altro id",
            );
        }
        if riduzioni_src.insert(id.clone(), (rs, i)).is_some() {
            r.errore(span(&rs.get_ref().id), format!("riduzione `{id}` ripetuta"));
        }
    }

    // Rounding.
    let Some(arr) = &f.arrotondamento else {
        r.errore(
            span(&f.tariffa),
            "manca la sezione [arrotondamento]: stabilire `livello` (componente o totale), `passo` \
             (es. \"0.01\") e `metodo`, con il riferimento all'atto o alla scelta dell'ufficio",
        );
        return None;
    };
    let arr_ref = arr.get_ref();
    if d(&arr_ref.passo) <= Decimal::ZERO {
        r.errore(
            span(&arr_ref.passo),
            "il passo di arrotondamento deve essere positivo",
        );
    }

    // Order of application.
    let ordine: Vec<(String, Range<usize>)> = match &intest.ordine {
        Some(o) => o
            .get_ref()
            .iter()
            .map(|s| (s.get_ref().clone(), span(s)))
            .collect(),
        None => {
            if !f.riduzione.is_empty() {
                r.errore(
                    span(&f.riduzione[0]),
                    "ci sono riduzioni ma manca `ordine`: elencare in che ordine si applicano, \
                     incluso \"arrotondamento\"",
                );
            }
            vec![(ARROTONDAMENTO.to_string(), 0..0)]
        }
    };
    let span_ordine = intest.ordine.as_ref().map_or(span(&f.tariffa), span);
    let mut posizione = None;
    let mut sequenza: Vec<&Spanned<RiduzioneSrc>> = Vec::new();
    let mut indice_rid: HashMap<String, usize> = HashMap::new();
    for (nome, sp) in &ordine {
        if nome == ARROTONDAMENTO {
            if posizione.is_some() {
                r.errore(sp.clone(), "\"arrotondamento\" ripetuto in `ordine`");
            }
            posizione = Some(sequenza.len());
        } else if let Some((rs, _)) = riduzioni_src.get(nome) {
            if indice_rid.insert(nome.clone(), sequenza.len()).is_some() {
                r.errore(sp.clone(), format!("`{nome}` ripetuta in `ordine`"));
            } else {
                sequenza.push(rs);
            }
        } else {
            r.errore(
                sp.clone(),
                format!("`{nome}` in `ordine` non è una riduzione dichiarata"),
            );
        }
    }
    for (nome, (rs, _)) in &riduzioni_src {
        if !indice_rid.contains_key(nome) {
            r.errore(
                span(&rs.get_ref().id),
                format!("la riduzione `{nome}` non compare in `ordine`"),
            );
        }
    }
    let posizione = posizione.unwrap_or_else(|| {
        r.errore(
            span_ordine.clone(),
            "`ordine` deve indicare quando si arrotonda: aggiungere \"arrotondamento\"",
        );
        sequenza.len()
    });
    if arr_ref.livello == Livello::Totale && posizione != sequenza.len() {
        r.errore(
            span_ordine.clone(),
            "con `livello = \"totale\"` l'arrotondamento va per ultimo in `ordine`",
        );
    }

    // Compile reductions in order.
    let mut riduzioni = Vec::new();
    let mut visto_importo = false;
    for (pos, rs) in sequenza.iter().enumerate() {
        let src = rs.get_ref();
        let effetto = effetto(r, rs);
        if let Some(Effetto::FasciaInferiore(_)) = effetto {
            if visto_importo || pos >= posizione {
                r.errore(
                    span(&src.id),
                    format!(
                        "`{}` sposta la fascia: va in `ordine` prima delle riduzioni sugli importi e \
                         prima dell'arrotondamento",
                        src.id.get_ref()
                    ),
                );
            }
        } else {
            visto_importo = true;
        }
        let mut maschera = 0u32;
        match &src.componenti {
            None => maschera = (1u32 << componenti.len()) - 1,
            Some(lista) => {
                for nome in lista.get_ref() {
                    match indice_comp.get(nome) {
                        Some(&c) => maschera |= 1 << c,
                        None => {
                            r.errore(span(lista), format!("componente `{nome}` non dichiarata"))
                        }
                    }
                }
            }
        }
        if let Some(Effetto::FasciaInferiore(_)) = effetto {
            for (c, comp) in componenti.iter().enumerate() {
                if maschera & (1 << c) != 0
                    && comp.tratti.iter().any(|t| {
                        !matches!(t.forma, Forma::Importo(_) | Forma::PercentualeCosto { .. })
                    })
                {
                    r.errore(
                        span(&src.id),
                        format!(
                            "lo spostamento di fascia vale solo per componenti a fasce: `{}` ha tratti a formula",
                            comp.id
                        ),
                    );
                }
            }
        }
        let mut non_cumulabile = 0u64;
        for altro in &src.non_cumulabile_con {
            match indice_rid.get(altro.get_ref()) {
                Some(&j) if j < pos => non_cumulabile |= 1 << j,
                Some(_) => r.errore(
                    span(altro),
                    format!(
                        "`non_cumulabile_con` deve nominare riduzioni che vengono prima in `ordine`; `{}` viene dopo",
                        altro.get_ref()
                    ),
                ),
                None => r.errore(span(altro), format!("riduzione `{}` non dichiarata", altro.get_ref())),
            }
        }
        let g = guardia(r, &ctx_flag, src.quando.as_ref(), &src.quando_uno_di).unwrap_or_default();
        controlla_raggiungibile(r, rs, &g, &regione, costo_pieno.as_ref(), passo_isee);
        if let Some(e) = effetto
            && !intest.decrescente_ammessa
            && riduce(e)
            && ha_limite_inferiore_isee(&g)
        {
            let accoppiata = compensata(&g, e, &riduzioni, &regione, passo_isee);
            if !accoppiata {
                r.errore(
                        span(&src.id),
                        format!(
                            "la riduzione `{}` comincia oltre un valore ISEE: chi lo supera di poco \
                             pagherebbe meno di chi resta sotto; dichiarare `decrescente_ammessa = true` \
                             in [tariffa] se è voluto, o far precedere una riduzione almeno uguale",
                            src.id.get_ref()
                        ),
                    );
            }
        }
        riduzioni.push(Riduzione {
            id: src.id.get_ref().clone(),
            descrizione: src.descrizione.clone(),
            effetto: effetto.unwrap_or(Effetto::Sconto(Decimal::ZERO)),
            componenti: maschera,
            guardia: g,
            non_cumulabile,
            anche_a_tariffa_massima: src.anche_a_tariffa_massima,
            riferimento: src.riferimento.clone(),
        });
    }

    let serve_presenze = componenti.iter().any(|c| c.per == Per::Presenza);
    Some(Tariffa {
        nome: intest.nome.clone(),
        ente: intest.ente.clone(),
        riferimento: intest.riferimento.clone(),
        importo_per: intest.importo_per.clone(),
        note: intest.note.clone(),
        isee_richiesto: intest.isee_richiesto,
        isee_ammessi,
        scala,
        rif_isee,
        quantizzazione,
        condizioni,
        trasformazioni,
        esenzione,
        costo_pieno,
        accesso,
        senza_isee,
        non_residente,
        rif_predefiniti: pred_ref.riferimento.clone(),
        componenti,
        riduzioni,
        arrotondamento: Arrotondamento {
            livello: arr_ref.livello,
            passo: d(&arr_ref.passo),
            metodo: arr_ref.metodo,
            riferimento: arr_ref.riferimento.clone(),
            posizione,
        },
        serve_presenze,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verso {
    /// The threshold covers values up to a bound (`fino_a` / `sotto`).
    Superiore,
    /// The threshold covers values from a bound (`da` / `oltre`).
    Inferiore,
}

fn soglia(
    r: &mut Raccolta<'_>,
    s: Option<&Spanned<SogliaSrc>>,
    verso: Verso,
    nome: &str,
) -> Option<Soglia> {
    let s = s?;
    let src = s.get_ref();
    let l = src.limiti();
    match verso {
        Verso::Superiore => {
            if l.da.is_some() || l.oltre.is_some() || (l.fino_a.is_none() && l.sotto.is_none()) {
                r.errore(
                    span(s),
                    format!(
                        "la soglia `{nome}` si indica con `fino_a` o `sotto` (e solo con quelli)"
                    ),
                );
                return None;
            }
        }
        Verso::Inferiore => {
            if l.fino_a.is_some() || l.sotto.is_some() || (l.da.is_none() && l.oltre.is_none()) {
                r.errore(
                    span(s),
                    format!("la soglia `{nome}` si indica con `da` o `oltre` (e solo con quelli)"),
                );
                return None;
            }
        }
    }
    let iv = intervallo(r, l, span(s))?;
    Some(Soglia {
        intervallo: iv,
        riferimento: src.riferimento.clone(),
    })
}

/// The value at the upper end of a tratto, clipped to the region (for bounded comparisons).
fn valore_finale(t: &Tratto, regione: &Intervallo) -> Decimal {
    let iv = t.intervallo.interseca(regione);
    match (iv.alto, t.forma) {
        (Some(e), f) => f.valore(e.valore),
        (None, Forma::Passi { massima, costo, .. }) => percentuale_di(costo, massima),
        (None, f) => f.valore(iv.basso.map_or(Decimal::ZERO, |e| e.valore)),
    }
}

fn valore_iniziale(t: &Tratto, regione: &Intervallo) -> Decimal {
    let iv = t.intervallo.interseca(regione);
    t.forma.valore(iv.basso.map_or(Decimal::ZERO, |e| e.valore))
}

#[allow(clippy::too_many_arguments)]
fn componente(
    r: &mut Raccolta<'_>,
    c: &Spanned<ComponenteSrc>,
    regione: &Intervallo,
    passo_isee: Option<Decimal>,
    serve_massimo: bool,
    costo_pieno: &Option<Soglia>,
    decrescente_ammessa: bool,
) -> Componente {
    let src = c.get_ref();
    let id = src.id.get_ref().clone();
    let massimo = src.massimo.as_ref().map(d);
    if let Some(m) = &src.massimo
        && d(m) < Decimal::ZERO
    {
        r.errore(span(m), "il massimo non può essere negativo");
    }
    if serve_massimo && massimo.is_none() {
        r.errore(
            span(&src.id),
            format!(
                "la componente `{id}` non ha `massimo`, ma la tariffa lo usa (costo pieno o [default])"
            ),
        );
    }
    let costo = src.costo.as_ref().map(d);
    if src.tratto.is_empty() {
        r.errore(
            span(&src.id),
            format!("la componente `{id}` non ha tratti ([[componente.tratto]])"),
        );
    }
    let mut tratti: Vec<(Tratto, &Spanned<TrattoSrc>)> = Vec::new();
    for (i, ts) in src.tratto.iter().enumerate() {
        if let Some(t) = tratto(r, ts, i, costo, &id) {
            tratti.push((t, ts));
        }
    }
    tratti.sort_by(|(a, _), (b, _)| {
        let ka = a.intervallo.basso.map(|e| (e.valore, !e.incluso));
        let kb = b.intervallo.basso.map(|e| (e.valore, !e.incluso));
        ka.cmp(&kb)
    });

    // Overlaps and gaps, walking the sorted tratti.
    let nome = |t: &Tratto| format!("`{}`", t.nome);
    let mut copertura_fino: Option<Option<Estremo>> = None; // None: nothing seen yet.
    for w in 0..tratti.len() {
        let (t, ts) = &tratti[w];
        // Gap before this tratto.
        let inizio_lacuna = match copertura_fino {
            None => None, // From −∞; clipped by the region below.
            Some(None) => {
                // The previous tratto has no upper end: overlap.
                r.errore(
                    span(ts),
                    format!(
                        "il tratto {} si sovrappone al precedente, che non ha limite superiore",
                        nome(t)
                    ),
                );
                continue;
            }
            Some(Some(e)) => Some(Estremo {
                valore: e.valore,
                incluso: !e.incluso,
            }),
        };
        if let (Some(Some(fine_prec)), Some(b)) = (copertura_fino, t.intervallo.basso) {
            let sovrapposti = fine_prec.valore > b.valore
                || (fine_prec.valore == b.valore && fine_prec.incluso && b.incluso);
            if sovrapposti {
                let (p, _) = &tratti[w - 1];
                r.errore(
                    span(ts),
                    format!(
                        "i tratti {} e {} si sovrappongono ({} e {})",
                        nome(p),
                        nome(t),
                        descrivi(&p.intervallo),
                        descrivi(&t.intervallo)
                    ),
                );
            }
        } else if let (Some(Some(_)), None) = (copertura_fino, t.intervallo.basso) {
            r.errore(
                span(ts),
                format!(
                    "il tratto {} non ha limite inferiore e si sovrappone ai precedenti",
                    nome(t)
                ),
            );
        }
        let lacuna = Intervallo {
            basso: inizio_lacuna,
            alto: t.intervallo.basso.map(|e| Estremo {
                valore: e.valore,
                incluso: !e.incluso,
            }),
        };
        if t.intervallo.basso.is_some() {
            let dentro = lacuna.interseca(regione);
            if !dentro.vuoto(passo_isee) {
                r.errore(
                    span(ts),
                    format!(
                        "lacuna prima del tratto {}: nessun tratto copre l'ISEE {}",
                        nome(t),
                        descrivi(&dentro)
                    ),
                );
            }
        }
        if t.intervallo.interseca(regione).vuoto(passo_isee) {
            r.avviso(
                span(ts),
                format!(
                    "il tratto {} ({}) non si applica mai: è tutto nell'area di esenzione, costo pieno o \
                     fuori dalla soglia di accesso",
                    nome(t),
                    descrivi(&t.intervallo)
                ),
            );
        }
        copertura_fino = Some(t.intervallo.alto);
    }
    // Gap after the last tratto.
    if let Some(Some(fine)) = copertura_fino {
        let lacuna = Intervallo {
            basso: Some(Estremo {
                valore: fine.valore,
                incluso: !fine.incluso,
            }),
            alto: None,
        };
        let dentro = lacuna.interseca(regione);
        if !dentro.vuoto(passo_isee) {
            let ultimo = tratti.last().map(|(_, ts)| span(ts)).unwrap_or(span(c));
            r.errore(
                ultimo,
                format!(
                    "lacuna dopo l'ultimo tratto: nessun tratto copre l'ISEE {}; aggiungere un tratto \
                     o una soglia di costo pieno",
                    descrivi(&dentro)
                ),
            );
        }
    }

    // Jumps and monotonicity between touching tratti.
    for w in 1..tratti.len() {
        let (a, _) = &tratti[w - 1];
        let (b, bs) = &tratti[w];
        if a.intervallo.interseca(regione).vuoto(passo_isee)
            || b.intervallo.interseca(regione).vuoto(passo_isee)
        {
            continue;
        }
        let fine_a = valore_finale(a, regione);
        let inizio_b = valore_iniziale(b, regione);
        let punto = b.intervallo.basso.map_or(Decimal::ZERO, |e| e.valore);
        if inizio_b < fine_a && !bs.get_ref().decrescente && !decrescente_ammessa {
            r.errore(
                span(bs),
                format!(
                    "la tariffa scende da {} a {} all'inizio del tratto {} (ISEE {}): dichiarare \
                     `decrescente = true` nel tratto se è voluto",
                    euro(fine_a),
                    euro(inizio_b),
                    nome(b),
                    fmt(punto)
                ),
            );
        } else if inizio_b != fine_a
            && (a.forma.continua() || b.forma.continua())
            && !bs.get_ref().salto_voluto
        {
            r.avviso(
                span(bs),
                format!(
                    "salto da {} a {} all'inizio del tratto {} (ISEE {}): se è voluto, scrivere \
                     `salto_voluto = true` nel tratto",
                    euro(fine_a),
                    euro(inizio_b),
                    nome(b),
                    fmt(punto)
                ),
            );
        }
    }
    // Jump into full cost, from the last tratto that is actually reached (later ones may lie
    // wholly inside the full-cost area).
    let ultimo_raggiunto = tratti
        .iter()
        .rev()
        .find(|(t, _)| !t.intervallo.interseca(regione).vuoto(passo_isee));
    if let (Some(cp), Some(m), Some((ultimo, _))) = (costo_pieno, massimo, ultimo_raggiunto) {
        let fine = valore_finale(ultimo, regione);
        let punto = cp.intervallo.basso.map_or(Decimal::ZERO, |e| e.valore);
        if m < fine && !decrescente_ammessa {
            r.errore(
                    src.massimo.as_ref().map_or(span(&src.id), span),
                    format!(
                        "il costo pieno ({}) della componente `{id}` è inferiore all'importo dell'ultimo tratto ({})",
                        euro(m),
                        euro(fine)
                    ),
                );
        } else if m != fine && ultimo.forma.continua() {
            r.avviso(
                span(c),
                format!(
                    "salto da {} a {} (costo pieno) per la componente `{id}` oltre l'ISEE {}",
                    euro(fine),
                    euro(m),
                    fmt(punto)
                ),
            );
        }
    }

    Componente {
        id,
        descrizione: src.descrizione.clone(),
        per: src.per,
        unita_presenza: src
            .unita_presenza
            .clone()
            .unwrap_or_else(|| "presenza".to_string()),
        massimo,
        riferimento: src.riferimento.clone(),
        tratti: tratti.into_iter().map(|(t, _)| t).collect(),
    }
}

fn tratto(
    r: &mut Raccolta<'_>,
    ts: &Spanned<TrattoSrc>,
    i: usize,
    costo: Option<Decimal>,
    comp: &str,
) -> Option<Tratto> {
    let src = ts.get_ref();
    let nome = src.nome.clone().unwrap_or_else(|| format!("{}", i + 1));
    let iv = intervallo(r, src.limiti(), span(ts))?;
    let mut forme = Vec::new();
    if src.importo.is_some() {
        forme.push("importo");
    }
    if src.tariffa_min.is_some() || src.tariffa_max.is_some() {
        forme.push("tariffa_min/tariffa_max");
    }
    if src.proporzionale.is_some() {
        forme.push("proporzionale");
    }
    if src.percentuale_costo.is_some() {
        forme.push("percentuale_costo");
    }
    if src.passi.is_some() {
        forme.push("passi");
    }
    if forme.len() != 1 {
        r.errore(
            span(ts),
            format!(
                "il tratto `{nome}` della componente `{comp}` deve avere esattamente una forma tra \
                 `importo`, `tariffa_min`+`tariffa_max`, `proporzionale`, `percentuale_costo`, `passi` \
                 (trovate: {})",
                if forme.is_empty() { "nessuna".to_string() } else { forme.join(", ") }
            ),
        );
        return None;
    }
    let non_negativo = |r: &mut Raccolta<'_>, n: &Spanned<Numero>| {
        if d(n) < Decimal::ZERO {
            r.errore(span(n), "un importo non può essere negativo");
        }
    };
    let percentuale = |r: &mut Raccolta<'_>, n: &Spanned<Numero>| {
        if d(n) < Decimal::ZERO || d(n) > Decimal::ONE_HUNDRED {
            r.errore(span(n), "una percentuale va tra 0 e 100");
        }
    };
    let serve_costo = |r: &mut Raccolta<'_>| -> Option<Decimal> {
        if costo.is_none() {
            r.errore(span(ts), format!("il tratto `{nome}` usa una percentuale del costo ma la componente `{comp}` non ha `costo`"));
        }
        costo
    };
    let forma = if let Some(v) = &src.importo {
        non_negativo(r, v);
        Forma::Importo(d(v))
    } else if src.tariffa_min.is_some() || src.tariffa_max.is_some() {
        let (Some(y0), Some(y1)) = (&src.tariffa_min, &src.tariffa_max) else {
            r.errore(
                span(ts),
                "un tratto lineare ha bisogno di `tariffa_min` e `tariffa_max`",
            );
            return None;
        };
        non_negativo(r, y0);
        non_negativo(r, y1);
        let x0 = src.isee_min.as_ref().map(d).or(iv.basso.map(|e| e.valore));
        let x1 = src.isee_max.as_ref().map(d).or(iv.alto.map(|e| e.valore));
        let (Some(x0), Some(x1)) = (x0, x1) else {
            r.errore(
                span(ts),
                "un tratto lineare ha bisogno di entrambi i limiti (o di `isee_min` e `isee_max`)",
            );
            return None;
        };
        if x1 <= x0 {
            r.errore(
                span(ts),
                format!(
                    "isee_min ({}) deve essere minore di isee_max ({})",
                    fmt(x0),
                    fmt(x1)
                ),
            );
            return None;
        }
        if d(y1) < d(y0) && !src.decrescente {
            r.errore(
                span(y1),
                "tariffa_max è minore di tariffa_min: il tratto scende; dichiarare `decrescente = true` se è voluto",
            );
        }
        Forma::Lineare {
            x0,
            x1,
            y0: d(y0),
            y1: d(y1),
            dy: d(y1) - d(y0),
            dx: x1 - x0,
        }
    } else if let Some(p) = &src.proporzionale {
        let p = p.get_ref();
        non_negativo(r, &p.tariffa);
        if d(&p.isee) <= Decimal::ZERO {
            r.errore(
                span(&p.isee),
                "l'ISEE di riferimento della proporzione deve essere positivo",
            );
            return None;
        }
        if iv.alto.is_none() {
            r.errore(
                span(ts),
                "un tratto proporzionale ha bisogno di un limite superiore",
            );
        }
        Forma::Proporzionale {
            tariffa: d(&p.tariffa),
            isee: d(&p.isee),
        }
    } else if let Some(p) = &src.percentuale_costo {
        percentuale(r, p);
        let costo = serve_costo(r)?;
        Forma::PercentualeCosto {
            percentuale: d(p),
            costo,
            valore: percentuale_di(costo, d(p)),
        }
    } else {
        let p = src.passi.as_ref().expect("one form present").get_ref();
        percentuale(r, &p.percentuale_iniziale);
        percentuale(r, &p.percentuale_massima);
        if d(&p.incremento) <= Decimal::ZERO {
            r.errore(
                span(&p.incremento),
                "l'incremento dei passi deve essere positivo",
            );
        }
        if d(&p.ogni) <= Decimal::ZERO {
            r.errore(
                span(&p.ogni),
                "l'ampiezza dei passi (`ogni`) deve essere positiva",
            );
            return None;
        }
        if d(&p.percentuale_massima) < d(&p.percentuale_iniziale) {
            r.errore(
                span(&p.percentuale_massima),
                "la percentuale massima è minore di quella iniziale",
            );
        }
        let Some(b) = iv.basso else {
            r.errore(
                span(ts),
                "un tratto a passi ha bisogno di un limite inferiore (da dove si contano i passi)",
            );
            return None;
        };
        let costo = serve_costo(r)?;
        Forma::Passi {
            x0: b.valore,
            iniziale: d(&p.percentuale_iniziale),
            incremento: d(&p.incremento),
            ogni: d(&p.ogni),
            massima: d(&p.percentuale_massima),
            costo,
        }
    };
    Some(Tratto {
        nome,
        intervallo: iv,
        forma,
        riferimento: src.riferimento.clone(),
    })
}

struct ContestoCondizioni<'a> {
    indice_flag: &'a HashMap<String, usize>,
}

fn guardia(
    r: &mut Raccolta<'_>,
    ctx: &ContestoCondizioni<'_>,
    tutte: Option<&Spanned<CondizioneSrc>>,
    una_di: &[Spanned<CondizioneSrc>],
) -> Option<Guardia> {
    let tutte = match tutte {
        Some(c) => condizione(r, ctx, c)?,
        None => Condizione::default(),
    };
    let mut alternative = Vec::new();
    for c in una_di {
        alternative.push(condizione(r, ctx, c)?);
    }
    Some(Guardia {
        tutte,
        una_di: alternative,
    })
}

fn condizione(
    r: &mut Raccolta<'_>,
    ctx: &ContestoCondizioni<'_>,
    c: &Spanned<CondizioneSrc>,
) -> Option<Condizione> {
    let src = c.get_ref();
    let mut out = Condizione::default();
    let lim = LimitiSrc {
        da: src.isee_da.as_ref(),
        oltre: src.isee_oltre.as_ref(),
        fino_a: src.isee_fino_a.as_ref(),
        sotto: src.isee_sotto.as_ref(),
    };
    if lim.da.is_some() || lim.oltre.is_some() || lim.fino_a.is_some() || lim.sotto.is_some() {
        out.isee = Some(intervallo(r, lim, span(c))?);
    }
    let pres = LimitiSrc {
        da: src.presenze_da.as_ref(),
        oltre: None,
        fino_a: src.presenze_fino_a.as_ref(),
        sotto: None,
    };
    if pres.da.is_some() || pres.fino_a.is_some() {
        out.presenze = Some(intervallo(r, pres, span(c))?);
    }
    out.ordine_figlio = src.ordine_figlio;
    out.ordine_figlio_da = src.ordine_figlio_da;
    out.figli_minori_min = src.figli_minori_min;
    out.disabilita = src.disabilita;
    out.residente = src.residente;
    if let (Some(o), Some(da)) = (src.ordine_figlio, src.ordine_figlio_da)
        && o < da
    {
        r.errore(
            span(c),
            "condizione impossibile: `ordine_figlio` è minore di `ordine_figlio_da`",
        );
    }
    if src.ordine_figlio == Some(0) || src.ordine_figlio_da == Some(0) {
        r.errore(span(c), "l'ordine dei figli parte da 1");
    }
    if let Some(nome) = &src.condizione {
        match ctx.indice_flag.get(nome.get_ref()) {
            Some(&i) => out.flag = 1 << i,
            None => r.errore(
                span(nome),
                format!(
                    "condizione `{}` non dichiarata nella sezione [condizioni]",
                    nome.get_ref()
                ),
            ),
        }
    }
    for (campo, dest) in [
        (&src.mese_da, &mut out.mese_da),
        (&src.mese_a, &mut out.mese_a),
    ] {
        if let Some(m) = campo {
            match m.get_ref().parse::<Mese>() {
                Ok(mese) => *dest = Some(mese.0),
                Err(e) => r.errore(span(m), e),
            }
        }
    }
    if let (Some(a), Some(b)) = (out.mese_da, out.mese_a)
        && a > b
    {
        r.errore(span(c), "condizione impossibile: `mese_da` è dopo `mese_a`");
    }
    Some(out)
}

fn riduce(e: Effetto) -> bool {
    match e {
        Effetto::Sconto(p) => p > Decimal::ZERO,
        Effetto::Quota(p) => p < Decimal::ONE_HUNDRED,
        Effetto::Sottrai(v) => v > Decimal::ZERO,
        Effetto::FasciaInferiore(n) => n > 0,
    }
}

fn ha_limite_inferiore_isee(g: &Guardia) -> bool {
    let basso = |c: &Condizione| {
        c.isee
            .and_then(|i| i.basso)
            .is_some_and(|e| e.valore > Decimal::ZERO)
    };
    basso(&g.tutte) || g.una_di.iter().any(basso)
}

/// Whether a reduction starting above an ISEE value is preceded by one that ends exactly there
/// with the same non-ISEE conditions and at least the same effect (so the amount cannot drop),
/// or starts where the computed region starts (below it the amount is zero or excluded).
fn compensata(
    g: &Guardia,
    e: Effetto,
    precedenti: &[Riduzione],
    regione: &Intervallo,
    passo: Option<Decimal>,
) -> bool {
    if !g.una_di.is_empty() {
        return false;
    }
    let Some(iv) = g.tutte.isee else { return false };
    let Some(basso) = iv.basso else { return true };
    // Below the region's start amounts are zero or excluded, so starting there cannot lower them.
    let sotto = Intervallo {
        basso: None,
        alto: Some(Estremo {
            valore: basso.valore,
            incluso: !basso.incluso,
        }),
    };
    if sotto.interseca(regione).vuoto(passo) {
        return true;
    }
    precedenti.iter().any(|p| {
        let Some(piv) = p.guardia.tutte.isee else {
            return false;
        };
        let Some(alto) = piv.alto else { return false };
        // Touching: no reachable ISEE value lies between the end of one and the start of the other.
        let tra = Intervallo {
            basso: Some(Estremo {
                valore: alto.valore,
                incluso: !alto.incluso,
            }),
            alto: Some(Estremo {
                valore: basso.valore,
                incluso: !basso.incluso,
            }),
        };
        let tocca = tra.vuoto(passo) && alto.valore <= basso.valore;
        let stesse = stesse_condizioni(&p.guardia.tutte, &g.tutte) && p.guardia.una_di.is_empty();
        let almeno = match (p.effetto, e) {
            (Effetto::Sconto(a), Effetto::Sconto(b)) => a >= b,
            (Effetto::Quota(a), Effetto::Quota(b)) => a <= b,
            (Effetto::Sottrai(a), Effetto::Sottrai(b)) => a >= b,
            _ => false,
        };
        tocca && stesse && almeno
    })
}

fn stesse_condizioni(a: &Condizione, b: &Condizione) -> bool {
    a.ordine_figlio == b.ordine_figlio
        && a.ordine_figlio_da == b.ordine_figlio_da
        && a.figli_minori_min == b.figli_minori_min
        && a.disabilita == b.disabilita
        && a.residente == b.residente
        && a.flag == b.flag
        && a.presenze == b.presenze
        && a.mese_da == b.mese_da
        && a.mese_a == b.mese_a
}

fn effetto(r: &mut Raccolta<'_>, rs: &Spanned<RiduzioneSrc>) -> Option<Effetto> {
    let src = rs.get_ref();
    let mut trovati = Vec::new();
    if let Some(v) = &src.sconto {
        trovati.push(("sconto", Effetto::Sconto(d(v)), span(v)));
    }
    if let Some(v) = &src.quota {
        trovati.push(("quota", Effetto::Quota(d(v)), span(v)));
    }
    if let Some(v) = &src.sottrai {
        trovati.push(("sottrai", Effetto::Sottrai(d(v)), span(v)));
    }
    if let Some(v) = &src.fascia_inferiore {
        trovati.push((
            "fascia_inferiore",
            Effetto::FasciaInferiore(*v.get_ref()),
            span(v),
        ));
    }
    if trovati.len() != 1 {
        r.errore(
            span(&src.id),
            format!(
                "la riduzione `{}` deve avere esattamente uno tra `sconto`, `quota`, `sottrai`, `fascia_inferiore`",
                src.id.get_ref()
            ),
        );
        return None;
    }
    let (_, e, sp) = trovati.pop().expect("one effect");
    match e {
        Effetto::Sconto(p) | Effetto::Quota(p) if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED => {
            r.errore(sp, "una percentuale va tra 0 e 100");
        }
        Effetto::Sottrai(v) if v < Decimal::ZERO => {
            r.errore(sp, "l'importo da sottrarre non può essere negativo")
        }
        Effetto::FasciaInferiore(0) => r.avviso(sp, "`fascia_inferiore = 0` non sposta nulla"),
        _ => {}
    }
    Some(e)
}

fn controlla_raggiungibile(
    r: &mut Raccolta<'_>,
    rs: &Spanned<RiduzioneSrc>,
    g: &Guardia,
    regione: &Intervallo,
    costo_pieno: Option<&Soglia>,
    passo: Option<Decimal>,
) {
    let src = rs.get_ref();
    let utile = |c: &Condizione| -> bool {
        let Some(iv) = c.isee else { return true };
        let in_regione = !iv.interseca(regione).vuoto(passo);
        let in_costo_pieno =
            costo_pieno.is_some_and(|cp| !iv.interseca(&cp.intervallo).vuoto(passo));
        in_regione || in_costo_pieno || src.anche_a_tariffa_massima
    };
    let raggiungibile = if g.una_di.is_empty() {
        utile(&g.tutte)
    } else {
        utile(&g.tutte) && g.una_di.iter().any(utile)
    };
    if !raggiungibile {
        r.avviso(
            span(&src.id),
            format!(
                "la riduzione `{}` non si applica mai: le sue condizioni sull'ISEE cadono nell'area di \
                 esenzione o fuori dalla soglia di accesso",
                src.id.get_ref()
            ),
        );
    }
}

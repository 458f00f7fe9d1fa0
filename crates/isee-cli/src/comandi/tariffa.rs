//! Command line for `isee tariffa`: check rule files, evaluate one case, bill a month of
//! applications from a CSV.
//!
//! The tariff engine (`isee-tariffe`) does no I/O: this module reads the rule files and the CSV,
//! prints, and shows the progress bar; [`ComandoTariffa`] is the `isee tariffa` subcommand.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use serde::Serialize;

use isee_tariffe::{
    Diagnostica, Domanda, Gravita, Mese, Percorso, Stato, Tariffa, TipoIsee, analizza_decimale,
    carica,
};

/// Subcommands of `isee tariffa`.
#[derive(Debug, clap::Subcommand)]
pub enum ComandoTariffa {
    /// Controlla uno o più file delle regole: errori (file rifiutato) e avvisi.
    Verifica {
        /// File delle regole (TOML).
        #[arg(required = true)]
        file: Vec<PathBuf>,
        /// Tratta anche gli avvisi come errori (codice di uscita 1).
        #[arg(long)]
        avvisi_come_errori: bool,
    },
    /// Calcola l'importo per una domanda e ne stampa la spiegazione.
    Calcola {
        /// File delle regole (TOML).
        regole: PathBuf,
        /// Valore ISEE (es. 20000.00); se assente si applica la regola «senza ISEE».
        #[arg(long)]
        isee: Option<String>,
        /// Tipo di ISEE presentato (predefinito: quello richiesto dal servizio).
        #[arg(long)]
        tipo_isee: Option<String>,
        /// Il nucleo non è residente.
        #[arg(long)]
        non_residente: bool,
        /// Presenze nel periodo (giorni, pasti, ore).
        #[arg(long)]
        presenze: Option<String>,
        /// Numero di figli minori nel nucleo.
        #[arg(long, default_value_t = 1)]
        figli_minori: u16,
        /// Ordine del figlio tra gli iscritti al servizio (1 = primo).
        #[arg(long, default_value_t = 1)]
        ordine_figlio: u16,
        /// L'utente del servizio ha una disabilità certificata.
        #[arg(long)]
        disabilita: bool,
        /// Condizione dichiarata nel file delle regole (ripetibile).
        #[arg(long = "condizione")]
        condizioni: Vec<String>,
        /// Mese di fatturazione, AAAA-MM.
        #[arg(long)]
        mese: Option<String>,
        /// Stampa l'esito in JSON invece che in testo.
        #[arg(long)]
        json: bool,
    },
    /// Fattura un mese di domande: CSV di domande → CSV di importi con spiegazione e riepilogo.
    Fattura {
        /// File delle regole (TOML).
        regole: PathBuf,
        /// CSV delle domande (colonne: id, isee, tipo_isee, residente, presenze, figli_minori,
        /// ordine_figlio, disabilita, condizioni, mese; solo `id` e `isee` obbligatorie).
        #[arg(long)]
        domande: PathBuf,
        /// CSV degli importi da scrivere.
        #[arg(long)]
        uscita: PathBuf,
        /// Scrive il riepilogo anche in JSON in questo file.
        #[arg(long)]
        riepilogo: Option<PathBuf>,
        /// Mese di fatturazione per le righe senza colonna `mese` (AAAA-MM).
        #[arg(long)]
        mese: Option<String>,
        /// Barra di avanzamento: auto (solo se stderr è un terminale), sempre, mai.
        #[arg(long, value_enum, default_value_t = Avanzamento::Auto)]
        avanzamento: Avanzamento,
    },
}

/// When to show the progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Avanzamento {
    /// Only when stderr is a terminal.
    Auto,
    /// Always.
    Sempre,
    /// Never.
    Mai,
}

/// Runs one `isee tariffa` subcommand.
///
/// Exit codes: 0 success; 1 rule file refused (or, for `verifica --avvisi-come-errori`, warnings);
/// 2 for `fattura` when some rows could not be billed (they are in the output with `stato = errore`).
pub fn esegui(cmd: ComandoTariffa) -> anyhow::Result<ExitCode> {
    match cmd {
        ComandoTariffa::Verifica {
            file,
            avvisi_come_errori,
        } => verifica(&file, avvisi_come_errori),
        ComandoTariffa::Calcola {
            regole,
            isee,
            tipo_isee,
            non_residente,
            presenze,
            figli_minori,
            ordine_figlio,
            disabilita,
            condizioni,
            mese,
            json,
        } => {
            let Some(tariffa) = carica_regole(&regole)? else {
                return Ok(ExitCode::from(1));
            };
            let campi = Campi {
                isee: isee.as_deref(),
                tipo_isee: tipo_isee.as_deref(),
                residente: Some(if non_residente { "no" } else { "si" }),
                presenze: presenze.as_deref(),
                figli_minori: None,
                ordine_figlio: None,
                disabilita: None,
                condizioni: None,
                mese: mese.as_deref(),
            };
            let mut domanda = domanda(&tariffa, &campi, None).map_err(anyhow::Error::msg)?;
            domanda.figli_minori = figli_minori;
            domanda.ordine_figlio = ordine_figlio;
            domanda.disabilita = disabilita;
            domanda.condizioni = tariffa
                .condizioni(condizioni.iter().map(String::as_str))
                .map_err(anyhow::Error::msg)?;
            let (esito, spiegazione) = tariffa.valuta_spiegata(&domanda)?;
            let mut out = io::stdout().lock();
            if json {
                let fasce: BTreeMap<&str, Option<&str>> = tariffa
                    .componenti()
                    .enumerate()
                    .map(|(c, id)| (id, esito.tratto(c).and_then(|t| tariffa.nome_tratto(c, t))))
                    .collect();
                let unitari: BTreeMap<&str, String> = tariffa
                    .componenti()
                    .enumerate()
                    .map(|(c, id)| {
                        (
                            id,
                            esito
                                .unitario(c)
                                .unwrap_or_default()
                                .normalize()
                                .to_string(),
                        )
                    })
                    .collect();
                let v = serde_json::json!({
                    "tariffa": tariffa.nome(),
                    "ente": tariffa.ente(),
                    "stato": esito.stato,
                    "percorso": esito.percorso,
                    "importo": esito.importo.to_string(),
                    "isee_considerato": esito.isee_considerato.map(|x| x.normalize().to_string()),
                    "tratti": fasce,
                    "unitari": unitari,
                    "passi": spiegazione.righe(&tariffa),
                });
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                write!(out, "{}", spiegazione.testo(&tariffa))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        ComandoTariffa::Fattura {
            regole,
            domande,
            uscita,
            riepilogo,
            mese,
            avanzamento,
        } => {
            let Some(tariffa) = carica_regole(&regole)? else {
                return Ok(ExitCode::from(1));
            };
            let mese = mese
                .as_deref()
                .map(str::parse::<Mese>)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let inizio = Instant::now();
            let r = fattura(&tariffa, &domande, &uscita, mese, avanzamento)?;
            let durata = inizio.elapsed();
            let mut err = io::stderr().lock();
            for e in r.errori.iter().take(20) {
                writeln!(
                    err,
                    "{}: riga {}: {}",
                    domande.display(),
                    e.riga,
                    e.messaggio
                )?;
            }
            if r.errori.len() > 20 {
                writeln!(
                    err,
                    "… e altre {} righe con errori (vedi `{}`)",
                    r.errori.len() - 20,
                    uscita.display()
                )?;
            }
            print!("{}", r.riepilogo.testo());
            eprintln!(
                "({} righe in {:.2} s)",
                r.riepilogo.righe,
                durata.as_secs_f64()
            );
            if let Some(p) = riepilogo {
                let f =
                    File::create(&p).with_context(|| format!("creazione di {}", p.display()))?;
                serde_json::to_writer_pretty(BufWriter::new(f), &r.riepilogo)?;
            }
            Ok(if r.errori.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
    }
}

fn stampa_diagnostiche(file: &Path, diagnostiche: &[Diagnostica]) {
    for d in diagnostiche {
        let g = match d.gravita {
            Gravita::Errore => "errore",
            Gravita::Avviso => "avviso",
        };
        eprintln!(
            "{}:{}:{}: {g}: {}",
            file.display(),
            d.riga,
            d.colonna,
            d.messaggio
        );
    }
}

/// Loads a rule file, printing diagnostics; `None` if refused.
fn carica_regole(file: &Path) -> anyhow::Result<Option<Tariffa>> {
    let testo =
        std::fs::read_to_string(file).with_context(|| format!("lettura di {}", file.display()))?;
    match carica(&testo) {
        Ok(c) => {
            stampa_diagnostiche(file, &c.avvisi);
            Ok(Some(c.tariffa))
        }
        Err(e) => {
            stampa_diagnostiche(file, &e.diagnostiche);
            eprintln!("{}: file delle regole rifiutato", file.display());
            Ok(None)
        }
    }
}

fn verifica(file: &[PathBuf], avvisi_come_errori: bool) -> anyhow::Result<ExitCode> {
    let mut esito = ExitCode::SUCCESS;
    for f in file {
        let testo =
            std::fs::read_to_string(f).with_context(|| format!("lettura di {}", f.display()))?;
        match carica(&testo) {
            Ok(c) => {
                stampa_diagnostiche(f, &c.avvisi);
                let t = &c.tariffa;
                println!(
                    "{}: valido ({} — {}; ISEE {}; {} componenti, {} riduzioni, {} avvisi)",
                    f.display(),
                    t.nome(),
                    t.ente(),
                    t.isee_richiesto(),
                    t.componenti().len(),
                    t.riduzioni().len(),
                    c.avvisi.len()
                );
                if avvisi_come_errori && !c.avvisi.is_empty() {
                    esito = ExitCode::from(1);
                }
            }
            Err(e) => {
                stampa_diagnostiche(f, &e.diagnostiche);
                println!("{}: rifiutato ({} errori)", f.display(), e.errori().count());
                esito = ExitCode::from(1);
            }
        }
    }
    Ok(esito)
}

/// The raw text fields of one application.
struct Campi<'a> {
    isee: Option<&'a str>,
    tipo_isee: Option<&'a str>,
    residente: Option<&'a str>,
    presenze: Option<&'a str>,
    figli_minori: Option<&'a str>,
    ordine_figlio: Option<&'a str>,
    disabilita: Option<&'a str>,
    condizioni: Option<&'a str>,
    mese: Option<&'a str>,
}

fn vuoto(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

fn booleano(campo: &str, s: &str) -> Result<bool, String> {
    match s.trim().to_lowercase().as_str() {
        "si" | "sì" | "s" | "true" | "1" | "vero" => Ok(true),
        "no" | "n" | "false" | "0" | "falso" => Ok(false),
        altro => Err(format!("{campo}: `{altro}` non è sì/no")),
    }
}

fn intero(campo: &str, s: &str) -> Result<u16, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("{campo}: `{s}` non è un intero non negativo"))
}

/// Builds an application from text fields, with Italian messages for the office.
fn domanda(t: &Tariffa, c: &Campi<'_>, mese_predefinito: Option<Mese>) -> Result<Domanda, String> {
    let isee = vuoto(c.isee)
        .map(|s| analizza_decimale(s).map_err(|e| format!("isee: {e}")))
        .transpose()?;
    let tipo = match vuoto(c.tipo_isee) {
        Some(s) => s.parse::<TipoIsee>()?,
        None => t.isee_richiesto(),
    };
    let mut d = Domanda::nuova(isee, tipo);
    if let Some(s) = vuoto(c.residente) {
        d.residente = booleano("residente", s)?;
    }
    d.presenze = vuoto(c.presenze)
        .map(|s| analizza_decimale(s).map_err(|e| format!("presenze: {e}")))
        .transpose()?;
    if let Some(s) = vuoto(c.figli_minori) {
        d.figli_minori = intero("figli_minori", s)?;
    }
    if let Some(s) = vuoto(c.ordine_figlio) {
        d.ordine_figlio = intero("ordine_figlio", s)?;
    }
    if let Some(s) = vuoto(c.disabilita) {
        d.disabilita = booleano("disabilita", s)?;
    }
    if let Some(s) = vuoto(c.condizioni) {
        d.condizioni = t.condizioni(s.split(';'))?;
    }
    d.mese = match vuoto(c.mese) {
        Some(s) => Some(s.parse()?),
        None => mese_predefinito,
    };
    Ok(d)
}

struct ErroreRiga {
    riga: u64,
    messaggio: String,
}

struct Risultato {
    riepilogo: Riepilogo,
    errori: Vec<ErroreRiga>,
}

/// Summary of a billing run.
#[derive(Debug, Default, Serialize)]
pub struct Riepilogo {
    /// Rows read.
    pub righe: u64,
    /// Rows with an amount above zero.
    pub dovuti: u64,
    /// Rows with nothing due (exemption threshold or reductions down to zero).
    pub esenti: u64,
    /// Rows excluded (access threshold, or a default that excludes).
    pub esclusi: u64,
    /// Rows that could not be billed.
    pub errori: u64,
    /// Total billed, as a decimal string.
    #[serde(with = "decimale_testo")]
    pub totale: Decimal,
    /// Count per route and per tratto ("retta: fascia 6", "costo pieno", "senza ISEE"…).
    pub per_fascia: BTreeMap<String, u64>,
}

mod decimale_testo {
    use rust_decimal::Decimal;

    pub(super) fn serialize<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.to_string())
    }
}

impl Riepilogo {
    fn testo(&self) -> String {
        let mut s = format!(
            "Righe: {}\nDovuti: {}\nEsenti: {}\nEsclusi: {}\nErrori: {}\nTotale fatturato: {}\nPer fascia:\n",
            self.righe,
            self.dovuti,
            self.esenti,
            self.esclusi,
            self.errori,
            isee_tariffe::euro(self.totale)
        );
        for (k, v) in &self.per_fascia {
            s.push_str(&format!("  {k}: {v}\n"));
        }
        s
    }
}

fn etichetta_percorso(p: Percorso) -> &'static str {
    match p {
        Percorso::Tratti => "tratti",
        Percorso::Esenzione => "esenzione",
        Percorso::CostoPieno => "costo pieno",
        Percorso::SenzaIsee => "senza ISEE (default)",
        Percorso::TipoIseeNonAmmesso => "tipo di ISEE non ammesso (default)",
        Percorso::NonResidente => "non residente (default)",
        Percorso::FuoriAccesso => "oltre la soglia di accesso",
    }
}

fn fattura(
    t: &Tariffa,
    domande: &Path,
    uscita: &Path,
    mese: Option<Mese>,
    avanzamento: Avanzamento,
) -> anyhow::Result<Risultato> {
    let f = File::open(domande).with_context(|| format!("apertura di {}", domande.display()))?;
    let dimensione = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut lettore = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(BufReader::new(f));
    let intestazioni = lettore
        .headers()
        .with_context(|| format!("intestazioni di {}", domande.display()))?
        .clone();
    let colonna = |nome: &str| {
        intestazioni
            .iter()
            .position(|h| h.eq_ignore_ascii_case(nome))
    };
    let Some(c_id) = colonna("id") else {
        anyhow::bail!("{}: manca la colonna `id`", domande.display());
    };
    let Some(c_isee) = colonna("isee") else {
        anyhow::bail!("{}: manca la colonna `isee`", domande.display());
    };
    let (c_tipo, c_res, c_pres, c_figli, c_ord, c_dis, c_cond, c_mese) = (
        colonna("tipo_isee"),
        colonna("residente"),
        colonna("presenze"),
        colonna("figli_minori"),
        colonna("ordine_figlio"),
        colonna("disabilita"),
        colonna("condizioni"),
        colonna("mese"),
    );
    if t.serve_presenze() && c_pres.is_none() {
        eprintln!(
            "{}: attenzione: la tariffa fattura per presenza ma manca la colonna `presenze`",
            domande.display()
        );
    }

    let mostra = match avanzamento {
        Avanzamento::Auto => io::stderr().is_terminal(),
        Avanzamento::Sempre => true,
        Avanzamento::Mai => false,
    };
    let barra = if mostra {
        let b = ProgressBar::new(dimensione);
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };

    let out = File::create(uscita).with_context(|| format!("creazione di {}", uscita.display()))?;
    let mut scrittore = csv::Writer::from_writer(BufWriter::new(out));
    scrittore.write_record([
        "id",
        "stato",
        "percorso",
        "isee_considerato",
        "tratti",
        "importo",
        "spiegazione",
        "errore",
    ])?;

    let mut riepilogo = Riepilogo::default();
    let mut errori = Vec::new();
    let mut record = csv::StringRecord::new();
    let componenti: Vec<&str> = t.componenti().collect();
    loop {
        let riga = lettore.position().line();
        match lettore.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                // A malformed CSV line: report it and go on with the next.
                riepilogo.righe += 1;
                riepilogo.errori += 1;
                errori.push(ErroreRiga {
                    riga,
                    messaggio: format!("riga CSV non leggibile ({e})"),
                });
                scrittore.write_record([
                    "",
                    "errore",
                    "",
                    "",
                    "",
                    "",
                    "",
                    &format!("riga CSV non leggibile ({e})"),
                ])?;
                continue;
            }
        }
        riepilogo.righe += 1;
        let campo = |c: Option<usize>| c.and_then(|i| record.get(i));
        let id = record.get(c_id).unwrap_or("");
        let campi = Campi {
            isee: record.get(c_isee),
            tipo_isee: campo(c_tipo),
            residente: campo(c_res),
            presenze: campo(c_pres),
            figli_minori: campo(c_figli),
            ordine_figlio: campo(c_ord),
            disabilita: campo(c_dis),
            condizioni: campo(c_cond),
            mese: campo(c_mese),
        };
        let esito =
            domanda(t, &campi, mese).and_then(|d| t.valuta_spiegata(&d).map_err(|e| e.to_string()));
        match esito {
            Ok((e, sp)) => {
                let stato = match e.stato {
                    Stato::Dovuto => {
                        riepilogo.dovuti += 1;
                        "dovuto"
                    }
                    Stato::Esente => {
                        riepilogo.esenti += 1;
                        "esente"
                    }
                    Stato::Escluso => {
                        riepilogo.esclusi += 1;
                        "escluso"
                    }
                };
                riepilogo.totale += e.importo;
                let mut tratti = String::new();
                if e.percorso == Percorso::Tratti {
                    for (c, id_c) in componenti.iter().enumerate() {
                        if let Some(n) = e.tratto(c).and_then(|i| t.nome_tratto(c, i)) {
                            if !tratti.is_empty() {
                                tratti.push(';');
                            }
                            tratti.push_str(id_c);
                            tratti.push('=');
                            tratti.push_str(n);
                            *riepilogo
                                .per_fascia
                                .entry(format!("{id_c}: tratto {n}"))
                                .or_default() += 1;
                        }
                    }
                } else {
                    *riepilogo
                        .per_fascia
                        .entry(etichetta_percorso(e.percorso).to_string())
                        .or_default() += 1;
                }
                let isee = e
                    .isee_considerato
                    .map(|x| x.normalize().to_string())
                    .unwrap_or_default();
                scrittore.write_record([
                    id,
                    stato,
                    etichetta_percorso(e.percorso),
                    &isee,
                    &tratti,
                    &e.importo.to_string(),
                    &sp.in_linea(t),
                    "",
                ])?;
            }
            Err(m) => {
                riepilogo.errori += 1;
                scrittore.write_record([id, "errore", "", "", "", "", "", &m])?;
                errori.push(ErroreRiga {
                    riga,
                    messaggio: format!("id {id}: {m}"),
                });
            }
        }
        if riepilogo.righe % 1024 == 0 {
            barra.set_position(lettore.position().byte());
        }
    }
    barra.finish_and_clear();
    scrittore.flush()?;
    Ok(Risultato { riepilogo, errori })
}

//! `isee calcola`, `isee valida`, `isee parametri`: one DSU from a file, and the rules.

use anyhow::{Context, Result};
use clap::ValueEnum;
use isee_core::calcolo::{ErroreCalcolo, Motore, Prestazione, Richiesta, TipoIsee};
use isee_core::codice_fiscale::CodiceFiscale;
use isee_core::validazione::Gravita;
use isee_core::{Dsu, Normativa, Opzioni};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Formato {
    Json,
    Testo,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum FormatoCalcolo {
    Json,
    Testo,
    /// The printable attestation: every indicator the DSU allows, with the trace.
    Html,
    /// The same attestation as PDF/A-2b, on the standard output (redirect it to a file).
    Pdf,
}

#[derive(clap::Args)]
pub(crate) struct ArgsMotore {
    /// File dei parametri al posto di quelli ufficiali (stesso formato di parametri/isee.toml)
    #[arg(long, value_name = "FILE")]
    parametri: Option<PathBuf>,
    /// File TOML con le scelte interpretative (docs/SCELTE.md)
    #[arg(long, value_name = "FILE")]
    opzioni: Option<PathBuf>,
}

impl ArgsMotore {
    pub(crate) fn motore(&self) -> Result<Motore> {
        let normativa = match &self.parametri {
            None => Normativa::ufficiale(),
            Some(p) => {
                let testo = std::fs::read_to_string(p)
                    .with_context(|| format!("lettura di {}", p.display()))?;
                Normativa::da_toml(&testo, &p.display().to_string())?
            }
        };
        let opzioni = match &self.opzioni {
            None => Opzioni::predefinite(),
            Some(p) => {
                let testo = std::fs::read_to_string(p)
                    .with_context(|| format!("lettura di {}", p.display()))?;
                toml::from_str(&testo)
                    .with_context(|| format!("opzioni non valide in {}", p.display()))?
            }
        };
        Ok(Motore::new(normativa, opzioni))
    }
}

#[derive(clap::Args)]
pub(crate) struct ArgsRichiesta {
    /// Tipo di ISEE: ordinario, minorenni, universitario, dottorato, sociosanitario, residenziale, corrente
    #[arg(long, default_value = "ordinario")]
    tipo: TipoIsee,
    /// Prestazione richiesta, dove la legge distingue: assegno-unico, adi, sfl, bonus-nido, bonus-nuovi-nati, altra
    #[arg(long)]
    prestazione: Option<Prestazione>,
    /// Codice fiscale del beneficiario (minorenne, studente, assistito)
    #[arg(long)]
    beneficiario: Option<String>,
}

impl ArgsRichiesta {
    pub(crate) fn richiesta(&self) -> Richiesta {
        Richiesta {
            tipo: self.tipo,
            prestazione: self.prestazione,
            beneficiario: self.beneficiario.as_deref().map(CodiceFiscale::new),
        }
    }
}

#[derive(clap::Args)]
pub struct ArgsCalcola {
    /// La DSU in JSON (- per lo standard input)
    file: String,
    #[command(flatten)]
    richiesta: ArgsRichiesta,
    /// Tutti gli indicatori che la DSU consente (come l'attestazione INPS)
    #[arg(long, conflicts_with_all = ["tipo", "prestazione", "beneficiario"])]
    tutti: bool,
    /// Formato dell'uscita
    #[arg(long, value_enum, default_value = "testo")]
    formato: FormatoCalcolo,
    /// Includi la traccia di calcolo nell'uscita JSON (il testo la include sempre)
    #[arg(long)]
    traccia: bool,
    #[command(flatten)]
    motore: ArgsMotore,
}

#[derive(clap::Args)]
pub struct ArgsValida {
    /// La DSU in JSON (- per lo standard input)
    file: String,
    #[arg(long, value_enum, default_value = "testo")]
    formato: Formato,
}

#[derive(clap::Args)]
pub struct ArgsParametri {
    /// Data (AAAA-MM-GG) di presentazione della DSU; se assente, tutte le versioni
    #[arg(long)]
    data: Option<chrono::NaiveDate>,
    #[arg(long, value_enum, default_value = "testo")]
    formato: Formato,
    #[command(flatten)]
    motore: ArgsMotore,
}

pub(crate) fn leggi_testo(file: &str) -> Result<String> {
    let mut s = String::new();
    if file == "-" {
        std::io::stdin()
            .read_to_string(&mut s)
            .context("lettura dello standard input")?;
    } else {
        s = std::fs::read_to_string(file).with_context(|| format!("lettura di {file}"))?;
    }
    Ok(s)
}

/// Reading outcome: the DSU, or why it cannot be read (exit 1 for a document of the
/// wrong shape, 2 for one that is not JSON or cannot be opened).
pub(crate) enum Lettura {
    Dsu(Box<Dsu>),
    NonValida(isee_core::dsu::ErroreLettura),
    Illeggibile(String),
}

impl Lettura {
    /// The DSU, or the exit code after saying on the standard error why there is none:
    /// 2 unreadable, 1 not a valid DSU (the commands that compute or convert one).
    pub(crate) fn o_codice(self) -> Result<Dsu, ExitCode> {
        match self {
            Lettura::Illeggibile(m) => {
                eprintln!("illeggibile: {m}");
                Err(ExitCode::from(2))
            }
            Lettura::NonValida(e) => {
                eprintln!("DSU non valida: {e}");
                Err(ExitCode::from(1))
            }
            Lettura::Dsu(d) => Ok(*d),
        }
    }
}

pub(crate) fn leggi_dsu(file: &str) -> Lettura {
    let testo = match leggi_testo(file) {
        Ok(t) => t,
        Err(e) => return Lettura::Illeggibile(format!("{e:#}")),
    };
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&testo) {
        return Lettura::Illeggibile(format!("il file non è JSON valido: {e}"));
    }
    match Dsu::da_json(&testo) {
        Ok(d) => Lettura::Dsu(Box::new(d)),
        Err(e) => Lettura::NonValida(e),
    }
}

fn stampa_problemi(problemi: &[isee_core::Problema], formato: Formato) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match formato {
        Formato::Json => writeln!(out, "{}", serde_json::to_string_pretty(problemi)?)?,
        Formato::Testo => {
            for p in problemi {
                let g = match p.gravita {
                    Gravita::Errore => "ERRORE",
                    Gravita::Avviso => "avviso",
                };
                writeln!(out, "{g:<7} {}: {} [{}]", p.percorso, p.messaggio, p.codice)?;
            }
        }
    }
    Ok(())
}

pub(crate) fn valida(a: ArgsValida) -> Result<ExitCode> {
    match leggi_dsu(&a.file) {
        Lettura::Illeggibile(m) => {
            eprintln!("illeggibile: {m}");
            Ok(ExitCode::from(2))
        }
        Lettura::NonValida(e) => {
            let p = isee_core::Problema {
                percorso: e.percorso.clone(),
                codice: "struttura",
                messaggio: format!("{} (riga {}, colonna {})", e.messaggio, e.riga, e.colonna),
                gravita: Gravita::Errore,
            };
            stampa_problemi(&[p], a.formato)?;
            Ok(ExitCode::from(1))
        }
        Lettura::Dsu(d) => match isee_core::valida(*d) {
            Ok(v) => {
                stampa_problemi(v.avvisi(), a.formato)?;
                if a.formato == Formato::Testo {
                    println!(
                        "DSU valida{}",
                        if v.avvisi().is_empty() {
                            String::new()
                        } else {
                            format!(" ({} avvisi)", v.avvisi().len())
                        }
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(problemi) => {
                stampa_problemi(&problemi, a.formato)?;
                if a.formato == Formato::Testo {
                    let n = problemi
                        .iter()
                        .filter(|p| p.gravita == Gravita::Errore)
                        .count();
                    println!("DSU non valida: {n} errori");
                }
                Ok(ExitCode::from(1))
            }
        },
    }
}

pub(crate) fn calcola(a: ArgsCalcola) -> Result<ExitCode> {
    let motore = a.motore.motore()?;
    let dsu = match leggi_dsu(&a.file).o_codice() {
        Ok(d) => d,
        Err(codice) => return Ok(codice),
    };
    let dsu = match isee_core::valida(dsu) {
        Ok(v) => v,
        Err(problemi) => {
            eprintln!("DSU non valida (usare `isee valida` per i dettagli):");
            for p in problemi.iter().filter(|p| p.gravita == Gravita::Errore) {
                eprintln!("  {}: {}", p.percorso, p.messaggio);
            }
            return Ok(ExitCode::from(1));
        }
    };
    let mut out = std::io::stdout().lock();
    if matches!(a.formato, FormatoCalcolo::Html | FormatoCalcolo::Pdf) {
        if a.formato == FormatoCalcolo::Pdf && std::io::IsTerminal::is_terminal(&out) {
            eprintln!(
                "isee: il PDF è un file binario: reindirizzare l'uscita (> attestazione.pdf)"
            );
            return Ok(ExitCode::from(2));
        }
        let att = isee_stampa::attestazione_con_traccia(&motore, &dsu);
        let int = isee_stampa::Intestazione {
            protocollo: None,
            protocollo_mittente: dsu.dsu().protocollo_mittente.as_deref(),
            data_rilascio: chrono::Local::now().date_naive(),
            annotazioni: &[],
        };
        if a.formato == FormatoCalcolo::Pdf {
            out.write_all(&isee_stampa::pdf::attestazione(dsu.dsu(), &att, &int)?)?;
        } else {
            write!(out, "{}", isee_stampa::pagina(dsu.dsu(), &att, &int))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if a.tutti {
        let att = isee_core::attestazione::attestazione(&motore, &dsu)?;
        match a.formato {
            FormatoCalcolo::Json => writeln!(out, "{}", serde_json::to_string_pretty(&att)?)?,
            FormatoCalcolo::Testo | FormatoCalcolo::Html | FormatoCalcolo::Pdf => {
                for i in &att.indicatori {
                    match &i.esito {
                        isee_core::attestazione::EsitoIndicatore::Calcolato(e) => {
                            writeln!(out, "{}", isee_core::report::rapporto(e))?;
                        }
                        isee_core::attestazione::EsitoIndicatore::NonCalcolabile(m) => {
                            writeln!(out, "{m}\n")?
                        }
                    }
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let richiesta = a.richiesta.richiesta();
    let traccia = a.traccia || a.formato == FormatoCalcolo::Testo;
    let esito = if traccia {
        motore.calcola_con_traccia(&dsu, &richiesta)
    } else {
        motore.calcola(&dsu, &richiesta)
    };
    match esito {
        Ok(e) => {
            match a.formato {
                FormatoCalcolo::Json => writeln!(out, "{}", serde_json::to_string_pretty(&e)?)?,
                FormatoCalcolo::Testo | FormatoCalcolo::Html | FormatoCalcolo::Pdf => {
                    write!(out, "{}", isee_core::report::rapporto(&e))?
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ (ErroreCalcolo::NonCalcolabile { .. } | ErroreCalcolo::RegoleNonInVigore(_))) => {
            eprintln!("{e}");
            Ok(ExitCode::from(1))
        }
    }
}

pub(crate) fn parametri(a: ArgsParametri) -> Result<()> {
    let motore = a.motore.motore()?;
    let n = motore.normativa();
    let mut out = std::io::stdout().lock();
    match (a.data, a.formato) {
        (Some(d), Formato::Json) => {
            let fonti: Vec<_> = n
                .regole(d)
                .map(|r| r.fonti().cloned().collect())
                .unwrap_or_default();
            writeln!(out, "{}", serde_json::to_string_pretty(&fonti)?)?;
        }
        (None, Formato::Json) => writeln!(out, "{}", serde_json::to_string_pretty(n.parametri())?)?,
        (Some(d), Formato::Testo) => {
            let Some(r) = n.regole(d) else {
                anyhow::bail!(
                    "nessuna regola in vigore il {d}: le regole ISEE si applicano dalle DSU del 2015"
                );
            };
            writeln!(
                out,
                "Parametri in vigore per le DSU presentate il {} (periodo dal {}; set {})\n",
                d.format("%d/%m/%Y"),
                r.dal.format("%d/%m/%Y"),
                n.versione()
            )?;
            for p in n.parametri() {
                if let Some(v) = p.in_vigore(d) {
                    writeln!(
                        out,
                        "{}\n  {}\n  valore: {}   (dal {})\n  fonte: {}   [affidabilità {}]",
                        p.nome,
                        p.descrizione,
                        v.valore,
                        v.dal.format("%d/%m/%Y"),
                        v.fonte,
                        v.affidabilita
                    )?;
                    if let Some(nota) = &v.nota {
                        writeln!(out, "  nota: {nota}")?;
                    }
                }
            }
            writeln!(
                out,
                "\nTasso del reddito figurativo: {} (min tra BTP decennali e tasso legale + 1 punto)",
                r.tasso_reddito_figurativo().normalize()
            )?;
        }
        (None, Formato::Testo) => {
            for p in n.parametri() {
                writeln!(out, "{} — {}", p.nome, p.descrizione)?;
                for v in &p.versioni {
                    writeln!(
                        out,
                        "  dal {}: {}   ({}) [{}]",
                        v.dal.format("%d/%m/%Y"),
                        v.valore,
                        v.fonte,
                        v.affidabilita
                    )?;
                }
            }
        }
    }
    Ok(())
}

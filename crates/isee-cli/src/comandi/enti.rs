//! `isee enti …` (import and look up the anagrafe of the enti) and
//! `isee operatori …` (the operator authorisations), over [`isee_enti`]: arguments,
//! files, the printed summaries. [`ComandoEnti`] and [`ComandoOperatori`] are
//! mounted in `isee`'s `Comando`; [`esegui_enti`] / [`esegui_operatori`] run them.
//!
//! Exit codes: 0 done; 1 done with warnings (`importa`) or refused (`abilita`,
//! `revoca`, `mostra` of an unknown ente), each reason printed; an `Err` for
//! everything else (unreadable file, database down).

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use isee_core::codice_fiscale::CodiceFiscale;
use isee_enti::{
    Abilitazione, AnagrafeEnti, ErroreEnti, Importazione, NuovaAbilitazione, StoreEnti, categorie,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Formato {
    /// Testo leggibile; codici fiscali degli operatori mascherati.
    Testo,
    /// JSON, codici fiscali completi (per i sistemi dell'ente).
    Json,
}

#[derive(Debug, clap::Subcommand)]
pub enum ComandoEnti {
    /// Importa l'elenco enti IPA e l'elenco comuni ISTAT, sostituendo l'anagrafe
    /// corrente in una sola transazione.
    Importa {
        /// Database: sqlite://FILE oppure postgres://utente@host/db.
        #[arg(long)]
        db: String,
        /// Elenco enti IPA: dump CKAN (JSON) o esportazione CSV.
        #[arg(long)]
        ipa: PathBuf,
        /// Elenco comuni italiani ISTAT (CSV, `;`).
        #[arg(long)]
        istat: PathBuf,
        /// Data dell'estratto IPA (AAAA-MM-GG); predefinita: la data nel nome del file.
        #[arg(long)]
        data_ipa: Option<NaiveDate>,
        /// Data dell'estratto ISTAT (AAAA-MM-GG); predefinita: la data nel nome del file.
        #[arg(long)]
        data_istat: Option<NaiveDate>,
        /// Legge, unisce e riferisce, senza scrivere nel database.
        #[arg(long)]
        prova: bool,
    },
    /// Mostra un ente dell'anagrafe.
    Mostra {
        #[arg(long)]
        db: String,
        /// Codice IPA (es. c_h199).
        codice_ipa: String,
    },
    /// Elenca gli enti dell'anagrafe.
    Elenco {
        #[arg(long)]
        db: String,
        /// Solo questa categoria IPA (es. L6).
        #[arg(long)]
        categoria: Option<String>,
        /// Solo i Comuni capoluogo.
        #[arg(long)]
        capoluoghi: bool,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum ComandoOperatori {
    /// Abilita un operatore dell'ente alle e-service Operatori (l'equivalente
    /// dell'abilitazione INPS con modulo MV62).
    Abilita {
        #[arg(long)]
        db: String,
        /// Codice fiscale dell'operatore.
        #[arg(long)]
        cf: String,
        /// Codice IPA dell'ente dell'operatore.
        #[arg(long)]
        ente: String,
        /// indicatore-operatori, attestazione-operatori o dichiarazione; ripetibile.
        #[arg(long = "servizio", required = true)]
        servizi: Vec<String>,
        /// Primo giorno (AAAA-MM-GG).
        #[arg(long)]
        dal: NaiveDate,
        /// Ultimo giorno, compreso (AAAA-MM-GG).
        #[arg(long)]
        al: NaiveDate,
        /// Riferimento dell'abilitazione INPS (es. il protocollo MV62).
        #[arg(long)]
        riferimento: Option<String>,
    },
    /// Revoca un'abilitazione (da ora, o da --quando).
    Revoca {
        #[arg(long)]
        db: String,
        id: i64,
        /// Istante RFC 3339 della revoca; predefinito: ora.
        #[arg(long)]
        quando: Option<DateTime<Utc>>,
    },
    /// Elenca le abilitazioni, comprese revocate e scadute.
    Elenco {
        #[arg(long)]
        db: String,
        /// Solo quelle di questo ente (codice IPA).
        #[arg(long)]
        ente: Option<String>,
        #[arg(long, value_enum, default_value_t = Formato::Testo)]
        formato: Formato,
    },
}

/// The first `YYYY-MM-DD` in a file name (`ipa-enti-2026-10-01.json`).
pub fn data_nel_nome(percorso: &Path) -> Option<NaiveDate> {
    let nome = percorso.file_name()?.to_str()?;
    let b = nome.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let pezzo = nome.get(i..i + 10)?;
        let forma = pezzo.bytes().enumerate().all(|(j, c)| {
            if j == 4 || j == 7 {
                c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
        forma
            .then(|| NaiveDate::parse_from_str(pezzo, "%Y-%m-%d").ok())
            .flatten()
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("avvio del runtime asincrono")
}

async fn apri(db: &str) -> anyhow::Result<StoreEnti> {
    StoreEnti::apri(db).await.context("apertura del database")
}

/// Runs an `isee enti` command.
pub fn esegui_enti(cmd: ComandoEnti) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        match cmd {
            ComandoEnti::Importa {
                db,
                ipa,
                istat,
                data_ipa,
                data_istat,
                prova,
            } => importa(&db, &ipa, &istat, data_ipa, data_istat, prova).await,
            ComandoEnti::Mostra { db, codice_ipa } => {
                let r = apri(&db).await?;
                let esito = match r.ente(&codice_ipa).await? {
                    None => {
                        eprintln!("ente «{codice_ipa}» non presente nell'anagrafe");
                        ExitCode::from(1)
                    }
                    Some(e) => {
                        let cat = categorie::nome(&e.categoria).unwrap_or("");
                        println!("Codice IPA:        {}", e.codice_ipa);
                        println!("Denominazione:     {}", e.denominazione);
                        println!("Codice fiscale:    {}", e.codice_fiscale);
                        println!("Categoria:         {} {cat}", e.categoria);
                        println!("Tipologia:         {}", e.tipologia);
                        println!(
                            "Codice ISTAT:      {}",
                            e.codice_istat.as_deref().unwrap_or("-")
                        );
                        println!(
                            "Codice catastale:  {}",
                            e.codice_catastale.as_deref().unwrap_or("-")
                        );
                        println!("Comune:            {}", e.comune.as_deref().unwrap_or("-"));
                        println!(
                            "Comune capoluogo:  {}",
                            if e.capoluogo { "sì" } else { "no" }
                        );
                        println!("Servizi ISEE (messaggio INPS 3269/2025):");
                        for g in categorie::GruppoEservizi::TUTTI {
                            let esito = match categorie::ammesso(&e, g) {
                                Ok(()) => "ammesso".to_string(),
                                Err(x) => format!("no: {}", x.messaggio()),
                            };
                            println!("  {}: {esito}", g.nome());
                        }
                        ExitCode::SUCCESS
                    }
                };
                if let Some(info) = r.info_anagrafe().await? {
                    println!(
                        "(anagrafe IPA del {}, ISTAT del {})",
                        info.data_ipa, info.data_istat
                    );
                }
                r.chiudi().await;
                Ok(esito)
            }
            ComandoEnti::Elenco {
                db,
                categoria,
                capoluoghi,
            } => {
                let r = apri(&db).await?;
                let a = r.anagrafe().await?;
                let mut n = 0;
                for e in a.iter().filter(|e| {
                    categoria
                        .as_deref()
                        .is_none_or(|c| e.categoria.eq_ignore_ascii_case(c.trim()))
                        && (!capoluoghi || e.capoluogo)
                }) {
                    n += 1;
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        e.codice_ipa,
                        e.categoria,
                        e.codice_catastale.as_deref().unwrap_or("-"),
                        if e.capoluogo { "capoluogo" } else { "-" },
                        e.denominazione
                    );
                }
                eprintln!(
                    "{n} enti (anagrafe IPA del {}, ISTAT del {})",
                    a.data_ipa, a.data_istat
                );
                r.chiudi().await;
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

async fn importa(
    db: &str,
    ipa: &Path,
    istat: &Path,
    data_ipa: Option<NaiveDate>,
    data_istat: Option<NaiveDate>,
    prova: bool,
) -> anyhow::Result<ExitCode> {
    let data = |d: Option<NaiveDate>, p: &Path, opzione: &str| {
        d.or_else(|| data_nel_nome(p)).with_context(|| {
            format!(
                "data dell'estrazione non ricavabile dal nome «{}»: indicarla con {opzione} AAAA-MM-GG",
                p.display()
            )
        })
    };
    let data_ipa = data(data_ipa, ipa, "--data-ipa")?;
    let data_istat = data(data_istat, istat, "--data-istat")?;
    let byte_ipa = std::fs::read(ipa).with_context(|| format!("lettura di {}", ipa.display()))?;
    let byte_istat =
        std::fs::read(istat).with_context(|| format!("lettura di {}", istat.display()))?;
    let Importazione {
        anagrafe,
        comuni: n_comuni,
        avvisi,
    } = isee_enti::importa(&byte_ipa, &byte_istat, data_ipa, data_istat)?;

    riepilogo(&anagrafe, n_comuni);
    for a in &avvisi {
        eprintln!("avviso: {a}");
    }
    if !avvisi.is_empty() {
        eprintln!("{} avvisi", avvisi.len());
    }
    if prova {
        println!("prova: database non modificato");
    } else {
        let r = apri(db).await?;
        let fonte = format!(
            "IPA {} ({data_ipa}); ISTAT {} ({data_istat})",
            nome_file(ipa),
            nome_file(istat)
        );
        r.sostituisci_anagrafe(&anagrafe, &fonte)
            .await
            .context("sostituzione dell'anagrafe (quella precedente resta in vigore)")?;
        r.chiudi().await;
        println!("anagrafe sostituita: {} enti", anagrafe.len());
    }
    Ok(if avvisi.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn nome_file(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

fn riepilogo(a: &AnagrafeEnti, n_comuni: usize) {
    println!(
        "IPA del {}: {} enti; ISTAT del {}: {n_comuni} comuni",
        a.data_ipa,
        a.len(),
        a.data_istat
    );
    // Keyed by the number in the code, so that L4 comes before L15.
    let mut per_categoria: BTreeMap<(u32, &str), usize> = BTreeMap::new();
    for e in a {
        let numero = e
            .categoria
            .get(1..)
            .and_then(|n| n.parse().ok())
            .unwrap_or(u32::MAX);
        *per_categoria
            .entry((numero, e.categoria.as_str()))
            .or_default() += 1;
    }
    for ((_, c), n) in &per_categoria {
        let ammessa = if categorie::ammessa(c) {
            "ammessa"
        } else {
            "non ammessa"
        };
        let nome = categorie::nome(c).unwrap_or("");
        println!("  {c:<4} {n:>6}  ({ammessa}) {nome}");
    }
    let capoluoghi: Vec<&str> = a
        .iter()
        .filter(|e| e.capoluogo)
        .map(|e| e.comune.as_deref().unwrap_or(e.denominazione.as_str()))
        .collect();
    println!("Comuni capoluogo: {}", capoluoghi.len());
    if !capoluoghi.is_empty() {
        println!("  {}", capoluoghi.join(", "));
    }
}

/// Runs an `isee operatori` command.
pub fn esegui_operatori(cmd: ComandoOperatori) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        match cmd {
            ComandoOperatori::Abilita {
                db,
                cf,
                ente,
                servizi,
                dal,
                al,
                riferimento,
            } => {
                let r = apri(&db).await?;
                let esito = r
                    .abilita(NuovaAbilitazione {
                        codice_fiscale_operatore: cf,
                        ente_ipa: ente,
                        eservizi: servizi,
                        dal,
                        al,
                        riferimento,
                    })
                    .await;
                r.chiudi().await;
                match esito {
                    Ok(a) => {
                        println!("abilitazione registrata:");
                        stampa(&a);
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(ErroreEnti::AbilitazioneNonValida(problemi)) => {
                        eprintln!("abilitazione rifiutata:");
                        for p in problemi {
                            eprintln!("  {} [{}]: {}", p.campo, p.codice, p.messaggio);
                        }
                        Ok(ExitCode::from(1))
                    }
                    Err(e) => Err(e.into()),
                }
            }
            ComandoOperatori::Revoca { db, id, quando } => {
                let r = apri(&db).await?;
                let esito = r.revoca(id, quando.unwrap_or_else(Utc::now)).await;
                r.chiudi().await;
                match esito {
                    Ok(a) => {
                        println!("abilitazione revocata:");
                        stampa(&a);
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(
                        e @ (ErroreEnti::AbilitazioneInesistente(_)
                        | ErroreEnti::GiaRevocata { .. }),
                    ) => {
                        eprintln!("{e}");
                        Ok(ExitCode::from(1))
                    }
                    Err(e) => Err(e.into()),
                }
            }
            ComandoOperatori::Elenco { db, ente, formato } => {
                let r = apri(&db).await?;
                let elenco = r.elenco(ente.as_deref()).await?;
                r.chiudi().await;
                match formato {
                    Formato::Json => println!("{}", serde_json::to_string_pretty(&elenco)?),
                    Formato::Testo => {
                        for a in &elenco {
                            stampa(a);
                        }
                        eprintln!("{} abilitazioni", elenco.len());
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

fn stampa(a: &Abilitazione) {
    let stato = match a.revocata_il {
        Some(il) => format!("revocata il {}", il.format("%Y-%m-%d %H:%M UTC")),
        None => "attiva".to_string(),
    };
    println!(
        "  {}\t{}\t{}\t{}\tdal {} al {}\t{}\t{stato}",
        a.id,
        CodiceFiscale::new(&a.codice_fiscale_operatore).mascherato(),
        a.ente_ipa,
        a.eservizi.join(","),
        a.dal,
        a.al,
        a.riferimento.as_deref().unwrap_or("-"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dal_nome_del_file() {
        let d = |s: &str| data_nel_nome(Path::new(s));
        assert_eq!(
            d("dati/ipa-enti-2026-10-01.json"),
            NaiveDate::from_ymd_opt(2026, 10, 1)
        );
        assert_eq!(
            d("istat-comuni-2026-10-01.csv"),
            NaiveDate::from_ymd_opt(2026, 10, 1)
        );
        assert_eq!(d("2026-02-30-enti.json"), None);
        assert_eq!(d("enti.json"), None);
    }
}

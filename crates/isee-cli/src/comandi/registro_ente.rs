//! `isee registro-ente …`: the ente's local ISEE register (`isee-erogatore`): CSV
//! import of applications and the expiry report.
//!
//! CSV columns (header required, order free; empty cell = absent):
//! `ente,id,servizio,codice_fiscale,tipo_richiesto,isee_tipo,isee,ise,isr,isp,scala,
//! protocollo_dsu,data_presentazione_dsu,valida_al,fonte,evidenza`. Amounts are euros
//! with at most two decimals and a dot (`12345.67`). Each bad row is reported with its
//! line number and skipped; the others are imported. The parser is
//! `isee_erogatore::leggi_csv` (fuzzed: `fuzz/`).

use anyhow::Context;
use chrono::NaiveDate;
use isee_erogatore::{DomandaEnte, RegistroDomande, StoreDomandeSql, leggi_csv};
use std::path::PathBuf;
use std::process::ExitCode;

/// The default database: an SQLite file in the working directory, created on first use.
pub const DB_PREDEFINITO: &str = "sqlite://registro-ente.db";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Formato {
    Testo,
    Csv,
    Json,
}

#[derive(Debug, clap::Subcommand)]
pub enum ComandoRegistroEnte {
    /// Imports applications from a CSV file (bad rows are reported and skipped).
    Importa {
        /// The CSV file.
        csv: PathBuf,
        /// Database URL: sqlite://FILE or postgres://user@host/db.
        #[arg(long, default_value = DB_PREDEFINITO)]
        db: String,
    },
    /// Lists the applications whose ISEE expires before a date, or that have none.
    Scadenze {
        /// Applications whose ISEE validity ends before this date (YYYY-MM-DD).
        #[arg(long)]
        entro: NaiveDate,
        #[arg(long, default_value = DB_PREDEFINITO)]
        db: String,
        /// `testo` masks fiscal codes; `csv` and `json` are exports for the ente's own
        /// systems and carry them in full.
        #[arg(long, value_enum, default_value_t = Formato::Testo)]
        formato: Formato,
    },
}

/// Runs a command. Exit code: 0 on success; 1 when some CSV rows were refused.
pub fn esegui(cmd: ComandoRegistroEnte) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("avvio del runtime asincrono")?;
    rt.block_on(async move {
        match cmd {
            ComandoRegistroEnte::Importa { csv, db } => {
                let testo = std::fs::read_to_string(&csv)
                    .with_context(|| format!("lettura di {}", csv.display()))?;
                let registro = RegistroDomande::new(connetti(&db).await?);
                let (righe, errori) = leggi_csv(&testo, adesso_us());
                let mut importate = 0usize;
                let mut rifiutate = errori.len();
                for (riga, e) in &errori {
                    eprintln!("riga {riga}: {e}");
                }
                for (riga, d) in righe {
                    match registro.salva(d).await {
                        Ok(()) => importate += 1,
                        Err(e) => {
                            rifiutate += 1;
                            eprintln!("riga {riga}: {e}");
                        }
                    }
                }
                println!("{importate} domande importate, {rifiutate} righe rifiutate");
                Ok(if rifiutate == 0 {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                })
            }
            ComandoRegistroEnte::Scadenze { entro, db, formato } => {
                let registro = RegistroDomande::new(connetti(&db).await?);
                let domande = registro.in_scadenza(entro).await?;
                print!("{}", scrivi_scadenze(&domande, formato)?);
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

async fn connetti(db: &str) -> anyhow::Result<StoreDomandeSql> {
    Ok(StoreDomandeSql::connetti(db).await?)
}

/// Now, in unix microseconds (the register's timestamps).
fn adesso_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Renders the expiry list.
pub fn scrivi_scadenze(domande: &[DomandaEnte], formato: Formato) -> anyhow::Result<String> {
    let opz = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    Ok(match formato {
        Formato::Json => {
            let mut s = serde_json::to_string_pretty(domande)?;
            s.push('\n');
            s
        }
        Formato::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([
                "ente",
                "id",
                "servizio",
                "codice_fiscale",
                "tipo_richiesto",
                "isee",
                "protocollo_dsu",
                "valida_al",
            ])?;
            for d in domande {
                let i = d.isee.as_ref();
                w.write_record([
                    d.ente.as_str(),
                    &d.id,
                    &d.servizio,
                    d.codice_fiscale.as_str(),
                    d.tipo_richiesto.nome(),
                    &i.map(|i| i.isee.to_string()).unwrap_or_default(),
                    i.and_then(|i| i.protocollo_dsu.as_deref()).unwrap_or(""),
                    &opz(i.and_then(|i| i.valida_al)),
                ])?;
            }
            String::from_utf8(w.into_inner()?)?
        }
        Formato::Testo => {
            let mut s = format!("{} domande con ISEE in scadenza o assente\n", domande.len());
            for d in domande {
                let mut stato = match &d.isee {
                    None => "nessun ISEE".to_string(),
                    Some(i) => match i.valida_al {
                        None => format!("ISEE {} senza data di scadenza", i.isee),
                        Some(al) => format!("ISEE {} valido fino al {al}", i.isee),
                    },
                };
                // An ISEE of another type than the service requires is not usable
                // for it (e.g. an ordinario for a nido, which needs the minorenni).
                if let Some(i) = &d.isee
                    && i.tipo != d.tipo_richiesto
                {
                    stato.push_str(&format!(
                        "; ATTENZIONE: ISEE {} presentato, il servizio richiede l'ISEE {}",
                        i.tipo.nome(),
                        d.tipo_richiesto.nome()
                    ));
                }
                s.push_str(&format!(
                    "{} {} {} {} ({}): {stato}\n",
                    d.ente,
                    d.id,
                    d.servizio,
                    d.codice_fiscale.mascherato(),
                    d.tipo_richiesto.nome()
                ));
            }
            s
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "\
ente,id,servizio,codice_fiscale,tipo_richiesto,isee_tipo,isee,ise,isr,isp,scala,protocollo_dsu,data_presentazione_dsu,valida_al,fonte,evidenza
RA,1,nido,RSSMRA85M01H199H,minorenni,minorenni,12345.67,30369.15,,,2.46,INPS-ISEE-2026-00012345A-00,2026-01-20,2026-12-31,consultazione_inps,PDND 77
RA,2,nido,RSSMRA85M01H199X,minorenni,,,,,,,,,,,
RA,3,mensa,RSSMRA85M01H199H,ordinario,ordinario,1.005,,,,,,,,,
RA,4,mensa,RSSMRA85M01H199H,ordinario,,,,,,,,,,,
RA,5,mensa,RSSMRA85M01H199H,ordinario,ordinario,100,,,,,,,2026-02-30,,
";

    #[test]
    fn testo_maschera_il_codice_fiscale() {
        let (ok, _) = leggi_csv(CSV, 7);
        let d: Vec<_> = ok.into_iter().map(|(_, d)| d).collect();
        let t = scrivi_scadenze(&d, Formato::Testo).unwrap();
        assert!(!t.contains("RSSMRA85M01H199H"), "{t}");
        assert!(t.contains("valido fino al 2026-12-31"));
        let c = scrivi_scadenze(&d, Formato::Csv).unwrap();
        assert!(c.contains("RSSMRA85M01H199H"));
    }

    #[test]
    fn importa_e_scadenze_su_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("domande.csv");
        std::fs::write(&csv, CSV).unwrap();
        let db = format!("sqlite://{}", dir.path().join("ente.db").display());
        let codice = esegui(ComandoRegistroEnte::Importa {
            csv,
            db: db.clone(),
        })
        .unwrap();
        assert_eq!(codice, ExitCode::from(1), "righe rifiutate");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let scadenza = rt.block_on(async {
            let r = RegistroDomande::new(StoreDomandeSql::connetti(&db).await.unwrap());
            let v = r.in_scadenza("2027-01-01".parse().unwrap()).await.unwrap();
            v.into_iter().map(|d| d.id).collect::<Vec<_>>()
        });
        assert_eq!(scadenza, ["4", "1"], "senza ISEE prima, poi per scadenza");
        let codice = esegui(ComandoRegistroEnte::Scadenze {
            entro: "2026-06-30".parse().unwrap(),
            db,
            formato: Formato::Json,
        })
        .unwrap();
        assert_eq!(codice, ExitCode::SUCCESS);
    }
}

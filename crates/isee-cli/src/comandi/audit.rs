//! `isee audit …`, over [`isee_accessi`]: key generation, verification, head export,
//! retention, listings; arguments, key and database files, the printed output.
//!
//! Access to the log is itself logged: every command but `chiave` appends a record
//! with `eservizio = "audit"`, `canale = "cli"` and `operazione` = the subcommand. When
//! the server is running it is the writer, so the CLI deposits its record for the
//! server to chain ([`RegistroAccessi::deposita`]) instead of writing the chain itself.
//! A listing is printed only after its record is stored; verification, whose output
//! holds no personal data and is needed most when the database is damaged, is
//! printed even if its record could not be stored (with a warning).

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use isee_accessi::record::{COLONNE_DATI, NuovoAccesso, RecordAccesso};
use isee_accessi::{
    ChiaviAudit, ErroreAccessi, Filtro, OpzioniScrittura, RegistroAccessi, TipoProblema,
};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// The database and the key, common to every command that reads the log.
#[derive(Clone, Debug, clap::Args)]
pub struct DatabaseChiave {
    /// Database: un file SQLite esistente, sqlite://percorso oppure postgres://utente@host/db
    #[arg(long, value_name = "URL")]
    pub db: String,
    /// File della chiave di audit (32 byte in esadecimale)
    #[arg(long, value_name = "FILE")]
    pub chiave: PathBuf,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Formato {
    /// Un oggetto JSON per riga
    #[default]
    Jsonl,
    /// CSV con intestazione
    Csv,
}

/// `isee audit …`
#[derive(Clone, Debug, clap::Subcommand)]
pub enum ComandoAudit {
    /// Genera un nuovo file di chiave (32 byte casuali, permessi 0600; non sovrascrive)
    Chiave {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// Verifica la catena degli accessi (uscita 0 integra, 1 problemi o registro vuoto,
    /// 2 registro assente o illeggibile); apre il database in sola lettura e non crea nulla
    Verifica {
        #[command(flatten)]
        db: DatabaseChiave,
        /// Testa esportata in precedenza con «isee audit testa»: rileva il troncamento della coda
        #[arg(long, value_name = "SEQ:MAC")]
        testa: Option<String>,
        /// Un registro vuoto o assente è atteso (un'installazione nuova): uscita 0 invece di errore
        #[arg(long)]
        vuoto_ammesso: bool,
    },
    /// Stampa la testa della catena (SEQ:MAC) da conservare fuori dal database
    Testa {
        #[command(flatten)]
        db: DatabaseChiave,
    },
    /// Elimina i record più vecchi di N giorni lasciando un'ancora verificabile
    Conserva {
        #[command(flatten)]
        db: DatabaseChiave,
        #[arg(long, value_name = "N")]
        giorni: u32,
    },
    /// Elenca i record (JSON Lines o CSV); il codice fiscale cercato non viene mai stampato
    Elenco {
        #[command(flatten)]
        db: DatabaseChiave,
        /// Codice fiscale cercato (ne viene cercato l'hash con chiave)
        #[arg(long, value_name = "CF")]
        cf: Option<String>,
        /// Codice fiscale dell'operatore (ne viene cercato l'hash con chiave)
        #[arg(long, value_name = "CF")]
        operatore: Option<String>,
        #[arg(long, value_name = "PURPOSE_ID")]
        purpose: Option<String>,
        /// Codice IPA dell'ente
        #[arg(long, value_name = "IPA")]
        ente: Option<String>,
        /// Dal giorno (AAAA-MM-GG, incluso) o dall'istante RFC 3339
        #[arg(long)]
        dal: Option<String>,
        /// Al giorno (AAAA-MM-GG, incluso) o fino all'istante RFC 3339 (escluso)
        #[arg(long)]
        al: Option<String>,
        /// Al massimo N record
        #[arg(long, value_name = "N")]
        limite: Option<u64>,
        #[arg(long, value_enum, default_value_t = Formato::Jsonl)]
        formato: Formato,
    },
}

impl ComandoAudit {
    fn nome(&self) -> &'static str {
        match self {
            ComandoAudit::Chiave { .. } => "chiave",
            ComandoAudit::Verifica { .. } => "verifica",
            ComandoAudit::Testa { .. } => "testa",
            ComandoAudit::Conserva { .. } => "conserva",
            ComandoAudit::Elenco { .. } => "elenco",
        }
    }
}

/// Runs a command on a runtime of its own.
pub fn esegui(cmd: ComandoAudit) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("avvio del runtime")?;
    rt.block_on(esegui_async(cmd))
}

async fn esegui_async(cmd: ComandoAudit) -> anyhow::Result<ExitCode> {
    let inizio = Instant::now();
    let ts = Utc::now();
    let operazione = cmd.nome();
    match cmd {
        ComandoAudit::Chiave { file } => {
            let chiavi = ChiaviAudit::genera_file(&file)?;
            println!(
                "chiave di audit creata in {} (impronta {}): conservarne una copia sicura, \
                 senza di essa il registro non è verificabile",
                file.display(),
                chiavi.impronta()
            );
            Ok(ExitCode::SUCCESS)
        }
        ComandoAudit::Verifica {
            db,
            testa,
            vuoto_ammesso,
        } => {
            let testa = match testa.as_deref().map(leggi_testa).transpose() {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("errore: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            let chiavi = match ChiaviAudit::da_file(&db.chiave) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("errore: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            // Read-only, never created: a typo in the URL must not verify an empty
            // log that verification itself created.
            let url = isee_sql::url_da_percorso(&db.db);
            let lettore = match RegistroAccessi::apri_verifica(&url, chiavi).await {
                Ok(r) => r,
                Err(ErroreAccessi::RegistroAssente(u)) if vuoto_ammesso => {
                    println!(
                        "registro degli accessi assente ({u}): nessun record da verificare \
                         (ammesso da --vuoto-ammesso); nulla è stato creato"
                    );
                    return Ok(ExitCode::SUCCESS);
                }
                Err(e) => {
                    eprintln!("errore: registro degli accessi non leggibile: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            let terminale = std::io::stderr().is_terminal();
            let mut ultima = Instant::now();
            let mut avanzamento = |n: u64| {
                if terminale && ultima.elapsed().as_millis() >= 200 {
                    ultima = Instant::now();
                    eprint!("\rverificati {n} record…");
                }
            };
            let con_testa = testa.is_some();
            let esito = lettore
                .verifica_con_avanzamento(testa, &mut avanzamento)
                .await;
            lettore.chiudi().await;
            if terminale {
                eprint!("\r\x1b[K");
            }
            let vuoto = esito
                .as_ref()
                .is_ok_and(|e| e.record_verificati == 0 && e.ancora.is_none() && e.integro());
            // The access to the log is on record: the log exists, so opening it as
            // usual creates nothing. An empty log stays empty unless it is expected.
            let reg = if vuoto && !vuoto_ammesso {
                None
            } else {
                match apri(&db).await {
                    Ok(r) => Some(r),
                    Err(e) => {
                        eprintln!(
                            "attenzione: l'accesso al registro non è stato registrato: {e:#}"
                        );
                        None
                    }
                }
            };
            let esito = match esito {
                Ok(e) => e,
                Err(e) => {
                    if let Some(reg) = &reg {
                        let _ = annota(reg, operazione, "ERRORE", ts, inizio, None).await;
                        reg.chiudi().await;
                    }
                    eprintln!("errore: registro degli accessi non leggibile: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            if vuoto && !vuoto_ammesso {
                eprintln!(
                    "errore: il registro degli accessi è vuoto (nessun record, nessuna ancora di \
                     conservazione): se è atteso, ripetere con --vuoto-ammesso; altrimenti \
                     controllare l'URL del database"
                );
                return Ok(ExitCode::from(1));
            }
            let Some(reg) = reg else {
                return stampa_verifica(&esito, con_testa, vuoto);
            };
            let risultato = if esito.integro() { "OK" } else { "PROBLEMI" };
            if let Err(e) = annota(&reg, operazione, risultato, ts, inizio, None).await {
                eprintln!("attenzione: l'accesso al registro non è stato registrato: {e}");
            }
            reg.chiudi().await;
            stampa_verifica(&esito, con_testa, vuoto)
        }
        ComandoAudit::Testa { db } => {
            let reg = apri(&db).await?;
            annota(&reg, operazione, "OK", ts, inizio, None).await?;
            let testa = reg.testa().await;
            reg.chiudi().await;
            match testa? {
                Some((seq, mac)) => println!("{seq}:{mac}"),
                None => eprintln!("registro degli accessi vuoto"),
            }
            Ok(ExitCode::SUCCESS)
        }
        ComandoAudit::Conserva { db, giorni } => {
            let reg = apri(&db).await?;
            let esito = reg.conserva(giorni, Utc::now()).await;
            let risultato = if esito.is_ok() { "OK" } else { "ERRORE" };
            let annotato = annota(&reg, operazione, risultato, ts, inizio, None).await;
            reg.chiudi().await;
            let eliminati = esito?;
            annotato?;
            println!("record eliminati: {eliminati} (conservati gli ultimi {giorni} giorni)");
            Ok(ExitCode::SUCCESS)
        }
        ComandoAudit::Elenco {
            db,
            cf,
            operatore,
            purpose,
            ente,
            dal,
            al,
            limite,
            formato,
        } => {
            let dal = dal.as_deref().map(|s| leggi_data(s, false)).transpose()?;
            let al = al.as_deref().map(|s| leggi_data(s, true)).transpose()?;
            let reg = apri(&db).await?;
            let cf_hash = cf.as_deref().map(|c| reg.hash_cf(c));
            let filtro = Filtro {
                dal,
                al,
                purpose_id: purpose,
                ente_ipa: ente,
                cf_hash: cf_hash.clone(),
                operatore_cf_hash: operatore.as_deref().map(|c| reg.hash_cf(c)),
                dopo_seq: None,
                limite: None,
            };
            // Nothing is printed unless the access is on record.
            if let Err(e) = annota(&reg, operazione, "OK", ts, inizio, cf_hash).await {
                reg.chiudi().await;
                return Err(e.into());
            }
            let esito = stampa_elenco(&reg, filtro, limite, formato).await;
            reg.chiudi().await;
            esito?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The summary of a verification and its exit code: 0 intact, 1 problems.
fn stampa_verifica(
    esito: &isee_accessi::EsitoVerifica,
    con_testa: bool,
    vuoto: bool,
) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "record verificati: {}", esito.record_verificati)?;
    if let Some((seq, _)) = &esito.ancora {
        writeln!(out, "verifica dall'ancora di conservazione: record {seq}")?;
    }
    match &esito.testa {
        Some((seq, mac)) => writeln!(out, "testa: {seq}:{mac}")?,
        None => writeln!(out, "testa: registro vuoto")?,
    }
    if vuoto {
        writeln!(out, "registro vuoto (ammesso da --vuoto-ammesso)")?;
    }
    if esito.integro() {
        writeln!(out, "catena integra")?;
        if !con_testa {
            writeln!(
                out,
                "(il troncamento della coda si rileva solo con --testa: esportare la testa regolarmente)"
            )?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "PROBLEMI: {}", esito.problemi_totali)?;
    for p in &esito.problemi {
        writeln!(
            out,
            "  record {:>10}  {:<15}  {}",
            p.seq,
            nome_tipo(p.tipo),
            p.dettaglio
        )?;
    }
    let omessi = esito.problemi_totali - esito.problemi.len() as u64;
    if omessi > 0 {
        writeln!(out, "  … e altri {omessi} problemi")?;
    }
    Ok(ExitCode::from(1))
}

async fn stampa_elenco(
    reg: &RegistroAccessi,
    mut filtro: Filtro,
    limite: Option<u64>,
    formato: Formato,
) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if formato == Formato::Csv {
        let mut intestazione: Vec<&str> = COLONNE_DATI.to_vec();
        intestazione.extend(["mac_precedente", "mac"]);
        writeln!(out, "{}", intestazione.join(","))?;
    }
    let mut scritti: u64 = 0;
    loop {
        let resto = limite.map_or(u64::MAX, |l| l - scritti);
        if resto == 0 {
            break;
        }
        filtro.limite = Some(resto.min(1_000) as u32);
        let pagina = reg.elenca(&filtro).await?;
        let Some(ultimo) = pagina.last() else { break };
        filtro.dopo_seq = Some(ultimo.seq);
        for r in &pagina {
            match formato {
                Formato::Jsonl => writeln!(out, "{}", serde_json::to_string(r)?)?,
                Formato::Csv => writeln!(out, "{}", riga_csv(r)?)?,
            }
        }
        scritti += pagina.len() as u64;
    }
    out.flush()?;
    Ok(())
}

/// One CSV line, in [`COLONNE_DATI`] order (RFC 4180 quoting).
fn riga_csv(r: &RecordAccesso) -> anyhow::Result<String> {
    let v = serde_json::to_value(r)?;
    let mut campi = Vec::with_capacity(COLONNE_DATI.len() + 2);
    for c in COLONNE_DATI.iter().chain(&["mac_precedente", "mac"]) {
        let testo = match v.get(*c) {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(altro) => altro.to_string(),
        };
        campi.push(if testo.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", testo.replace('"', "\"\""))
        } else {
            testo
        });
    }
    Ok(campi.join(","))
}

fn nome_tipo(t: TipoProblema) -> &'static str {
    match t {
        TipoProblema::Alterato => "ALTERATO",
        TipoProblema::Mancante => "MANCANTE",
        TipoProblema::Riordinato => "RIORDINATO",
        TipoProblema::AncoraNonValida => "ANCORA_NON_VALIDA",
        TipoProblema::ChiaveErrata => "CHIAVE_ERRATA",
        TipoProblema::ImprontaAlterata => "IMPRONTA_ALTERATA",
    }
}

fn leggi_testa(s: &str) -> anyhow::Result<(i64, String)> {
    let (seq, mac) = s
        .split_once(':')
        .context("--testa: formato atteso SEQ:MAC (come stampato da «isee audit testa»)")?;
    let seq = seq.trim().parse().context("--testa: SEQ non è un numero")?;
    let mac = mac.trim().to_ascii_lowercase();
    anyhow::ensure!(
        mac.len() == 64 && mac.bytes().all(|b| b.is_ascii_hexdigit()),
        "--testa: MAC di 64 cifre esadecimali atteso"
    );
    Ok((seq, mac))
}

/// A day (`fine`: the day is included, so the limit is the next midnight) or an instant.
fn leggi_data(s: &str, fine: bool) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(g) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let g = if fine { g.succ_opt().unwrap_or(g) } else { g };
        return Ok(g.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    isee_accessi::record::leggi_istante(s)
        .with_context(|| format!("data «{s}» non valida: AAAA-MM-GG oppure RFC 3339"))
}

/// Opens as the writer if no one else is; otherwise (the server is running, or the key
/// is not the log's) read-only, depositing the CLI's own record.
async fn apri(db: &DatabaseChiave) -> anyhow::Result<RegistroAccessi> {
    let chiavi = ChiaviAudit::da_file(&db.chiave)?;
    let url = url_db(&db.db)?;
    match RegistroAccessi::apri(&url, chiavi.clone(), OpzioniScrittura::default()).await {
        Ok(r) => Ok(r),
        Err(
            ErroreAccessi::ScrittoreAttivo(_)
            | ErroreAccessi::ChiaveDiversa { .. }
            | ErroreAccessi::ImprontaAlterata { .. },
        ) => Ok(RegistroAccessi::apri_lettore(&url, chiavi).await?),
        Err(e) => Err(e.into()),
    }
}

/// A plain path names an existing SQLite file (the form the service's configuration
/// uses); auditing must never create an empty log where the real one was expected.
fn url_db(db: &str) -> anyhow::Result<String> {
    let url = isee_sql::url_da_percorso(db);
    let da_percorso = url.strip_prefix("sqlite://") == Some(db);
    anyhow::ensure!(
        !da_percorso || std::path::Path::new(db).is_file(),
        "il registro degli accessi {db} non esiste"
    );
    Ok(url)
}

fn postazione() -> String {
    let utente = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "?".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "?".into());
    format!("{utente}@{host}")
}

/// The record of the CLI's own access to the log.
async fn annota(
    reg: &RegistroAccessi,
    operazione: &str,
    esito: &str,
    ts: DateTime<Utc>,
    inizio: Instant,
    cf_hash: Option<String>,
) -> Result<(), ErroreAccessi> {
    let a = NuovoAccesso {
        eservizio: "audit".into(),
        operazione: operazione.into(),
        canale: "cli".into(),
        esito: esito.into(),
        http_status: 0,
        operatore_postazione: Some(postazione()),
        tipo_ricerca: cf_hash.as_ref().map(|_| "CF".to_string()),
        cf_ricercato_hash: cf_hash,
        latenza_us: inizio.elapsed().as_micros() as i64,
        ts,
        ..NuovoAccesso::default()
    };
    if reg.scrittore() {
        reg.registra(a).await.map(|_| ())
    } else {
        reg.deposita(&a).await
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn testa_da_riga_di_comando() {
        let mac = "Ab".repeat(32);
        assert_eq!(
            leggi_testa(&format!("12:{mac}")).unwrap(),
            (12, "ab".repeat(32))
        );
        assert!(leggi_testa("12").is_err());
        assert!(leggi_testa("x:00").is_err());
        assert!(leggi_testa("1:abc").is_err());
    }

    #[test]
    fn date_incluse() {
        let d = leggi_data("2026-03-10", false).unwrap();
        assert_eq!(
            isee_accessi::testo_istante(&d),
            "2026-03-10T00:00:00.000000Z"
        );
        let a = leggi_data("2026-03-10", true).unwrap();
        assert_eq!(
            isee_accessi::testo_istante(&a),
            "2026-03-11T00:00:00.000000Z"
        );
        let i = leggi_data("2026-03-10T12:00:00+01:00", true).unwrap();
        assert_eq!(
            isee_accessi::testo_istante(&i),
            "2026-03-10T11:00:00.000000Z"
        );
        assert!(leggi_data("10/03/2026", false).is_err());
    }

    #[test]
    fn csv_con_virgolette() {
        let r = RecordAccesso {
            seq: 3,
            accesso: NuovoAccesso {
                eservizio: "indicatore".into(),
                esito: "A,\"B\"".into(),
                http_status: 200,
                id_richiesta: Some(9),
                ..NuovoAccesso::default()
            },
            mac_precedente: "00".into(),
            mac: "ff".into(),
        };
        let riga = riga_csv(&r).unwrap();
        let campi: Vec<&str> = riga.split(',').collect();
        assert_eq!(campi[0], "3");
        assert_eq!(campi[1], "1970-01-01T00:00:00.000000Z");
        assert!(riga.contains(",\"A,\"\"B\"\"\","), "{riga}");
        assert!(riga.ends_with(",00,ff"), "{riga}");
    }
}

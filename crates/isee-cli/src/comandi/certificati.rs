//! `isee certificati …`: the operator's commands for the authority. Synchronous, plain
//! files, output on stdout.

use anyhow::{Context as _, Result};
use isee_tls::autorita::{CertificatoRilasciato, scrivi_nuovo};
use isee_tls::{Autorita, EnteCertificato, TipoCertificato};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use time::OffsetDateTime;

/// The subcommands of `isee certificati`.
#[derive(clap::Subcommand, Clone, Debug)]
pub enum ComandoCertificati {
    /// Crea l'autorità di certificazione (ca.pem, ca-chiave.pem, crl.pem) in una directory
    Ca {
        /// Directory dell'autorità (creata se manca; non sovrascrive una CA esistente)
        #[arg(long)]
        dir: PathBuf,
        /// Nome dell'autorità (CN e O del certificato)
        #[arg(long, default_value = "isee CA di prova")]
        nome: String,
    },
    /// Rilascia il certificato del server HTTPS del servizio
    Server {
        /// Directory dell'autorità
        #[arg(long)]
        dir: PathBuf,
        /// Nome DNS o indirizzo IP del server (ripetibile)
        #[arg(long = "nome", required = true)]
        nomi: Vec<String>,
        /// Giorni di validità
        #[arg(long, default_value_t = 825)]
        giorni: u32,
        /// Prefisso dei file scritti: PREFISSO.pem e PREFISSO-chiave.pem
        #[arg(short = 'o', long = "output")]
        prefisso: PathBuf,
    },
    /// Rilascia il certificato client di un ente (servizi Consultazione Indicatore/Attestazione)
    Client {
        /// Directory dell'autorità
        #[arg(long)]
        dir: PathBuf,
        /// Codice IPA dell'ente (es. c_h199)
        #[arg(long)]
        ipa: String,
        /// Codice fiscale numerico dell'ente (11 cifre)
        #[arg(long)]
        cf: String,
        /// Denominazione dell'ente
        #[arg(long)]
        denominazione: String,
        /// Giorni di validità
        #[arg(long, default_value_t = 365)]
        giorni: u32,
        /// Prefisso dei file scritti: PREFISSO.pem e PREFISSO-chiave.pem
        #[arg(short = 'o', long = "output")]
        prefisso: PathBuf,
    },
    /// Revoca un certificato e riscrive crl.pem
    Revoca {
        /// Directory dell'autorità
        #[arg(long)]
        dir: PathBuf,
        /// Numero di serie in esadecimale (come da `elenco`; ammessi ':' e maiuscole)
        seriale: String,
    },
    /// Elenca i certificati rilasciati con il loro stato
    Elenco {
        /// Directory dell'autorità
        #[arg(long)]
        dir: PathBuf,
    },
}

/// Runs one subcommand.
pub fn esegui(cmd: ComandoCertificati) -> Result<ExitCode> {
    match cmd {
        ComandoCertificati::Ca { dir, nome } => {
            let ca = Autorita::crea(&dir, &nome)
                .with_context(|| format!("creazione dell'autorità in {}", dir.display()))?;
            println!("Autorità «{nome}» creata in {}", dir.display());
            println!(
                "  certificato: {}",
                dir.join(isee_tls::autorita::FILE_CA).display()
            );
            println!(
                "  chiave:      {} (conservarla con cura: chi la possiede rilascia certificati)",
                dir.join(isee_tls::autorita::FILE_CHIAVE_CA).display()
            );
            println!("  CRL:         {}", ca.percorso_crl().display());
        }
        ComandoCertificati::Server {
            dir,
            nomi,
            giorni,
            prefisso,
        } => {
            let ca = carica(&dir)?;
            let (cert, chiave) = percorsi(&prefisso)?;
            let c = ca
                .rilascia_server(&nomi, giorni)
                .context("rilascio del certificato server")?;
            scrivi(&c, &cert, &chiave)?;
            println!("Certificato server per {} rilasciato", nomi.join(", "));
            stampa(&c, &cert, &chiave);
        }
        ComandoCertificati::Client {
            dir,
            ipa,
            cf,
            denominazione,
            giorni,
            prefisso,
        } => {
            let ca = carica(&dir)?;
            let (cert, chiave) = percorsi(&prefisso)?;
            let ente = EnteCertificato {
                codice_ipa: ipa,
                codice_fiscale: cf,
                denominazione,
            };
            let c = ca
                .rilascia_client(&ente, giorni)
                .context("rilascio del certificato client")?;
            scrivi(&c, &cert, &chiave)?;
            println!(
                "Certificato client per «{}» ({}) rilasciato",
                ente.denominazione, ente.codice_ipa
            );
            stampa(&c, &cert, &chiave);
        }
        ComandoCertificati::Revoca { dir, seriale } => {
            let ca = carica(&dir)?;
            let gia = ca.rilasciati()?.iter().any(|r| {
                r.revocato && r.seriale == isee_tls::autorita::normalizza_seriale(&seriale)
            });
            ca.revoca(&seriale)?;
            if gia {
                println!("Il certificato {seriale} era già revocato; CRL riscritta");
            } else {
                println!("Certificato {seriale} revocato");
            }
            println!("  CRL: {}", ca.percorso_crl().display());
            println!("  Il servizio applica la revoca quando carica la nuova CRL (riavvio).");
        }
        ComandoCertificati::Elenco { dir } => {
            let ca = carica(&dir)?;
            let adesso = OffsetDateTime::now_utc();
            let rilasci = ca.rilasciati()?;
            if rilasci.is_empty() {
                println!("Nessun certificato rilasciato");
            }
            for r in rilasci {
                let stato = if r.revocato {
                    "revocato"
                } else if r.scadenza < adesso {
                    "scaduto"
                } else {
                    "valido"
                };
                let tipo = match r.tipo {
                    TipoCertificato::Client => "client",
                    TipoCertificato::Server => "server",
                };
                let ente = match (&r.ipa, &r.cf) {
                    (Some(ipa), Some(cf)) => format!("{ipa} {cf} "),
                    _ => String::new(),
                };
                println!(
                    "{}  {tipo:6}  {stato:8}  scade {}  {ente}{}",
                    r.seriale,
                    r.scadenza.date(),
                    r.soggetto
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn carica(dir: &Path) -> Result<Autorita> {
    Autorita::carica(dir).with_context(|| {
        format!(
            "autorità in {} (crearla con `isee certificati ca --dir …`)",
            dir.display()
        )
    })
}

fn percorsi(prefisso: &Path) -> Result<(PathBuf, PathBuf)> {
    let mut cert = prefisso.as_os_str().to_owned();
    cert.push(".pem");
    let mut chiave = prefisso.as_os_str().to_owned();
    chiave.push("-chiave.pem");
    let (cert, chiave) = (PathBuf::from(cert), PathBuf::from(chiave));
    // Checked before issuing, so a refused output does not leave a record of a
    // certificate nobody received.
    for p in [&cert, &chiave] {
        anyhow::ensure!(
            !p.exists(),
            "{} esiste già: non lo sovrascrivo",
            p.display()
        );
    }
    Ok((cert, chiave))
}

fn scrivi(c: &CertificatoRilasciato, cert: &Path, chiave: &Path) -> Result<()> {
    scrivi_nuovo(chiave, &c.chiave_pem, true)?;
    scrivi_nuovo(cert, &c.cert_pem, false)?;
    Ok(())
}

fn stampa(c: &CertificatoRilasciato, cert: &Path, chiave: &Path) {
    println!("  seriale:  {}", c.seriale);
    println!("  SHA-256:  {}", c.impronta_sha256);
    println!("  scadenza: {}", c.scadenza);
    println!("  file:     {} , {}", cert.display(), chiave.display());
}

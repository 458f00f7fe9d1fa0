//! `isee certificati …`: the operator's commands for the authority. Synchronous, plain
//! files, output on stdout.

use anyhow::{Context as _, Result};
use isee_tls::autorita::{CertificatoRilasciato, scrivi_nuovo};
use isee_tls::{AlgoritmoChiave, Autorita, EnteCertificato, TipoCertificato, crea_richiesta};
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
        /// Tipo di chiave generata: ec-p256, rsa-2048 o rsa-3072 (RSA per i client Java)
        #[arg(long, default_value = "ec-p256", value_parser = algoritmo)]
        algoritmo: AlgoritmoChiave,
        /// Prefisso dei file scritti: PREFISSO.pem e PREFISSO-chiave.pem
        #[arg(short = 'o', long = "output")]
        prefisso: PathBuf,
    },
    /// Lato ente: crea una chiave privata e la richiesta di certificato (CSR) da inviare all'autorità
    Csr {
        /// File della chiave privata da creare (PKCS#8 PEM, permessi 0600): resta all'ente
        #[arg(long)]
        chiave: PathBuf,
        /// File della richiesta da creare (PEM)
        #[arg(long)]
        csr: PathBuf,
        /// Nome comune (CN) della richiesta, di solito la denominazione dell'ente
        #[arg(long)]
        cn: String,
        /// Tipo di chiave: ec-p256, rsa-2048 o rsa-3072
        #[arg(long, default_value = "rsa-2048", value_parser = algoritmo)]
        algoritmo: AlgoritmoChiave,
    },
    /// Lato autorità: firma la richiesta (CSR) di un ente e rilascia il certificato client, senza vederne la chiave
    Firma {
        /// Directory dell'autorità
        #[arg(long)]
        dir: PathBuf,
        /// La richiesta dell'ente (PEM)
        #[arg(long)]
        csr: PathBuf,
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
        /// File del certificato da scrivere (PEM)
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
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
            algoritmo,
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
                .rilascia_client_con(&ente, giorni, algoritmo)
                .context("rilascio del certificato client")?;
            scrivi(&c, &cert, &chiave)?;
            println!(
                "Certificato client per «{}» ({}) rilasciato, chiave {algoritmo}",
                ente.denominazione, ente.codice_ipa
            );
            stampa(&c, &cert, &chiave);
        }
        ComandoCertificati::Csr {
            chiave,
            csr,
            cn,
            algoritmo,
        } => {
            for p in [&chiave, &csr] {
                anyhow::ensure!(
                    !p.exists(),
                    "{} esiste già: non lo sovrascrivo",
                    p.display()
                );
            }
            let r = crea_richiesta(&cn, algoritmo).context("creazione della richiesta")?;
            scrivi_nuovo(&chiave, &r.chiave_pem, true)?;
            scrivi_nuovo(&csr, &r.csr_pem, false)?;
            println!(
                "Richiesta di certificato per «{}» creata, chiave {algoritmo}",
                cn.trim()
            );
            println!(
                "  chiave:    {} (resta all'ente: non inviarla)",
                chiave.display()
            );
            println!("  richiesta: {} (da inviare all'autorità)", csr.display());
        }
        ComandoCertificati::Firma {
            dir,
            csr,
            ipa,
            cf,
            denominazione,
            giorni,
            output,
        } => {
            let ca = carica(&dir)?;
            anyhow::ensure!(
                !output.exists(),
                "{} esiste già: non lo sovrascrivo",
                output.display()
            );
            let testo = std::fs::read_to_string(&csr)
                .with_context(|| format!("lettura della richiesta {}", csr.display()))?;
            let ente = EnteCertificato {
                codice_ipa: ipa,
                codice_fiscale: cf,
                denominazione,
            };
            let c = ca
                .firma_csr(&testo, &ente, giorni)
                .with_context(|| format!("firma della richiesta {}", csr.display()))?;
            scrivi_nuovo(&output, &c.cert_pem, false)?;
            println!(
                "Certificato client per «{}» ({}) rilasciato dalla richiesta, chiave {}",
                ente.denominazione, ente.codice_ipa, c.chiave
            );
            if let Some(cn) = c.cn_richiesto.as_deref()
                && cn != ente.denominazione.trim()
            {
                println!(
                    "  attenzione: la richiesta indicava CN «{cn}»; il certificato porta i dati dell'ente indicati qui"
                );
            }
            println!("  seriale:  {}", c.seriale);
            println!("  SHA-256:  {}", c.impronta_sha256);
            println!("  scadenza: {}", c.scadenza);
            println!("  file:     {}", output.display());
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
                let chiave = match (&r.chiave, r.da_csr) {
                    (Some(k), true) => format!("{k}, da CSR  "),
                    (Some(k), false) => format!("{k}  "),
                    (None, _) => String::new(),
                };
                println!(
                    "{}  {tipo:6}  {stato:8}  scade {}  {chiave}{ente}{}",
                    r.seriale,
                    r.scadenza.date(),
                    r.soggetto
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn algoritmo(s: &str) -> Result<AlgoritmoChiave, String> {
    s.parse().map_err(|e: isee_tls::ErroreTls| e.to_string())
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

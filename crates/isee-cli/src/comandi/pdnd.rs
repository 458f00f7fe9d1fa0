//! The `isee pdnd …` subcommands: set up and run a local PDND, and act as a consumer
//! against it (client assertion, tracking evidence, the whole voucher exchange).
//!
//! Identifiers are printed alone on stdout so scripts can capture them; everything
//! meant for a person goes to stderr.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use uuid::Uuid;

use isee_pdnd::asserzione::{crea_asserzione, richiedi_voucher};
use isee_pdnd::evidenza::{DatiEvidenza, LivelloAssicurazione, crea_evidenza};
use isee_pdnd::jwk::{ChiavePrivata, Jwk};
use isee_pdnd::server::{FILE_CHIAVE, FILE_STATO, servi};
use isee_pdnd::stato::{Client, EServizio, Finalita, StatoPdnd, Tenant};

#[derive(Debug, clap::Subcommand)]
pub enum ComandoPdnd {
    /// Crea un PDND locale: chiave di firma e stato vuoto (non sovrascrive).
    Inizializza {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value = "pdnd.isee.local")]
        issuer: String,
    },
    /// Registra un ente (tenant); stampa il suo UUID.
    Tenant {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        nome: String,
        /// Codice IPA dell'ente.
        #[arg(long)]
        ipa: String,
    },
    /// Registra un e-service con il suo descrittore; stampa il suo UUID.
    Eservizio {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        nome: String,
        /// Audience del descrittore (l'aud dei voucher).
        #[arg(long)]
        audience: String,
        /// UUID del tenant erogatore.
        #[arg(long)]
        producer: Uuid,
        #[arg(long)]
        id: Option<Uuid>,
        #[arg(long)]
        descriptor: Option<Uuid>,
        /// Durata dei voucher in secondi.
        #[arg(long, default_value_t = 600)]
        durata: i64,
    },
    /// Registra un client di un tenant fruitore; stampa il suo UUID.
    Client {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        nome: String,
        #[arg(long)]
        tenant: Uuid,
    },
    /// Aggiunge una chiave pubblica a un client; stampa il kid.
    #[command(group(clap::ArgGroup::new("sorgente").required(true).args(["pem", "genera"])))]
    Chiave {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        client: Uuid,
        /// PEM con la chiave pubblica (o privata, di cui si registra la parte pubblica).
        #[arg(long)]
        pem: Option<PathBuf>,
        /// Genera una nuova chiave RSA 2048, scrive la privata in questo file.
        #[arg(long)]
        genera: Option<PathBuf>,
    },
    /// Registra una finalità attiva di un fruitore su un e-service; stampa il suo UUID.
    Finalita {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        tenant: Uuid,
        #[arg(long)]
        eservizio: Uuid,
        #[arg(long)]
        chiamate_giornaliere: u32,
        #[arg(long)]
        nome: Option<String>,
    },
    /// Avvia il PDND locale.
    Serve {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8444")]
        addr: SocketAddr,
        #[command(flatten)]
        ascolto: crate::comandi::serve::ArgsAscolto,
    },
    /// Stampa una client assertion firmata (lato fruitore).
    Asserzione {
        #[arg(long)]
        client: Uuid,
        /// Chiave privata PEM del client.
        #[arg(long)]
        chiave: PathBuf,
        #[arg(long)]
        finalita: Uuid,
        #[arg(long, default_value = "pdnd.isee.local/client-assertion")]
        aud: String,
        /// SHA-256 esadecimale della TrackingEvidence (AUDIT_REST_02).
        #[arg(long)]
        digest: Option<String>,
        #[arg(long, default_value_t = 300)]
        durata_s: i64,
    },
    /// Stampa una Agid-JWT-TrackingEvidence firmata; su stderr il suo digest.
    Evidenza {
        #[arg(long)]
        client: Uuid,
        #[arg(long)]
        chiave: PathBuf,
        /// Audience dell'e-service.
        #[arg(long)]
        aud: String,
        #[arg(long)]
        finalita: Uuid,
        /// Codice fiscale dell'operatore.
        #[arg(long)]
        operatore: String,
        #[arg(long, default_value = "SpidL2")]
        loa: String,
        /// Identificativo della postazione.
        #[arg(long)]
        postazione: String,
        /// Asserzione SPID/CIE in base64 (se assente, un valore dimostrativo).
        #[arg(long)]
        asserzione_idp: Option<String>,
        #[arg(long, default_value_t = 300)]
        durata_s: i64,
    },
    /// Ottiene un voucher dal PDND (asserzione → token) e stampa l'access token.
    Voucher {
        /// URL base del PDND, es. http://127.0.0.1:8444
        #[arg(long)]
        pdnd: String,
        #[arg(long)]
        client: Uuid,
        #[arg(long)]
        chiave: PathBuf,
        #[arg(long)]
        finalita: Uuid,
        #[arg(long, default_value = "pdnd.isee.local/client-assertion")]
        aud: String,
        /// TrackingEvidence da legare al voucher (ne mette il digest nell'asserzione).
        #[arg(long)]
        evidenza: Option<String>,
    },
}

fn stato_di(dir: &Path) -> PathBuf {
    dir.join(FILE_STATO)
}

fn modifica(
    dir: &Path,
    f: impl FnOnce(&mut StatoPdnd) -> anyhow::Result<String>,
) -> anyhow::Result<ExitCode> {
    let p = stato_di(dir);
    let mut stato = StatoPdnd::carica(&p).with_context(|| {
        format!(
            "{} non è un PDND locale (usare «isee pdnd inizializza»)",
            dir.display()
        )
    })?;
    let uscita = f(&mut stato)?;
    stato.salva(&p)?;
    println!("{uscita}");
    Ok(ExitCode::SUCCESS)
}

fn leggi_chiave(p: &Path) -> anyhow::Result<ChiavePrivata> {
    let pem = std::fs::read_to_string(p).with_context(|| format!("lettura di {}", p.display()))?;
    ChiavePrivata::da_pem(&pem).with_context(|| format!("chiave in {}", p.display()))
}

/// Writes a private key, refusing to overwrite and readable by the owner only.
fn scrivi_privata(p: &Path, chiave: &ChiavePrivata) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut opzioni = std::fs::OpenOptions::new();
    opzioni.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opzioni.mode(0o600);
    }
    let mut f = opzioni
        .open(p)
        .with_context(|| format!("creazione di {} (esiste già?)", p.display()))?;
    f.write_all(chiave.in_pem().as_bytes())?;
    Ok(())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

pub fn esegui(cmd: ComandoPdnd) -> anyhow::Result<ExitCode> {
    match cmd {
        ComandoPdnd::Inizializza { dir, issuer } => {
            let (ps, pk) = (stato_di(&dir), dir.join(FILE_CHIAVE));
            if ps.exists() || pk.exists() {
                bail!(
                    "{} contiene già un PDND locale: non lo sovrascrivo",
                    dir.display()
                );
            }
            std::fs::create_dir_all(&dir)?;
            let chiave = ChiavePrivata::genera()?;
            scrivi_privata(&pk, &chiave)?;
            StatoPdnd::nuovo(&issuer).salva(&ps)?;
            eprintln!(
                "PDND locale creato in {}: issuer «{issuer}», audience delle asserzioni «{issuer}/client-assertion», kid {}",
                dir.display(),
                chiave.kid()
            );
            Ok(ExitCode::SUCCESS)
        }
        ComandoPdnd::Tenant { dir, nome, ipa } => modifica(&dir, |s| {
            let id = Uuid::new_v4();
            s.tenants.push(Tenant {
                id,
                nome,
                codice_ipa: ipa,
            });
            Ok(id.to_string())
        }),
        ComandoPdnd::Eservizio {
            dir,
            nome,
            audience,
            producer,
            id,
            descriptor,
            durata,
        } => modifica(&dir, |s| {
            if s.tenant(producer).is_none() {
                bail!("il tenant erogatore {producer} non esiste");
            }
            if durata <= 0 {
                bail!("la durata dei voucher deve essere positiva");
            }
            let id = id.unwrap_or_else(Uuid::new_v4);
            if s.eservizio(id).is_some() {
                bail!("l'e-service {id} esiste già");
            }
            s.eservices.push(EServizio {
                id,
                nome,
                descriptor_id: descriptor.unwrap_or_else(Uuid::new_v4),
                audience,
                producer_id: producer,
                durata_voucher_s: durata,
            });
            Ok(id.to_string())
        }),
        ComandoPdnd::Client { dir, nome, tenant } => modifica(&dir, |s| {
            if s.tenant(tenant).is_none() {
                bail!("il tenant {tenant} non esiste");
            }
            let id = Uuid::new_v4();
            s.clients.push(Client {
                id,
                nome,
                consumer_id: tenant,
                chiavi: Vec::new(),
            });
            Ok(id.to_string())
        }),
        ComandoPdnd::Chiave {
            dir,
            client,
            pem,
            genera,
        } => {
            let p = stato_di(&dir);
            let mut stato = StatoPdnd::carica(&p)?;
            if stato.client(client).is_none() {
                bail!("il client {client} non esiste");
            }
            let jwk: Jwk = match (pem, genera) {
                (Some(pem), _) => {
                    let testo = std::fs::read_to_string(&pem)
                        .with_context(|| format!("lettura di {}", pem.display()))?;
                    Jwk::da_pem(&testo)?
                }
                (None, Some(out)) => {
                    let chiave = ChiavePrivata::genera()?;
                    scrivi_privata(&out, &chiave)?;
                    chiave.jwk_pubblica()
                }
                (None, None) => bail!("indicare --pem o --genera"),
            };
            if stato.chiave_client(&jwk.kid).is_some() {
                bail!("la chiave {} è già registrata", jwk.kid);
            }
            let kid = jwk.kid.clone();
            if let Some(c) = stato.clients.iter_mut().find(|c| c.id == client) {
                c.chiavi.push(jwk);
            }
            stato.salva(&p)?;
            println!("{kid}");
            Ok(ExitCode::SUCCESS)
        }
        ComandoPdnd::Finalita {
            dir,
            tenant,
            eservizio,
            chiamate_giornaliere,
            nome,
        } => modifica(&dir, |s| {
            if s.tenant(tenant).is_none() {
                bail!("il tenant {tenant} non esiste");
            }
            let Some(es) = s.eservizio(eservizio) else {
                bail!("l'e-service {eservizio} non esiste");
            };
            let nome = nome.unwrap_or_else(|| format!("Finalità per {}", es.nome));
            let id = Uuid::new_v4();
            s.purposes.push(Finalita {
                id,
                nome,
                consumer_id: tenant,
                eservice_id: eservizio,
                chiamate_giornaliere,
                attiva: true,
            });
            Ok(id.to_string())
        }),
        ComandoPdnd::Serve { dir, addr, ascolto } => {
            super::serve::telemetria();
            runtime()?.block_on(servi(
                &dir,
                addr,
                ascolto.limiti(),
                isee_http::server::shutdown_signal(),
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        ComandoPdnd::Asserzione {
            client,
            chiave,
            finalita,
            aud,
            digest,
            durata_s,
        } => {
            let chiave = leggi_chiave(&chiave)?;
            let a = crea_asserzione(
                &chiave,
                &client.to_string(),
                &finalita.to_string(),
                &aud,
                digest.as_deref(),
                isee_pdnd::adesso_unix(),
                durata_s,
            )?;
            println!("{a}");
            Ok(ExitCode::SUCCESS)
        }
        ComandoPdnd::Evidenza {
            client,
            chiave,
            aud,
            finalita,
            operatore,
            loa,
            postazione,
            asserzione_idp,
            durata_s,
        } => {
            let chiave = leggi_chiave(&chiave)?;
            let loa = LivelloAssicurazione::da_testo(&loa).map_err(|_| {
                anyhow::anyhow!("livello «{loa}» non ammesso: SpidL2, SpidL3 o CIE")
            })?;
            let asserzione_idp = asserzione_idp.unwrap_or_else(|| {
                base64::engine::general_purpose::STANDARD
                    .encode("asserzione SPID dimostrativa: non firmata da un IdP")
            });
            let e = crea_evidenza(
                &chiave,
                &DatiEvidenza {
                    client_id: client.to_string(),
                    aud,
                    purpose_id: finalita.to_string(),
                    operatore,
                    loa,
                    postazione,
                    asserzione_idp,
                    iat: isee_pdnd::adesso_unix(),
                    durata_s,
                },
            )?;
            println!("{e}");
            eprintln!("{}", isee_pdnd::sha256_hex(e.as_bytes()));
            Ok(ExitCode::SUCCESS)
        }
        ComandoPdnd::Voucher {
            pdnd,
            client,
            chiave,
            finalita,
            aud,
            evidenza,
        } => {
            let chiave = leggi_chiave(&chiave)?;
            let digest = evidenza
                .as_deref()
                .map(|e| isee_pdnd::sha256_hex(e.trim().as_bytes()));
            let a = crea_asserzione(
                &chiave,
                &client.to_string(),
                &finalita.to_string(),
                &aud,
                digest.as_deref(),
                isee_pdnd::adesso_unix(),
                300,
            )?;
            let r = runtime()?.block_on(richiedi_voucher(&pdnd, &client.to_string(), &a))?;
            println!("{}", r.access_token);
            Ok(ExitCode::SUCCESS)
        }
    }
}

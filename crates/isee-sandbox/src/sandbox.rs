//! A complete local environment for the consultation e-services, in one directory:
//! a local PDND (signing key, the 9 e-services, enti as tenants, clients with keys,
//! purposes with quotas), a CA with the server's and an ente's client certificate,
//! the IPA/ISTAT sample imported, an authorised operator, the access-log key and the
//! service configuration. `isee demo`, the tests and the load test all start here,
//! so what they exercise is what an integrator gets.

use anyhow::{Context, Result};
use chrono::NaiveDate;
use isee_consultazione::catalogo::{CATALOGO, EServizio, NAMESPACE_ISEE};
use isee_consultazione::configurazione::{
    Configurazione, SezioneAccessi, SezioneEnti, SezionePdnd, SezioneRegistro, SezioneTls,
    soglie_predefinite, url_db,
};
use isee_enti::{NuovaAbilitazione, StoreEnti};
use isee_pdnd::jwk::{ChiavePrivata, JwkSet};
use isee_pdnd::stato::{Client, EServizio as EServizioPdnd, Finalita, StatoPdnd, Tenant};
use isee_tls::{Autorita, EnteCertificato};
use serde::Serialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// The IPA and ISTAT extracts shipped with `isee-enti` (dated, real formats).
pub const IPA_CAMPIONE: &[u8] = include_bytes!("../../isee-enti/dati/ipa-enti-2026-10-01.json");
pub const ISTAT_CAMPIONE: &[u8] =
    include_bytes!("../../isee-enti/dati/istat-comuni-2026-10-01.csv");
const DATA_CAMPIONE: (i32, u32, u32) = (2026, 10, 1);

/// The PDND issuer and client-assertion audience of the local PDND.
pub const ISSUER_LOCALE: &str = "pdnd.isee.local";
pub const BASE_AUDIENCE_LOCALE: &str = "api.isee.local/pdnd/soap/ConsultazioneISEE/v2";

/// The fiscal code of the sandbox's authorised operator (a syntactically valid,
/// invented code).
pub const OPERATORE_DEMO: &str = "VRDLGU80A01H183S";

#[derive(Clone, Debug)]
pub struct OpzioniSandbox {
    pub dir: PathBuf,
    /// The DSU register the service reads (SQLite path or postgres:// URL).
    pub db_registro: String,
    pub indirizzo: SocketAddr,
    /// Serve HTTPS with client certificates (the certificate e-services need it).
    pub tls: bool,
    /// Daily calls of every purpose.
    pub chiamate_giornaliere: u32,
}

/// One consumer ente of the sandbox.
#[derive(Clone, Debug, Serialize)]
pub struct Fruitore {
    pub nome: String,
    pub codice_ipa: String,
    pub tenant_id: Uuid,
    pub client_id: Uuid,
    /// The client's private key (PEM), for client assertions and evidence.
    pub chiave: PathBuf,
    /// (e-service slug, purpose id).
    pub finalita: Vec<(String, Uuid)>,
    /// Client certificate and key (PEM paths), when the ente has one.
    pub certificato: Option<(PathBuf, PathBuf)>,
}

impl Fruitore {
    pub fn finalita_per(&self, eservizio: &str) -> Option<Uuid> {
        self.finalita
            .iter()
            .find(|(e, _)| e == eservizio)
            .map(|(_, f)| *f)
    }
}

#[derive(Clone, Debug)]
pub struct Sandbox {
    pub dir: PathBuf,
    pub configurazione: Configurazione,
    pub percorso_configurazione: PathBuf,
    pub dir_pdnd: PathBuf,
    pub ca: PathBuf,
    pub fruitori: Vec<Fruitore>,
}

impl Sandbox {
    pub fn fruitore(&self, ipa: &str) -> Option<&Fruitore> {
        self.fruitori.iter().find(|f| f.codice_ipa == ipa)
    }
}

/// Who the sandbox registers and for which e-services.
struct Piano {
    ipa: &'static str,
    nome: &'static str,
    eservizi: &'static [&'static str],
    certificato: bool,
}

const TUTTI: &[&str] = &[
    "indicatore",
    "attestazione",
    "indicatore-residenti",
    "attestazione-residenti",
    "indicatore-riscontro",
    "nucleo-riscontro",
    "indicatore-operatori",
    "attestazione-operatori",
    "dichiarazione",
];

const PIANO: &[Piano] = &[
    // A capoluogo with the INPS-style client certificate: every e-service.
    Piano {
        ipa: "c_h199",
        nome: "Comune di Ravenna",
        eservizi: TUTTI,
        certificato: true,
    },
    // A Comune that is not a capoluogo: everything but the certificate services
    // works; those are refused with COMUNE_NON_CAPOLUOGO.
    Piano {
        ipa: "c_h183",
        nome: "Comune di Rapallo",
        eservizi: TUTTI,
        certificato: true,
    },
    // An ASL (L7): allowed everywhere but on the Residenti services (Comuni only).
    Piano {
        ipa: "ausl_rom",
        nome: "Azienda USL della Romagna",
        eservizi: &["indicatore", "indicatore-riscontro", "indicatore-residenti"],
        certificato: true,
    },
    // An Unione di Comuni (L18): not among message 3269's categories.
    Piano {
        ipa: "u_romfae",
        nome: "Unione della Romagna Faentina",
        eservizi: &["indicatore-riscontro"],
        certificato: false,
    },
];

pub fn producer_inps() -> Uuid {
    Uuid::new_v5(&NAMESPACE_ISEE, b"INPS")
}

fn eservizio_pdnd(e: &EServizio) -> EServizioPdnd {
    EServizioPdnd {
        id: e.id(),
        nome: e.nome.to_string(),
        descriptor_id: e.descriptor_id(),
        audience: e.audience(BASE_AUDIENCE_LOCALE),
        producer_id: producer_inps(),
        durata_voucher_s: 600,
    }
}

/// Creates the sandbox in `o.dir` (which must not already hold one).
pub async fn prepara(o: &OpzioniSandbox) -> Result<Sandbox> {
    let dir = &o.dir;
    std::fs::create_dir_all(dir).with_context(|| format!("creazione di {}", dir.display()))?;
    let percorso_configurazione = dir.join("consultazione.toml");
    anyhow::ensure!(
        !percorso_configurazione.exists(),
        "{} contiene già una sandbox",
        dir.display()
    );
    let dir_pdnd = dir.join("pdnd");
    let dir_ca = dir.join("ca");
    let dir_fruitori = dir.join("fruitori");
    std::fs::create_dir_all(&dir_pdnd)?;
    std::fs::create_dir_all(&dir_fruitori)?;

    // The PDND: signing key, e-services, tenants, clients, purposes.
    let chiave_pdnd = ChiavePrivata::genera()?;
    scrivi_privato(&dir_pdnd.join("chiave-pdnd.pem"), &chiave_pdnd.in_pem())?;
    let mut stato = StatoPdnd {
        issuer: ISSUER_LOCALE.to_string(),
        audience_asserzione: format!("{ISSUER_LOCALE}/client-assertion"),
        tenants: Vec::new(),
        eservices: CATALOGO.iter().map(eservizio_pdnd).collect(),
        clients: Vec::new(),
        purposes: Vec::new(),
    };
    stato.tenants.push(Tenant {
        id: producer_inps(),
        nome: "Istituto Nazionale della Previdenza Sociale".into(),
        codice_ipa: "inps".into(),
    });

    let autorita = if o.tls {
        Some(Autorita::crea(
            &dir_ca,
            "isee — CA dei certificati client (sandbox)",
        )?)
    } else {
        None
    };
    let mut fruitori = Vec::new();
    for p in PIANO {
        let tenant_id = Uuid::new_v4();
        let client_id = Uuid::new_v4();
        let chiave = ChiavePrivata::genera()?;
        let percorso_chiave = dir_fruitori.join(format!("{}-client.pem", p.ipa));
        scrivi_privato(&percorso_chiave, &chiave.in_pem())?;
        stato.tenants.push(Tenant {
            id: tenant_id,
            nome: p.nome.into(),
            codice_ipa: p.ipa.into(),
        });
        stato.clients.push(Client {
            id: client_id,
            nome: format!("{} — gestionale", p.nome),
            consumer_id: tenant_id,
            chiavi: vec![chiave.jwk_pubblica()],
        });
        let mut finalita = Vec::new();
        for codice in p.eservizi {
            let e =
                isee_consultazione::catalogo::per_codice(codice).context("e-service del piano")?;
            let id = Uuid::new_v4();
            stato.purposes.push(Finalita {
                id,
                nome: format!("{} — {}", p.nome, e.nome),
                consumer_id: tenant_id,
                eservice_id: e.id(),
                chiamate_giornaliere: o.chiamate_giornaliere,
                attiva: true,
            });
            finalita.push((codice.to_string(), id));
        }
        let certificato = match (&autorita, p.certificato) {
            (Some(ca), true) => {
                let ente = enti_campione()?
                    .per_ipa(p.ipa)
                    .cloned()
                    .with_context(|| format!("{} non è nel campione IPA", p.ipa))?;
                let c = ca.rilascia_client(
                    &EnteCertificato {
                        codice_ipa: p.ipa.into(),
                        codice_fiscale: ente.codice_fiscale.clone(),
                        denominazione: p.nome.into(),
                    },
                    365,
                )?;
                let cert = dir_fruitori.join(format!("{}-cert.pem", p.ipa));
                let key = dir_fruitori.join(format!("{}-cert-chiave.pem", p.ipa));
                std::fs::write(&cert, &c.cert_pem)?;
                scrivi_privato(&key, &c.chiave_pem)?;
                Some((cert, key))
            }
            _ => None,
        };
        fruitori.push(Fruitore {
            nome: p.nome.into(),
            codice_ipa: p.ipa.into(),
            tenant_id,
            client_id,
            chiave: percorso_chiave,
            finalita,
            certificato,
        });
    }
    stato.salva(&dir_pdnd.join("stato.json"))?;
    let jwks = JwkSet {
        keys: vec![chiave_pdnd.jwk_pubblica()],
    };
    std::fs::write(
        dir_pdnd.join("jwks.json"),
        serde_json::to_vec_pretty(&jwks)?,
    )?;
    std::fs::write(
        dir_fruitori.join("fruitori.json"),
        serde_json::to_vec_pretty(&fruitori)?,
    )?;

    // TLS: the server certificate, signed by the same CA the clients trust.
    let tls = match &autorita {
        Some(ca) => {
            let s = ca.rilascia_server(&["localhost".to_string(), "127.0.0.1".to_string()], 825)?;
            let cert = dir.join("tls-server.pem");
            let key = dir.join("tls-server-chiave.pem");
            std::fs::write(&cert, &s.cert_pem)?;
            scrivi_privato(&key, &s.chiave_pem)?;
            let crl = ca.scrivi_crl()?;
            Some(SezioneTls {
                certificato: cert,
                chiave: key,
                ca_client: dir_ca.join("ca.pem"),
                crl: Some(crl),
            })
        }
        None => None,
    };

    // The enti register: the IPA/ISTAT extract and one authorised operator.
    let db_enti = dir.join("enti.db");
    let registro_enti = StoreEnti::apri(&url_db(&db_enti.display().to_string())).await?;
    registro_enti
        .sostituisci_anagrafe(&enti_campione()?, "campione isee-enti 2026-10-01")
        .await?;
    registro_enti
        .abilita(NuovaAbilitazione {
            codice_fiscale_operatore: OPERATORE_DEMO.into(),
            ente_ipa: "c_h183".into(),
            eservizi: vec![
                "indicatore-operatori".into(),
                "attestazione-operatori".into(),
                "dichiarazione".into(),
            ],
            dal: NaiveDate::from_ymd_opt(2026, 1, 1).context("data")?,
            al: NaiveDate::from_ymd_opt(2027, 12, 31).context("data")?,
            riferimento: Some("MV62-SANDBOX-0001".into()),
        })
        .await
        .map_err(|e| anyhow::anyhow!("abilitazione dell'operatore di prova: {e:?}"))?;

    let chiave_accessi = dir.join("accessi.chiave");
    isee_accessi::ChiaviAudit::genera_file(&chiave_accessi)?;

    let configurazione = Configurazione {
        indirizzo: o.indirizzo,
        base_audience: BASE_AUDIENCE_LOCALE.into(),
        // The WSDL's soap:address: where this sandbox listens.
        indirizzo_pubblico: Some(format!(
            "{}://{}",
            if tls.is_some() { "https" } else { "http" },
            o.indirizzo
        )),
        tolleranza_s: 60,
        thread: None,
        registro: SezioneRegistro {
            db: o.db_registro.clone(),
            connessioni: 8,
        },
        pdnd: SezionePdnd {
            issuer: ISSUER_LOCALE.into(),
            jwks: dir_pdnd.join("jwks.json").display().to_string(),
            stato: dir_pdnd.join("stato.json"),
            producer_id: Some(producer_inps().to_string()),
            aggiornamento_min_s: 30,
        },
        tls,
        accessi: SezioneAccessi {
            db: dir.join("accessi.db").display().to_string(),
            chiave: chiave_accessi,
            conservazione_giorni: 365,
            protezioni: Default::default(),
        },
        enti: SezioneEnti {
            db: db_enti.display().to_string(),
            aggiornamento_s: 5,
        },
        soglie: soglie_predefinite(),
        ascolto: Default::default(),
        // Legacy mode off: every e-service requires the voucher.
        cooperazione_applicativa: Vec::new(),
    };
    std::fs::write(
        &percorso_configurazione,
        toml::to_string_pretty(&configurazione)?,
    )?;
    Ok(Sandbox {
        dir: dir.clone(),
        configurazione,
        percorso_configurazione,
        dir_pdnd,
        ca: dir_ca,
        fruitori,
    })
}

/// The IPA/ISTAT extract shipped with the repository, joined.
pub fn enti_campione() -> Result<isee_enti::AnagrafeEnti> {
    let (ipa, _) = isee_enti::leggi_ipa(IPA_CAMPIONE)?;
    let (istat, _) = isee_enti::leggi_istat(ISTAT_CAMPIONE)?;
    let (y, m, d) = DATA_CAMPIONE;
    let data = NaiveDate::from_ymd_opt(y, m, d).context("data del campione")?;
    let (anagrafe, _) = isee_enti::unisci(ipa, istat, data, data);
    Ok(anagrafe)
}

/// Writes a secret file readable only by its owner.
fn scrivi_privato(p: &Path, contenuto: &str) -> Result<()> {
    use std::io::Write as _;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(0o600);
    }
    let mut f = o
        .open(p)
        .with_context(|| format!("creazione di {}", p.display()))?;
    f.write_all(contenuto.as_bytes())?;
    Ok(())
}

//! `isee demo`: a fresh register with a generated population, served locally, and
//! the consultation e-services with a local PDND over it (a sandbox of
//! `isee-sandbox`), checked once end to end before the commands are printed. This is
//! composition: each piece is a library's ([`isee_server::avvio`],
//! `isee_consultazione::avvio`, `isee_pdnd::server`); only the wiring and the printed
//! flow are here.

mod consultazione;

use anyhow::{Context, Result};
use consultazione::{
    BELFIORE_RAVENNA, Esempio, avvia_consultazione, stampa_consultazione, verifica,
};
use isee_registro::{Operazione, PresentazioneDsu, RegistroDsu};
use isee_server::{Clienti, Limiti, Servizio};
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// `isee demo`: a fresh register with a generated population, served locally, and
/// the consultation e-services with a local PDND over it.
#[derive(clap::Args, Clone, Debug)]
pub struct ArgsDemo {
    /// Porta del registro; le e-service di consultazione usano porta+363 e il PDND locale porta+364 (0: porte libere)
    #[arg(long, short, default_value_t = 8080)]
    pub porta: u16,
    /// Nuclei generati e presentati prima dell'avvio
    #[arg(long, default_value_t = 300)]
    pub nuclei: u64,
    /// Seme della popolazione (stesso seme, stesse DSU)
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Directory della demo (predefinita: una nuova directory temporanea); demo.db e consultazione/ vi sono ricreati
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// `isee demo`.
pub fn demo(a: ArgsDemo) -> Result<ExitCode> {
    super::serve::telemetria();
    let dir = match &a.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("isee-demo-{}", uuid::Uuid::new_v4().simple())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creazione di {}", dir.display()))?;
    let db = dir.join("demo.db");
    for f in ["demo.db", "demo.db-wal", "demo.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let locale_ip = IpAddr::from([127, 0, 0, 1]);
    let chiave = format!("demo-{}", uuid::Uuid::new_v4().simple());
    let clienti = Clienti::default().con_chiave("demo", &chiave);
    let imp = isee_genera::Impostazioni {
        seed: a.seed,
        anno: 2026,
        comuni: vec![
            BELFIORE_RAVENNA.into(),
            "H183".into(),
            "E885".into(),
            "H501".into(),
        ],
    };
    let rt = isee_server::avvio::runtime(None)?;
    let esito = rt.block_on(async move {
        let store = isee_server::avvio::connetti(&db.display().to_string(), 4, None).await?;
        let registro = RegistroDsu::new(store);
        let (mut ok, mut rifiutate, mut a_ravenna) = (0u64, 0u64, 0u64);
        let mut esempio: Option<Esempio> = None;
        // The demo accounts' household: the first one filed with two members or more.
        let mut famiglia: Option<Vec<(String, String)>> = None;
        let mut esempio_a_ravenna = false;
        for i in 0..a.nuclei {
            let dsu = isee_genera::nucleo(&imp, i);
            let cf = dsu.dichiarante().map(|c| c.codice_fiscale);
            let ravenna = dsu.abitazione.codice_comune.as_ref().map(|c| c.as_str())
                == Some(BELFIORE_RAVENNA);
            let r = registro
                .presenta(PresentazioneDsu {
                    dsu_json: serde_json::to_string(&dsu)?,
                    chiave_idempotenza: format!("demo-{i}"),
                    mittente: "demo".into(),
                    protocollo_mittente: Some(format!("DEMO-{i:06}")),
                    operazione: Operazione::Nuova,
                })
                .await;
            match r {
                Ok(r) => {
                    ok += 1;
                    a_ravenna += u64::from(ravenna);
                    if famiglia.is_none() && dsu.componenti.len() >= 2 {
                        famiglia = Some(
                            dsu.componenti
                                .iter()
                                .take(2)
                                .map(|c| (c.codice_fiscale.as_str().to_string(), nome_di(c)))
                                .collect(),
                        );
                    }
                    // The example is the first household resident in Ravenna (so the
                    // Residenti e-services answer for it too), else the first filed.
                    if esempio.is_none() || (ravenna && !esempio_a_ravenna) {
                        esempio_a_ravenna = ravenna;
                        esempio = cf.map(|cf| Esempio {
                            protocollo: r.protocollo.to_string(),
                            cf: cf.as_str().to_string(),
                            data: r.data_presentazione,
                        });
                    }
                }
                Err(e) => {
                    rifiutate += 1;
                    tracing::warn!(nucleo = i, codice = e.codice(), "DSU generata rifiutata");
                }
            }
        }
        let nuova = dir.join("dsu-esempio.json");
        std::fs::write(&nuova, serde_json::to_string_pretty(&isee_genera::nucleo(&imp, a.nuclei))?)?;
        let utenti = super::serve::utenti(
            &db.display().to_string(),
            None,
            isee_utenti::Segreto::genera().context("generatore casuale del sistema non disponibile")?,
        )
        .await?;
        let account = account_demo(&utenti, famiglia.as_deref().unwrap_or_default()).await?;
        let portale = super::serve::portale(
            None,
            Some(Arc::new(utenti)),
            Some(Arc::new(RegistroDsu::new(registro.store().clone()))),
        )?;
        let servizio = Arc::new(Servizio::new(registro, clienti));
        let (locale, registro_in_servizio) = isee_server::avvio::ascolta(
            servizio,
            &Limiti::default(),
            isee_http::server::Limits::default(),
            SocketAddr::new(locale_ip, a.porta),
            Some(portale.router()),
            isee_http::server::shutdown_signal(),
        )
        .await?;

        // The consultation side: a failure there is reported, and the register is
        // served all the same.
        let consultazione = avvia_consultazione(&dir, &db, a.porta, esempio.as_ref()).await;
        let verificata = match (&consultazione, &esempio) {
            (Ok(c), Some(e)) => Some(verifica(c, e).await),
            _ => None,
        };

        let u = format!("http://{locale}");
        let mut o = std::io::stdout().lock();
        writeln!(
            o,
            "isee demo: {ok} DSU presentate ({rifiutate} rifiutate; {a_ravenna} di nuclei residenti a Ravenna) in {}",
            db.display()
        )?;
        writeln!(o, "isee: in ascolto su {u}")?;
        writeln!(o, "Portale (simulatore ISEE, accesso, Le mie DSU): {u}/")?;
        writeln!(o, "\nAccount del portale (validi solo per questa demo; i collegamenti per reimpostare la password vanno nel log):")?;
        for acc in &account {
            writeln!(
                o,
                "  {:<32} nome utente {:<24} password {}",
                acc.descrizione, acc.nome, acc.password
            )?;
        }
        writeln!(o, "\nChiave API del client «demo» (valida solo per questa demo):")?;
        writeln!(o, "  export ISEE_CHIAVE={chiave}\n")?;
        writeln!(o, "Prove (Ctrl-C per fermare il servizio):")?;
        writeln!(o, "  curl -s {u}/salute")?;
        writeln!(o, "  curl -s {u}/api/v1/openapi.json | head")?;
        if let Some(e) = &esempio {
            let (p, cf, data) = (&e.protocollo, &e.cf, e.data);
            writeln!(o, "  curl -s -H \"Authorization: Bearer $ISEE_CHIAVE\" {u}/api/v1/dsu/{p}")?;
            writeln!(
                o,
                "  curl -s -H \"Authorization: Bearer $ISEE_CHIAVE\" -o attestazione.html {u}/api/v1/dsu/{p}/attestazione.html"
            )?;
            writeln!(
                o,
                "  curl -s -H \"Authorization: Bearer $ISEE_CHIAVE\" -H 'Content-Type: application/json' -d '{{\"codice_fiscale\":\"{cf}\",\"data\":\"{data}\"}}' {u}/api/v1/ricerche/dsu-valida",
            )?;
            writeln!(
                o,
                "  curl -s -H \"Authorization: Bearer $ISEE_CHIAVE\" -H 'Content-Type: application/json' -d '{{\"codice_fiscale\":\"{cf}\"}}' {u}/api/v1/ricerche/storico",
            )?;
        }
        writeln!(
            o,
            "  curl -s -H \"Authorization: Bearer $ISEE_CHIAVE\" {u}/api/v1/dsu?protocollo_mittente=DEMO-000001"
        )?;
        writeln!(
            o,
            "  curl -s -H \"Authorization: Bearer $ISEE_CHIAVE\" -H 'Content-Type: application/json' -H 'Idempotency-Key: prova-1' --data-binary @{} {u}/api/v1/dsu",
            nuova.display()
        )?;
        match &consultazione {
            Ok(c) => stampa_consultazione(&mut o, c, esempio.as_ref(), verificata)?,
            Err(e) => writeln!(
                o,
                "\nConsultazione ISEE via PDND: NON avviata ({e:#}); il registro resta in servizio"
            )?,
        }
        o.flush()?;
        drop(o);
        // Until Ctrl-C: the register stops once its requests in flight are answered,
        // and the demo with it.
        let _ = registro_in_servizio.await;
        Ok(ExitCode::SUCCESS)
    });
    rt.shutdown_background();
    esito
}

/// A member's "Nome Cognome".
fn nome_di(c: &isee_core::dsu::Componente) -> String {
    format!(
        "{} {}",
        c.nome.as_deref().unwrap_or(""),
        c.cognome.as_deref().unwrap_or("")
    )
    .trim()
    .to_string()
}

/// One demo account, printed at start-up.
struct AccountDemo {
    descrizione: &'static str,
    nome: &'static str,
    password: String,
}

/// The demo's accounts: the declarant and another member of a filed household
/// (`famiglia`: fiscal code and name of each), a CAF operator of the CAF that filed
/// the demo's DSUs, and an administrator; random passwords.
async fn account_demo(
    utenti: &isee_utenti::Utenti<isee_utenti::StoreSql>,
    famiglia: &[(String, String)],
) -> Result<Vec<AccountDemo>> {
    use isee_utenti::{NuovoUtente, Ruolo};
    let mut v = Vec::new();
    // (description, user name, role, fiscal code, CAF code, display name)
    type Profilo = (
        &'static str,
        &'static str,
        Ruolo,
        Option<String>,
        Option<String>,
        String,
    );
    let mut dati: Vec<Profilo> = Vec::new();
    if let Some((cf, nome)) = famiglia.first() {
        dati.push((
            "cittadino, dichiarante",
            "dichiarante",
            Ruolo::Cittadino,
            Some(cf.clone()),
            None,
            nome.clone(),
        ));
    }
    if let Some((cf, nome)) = famiglia.get(1) {
        dati.push((
            "cittadino, componente",
            "componente",
            Ruolo::Cittadino,
            Some(cf.clone()),
            None,
            nome.clone(),
        ));
    }
    dati.push((
        "operatore CAF «demo»",
        "operatore.caf",
        Ruolo::OperatoreCaf,
        None,
        Some("demo".into()),
        "Operatore del CAF demo".into(),
    ));
    dati.push((
        "amministratore",
        "amministratore",
        Ruolo::Amministratore,
        None,
        None,
        "Amministratore della demo".into(),
    ));
    for (descrizione, nome, ruolo, codice_fiscale, codice_caf, visualizzato) in dati {
        // Generated households have no names: the account's description stands in.
        let visualizzato = if visualizzato.is_empty() {
            format!("Demo: {descrizione}")
        } else {
            visualizzato
        };
        let password = format!("demo-{}", &uuid::Uuid::new_v4().simple().to_string()[..16]);
        utenti
            .registra(
                &NuovoUtente {
                    nome_utente: nome.into(),
                    nome_visualizzato: visualizzato,
                    ruolo,
                    codice_fiscale,
                    codice_caf,
                },
                &password,
                chrono::Utc::now(),
            )
            .await
            .with_context(|| format!("account della demo «{nome}»"))?;
        v.push(AccountDemo {
            descrizione,
            nome,
            password,
        });
    }
    Ok(v)
}
